/*
 * cmd_scan.c - the command scanner.
 *
 * Walks a ring from head to tail and every batch it reaches, decodes each
 * command's length, validates it against the command table and copies it
 * into a private workload (batches inlined, BATCH_START/END dropped).  The
 * engine executes only that copy, so a guest rewriting its ring or batches
 * after submission changes nothing.  Validation rules (docs/hw-spec.md):
 * known opcode allowed on this engine, exact length, every address inside
 * the vGPU's slice and mapped, LOAD_REGISTER_IMM only to whitelisted
 * registers, bounded batch nesting and a bounded number of dwords per
 * submission, so every scan ends.
 */
#include "vgpu_priv.h"

struct scan {
    struct vgpu *v;
    u32 engine;
    u32 *out;
    u32 out_len, out_cap;
    u32 ncmds;
    u32 error, error_addr;
    u32 read;                   /* dwords fetched, batches included: bounds the work */
    struct stage *stage;        /* one per nesting level */
};

/*
 * Commands are fetched a page at a time into a private staging buffer and
 * parsed there: one bulk copy per page instead of one access per dword,
 * and everything is validated from memory the guest cannot change.
 */
#define STAGE_DWORDS (VGPU_PAGE_SIZE / 4 + 2 * RGPU_MAX_LRI_PAIRS + 1)
struct stage {
    u32 buf[STAGE_DWORDS];
    u32 pos, len;               /* unparsed dwords: buf[pos..len) */
};

/* A sequential reader over graphics memory or a ring, caching the host
 * mapping of the current page. */
struct cursor {
    u32 base;                   /* ring start, or 0 for linear */
    u32 size;                   /* ring size in bytes, or 0 for linear */
    u32 off;                    /* offset from base (ring) or graphics address (linear) */
    const u32 *page_ptr;
    u32 page_addr;              /* graphics address of the cached page; ~0 = none */
    const u32 *host;            /* vgpu_scan_buffer: plain host memory */
    u32 host_len;
    bool wrapped;
};

static bool fail(struct scan *s, u32 error, u32 addr)
{
    if (!s->error) {
        s->error = error;
        s->error_addr = addr;
    }
    return false;
}

static u32 cursor_addr(const struct cursor *c)
{
    return c->size ? c->base + c->off : c->off;
}

/*
 * Dwords readable contiguously at the cursor (to the end of the page, the
 * ring or the host buffer), with *p pointing at them; 0 after a failure.
 */
static u32 cursor_span(struct scan *s, struct cursor *c, const u32 **p)
{
    u32 addr, page, n;

    if (c->host) {
        if (c->off / 4 >= c->host_len) {
            fail(s, RGPU_ERR_LENGTH, c->off);
            return 0;
        }
        *p = c->host + c->off / 4;
        return c->host_len - c->off / 4;
    }
    if (c->wrapped) {
        fail(s, RGPU_ERR_ADDRESS, 0);
        return 0;
    }
    addr = cursor_addr(c);
    page = addr & ~(u32)VGPU_PAGE_MASK;
    if (page != c->page_addr) {
        c->page_ptr = vgpu_gtt_ptr(s->v, page);
        if (!c->page_ptr) {
            u64 a = addr;
            bool in_slice = a >= s->v->gm_base && a - s->v->gm_base < s->v->gm_size;

            fail(s, in_slice ? RGPU_ERR_UNMAPPED : RGPU_ERR_ADDRESS, addr);
            return 0;
        }
        c->page_addr = page;
    }
    *p = c->page_ptr + (addr & VGPU_PAGE_MASK) / 4;
    n = (VGPU_PAGE_SIZE - (addr & VGPU_PAGE_MASK)) / 4;
    if (c->size)
        n = OS_MIN(n, (c->size - c->off) / 4);
    return n;
}

static void cursor_advance(struct cursor *c, u32 dwords)
{
    c->off += 4 * dwords;
    if (c->size && c->off >= c->size)
        c->off -= c->size;          /* ring wrap */
    else if (!c->size && !c->host && c->off == 0)
        c->wrapped = true;          /* a batch ran off the top of the 4 GiB space */
}

/* Dwords left before the stream's end (depth 0 only: ring tail or buffer end). */
static u32 until_end(const struct cursor *c, u32 end)
{
    if (c->size && end < c->off)
        return (c->size - c->off + end) / 4;
    return (end - c->off) / 4;
}

/* Graphics address (or buffer offset) of the first unparsed staged dword. */
static u32 stage_addr(const struct cursor *c, const struct stage *st)
{
    u32 back = 4 * (st->len - st->pos);

    if (c->size)
        return c->base + (c->off >= back ? c->off - back : c->off + c->size - back);
    return cursor_addr(c) - back;
}

/*
 * Make n dwords available at st->buf[st->pos].  A bounded stream (ring,
 * host buffer) never fetches past `end`; a command that would need to is
 * a LENGTH error at `at`.
 */
static bool stage_refill(struct scan *s, struct cursor *c, struct stage *st, u32 n, bool bounded,
                         u32 end, u32 at)
{
    while (st->len - st->pos < n) {
        const u32 *p;
        u32 k;

        if (st->pos) {
            memmove(st->buf, st->buf + st->pos, (size_t)(st->len - st->pos) * 4);
            st->len -= st->pos;
            st->pos = 0;
        }
        if (bounded && until_end(c, end) == 0)
            return fail(s, RGPU_ERR_LENGTH, at);    /* command runs past the tail */
        k = cursor_span(s, c, &p);
        if (!k)
            return false;
        k = OS_MIN(k, STAGE_DWORDS - st->len);
        if (bounded)
            k = OS_MIN(k, until_end(c, end));
        if (s->read + k > RGPU_MAX_SUBMIT_DWORDS)
            return fail(s, RGPU_ERR_TOO_LONG, cursor_addr(c));
        s->read += k;
        memcpy(st->buf + st->len, p, (size_t)k * 4);
        st->len += k;
        cursor_advance(c, k);
    }
    return true;
}

/* The common case -- the command is already staged -- costs one compare. */
static inline bool stage_need(struct scan *s, struct cursor *c, struct stage *st, u32 n,
                              bool bounded, u32 end, u32 at)
{
    return st->len - st->pos >= n || stage_refill(s, c, st, n, bounded, end, at);
}

/* Room for one more command (at most 1 + 2 * RGPU_MAX_LRI_PAIRS dwords). */
static bool reserve(struct scan *s)
{
    const u32 need = 1 + 2 * RGPU_MAX_LRI_PAIRS;

    if (s->out_len + need > s->out_cap) {
        u32 cap = s->out_cap ? s->out_cap * 2 : 1024;
        u32 *nb;

        if (s->out_cap >= RGPU_MAX_SUBMIT_DWORDS + need)
            return fail(s, RGPU_ERR_TOO_LONG, 0);
        cap = OS_MIN(cap, RGPU_MAX_SUBMIT_DWORDS + need);
        nb = os_alloc_large((size_t)cap * 4);
        if (!nb)
            return fail(s, RGPU_ERR_TOO_LONG, 0);
        if (s->out)
            memcpy(nb, s->out, (size_t)s->out_len * 4);
        os_free_large(s->out);
        s->out = nb;
        s->out_cap = cap;
    }
    return true;
}

/* Append the n-dword command at cmd to the workload. */
static inline bool keep(struct scan *s, const u32 *cmd, u32 n)
{
    u32 i, *o;

    if (s->out_len + n > RGPU_MAX_SUBMIT_DWORDS)
        return fail(s, RGPU_ERR_TOO_LONG, 0);
    if (s->out_len + n > s->out_cap && !reserve(s))
        return false;
    o = s->out + s->out_len;
    for (i = 0; i < n; i++)
        o[i] = cmd[i];
    s->out_len += n;
    return true;
}

bool vgpu_lri_allowed(u32 reg)
{
    /* Unprivileged state only: the scratch registers.  Everything else a
     * register write could change (interrupts, GTT, rings, display) is
     * the mediator's to control. */
    return reg >= RGPU_REG_SCRATCH(0) && reg <= RGPU_REG_SCRATCH(3) && (reg & 3) == 0;
}

/* [addr, addr + len) inside the slice and every page of it mapped. */
static bool check_range(struct scan *s, u64 addr, u64 len)
{
    struct vgpu *v = s->v;
    u64 a;

    if (!len || addr < v->gm_base || addr - v->gm_base > v->gm_size ||
        len > v->gm_size - (addr - v->gm_base))
        return fail(s, RGPU_ERR_ADDRESS, (u32)addr);
    if (vgpu_gtt_range_mapped(v, addr, len))
        return true;
    /* Slow path only to name the first unmapped page in the error. */
    for (a = addr & ~(u64)VGPU_PAGE_MASK; a < addr + len; a += VGPU_PAGE_SIZE)
        if (!vgpu_gtt_ptr(v, (u32)a))
            return fail(s, RGPU_ERR_UNMAPPED, (u32)a);
    return true;
}

static bool check_rect(struct scan *s, u32 addr, u32 pitch, u32 bpp, u32 w, u32 h)
{
    u32 bytes = 1u << bpp;

    if (!w || !h || (addr & (bytes - 1)) || (u64)w * bytes > pitch)
        return fail(s, RGPU_ERR_ADDRESS, addr);
    return check_range(s, addr, (u64)(h - 1) * pitch + (u64)w * bytes);
}

static bool scan_stream(struct scan *s, struct cursor *c, u32 depth, u32 end);

static bool scan_batch(struct scan *s, u32 addr, u32 depth)
{
    struct cursor c = { 0, 0, addr, NULL, ~0u, NULL, 0, false };

    if (depth > RGPU_MAX_BATCH_DEPTH)
        return fail(s, RGPU_ERR_NESTING, addr);
    if (addr & 3)
        return fail(s, RGPU_ERR_ADDRESS, addr);
    return scan_stream(s, &c, depth, 0);
}

/*
 * Scan one stream: a batch (depth > 0, ends at BATCH_BUFFER_END) or the
 * ring / a host buffer (depth 0, ends when the cursor reaches `end`).
 * Commands are validated in the staging copy, then kept in the workload
 * or dropped (NOOP, BATCH_START/END).
 */
static bool scan_stream(struct scan *s, struct cursor *c, u32 depth, u32 end)
{
    struct stage *st = &s->stage[depth];
    bool bounded = depth == 0;

    st->pos = st->len = 0;
    for (;;) {
        u32 at, op, len, i, bpp;
        const u32 *cmd;

        if (bounded && st->pos == st->len && c->off == end)
            return true;
        at = stage_addr(c, st);
        if (!stage_need(s, c, st, 1, bounded, end, at))
            return false;
        op = RGPU_CMD_OPCODE(st->buf[st->pos]);
        len = RGPU_CMD_LEN(st->buf[st->pos]);
        if (RGPU_CMD_MBZ(st->buf[st->pos]))
            return fail(s, RGPU_ERR_LENGTH, at);
        if (len > 2 * RGPU_MAX_LRI_PAIRS)
            return fail(s, op <= RGPU_OP_SRC_COPY ? RGPU_ERR_LENGTH : RGPU_ERR_OPCODE, at);
        if (!stage_need(s, c, st, 1 + len, bounded, end, at))
            return false;
        cmd = st->buf + st->pos;
        st->pos += 1 + len;
        s->ncmds++;

        switch (op) {
        case RGPU_OP_NOOP:
            if (len != 0)
                return fail(s, RGPU_ERR_LENGTH, at);
            break;                                      /* dropped */
        case RGPU_OP_USER_INTERRUPT:
            if (len != 0)
                return fail(s, RGPU_ERR_LENGTH, at);
            if (!keep(s, cmd, 1))
                return false;
            break;
        case RGPU_OP_BATCH_START:
            if (len != 1)
                return fail(s, RGPU_ERR_LENGTH, at);
            if (c->host)
                return fail(s, RGPU_ERR_OPCODE, at);    /* host buffers are flat */
            if (!scan_batch(s, cmd[1], depth + 1))
                return false;
            break;
        case RGPU_OP_BATCH_END:
            if (len != 0)
                return fail(s, RGPU_ERR_LENGTH, at);
            if (depth == 0)
                return fail(s, RGPU_ERR_BATCH_END, at);
            return true;
        case RGPU_OP_STORE_DATA_IMM:
            if (len != 2)
                return fail(s, RGPU_ERR_LENGTH, at);
            if ((cmd[1] & 3) || !check_range(s, cmd[1], 4))
                return fail(s, RGPU_ERR_ADDRESS, cmd[1]);
            if (!keep(s, cmd, 3))
                return false;
            break;
        case RGPU_OP_STORE_DATA_INDEX: {
            u32 hws = vgpu_vreg(s->v, RGPU_ENGINE_BASE(s->engine) + RGPU_RING_HWS);

            if (len != 2)
                return fail(s, RGPU_ERR_LENGTH, at);
            if ((cmd[1] & 3) || cmd[1] >= VGPU_PAGE_SIZE || !check_range(s, hws, VGPU_PAGE_SIZE))
                return fail(s, RGPU_ERR_ADDRESS, hws + (cmd[1] & VGPU_PAGE_MASK));
            if (!keep(s, cmd, 3))
                return false;
            break;
        }
        case RGPU_OP_LOAD_REG_IMM:
            if (s->engine != RGPU_ENGINE_RENDER)
                return fail(s, RGPU_ERR_OPCODE, at);
            if (len == 0 || (len & 1))
                return fail(s, RGPU_ERR_LENGTH, at);
            for (i = 1; i < len; i += 2)
                if (!vgpu_lri_allowed(cmd[i]))
                    return fail(s, RGPU_ERR_REGISTER, cmd[i]);
            if (!keep(s, cmd, 1 + len))
                return false;
            break;
        case RGPU_OP_COLOR_FILL:
            if (len != 4)
                return fail(s, RGPU_ERR_LENGTH, at);
            bpp = cmd[2] >> 16;
            if (bpp > RGPU_BPP_32 ||
                !check_rect(s, cmd[1], cmd[2] & 0xffff, bpp, cmd[3] & 0xffff, cmd[3] >> 16))
                return fail(s, RGPU_ERR_ADDRESS, cmd[1]);
            if (!keep(s, cmd, 5))
                return false;
            break;
        case RGPU_OP_SRC_COPY:
            if (len != 5)
                return fail(s, RGPU_ERR_LENGTH, at);
            bpp = cmd[2] >> 16;
            if (bpp > RGPU_BPP_32 || (cmd[5] >> 16) ||
                !check_rect(s, cmd[1], cmd[2] & 0xffff, bpp, cmd[3] & 0xffff, cmd[3] >> 16) ||
                !check_rect(s, cmd[4], cmd[5] & 0xffff, bpp, cmd[3] & 0xffff, cmd[3] >> 16))
                return fail(s, RGPU_ERR_ADDRESS, cmd[1]);
            if (!keep(s, cmd, 6))
                return false;
            break;
        default:
            return fail(s, RGPU_ERR_OPCODE, at);
        }
    }
}

static struct vgpu_workload *finish(struct scan *s, bool ok, struct vgpu_scan_result *res)
{
    struct vgpu_workload *w;

    os_free_large(s->stage);
    s->stage = NULL;
    res->error = ok ? RGPU_ERR_NONE : (s->error ? s->error : RGPU_ERR_LENGTH);
    res->error_addr = s->error_addr;
    res->ncmds = s->ncmds;
    if (!ok)
        goto drop;
    w = os_alloc(sizeof(*w));
    if (!w) {
        res->error = RGPU_ERR_TOO_LONG;
        goto drop;
    }
    w->dwords = s->out;
    w->len = s->out_len;
    w->engine = s->engine;
    w->gm_lo = s->v->gm_base;
    w->gm_hi = s->v->gm_base + s->v->gm_size;
    w->hws = vgpu_vreg(s->v, RGPU_ENGINE_BASE(s->engine) + RGPU_RING_HWS);
    w->ncmds = s->ncmds;
    w->ops = &vgpu_workload_ops;
    w->owner = s->v;
    return w;
drop:
    os_free_large(s->out);
    return NULL;
}

struct vgpu_workload *vgpu_scan_ring(struct vgpu *v, u32 engine, u32 head, u32 tail,
                                     struct vgpu_scan_result *res)
{
    u32 base = RGPU_ENGINE_BASE(engine);
    u32 ctl = vgpu_vreg(v, base + RGPU_RING_CTL);
    u32 size = RGPU_RING_CTL_PAGES(ctl) * VGPU_PAGE_SIZE;
    struct scan s = { v, engine, NULL, 0, 0, 0, 0, 0, 0, NULL };
    struct cursor c = { vgpu_vreg(v, base + RGPU_RING_START), size, head, NULL, ~0u, NULL, 0,
                        false };

    OS_ASSERT_HELD(v->lock);
    s.stage = os_alloc_large(sizeof(*s.stage) * (RGPU_MAX_BATCH_DEPTH + 1));
    if (!s.stage) {
        fail(&s, RGPU_ERR_TOO_LONG, tail);
        return finish(&s, false, res);
    }
    if (!(ctl & RGPU_RING_CTL_ENABLE) || (c.base & VGPU_PAGE_MASK) || head >= size ||
        tail >= size || (head & 3) || (tail & 3)) {
        fail(&s, RGPU_ERR_RING, tail);
        return finish(&s, false, res);
    }
    return finish(&s, scan_stream(&s, &c, 0, tail), res);
}

struct vgpu_workload *vgpu_scan_buffer(struct vgpu *v, u32 engine, const u32 *dwords, u32 n,
                                       struct vgpu_scan_result *res)
{
    struct scan s = { v, engine, NULL, 0, 0, 0, 0, 0, 0, NULL };
    struct cursor c = { 0, 0, 0, NULL, ~0u, dwords, n, false };

    s.stage = os_alloc_large(sizeof(*s.stage) * (RGPU_MAX_BATCH_DEPTH + 1));
    if (!s.stage || engine >= RGPU_NUM_ENGINES || n > RGPU_MAX_SUBMIT_DWORDS) {
        fail(&s, RGPU_ERR_TOO_LONG, 0);
        return finish(&s, false, res);
    }
    return finish(&s, scan_stream(&s, &c, 0, n * 4), res);
}

void vgpu_workload_free(struct vgpu_workload *w)
{
    if (!w)
        return;
    os_free_large(w->dwords);
    os_free(w);
}
