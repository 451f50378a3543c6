/*
 * mapcache.c - bucketed, reference-counted cache of foreign mappings
 * (see mapcache.h).  Thread-safe: the IOREQ loop, the control socket and
 * the device model's engine threads may all reach guest memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mapcache.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define HASH_SIZE 256

struct bucket {
    uint64_t first_gfn;
    uint8_t *addr;
    int *err;                   /* per frame */
    unsigned int pins;
    struct bucket *hnext;       /* hash chain */
    struct bucket *lru_prev, *lru_next;     /* only while pins == 0 */
};

struct mapcache {
    const struct mapper_ops *ops;
    void *ctx;
    unsigned int frames, max_buckets;
    pthread_mutex_t lock;
    struct bucket *hash[HASH_SIZE];
    struct bucket lru;          /* sentinel: lru.lru_next is the oldest */
    struct mapcache_stats st;
};

static unsigned int hash_of(uint64_t first_gfn)
{
    return (unsigned int)((first_gfn * 0x9e3779b97f4a7c15ull) >> 56) % HASH_SIZE;
}

static void lru_del(struct bucket *b)
{
    b->lru_prev->lru_next = b->lru_next;
    b->lru_next->lru_prev = b->lru_prev;
    b->lru_prev = b->lru_next = NULL;
}

static void lru_add_newest(struct mapcache *mc, struct bucket *b)
{
    b->lru_prev = mc->lru.lru_prev;
    b->lru_next = &mc->lru;
    mc->lru.lru_prev->lru_next = b;
    mc->lru.lru_prev = b;
}

static void bucket_unmap(struct mapcache *mc, struct bucket *b)
{
    struct bucket **pp = &mc->hash[hash_of(b->first_gfn)];

    while (*pp != b)
        pp = &(*pp)->hnext;
    *pp = b->hnext;
    if (b->lru_next)
        lru_del(b);
    mc->ops->unmap(mc->ctx, b->addr, mc->frames);
    mc->st.unmaps++;
    mc->st.buckets--;
    free(b->err);
    free(b);
}

struct mapcache *mapcache_create(const struct mapper_ops *ops, void *ctx,
                                 unsigned int bucket_frames, unsigned int max_buckets)
{
    struct mapcache *mc;

    if (!ops || !bucket_frames || (bucket_frames & (bucket_frames - 1)) || !max_buckets) {
        errno = EINVAL;
        return NULL;
    }
    mc = calloc(1, sizeof(*mc));
    if (!mc)
        return NULL;
    mc->ops = ops;
    mc->ctx = ctx;
    mc->frames = bucket_frames;
    mc->max_buckets = max_buckets;
    pthread_mutex_init(&mc->lock, NULL);
    mc->lru.lru_next = mc->lru.lru_prev = &mc->lru;
    return mc;
}

void mapcache_destroy(struct mapcache *mc)
{
    if (!mc)
        return;
    for (unsigned int h = 0; h < HASH_SIZE; h++)
        while (mc->hash[h])
            bucket_unmap(mc, mc->hash[h]);
    pthread_mutex_destroy(&mc->lock);
    free(mc);
}

/* Find or map the bucket holding gfn (lock held).  Sets errno on NULL. */
static struct bucket *get_bucket(struct mapcache *mc, uint64_t gfn)
{
    uint64_t first = gfn & ~(uint64_t)(mc->frames - 1);
    unsigned int h = hash_of(first);
    struct bucket *b;

    for (b = mc->hash[h]; b; b = b->hnext) {
        if (b->first_gfn == first) {
            mc->st.hits++;
            return b;
        }
    }
    mc->st.misses++;
    /* Make room: evict the least recently used unpinned buckets. */
    while (mc->st.buckets >= mc->max_buckets && mc->lru.lru_next != &mc->lru) {
        bucket_unmap(mc, mc->lru.lru_next);
        mc->st.evictions++;
    }
    b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->err = calloc(mc->frames, sizeof(int));
    if (!b->err) {
        free(b);
        return NULL;
    }
    b->first_gfn = first;
    b->addr = mc->ops->map(mc->ctx, first, mc->frames, b->err);
    if (!b->addr) {
        int e = errno ? errno : EFAULT;

        free(b->err);
        free(b);
        errno = e;
        return NULL;
    }
    mc->st.maps++;
    mc->st.buckets++;
    b->hnext = mc->hash[h];
    mc->hash[h] = b;
    lru_add_newest(mc, b);
    return b;
}

/* Address of gfn in its bucket, or NULL (errno) if the frame did not map. */
static uint8_t *frame_in(struct mapcache *mc, struct bucket *b, uint64_t gfn)
{
    unsigned int i = (unsigned int)(gfn - b->first_gfn);

    if (b->err[i]) {
        errno = b->err[i] < 0 ? -b->err[i] : b->err[i];
        return NULL;
    }
    return b->addr + ((size_t)i << PAGE_SHIFT);
}

void *mapcache_pin(struct mapcache *mc, uint64_t gfn)
{
    struct bucket *b;
    uint8_t *p = NULL;

    pthread_mutex_lock(&mc->lock);
    b = get_bucket(mc, gfn);
    if (b) {
        p = frame_in(mc, b, gfn);
        if (p) {
            if (b->pins++ == 0)
                lru_del(b);
            mc->st.pinned_frames++;
        }
    }
    pthread_mutex_unlock(&mc->lock);
    return p;
}

void mapcache_unpin(struct mapcache *mc, uint64_t gfn)
{
    uint64_t first = gfn & ~(uint64_t)(mc->frames - 1);
    struct bucket *b;

    pthread_mutex_lock(&mc->lock);
    for (b = mc->hash[hash_of(first)]; b; b = b->hnext)
        if (b->first_gfn == first)
            break;
    if (b && b->pins) {
        mc->st.pinned_frames--;
        if (--b->pins == 0)
            lru_add_newest(mc, b);
    }
    pthread_mutex_unlock(&mc->lock);
}

static int copy(struct mapcache *mc, uint64_t gpa, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    int rc = 0;

    if (len && gpa + len < gpa)
        return -EFAULT;
    pthread_mutex_lock(&mc->lock);
    while (len) {
        uint64_t gfn = gpa >> PAGE_SHIFT;
        size_t off = gpa & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
        struct bucket *b = get_bucket(mc, gfn);
        uint8_t *f = b ? frame_in(mc, b, gfn) : NULL;

        if (!f) {
            rc = -EFAULT;
            break;
        }
        if (n > len)
            n = len;
        if (b->lru_next) {      /* touch: most recently used */
            lru_del(b);
            lru_add_newest(mc, b);
        }
        if (write)
            memcpy(f + off, p, n);
        else
            memcpy(p, f + off, n);
        p += n;
        gpa += n;
        len -= n;
    }
    pthread_mutex_unlock(&mc->lock);
    return rc;
}

int mapcache_read(struct mapcache *mc, uint64_t gpa, void *buf, size_t len)
{
    return copy(mc, gpa, buf, len, false);
}

int mapcache_write(struct mapcache *mc, uint64_t gpa, const void *buf, size_t len)
{
    return copy(mc, gpa, (void *)buf, len, true);
}

void mapcache_invalidate(struct mapcache *mc)
{
    pthread_mutex_lock(&mc->lock);
    while (mc->lru.lru_next != &mc->lru)
        bucket_unmap(mc, mc->lru.lru_next);
    pthread_mutex_unlock(&mc->lock);
}

void mapcache_get_stats(struct mapcache *mc, struct mapcache_stats *out)
{
    pthread_mutex_lock(&mc->lock);
    *out = mc->st;
    pthread_mutex_unlock(&mc->lock);
}
