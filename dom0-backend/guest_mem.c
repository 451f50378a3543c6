/*
 * guest_mem.c - guest DMA addresses to host mappings (see guest_mem.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "guest_mem.h"

#define PAGE_SIZE 4096u
#define GRANT_HASH 64

struct grant_pin {
    uint32_t gref;
    void *va;
    unsigned int refs;
    struct grant_pin *next;
};

struct guest_mem {
    struct mapcache *mc;
    const struct grant_ops *gops;
    void *ctx;
    pthread_mutex_t lock;       /* grant pins */
    struct grant_pin *grants[GRANT_HASH];
    unsigned int nr_grants;
};

/* 1 MiB buckets, at most 256 of them cached when nothing is pinned. */
#define BUCKET_FRAMES 256
#define MAX_BUCKETS 256

struct guest_mem *guest_mem_create(const struct mapper_ops *fops, const struct grant_ops *gops,
                                   void *ctx)
{
    struct guest_mem *gm = calloc(1, sizeof(*gm));

    if (!gm)
        return NULL;
    gm->mc = mapcache_create(fops, ctx, BUCKET_FRAMES, MAX_BUCKETS);
    if (!gm->mc) {
        free(gm);
        return NULL;
    }
    gm->gops = gops;
    gm->ctx = ctx;
    pthread_mutex_init(&gm->lock, NULL);
    return gm;
}

void guest_mem_destroy(struct guest_mem *gm)
{
    if (!gm)
        return;
    for (unsigned int h = 0; h < GRANT_HASH; h++) {
        while (gm->grants[h]) {
            struct grant_pin *g = gm->grants[h];

            gm->grants[h] = g->next;
            gm->gops->unmap(gm->ctx, g->va);
            free(g);
        }
    }
    mapcache_destroy(gm->mc);
    pthread_mutex_destroy(&gm->lock);
    free(gm);
}

static uint32_t gref_of(uint64_t addr)
{
    return (uint32_t)((addr & ~GUEST_GRANT_BIT) >> 12);
}

static bool is_grant(uint64_t addr)
{
    return addr & GUEST_GRANT_BIT;
}

int guest_mem_pin(struct guest_mem *gm, uint64_t addr, void **va)
{
    struct grant_pin *g;
    uint32_t gref;

    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    if (!is_grant(addr)) {
        *va = mapcache_pin(gm->mc, addr >> 12);
        return *va ? 0 : -(errno ? errno : EFAULT);
    }
    if (!gm->gops)
        return -EOPNOTSUPP;
    if ((addr & ~GUEST_GRANT_BIT) >> 12 > UINT32_MAX)
        return -EFAULT;
    gref = gref_of(addr);
    pthread_mutex_lock(&gm->lock);
    for (g = gm->grants[gref % GRANT_HASH]; g; g = g->next)
        if (g->gref == gref)
            break;
    if (!g) {
        g = calloc(1, sizeof(*g));
        if (g)
            g->va = gm->gops->map(gm->ctx, gref);
        if (!g || !g->va) {
            int e = errno ? errno : EFAULT;

            free(g);
            pthread_mutex_unlock(&gm->lock);
            return -e;
        }
        g->gref = gref;
        g->next = gm->grants[gref % GRANT_HASH];
        gm->grants[gref % GRANT_HASH] = g;
        gm->nr_grants++;
    }
    g->refs++;
    *va = g->va;
    pthread_mutex_unlock(&gm->lock);
    return 0;
}

void guest_mem_unpin(struct guest_mem *gm, uint64_t addr, void *va)
{
    struct grant_pin **pp, *g;
    uint32_t gref;

    (void)va;
    if (!is_grant(addr)) {
        mapcache_unpin(gm->mc, addr >> 12);
        return;
    }
    gref = gref_of(addr);
    pthread_mutex_lock(&gm->lock);
    for (pp = &gm->grants[gref % GRANT_HASH]; (g = *pp); pp = &g->next) {
        if (g->gref != gref)
            continue;
        if (--g->refs == 0) {
            *pp = g->next;
            gm->gops->unmap(gm->ctx, g->va);
            gm->nr_grants--;
            free(g);
        }
        break;
    }
    pthread_mutex_unlock(&gm->lock);
}

/* Grant-addressed copies go page by page: each page is its own grant. */
static int grant_copy(struct guest_mem *gm, uint64_t addr, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;

    while (len) {
        uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1);
        size_t off = addr - page, n = PAGE_SIZE - off;
        void *va;
        int rc = guest_mem_pin(gm, page, &va);

        if (rc)
            return rc;
        if (n > len)
            n = len;
        if (write)
            memcpy((uint8_t *)va + off, p, n);
        else
            memcpy(p, (uint8_t *)va + off, n);
        guest_mem_unpin(gm, page, va);
        addr += n;
        p += n;
        len -= n;
    }
    return 0;
}

int guest_mem_read(struct guest_mem *gm, uint64_t addr, void *buf, size_t len)
{
    if (is_grant(addr))
        return grant_copy(gm, addr, buf, len, false);
    return mapcache_read(gm->mc, addr, buf, len);
}

int guest_mem_write(struct guest_mem *gm, uint64_t addr, const void *buf, size_t len)
{
    if (is_grant(addr))
        return grant_copy(gm, addr, (void *)buf, len, true);
    return mapcache_write(gm->mc, addr, buf, len);
}

void guest_mem_invalidate(struct guest_mem *gm)
{
    mapcache_invalidate(gm->mc);
}

void guest_mem_stats(struct guest_mem *gm, struct mapcache_stats *fst, unsigned int *grants)
{
    mapcache_get_stats(gm->mc, fst);
    pthread_mutex_lock(&gm->lock);
    *grants = gm->nr_grants;
    pthread_mutex_unlock(&gm->lock);
}
