/*
 * os_user.c - the OS shim for userspace (daemon, tools, tests): libc,
 * pthreads and CLOCK_MONOTONIC.  The one file under core/ that may include
 * system headers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "os.h"

/* ------------------------------------------------------------ memory */
void *os_alloc(size_t size) { return calloc(1, size ? size : 1); }
void *os_alloc_large(size_t size) { return calloc(1, size ? size : 1); }
void os_free(void *p) { free(p); }
void os_free_large(void *p) { free(p); }

/* ------------------------------------------------------------ locks
 * A mutex records which thread holds it (the address of a thread-local
 * byte, unique per live thread), for OS_ASSERT_HELD.  Only the holder
 * writes owner, so an assertion by the holder always reads its own
 * value; a non-holder reads someone else's or NULL, never its own. */
struct os_mutex {
    pthread_mutex_t m;
    const void *owner;
};
struct os_cond { pthread_cond_t c; };

static __thread char os_thread_token;
static os_contract_fn contract_handler;

void os_set_contract_handler(os_contract_fn fn)
{
    __atomic_store_n(&contract_handler, fn, __ATOMIC_RELAXED);
}

static void set_owner(struct os_mutex *m, const void *owner)
{
    __atomic_store_n(&m->owner, owner, __ATOMIC_RELAXED);
}

void os_mutex_assert_held(struct os_mutex *m, bool held, const char *file, int line)
{
    bool mine = __atomic_load_n(&m->owner, __ATOMIC_RELAXED) == &os_thread_token;
    os_contract_fn fn;

    if (mine == held)
        return;
    fn = __atomic_load_n(&contract_handler, __ATOMIC_RELAXED);
    if (fn) {
        fn(file, line);
        return;
    }
    fprintf(stderr, "vgpu: %s:%d: lock contract broken: the caller %s the mutex\n", file, line,
            held ? "does not hold" : "holds");
    abort();
}

struct os_mutex *os_mutex_create(void)
{
    struct os_mutex *m = os_alloc(sizeof(*m));
    if (m && pthread_mutex_init(&m->m, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void os_mutex_destroy(struct os_mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    free(m);
}

void os_mutex_lock(struct os_mutex *m)
{
    pthread_mutex_lock(&m->m);
    set_owner(m, &os_thread_token);
}

void os_mutex_unlock(struct os_mutex *m)
{
    set_owner(m, NULL);
    pthread_mutex_unlock(&m->m);
}

struct os_cond *os_cond_create(void)
{
    struct os_cond *c = os_alloc(sizeof(*c));
    pthread_condattr_t attr;

    if (!c)
        return NULL;
    /* Timed waits measure against the monotonic clock, like os_now_ns(). */
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_cond_init(&c->c, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        free(c);
        return NULL;
    }
    pthread_condattr_destroy(&attr);
    return c;
}

void os_cond_destroy(struct os_cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    free(c);
}

void os_cond_wait(struct os_cond *c, struct os_mutex *m)
{
    set_owner(m, NULL);
    pthread_cond_wait(&c->c, &m->m);
    set_owner(m, &os_thread_token);
}

int os_cond_timedwait(struct os_cond *c, struct os_mutex *m, u64 timeout_ns)
{
    struct timespec ts;
    u64 now = os_now_ns();
    /* Saturate: a caller meaning "forever" (~0) must not wrap into the past. */
    u64 deadline = timeout_ns > ~0ull - now ? ~0ull : now + timeout_ns;
    int rc;

    ts.tv_sec = (time_t)(deadline / 1000000000ull);
    ts.tv_nsec = (long)(deadline % 1000000000ull);
    set_owner(m, NULL);
    rc = pthread_cond_timedwait(&c->c, &m->m, &ts);
    set_owner(m, &os_thread_token);
    return rc == ETIMEDOUT ? -ETIMEDOUT : 0;
}

void os_cond_signal(struct os_cond *c) { pthread_cond_signal(&c->c); }
void os_cond_broadcast(struct os_cond *c) { pthread_cond_broadcast(&c->c); }

/* ------------------------------------------------------------ threads */
struct os_thread {
    pthread_t tid;
    os_thread_fn fn;
    void *arg;
};

static void *os_thread_trampoline(void *p)
{
    struct os_thread *t = p;

    t->fn(t->arg);
    return NULL;
}

int os_thread_create(struct os_thread **out, const char *name, os_thread_fn fn, void *arg)
{
    struct os_thread *t = os_alloc(sizeof(*t));
    int rc;

    if (!t)
        return -ENOMEM;
    t->fn = fn;
    t->arg = arg;
    rc = pthread_create(&t->tid, NULL, os_thread_trampoline, t);
    if (rc) {
        free(t);
        return -rc;
    }
    if (name) {
        char short_name[16];    /* the kernel's comm limit */
        snprintf(short_name, sizeof(short_name), "%s", name);
        pthread_setname_np(t->tid, short_name);
    }
    *out = t;
    return 0;
}

void os_thread_join(struct os_thread *t)
{
    if (!t)
        return;
    pthread_join(t->tid, NULL);
    free(t);
}

/* ------------------------------------------------------------ time */
u64 os_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

void os_sleep_ns(u64 ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
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

/* ------------------------------------------------------------ logging
 * Messages go to stderr with a level tag; the daemon redirects stderr to
 * its log file.  VGPU_LOG_LEVEL=err|warn|info|debug sets the initial level. */
static int log_level = -1;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static u64 ratelimit_suppressed_total;

static enum os_log_level log_level_from_env(void)
{
    const char *e = getenv("VGPU_LOG_LEVEL");

    if (!e)
        return OS_LOG_WARN;
    if (!strcmp(e, "err"))
        return OS_LOG_ERR;
    if (!strcmp(e, "info"))
        return OS_LOG_INFO;
    if (!strcmp(e, "debug"))
        return OS_LOG_DEBUG;
    return OS_LOG_WARN;
}

void os_log_set_level(enum os_log_level lvl) { __atomic_store_n(&log_level, (int)lvl, __ATOMIC_RELAXED); }

enum os_log_level os_log_get_level(void)
{
    int lvl = __atomic_load_n(&log_level, __ATOMIC_RELAXED);

    if (lvl < 0) {
        lvl = (int)log_level_from_env();
        __atomic_store_n(&log_level, lvl, __ATOMIC_RELAXED);
    }
    return (enum os_log_level)lvl;
}

static os_log_prefix_fn log_prefix;

void os_log_set_prefix(os_log_prefix_fn fn) { __atomic_store_n(&log_prefix, fn, __ATOMIC_RELEASE); }

void os_vlog(enum os_log_level lvl, const char *fmt, va_list ap)
{
    static const char *const tag[] = { "error", "warning", "info", "debug" };
    os_log_prefix_fn prefix_fn = __atomic_load_n(&log_prefix, __ATOMIC_ACQUIRE);
    char msg[1024], prefix[64] = "";
    size_t n;

    if ((int)lvl > (int)os_log_get_level())
        return;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    if (n && msg[n - 1] == '\n')
        msg[n - 1] = '\0';
    if (prefix_fn && prefix_fn(msg, prefix, sizeof(prefix)) >= sizeof(prefix))
        prefix[sizeof(prefix) - 1] = '\0';
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "vgpu %s: %s%s\n", tag[lvl], prefix, msg);
    pthread_mutex_unlock(&log_lock);
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
    u64 now = os_now_ns();
    u32 summary;
    bool ok;

    pthread_mutex_lock(&log_lock);
    ok = os_ratelimit_step(rl, now, &summary);
    if (!ok)
        ratelimit_suppressed_total++;
    pthread_mutex_unlock(&log_lock);
    if (summary)
        os_log(OS_LOG_WARN, "%u similar messages suppressed", summary);
    return ok;
}

u64 os_ratelimit_total_suppressed(void)
{
    u64 n;

    pthread_mutex_lock(&log_lock);
    n = ratelimit_suppressed_total;
    pthread_mutex_unlock(&log_lock);
    return n;
}
