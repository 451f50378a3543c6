/*
 * fuzz_mmio.c - libFuzzer target for the whole guest-facing surface of a
 * vGPU: the input is a sequence of 16-byte records, each one of
 *
 *   region write/read   BAR0 (register file, the slice's GTT window, any
 *                       offset), config space, or a bad region index,
 *                       with lengths 0..16 (invalid ones included)
 *   guest memory write  8 bytes anywhere in vGPU A's memory (rings,
 *                       batches, PTE lists for the batched GTT update)
 *   scheduler step      one manual slice on an engine
 *   vblank, FLR, display readback
 *
 * record: [0] kind  [1] sub (length / area / engine)  [2..5] offset
 *         [6..13] value  [14..15] unused
 *
 * After each input every engine runs to idle and the invariants hold:
 * vGPU B's memory, registers, config space and mappings are unchanged,
 * and A's mapping count matches its shadow GTT.
 */
#include "fuzz_env.h"
#include "le_bytes.h"

#define REC 16

static struct fz_env env;
static u8 scanout[1024 * 768 * 4];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_env_init(&env);
    return 0;
}


static const size_t lens[8] = { 1, 2, 4, 8, 4, 8, 3, 0 };

/* BAR0 offset for a record: mostly where the interesting things are. */
static u64 bar0_offset(u32 sub, u32 off)
{
    switch ((sub >> 3) & 7) {
    case 0:
    case 1:
        return off & 0x3fff;                        /* registers (incl. engines, display) */
    case 2:
        return RGPU_GTT_BASE + (off & 0x3ffff);     /* A's slice in the GTT window */
    case 3:
        return RGPU_GTT_BASE + (off % RGPU_GTT_SIZE);
    case 4:
        return RGPU_PVINFO_BASE + (off & 0xfff);
    case 5:
        return off % RGPU_BAR0_SIZE;
    default:
        return off;                                  /* anywhere, out of range too */
    }
}

static void one_record(const u8 *r)
{
    u32 kind = r[0] % 12, sub = r[1], off = le32_load(r + 2);
    u8 buf[16];
    long rc;

    memcpy(buf, r + 6, 8);
    memset(buf + 8, 0, 8);
    switch (kind) {
    case 0:
    case 1:
    case 2: {
        size_t len = lens[sub & 7];
        u64 o = bar0_offset(sub, off);

        rc = vgpu_region_write(env.a, VGPU_REGION_BAR0, o, buf, len);
        FZ_CHECK(rc == (long)len || rc == -EINVAL);
        break;
    }
    case 3: {
        size_t len = lens[sub & 7];

        rc = vgpu_region_read(env.a, VGPU_REGION_BAR0, bar0_offset(sub, off), buf, len);
        FZ_CHECK(rc == (long)len || rc == -EINVAL);
        break;
    }
    case 4: {
        size_t len = 1 + (sub & 15);

        rc = vgpu_region_write(env.a, VGPU_REGION_CONFIG, off & 0x1ff, buf, len);
        FZ_CHECK(rc == (long)len || rc == -EINVAL);
        break;
    }
    case 5: {
        size_t len = 1 + (sub & 15);

        rc = vgpu_region_read(env.a, VGPU_REGION_CONFIG, off & 0x1ff, buf, len);
        FZ_CHECK(rc == (long)len || rc == -EINVAL);
        break;
    }
    case 6: {
        /* Other regions (BAR1..5, ROM, VGA, past the end): nothing there. */
        u32 idx = sub % (VGPU_REGION_NUM + 2);

        if (idx == VGPU_REGION_BAR0 || idx == VGPU_REGION_CONFIG)
            idx = VGPU_REGION_BAR2;
        FZ_CHECK(vgpu_region_write(env.a, idx, off, buf, lens[sub & 3]) < 0);
        FZ_CHECK(vgpu_region_read(env.a, idx, off, buf, lens[sub & 3]) < 0);
        break;
    }
    case 7:
    case 8:
        memcpy(env.ha.mem + (off % (FZ_MEM_SIZE - 8)), r + 6, 8);
        break;
    case 9:
        vgpu_parent_sched_step(env.p, sub & 1);
        break;
    case 10:
        if (sub & 1)
            vgpu_parent_vblank(env.p);
        else
            FZ_CHECK(vgpu_reset(env.a) == 0);
        break;
    default: {
        struct vgpu_plane_info pi;
        int prc = vgpu_display_read(env.a, &pi, scanout, sub & 1 ? sizeof(scanout) : 64);

        FZ_CHECK(prc == 0 || prc == -ENODEV || prc == -ENOSPC || prc == -EFAULT);
        if (!prc)
            FZ_CHECK(pi.enabled && (size_t)pi.width * pi.height * 4 <= sizeof(scanout));
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    size_t i;

    /* A fresh device and blank memory for every input. */
    FZ_CHECK(vgpu_reset(env.a) == 0);
    memset(env.ha.mem, 0, FZ_MEM_SIZE);
    env.ha.nr_msi = 0;
    FZ_CHECK(env.ha.mapped == 0);
    for (i = 0; i + REC <= size && i < 512 * REC; i += REC)
        one_record(data + i);
    fz_run_idle(&env);
    fz_check_invariants(&env);
    return 0;
}
