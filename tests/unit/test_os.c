/*
 * test_os.c - the userspace OS shim (core/os/os_user.c): allocation,
 * locks, condition variables, threads, time, text, rate limiting and
 * atomics.
 */
#include <string.h>

#include "unit.h"

static void test_alloc_zeroed(void)
{
    unsigned char *p = os_alloc(4096);
    unsigned char *q = os_alloc_large(1u << 20);
    size_t i, nonzero = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    for (i = 0; i < 4096; i++)
        nonzero += p[i] != 0;
    for (i = 0; i < (1u << 20); i++)
        nonzero += q[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    os_free(p);
    os_free_large(q);
    /* A zero-sized request still yields a pointer that can be freed. */
    p = os_alloc(0);
    CU_ASSERT_PTR_NOT_NULL(p);
    os_free(p);
    os_free(NULL);
}

static void test_mutex_cond_timeout(void)
{
    struct os_mutex *m = os_mutex_create();
    struct os_cond *c = os_cond_create();
    u64 t0, elapsed;
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    os_mutex_lock(m);
    t0 = os_now_ns();
    /* Spurious wakeups are allowed; loop until the deadline has passed. */
    do {
        rc = os_cond_timedwait(c, m, 20 * 1000 * 1000ull);
    } while (rc == 0 && os_now_ns() - t0 < 20 * 1000 * 1000ull);
    elapsed = os_now_ns() - t0;
    os_mutex_unlock(m);
    CU_ASSERT_EQUAL(rc, -ETIMEDOUT);
    CU_ASSERT(elapsed >= 20 * 1000 * 1000ull);
    os_cond_destroy(c);
    os_mutex_destroy(m);
    os_cond_destroy(NULL);
    os_mutex_destroy(NULL);
}

struct signal_arg {
    struct os_mutex *m;
    struct os_cond *c;
    bool flag;
};

static void signal_later(void *p)
{
    struct signal_arg *a = p;

    os_sleep_ns(20 * 1000 * 1000);
    os_mutex_lock(a->m);
    a->flag = true;
    os_cond_signal(a->c);
    os_mutex_unlock(a->m);
}

static void test_cond_timedwait_huge_timeout(void)
{
    struct signal_arg a = { os_mutex_create(), os_cond_create(), false };
    struct os_thread *t;
    u64 t0 = os_now_ns();
    int rc = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a.c);
    CU_ASSERT_EQUAL_FATAL(os_thread_create(&t, "signaller", signal_later, &a), 0);
    os_mutex_lock(a.m);
    /* "Wait forever": must wait for the signal, not time out at once. */
    while (!a.flag && rc == 0)
        rc = os_cond_timedwait(a.c, a.m, ~0ull);
    os_mutex_unlock(a.m);
    os_thread_join(t);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_TRUE(a.flag);
    CU_ASSERT(os_now_ns() - t0 >= 20 * 1000 * 1000);
    os_cond_destroy(a.c);
    os_mutex_destroy(a.m);
}

struct thread_arg {
    struct os_mutex *m;
    struct os_cond *c;
    int ran;
    int value;
};

static void thread_fn(void *p)
{
    struct thread_arg *a = p;

    os_mutex_lock(a->m);
    a->ran++;
    a->value = 42;
    os_cond_signal(a->c);
    os_mutex_unlock(a->m);
}

static void test_thread_create_join(void)
{
    struct thread_arg a = { os_mutex_create(), os_cond_create(), 0, 0 };
    struct os_thread *t = NULL;
    int woken = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(a.m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a.c);
    /* A name longer than the kernel's 15-character limit is truncated. */
    CU_ASSERT_EQUAL_FATAL(os_thread_create(&t, "a-very-long-thread-name", thread_fn, &a), 0);
    CU_ASSERT_PTR_NOT_NULL(t);
    os_mutex_lock(a.m);
    while (!a.ran) {
        woken = os_cond_timedwait(a.c, a.m, 5ull * 1000 * 1000 * 1000);
        if (woken == -ETIMEDOUT)
            break;
    }
    os_mutex_unlock(a.m);
    CU_ASSERT_EQUAL(woken, 0);          /* signalled well before 5 s */
    os_thread_join(t);
    CU_ASSERT_EQUAL(a.ran, 1);
    CU_ASSERT_EQUAL(a.value, 42);
    os_thread_join(NULL);
    os_cond_destroy(a.c);
    os_mutex_destroy(a.m);
}

/* Broken lock contracts, counted instead of aborting (the default). */
static unsigned int contract_breaks;
static const char *contract_file;

static void count_break(const char *file, int line)
{
    (void)line;
    contract_breaks++;
    contract_file = file;
}

struct holder_arg {
    struct os_mutex *m;
    unsigned int breaks;
};

/* Another thread's view while the test's thread holds the mutex. */
static void assert_from_other_thread(void *p)
{
    struct holder_arg *a = p;
    unsigned int before = contract_breaks;

    OS_ASSERT_NOT_HELD(a->m);
    OS_ASSERT_HELD(a->m);               /* someone holds it, but not this thread */
    a->breaks = contract_breaks - before;
}

static void test_lock_contract(void)
{
    struct os_mutex *m = os_mutex_create();
    struct os_cond *c = os_cond_create();
    struct holder_arg a = { m, 0 };
    struct os_thread *t;

    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    os_set_contract_handler(count_break);
    contract_breaks = 0;
    /* Kept contracts pass, also after a wait gave the mutex back. */
    os_mutex_lock(m);
    OS_ASSERT_HELD(m);
    CU_ASSERT_EQUAL(os_cond_timedwait(c, m, 1000), -ETIMEDOUT);
    OS_ASSERT_HELD(m);
    CU_ASSERT_EQUAL(contract_breaks, 0);
    CU_ASSERT_EQUAL_FATAL(os_thread_create(&t, "not-holder", assert_from_other_thread, &a), 0);
    os_thread_join(t);
    CU_ASSERT_EQUAL(a.breaks, 1);
    /* Broken ones are caught: held where forbidden, not held where required. */
    OS_ASSERT_NOT_HELD(m);
    CU_ASSERT_EQUAL(contract_breaks, 2);
    os_mutex_unlock(m);
    OS_ASSERT_NOT_HELD(m);
    CU_ASSERT_EQUAL(contract_breaks, 2);
    OS_ASSERT_HELD(m);
    CU_ASSERT_EQUAL(contract_breaks, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(contract_file, "test_os.c"));
    os_set_contract_handler(NULL);
    os_cond_destroy(c);
    os_mutex_destroy(m);
}

/* The model's "caller holds v->lock" rules are checked, not comments. */
static void test_lock_contract_in_model(void)
{
    struct unit_fixture f;

    CU_ASSERT_EQUAL_FATAL(unit_fixture_setup(&f, "refgpu-8"), 0);
    os_set_contract_handler(count_break);
    contract_breaks = 0;
    os_mutex_lock(f.vgpu->lock);
    vgpu_irq_raise(f.vgpu, RGPU_IRQ_RENDER_USER);
    os_mutex_unlock(f.vgpu->lock);
    CU_ASSERT_EQUAL(contract_breaks, 0);
    vgpu_irq_raise(f.vgpu, RGPU_IRQ_RENDER_USER);
    CU_ASSERT_EQUAL(contract_breaks, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(contract_file, "irq.c"));
    os_set_contract_handler(NULL);
    unit_fixture_teardown(&f);
}

static void test_now_monotonic(void)
{
    u64 a = os_now_ns(), b, c;
    unsigned int i;

    for (i = 0; i < 1000; i++) {
        b = os_now_ns();
        CU_ASSERT(b >= a);
        a = b;
    }
    os_sleep_ns(2 * 1000 * 1000);
    c = os_now_ns();
    CU_ASSERT(c - a >= 2 * 1000 * 1000);
}

static void test_snprintf(void)
{
    char buf[16];
    int n;

    n = os_snprintf(buf, sizeof(buf), "vgpu%u-%s-%#x", 7u, "ab", 0x1fu);
    CU_ASSERT_EQUAL(n, 13);
    CU_ASSERT_STRING_EQUAL(buf, "vgpu7-ab-0x1f");
    /* Truncation: returns the length it wanted, output stays terminated. */
    n = os_snprintf(buf, 8, "%s", "0123456789abc");
    CU_ASSERT_EQUAL(n, 13);
    CU_ASSERT_STRING_EQUAL(buf, "0123456");
    CU_ASSERT_EQUAL(os_snprintf(NULL, 0, "%d", 12345), 5);
}

static void test_ratelimit_burst_and_suppression(void)
{
    struct os_ratelimit rl = OS_RATELIMIT_INIT(50, 3);
    u64 before = os_ratelimit_total_suppressed();
    unsigned int ok = 0, i;

    for (i = 0; i < 10; i++)
        ok += os_ratelimit_ok(&rl);
    CU_ASSERT_EQUAL(ok, 3);
    CU_ASSERT_EQUAL(rl.printed, 3);
    CU_ASSERT_EQUAL(rl.suppressed, 7);
    CU_ASSERT_EQUAL(os_ratelimit_total_suppressed() - before, 7);
}

static void test_ratelimit_window_reopens(void)
{
    struct os_ratelimit rl = OS_RATELIMIT_INIT(50, 2);
    u64 before = os_ratelimit_total_suppressed();
    enum os_log_level lvl = os_log_get_level();

    CU_ASSERT_TRUE(os_ratelimit_ok(&rl));
    CU_ASSERT_TRUE(os_ratelimit_ok(&rl));
    CU_ASSERT_FALSE(os_ratelimit_ok(&rl));
    CU_ASSERT_FALSE(os_ratelimit_ok(&rl));
    os_sleep_ns(60 * 1000 * 1000);
    /* The "N suppressed" summary is a warning: keep it out of the output. */
    os_log_set_level(OS_LOG_ERR);
    CU_ASSERT_TRUE(os_ratelimit_ok(&rl));
    os_log_set_level(lvl);
    CU_ASSERT_EQUAL(rl.suppressed, 0);      /* summarised and reset */
    CU_ASSERT_EQUAL(rl.printed, 1);
    CU_ASSERT_TRUE(os_ratelimit_ok(&rl));
    CU_ASSERT_FALSE(os_ratelimit_ok(&rl));
    CU_ASSERT_EQUAL(os_ratelimit_total_suppressed() - before, 3);
}

static void test_log_level(void)
{
    enum os_log_level lvl = os_log_get_level();

    os_log_set_level(OS_LOG_DEBUG);
    CU_ASSERT_EQUAL(os_log_get_level(), OS_LOG_DEBUG);
    os_log_set_level(OS_LOG_ERR);
    CU_ASSERT_EQUAL(os_log_get_level(), OS_LOG_ERR);
    os_debug("this line is filtered out");
    os_log_set_level(lvl);
    CU_ASSERT_EQUAL(os_log_get_level(), lvl);
}

static void test_atomics(void)
{
    os_atomic32_t a;
    os_atomic64_t b;
    u32 exp;

    os_atomic32_set(&a, 5);
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 5);
    CU_ASSERT_EQUAL(os_atomic32_add(&a, 3), 8);
    CU_ASSERT_EQUAL(os_atomic32_or(&a, 0x10), 8);       /* returns old */
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 0x18);
    CU_ASSERT_EQUAL(os_atomic32_and(&a, 0x10), 0x18);
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 0x10);
    CU_ASSERT_EQUAL(os_atomic32_xchg(&a, 7), 0x10);
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 7);
    exp = 6;
    CU_ASSERT_FALSE(os_atomic32_cmpxchg(&a, &exp, 9));
    CU_ASSERT_EQUAL(exp, 7);                            /* updated to current */
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 7);
    CU_ASSERT_TRUE(os_atomic32_cmpxchg(&a, &exp, 9));
    CU_ASSERT_EQUAL(os_atomic32_read(&a), 9);
    CU_ASSERT_EQUAL(os_atomic32_add(&a, (u32)-10), 0xffffffffu);

    os_atomic64_set(&b, 0xfffffffful);
    CU_ASSERT_EQUAL(os_atomic64_add(&b, 1), 0x100000000ull);
    CU_ASSERT_EQUAL(os_atomic64_read(&b), 0x100000000ull);
}

struct counter_arg {
    os_atomic32_t *ctr;
    unsigned int n;
};

static void count_fn(void *p)
{
    struct counter_arg *a = p;
    unsigned int i;

    for (i = 0; i < a->n; i++)
        os_atomic32_add(a->ctr, 1);
}

static void test_atomics_concurrent(void)
{
    os_atomic32_t ctr;
    struct counter_arg arg = { &ctr, 20000 };
    struct os_thread *t[4];
    unsigned int i;

    os_atomic32_set(&ctr, 0);
    for (i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(os_thread_create(&t[i], "ctr", count_fn, &arg), 0);
    for (i = 0; i < 4; i++)
        os_thread_join(t[i]);
    CU_ASSERT_EQUAL(os_atomic32_read(&ctr), 4 * 20000);
}

static void test_helpers(void)
{
    u64 x = 0x1001;

    CU_ASSERT_TRUE(OS_IS_POW2(4096u));
    CU_ASSERT_FALSE(OS_IS_POW2(0u));
    CU_ASSERT_FALSE(OS_IS_POW2(12u));
    CU_ASSERT_EQUAL(OS_ALIGN_UP(x, 0x1000), 0x2000);
    CU_ASSERT_EQUAL(OS_ALIGN_UP((u64)0x2000, 0x1000), 0x2000);
    CU_ASSERT_EQUAL(OS_MIN(3, 9), 3);
    CU_ASSERT_EQUAL(OS_MAX(3, 9), 9);
}

void register_os_tests(void)
{
    UNIT_SUITE("os", NULL, NULL,
               UT(test_alloc_zeroed),
               UT(test_mutex_cond_timeout),
               UT(test_cond_timedwait_huge_timeout),
               UT(test_thread_create_join),
               UT(test_lock_contract),
               UT(test_lock_contract_in_model),
               UT(test_now_monotonic),
               UT(test_snprintf),
               UT(test_ratelimit_burst_and_suppression),
               UT(test_ratelimit_window_reopens),
               UT(test_log_level),
               UT(test_atomics),
               UT(test_atomics_concurrent),
               UT(test_helpers));
}
