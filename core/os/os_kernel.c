// SPDX-License-Identifier: GPL-2.0
/*
 * os_kernel.c - the OS shim (core/os/os.h) for the Linux kernel: the KVM
 * path's module (kernel/) links it with the unchanged core/ sources.
 *
 *   memory    kzalloc / kvzalloc (os_free and os_free_large both kvfree, so
 *             a mix-up between the two can never corrupt the heap)
 *   locks     struct mutex
 *   conds     a wait queue plus a generation counter (see below)
 *   threads   kthreads, joined with kthread_stop
 *   time      ktime_get_ns, usleep_range / msleep
 *   logging   printk at the matching KERN_ level, "vgpu: " prefix, the
 *             shim's own per-call-site rate limiting
 *
 * Every sleeping wait is TASK_IDLE: the software engine's threads sleep for
 * as long as the GPU is idle, which must neither count as load nor trip the
 * hung-task detector.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>

#include "os.h"

/* ------------------------------------------------------------ memory */
void *os_alloc(size_t size)
{
	return kzalloc(size ? size : 1, GFP_KERNEL);
}

void *os_alloc_large(size_t size)
{
	return kvzalloc(size ? size : 1, GFP_KERNEL);
}

void os_free(void *p)
{
	kvfree(p);
}

void os_free_large(void *p)
{
	kvfree(p);
}

/* ------------------------------------------------------------ locks */
struct os_mutex {
	struct mutex m;
};

struct os_mutex *os_mutex_create(void)
{
	struct os_mutex *m = kzalloc(sizeof(*m), GFP_KERNEL);

	if (m)
		mutex_init(&m->m);
	return m;
}

void os_mutex_destroy(struct os_mutex *m)
{
	if (!m)
		return;
	mutex_destroy(&m->m);
	kfree(m);
}

void os_mutex_lock(struct os_mutex *m)
{
	mutex_lock(&m->m);
}

void os_mutex_unlock(struct os_mutex *m)
{
	mutex_unlock(&m->m);
}

/* Only called with CONFIG_LOCKDEP (os.h compiles the asserts away otherwise). */
void os_mutex_assert_held(struct os_mutex *m, bool held, const char *file, int line)
{
	if (held)
		lockdep_assert_held(&m->m);
	else
		lockdep_assert_not_held(&m->m);
}

/*
 * Condition variable: a waiter samples the generation while it still holds
 * the mutex, drops the mutex and sleeps until the generation moves.  Every
 * signal bumps the generation, so a signal sent after the waiter released
 * the mutex is never lost; one sent before it (while the predicate was
 * still false under the same mutex) cannot exist.  Signal wakes every
 * waiter: callers re-check their predicate, as the API requires.
 */
struct os_cond {
	wait_queue_head_t wq;
	atomic_long_t gen;
};

struct os_cond *os_cond_create(void)
{
	struct os_cond *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (c) {
		init_waitqueue_head(&c->wq);
		atomic_long_set(&c->gen, 0);
	}
	return c;
}

void os_cond_destroy(struct os_cond *c)
{
	kfree(c);
}

void os_cond_wait(struct os_cond *c, struct os_mutex *m)
{
	long gen = atomic_long_read(&c->gen);

	mutex_unlock(&m->m);
	wait_event_idle(c->wq, atomic_long_read(&c->gen) != gen);
	mutex_lock(&m->m);
}

int os_cond_timedwait(struct os_cond *c, struct os_mutex *m, u64 timeout_ns)
{
	long gen = atomic_long_read(&c->gen);
	unsigned long tmo;
	long left;

	/* "Forever" (~0) and anything longer than a day saturate. */
	if (timeout_ns >= 86400ull * NSEC_PER_SEC)
		tmo = MAX_SCHEDULE_TIMEOUT;
	else
		tmo = max_t(unsigned long, nsecs_to_jiffies(timeout_ns), 1);
	mutex_unlock(&m->m);
	left = wait_event_idle_timeout(c->wq, atomic_long_read(&c->gen) != gen, tmo);
	mutex_lock(&m->m);
	return left ? 0 : -ETIMEDOUT;
}

void os_cond_signal(struct os_cond *c)
{
	atomic_long_inc(&c->gen);
	wake_up_all(&c->wq);
}

void os_cond_broadcast(struct os_cond *c)
{
	atomic_long_inc(&c->gen);
	wake_up_all(&c->wq);
}

/* ------------------------------------------------------------ threads */
struct os_thread {
	struct task_struct *task;
	os_thread_fn fn;
	void *arg;
};

/*
 * After fn returns the thread parks itself until os_thread_join() stops
 * it: the task (and this module's text it runs) stays valid until the
 * joiner has seen it finish, and kthread_stop() never races an exit.
 */
static int os_thread_trampoline(void *p)
{
	struct os_thread *t = p;

	t->fn(t->arg);
	for (;;) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

int os_thread_create(struct os_thread **out, const char *name, os_thread_fn fn, void *arg)
{
	struct os_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	task = kthread_create(os_thread_trampoline, t, "%s", name ? name : "vgpu");
	if (IS_ERR(task)) {
		kfree(t);
		return PTR_ERR(task);
	}
	get_task_struct(task);
	t->task = task;
	wake_up_process(task);
	*out = t;
	return 0;
}

void os_thread_join(struct os_thread *t)
{
	if (!t)
		return;
	kthread_stop(t->task);
	put_task_struct(t->task);
	kfree(t);
}

/* ------------------------------------------------------------ time */
u64 os_now_ns(void)
{
	return ktime_get_ns();
}

void os_sleep_ns(u64 ns)
{
	if (ns >= 20 * NSEC_PER_MSEC) {
		msleep((unsigned int)min_t(u64, div_u64(ns, NSEC_PER_MSEC), UINT_MAX));
	} else {
		unsigned long us = max_t(unsigned long, (unsigned long)div_u64(ns, NSEC_PER_USEC), 1);

		usleep_range(us, us + us / 4 + 10);
	}
}

/* ------------------------------------------------------------ text */
int os_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ------------------------------------------------------------ logging */
static int os_log_level_cur = OS_LOG_INFO;
static DEFINE_SPINLOCK(os_log_rl_lock);
static u64 os_rl_suppressed_total;

void os_log_set_level(enum os_log_level lvl)
{
	WRITE_ONCE(os_log_level_cur, (int)lvl);
}

enum os_log_level os_log_get_level(void)
{
	return (enum os_log_level)READ_ONCE(os_log_level_cur);
}

void os_vlog(enum os_log_level lvl, const char *fmt, va_list ap)
{
	struct va_format vaf;
	va_list copy;
	size_t n;
	bool nl;

	if ((int)lvl > READ_ONCE(os_log_level_cur) || !fmt)
		return;
	n = strlen(fmt);
	nl = n && fmt[n - 1] == '\n';
	va_copy(copy, ap);
	vaf.fmt = fmt;
	vaf.va = &copy;
	switch (lvl) {
	case OS_LOG_ERR:
		pr_err("vgpu: %pV%s", &vaf, nl ? "" : "\n");
		break;
	case OS_LOG_WARN:
		pr_warn("vgpu: %pV%s", &vaf, nl ? "" : "\n");
		break;
	case OS_LOG_INFO:
		pr_info("vgpu: %pV%s", &vaf, nl ? "" : "\n");
		break;
	default:
		/* Not pr_debug: dynamic debug would hide it; the shim's level decides. */
		pr_info("vgpu debug: %pV%s", &vaf, nl ? "" : "\n");
		break;
	}
	va_end(copy);
}

void os_log(enum os_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	os_vlog(lvl, fmt, ap);
	va_end(ap);
}

bool os_ratelimit_ok(struct os_ratelimit *rl)
{
	u64 now = ktime_get_ns();
	unsigned long flags;
	u32 summary;
	bool ok;

	spin_lock_irqsave(&os_log_rl_lock, flags);
	ok = os_ratelimit_step(rl, now, &summary);
	if (!ok)
		os_rl_suppressed_total++;
	spin_unlock_irqrestore(&os_log_rl_lock, flags);
	if (summary)
		os_log(OS_LOG_WARN, "%u similar messages suppressed", summary);
	return ok;
}

u64 os_ratelimit_total_suppressed(void)
{
	unsigned long flags;
	u64 n;

	spin_lock_irqsave(&os_log_rl_lock, flags);
	n = os_rl_suppressed_total;
	spin_unlock_irqrestore(&os_log_rl_lock, flags);
	return n;
}
