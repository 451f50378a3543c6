/*
 * testhost.h - a host-ops implementation over a plain buffer, for unit
 * tests and the in-process harness only.  "Guest memory" is a malloc'd
 * array; guest DMA address = offset into it.  Every call is recorded so
 * tests can assert what the device model asked of its host.
 */
#ifndef TESTHOST_H
#define TESTHOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "vgpu.h"

#define TESTHOST_MAX_EVENTS 256

struct testhost_msi { uint64_t addr; uint32_t data; };
struct testhost_bar_event { unsigned int bar; uint64_t addr, size; bool enabled; };

struct testhost {
    uint8_t *mem;               /* guest memory */
    size_t mem_size;

    unsigned int nr_msi;
    struct testhost_msi msi[TESTHOST_MAX_EVENTS];
    bool intx_level;
    unsigned int intx_changes;

    unsigned int nr_bar_events;
    struct testhost_bar_event bar_events[TESTHOST_MAX_EVENTS];

    unsigned int mapped;        /* map_frame minus unmap_frame */
    unsigned int tracked;       /* frames with tracking enabled */
    uint64_t dirty_bytes;
    unsigned int nr_dirty;      /* mark_dirty calls; the first TESTHOST_MAX_EVENTS kept */
    struct testhost_dirty { uint64_t addr, len; } dirty[TESTHOST_MAX_EVENTS];

    int fail_inject;            /* return this from inject_msi/set_intx when non-zero */
    bool no_tracking;           /* leave track_* NULL in the ops table */
};

extern const struct vgpu_host_ops testhost_ops;
extern const struct vgpu_host_ops testhost_ops_notrack;

int testhost_init(struct testhost *h, size_t mem_size);
void testhost_fini(struct testhost *h);
const struct vgpu_host_ops *testhost_get_ops(const struct testhost *h);

#endif /* TESTHOST_H */
