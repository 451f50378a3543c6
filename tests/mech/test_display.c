/*
 * test_display.c - pipe and plane registers, plane validation, reading
 * back pixels an engine drew, and vblank.
 */
#include <stdlib.h>
#include <string.h>

#include "mech.h"

#define PG VGPU_PAGE_SIZE
#define R RGPU_ENGINE_RENDER

static struct mech_env env;
static struct vgpu *V;
static u32 B;

static void setup(void)
{
    struct mech_opts o = { .nr = 2 };

    CU_ASSERT_FATAL(mech_setup(&env, &o) == 0);
    V = env.v[0];
    B = (u32)V->gm_base;
}

static void plane(u32 surf, u32 stride, u32 w, u32 h)
{
    wr32(V, RGPU_PLANE_SURF, surf);
    wr32(V, RGPU_PLANE_STRIDE, stride);
    wr32(V, RGPU_PLANE_SIZE, RGPU_PLANE_SIZE_WH(w, h));
    wr32(V, RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888);
    wr32(V, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
}

static void test_registers(void)
{
    setup();
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_CONF), 0);
    wr32(V, RGPU_PIPE_CONF, ~0u);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_CONF), RGPU_PIPE_ENABLE);
    wr32(V, RGPU_PLANE_CTL, ~0u);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_CTL), RGPU_PLANE_ENABLE | 0xf);
    wr32(V, RGPU_PLANE_SURF, 0x12345678);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_SURF), 0x12345000);     /* 4 KiB aligned by construction */
    wr32(V, RGPU_PLANE_STRIDE, 0xffffffff);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_STRIDE), 0x3ffc0);
    wr32(V, RGPU_PLANE_SIZE, 0xffffffff);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_SIZE), 0x0fff0fff);
    wr32(V, RGPU_PIPE_FRMCOUNT, 55);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 0);            /* RO */
    /* GFX_RESET turns the display off. */
    wr32(V, RGPU_REG_GFX_RESET, 1);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_CONF), 0);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_CTL), 0);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PLANE_SURF), 0);
    mech_teardown(&env);
}

static void test_plane_validation(void)
{
    struct vgpu_plane_info pi;
    u32 END;

    setup();
    END = (u32)(V->gm_base + V->gm_size);
    memset(&pi, 0xff, sizeof(pi));
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    CU_ASSERT_FALSE(pi.enabled);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, NULL), -EINVAL);
    plane(B + L_DATA, 1024, 256, 100);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), 0);
    CU_ASSERT_TRUE(pi.enabled);
    CU_ASSERT_EQUAL(pi.width, 256);
    CU_ASSERT_EQUAL(pi.height, 100);
    CU_ASSERT_EQUAL(pi.stride, 1024);
    CU_ASSERT_EQUAL(pi.surface, B + L_DATA);
    CU_ASSERT_EQUAL(pi.format, RGPU_PLANE_FMT_XRGB8888);
    /* Pipe or plane off. */
    wr32(V, RGPU_PIPE_CONF, 0);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    wr32(V, RGPU_PLANE_CTL, RGPU_PLANE_FMT_XRGB8888);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    /* Unknown format. */
    wr32(V, RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | 3);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_CTL, RGPU_PLANE_ENABLE);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), 0);
    /* Stride below width * 4. */
    wr32(V, RGPU_PLANE_STRIDE, 960);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_STRIDE, 1024);
    /* Surface in the other vGPU's slice, or past the end of this one. */
    wr32(V, RGPU_PLANE_SURF, (u32)env.v[1]->gm_base);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_SURF, END - 24 * PG);       /* 100 rows of 1 KiB: runs past the end */
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_SURF, END - 25 * PG);       /* ends exactly at the end: valid */
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), 0);
    wr32(V, RGPU_PLANE_SURF, B + L_DATA);
    /* Misaligned surface: the register cannot hold one, so poke the file. */
    os_mutex_lock(V->lock);
    vgpu_vreg(V, RGPU_PLANE_SURF) = B + L_DATA + 64;
    os_mutex_unlock(V->lock);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    os_mutex_lock(V->lock);
    vgpu_vreg(V, RGPU_PLANE_SURF) = B + L_DATA;
    os_mutex_unlock(V->lock);
    /* Larger than the type's maximum (refgpu-16: 1024x768). */
    wr32(V, RGPU_PLANE_STRIDE, 4160);
    wr32(V, RGPU_PLANE_SIZE, 1024 | 99 << 16);      /* 1025 wide */
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_SIZE, 1023 | 99 << 16);      /* 1024 wide */
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), 0);
    wr32(V, RGPU_PLANE_SIZE, 1023 | 768 << 16);     /* 769 high */
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), -ENODEV);
    wr32(V, RGPU_PLANE_SIZE, 1023 | 767 << 16);
    CU_ASSERT_EQUAL(vgpu_display_plane(V, &pi), 0);
    mech_teardown(&env);
}

static void test_readback(void)
{
    struct vgpu_plane_info pi;
    struct ring r;
    const u32 w = 100, h = 40, stride = 512;
    u32 dw[32], n = 0, x, y, *buf, S;
    bool ok = true;

    setup();
    S = B + L_DATA;
    buf = calloc(w * h, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    /* Garbage in the stride padding, then draw: background + a rectangle. */
    memset(env.h[0].mem + L_DATA, 0x5a, stride * h);
    ring_init(&r, V, R);
    n += cmd_fill(dw + n, S, stride, RGPU_BPP_32, w, h, 0x00102030);
    n += cmd_fill(dw + n, S + 10 * stride + 20 * 4, stride, RGPU_BPP_32, 30, 5, 0x00ff8000);
    ring_emit(&r, dw, n);
    ring_submit(&r);
    run_idle(env.p);
    CU_ASSERT_EQUAL(ereg(V, R, RGPU_RING_ERROR), 0);
    plane(S, stride, w, h);
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, buf, (size_t)w * h * 4), 0);
    CU_ASSERT_EQUAL(pi.width, w);
    CU_ASSERT_EQUAL(pi.height, h);
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) {
            u32 want = (y >= 10 && y < 15 && x >= 20 && x < 50) ? 0x00ff8000 : 0x00102030;

            ok &= buf[y * w + x] == want;
        }
    CU_ASSERT(ok);
    /* Too small a buffer. */
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, buf, (size_t)w * h * 4 - 1), -ENOSPC);
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, NULL, (size_t)w * h * 4), -EINVAL);
    /* A page of the surface unmapped. */
    gtt_set(V, S + 2 * PG, 0);
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, buf, (size_t)w * h * 4), -EFAULT);
    gtt_set(V, S + 2 * PG, (u64)(L_DATA + 2 * PG) | RGPU_PTE_VALID);
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, buf, (size_t)w * h * 4), 0);
    /* Plane off. */
    wr32(V, RGPU_PLANE_CTL, 0);
    CU_ASSERT_EQUAL(vgpu_display_read(V, &pi, buf, (size_t)w * h * 4), -ENODEV);
    free(buf);
    mech_teardown(&env);
}

static void test_vblank(void)
{
    struct vgpu_plane_info pi;
    struct vgpu_stats st;

    setup();
    wr32(V, RGPU_REG_IMR, 0);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 0);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);
    wr32(V, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    vgpu_parent_vblank(env.p);
    vgpu_parent_vblank(env.p);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 3);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), RGPU_IRQ_VBLANK);
    CU_ASSERT_EQUAL(rd32(env.v[1], RGPU_PIPE_FRMCOUNT), 0);        /* its pipe is off */
    CU_ASSERT_EQUAL(rd32(env.v[1], RGPU_REG_IIR), 0);
    vgpu_display_plane(V, &pi);
    CU_ASSERT_EQUAL(pi.frame, 3);
    CU_ASSERT_EQUAL(vgpu_get_stats(V, &st), 0);
    CU_ASSERT_EQUAL(st.vblanks, 3);
    /* Masked VBLANK: counted, not latched. */
    wr32(V, RGPU_REG_IIR, ~0u);
    wr32(V, RGPU_REG_IMR, RGPU_IRQ_VBLANK);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 4);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);
    /* Pipe off: nothing. */
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_PIPE_CONF, 0);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 4);
    CU_ASSERT_EQUAL(rd32(V, RGPU_REG_IIR), 0);
    /* Reset clears the counter. */
    wr32(V, RGPU_REG_GFX_RESET, 1);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 0);
    wr32(V, RGPU_REG_IMR, 0);
    wr32(V, RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    vgpu_parent_vblank(env.p);
    CU_ASSERT_EQUAL(rd32(V, RGPU_PIPE_FRMCOUNT), 1);
    mech_teardown(&env);
}

void register_display_tests(void)
{
    MECH_SUITE("display", NULL, NULL,
               MT(test_registers), MT(test_plane_validation), MT(test_readback),
               MT(test_vblank));
}
