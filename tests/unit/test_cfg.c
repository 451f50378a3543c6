/*
 * test_cfg.c - the emulated PCI configuration space: identity, BARs and
 * the sizing protocol, capabilities (MSI, Advanced Features/FLR), write
 * masks, W1C status bits, BAR decode reports and resets.
 */
#include <string.h>

#include "unit.h"
#include "pci_cfg.h"

/* Config space registers: pci_cfg.h; the vGPU's capabilities: vgpu_priv.h. */
#define AF              VGPU_CFG_AF_CAP
#define AF_CTRL         (AF + PCI_CFG_AF_CTRL)
#define AF_STATUS       (AF + PCI_CFG_AF_STATUS)

static struct unit_fixture fx;

static int setup(void)
{
    if (unit_fixture_setup(&fx, "refgpu-8")) {
        unit_fixture_teardown(&fx);
        return -1;
    }
    return 0;
}

static void fresh(void)
{
    unit_fixture_teardown(&fx);
    CU_ASSERT_EQUAL_FATAL(setup(), 0);
}

static int suite_init(void) { return 0; }
static int suite_fini(void) { unit_fixture_teardown(&fx); return 0; }

static void read_all(struct vgpu *v, u8 *buf)
{
    CU_ASSERT_EQUAL(vgpu_region_read(v, VGPU_REGION_CONFIG, 0, buf, VGPU_CFG_SIZE),
                    VGPU_CFG_SIZE);
}

/* Place BAR0 at addr (64-bit) and turn on memory decode. */
static void map_bar0(struct vgpu *v, u64 addr)
{
    cfg_wr(v, PCI_CFG_BAR(0), 4, (u32)addr);
    cfg_wr(v, PCI_CFG_BAR(1), 4, (u32)(addr >> 32));
    cfg_wr(v, PCI_CFG_COMMAND, 2, cfg_rd(v, PCI_CFG_COMMAND, 2) | PCI_CFG_COMMAND_MEMORY);
}

static const struct testhost_bar_event *last_event(void)
{
    CU_ASSERT_FATAL(fx.host.nr_bar_events > 0);
    return &fx.host.bar_events[fx.host.nr_bar_events - 1];
}

static void test_identity(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_VENDOR_ID, 2), RGPU_PCI_VENDOR_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_DEVICE_ID, 2), RGPU_PCI_DEVICE_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_VENDOR_ID, 4), (u32)RGPU_PCI_DEVICE_ID << 16 | RGPU_PCI_VENDOR_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_REVISION_ID, 1), RGPU_PCI_REVISION);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_CLASS_PROG, 1), RGPU_PCI_CLASS & 0xff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_REVISION_ID, 4), (u32)RGPU_PCI_CLASS << 8 | RGPU_PCI_REVISION);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_HEADER_TYPE, 1), 0x00);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_SUBSYS_VENDOR, 2), RGPU_PCI_SUBSYS_VENDOR);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_SUBSYS_ID, 2), RGPU_PCI_SUBSYS_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_PIN, 1), 1);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_COMMAND, 2), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST);
}

static void test_identity_read_only(void)
{
    u8 before[VGPU_CFG_SIZE], after[VGPU_CFG_SIZE];
    static const u32 ro_dwords[] = { PCI_CFG_VENDOR_ID, PCI_CFG_REVISION_ID, PCI_CFG_SUBSYS_VENDOR, 0x28, 0x38 };
    struct vgpu *v;
    unsigned int i;

    fresh();
    v = fx.vgpu;
    read_all(v, before);
    for (i = 0; i < OS_ARRAY_SIZE(ro_dwords); i++) {
        cfg_wr(v, ro_dwords[i], 4, 0xffffffff);
        cfg_wr(v, ro_dwords[i], 4, 0);
    }
    cfg_wr(v, PCI_CFG_HEADER_TYPE, 1, 0x80);     /* multi-function bit */
    cfg_wr(v, PCI_CFG_HEADER_TYPE + 1, 1, 0xff); /* BIST */
    cfg_wr(v, PCI_CFG_INTERRUPT_PIN, 1, 0x04);
    cfg_wr(v, PCI_CFG_CAP_PTR, 1, 0x40);
    read_all(v, after);
    CU_ASSERT_EQUAL(memcmp(before, after, VGPU_CFG_SIZE), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_VENDOR_ID, 2), RGPU_PCI_VENDOR_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_PIN, 1), 1);
}

static void test_bar0_sizing(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xffffffff);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), (u32)~(RGPU_BAR0_SIZE - 1) | 0x4);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(1), 4), 0xffffffff);
    /* Program an address: bits below the size are hardwired to 0. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xe0123456);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0x00000001);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0xe0000004);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(1), 4), 0x00000001);
    CU_ASSERT_EQUAL(vgpu_cfg_bar_addr(v, 0), 0x1e0000000ull);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0);
    CU_ASSERT_EQUAL(vgpu_cfg_bar_addr(v, 0), 0xe0000000ull);
    /* Byte-wise writes go through the same masks. */
    cfg_wr(v, PCI_CFG_BAR(0), 1, 0xff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0xe0000004);
    cfg_wr(v, PCI_CFG_BAR(0) + 3, 1, 0xd0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0xd0000004);
}

static void test_bar0_type_bits(void)
{
    struct vgpu *v;
    u32 bar;

    fresh();
    v = fx.vgpu;
    bar = cfg_rd(v, PCI_CFG_BAR(0), 4);
    CU_ASSERT_EQUAL(bar & 0x1, 0);          /* memory space */
    CU_ASSERT_EQUAL(bar & 0x6, 0x4);        /* 64-bit */
    CU_ASSERT_EQUAL(bar & 0x8, 0);          /* not prefetchable */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0x4);
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xb);          /* try to flip the type bits */
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0x4);
    CU_ASSERT_TRUE(v->cfg.bars[0].is64);
    CU_ASSERT_EQUAL(v->cfg.bars[0].size, RGPU_BAR0_SIZE);
}

static void test_unimplemented_bars(void)
{
    struct vgpu_region_info info;
    struct vgpu *v;
    unsigned int bar;

    fresh();
    v = fx.vgpu;
    /* BAR1 is the upper half of 64-bit BAR0: all of it is writable. */
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(1), 4), 0xffffffff);
    CU_ASSERT_EQUAL(vgpu_region_info(v, VGPU_REGION_BAR1, &info), 0);
    CU_ASSERT_EQUAL(info.size, 0);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0);
    /* BARs 2..5 are absent: BAR0 is the only one (hw-spec §1). */
    for (bar = 2; bar < 6; bar++) {
        CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(bar), 4), 0);
        cfg_wr(v, PCI_CFG_BAR(bar), 4, 0xffffffff);
        CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(bar), 4), 0);
        CU_ASSERT_EQUAL(vgpu_region_info(v, bar, &info), 0);
        CU_ASSERT_EQUAL(info.size, 0);
        CU_ASSERT_EQUAL(info.flags, 0);
    }
}

static void test_rom_bar(void)
{
    struct vgpu_region_info info;

    fresh();
    CU_ASSERT_EQUAL(cfg_rd(fx.vgpu, PCI_CFG_ROM_ADDRESS, 4), 0);
    cfg_wr(fx.vgpu, PCI_CFG_ROM_ADDRESS, 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(fx.vgpu, PCI_CFG_ROM_ADDRESS, 4), 0);
    cfg_wr(fx.vgpu, PCI_CFG_ROM_ADDRESS, 4, 0xfffff801);    /* sizing with the enable bit */
    CU_ASSERT_EQUAL(cfg_rd(fx.vgpu, PCI_CFG_ROM_ADDRESS, 4), 0);
    CU_ASSERT_EQUAL(vgpu_region_info(fx.vgpu, VGPU_REGION_ROM, &info), 0);
    CU_ASSERT_EQUAL(info.size, 0);
}

static void test_capability_list(void)
{
    struct vgpu *v;
    u32 ptr, ids[8], n = 0;

    fresh();
    v = fx.vgpu;
    CU_ASSERT(cfg_rd(v, PCI_CFG_STATUS, 2) & PCI_CFG_STATUS_CAP_LIST);
    ptr = cfg_rd(v, PCI_CFG_CAP_PTR, 1);
    CU_ASSERT_EQUAL(ptr, VGPU_CFG_MSI_CAP);
    while (ptr && n < 8) {
        CU_ASSERT(ptr >= 0x40 && ptr < VGPU_CFG_SIZE && (ptr & 3) == 0);
        ids[n++] = cfg_rd(v, ptr, 1);
        ptr = cfg_rd(v, ptr + 1, 1);
    }
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(ids[0], 0x05);
    CU_ASSERT_EQUAL(ids[1], 0x13);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI + 1, 1), VGPU_CFG_AF_CAP);
    CU_ASSERT_EQUAL(cfg_rd(v, AF + 1, 1), 0);
    /* AF: length 6, FLR and TP supported. */
    CU_ASSERT_EQUAL(cfg_rd(v, AF + 2, 1), 6);
    CU_ASSERT_EQUAL(cfg_rd(v, AF + 3, 1), 0x03);
    /* The chain is read-only. */
    cfg_wr(v, MSI, 2, 0xffff);
    cfg_wr(v, AF, 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI, 2), 0x7005);
    CU_ASSERT_EQUAL(cfg_rd(v, AF, 4), 0x03060013);
}

static void test_msi_control(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    /* 64-bit, per-vector masking, one vector, disabled. */
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_FLAGS, 2), 0x0180);
    cfg_wr(v, MSI_FLAGS, 2, 0xffff);
    /* Only enable sticks: MME (bits 6:4) stays 0, MMC/64-bit/mask RO. */
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_FLAGS, 2), 0x0181);
    CU_ASSERT_TRUE(vgpu_cfg_msi_enabled(v));
    cfg_wr(v, MSI_FLAGS, 2, 0x0070);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_FLAGS, 2), 0x0180);
    CU_ASSERT_FALSE(vgpu_cfg_msi_enabled(v));
    cfg_wr(v, MSI_FLAGS, 2, 0x0000);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_FLAGS, 2), 0x0180);
}

static void test_msi_address_data_mask(void)
{
    struct vgpu *v;
    u64 addr;
    u32 data;

    fresh();
    v = fx.vgpu;
    cfg_wr(v, MSI_ADDR_LO, 4, 0xfee0100f);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_ADDR_LO, 4), 0xfee0100c);     /* bits 1:0 are 0 */
    cfg_wr(v, MSI_ADDR_HI, 4, 0x12345678);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_ADDR_HI, 4), 0x12345678);
    cfg_wr(v, MSI_DATA, 4, 0xffff4041);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_DATA, 4), 0x4041);            /* upper 16 reserved */
    vgpu_cfg_msi_message(v, &addr, &data);
    CU_ASSERT_EQUAL(addr, 0x12345678fee0100cull);
    CU_ASSERT_EQUAL(data, 0x4041);

    cfg_wr(v, MSI_MASK, 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_MASK, 4), 1);                 /* one vector */
    CU_ASSERT_TRUE(vgpu_cfg_msi_masked(v));
    cfg_wr(v, MSI_MASK, 4, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_MASK, 4), 0);
    CU_ASSERT_FALSE(vgpu_cfg_msi_masked(v));

    cfg_wr(v, MSI_PENDING, 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 0);              /* read-only */
    vgpu_cfg_set_msi_pending(v, true);
    cfg_wr(v, MSI_PENDING, 4, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 1);
}

static void test_command_writable_bits(void)
{
    fresh();
    cfg_wr(fx.vgpu, PCI_CFG_COMMAND, 2, 0xffff);
    CU_ASSERT_EQUAL(cfg_rd(fx.vgpu, PCI_CFG_COMMAND, 2), 0x0546);
    CU_ASSERT_TRUE(vgpu_cfg_mem_enabled(fx.vgpu));
    CU_ASSERT_TRUE(vgpu_cfg_intx_disabled(fx.vgpu));
    cfg_wr(fx.vgpu, PCI_CFG_COMMAND, 2, 0x0001);                    /* I/O space: none */
    CU_ASSERT_EQUAL(cfg_rd(fx.vgpu, PCI_CFG_COMMAND, 2), 0);
    CU_ASSERT_FALSE(vgpu_cfg_mem_enabled(fx.vgpu));
    CU_ASSERT_FALSE(vgpu_cfg_intx_disabled(fx.vgpu));
}

static void test_status_w1c(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    /* The device reports errors (white box): parity, aborts, SERR. */
    vgpu_cfg_set(v, PCI_CFG_STATUS, 2, PCI_CFG_STATUS_CAP_LIST | 0xf900);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), 0xf910);
    /* Writing 0 changes nothing; writing the command dword leaves status. */
    cfg_wr(v, PCI_CFG_STATUS, 2, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), 0xf910);
    cfg_wr(v, PCI_CFG_COMMAND, 4, 0x00000002);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), 0xf910);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_COMMAND, 2), 0x0002);
    /* Writing 1 clears just that bit. */
    cfg_wr(v, PCI_CFG_STATUS, 2, 0x0100);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), 0xf810);
    cfg_wr(v, PCI_CFG_STATUS + 1, 1, 0x80);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), 0x7810);
    /* All-ones clears the rest, but the capability bit is read-only. */
    cfg_wr(v, PCI_CFG_STATUS, 2, 0xffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST);
    /* The interrupt status bit is read-only as well. */
    vgpu_cfg_set_intx_status(v, true);
    cfg_wr(v, PCI_CFG_STATUS, 2, 0xffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST | PCI_CFG_STATUS_INTERRUPT);
    vgpu_cfg_set_intx_status(v, false);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST);
}

static void test_decode_events(void)
{
    struct vgpu *v;
    const struct testhost_bar_event *e;

    fresh();
    v = fx.vgpu;
    /* Placing the BAR with decode off reports nothing. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xe0000000);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0);
    CU_ASSERT_EQUAL(fx.host.nr_bar_events, 0);

    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_MEMORY);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_bar_events, 1);
    e = last_event();
    CU_ASSERT_EQUAL(e->bar, 0);
    CU_ASSERT_EQUAL(e->addr, 0xe0000000ull);
    CU_ASSERT_EQUAL(e->size, RGPU_BAR0_SIZE);
    CU_ASSERT_TRUE(e->enabled);
    /* Same state again: no report. */
    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_MEMORY);
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xe0000000);
    CU_ASSERT_EQUAL(fx.host.nr_bar_events, 1);

    /* Move while decoding: unmap the old range, then map the new one. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xd0000000);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_bar_events, 3);
    CU_ASSERT_EQUAL(fx.host.bar_events[1].bar, 0);
    CU_ASSERT_EQUAL(fx.host.bar_events[1].addr, 0xe0000000ull);
    CU_ASSERT_FALSE(fx.host.bar_events[1].enabled);
    CU_ASSERT_EQUAL(fx.host.bar_events[2].addr, 0xd0000000ull);
    CU_ASSERT_EQUAL(fx.host.bar_events[2].size, RGPU_BAR0_SIZE);
    CU_ASSERT_TRUE(fx.host.bar_events[2].enabled);

    /* Decode off. */
    cfg_wr(v, PCI_CFG_COMMAND, 2, 0);
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_bar_events, 4);
    e = last_event();
    CU_ASSERT_EQUAL(e->bar, 0);
    CU_ASSERT_EQUAL(e->addr, 0xd0000000ull);
    CU_ASSERT_FALSE(e->enabled);
    /* Moving with decode off reports nothing. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xc0000000);
    CU_ASSERT_EQUAL(fx.host.nr_bar_events, 4);
}

static void test_sizing_while_decoding(void)
{
    struct vgpu *v;
    u32 idx;
    u64 off;

    fresh();
    v = fx.vgpu;
    map_bar0(v, 0xe0000000ull);
    CU_ASSERT_EQUAL(fx.host.nr_bar_events, 1);
    /* Sizing with decode on: once both halves are all-ones the BAR would
     * wrap past the top of memory, so it must not decode there. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xffffffff);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0xffffffff);
    CU_ASSERT_FALSE(last_event()->enabled);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xffffffffff000000ull, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, &off), -ENOENT);
    /* Restore: decodes again at the original place. */
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xe0000000);
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0);
    CU_ASSERT_TRUE(last_event()->enabled);
    CU_ASSERT_EQUAL(last_event()->addr, 0xe0000000ull);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, &off), 0);
}

static void test_bar_lookup(void)
{
    struct vgpu *v;
    u32 idx = 99;
    u64 off = 99;

    fresh();
    v = fx.vgpu;
    cfg_wr(v, PCI_CFG_BAR(0), 4, 0xe0000000);
    /* Placed but decode off: nothing hits. */
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, &off), -ENOENT);
    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_MEMORY);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, &off), 0);
    CU_ASSERT_EQUAL(idx, 0);
    CU_ASSERT_EQUAL(off, 0);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull + RGPU_PVINFO_BASE + 8, &idx, &off), 0);
    CU_ASSERT_EQUAL(off, RGPU_PVINFO_BASE + 8);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull + RGPU_BAR0_SIZE - 1, &idx, &off), 0);
    CU_ASSERT_EQUAL(off, RGPU_BAR0_SIZE - 1);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull + RGPU_BAR0_SIZE, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xdfffffffull, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, ~0ull, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, NULL, &off), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, NULL), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(NULL, 0xe0000000ull, &idx, &off), -EINVAL);
    /* Above 4 GiB. */
    cfg_wr(v, PCI_CFG_BAR(1), 4, 0x80);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0xe0000000ull, &idx, &off), -ENOENT);
    CU_ASSERT_EQUAL(vgpu_bar_lookup(v, 0x80e0000010ull, &idx, &off), 0);
    CU_ASSERT_EQUAL(off, 0x10);
}

/* Dirty most writable state of the function. */
static void dirty_device(struct vgpu *v)
{
    map_bar0(v, 0xe0000000ull);
    cfg_wr(v, PCI_CFG_COMMAND, 2, PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER | PCI_CFG_COMMAND_INTX_DISABLE);
    cfg_wr(v, PCI_CFG_INTERRUPT_LINE, 1, 11);
    cfg_wr(v, PCI_CFG_CACHE_LINE_SIZE, 2, 0x4010);
    cfg_wr(v, MSI_ADDR_LO, 4, 0xfee00000);
    cfg_wr(v, MSI_DATA, 2, 0x41);
    cfg_wr(v, MSI_MASK, 4, 1);
    cfg_wr(v, MSI_FLAGS, 2, 1);
    bar0_wr(v, RGPU_REG_SCRATCH(0), 4, 0xdeadbeef);
    bar0_wr(v, RGPU_REG_IMR, 4, 0);
    bar0_wr(v, RGPU_REG_IER, 4, RGPU_IRQ_RENDER_DONE);
    vgpu_cfg_set(v, PCI_CFG_STATUS, 2, PCI_CFG_STATUS_CAP_LIST | 0x8000);
}

static void test_flr(void)
{
    u8 defaults[VGPU_CFG_SIZE], now[VGPU_CFG_SIZE];
    struct vgpu *v;
    const struct testhost_bar_event *e;
    unsigned int events;

    fresh();
    v = fx.vgpu;
    read_all(v, defaults);
    dirty_device(v);
    read_all(v, now);
    CU_ASSERT_NOT_EQUAL(memcmp(defaults, now, VGPU_CFG_SIZE), 0);
    events = fx.host.nr_bar_events;
    CU_ASSERT_EQUAL(cfg_rd(v, AF_CTRL, 1), 0);

    cfg_wr(v, AF_CTRL, 1, 0x01);
    read_all(v, now);
    CU_ASSERT_EQUAL(memcmp(defaults, now, VGPU_CFG_SIZE), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, AF_CTRL, 1), 0);          /* FLR completes at once */
    CU_ASSERT_EQUAL(cfg_rd(v, AF_STATUS, 1), 0);        /* nothing pending */
    CU_ASSERT_EQUAL_FATAL(fx.host.nr_bar_events, events + 1);
    e = last_event();
    CU_ASSERT_EQUAL(e->bar, 0);
    CU_ASSERT_EQUAL(e->addr, 0xe0000000ull);
    CU_ASSERT_FALSE(e->enabled);
    /* Device registers are reset too. */
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IMR, 4), RGPU_IRQ_VALID_MASK);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_IER, 4), 0);
    /* Writing 0 to the control register does not reset. */
    cfg_wr(v, PCI_CFG_INTERRUPT_LINE, 1, 5);
    cfg_wr(v, AF_CTRL, 1, 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 1), 5);
    /* The FLR bit within a dword write at the AF capability. */
    cfg_wr(v, AF + 4, 4, 0x00000001);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 1), 0);
}

static void test_vgpu_reset_restores_defaults(void)
{
    u8 defaults[VGPU_CFG_SIZE], now[VGPU_CFG_SIZE];
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    read_all(v, defaults);
    dirty_device(v);
    CU_ASSERT_EQUAL(vgpu_reset(v), 0);
    read_all(v, now);
    CU_ASSERT_EQUAL(memcmp(defaults, now, VGPU_CFG_SIZE), 0);
    CU_ASSERT_FALSE(last_event()->enabled);
    CU_ASSERT_EQUAL(bar0_rd(v, RGPU_REG_SCRATCH(0), 4), 0);
    CU_ASSERT_EQUAL(vgpu_reset(NULL), -EINVAL);
    /* Still fully functional afterwards. */
    map_bar0(v, 0xf0000000ull);
    CU_ASSERT_TRUE(last_event()->enabled);
    CU_ASSERT_EQUAL(last_event()->addr, 0xf0000000ull);
}

static void test_odd_sized_writes(void)
{
    struct vgpu *v;
    u8 buf[VGPU_CFG_SIZE];

    fresh();
    v = fx.vgpu;
    /* 3 bytes: command and the low byte of status. */
    cfg_wr(v, PCI_CFG_COMMAND, 3, 0xffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_COMMAND, 2), 0x0546);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST);
    /* 3 bytes: latency timer (RW), header type and BIST (RO). */
    cfg_wr(v, PCI_CFG_LATENCY_TIMER, 3, 0x00ff20);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_LATENCY_TIMER, 1), 0x20);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_HEADER_TYPE, 1), 0x00);
    /* 3 bytes straddling a dword boundary: BIST..BAR0 byte 1. */
    cfg_wr(v, 0x0f, 3, 0xffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0x4);     /* low BAR bits are type bits */

    /* 256 bytes of all-ones (FLR bit excepted) over the whole space. */
    fresh();
    v = fx.vgpu;
    memset(buf, 0xff, sizeof(buf));
    buf[AF_CTRL] = 0;
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 0, buf, sizeof(buf)), VGPU_CFG_SIZE);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_VENDOR_ID, 4), (u32)RGPU_PCI_DEVICE_ID << 16 | RGPU_PCI_VENDOR_ID);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_COMMAND, 2), 0x0546);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_STATUS, 2), PCI_CFG_STATUS_CAP_LIST);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_REVISION_ID, 4), (u32)RGPU_PCI_CLASS << 8 | RGPU_PCI_REVISION);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_CACHE_LINE_SIZE, 4), 0x0000ffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), (u32)~(RGPU_BAR0_SIZE - 1) | 0x4);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(1), 4), 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(2), 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(5), 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_SUBSYS_VENDOR, 4), (u32)RGPU_PCI_SUBSYS_ID << 16 | RGPU_PCI_SUBSYS_VENDOR);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_ROM_ADDRESS, 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_CAP_PTR, 4), VGPU_CFG_MSI_CAP);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 2), 0x01ff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI, 4), 0x0181u << 16 | VGPU_CFG_AF_CAP << 8 | 0x05);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_ADDR_LO, 4), 0xfffffffc);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_ADDR_HI, 4), 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_DATA, 4), 0x0000ffff);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_MASK, 4), 1);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_PENDING, 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, AF, 4), 0x03060013);
    CU_ASSERT_EQUAL(cfg_rd(v, AF_CTRL, 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, 0x80, 4), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, 0xfc, 4), 0);
    /* Decode on, but an all-ones BAR wraps: nothing is mapped. */
    CU_ASSERT_EQUAL(fx.host.nr_bar_events, 0);

    /* All-ones including the FLR bit: everything resets. */
    memset(buf, 0xff, sizeof(buf));
    CU_ASSERT_EQUAL(vgpu_region_write(v, VGPU_REGION_CONFIG, 0, buf, sizeof(buf)), VGPU_CFG_SIZE);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_COMMAND, 2), 0);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_BAR(0), 4), 0x4);
    CU_ASSERT_EQUAL(cfg_rd(v, MSI_FLAGS, 2), 0x0180);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 1), 0);
}

static void test_unaligned_reads(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(cfg_rd(v, 0x01, 2), (RGPU_PCI_VENDOR_ID >> 8) | (RGPU_PCI_DEVICE_ID & 0xff) << 8);
    CU_ASSERT_EQUAL(cfg_rd(v, 0x03, 1), RGPU_PCI_DEVICE_ID >> 8);
    CU_ASSERT_EQUAL(cfg_rd(v, 0x0a, 2), RGPU_PCI_CLASS >> 8);
    CU_ASSERT_EQUAL(cfg_rd(v, 0x0b, 3), RGPU_PCI_CLASS >> 16);
}

static void test_interrupt_line_rw(void)
{
    struct vgpu *v;

    fresh();
    v = fx.vgpu;
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 1), 0);
    cfg_wr(v, PCI_CFG_INTERRUPT_LINE, 1, 0x0b);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 1), 0x0b);
    cfg_wr(v, PCI_CFG_INTERRUPT_LINE, 4, 0xffffffff);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 4), 0x000001ff);    /* pin and the rest RO */
    cfg_wr(v, PCI_CFG_INTERRUPT_LINE, 2, 0x0005);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_INTERRUPT_LINE, 2), 0x0105);
    /* Cache line size and latency timer are plain RW too. */
    cfg_wr(v, PCI_CFG_CACHE_LINE_SIZE, 2, 0x2010);
    CU_ASSERT_EQUAL(cfg_rd(v, PCI_CFG_CACHE_LINE_SIZE, 2), 0x2010);
}

static void test_cfg_trap_counter(void)
{
    u64 before;

    fresh();
    before = fx.vgpu->stat_cfg_traps;
    cfg_rd(fx.vgpu, 0, 4);
    cfg_wr(fx.vgpu, PCI_CFG_INTERRUPT_LINE, 1, 1);
    CU_ASSERT_EQUAL(fx.vgpu->stat_cfg_traps, before + 2);
}

void register_cfg_tests(void)
{
    UNIT_SUITE("cfg", suite_init, suite_fini,
               UT(test_identity),
               UT(test_identity_read_only),
               UT(test_bar0_sizing),
               UT(test_bar0_type_bits),
               UT(test_unimplemented_bars),
               UT(test_rom_bar),
               UT(test_capability_list),
               UT(test_msi_control),
               UT(test_msi_address_data_mask),
               UT(test_command_writable_bits),
               UT(test_status_w1c),
               UT(test_decode_events),
               UT(test_sizing_while_decoding),
               UT(test_bar_lookup),
               UT(test_flr),
               UT(test_vgpu_reset_restores_defaults),
               UT(test_odd_sized_writes),
               UT(test_unaligned_reads),
               UT(test_interrupt_line_rw),
               UT(test_cfg_trap_counter));
}
