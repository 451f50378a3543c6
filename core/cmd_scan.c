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
 *
 * Cost (docs/benchmarks.md): a command is decoded once through cmd_table;
 * validation costs per address field (a memo of the mapped run answers
 * most lookups in a few compares) and copying costs per page and per run
 * of kept commands (bulk copies), not per dword.
 */
#include "vgpu_priv.h"

struct scan {
    struct vgpu *v;
    u32 engine;
    u32 *out;
    u32 out_len, out_cap;
    u64 ncmds;                  /* u64: its increments alias no u32 the loop keeps in registers */
    u32 error, error_addr;
    u32 read;                   /* dwords fetched, batches included: bounds the work */
    struct stage *stage;        /* one per nesting level */
    /* Graphics memory [ok_lo, ok_hi) already found inside the slice and
     * mapped: the page set of a surface is looked up once per scan, not
     * once per command (the caller holds v->lock: the GTT cannot change
     * during a scan). */
    u64 ok_lo, ok_hi;
    struct vgpu_workload *w;    /* the workload being filled (a reused one, or NULL) */
};

/*
 * Commands are fetched a page at a time into a private staging buffer and
 * parsed there: one bulk copy per page instead of one access per dword,
 * and everything is validated from memory the guest cannot change.
 */
/*
 * Runs of kept commands are short (a NOOP every few commands ends one), so
 * they are copied inline in blocks of BLOCK dwords; the last block may copy
 * up to BLOCK - 1 dwords too many, into room the stage and the workload's
 * buffer keep past their ends.
 */
#define BLOCK 16

#define STAGE_DWORDS (VGPU_PAGE_SIZE / 4 + 2 * RGPU_MAX_LRI_PAIRS + 1)
struct stage {
    u32 buf[STAGE_DWORDS + BLOCK];      /* + BLOCK: see append() */
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

/* Graphics address (or buffer offset) of staged dword pos. */
static u32 stage_addr(const struct cursor *c, const struct stage *st, u32 pos)
{
    u32 back = 4 * (st->len - pos);

    if (c->size)
        return c->base + (c->off >= back ? c->off - back : c->off + c->size - back);
    return cursor_addr(c) - back;
}

/* Reject the command at staged dword pos (its address is computed only now). */
static bool fail_cmd(struct scan *s, const struct cursor *c, const struct stage *st, u32 pos,
                     u32 error)
{
    return fail(s, error, stage_addr(c, st, pos));
}

/*
 * Make n dwords available at st->buf[st->pos].  A bounded stream (ring,
 * host buffer) never fetches past `end`; a command that would need to is
 * a LENGTH error at `at`.
 */
static bool stage_refill(struct scan *s, struct cursor *c, struct stage *st, u32 n, bool bounded,
                         u32 end)
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
            return fail_cmd(s, c, st, st->pos, RGPU_ERR_LENGTH);    /* command runs past the tail */
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

/*
 * The workload's buffer grows by doubling up to the submission limit; a
 * vGPU keeps the buffer of its last freed workload (vgpu_workload_free), so
 * a guest that keeps submitting reuses one instead of allocating, zeroing
 * and regrowing one per submission.
 */
static bool grow(struct scan *s, u32 need)
{
    u32 cap = s->out_cap ? s->out_cap : 1024;
    u32 *nb;

    while (cap < need)
        cap *= 2;
    cap = OS_MIN(cap, RGPU_MAX_SUBMIT_DWORDS + BLOCK);
    nb = os_alloc_large((size_t)cap * 4);
    if (!nb)
        return fail(s, RGPU_ERR_TOO_LONG, 0);
    if (s->out)
        memcpy(nb, s->out, (size_t)s->out_len * 4);
    os_free_large(s->out);
    s->out = nb;
    s->out_cap = cap;
    return true;
}

/* Append n validated dwords to the workload. */
static inline bool append(struct scan *s, const u32 *dw, u32 n)
{
    u32 i, *o;

    if (s->out_len + n + BLOCK > s->out_cap) {
        if (!n)
            return true;
        if (s->out_len + n > RGPU_MAX_SUBMIT_DWORDS)
            return fail(s, RGPU_ERR_TOO_LONG, 0);
        if (!grow(s, s->out_len + n + BLOCK))
            return false;
    }
    o = s->out + s->out_len;
    for (i = 0; i < n; i += BLOCK)
        memcpy(o + i, dw + i, BLOCK * 4);
    s->out_len += n;
    return true;
}

/*
 * n dwords staged at st->buf[st->pos]: the common case costs one compare.
 * A refill moves the stage, so the run of validated commands not yet
 * appended (st->buf[*run..pos)) is appended first.
 */
static inline bool stage_need(struct scan *s, struct cursor *c, struct stage *st, u32 n,
                              bool bounded, u32 end, u32 *run)
{
    if (st->len - st->pos >= n)
        return true;
    if (!append(s, st->buf + *run, st->pos - *run))
        return false;
    *run = 0;
    return stage_refill(s, c, st, n, bounded, end);
}

bool vgpu_lri_allowed(u32 reg)
{
    /* Unprivileged state only: the scratch registers.  Everything else a
     * register write could change (interrupts, GTT, rings, display) is
     * the mediator's to control. */
    return reg >= RGPU_REG_SCRATCH(0) && reg <= RGPU_REG_SCRATCH(3) && (reg & 3) == 0;
}

/* [addr, addr + len) inside the slice and every page of it mapped. */
static bool check_range_slow(struct scan *s, u64 addr, u64 len)
{
    struct vgpu *v = s->v;
    u64 a;

    if (!len || addr < v->gm_base || addr - v->gm_base > v->gm_size ||
        len > v->gm_size - (addr - v->gm_base))
        return fail(s, RGPU_ERR_ADDRESS, (u32)addr);
    if (vgpu_gtt_range_mapped(v, addr, len)) {
        vgpu_gtt_mapped_run(v, addr, len, &s->ok_lo, &s->ok_hi);
        return true;
    }
    /* Slow path only to name the first unmapped page in the error. */
    for (a = addr & ~(u64)VGPU_PAGE_MASK; a < addr + len; a += VGPU_PAGE_SIZE)
        if (!vgpu_gtt_ptr(v, (u32)a))
            return fail(s, RGPU_ERR_UNMAPPED, (u32)a);
    return true;
}

static inline bool check_range(struct scan *s, u64 addr, u64 len)
{
    if (addr >= s->ok_lo && addr < s->ok_hi && len && len <= s->ok_hi - addr)
        return true;
    return check_range_slow(s, addr, len);
}

/* A rectangle: its geometry, then its row span [addr, last byte] as one
 * range (the span rule of docs/hw-spec.md: every page between the first
 * and the last byte is mapped). */
static inline bool check_rect(struct scan *s, u32 addr, u32 pitch, u32 bpp, u32 w, u32 h)
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
 * The command table, decoded once per command (GVT-g's cmd_info): the
 * usual dword 0 of the opcode (a command equal to it is well formed and
 * needs no further decoding), what the scanner does with the command and,
 * for fixed-length commands, LEN + 1 (0: the command's own rule checks
 * LEN).  Unknown opcodes are all zero.
 */
enum cmd_kind {
    CMD_BAD = 0, CMD_NOOP, CMD_USER_INTERRUPT, CMD_BATCH_START, CMD_BATCH_END,
    CMD_STORE_IMM, CMD_STORE_INDEX, CMD_LRI, CMD_FILL, CMD_COPY,
};

struct cmd_info {
    u32 dw0;
    u8 kind;
    u8 len_plus1;
};

#define FIXED(op, len, kind) [op] = { RGPU_CMD(op, len), kind, (len) + 1 }

static const struct cmd_info cmd_table[256] = {
    FIXED(RGPU_OP_NOOP, RGPU_LEN_NOOP, CMD_NOOP),
    FIXED(RGPU_OP_BATCH_START, RGPU_LEN_BATCH_START, CMD_BATCH_START),
    FIXED(RGPU_OP_BATCH_END, RGPU_LEN_BATCH_END, CMD_BATCH_END),
    FIXED(RGPU_OP_STORE_DATA_IMM, RGPU_LEN_STORE_DATA, CMD_STORE_IMM),
    FIXED(RGPU_OP_STORE_DATA_INDEX, RGPU_LEN_STORE_DATA, CMD_STORE_INDEX),
    [RGPU_OP_LOAD_REG_IMM] = { RGPU_CMD(RGPU_OP_LOAD_REG_IMM, RGPU_LEN_LRI(1)), CMD_LRI, 0 },
    FIXED(RGPU_OP_USER_INTERRUPT, RGPU_LEN_USER_INTERRUPT, CMD_USER_INTERRUPT),
    FIXED(RGPU_OP_COLOR_FILL, RGPU_LEN_COLOR_FILL, CMD_FILL),
    FIXED(RGPU_OP_SRC_COPY, RGPU_LEN_SRC_COPY, CMD_COPY),
};

/* Staged dwords enough for any command: below this, stage_need decides. */
#define STAGE_ANY_CMD (1 + 2 * RGPU_MAX_LRI_PAIRS)

/*
 * Dword 0 that is not its opcode's usual form: the checks of dword 0 in
 * the order the errors are reported, and the whole command staged.
 */
static bool decode_slow(struct scan *s, struct cursor *c, struct stage *st,
                        const struct cmd_info *ci, u32 dw, bool bounded, u32 end, u32 *run)
{
    u32 len = RGPU_CMD_LEN(dw);

    if (RGPU_CMD_MBZ(dw))
        return fail_cmd(s, c, st, st->pos, RGPU_ERR_LENGTH);
    if (len > 2 * RGPU_MAX_LRI_PAIRS)       /* too long for any command */
        return fail_cmd(s, c, st, st->pos, RGPU_CMD_OPCODE(dw) <= RGPU_OP_SRC_COPY ?
                                           RGPU_ERR_LENGTH : RGPU_ERR_OPCODE);
    if (!stage_need(s, c, st, 1 + len, bounded, end, run))
        return false;
    if (ci->len_plus1 && len + 1 != ci->len_plus1) {
        s->ncmds++;
        return fail_cmd(s, c, st, st->pos, RGPU_ERR_LENGTH);
    }
    return true;
}

/*
 * Scan one stream: a batch (depth > 0, ends at BATCH_BUFFER_END) or the
 * ring / a host buffer (depth 0, ends when the cursor reaches `end`).
 * Commands are validated in the staging copy; runs of kept commands are
 * appended to the workload in one copy each, NOOP and BATCH_START/END are
 * dropped.
 */
static bool scan_stream(struct scan *s, struct cursor *c, u32 depth, u32 end)
{
    struct stage *st = &s->stage[depth];
    bool bounded = depth == 0;
    u32 pos = 0;                /* st->pos, kept in a register; stored for the helpers */
    u32 run = 0;                /* st->buf[run..pos): validated, not yet appended */

    st->pos = st->len = 0;
    for (;;) {
        const struct cmd_info *ci;
        const u32 *cmd;
        u32 dw, len, i, bpp;

        /* With STAGE_ANY_CMD dwords staged, neither the stream's end nor a
         * refill can come up within this command: the common case. */
        bool near = st->len - pos < STAGE_ANY_CMD;

        if (near) {
            if (bounded && pos == st->len && c->off == end)
                return append(s, st->buf + run, pos - run);
            st->pos = pos;
            if (!stage_need(s, c, st, 1, bounded, end, &run))
                return false;
            pos = st->pos;
        }
        dw = st->buf[pos];
        ci = &cmd_table[RGPU_CMD_OPCODE(dw)];
        len = RGPU_CMD_LEN(dw);
        if (dw != ci->dw0 || near) {
            st->pos = pos;
            if (dw != ci->dw0 ? !decode_slow(s, c, st, ci, dw, bounded, end, &run)
                              : !stage_need(s, c, st, 1 + len, bounded, end, &run))
                return false;
            pos = st->pos;
        }
        cmd = st->buf + pos;
        s->ncmds++;

        switch (ci->kind) {
        case CMD_NOOP:
            if (!append(s, st->buf + run, pos - run))
                return false;
            run = pos + 1;                              /* dropped */
            break;
        case CMD_USER_INTERRUPT:
            break;
        case CMD_BATCH_START:
            if (c->host)
                return fail_cmd(s, c, st, pos, RGPU_ERR_OPCODE);       /* host buffers are flat */
            if (!append(s, st->buf + run, pos - run))
                return false;
            pos += 1 + len;
            st->pos = run = pos;                        /* dropped, the batch inlined */
            if (!scan_batch(s, cmd[RGPU_BATCH_ADDR], depth + 1))
                return false;
            continue;
        case CMD_BATCH_END:
            if (depth == 0)
                return fail_cmd(s, c, st, pos, RGPU_ERR_BATCH_END);
            return append(s, st->buf + run, pos - run);
        case CMD_STORE_IMM:
            if ((cmd[RGPU_STORE_ADDR] & 3) || !check_range(s, cmd[RGPU_STORE_ADDR], 4))
                return fail(s, RGPU_ERR_ADDRESS, cmd[RGPU_STORE_ADDR]);
            break;
        case CMD_STORE_INDEX: {
            u32 hws = vgpu_vreg(s->v, RGPU_ENGINE_BASE(s->engine) + RGPU_RING_HWS);
            u32 off = cmd[RGPU_STORE_ADDR];

            if ((off & 3) || off >= VGPU_PAGE_SIZE || !check_range(s, hws, VGPU_PAGE_SIZE))
                return fail(s, RGPU_ERR_ADDRESS, hws + (off & VGPU_PAGE_MASK));
            break;
        }
        case CMD_LRI:
            if (s->engine != RGPU_ENGINE_RENDER)
                return fail_cmd(s, c, st, pos, RGPU_ERR_OPCODE);
            if (len == 0 || (len & 1))
                return fail_cmd(s, c, st, pos, RGPU_ERR_LENGTH);
            for (i = 0; RGPU_LRI_REG(i) < len; i++)
                if (!vgpu_lri_allowed(cmd[RGPU_LRI_REG(i)]))
                    return fail(s, RGPU_ERR_REGISTER, cmd[RGPU_LRI_REG(i)]);
            break;
        case CMD_FILL:
            bpp = RGPU_BPP(cmd[RGPU_RECT_DST_PITCH]);
            if (bpp > RGPU_BPP_32 ||
                !check_rect(s, cmd[RGPU_RECT_DST], RGPU_PITCH(cmd[RGPU_RECT_DST_PITCH]), bpp,
                            RGPU_WIDTH(cmd[RGPU_RECT_SIZE]), RGPU_HEIGHT(cmd[RGPU_RECT_SIZE])))
                return fail(s, RGPU_ERR_ADDRESS, cmd[RGPU_RECT_DST]);
            break;
        case CMD_COPY:
            bpp = RGPU_BPP(cmd[RGPU_RECT_DST_PITCH]);
            if (bpp > RGPU_BPP_32 || RGPU_SRC_PITCH_MBZ(cmd[RGPU_COPY_SRC_PITCH]) ||
                !check_rect(s, cmd[RGPU_RECT_DST], RGPU_PITCH(cmd[RGPU_RECT_DST_PITCH]), bpp,
                            RGPU_WIDTH(cmd[RGPU_RECT_SIZE]), RGPU_HEIGHT(cmd[RGPU_RECT_SIZE])) ||
                !check_rect(s, cmd[RGPU_COPY_SRC], RGPU_PITCH(cmd[RGPU_COPY_SRC_PITCH]), bpp,
                            RGPU_WIDTH(cmd[RGPU_RECT_SIZE]), RGPU_HEIGHT(cmd[RGPU_RECT_SIZE])))
                return fail(s, RGPU_ERR_ADDRESS, cmd[RGPU_RECT_DST]);
            break;
        default:                                        /* CMD_BAD */
            return fail_cmd(s, c, st, pos, RGPU_ERR_OPCODE);
        }
        pos += 1 + len;
    }
}

static struct vgpu_workload *finish(struct scan *s, bool ok, struct vgpu_scan_result *res)
{
    struct vgpu_workload *w = s->w;

    /* Keep the staging pages for the vGPU's next scan (scan_stream resets
     * each level; what they still hold is this vGPU's own stream). */
    os_free_large(__atomic_exchange_n(&s->v->spare_stage, (void *)s->stage, __ATOMIC_ACQ_REL));
    s->stage = NULL;
    res->error = ok ? RGPU_ERR_NONE : (s->error ? s->error : RGPU_ERR_LENGTH);
    res->error_addr = s->error_addr;
    res->ncmds = (u32)s->ncmds;
    if (!ok)
        goto drop;
    if (!w)
        w = os_alloc(sizeof(*w));
    if (!w) {
        res->error = RGPU_ERR_TOO_LONG;
        goto drop;
    }
    memset(w, 0, sizeof(*w));
    w->dwords = s->out;
    w->len = s->out_len;
    w->cap = s->out_cap;
    w->engine = s->engine;
    w->gm_lo = s->v->gm_base;
    w->gm_hi = s->v->gm_base + s->v->gm_size;
    w->hws = vgpu_vreg(s->v, RGPU_ENGINE_BASE(s->engine) + RGPU_RING_HWS);
    w->ncmds = s->ncmds;
    w->ops = &vgpu_workload_ops;
    w->owner = s->v;
    return w;
drop:
    if (s->w) {
        s->w->dwords = s->out;          /* back to the vGPU for the next scan */
        s->w->cap = s->out_cap;
        vgpu_workload_free(s->w);
    } else {
        os_free_large(s->out);
    }
    return NULL;
}

/* Start a scan with the vGPU's spare workload and its buffer, and its
 * staging pages, if it has them. */
static void scan_init(struct scan *s, struct vgpu *v, u32 engine)
{
    memset(s, 0, sizeof(*s));
    s->v = v;
    s->engine = engine;
    s->w = __atomic_exchange_n(&v->spare_workload, NULL, __ATOMIC_ACQUIRE);
    if (s->w) {
        s->out = s->w->dwords;
        s->out_cap = s->w->cap;
    }
    s->stage = __atomic_exchange_n(&v->spare_stage, NULL, __ATOMIC_ACQUIRE);
    if (!s->stage)
        s->stage = os_alloc_large(sizeof(*s->stage) * (RGPU_MAX_BATCH_DEPTH + 1));
}

struct vgpu_workload *vgpu_scan_ring(struct vgpu *v, u32 engine, u32 head, u32 tail,
                                     struct vgpu_scan_result *res)
{
    u32 base = RGPU_ENGINE_BASE(engine);
    u32 ctl = vgpu_vreg(v, base + RGPU_RING_CTL);
    u32 size = RGPU_RING_CTL_PAGES(ctl) * VGPU_PAGE_SIZE;
    struct scan s;
    struct cursor c = { vgpu_vreg(v, base + RGPU_RING_START), size, head, NULL, ~0u, NULL, 0,
                        false };

    OS_ASSERT_HELD(v->lock);
    scan_init(&s, v, engine);
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
    struct scan s;
    struct cursor c = { 0, 0, 0, NULL, ~0u, dwords, n, false };

    scan_init(&s, v, engine);
    if (!s.stage || engine >= RGPU_NUM_ENGINES || n > RGPU_MAX_SUBMIT_DWORDS) {
        fail(&s, RGPU_ERR_TOO_LONG, 0);
        return finish(&s, false, res);
    }
    return finish(&s, scan_stream(&s, &c, 0, n * 4), res);
}

/* The owner keeps one freed workload (the latest) for its next scan. */
void vgpu_workload_free(struct vgpu_workload *w)
{
    struct vgpu *v;

    if (!w)
        return;
    v = w->owner;
    if (v)
        w = __atomic_exchange_n(&v->spare_workload, w, __ATOMIC_ACQ_REL);
    if (!w)
        return;
    os_free_large(w->dwords);
    os_free(w);
}
