/*
 * rgpu_guest.c - the guest driver library (see rgpu_guest.h).
 *
 * Only the programming model of hw_regs.h is used; every device access
 * goes through the platform's BAR0 accessors, every DMA buffer through its
 * page allocator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rgpu_guest.h"

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define DEFAULT_TIMEOUT_NS 10000000000ull       /* ring space, internal waits */
#define IRQ_WAIT_SLICE_NS 10000000ull           /* re-check registers at least this often */

struct rgpu_ring {
    struct rgpu_bo *ring, *hws;
    u32 pages;
    u32 size;                   /* bytes; 0 = engine not initialised */
    u32 tail;                   /* where the next dword goes */
    u32 submitted;              /* last value written to RING_TAIL */
    u32 head;                   /* HEAD as last read: the engine only moves it on */
    u32 seqno;                  /* last seqno handed out */
};

struct rgpu_dev {
    struct rgpu_platform plat;
    struct rgpu_info info;
    u64 gm_next;                /* bump pointer: offset into the slice */
    void *list_cpu;             /* one DMA page for batched GTT PTE lists */
    u64 list_dma;
    struct rgpu_ring eng[RGPU_NUM_ENGINES];
    enum rgpu_wait_mode wait_mode;
    u64 timeout_ns;
    u32 irq_mask;               /* what rgpu_irq_enable last programmed */
};

/* ------------------------------------------------------------ helpers */
static u64 now(const struct rgpu_dev *d)
{
    return d->plat.now_ns(d->plat.ctx);
}

static void relax(const struct rgpu_dev *d)
{
    if (d->plat.relax)
        d->plat.relax(d->plat.ctx);
}

static void wmb(void)
{
    /* Ring and PTE-list contents must be visible before the register
     * write that hands them to the device. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

u32 rgpu_read(struct rgpu_dev *d, u32 reg)
{
    return d->plat.read32(d->plat.ctx, reg);
}

void rgpu_write(struct rgpu_dev *d, u32 reg, u32 val)
{
    d->plat.write32(d->plat.ctx, reg, val);
}

static u64 read64(struct rgpu_dev *d, u32 off)
{
    if (d->plat.read64)
        return d->plat.read64(d->plat.ctx, off);
    return rgpu_read(d, off) | (u64)rgpu_read(d, off + 4) << 32;
}

static void write64(struct rgpu_dev *d, u32 off, u64 val)
{
    if (d->plat.write64) {
        d->plat.write64(d->plat.ctx, off, val);
        return;
    }
    /* High half first: the low half carries the valid bit, so the entry
     * becomes valid only with its final address. */
    rgpu_write(d, off + 4, (u32)(val >> 32));
    rgpu_write(d, off, (u32)val);
}

static u32 ereg(u32 engine, u32 reg)
{
    return RGPU_ENGINE_BASE(engine) + reg;
}

const struct rgpu_info *rgpu_get_info(const struct rgpu_dev *d)
{
    return &d->info;
}

const struct rgpu_platform *rgpu_get_platform(const struct rgpu_dev *d)
{
    return &d->plat;
}

void rgpu_set_wait_mode(struct rgpu_dev *d, enum rgpu_wait_mode mode)
{
    d->wait_mode = mode;
}

void rgpu_set_timeout(struct rgpu_dev *d, u64 timeout_ns)
{
    d->timeout_ns = timeout_ns ? timeout_ns : DEFAULT_TIMEOUT_NS;
}

const char *rgpu_err_name(u32 err)
{
    static const char *const names[] = {
        "NONE", "OPCODE", "LENGTH", "ADDRESS", "UNMAPPED", "REGISTER",
        "NESTING", "TOO_LONG", "RING", "BATCH_END", "WATCHDOG",
    };

    return err < sizeof(names) / sizeof(names[0]) ? names[err] : "?";
}

/* ------------------------------------------------------------ open / close */
int rgpu_open(const struct rgpu_platform *plat, struct rgpu_dev **out)
{
    struct rgpu_dev *d;
    struct rgpu_info *i;
    int rc;

    if (!plat || !out || !plat->read32 || !plat->write32 || !plat->alloc_pages ||
        !plat->free_pages || !plat->now_ns)
        return -EINVAL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->plat = *plat;
    d->timeout_ns = DEFAULT_TIMEOUT_NS;
    i = &d->info;
    i->id = rgpu_read(d, RGPU_REG_ID);
    i->version = rgpu_read(d, RGPU_REG_VERSION);
    if (i->id != RGPU_ID_VALUE || RGPU_VERSION_MAJOR(i->version) != RGPU_VERSION_MAJOR(RGPU_VERSION_VALUE)) {
        rc = -ENODEV;
        goto fail;
    }
    if (rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_MAGIC) != RGPU_PVINFO_MAGIC_VALUE) {
        rc = -ENODEV;
        goto fail;
    }
    i->pv_version = rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_VERSION);
    if (RGPU_VERSION_MAJOR(i->pv_version) != RGPU_VERSION_MAJOR(RGPU_PVINFO_VERSION_VALUE)) {
        rc = -ENODEV;
        goto fail;
    }
    i->gm_base = read64(d, RGPU_PVINFO_BASE + RGPU_PVINFO_GM_BASE);
    i->gm_size = read64(d, RGPU_PVINFO_BASE + RGPU_PVINFO_GM_SIZE);
    i->gm_total = read64(d, RGPU_PVINFO_BASE + RGPU_PVINFO_GM_TOTAL);
    i->caps = rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_CAPS);
    i->vgpu_id = rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_VGPU_ID);
    i->max_width = rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_WIDTH);
    i->max_height = rgpu_read(d, RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_HEIGHT);
    /* Graphics addresses are 32-bit; a slice must be page-aligned and
     * non-empty. */
    if (!i->gm_size || (i->gm_base & (PAGE_SIZE - 1)) || (i->gm_size & (PAGE_SIZE - 1)) ||
        i->gm_base + i->gm_size > (1ull << 32) || i->gm_base + i->gm_size < i->gm_base) {
        rc = -ENODEV;
        goto fail;
    }
    rc = d->plat.alloc_pages(d->plat.ctx, 1, &d->list_cpu, &d->list_dma);
    if (rc)
        goto fail;
    *out = d;
    return 0;
fail:
    free(d);
    return rc;
}

static void engine_fini(struct rgpu_dev *d, u32 e)
{
    struct rgpu_ring *r = &d->eng[e];

    if (r->size)
        rgpu_write(d, ereg(e, RGPU_RING_CTL), 0);
    rgpu_bo_destroy(d, r->ring);
    rgpu_bo_destroy(d, r->hws);
    memset(r, 0, sizeof(*r));
}

void rgpu_close(struct rgpu_dev *d)
{
    u32 e;

    if (!d)
        return;
    rgpu_display_off(d);
    rgpu_irq_enable(d, 0);
    rgpu_write(d, RGPU_REG_IIR, RGPU_IRQ_VALID_MASK);
    for (e = 0; e < RGPU_NUM_ENGINES; e++)
        engine_fini(d, e);
    d->plat.free_pages(d->plat.ctx, d->list_cpu, 1, &d->list_dma);
    free(d);
}

/* ------------------------------------------------------------ GTT */
void rgpu_gtt_write_pte(struct rgpu_dev *d, u32 index, u64 pte)
{
    write64(d, RGPU_GTT_BASE + 8 * (index & (RGPU_GTT_SIZE / 8 - 1)), pte);
}

u64 rgpu_gtt_read_pte(struct rgpu_dev *d, u32 index)
{
    return read64(d, RGPU_GTT_BASE + 8 * (index & (RGPU_GTT_SIZE / 8 - 1)));
}

/* Apply the n entries already written to the list page. */
static int apply_list(struct rgpu_dev *d, u32 index, u32 n, u32 *applied)
{
    u32 ctl;

    wmb();
    rgpu_write(d, RGPU_REG_GTT_BATCH_ADDR_LO, (u32)d->list_dma);
    rgpu_write(d, RGPU_REG_GTT_BATCH_ADDR_HI, (u32)(d->list_dma >> 32));
    rgpu_write(d, RGPU_REG_GTT_BATCH_INDEX, index);
    rgpu_write(d, RGPU_REG_GTT_BATCH_COUNT, n);
    rgpu_write(d, RGPU_REG_GTT_BATCH_CTL, RGPU_GTT_BATCH_GO);
    /* Synchronous by the spec: the status is there when GO returns. */
    ctl = rgpu_read(d, RGPU_REG_GTT_BATCH_CTL);
    *applied = rgpu_read(d, RGPU_REG_GTT_BATCH_APPLIED);
    if ((ctl & RGPU_GTT_BATCH_ERROR) || !(ctl & RGPU_GTT_BATCH_DONE) || *applied != n)
        return -EIO;
    return 0;
}

/* Batched update of count entries: entry i is ptes[i], or (ptes NULL)
 * bo page i | VALID, or 0 with unmap. */
static int batch_update(struct rgpu_dev *d, u32 index, const u64 *ptes, const struct rgpu_bo *bo,
                        u32 count, u32 *applied_total)
{
    u64 *list = d->list_cpu;
    u32 done = 0, applied = 0, k;
    int rc = 0;

    while (done < count) {
        u32 n = count - done < RGPU_GTT_BATCH_CHUNK ? count - done : RGPU_GTT_BATCH_CHUNK;

        for (k = 0; k < n; k++) {
            if (ptes)
                list[k] = ptes[done + k];
            else if (bo)
                list[k] = (bo->dma[done + k] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID;
            else
                list[k] = 0;
        }
        rc = apply_list(d, index + done, n, &applied);
        done += applied <= n ? applied : n;
        if (rc)
            break;
    }
    if (applied_total)
        *applied_total = done;
    return rc;
}

int rgpu_gtt_write_batch(struct rgpu_dev *d, u32 index, const u64 *ptes, u32 count,
                         u32 *applied)
{
    if (!ptes || !count) {
        if (applied)
            *applied = 0;
        return -EINVAL;
    }
    return batch_update(d, index, ptes, NULL, count, applied);
}

/* ------------------------------------------------------------ buffer objects */
int rgpu_gm_alloc(struct rgpu_dev *d, u32 size, u32 *gfx)
{
    u64 sz = ((u64)size + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);

    if (!size || sz > d->info.gm_size - d->gm_next)
        return -ENOSPC;
    *gfx = (u32)(d->info.gm_base + d->gm_next);
    d->gm_next += sz;
    return 0;
}

void rgpu_gm_reset(struct rgpu_dev *d)
{
    d->gm_next = 0;
}

int rgpu_bo_map(struct rgpu_dev *d, struct rgpu_bo *bo, enum rgpu_map_method how)
{
    u32 i, index = bo->gfx >> PAGE_SHIFT;
    int rc = 0;

    if (how == RGPU_MAP_WINDOW) {
        for (i = 0; i < bo->npages; i++)
            rgpu_gtt_write_pte(d, index + i, (bo->dma[i] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID);
        /* The window has no status: read one entry back as a sanity check
         * that the writes landed in this vGPU's slice. */
        if (rgpu_gtt_read_pte(d, index) != ((bo->dma[0] & RGPU_PTE_ADDR_MASK) | RGPU_PTE_VALID))
            rc = -EIO;
    } else {
        rc = batch_update(d, index, NULL, bo, bo->npages, NULL);
    }
    bo->mapped = rc == 0;
    return rc;
}

int rgpu_bo_unmap(struct rgpu_dev *d, struct rgpu_bo *bo)
{
    int rc = batch_update(d, bo->gfx >> PAGE_SHIFT, NULL, NULL, bo->npages, NULL);

    bo->mapped = false;
    return rc;
}

int rgpu_bo_create(struct rgpu_dev *d, u32 size, enum rgpu_map_method how, struct rgpu_bo **out)
{
    struct rgpu_bo *bo;
    int rc;

    if (!size || size > 0x80000000u)
        return -EINVAL;
    bo = calloc(1, sizeof(*bo));
    if (!bo)
        return -ENOMEM;
    bo->npages = (u32)(((u64)size + PAGE_SIZE - 1) >> PAGE_SHIFT);
    bo->size = bo->npages * PAGE_SIZE;
    bo->dma = calloc(bo->npages, sizeof(*bo->dma));
    if (!bo->dma) {
        free(bo);
        return -ENOMEM;
    }
    rc = rgpu_gm_alloc(d, bo->size, &bo->gfx);
    if (!rc)
        rc = d->plat.alloc_pages(d->plat.ctx, bo->npages, &bo->cpu, bo->dma);
    if (rc) {
        free(bo->dma);
        free(bo);
        return rc;
    }
    rc = rgpu_bo_map(d, bo, how);
    if (rc) {
        rgpu_bo_destroy(d, bo);
        return rc;
    }
    *out = bo;
    return 0;
}

void rgpu_bo_destroy(struct rgpu_dev *d, struct rgpu_bo *bo)
{
    if (!bo)
        return;
    if (bo->mapped)
        rgpu_bo_unmap(d, bo);
    d->plat.free_pages(d->plat.ctx, bo->cpu, bo->npages, bo->dma);
    free(bo->dma);
    free(bo);
}

/* ------------------------------------------------------------ engines */
static void ring_program(struct rgpu_dev *d, u32 e)
{
    struct rgpu_ring *r = &d->eng[e];

    rgpu_write(d, ereg(e, RGPU_RING_CTL), 0);
    rgpu_write(d, ereg(e, RGPU_RING_START), r->ring->gfx);
    rgpu_write(d, ereg(e, RGPU_RING_HWS), r->hws->gfx);
    /* Enabling resets the engine with HEAD = TAIL = 0. */
    rgpu_write(d, ereg(e, RGPU_RING_CTL), RGPU_RING_CTL_SIZE(r->pages) | RGPU_RING_CTL_ENABLE);
    r->tail = r->submitted = r->head = 0;
}

int rgpu_engine_init(struct rgpu_dev *d, u32 e, u32 ring_pages)
{
    struct rgpu_ring *r;
    int rc;

    if (e >= RGPU_NUM_ENGINES || ring_pages < 1 || ring_pages > 256)
        return -EINVAL;
    r = &d->eng[e];
    engine_fini(d, e);
    rc = rgpu_bo_create(d, ring_pages * PAGE_SIZE, RGPU_MAP_BATCH, &r->ring);
    if (!rc)
        rc = rgpu_bo_create(d, PAGE_SIZE, RGPU_MAP_BATCH, &r->hws);
    if (rc) {
        engine_fini(d, e);
        return rc;
    }
    r->pages = ring_pages;
    r->size = ring_pages * PAGE_SIZE;
    r->seqno = 0;
    ring_program(d, e);
    return 0;
}

static bool engine_error(struct rgpu_dev *d, u32 e)
{
    return rgpu_read(d, ereg(e, RGPU_RING_STATUS)) & RGPU_RING_STATUS_ERROR;
}

static void flush_tail(struct rgpu_dev *d, u32 e)
{
    struct rgpu_ring *r = &d->eng[e];

    if (r->tail == r->submitted)
        return;
    wmb();
    r->submitted = r->tail;
    rgpu_write(d, ereg(e, RGPU_RING_TAIL), r->tail);
}

/* Free bytes at the tail if HEAD is at head.  One dword stays free so
 * that head == tail means empty. */
static u32 free_below(const struct rgpu_ring *r, u32 head)
{
    if (head >= r->size)
        return 0;
    return (head - r->tail - 4 + r->size) % r->size;
}

static u32 ring_free(struct rgpu_dev *d, u32 e)
{
    struct rgpu_ring *r = &d->eng[e];

    r->head = rgpu_read(d, ereg(e, RGPU_RING_HEAD));
    return free_below(r, r->head);
}

/* Wait until `bytes` can be written at the tail.  What was appended but
 * not yet submitted is submitted first: only the engine frees space.
 * HEAD is read only when the space known from its last value is not
 * enough: a stale HEAD under-counts, never over-counts (the engine only
 * consumes), and each register read is a trap on a virtualized path. */
static int wait_space(struct rgpu_dev *d, u32 e, u32 bytes)
{
    u64 deadline = 0;

    if (free_below(&d->eng[e], d->eng[e].head) >= bytes)
        return 0;
    for (;;) {
        if (ring_free(d, e) >= bytes)
            return 0;
        flush_tail(d, e);
        if (engine_error(d, e))
            return -EIO;
        if (!deadline)
            deadline = now(d) + d->timeout_ns;
        else if (now(d) >= deadline)
            return -ETIMEDOUT;
        relax(d);
    }
}

static void ring_put(struct rgpu_ring *r, const u32 *dw, u32 n)
{
    volatile u32 *ring = r->ring->cpu;
    u32 i;

    for (i = 0; i < n; i++) {
        ring[r->tail / 4] = dw[i];
        r->tail = (r->tail + 4) % r->size;
    }
}

/* Append one whole command; when it would run past the ring end, pad
 * the rest of the ring with NOOPs first and put it at offset 0. */
static int emit_cmd(struct rgpu_dev *d, u32 e, const u32 *dw, u32 n)
{
    static const u32 noop = RGPU_CMD(RGPU_OP_NOOP, 0);
    struct rgpu_ring *r = &d->eng[e];
    u32 bytes = 4 * n, to_end = r->size - r->tail;
    int rc;

    if (bytes > r->size - 4)
        return -E2BIG;
    if (bytes > to_end) {
        rc = wait_space(d, e, to_end);
        if (rc)
            return rc;
        while (r->tail != 0)
            ring_put(r, &noop, 1);
    }
    rc = wait_space(d, e, bytes);
    if (rc)
        return rc;
    ring_put(r, dw, n);
    return 0;
}

int rgpu_submit(struct rgpu_dev *d, u32 e, const u32 *cmds, u32 n, u32 *seqno)
{
    struct rgpu_ring *r;
    u32 pos, epilogue[4];
    int rc;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].size || (n && !cmds))
        return -EINVAL;
    r = &d->eng[e];
    /* Check the stream's framing before anything reaches the ring. */
    for (pos = 0; pos < n; pos += 1 + RGPU_CMD_LEN(cmds[pos]))
        if (RGPU_CMD_LEN(cmds[pos]) >= n - pos)
            return -EINVAL;
    if (engine_error(d, e))
        return -EIO;
    for (pos = 0; pos < n; pos += 1 + RGPU_CMD_LEN(cmds[pos])) {
        rc = emit_cmd(d, e, cmds + pos, 1 + RGPU_CMD_LEN(cmds[pos]));
        if (rc)
            return rc;
    }
    r->seqno++;
    if (r->seqno == 0)
        r->seqno = 1;
    epilogue[0] = RGPU_CMD(RGPU_OP_STORE_DATA_INDEX, 2);
    epilogue[1] = RGPU_HWS_SEQNO;
    epilogue[2] = r->seqno;
    epilogue[3] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
    rc = emit_cmd(d, e, epilogue, 3);
    if (!rc)
        rc = emit_cmd(d, e, epilogue + 3, 1);
    if (rc)
        return rc;
    flush_tail(d, e);
    if (seqno)
        *seqno = r->seqno;
    return 0;
}

int rgpu_submit_raw(struct rgpu_dev *d, u32 e, const u32 *dwords, u32 n)
{
    struct rgpu_ring *r;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].size || (n && !dwords))
        return -EINVAL;
    r = &d->eng[e];
    if (4ull * n > ring_free(d, e))
        return -ENOSPC;
    ring_put(r, dwords, n);
    flush_tail(d, e);
    return 0;
}

void rgpu_write_tail(struct rgpu_dev *d, u32 e, u32 tail)
{
    if (e < RGPU_NUM_ENGINES)
        rgpu_write(d, ereg(e, RGPU_RING_TAIL), tail);
}

u32 rgpu_hws_seqno(struct rgpu_dev *d, u32 e)
{
    const volatile u32 *hws;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].hws)
        return 0;
    hws = d->eng[e].hws->cpu;
    return __atomic_load_n(&hws[RGPU_HWS_SEQNO / 4], __ATOMIC_ACQUIRE);
}

u32 rgpu_last_seqno(struct rgpu_dev *d, u32 e)
{
    return e < RGPU_NUM_ENGINES ? d->eng[e].seqno : 0;
}

u32 rgpu_irq_user_bit(u32 e)
{
    return e == RGPU_ENGINE_COPY ? RGPU_IRQ_COPY_USER : RGPU_IRQ_RENDER_USER;
}

u32 rgpu_irq_done_bit(u32 e)
{
    return e == RGPU_ENGINE_COPY ? RGPU_IRQ_COPY_DONE : RGPU_IRQ_RENDER_DONE;
}

u32 rgpu_irq_error_bit(u32 e)
{
    return e == RGPU_ENGINE_COPY ? RGPU_IRQ_COPY_ERROR : RGPU_IRQ_RENDER_ERROR;
}

static bool seqno_passed(u32 cur, u32 want)
{
    return (int32_t)(cur - want) >= 0;
}

int rgpu_wait_seqno(struct rgpu_dev *d, u32 e, u32 seqno, u64 timeout_ns)
{
    u64 deadline, t;
    bool irq = d->wait_mode == RGPU_WAIT_IRQ && d->plat.wait_irq;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].size)
        return -EINVAL;
    deadline = now(d) + timeout_ns;
    for (;;) {
        if (irq) {
            /* Acknowledge before checking, so a completion after the check
             * raises a fresh edge that ends the sleep below. */
            u32 bits = rgpu_irq_user_bit(e) | rgpu_irq_done_bit(e);
            u32 iir = rgpu_read(d, RGPU_REG_IIR) & bits;

            if (iir)
                rgpu_write(d, RGPU_REG_IIR, iir);
        }
        if (seqno_passed(rgpu_hws_seqno(d, e), seqno))
            return 0;
        if (engine_error(d, e))
            return seqno_passed(rgpu_hws_seqno(d, e), seqno) ? 0 : -EIO;
        t = now(d);
        if (t >= deadline)
            return -ETIMEDOUT;
        if (irq)
            d->plat.wait_irq(d->plat.ctx, deadline - t < IRQ_WAIT_SLICE_NS ? deadline - t
                                                                           : IRQ_WAIT_SLICE_NS);
        else
            relax(d);
    }
}

int rgpu_wait_idle(struct rgpu_dev *d, u32 e, u64 timeout_ns)
{
    u64 deadline;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].size)
        return -EINVAL;
    deadline = now(d) + timeout_ns;
    for (;;) {
        u32 st = rgpu_read(d, ereg(e, RGPU_RING_STATUS));

        if (st & RGPU_RING_STATUS_ERROR)
            return -EIO;
        if ((st & RGPU_RING_STATUS_IDLE) &&
            rgpu_read(d, ereg(e, RGPU_RING_HEAD)) == d->eng[e].submitted)
            return 0;
        if (now(d) >= deadline)
            return -ETIMEDOUT;
        relax(d);
    }
}

void rgpu_engine_state(struct rgpu_dev *d, u32 e, struct rgpu_engine_state *out)
{
    memset(out, 0, sizeof(*out));
    if (e >= RGPU_NUM_ENGINES)
        return;
    out->head = rgpu_read(d, ereg(e, RGPU_RING_HEAD));
    out->tail = rgpu_read(d, ereg(e, RGPU_RING_TAIL));
    out->status = rgpu_read(d, ereg(e, RGPU_RING_STATUS));
    out->error = rgpu_read(d, ereg(e, RGPU_RING_ERROR));
    out->error_addr = rgpu_read(d, ereg(e, RGPU_RING_ERROR_ADDR));
    out->seqno_reg = rgpu_read(d, ereg(e, RGPU_RING_SEQNO));
}

int rgpu_engine_reset(struct rgpu_dev *d, u32 e)
{
    struct rgpu_ring *r;
    u32 head;

    if (e >= RGPU_NUM_ENGINES || !d->eng[e].size)
        return -EINVAL;
    r = &d->eng[e];
    rgpu_write(d, ereg(e, RGPU_RING_RESET), 1);
    /* The engine dropped its queue and moved HEAD to TAIL: continue from
     * there.  A HEAD that is no valid ring offset (the rejected tail was
     * garbage) means starting the ring afresh. */
    head = rgpu_read(d, ereg(e, RGPU_RING_HEAD));
    if (head >= r->size || (head & 3))
        ring_program(d, e);
    else
        r->tail = r->submitted = r->head = head;
    rgpu_write(d, RGPU_REG_IIR, rgpu_irq_user_bit(e) | rgpu_irq_done_bit(e) | rgpu_irq_error_bit(e));
    return engine_error(d, e) ? -EIO : 0;
}

int rgpu_device_reset(struct rgpu_dev *d)
{
    u32 e;

    rgpu_write(d, RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
    for (e = 0; e < RGPU_NUM_ENGINES; e++)
        if (d->eng[e].size)
            ring_program(d, e);
    rgpu_irq_enable(d, d->irq_mask);
    return 0;
}

/* ------------------------------------------------------------ interrupts */
void rgpu_irq_enable(struct rgpu_dev *d, u32 mask)
{
    mask &= RGPU_IRQ_VALID_MASK;
    d->irq_mask = mask;
    rgpu_write(d, RGPU_REG_IMR, RGPU_IRQ_VALID_MASK & ~mask);
    rgpu_write(d, RGPU_REG_IER, mask);
}

/* Clear bits in IIR (write 1 to clear), then tell the platform. */
static void irq_ack_bits(struct rgpu_dev *d, u32 bits)
{
    rgpu_write(d, RGPU_REG_IIR, bits);
    if (d->plat.irq_eoi)
        d->plat.irq_eoi(d->plat.ctx);
}

u32 rgpu_irq_ack(struct rgpu_dev *d)
{
    u32 iir = rgpu_read(d, RGPU_REG_IIR);

    if (iir)
        irq_ack_bits(d, iir);
    return iir;
}

int rgpu_irq_wait(struct rgpu_dev *d, u32 bits, u64 timeout_ns, u32 *got)
{
    u64 deadline = now(d) + timeout_ns, t;

    for (;;) {
        u32 iir = rgpu_read(d, RGPU_REG_IIR) & bits;

        if (iir) {
            irq_ack_bits(d, iir);
            if (got)
                *got = iir;
            return 0;
        }
        t = now(d);
        if (t >= deadline)
            return -ETIMEDOUT;
        if (d->plat.wait_irq)
            d->plat.wait_irq(d->plat.ctx, deadline - t < IRQ_WAIT_SLICE_NS ? deadline - t
                                                                           : IRQ_WAIT_SLICE_NS);
        else
            relax(d);
    }
}

/* ------------------------------------------------------------ display */
int rgpu_display_set(struct rgpu_dev *d, u32 surf, u32 width, u32 height, u32 stride)
{
    if ((surf & (PAGE_SIZE - 1)) || !width || !height || width > d->info.max_width ||
        height > d->info.max_height || (stride & 63) || stride < width * 4)
        return -EINVAL;
    rgpu_write(d, RGPU_PLANE_CTL, 0);
    rgpu_write(d, RGPU_PLANE_SURF, surf);
    rgpu_write(d, RGPU_PLANE_STRIDE, stride);
    rgpu_write(d, RGPU_PLANE_SIZE, RGPU_PLANE_SIZE_WH(width, height));
    rgpu_write(d, RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888);
    rgpu_write(d, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    return 0;
}

void rgpu_display_off(struct rgpu_dev *d)
{
    rgpu_write(d, RGPU_PLANE_CTL, 0);
    rgpu_write(d, RGPU_PIPE_CONF, 0);
}

u32 rgpu_display_frame(struct rgpu_dev *d)
{
    return rgpu_read(d, RGPU_PIPE_FRMCOUNT);
}
