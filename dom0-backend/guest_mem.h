/*
 * guest_mem.h - a domain's memory as the device sees it: guest DMA
 * addresses resolved to host mappings.
 *
 * An address with bit 63 set is a grant reference (Linux xen-grant-dma:
 * bit 63 | gref << 12 | offset), mapped with xengnttab; any other address
 * is a guest physical address, mapped through the foreign map cache.
 */
#ifndef GUEST_MEM_H
#define GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "mapcache.h"

#define GUEST_GRANT_BIT (1ull << 63)

struct grant_ops {
    void *(*map)(void *ctx, uint32_t gref);     /* one page, read/write; NULL + errno */
    int (*unmap)(void *ctx, void *addr);
};

struct guest_mem;

struct guest_mem *guest_mem_create(const struct mapper_ops *fops, const struct grant_ops *gops,
                                   void *ctx);
void guest_mem_destroy(struct guest_mem *gm);

/* Pin the frame at a page-aligned guest DMA address: 0 or -errno. */
int guest_mem_pin(struct guest_mem *gm, uint64_t addr, void **va);
void guest_mem_unpin(struct guest_mem *gm, uint64_t addr, void *va);
int guest_mem_read(struct guest_mem *gm, uint64_t addr, void *buf, size_t len);
int guest_mem_write(struct guest_mem *gm, uint64_t addr, const void *buf, size_t len);
void guest_mem_invalidate(struct guest_mem *gm);
void guest_mem_stats(struct guest_mem *gm, struct mapcache_stats *fst, unsigned int *grants);

#endif /* GUEST_MEM_H */
