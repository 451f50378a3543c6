/*
 * mapcache.h - a cache of foreign mappings of guest memory.
 *
 * Guest frames are mapped in buckets of contiguous frames (one mmap per
 * bucket, not per page: a guest mapping 256 MiB through its GTT would
 * otherwise need 65536 VMAs, past Linux's default vm.max_map_count).
 * Buckets are reference-counted by the frames pinned in them (the GTT
 * shadow pins a frame for as long as a PTE points at it); unpinned buckets
 * stay cached on an LRU list and are evicted beyond a limit or on
 * invalidation (the IOREQ INVALIDATE broadcast after the guest's memory
 * map changed).  QEMU's hw/xen/xen-mapcache.c is the model.
 *
 * The mapper is a table of functions so tests can run without Xen.
 */
#ifndef MAPCACHE_H
#define MAPCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct mapper_ops {
    /* Map n frames starting at gfn, read/write; err[i] = 0 or -errno per
     * frame.  Returns the address or NULL (errno) if nothing mapped. */
    void *(*map)(void *ctx, uint64_t gfn, unsigned int n, int *err);
    int (*unmap)(void *ctx, void *addr, unsigned int n);
};

struct mapcache_stats {
    unsigned int buckets;       /* currently mapped */
    unsigned int pinned_frames;
    uint64_t maps, unmaps, evictions, hits, misses;
};

struct mapcache;

/* bucket_frames: frames per bucket (power of two); max_buckets: soft limit
 * on mapped buckets (pinned buckets are never evicted). */
struct mapcache *mapcache_create(const struct mapper_ops *ops, void *ctx,
                                 unsigned int bucket_frames, unsigned int max_buckets);
/* Unmaps everything, pinned or not. */
void mapcache_destroy(struct mapcache *mc);

/* Map one frame and keep it mapped until mapcache_unpin(gfn).  Returns the
 * frame's address, or NULL with errno (EFAULT: not guest memory). */
void *mapcache_pin(struct mapcache *mc, uint64_t gfn);
void mapcache_unpin(struct mapcache *mc, uint64_t gfn);

/* Copy to/from guest physical memory; any alignment, may cross frames.
 * 0 or -errno (-EFAULT if any frame is not guest memory). */
int mapcache_read(struct mapcache *mc, uint64_t gpa, void *buf, size_t len);
int mapcache_write(struct mapcache *mc, uint64_t gpa, const void *buf, size_t len);

/* Drop every unpinned bucket (the guest's p2m changed). */
void mapcache_invalidate(struct mapcache *mc);
void mapcache_get_stats(struct mapcache *mc, struct mapcache_stats *out);

#endif /* MAPCACHE_H */
