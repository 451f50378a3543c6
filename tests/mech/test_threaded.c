/*
 * test_threaded.c - smoke test of a default (threaded) parent: engine
 * threads and the vblank thread run for real, so ASan and valgrind see
 * them.  Several vGPUs submit on both engines; results are checked after
 * vgpu_parent_wait_idle.  Once on the software engine, once on an
 * asynchronous pGPU (pgpu_async.c) whose completions come from its own
 * threads after submit returned: the scheduler's wait for them is the
 * plug-in point's contract (core/pgpu.h).
 */
#include <string.h>

#include "mech.h"

#define R RGPU_ENGINE_RENDER
#define C RGPU_ENGINE_COPY

struct counter { os_atomic32_t n; };

static void fire(void *ctx)
{
    os_atomic32_add(&((struct counter *)ctx)->n, 1);
}

static void threaded_smoke(bool async_pgpu)
{
    struct mech_env env;
    struct mech_opts o = { .nr = 3, .threaded = true, .async_pgpu = async_pgpu };
    struct counter msi[3];
    struct ring rr[3], rc[3];
    u32 round, i, dw[32], n;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    memset(msi, 0, sizeof(msi));
    for (i = 0; i < 3; i++) {
        struct vgpu_irq_trigger t = { fire, &msi[i] };

        CU_ASSERT_EQUAL(vgpu_irq_set_trigger(env.v[i], VGPU_IRQ_MSI, &t), 0);
        wr32(env.v[i], RGPU_REG_IMR, 0);
        wr32(env.v[i], RGPU_REG_IER, RGPU_IRQ_RENDER_USER | RGPU_IRQ_COPY_USER);
        wr32(env.v[i], RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
        ring_init(&rr[i], env.v[i], R);
        ring_init(&rc[i], env.v[i], C);
    }
    for (round = 1; round <= 20; round++) {
        for (i = 0; i < 3; i++) {
            struct vgpu *v = env.v[i];
            u32 D = (u32)v->gm_base + L_DATA + 0x4000 * i;

            n = cmd_fill(dw, D, 256, RGPU_BPP_32, 64, 16, round * 0x01010101u + i);
            n += cmd_sdx(dw + n, 0, round);
            dw[n++] = RGPU_CMD(RGPU_OP_USER_INTERRUPT, 0);
            ring_emit(&rr[i], dw, n);
            ring_submit(&rr[i]);
            n = cmd_copy(dw, D + 0x2000, 256, RGPU_BPP_32, 64, 16, D + 0x1000, 256);
            n += cmd_sdx(dw + n, 0, round);
            ring_emit(&rc[i], dw, n);
            ring_submit(&rc[i]);
        }
    }
    CU_ASSERT_EQUAL(vgpu_parent_wait_idle(env.p, 10000000000ull), 0);
    for (i = 0; i < 3; i++) {
        struct vgpu *v = env.v[i];
        u32 D = (u32)v->gm_base + L_DATA + 0x4000 * i;
        struct vgpu_stats st;

        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 20);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_SEQNO), 20);
        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), rr[i].tail);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_HEAD), rc[i].tail);
        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
        CU_ASSERT_EQUAL(ereg(v, C, RGPU_RING_ERROR), 0);
        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), RGPU_RING_STATUS_IDLE);
        CU_ASSERT_EQUAL(gm_rd32(v, D + 15 * 256 + 63 * 4), 20 * 0x01010101u + i);
        CU_ASSERT_EQUAL(vgpu_get_stats(v, &st), 0);
        CU_ASSERT_EQUAL(st.workloads, 40);
        CU_ASSERT_EQUAL(st.faults + st.rejects, 0);
        /* At least one message, at most one per USER interrupt. */
        CU_ASSERT(os_atomic32_read(&msi[i].n) >= 1 && os_atomic32_read(&msi[i].n) <= 20);
    }
    /* A flush with work queued: destroy one vGPU while the others run. */
    for (round = 0; round < 10; round++) {
        n = cmd_fill(dw, (u32)env.v[0]->gm_base + L_DATA, 256, RGPU_BPP_32, 64, 64, round);
        ring_emit(&rr[0], dw, n);
        ring_submit(&rr[0]);
        n = cmd_fill(dw, (u32)env.v[1]->gm_base + L_DATA, 256, RGPU_BPP_32, 64, 64, round);
        ring_emit(&rr[1], dw, n);
        ring_submit(&rr[1]);
    }
    vgpu_destroy(env.v[0]);
    env.v[0] = NULL;
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_EQUAL(vgpu_parent_wait_idle(env.p, 10000000000ull), 0);
    CU_ASSERT_EQUAL(gm_rd32(env.v[1], (u32)env.v[1]->gm_base + L_DATA), 9);
    for (i = 1; i < 3; i++)
        CU_ASSERT_EQUAL(vgpu_irq_set_trigger(env.v[i], VGPU_IRQ_MSI, NULL), 0);
    if (async_pgpu) {
        u64 submits, from_worker;

        /* Every slice ran through the asynchronous driver, and each
         * completion came from its worker, none inside submit. */
        pgpu_async_counts(env.p->pgpu, &submits, &from_worker);
        CU_ASSERT(submits >= 3 * 40);          /* 40 workloads per vGPU, a slice each at least */
        CU_ASSERT_EQUAL(from_worker, submits);
    }
    mech_teardown(&env);
}

static void test_threaded_smoke(void)
{
    threaded_smoke(false);
}

static void test_threaded_async_pgpu(void)
{
    threaded_smoke(true);
}

void register_threaded_tests(void)
{
    MECH_SUITE("threaded", NULL, NULL, MT(test_threaded_smoke), MT(test_threaded_async_pgpu));
}
