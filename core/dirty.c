/*
 * dirty.c - dirty tracking of the guest memory the engines write.
 *
 * Anything that copies a running guest's memory (Xen log-dirty, live
 * migration, VFIO dirty tracking) must learn of every page the device
 * wrote, because those writes bypass the CPU's page tables.  A real GPU
 * behind pgpu.h would not say where it wrote, but the mediator knows: the
 * workload is the validated private copy of what executes, so the
 * destinations of its commands are exactly the pages the engine may have
 * written.  After every slice the scheduler hands the commands that ran to
 * vgpu_dirty_slice(); their destination graphics pages are translated
 * through the shadow GTT to guest frames and reported with host-ops
 * mark_dirty, coalesced into runs of consecutive frames, each page once
 * per slice.  docs/hw-spec.md §10 says which layer reports on each path.
 *
 * Rectangles report the pages their rows write, not the pages the rows
 * skip over, and a rectangle cut by preemption reports in each slice the
 * rows that slice ran: a 10 ms fill cut into ten slices is marked once in
 * all, not ten times whole (which cost the mediated path 5 % at 10 ms jobs
 * under v->lock).  Caller holds v->lock throughout.
 */
#include "vgpu_priv.h"

/* Mark the graphics pages of [addr, addr + len) (already validated). */
static void mark_span(struct vgpu *v, u32 addr, u32 len)
{
    struct vgpu_gtt *g = &v->gtt;
    u32 first = (addr >> VGPU_PAGE_SHIFT) - g->first;
    u32 last = ((addr + len - 1) >> VGPU_PAGE_SHIFT) - g->first;
    u32 i;

    if ((addr >> VGPU_PAGE_SHIFT) < g->first || last >= g->nr || last < first)
        return;     /* the scanner rejected it, or the engine faulted first */
    for (i = first; i <= last; ) {          /* a word of pages at a time */
        u32 bit = i % 64, n = OS_MIN(64 - bit, last - i + 1);

        g->written[i / 64] |= (n == 64 ? ~0ull : (1ull << n) - 1) << bit;
        i += n;
    }
    g->written_lo = OS_MIN(g->written_lo, first);
    g->written_hi = OS_MAX(g->written_hi, last + 1);
}

/* Mark rows [row, end) of a rectangle. */
static void mark_rect(struct vgpu *v, u32 dst, u32 pitch, u32 bpp, u32 size, u32 row, u32 end)
{
    u32 width = RGPU_WIDTH(size) << bpp;
    u32 last_page = ~0u;

    end = OS_MIN(end, RGPU_HEIGHT(size));
    if (!width || row >= end)
        return;
    if (pitch == width) {                   /* rows back to back: one span */
        mark_span(v, dst + row * pitch, (end - row) * pitch);
        return;
    }
    for (; row < end; row++) {
        u32 a = dst + row * pitch;

        /* Rows packed into one page (small pitch) cost one mark each page. */
        if (a >> VGPU_PAGE_SHIFT == last_page && (a + width - 1) >> VGPU_PAGE_SHIFT == last_page)
            continue;
        mark_span(v, a, width);
        last_page = (a + width - 1) >> VGPU_PAGE_SHIFT;
    }
}

/* Mark what the command at c writes; a rectangle's rows [row, end) only. */
static void mark_command(struct vgpu *v, const struct vgpu_workload *w, const u32 *c, u32 row,
                         u32 end)
{
    switch (RGPU_CMD_OPCODE(c[0])) {
    case RGPU_OP_STORE_DATA_IMM:
        mark_span(v, c[RGPU_STORE_ADDR], 4);
        break;
    case RGPU_OP_STORE_DATA_INDEX:
        mark_span(v, w->hws + RGPU_HWS_OFFSET(c[RGPU_STORE_ADDR]), 4);
        break;
    case RGPU_OP_COLOR_FILL:
    case RGPU_OP_SRC_COPY:
        mark_rect(v, c[RGPU_RECT_DST], RGPU_PITCH(c[RGPU_RECT_DST_PITCH]),
                  RGPU_BPP(c[RGPU_RECT_DST_PITCH]) & 3, c[RGPU_RECT_SIZE], row, end);
        break;
    default:
        break;      /* NOOP, USER_INTERRUPT, LOAD_REGISTER_IMM write no memory */
    }
}

/* Report the marked pages as runs of consecutive guest frames. */
static void report(struct vgpu *v)
{
    struct vgpu_gtt *g = &v->gtt;
    u64 run = 0, run_len = 0;
    u32 wd;

    for (wd = g->written_lo / 64; wd * 64 < g->written_hi; wd++) {
        /* Entries dropped meanwhile are not valid: drop_entry reported them. */
        u64 bits = g->written[wd] & g->valid[wd];

        g->written[wd] = 0;
        for (; bits; bits &= bits - 1) {        /* each page, lowest first */
            u32 i = wd * 64 + (u32)__builtin_ctzll(bits);
            u64 frame = g->mapped_addr[i];

            if (run_len && frame == run + run_len) {
                run_len += VGPU_PAGE_SIZE;
                continue;
            }
            if (run_len)
                v->ops->mark_dirty(v->host, run, run_len);
            run = frame;
            run_len = VGPU_PAGE_SIZE;
        }
    }
    if (run_len)
        v->ops->mark_dirty(v->host, run, run_len);
    g->written_lo = ~0u;
    g->written_hi = 0;
}

void vgpu_dirty_slice(struct vgpu *v, const struct vgpu_workload *w, u32 from, u32 from_row,
                      const struct pgpu_exec_result *res)
{
    u32 pos = from, end = w->pos, last_rows = ~0u;

    OS_ASSERT_HELD(v->lock);
    if (!v->ops->mark_dirty || !v->gtt.written)
        return;
    /* The command at w->pos ran partly if the engine faulted in it (up to
     * and including row w->row, written in part) or was preempted between
     * its rows (rows before w->row). */
    if (end < w->len && (res->status == PGPU_EXEC_FAULT || w->row)) {
        last_rows = w->row + (res->status == PGPU_EXEC_FAULT);
        end += 1 + RGPU_CMD_LEN(w->dwords[end]);
    }
    while (pos < end && pos < w->len) {
        const u32 *c = &w->dwords[pos];
        u32 n = 1 + RGPU_CMD_LEN(c[0]);

        if (pos + n > w->len)
            break;
        /* The slice resumed the first command at from_row. */
        mark_command(v, w, c, pos == from ? from_row : 0, pos + n == end ? last_rows : ~0u);
        pos += n;
    }
    report(v);
}

/* A shadow entry is dropped while an engine may still be writing through
 * the pointer it translated before: the frame may be written after the
 * slice's report can see it, so report it now. */
void vgpu_dirty_dropped(struct vgpu *v, u32 i)
{
    struct vgpu_gtt *g = &v->gtt;

    OS_ASSERT_HELD(v->lock);
    if (v->ops->mark_dirty && g->va[i] &&
        vgpu_sched_running(v->parent->sched, v, RGPU_NUM_ENGINES))
        v->ops->mark_dirty(v->host, g->mapped_addr[i], VGPU_PAGE_SIZE);
}
