/*
 * rgpu-dirty: the guest half of the rig's log-dirty check (the xen-vgpu
 * job, docs/hw-spec.md §10).  Runs inside an HVM guest (static, from the
 * rig's initramfs) with dom0's tests/rig/rig-logdirty on the other side.
 *
 * It allocates a handshake page H and eight data pages D0..D7 (one buffer
 * object, mapped through the GTT), writes all of them with the CPU, prints
 *
 *   RIG-GUEST: dirty ready hs=<gfn of H> gfns=<gfn of D0>,...,<gfn of D7>
 *
 * and waits for dom0 to turn log-dirty on and write 'LOGD' into H[0]; a
 * job that does not check log-dirty never does, and after WAIT_S seconds
 * the program says `RIG-GUEST: dirty skipped` and ends with rc 0.  Then
 * only the GPU writes: one COLOR_FILL over D0 and D1, one of two rows 8 KiB
 * apart over D3 and D5 (skipping D4).  The CPU only reads from now on, so
 * D0, D1, D3 and D5 can be dirty in the guest's log-dirty bitmap only if
 * the device reported them; D2, D4, D6 and D7 must stay clean.  It prints
 * `RIG-GUEST: dirty filled` and waits for 'DONE' in H[1] before it frees
 * the pages (freeing would let the kernel write them).
 *
 *   rgpu-dirty [WAIT_S [TIMEOUT_S]]   wait WAIT_S (default 30) for dom0 to
 *                                     start, TIMEOUT_S (default 300) for it to
 *                                     finish
 *
 * Ends with `RIG-GUEST: dirty done rc=N`.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rgpu_cmd.h"
#include "rgpu_guest.h"
#include "rgpu_linux.h"

#define PG 4096u
#define NDATA 8u
#define SIG_LOGDIRTY 0x4c4f4744u        /* 'LOGD': log-dirty is on */
#define SIG_DONE 0x454e4f44u            /* 'DONE': dom0 read the bitmap */
#define FILL_A 0x00a5a5a5u
#define FILL_B 0x005a5a5au
#define CPU_BYTE 0x11

static u64 now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* Wait until dom0 writes sig into word w of the handshake page. */
static int wait_signal(const volatile u32 *hs, unsigned int w, u32 sig, unsigned int timeout_s)
{
    u64 end = now_ns() + (u64)timeout_s * 1000000000ull;

    while (__atomic_load_n(&hs[w], __ATOMIC_ACQUIRE) != sig) {
        if (now_ns() > end)
            return -1;
        usleep(100000);
    }
    return 0;
}

static u32 rd(const struct rgpu_bo *bo, u32 page, u32 off)
{
    return ((const volatile u32 *)bo->cpu)[(page * PG + off) / 4];
}

int main(int argc, char **argv)
{
    unsigned int wait_s = argc > 1 ? (unsigned int)atoi(argv[1]) : 30;
    unsigned int timeout_s = argc > 2 ? (unsigned int)atoi(argv[2]) : 300;
    struct rgpu_linux lx;
    struct rgpu_platform plat;
    struct rgpu_dev *d;
    struct rgpu_bo *bo;
    u32 buf[64], seq, i;
    struct rgpu_cs cs;
    int rc = 1, err;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (rgpu_linux_open(&lx, NULL, &plat)) {
        printf("RIG-GUEST: dirty FAIL %s\nRIG-GUEST: dirty done rc=1\n", lx.err);
        return 1;
    }
    if ((err = rgpu_open(&plat, &d))) {
        printf("RIG-GUEST: dirty FAIL probe (%d)\nRIG-GUEST: dirty done rc=1\n", err);
        rgpu_linux_close(&lx);
        return 1;
    }
    if ((err = rgpu_engine_init(d, RGPU_ENGINE_RENDER, 1)) ||
        (err = rgpu_bo_create(d, (1 + NDATA) * PG, RGPU_MAP_BATCH, &bo))) {
        printf("RIG-GUEST: dirty FAIL setup (%d)\n", err);
        goto out_dev;
    }
    memset(bo->cpu, CPU_BYTE, (1 + NDATA) * PG);
    memset(bo->cpu, 0, 8);                      /* the two signal words */
    printf("RIG-GUEST: dirty ready hs=0x%llx gfns=", (unsigned long long)(bo->dma[0] >> 12));
    for (i = 1; i <= NDATA; i++)
        printf("0x%llx%s", (unsigned long long)(bo->dma[i] >> 12), i < NDATA ? "," : "\n");
    if (wait_signal(bo->cpu, 0, SIG_LOGDIRTY, wait_s)) {
        printf("RIG-GUEST: dirty skipped: no log-dirty signal from dom0 in %us\n", wait_s);
        rc = 0;
        goto out_bo;
    }
    /* D0, D1 whole; D3 and D5 by two rows 8 KiB apart (D4 skipped). */
    rgpu_cs_init(&cs, buf, sizeof(buf) / sizeof(buf[0]));
    rgpu_cs_color_fill(&cs, bo->gfx + 1 * PG, PG, RGPU_BPP_32, PG / 4, 2, FILL_A);
    rgpu_cs_color_fill(&cs, bo->gfx + 4 * PG, 2 * PG, RGPU_BPP_32, 16, 2, FILL_B);
    if (cs.overflow || (err = rgpu_submit(d, RGPU_ENGINE_RENDER, cs.buf, cs.len, &seq)) ||
        (err = rgpu_wait_seqno(d, RGPU_ENGINE_RENDER, seq, 60000000000ull))) {
        printf("RIG-GUEST: dirty FAIL fill (%d)\n", err);
        goto out_signal;
    }
    if (rd(bo, 1, 0) != FILL_A || rd(bo, 2, PG - 4) != FILL_A || rd(bo, 4, 60) != FILL_B ||
        rd(bo, 6, 60) != FILL_B || rd(bo, 5, 0) != 0x11111111u || rd(bo, 3, 0) != 0x11111111u) {
        printf("RIG-GUEST: dirty FAIL the fill did not land as expected\n");
        goto out_signal;
    }
    printf("RIG-GUEST: dirty filled\n");
    rc = 0;
out_signal:
    /* Whatever happened, keep the pages until dom0 has read the bitmap. */
    if (wait_signal(bo->cpu, 1, SIG_DONE, timeout_s)) {
        printf("RIG-GUEST: dirty FAIL no done signal from dom0 in %us\n", timeout_s);
        rc = 1;
    }
out_bo:
    rgpu_bo_destroy(d, bo);
out_dev:
    rgpu_close(d);
    rgpu_linux_close(&lx);
    printf("RIG-GUEST: dirty done rc=%d\n", rc);
    return rc;
}
