/*
 * os.h - the only header the shared device model (core/) includes.
 *
 * core/ builds in three environments: a userspace daemon/test (libc +
 * pthreads, core/os/os_user.c), a Linux kernel module (core/os/os_kernel.c,
 * with the KVM path), and `make check-core`, which compiles core/ with
 * -ffreestanding -nostdinc to prove nothing else sneaks in.  This header
 * supplies per environment: fixed-width types, bool, errno values, atomics,
 * mem and str functions, allocation, locks, threads, time and logging.
 *
 * Sync objects are opaque and heap-allocated so that their size (which
 * differs between pthreads and the kernel, and with lockdep) never leaks
 * into core/ structures.
 */
#ifndef VGPU_OS_H
#define VGPU_OS_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/stddef.h>
#include <linux/stdarg.h>
#else
/* Compiler-provided freestanding headers only. */
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;

/* Linux errno values: identical in the kernel and in glibc on Linux. */
#ifndef EPERM
#define EPERM 1
#endif
#ifndef ENOENT
#define ENOENT 2
#endif
#ifndef EIO
#define EIO 5
#endif
#ifndef E2BIG
#define E2BIG 7
#endif
#ifndef EAGAIN
#define EAGAIN 11
#endif
#ifndef ENOMEM
#define ENOMEM 12
#endif
#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef ENODEV
#define ENODEV 19
#endif
#ifndef EINVAL
#define EINVAL 22
#endif
#ifndef ENOSPC
#define ENOSPC 28
#endif
#ifndef ERANGE
#define ERANGE 34
#endif
#ifndef ENOSYS
#define ENOSYS 38
#endif
#ifndef EOPNOTSUPP
#define EOPNOTSUPP 95
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif

/* The compiler may emit calls to these even when freestanding; libc (user)
 * or the kernel provides them. Declarations match the standard ones. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif /* !__KERNEL__ */

#define OS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define OS_MIN(a, b) ((a) < (b) ? (a) : (b))
#define OS_MAX(a, b) ((a) > (b) ? (a) : (b))
#define OS_CONTAINER_OF(ptr, type, member) \
    ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define OS_IS_POW2(x) ((x) != 0 && (((x) & ((x) - 1)) == 0))
#define OS_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define OS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define OS_UNUSED __attribute__((unused))

/* ------------------------------------------------------------ atomics
 * GCC/Clang __atomic builtins work in every environment (including the
 * kernel, where they compile to the same instructions as atomic_t ops).
 * Wrapped so a kernel shim could swap them for atomic_t if ever needed. */
typedef struct { volatile u32 v; } os_atomic32_t;
typedef struct { volatile u64 v; } os_atomic64_t;

static inline u32 os_atomic32_read(const os_atomic32_t *a)
{ return __atomic_load_n(&a->v, __ATOMIC_ACQUIRE); }
static inline void os_atomic32_set(os_atomic32_t *a, u32 v)
{ __atomic_store_n(&a->v, v, __ATOMIC_RELEASE); }
static inline u32 os_atomic32_add(os_atomic32_t *a, u32 v)   /* returns new */
{ return __atomic_add_fetch(&a->v, v, __ATOMIC_ACQ_REL); }
static inline u32 os_atomic32_or(os_atomic32_t *a, u32 v)    /* returns old */
{ return __atomic_fetch_or(&a->v, v, __ATOMIC_ACQ_REL); }
static inline u32 os_atomic32_and(os_atomic32_t *a, u32 v)   /* returns old */
{ return __atomic_fetch_and(&a->v, v, __ATOMIC_ACQ_REL); }
static inline u32 os_atomic32_xchg(os_atomic32_t *a, u32 v)
{ return __atomic_exchange_n(&a->v, v, __ATOMIC_ACQ_REL); }
static inline bool os_atomic32_cmpxchg(os_atomic32_t *a, u32 *expected, u32 desired)
{ return __atomic_compare_exchange_n(&a->v, expected, desired, false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE); }
static inline u64 os_atomic64_read(const os_atomic64_t *a)
{ return __atomic_load_n(&a->v, __ATOMIC_ACQUIRE); }
static inline void os_atomic64_set(os_atomic64_t *a, u64 v)
{ __atomic_store_n(&a->v, v, __ATOMIC_RELEASE); }
static inline u64 os_atomic64_add(os_atomic64_t *a, u64 v)   /* returns new */
{ return __atomic_add_fetch(&a->v, v, __ATOMIC_ACQ_REL); }

/* ------------------------------------------------------------ memory */
void *os_alloc(size_t size);           /* zeroed; NULL on failure */
void *os_alloc_large(size_t size);     /* zeroed; may be virtually contiguous only */
void os_free(void *p);
void os_free_large(void *p);

/* ------------------------------------------------------------ locks
 * A mutex may sleep; never take one from an interrupt-like context. */
struct os_mutex;
struct os_mutex *os_mutex_create(void);
void os_mutex_destroy(struct os_mutex *m);
void os_mutex_lock(struct os_mutex *m);
void os_mutex_unlock(struct os_mutex *m);

/*
 * Lock contracts in code: OS_ASSERT_HELD(m) where a function requires its
 * caller to hold m, OS_ASSERT_NOT_HELD(m) where it must not (it would wait
 * for someone who needs m).  Userspace: every mutex records its owner
 * thread and a broken contract logs file:line and aborts, in every build
 * (the unit, sanitizer and valgrind runs exercise them).  Kernel:
 * lockdep_assert_held / lockdep_assert_not_held, which cost nothing
 * without CONFIG_LOCKDEP.
 */
void os_mutex_assert_held(struct os_mutex *m, bool held, const char *file, int line);
#if defined(__KERNEL__) && !defined(CONFIG_LOCKDEP)
#define OS_ASSERT_HELD(m)     ((void)(m))
#define OS_ASSERT_NOT_HELD(m) ((void)(m))
#else
#define OS_ASSERT_HELD(m)     os_mutex_assert_held((m), true, __FILE__, __LINE__)
#define OS_ASSERT_NOT_HELD(m) os_mutex_assert_held((m), false, __FILE__, __LINE__)
#endif
#if !defined(__KERNEL__)
/* Userspace: what a broken lock contract does after logging (NULL: abort,
 * the default).  For the shim's own tests, which check that it fires. */
typedef void (*os_contract_fn)(const char *file, int line);
void os_set_contract_handler(os_contract_fn fn);
#endif

/* Condition variable bound to the mutex passed to wait. */
struct os_cond;
struct os_cond *os_cond_create(void);
void os_cond_destroy(struct os_cond *c);
void os_cond_wait(struct os_cond *c, struct os_mutex *m);
/* Returns 0 when woken, -ETIMEDOUT after timeout_ns. Spurious wakeups are
 * possible: callers re-check their predicate, as with pthreads. */
int os_cond_timedwait(struct os_cond *c, struct os_mutex *m, u64 timeout_ns);
void os_cond_signal(struct os_cond *c);
void os_cond_broadcast(struct os_cond *c);

/* ------------------------------------------------------------ threads */
struct os_thread;
typedef void (*os_thread_fn)(void *arg);
/* Starts fn(arg) in a new thread named name (for ps / kthread lists). */
int os_thread_create(struct os_thread **out, const char *name, os_thread_fn fn, void *arg);
/* Waits for the thread function to return, then frees the handle. The
 * thread must be told to stop by its own protocol (flag + cond) first. */
void os_thread_join(struct os_thread *t);

/* ------------------------------------------------------------ time */
u64 os_now_ns(void);                   /* monotonic */
void os_sleep_ns(u64 ns);

/* ------------------------------------------------------------ text */
int os_snprintf(char *buf, size_t size, const char *fmt, ...) OS_PRINTF(3, 4);

/* ------------------------------------------------------------ logging */
enum os_log_level {
    OS_LOG_ERR = 0,
    OS_LOG_WARN,
    OS_LOG_INFO,
    OS_LOG_DEBUG,
};
void os_log(enum os_log_level lvl, const char *fmt, ...) OS_PRINTF(2, 3);
void os_vlog(enum os_log_level lvl, const char *fmt, va_list ap);
void os_log_set_level(enum os_log_level lvl);   /* messages above lvl are dropped */
enum os_log_level os_log_get_level(void);
#if !defined(__KERNEL__)
/*
 * Userspace: a hook that writes a prefix (at most size - 1 characters) in
 * front of every message, given the formatted message; returns its
 * length.  The dom0 daemon uses it to put the domain a line is about on
 * every line, including the core's "vgpuN: ..." messages.  NULL: none.
 */
typedef size_t (*os_log_prefix_fn)(const char *msg, char *buf, size_t size);
void os_log_set_prefix(os_log_prefix_fn fn);
#endif

/*
 * Rate limiting for messages a guest can provoke: at most `burst` messages
 * per `interval_ns`, then one "N suppressed" line when the window reopens.
 * One state per call site (the macro below makes a static one), so a guest
 * hammering one bad register cannot drown other messages.
 */
struct os_ratelimit {
    u64 window_start_ns;
    u32 interval_ms;
    u32 burst;
    u32 printed;
    u32 suppressed;
};
#define OS_RATELIMIT_INIT(ms, b) { 0, (ms), (b), 0, 0 }
/* Returns true when the caller may print; takes care of the summary line. */
bool os_ratelimit_ok(struct os_ratelimit *rl);

/* The window arithmetic both shims share (they add their own lock around
 * it): opens a new window when the old one has expired -- *summary is then
 * the number suppressed in it, else 0 -- and counts this message. */
static inline bool os_ratelimit_step(struct os_ratelimit *rl, u64 now_ns, u32 *summary)
{
    *summary = 0;
    if (!rl->window_start_ns || now_ns - rl->window_start_ns >= (u64)rl->interval_ms * 1000000ull) {
        *summary = rl->suppressed;
        rl->window_start_ns = now_ns;
        rl->printed = 0;
        rl->suppressed = 0;
    }
    if (rl->printed < rl->burst) {
        rl->printed++;
        return true;
    }
    rl->suppressed++;
    return false;
}
/* Total number of messages ever suppressed (all call sites), for tests. */
u64 os_ratelimit_total_suppressed(void);

#define os_log_ratelimited(lvl, ...)                                      \
    do {                                                                  \
        static struct os_ratelimit os_rl__ = OS_RATELIMIT_INIT(5000, 10); \
        if (os_ratelimit_ok(&os_rl__))                                    \
            os_log((lvl), __VA_ARGS__);                                   \
    } while (0)

#define os_err(...)   os_log(OS_LOG_ERR, __VA_ARGS__)
#define os_warn(...)  os_log(OS_LOG_WARN, __VA_ARGS__)
#define os_info(...)  os_log(OS_LOG_INFO, __VA_ARGS__)
#define os_debug(...) os_log(OS_LOG_DEBUG, __VA_ARGS__)

#endif /* VGPU_OS_H */
