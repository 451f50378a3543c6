/*
 * sw_engine.c - the reference GPU executed in software: an implementation
 * of the pGPU driver interface (core/pgpu.h).  It sees only that interface
 * and the OS shim, never the device model's structures (`make check-core`
 * compiles it against those headers alone).
 *
 * The engine reaches memory only through its host GTT (graphics page ->
 * host mapping), never through guest addresses, and re-checks every
 * access against the workload's slice: the scanner is the first line of
 * isolation, this is the second.  Rectangle commands are executed row by
 * row and can be preempted between rows, so no single command can hold
 * the engine beyond its time slice.
 */
#include "pgpu.h"
#include "le_bytes.h"
#include "sw_engine.h"

/*
 * The colour as a page-sized byte pattern starting at pixel phase 0: a
 * chunk that starts mid-pixel (a page boundary may split a pixel when the
 * pitch is odd) copies from pat + phase, with no per-byte arithmetic.
 */
struct fill_pattern {
    u8 bytes[PGPU_PAGE_SIZE + 4];
    u32 color, bpp;
    bool valid;
};

struct sw_pgpu {
    struct pgpu base;
    struct fill_pattern pattern[RGPU_NUM_ENGINES];  /* each engine runs on its own thread */
    struct pgpu_page *gtt;
    void (*hook)(void *ctx, u32 opcode);
    void *hook_ctx;
    u64 (*clock)(void *ctx);    /* the parent's scheduling clock, or NULL */
    void *clock_ctx;
};

#define SW(g) OS_CONTAINER_OF((g), struct sw_pgpu, base)

/* Preemption deadlines are scheduling decisions: measure them on the same
 * clock as the scheduler, so a test's fake clock preempts deterministically. */
static u64 sw_now(const struct sw_pgpu *sw)
{
    return sw->clock ? sw->clock(sw->clock_ctx) : os_now_ns();
}

static int sw_set_gtt(struct pgpu *g, u32 index, const struct pgpu_page *page)
{
    struct sw_pgpu *sw = SW(g);

    if (index >= g->gtt_entries)
        return -EINVAL;
    if (page)
        sw->gtt[index] = *page;
    else
        memset(&sw->gtt[index], 0, sizeof(sw->gtt[index]));
    return 0;
}

/* Host pointer for gfx_addr and the bytes left in its page, or NULL. */
static u8 *translate(struct sw_pgpu *sw, u32 gfx_addr, u32 *left)
{
    u32 index = gfx_addr >> PGPU_PAGE_SHIFT;
    u8 *va;

    if (index >= sw->base.gtt_entries)
        return NULL;
    va = sw->gtt[index].va;
    if (!va)
        return NULL;
    *left = PGPU_PAGE_SIZE - (gfx_addr & PGPU_PAGE_MASK);
    return va + (gfx_addr & PGPU_PAGE_MASK);
}

static bool in_slice(const struct vgpu_workload *w, u32 addr, u64 len)
{
    return addr >= w->gm_lo && addr < w->gm_hi && len <= w->gm_hi - addr;
}

static const u8 *fill_pattern(struct fill_pattern *fp, u32 color, u32 bpp)
{
    u32 i, size = 1u << bpp;

    if (!fp->valid || fp->color != color || fp->bpp != bpp) {
        for (i = 0; i + size <= sizeof(fp->bytes); i += size)
            le_store(fp->bytes + i, size, color);
        fp->color = color;
        fp->bpp = bpp;
        fp->valid = true;
    }
    return fp->bytes;
}

/* Fill one row of len bytes at addr; false on an unmapped page. */
static bool fill_row(struct sw_pgpu *sw, u32 addr, u32 len, const u8 *pat, u32 bpp, u32 *fault)
{
    u32 done = 0, size = 1u << bpp;

    while (done < len) {
        u32 left, n;
        u8 *p = translate(sw, addr + done, &left);

        if (!p) {
            *fault = addr + done;
            return false;
        }
        n = OS_MIN(left, len - done);
        if (bpp == RGPU_BPP_8) {
            memset(p, pat[0], n);
        } else if ((done & (size - 1)) == 0) {
            /* Whole 8-byte stores of the pattern from a local (the compiler
             * cannot prove p does not alias pat): memset speed, where 4-byte
             * stores reach a quarter of it.  memcpy, not a u64 store: rows
             * after the first are misaligned when the pitch is odd. */
            u64 px8;
            u32 i;

            memcpy(&px8, pat, 8);
            for (i = 0; i + 8 <= n; i += 8)
                memcpy(p + i, &px8, 8);
            memcpy(p + i, pat, n - i);
        } else {
            memcpy(p, pat + (done & (size - 1)), n);
        }
        done += n;
    }
    return true;
}

static bool copy_row(struct sw_pgpu *sw, u32 dst, u32 src, u32 len, u32 *fault)
{
    u32 done = 0;

    while (done < len) {
        u32 lsrc, ldst, n;
        u8 *s = translate(sw, src + done, &lsrc);
        u8 *d = translate(sw, dst + done, &ldst);

        if (!s || !d) {
            *fault = !s ? src + done : dst + done;
            return false;
        }
        n = OS_MIN(OS_MIN(lsrc, ldst), len - done);
        memmove(d, s, n);
        done += n;
    }
    return true;
}

static bool write_dword(struct sw_pgpu *sw, const struct vgpu_workload *w, u32 addr, u32 val,
                        u32 *fault)
{
    u32 left;
    u8 *p;

    if (!in_slice(w, addr, 4) || (addr & 3)) {
        *fault = addr;
        return false;
    }
    p = translate(sw, addr, &left);
    if (!p) {
        *fault = addr;
        return false;
    }
    le32_store(p, val);
    return true;
}

/* Rows between clock checks in rectangle commands. */
#define ROWS_PER_CHECK 16

static int sw_submit(struct pgpu *g, u32 engine, struct vgpu_workload *w, u64 budget_ns,
                     pgpu_done_fn done, void *ctx)
{
    struct sw_pgpu *sw = SW(g);
    struct pgpu_exec_result res = { PGPU_EXEC_DONE, 0, 0, 0 };
    u64 deadline = sw_now(sw) + budget_ns;
    u32 fault = 0;

    while (w->pos < w->len) {
        const u32 *c = &w->dwords[w->pos];
        u32 op = RGPU_CMD_OPCODE(c[0]), len = RGPU_CMD_LEN(c[0]), i;

        if (res.commands && sw_now(sw) >= deadline) {
            res.status = PGPU_EXEC_PREEMPTED;
            break;
        }
        if (w->pos + 1 + len > w->len)
            goto bad_command;           /* cannot happen after the scanner */
        switch (op) {
        case RGPU_OP_NOOP:
            break;
        case RGPU_OP_USER_INTERRUPT:
            w->ops->user_interrupt(w);
            break;
        case RGPU_OP_STORE_DATA_IMM:
            if (!write_dword(sw, w, c[RGPU_STORE_ADDR], c[RGPU_STORE_VALUE], &fault))
                goto fault_unmapped;
            break;
        case RGPU_OP_STORE_DATA_INDEX:
            /* hw-spec §4.1: a driver that sees the number sees every write
             * before it; order them for the compiler and weaker CPUs. */
            __atomic_thread_fence(__ATOMIC_RELEASE);
            if (!write_dword(sw, w, w->hws + RGPU_HWS_OFFSET(c[RGPU_STORE_ADDR]),
                             c[RGPU_STORE_VALUE], &fault))
                goto fault_unmapped;
            w->ops->hws_write(w, RGPU_HWS_OFFSET(c[RGPU_STORE_ADDR]), c[RGPU_STORE_VALUE]);
            break;
        case RGPU_OP_LOAD_REG_IMM:
            for (i = 0; RGPU_LRI_VALUE(i) <= len; i++)
                w->ops->load_register(w, c[RGPU_LRI_REG(i)], c[RGPU_LRI_VALUE(i)]);
            break;
        case RGPU_OP_COLOR_FILL:
        case RGPU_OP_SRC_COPY: {
            /* The scanner rejected bpp > 2; masked again, as every field the
             * engine trusts is re-checked. */
            u32 bpp = RGPU_BPP(c[RGPU_RECT_DST_PITCH]) & 3;
            u32 pitch = RGPU_PITCH(c[RGPU_RECT_DST_PITCH]);
            u32 width = RGPU_WIDTH(c[RGPU_RECT_SIZE]) << bpp;
            u32 height = RGPU_HEIGHT(c[RGPU_RECT_SIZE]);
            u32 dst = c[RGPU_RECT_DST];
            u32 src = op == RGPU_OP_SRC_COPY ? c[RGPU_COPY_SRC] : 0;
            u32 spitch = op == RGPU_OP_SRC_COPY ? RGPU_PITCH(c[RGPU_COPY_SRC_PITCH]) : 0;

            if (!in_slice(w, dst, (u64)(height - 1) * pitch + width) ||
                (op == RGPU_OP_SRC_COPY && !in_slice(w, src, (u64)(height - 1) * spitch + width))) {
                fault = dst;
                res.error = RGPU_ERR_ADDRESS;
                goto fault;
            }
            while (w->row < height) {
                u32 r = w->row;
                bool ok = op == RGPU_OP_COLOR_FILL
                    ? fill_row(sw, dst + r * pitch, width,
                               fill_pattern(&sw->pattern[engine % RGPU_NUM_ENGINES],
                                            c[RGPU_FILL_COLOR], bpp),
                               bpp, &fault)
                    : copy_row(sw, dst + r * pitch, src + r * spitch, width, &fault);

                if (!ok)
                    goto fault_unmapped;
                w->row++;
                if (w->row % ROWS_PER_CHECK == 0 && w->row < height && sw_now(sw) >= deadline) {
                    res.status = PGPU_EXEC_PREEMPTED;
                    goto out;
                }
            }
            w->row = 0;
            break;
        }
        default:
            goto bad_command;
        }
        w->pos += 1 + len;
        res.commands++;
        if (sw->hook)
            sw->hook(sw->hook_ctx, op);
    }
    goto out;

bad_command:
    res.error = RGPU_ERR_OPCODE;
    fault = w->pos;
    goto fault;
fault_unmapped:
    res.error = in_slice(w, fault, 1) ? RGPU_ERR_UNMAPPED : RGPU_ERR_ADDRESS;
fault:
    res.status = PGPU_EXEC_FAULT;
    res.error_addr = fault;
out:
    /* w->busy_ns is the device model's to account (vgpu_engine_complete adds
     * the slice's elapsed time): adding it here too counted every slice
     * twice and fired the watchdog at half its budget. */
    done(ctx, &res);
    return 0;
}

static void sw_engine_reset(struct pgpu *g, u32 engine)
{
    /* Execution is synchronous inside submit: nothing is ever left running. */
    (void)g;
    (void)engine;
}

static int sw_read_gm(struct pgpu *g, u32 gfx_addr, void *buf, u32 len)
{
    struct sw_pgpu *sw = SW(g);
    u32 done = 0;

    while (done < len) {
        u32 left, n;
        u8 *p = translate(sw, gfx_addr + done, &left);

        if (!p)
            return -EFAULT;
        n = OS_MIN(left, len - done);
        memcpy((u8 *)buf + done, p, n);
        done += n;
    }
    return 0;
}

static void sw_destroy(struct pgpu *g)
{
    struct sw_pgpu *sw = SW(g);

    os_free_large(sw->gtt);
    os_free(sw);
}

static const struct pgpu_ops sw_ops = {
    .set_gtt = sw_set_gtt,
    .submit = sw_submit,
    .engine_reset = sw_engine_reset,
    .read_gm = sw_read_gm,
    .destroy = sw_destroy,
};

struct pgpu *pgpu_sw_create(u64 gm_size)
{
    struct sw_pgpu *sw = os_alloc(sizeof(*sw));

    if (!sw)
        return NULL;
    sw->base.ops = &sw_ops;
    sw->base.gtt_entries = (u32)(gm_size >> PGPU_PAGE_SHIFT);
    sw->gtt = os_alloc_large(sizeof(*sw->gtt) * sw->base.gtt_entries);
    if (!sw->gtt) {
        os_free(sw);
        return NULL;
    }
    return &sw->base;
}

void pgpu_sw_set_cmd_hook(struct pgpu *g, void (*hook)(void *ctx, u32 opcode), void *ctx)
{
    struct sw_pgpu *sw = SW(g);

    sw->hook = hook;
    sw->hook_ctx = ctx;
}

void pgpu_sw_set_clock(struct pgpu *g, u64 (*clock)(void *ctx), void *ctx)
{
    struct sw_pgpu *sw = SW(g);

    sw->clock = clock;
    sw->clock_ctx = ctx;
}
