/*
 * test_sched.c - the weighted scheduler under a fake clock: busy-time
 * shares follow the weights, equal weights are fair, idling banks no
 * credit, preemption at slice ends resumes exactly, weight budget errors,
 * and destroying a vGPU with queued work.
 */
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE
#define R RGPU_ENGINE_RENDER
#define SLICE 1000000ull
#define PER_CMD 100000ull       /* 10 commands per slice */

static struct mech_env env;

/* Queue `subs` submissions of `bbs` calls each of a batch of 1000 stores:
 * 1000 * bbs * subs commands of backlog. */
static void queue_long(struct vgpu *v, u32 subs, u32 bbs)
{
    u32 B = (u32)v->gm_base, bb = B + L_BATCH, dw[4], i, s;
    struct ring r;

    for (i = 0; i < 1000; i++) {
        cmd_sdi(dw, B + L_DATA + 4 * (i % 256), i);
        gm_write(v, bb + 12 * i, dw, 12);
    }
    gm_wr32(v, bb + 12000, RGPU_CMD(RGPU_OP_BATCH_END, 0));
    ring_init(&r, v, R);
    for (s = 0; s < subs; s++) {
        cmd_bb(dw, bb);
        for (i = 0; i < bbs; i++)
            ring_emit(&r, dw, 2);
        ring_submit(&r);
        CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_ERROR), 0);
    }
}

static u64 busy(struct vgpu *v)
{
    struct vgpu_stats st;

    CU_ASSERT_EQUAL(vgpu_get_stats(v, &st), 0);
    return st.busy_ns[R];
}

static void steps(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        CU_ASSERT_TRUE_FATAL(vgpu_parent_sched_step(env.p, R));
}

static void check_shares(const u32 *weight, unsigned int nr, unsigned int nsteps)
{
    u64 b[MECH_MAX_VGPUS], total = 0;
    u32 wsum = 0;
    unsigned int i;

    for (i = 0; i < nr; i++) {
        b[i] = busy(env.v[i]);
        total += b[i];
        wsum += weight[i];
    }
    CU_ASSERT_EQUAL(total, nsteps * SLICE);        /* every slice ran exactly one slice */
    for (i = 0; i < nr; i++) {
        double share = (double)b[i] / (double)total, want = (double)weight[i] / wsum;
        double dev = share > want ? share - want : want - share;

        CU_ASSERT(dev <= 0.02 * want);
    }
}

static void test_weights_124(void)
{
    struct mech_opts o = { .nr = 3, .type = { "refgpu-16", "refgpu-8", "refgpu-4" },
                           .slice_ns = SLICE };
    const u32 w[3] = { 1, 2, 4 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = PER_CMD;
    CU_ASSERT_EQUAL(vgpu_get_weight(env.v[0]), 1);
    CU_ASSERT_EQUAL(vgpu_get_weight(env.v[1]), 2);
    CU_ASSERT_EQUAL(vgpu_get_weight(env.v[2]), 4);
    for (int i = 0; i < 3; i++)
        queue_long(env.v[i], 2, 10);        /* 20000 commands = 2000 slices each */
    steps(1400);
    check_shares(w, 3, 1400);
    /* Shorter windows converge too (after the first few slices). */
    steps(70);
    check_shares(w, 3, 1470);
    /* Teardown destroys the vGPUs with work still queued. */
    mech_teardown(&env);
}

static void test_weights_set(void)
{
    struct mech_opts o = { .nr = 2, .slice_ns = SLICE };
    const u32 w[2] = { 1, 3 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = PER_CMD;
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[1], 3), 0);
    queue_long(env.v[0], 1, 20);
    queue_long(env.v[1], 1, 20);
    steps(800);
    check_shares(w, 2, 800);
    mech_teardown(&env);
}

static void test_equal_weights(void)
{
    struct mech_opts o = { .nr = 3, .slice_ns = SLICE };
    double sum = 0, sq = 0, jain;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = PER_CMD;
    for (int i = 0; i < 3; i++)
        queue_long(env.v[i], 1, 10);
    steps(900);
    for (int i = 0; i < 3; i++) {
        double x = (double)busy(env.v[i]);

        sum += x;
        sq += x * x;
        CU_ASSERT_EQUAL(busy(env.v[i]), 300 * SLICE);
    }
    jain = sum * sum / (3 * sq);
    CU_ASSERT(jain >= 0.99);
    mech_teardown(&env);
}

static void test_no_banked_credit(void)
{
    struct mech_opts o = { .nr = 2, .slice_ns = SLICE };
    u64 a0, b0, a1, b1;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = PER_CMD;
    queue_long(env.v[0], 1, 20);
    steps(200);                             /* v1 alone, v2 idle */
    CU_ASSERT_EQUAL(busy(env.v[0]), 200 * SLICE);
    CU_ASSERT_EQUAL(busy(env.v[1]), 0);
    queue_long(env.v[1], 1, 20);
    a0 = busy(env.v[0]);
    b0 = busy(env.v[1]);
    steps(100);
    a1 = busy(env.v[0]) - a0;
    b1 = busy(env.v[1]) - b0;
    /* An equal split from the moment v2 returns, not 100 slices of catch-up. */
    CU_ASSERT(b1 >= 48 * SLICE && b1 <= 52 * SLICE);
    CU_ASSERT(a1 >= 48 * SLICE && a1 <= 52 * SLICE);
    mech_teardown(&env);
}

static void test_preemption(void)
{
    struct mech_opts o = { .nr = 1, .slice_ns = SLICE };
    struct vgpu *v;
    struct ring r;
    u32 B, D, S, dw[128], n = 0, i, nsteps = 0;
    const u32 rows = 256, pitch = 256;
    struct vgpu_stats st;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    v = env.v[0];
    B = (u32)v->gm_base;
    D = B + L_DATA;                         /* 64 KiB fill target */
    S = D + rows * pitch;                   /* 64 KiB copy target */
    wr32(v, RGPU_REG_IMR, 0);
    ring_init(&r, v, R);
    /* 30 stores, then a long fill and a long copy. */
    for (i = 0; i < 30; i++)
        n += cmd_sdi(dw + n, S + rows * pitch + 4 * i, 0x1000 + i);
    n += cmd_fill(dw + n, D, pitch, RGPU_BPP_32, 60, rows, 0xa5a5a5a5);
    n += cmd_copy(dw + n, S, pitch, RGPU_BPP_32, 60, rows, D, pitch);
    n += cmd_sdx(dw + n, 0, 99);
    ring_emit(&r, dw, n);
    ring_submit(&r);

    env.clk.per_cmd = PER_CMD;
    /* First slice: exactly 10 commands, then preempted. */
    CU_ASSERT_TRUE(vgpu_parent_sched_step(env.p, R));
    nsteps++;
    CU_ASSERT_EQUAL(gm_rd32(v, S + rows * pitch + 4 * 9), 0x1009);
    CU_ASSERT_EQUAL(gm_rd32(v, S + rows * pitch + 4 * 10), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), 0);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), 0);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), 0);
    CU_ASSERT_EQUAL(busy(v), SLICE);
    /* Then the clock also moves while rows are written: rectangles are
     * preempted between rows. */
    env.clk.per_read = 100000;
    while (vgpu_parent_sched_step(env.p, R)) {
        nsteps++;
        CU_ASSERT_FATAL(nsteps < 1000);
        if (ereg(v, R, RGPU_RING_HEAD) != r.tail) {
            CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_STATUS), 0);
            CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR) & RGPU_IRQ_RENDER_DONE, 0);
        }
    }
    /* 10 + 10 + 10 stores, and the two rectangles took several slices each. */
    CU_ASSERT(nsteps >= 6);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_HEAD), r.tail);
    CU_ASSERT_EQUAL(ereg(v, R, RGPU_RING_SEQNO), 99);
    CU_ASSERT_EQUAL(rd32(v, RGPU_REG_IIR), RGPU_IRQ_RENDER_DONE);
    for (i = 0; i < 30; i++)
        CU_ASSERT_EQUAL(gm_rd32(v, S + rows * pitch + 4 * i), 0x1000 + i);
    /* Exact: every pixel of both rectangles, and nothing in the row gaps. */
    {
        u8 *fill = env.h[0].mem + L_DATA, *copy = fill + rows * pitch;
        bool ok = true;

        for (i = 0; i < rows * pitch; i++) {
            u8 want = i % pitch < 240 ? 0xa5 : 0;

            ok &= fill[i] == want && copy[i] == want;
        }
        CU_ASSERT(ok);
    }
    st.workloads = 0;
    CU_ASSERT_EQUAL(vgpu_get_stats(v, &st), 0);
    CU_ASSERT_EQUAL(st.workloads, 1);
    CU_ASSERT_EQUAL(st.commands, 33);
    CU_ASSERT_EQUAL(st.faults, 0);
    mech_teardown(&env);
}

static void test_set_weight_budget(void)
{
    struct mech_opts o = { .nr = 2, .type = { "refgpu-16", "refgpu-4" } };
    struct vgpu_parent_usage u;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    vgpu_parent_usage(env.p, &u);
    CU_ASSERT_EQUAL(u.weight_free, 16 - 5);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[0], 0), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_set_weight(NULL, 1), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[0], 13), -ENOSPC);
    CU_ASSERT_EQUAL(vgpu_get_weight(env.v[0]), 1);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[0], 12), 0);
    CU_ASSERT_EQUAL(vgpu_get_weight(env.v[0]), 12);
    vgpu_parent_usage(env.p, &u);
    CU_ASSERT_EQUAL(u.weight_free, 0);
    /* No room for even the smallest type now. */
    CU_ASSERT_EQUAL(vgpu_type_available_instances(env.p, vgpu_parent_find_type(env.p, "refgpu-16")), 0);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[1], 5), -ENOSPC);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[1], 4), 0);   /* unchanged is fine */
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[1], 1), 0);   /* shrinking frees budget */
    vgpu_parent_usage(env.p, &u);
    CU_ASSERT_EQUAL(u.weight_free, 3);
    CU_ASSERT_EQUAL(vgpu_set_weight(env.v[0], 15), 0);
    vgpu_destroy(env.v[0]);
    env.v[0] = NULL;
    vgpu_parent_usage(env.p, &u);
    CU_ASSERT_EQUAL(u.weight_free, 15);
    mech_teardown(&env);
}

static void test_destroy_with_queue(void)
{
    struct mech_opts o = { .nr = 2, .slice_ns = SLICE };
    struct vgpu_parent_usage u;
    struct ring rc;
    u32 dw[8], n;

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    env.clk.per_cmd = PER_CMD;
    queue_long(env.v[0], 3, 5);
    queue_long(env.v[1], 1, 5);
    ring_init(&rc, env.v[0], RGPU_ENGINE_COPY);
    n = cmd_sdi(dw, (u32)env.v[0]->gm_base + L_DATA, 1);
    ring_emit(&rc, dw, n);
    ring_submit(&rc);
    steps(5);                   /* one of v1's workloads is now partly run (preempted) */
    vgpu_destroy(env.v[0]);
    env.v[0] = NULL;
    CU_ASSERT_EQUAL(env.h[0].mapped, 0);
    CU_ASSERT_FALSE(vgpu_parent_sched_step(env.p, RGPU_ENGINE_COPY));
    /* Only v2's work remains. */
    {
        u64 b = busy(env.v[1]);

        steps(10);
        CU_ASSERT_EQUAL(busy(env.v[1]), b + 10 * SLICE);
    }
    vgpu_parent_usage(env.p, &u);
    CU_ASSERT_EQUAL(u.instances, 1);
    CU_ASSERT_EQUAL(vgpu_parent_destroy(env.p), -EBUSY);
    mech_teardown(&env);
}

void register_sched_tests(void)
{
    MECH_SUITE("sched", NULL, NULL,
               MT(test_weights_124), MT(test_weights_set), MT(test_equal_weights),
               MT(test_no_banked_credit), MT(test_preemption), MT(test_set_weight_budget),
               MT(test_destroy_with_queue));
}
