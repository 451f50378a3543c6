/*
 * fuzz_scan.c - libFuzzer target for the command scanner and the software
 * engine.  The input is
 *
 *   byte 0      bit 0: engine; bit 1: skip the host-buffer pass
 *   bytes 1-2   ring offset (dwords) where the commands start (wrap)
 *   bytes 3-4   how many of the dwords go into the ring (0: all)
 *   bytes 5..   little-endian dwords: the commands
 *
 * and is used three ways: as a host buffer (vgpu_scan_buffer), as ring
 * contents submitted by a TAIL write, and as batch memory the ring (or
 * itself) can call.  Whatever is accepted is executed on the software
 * engine.  Nothing may crash, trip ASan/UBSan, or change a byte outside
 * vGPU A's mapped pages (guarded) or anything of vGPU B.
 */
#include "fuzz_env.h"
#include "le_bytes.h"

#define RING_BYTES (FZ_RING_PAGES * VGPU_PAGE_SIZE)

static struct fz_env env;
static u8 guard_a[FZ_MEM_SIZE];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_init(&env);
    /* A: pages 0..63 mapped; frames 64.. guarded (never mapped). */
    fz_map(env.a, 0, 0, FZ_MAPPED_PAGES);
    for (u32 i = FZ_MAPPED_PAGES << 12; i < FZ_MEM_SIZE; i++)
        env.ha.mem[i] = FZ_GUARD_BYTE(i);
    memcpy(guard_a, env.ha.mem, FZ_MEM_SIZE);
    return 0;
}

struct exec_done {
    struct pgpu_exec_result res;
    bool done;
};

static void on_done(void *ctx, const struct pgpu_exec_result *res)
{
    struct exec_done *d = ctx;

    d->res = *res;
    d->done = true;
}

/* Execute a workload straight on the engine, as the scheduler would. */
static void execute(struct vgpu_workload *w, u32 engine)
{
    struct pgpu *pg = env.p->pgpu;

    for (int slices = 0; slices < 16; slices++) {
        struct exec_done d = { { PGPU_EXEC_DONE, 0, 0, 0 }, false };

        FZ_CHECK(pg->ops->submit(pg, engine, w, env.p->cfg.slice_ns, on_done, &d) == 0);
        FZ_CHECK(d.done);
        FZ_CHECK(w->pos <= w->len);
        if (d.res.status != PGPU_EXEC_PREEMPTED)
            break;
    }
}

static void reset_a(void)
{
    u32 e;

    os_mutex_lock(env.a->lock);
    vgpu_device_reset(env.a);               /* keeps the GTT */
    for (e = 0; e < RGPU_NUM_ENGINES; e++) {
        u32 base = RGPU_ENGINE_BASE(e);

        vgpu_vreg(env.a, base + RGPU_RING_START) = FZ_RING(e);
        vgpu_vreg(env.a, base + RGPU_RING_HWS) = FZ_HWS(e);
        vgpu_vreg(env.a, base + RGPU_RING_CTL) = RGPU_RING_CTL_ENABLE |
                                                 RGPU_RING_CTL_SIZE(FZ_RING_PAGES);
        vgpu_vreg(env.a, base + RGPU_RING_TAIL) = 0;
        vgpu_engine_reset(env.a, e);
    }
    vgpu_vreg(env.a, RGPU_REG_IMR) = 0;
    vgpu_vreg(env.a, RGPU_REG_IER) = RGPU_IRQ_VALID_MASK;
    os_mutex_unlock(env.a->lock);
}

static void write_tail(u32 engine, u32 tail)
{
    u8 b[4];

    le32_store(b, tail);
    FZ_CHECK(vgpu_region_write(env.a, VGPU_REGION_BAR0, RGPU_ENGINE_BASE(engine) + RGPU_RING_TAIL,
                               b, 4) == 4);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    struct vgpu_scan_result res;
    struct vgpu_workload *w;
    u32 engine, start, ring_len, n, i, *dw;

    if (size < 5)
        return 0;
    engine = data[0] & 1;
    start = le16_load(data + 1) % (RING_BYTES / 4);
    ring_len = le16_load(data + 3);
    n = (u32)((size - 5) / 4);
    dw = malloc((size_t)n * 4 + 4);
    FZ_CHECK(dw);
    memcpy(dw, data + 5, (size_t)n * 4);
    reset_a();
    memset(env.ha.mem, 0, FZ_MAPPED_PAGES << 12);
    env.ha.nr_msi = 0;

    /* 1. A host buffer. */
    if (!(data[0] & 2)) {
        os_mutex_lock(env.a->lock);
        w = vgpu_scan_buffer(env.a, engine, dw, n, &res);
        os_mutex_unlock(env.a->lock);
        FZ_CHECK((w != NULL) == (res.error == RGPU_ERR_NONE));
        if (w) {
            FZ_CHECK(w->len <= RGPU_MAX_SUBMIT_DWORDS && w->engine == engine);
            FZ_CHECK(w->gm_lo == env.a->gm_base && w->gm_hi == env.a->gm_base + env.a->gm_size);
            execute(w, engine);
            vgpu_workload_free(w);
        }
    }

    /* 2. The same dwords as batch memory and as ring contents starting at
     * `start` (so commands wrap), submitted with a TAIL write: first the
     * NOOPs up to `start`, then the commands. */
    memset(env.ha.mem, 0, FZ_MAPPED_PAGES << 12);
    memcpy(env.ha.mem + FZ_BATCH, dw, OS_MIN((size_t)n * 4, (size_t)FZ_BATCH_SIZE));
    if (ring_len)
        n = OS_MIN(n, ring_len);
    n = OS_MIN(n, RING_BYTES / 4 - 1);
    for (i = 0; i < n; i++)
        memcpy(env.ha.mem + FZ_RING(engine) + ((start + i) % (RING_BYTES / 4)) * 4, &dw[i], 4);
    if (start)
        write_tail(engine, start * 4);
    write_tail(engine, ((start + n) % (RING_BYTES / 4)) * 4);
    fz_run_idle(&env);
    free(dw);

    FZ_CHECK(memcmp(env.ha.mem + (FZ_MAPPED_PAGES << 12), guard_a + (FZ_MAPPED_PAGES << 12),
                    FZ_MEM_SIZE - (FZ_MAPPED_PAGES << 12)) == 0);
    FZ_CHECK(env.ha.mapped == FZ_MAPPED_PAGES);
    fz_check_invariants(&env);
    return 0;
}
