/*
 * gtt.c - shadowing of the global GTT.
 *
 * The guest writes PTEs (graphics page -> guest DMA address of a frame)
 * through the GTT window in BAR0 or the batched-update registers.  Each
 * write is validated: the graphics page must lie in the vGPU's slice and
 * the frame must map through host-ops.  Only then is the host GTT entry
 * programmed with the host mapping of that frame, so the engine can never
 * reach memory the guest does not own.  Reads return the guest's own PTE,
 * with the valid bit only while the page is mapped (hw-spec §2.2): a PTE
 * whose frame did not map reads back invalid, as the engine sees it.
 */
#include "vgpu_priv.h"
#include "le_bytes.h"

int vgpu_gtt_init(struct vgpu *v)
{
    struct vgpu_gtt *g = &v->gtt;

    g->first = (u32)(v->gm_base >> VGPU_PAGE_SHIFT);
    g->nr = (u32)(v->gm_size >> VGPU_PAGE_SHIFT);
    g->guest_pte = os_alloc_large(sizeof(u64) * g->nr);
    g->va = os_alloc_large(sizeof(void *) * g->nr);
    g->mapped_addr = os_alloc_large(sizeof(u64) * g->nr);
    g->valid = os_alloc_large(sizeof(u64) * ((g->nr + 63) / 64));
    g->written = os_alloc_large(sizeof(u64) * ((g->nr + 63) / 64));
    g->written_lo = ~0u;
    g->written_hi = 0;
    if (!g->guest_pte || !g->va || !g->mapped_addr || !g->valid || !g->written) {
        vgpu_gtt_fini(v);
        return -ENOMEM;
    }
    return 0;
}

/*
 * Dropping a shadow entry is two-phase.  The host GTT entry goes at once,
 * so no translation made from now on reaches the frame; the frame itself
 * is unmapped only once no engine runs this vGPU, because a slice already
 * running may hold a pointer it translated before (on Xen, unmapping a
 * foreign page under the engine's memcpy would crash the daemon).  Frames
 * wait on v->gtt.deferred until vgpu_gtt_release() sees the engines idle
 * for this vGPU; the scheduler calls it after every slice.
 */
static void drop_entry(struct vgpu *v, u32 i)
{
    struct vgpu_gtt *g = &v->gtt;
    struct pgpu *pg = v->parent->pgpu;

    if (!g->va[i])
        return;
    vgpu_dirty_dropped(v, i);
    pg->ops->set_gtt(pg, g->first + i, NULL);
    g->valid[i / 64] &= ~(1ull << (i % 64));
    if (g->nr_deferred == g->cap_deferred) {
        u32 cap = g->cap_deferred ? 2 * g->cap_deferred : 64;
        struct vgpu_deferred_unmap *nd = os_alloc_large(sizeof(*nd) * cap);

        if (!nd) {
            /* Keeping the frame mapped is safe; unmapping it might not be. */
            os_log_ratelimited(OS_LOG_ERR, "vgpu%u: no memory to defer an unmap: frame "
                               "0x%llx stays mapped", v->id,
                               (unsigned long long)g->mapped_addr[i]);
            g->va[i] = NULL;
            g->mapped_addr[i] = 0;
            return;
        }
        if (g->deferred)
            memcpy(nd, g->deferred, sizeof(*nd) * g->nr_deferred);
        os_free_large(g->deferred);
        g->deferred = nd;
        g->cap_deferred = cap;
    }
    g->deferred[g->nr_deferred].addr = g->mapped_addr[i];
    g->deferred[g->nr_deferred].va = g->va[i];
    g->nr_deferred++;
    g->va[i] = NULL;
    g->mapped_addr[i] = 0;
}

void vgpu_gtt_release(struct vgpu *v, bool engines_quiet)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 k;

    OS_ASSERT_HELD(v->lock);
    if (!g->nr_deferred)
        return;
    if (!engines_quiet && vgpu_sched_running(v->parent->sched, v, RGPU_NUM_ENGINES))
        return;
    for (k = 0; k < g->nr_deferred; k++)
        v->ops->unmap_frame(v->host, g->deferred[k].addr, g->deferred[k].va);
    g->nr_deferred = 0;
}

void vgpu_gtt_clear(struct vgpu *v)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 w, b;

    if (!g->guest_pte)
        return;
    /* Only mapped entries have anything to drop: walk the valid bitmap. */
    for (w = 0; w < (g->nr + 63) / 64; w++)
        for (b = 0; g->valid[w] && b < 64; b++)
            if (g->valid[w] & (1ull << b))
                drop_entry(v, w * 64 + b);
    memset(g->guest_pte, 0, sizeof(u64) * g->nr);
    vgpu_gtt_release(v, false);
}

void vgpu_gtt_fini(struct vgpu *v)
{
    struct vgpu_gtt *g = &v->gtt;

    if (g->va && g->guest_pte) {
        /* Nobody else reaches v any more; the lock is for the contract of
         * the functions below. */
        os_mutex_lock(v->lock);
        vgpu_gtt_clear(v);
        vgpu_gtt_release(v, true);      /* destroy: the scheduler let go of v */
        os_mutex_unlock(v->lock);
    }
    os_free_large(g->deferred);
    os_free_large(g->guest_pte);
    os_free_large(g->va);
    os_free_large(g->mapped_addr);
    os_free_large(g->valid);
    os_free_large(g->written);
    memset(g, 0, sizeof(*g));
}

u32 vgpu_gtt_write(struct vgpu *v, u32 index, u64 pte)
{
    struct vgpu_gtt *g = &v->gtt;
    struct pgpu *pg = v->parent->pgpu;
    struct pgpu_page page;
    u64 addr = pte & RGPU_PTE_ADDR_MASK;
    u32 i = index - g->first;
    void *va;
    int rc;

    v->stat_gtt_updates++;
    if (index < g->first || i >= g->nr) {
        v->stat_bad_access++;
        os_log_ratelimited(OS_LOG_WARN, "vgpu%u: PTE write to graphics page 0x%x outside "
                           "its slice [0x%x, 0x%x) dropped", v->id, index, g->first,
                           g->first + g->nr);
        return RGPU_ERR_ADDRESS;
    }
    pte &= RGPU_PTE_ADDR_MASK | RGPU_PTE_VALID;     /* reserved bits read as 0 */
    if (pte == g->guest_pte[i] && (!(pte & RGPU_PTE_VALID) || g->va[i]))
        return RGPU_ERR_NONE;                       /* rewrite of the same entry */
    g->guest_pte[i] = pte;
    if (g->va[i]) {
        drop_entry(v, i);
        vgpu_gtt_release(v, false);
    }
    if (!(pte & RGPU_PTE_VALID))
        return RGPU_ERR_NONE;

    rc = v->ops->map_frame(v->host, addr, &va);
    if (rc) {
        /* Kept as the guest wrote it, but not shadowed: the engine faults
         * on this page, inside this vGPU only. */
        v->stat_bad_access++;
        os_log_ratelimited(OS_LOG_WARN, "vgpu%u: PTE for graphics page 0x%x names frame "
                           "0x%llx that does not map (%d); left invalid", v->id, index,
                           (unsigned long long)addr, rc);
        return RGPU_ERR_UNMAPPED;
    }
    page.va = va;
    page.dma = addr;
    rc = pg->ops->set_gtt(pg, index, &page);
    if (rc) {
        v->ops->unmap_frame(v->host, addr, va);
        return RGPU_ERR_UNMAPPED;
    }
    g->va[i] = va;
    g->mapped_addr[i] = addr;
    g->valid[i / 64] |= 1ull << (i % 64);
    return RGPU_ERR_NONE;
}

/* The PTE as last written (reserved bits cleared): half writes merge into
 * this, so a low half written before its high half still takes effect. */
static u64 gtt_written(struct vgpu *v, u32 index)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 i = index - g->first;

    if (index < g->first || i >= g->nr)
        return 0;
    return g->guest_pte[i];
}

u64 vgpu_gtt_read(struct vgpu *v, u32 index)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 i = index - g->first;

    if (index < g->first || i >= g->nr)
        return 0;
    /* Valid reads 1 only while the page is mapped (hw-spec §2.2, M1 of
     * issue 16): an unmappable frame, or one the path withdrew, reads 0. */
    return g->guest_pte[i] & (g->va[i] ? ~0ull : ~RGPU_PTE_VALID);
}

void *vgpu_gtt_ptr(struct vgpu *v, u32 gfx_addr)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 i = (gfx_addr >> VGPU_PAGE_SHIFT) - g->first;

    if ((gfx_addr >> VGPU_PAGE_SHIFT) < g->first || i >= g->nr || !g->va[i])
        return NULL;
    return (u8 *)g->va[i] + (gfx_addr & VGPU_PAGE_MASK);
}

bool vgpu_gtt_range_mapped(struct vgpu *v, u64 addr, u64 len)
{
    struct vgpu_gtt *g = &v->gtt;
    u64 first, last, w;

    if (!len || addr < v->gm_base || addr - v->gm_base >= v->gm_size ||
        len > v->gm_size - (addr - v->gm_base))
        return false;
    first = (addr - v->gm_base) >> VGPU_PAGE_SHIFT;
    last = (addr - v->gm_base + len - 1) >> VGPU_PAGE_SHIFT;
    /* Whole 64-entry words at a time: a rectangle spanning a megabyte is
     * a handful of word compares, not 256 lookups. */
    for (w = first / 64; w <= last / 64; w++) {
        u64 mask = ~0ull;

        if (w == first / 64)
            mask &= ~0ull << (first % 64);
        if (w == last / 64 && last % 64 != 63)
            mask &= (1ull << (last % 64 + 1)) - 1;
        if ((g->valid[w] & mask) != mask)
            return false;
    }
    return true;
}

/*
 * Pages [first, last] are mapped: how far the run of mapped pages around
 * them reaches, a bitmap word at a time, at most RUN_WORDS words each way
 * (the cost stays bounded; a caller asks again beyond the run).
 */
#define RUN_WORDS 16

void vgpu_gtt_mapped_run(struct vgpu *v, u64 addr, u64 len, u64 *lo, u64 *hi)
{
    const u64 *valid = v->gtt.valid;
    u64 first = (addr - v->gm_base) >> VGPU_PAGE_SHIFT;
    u64 last = (addr - v->gm_base + len - 1) >> VGPU_PAGE_SHIFT;
    u64 words = ((u64)v->gtt.nr + 63) / 64, w, gap;
    u32 k;

    /* Down: the highest unmapped page below first, word by word. */
    w = first / 64;
    gap = ~valid[w] & ((1ull << (first % 64)) - 1);
    for (k = 0; !gap && w > 0 && k < RUN_WORDS; k++)
        gap = ~valid[--w];
    if (gap)
        first = w * 64 + 64 - (u64)__builtin_clzll(gap);
    else
        first = w * 64;
    /* Up: the lowest unmapped page above last (bits past nr are never set). */
    w = last / 64;
    gap = last % 64 == 63 ? 0 : ~valid[w] & ~((2ull << (last % 64)) - 1);
    for (k = 0; !gap && w + 1 < words && k < RUN_WORDS; k++)
        gap = ~valid[++w];
    if (gap)
        last = w * 64 + (u64)__builtin_ctzll(gap);
    else
        last = w * 64 + 64;
    if (last > v->gtt.nr)
        last = v->gtt.nr;
    *lo = v->gm_base + (first << VGPU_PAGE_SHIFT);
    *hi = v->gm_base + (last << VGPU_PAGE_SHIFT);
}

/*
 * GTT window accesses (BAR0 + RGPU_GTT_BASE): 8-byte PTEs, also accessible
 * as two 4-byte halves; a half write merges into the PTE and re-validates.
 */
u64 vgpu_gtt_window_read(struct vgpu *v, u32 offset, u32 len)
{
    u64 pte = vgpu_gtt_read(v, offset / 8);

    return pte >> (8 * (offset % 8));
}

void vgpu_gtt_window_write(struct vgpu *v, u32 offset, u32 len, u64 val)
{
    u32 index = offset / 8, shift = 8 * (offset % 8);
    u64 lanes = (len == 8 ? ~0ull : ((1ull << (8 * len)) - 1)) << shift;
    u64 pte = gtt_written(v, index);

    vgpu_gtt_write(v, index, (pte & ~lanes) | ((val << shift) & lanes));
}

/*
 * The batched path: read the PTE list from guest memory in chunks and
 * apply it.  Stops at the first entry that fails validation and reports
 * how many were applied, so a guest driver can tell exactly what happened.
 */
void vgpu_gtt_batch_apply(struct vgpu *v)
{
    u64 list = vgpu_vreg(v, RGPU_REG_GTT_BATCH_ADDR_LO) |
               (u64)vgpu_vreg(v, RGPU_REG_GTT_BATCH_ADDR_HI) << 32;
    u32 index = vgpu_vreg(v, RGPU_REG_GTT_BATCH_INDEX);
    u32 count = vgpu_vreg(v, RGPU_REG_GTT_BATCH_COUNT);
    u8 chunk[64 * 8];               /* PTEs: 8 bytes each, little-endian */
    u32 done = 0, status = RGPU_GTT_BATCH_DONE;

    if (!count || count > RGPU_GTT_BATCH_MAX || (list & 7)) {
        status = RGPU_GTT_BATCH_ERROR;
        goto out;
    }
    while (done < count) {
        u32 n = OS_MIN(count - done, (u32)sizeof(chunk) / 8), k;

        if (v->ops->read_gpa(v->host, list + (u64)done * 8, chunk, n * 8)) {
            status = RGPU_GTT_BATCH_ERROR;
            break;
        }
        for (k = 0; k < n; k++) {
            u32 err = vgpu_gtt_write(v, index + done, le64_load(chunk + 8 * k));

            if (err != RGPU_ERR_NONE && err != RGPU_ERR_UNMAPPED) {
                status = RGPU_GTT_BATCH_ERROR;
                goto out;
            }
            if (err == RGPU_ERR_UNMAPPED)
                status = RGPU_GTT_BATCH_ERROR;      /* applied as invalid; keep going */
            done++;
        }
    }
out:
    if (status & RGPU_GTT_BATCH_ERROR)
        os_log_ratelimited(OS_LOG_WARN, "vgpu%u: batched GTT update (index 0x%x, count %u, list "
                           "0x%llx) stopped with errors after %u entries", v->id, index, count,
                           (unsigned long long)list, done);
    vgpu_vreg(v, RGPU_REG_GTT_BATCH_APPLIED) = done;
    vgpu_vreg(v, RGPU_REG_GTT_BATCH_CTL) = status;
}

/*
 * The path withdraws a DMA range (vgpu.h).  Two phases, so that no frame
 * is released while the engine might still write it: under v->lock the
 * matching entries leave the host GTT and the shadow (the scanner and any
 * new engine access see them unmapped), then, after v's running slices
 * have ended, their frames are unmapped.
 */
unsigned int vgpu_dma_unmap(struct vgpu *v, u64 iova, u64 len)
{
    struct vgpu_gtt *g;
    unsigned int n = 0;
    u32 i;

    if (!v || !len)
        return 0;
    g = &v->gtt;
    os_mutex_lock(v->lock);
    for (i = 0; i < g->nr; i++) {
        if (g->va[i] && g->mapped_addr[i] - iova < len) {
            drop_entry(v, i);
            n++;
        }
    }
    os_mutex_unlock(v->lock);
    if (!n)
        return 0;
    /* VFIO wants the pages unpinned before dma_unmap returns: wait for the
     * slices that may hold pointers to them, then release whatever else
     * runs (a later slice can no longer reach the dropped entries). */
    vgpu_sched_quiesce(v->parent->sched, v);
    os_mutex_lock(v->lock);
    vgpu_gtt_release(v, true);
    os_mutex_unlock(v->lock);
    os_info("vgpu%u: DMA range 0x%llx+0x%llx withdrawn: %u GTT entries invalidated", v->id,
            (unsigned long long)iova, (unsigned long long)len, n);
    return n;
}
