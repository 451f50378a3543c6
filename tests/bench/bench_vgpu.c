/*
 * bench_vgpu.c - set-up shared by the suites: a vGPU whose slice is
 * mapped 1:1 onto its test host's memory.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

int bench_vgpu_create(struct vgpu_parent *p, const char *type, unsigned int n,
                      size_t mem_bytes, struct bench_vgpu *b)
{
    char uuid[VGPU_UUID_STR_LEN + 1];
    u64 off;
    int rc;

    memset(b, 0, sizeof(*b));
    if (testhost_init(&b->host, mem_bytes))
        return -ENOMEM;
    snprintf(uuid, sizeof(uuid), "b0b0b0b0-0000-4000-8000-%012x", n);
    rc = vgpu_create(p, type, uuid, &testhost_ops, &b->host, &b->v);
    if (rc) {
        testhost_fini(&b->host);
        return rc;
    }
    b->gm_base = vgpu_gm_base(b->v);
    b->mapped = OS_MIN((u64)mem_bytes, vgpu_gm_size(b->v));
    /* Set-up, not measured: PTEs written directly rather than trapped. */
    os_mutex_lock(b->v->lock);
    for (off = 0; off < b->mapped; off += VGPU_PAGE_SIZE)
        vgpu_gtt_write(b->v, (u32)((b->gm_base + off) >> VGPU_PAGE_SHIFT), off | RGPU_PTE_VALID);
    os_mutex_unlock(b->v->lock);
    return 0;
}

void bench_vgpu_destroy(struct bench_vgpu *b)
{
    if (b->v)
        vgpu_destroy(b->v);
    testhost_fini(&b->host);
    memset(b, 0, sizeof(*b));
}

void *bench_gm(struct bench_vgpu *b, u64 gfx)
{
    return b->host.mem + (gfx - b->gm_base);
}
