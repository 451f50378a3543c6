/*
 * vgpu_guest_scn.c - the scenarios only a guest runs: probe (open the
 * function through the Linux platform, and with DMA by grant the grant
 * device's refusals) and the tracked page (CPU writes that trap, which
 * the in-process harness has no CPU mapping to make).  The others are
 * shared with vgpu-sim (guest/scenarios/).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "pci_cfg.h"
#include "rgpu_grant.h"
#include "vgpu_guest.h"

/* DMA by grant: the guest kernel's /dev/rgpu-grant refuses what it must
 * (guest/rgpu_grant.h) before any page is handed to the device. */
static bool grant_refusals(struct scn *s)
{
    struct rgpu_grant_req r;
    void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    u8 page[8192] __attribute__((aligned(4096)));
    struct {
        const char *what;
        unsigned long cmd;
        u64 va;
        u32 gref, flags;
        int want;
    } c[] = {
        { "misaligned va", RGPU_GRANT_IOC_GRANT, (uintptr_t)page + 8, 0, 0, EINVAL },
        { "unknown flags", RGPU_GRANT_IOC_GRANT, (uintptr_t)page, 0, 2, EINVAL },
        { "no va", RGPU_GRANT_IOC_GRANT, 0, 0, 0, EINVAL },
        { "BAR0 mapping", RGPU_GRANT_IOC_GRANT, (uintptr_t)vg_lx.bar0, 0, 0, EFAULT },
        { "read-only page", RGPU_GRANT_IOC_GRANT, ro == MAP_FAILED ? 0 : (uintptr_t)ro, 0, 0,
          ro == MAP_FAILED ? EINVAL : EFAULT },
        { "unknown gref", RGPU_GRANT_IOC_UNGRANT, 0, 0x7ffffff0u, 0, ENOENT },
    };
    bool ok = true;

    page[0] = 1;
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && ok; i++) {
        int rc, e;

        memset(&r, 0, sizeof(r));
        r.va = c[i].va;
        r.gref = c[i].gref;
        r.flags = c[i].flags;
        rc = ioctl(vg_lx.grant_fd, c[i].cmd, &r);
        e = errno;
        if (!rc && c[i].cmd == RGPU_GRANT_IOC_GRANT) {     /* take it back */
            struct rgpu_grant_req u = { .gref = r.gref };

            ioctl(vg_lx.grant_fd, RGPU_GRANT_IOC_UNGRANT, &u);
        }
        if (rc != -1 || e != c[i].want)
            ok = SCN_FAIL(s, "/dev/rgpu-grant accepted a grant request with %s (rc %d, errno %d, "
                         "want %d)", c[i].what, rc, rc ? e : 0, c[i].want);
    }
    if (ro != MAP_FAILED)
        munmap(ro, 4096);
    return ok;
}

bool vg_scn_probe(struct scn *s)
{
    static char no_irq[160];
    const struct rgpu_info *i;
    u16 cmd = 0;
    int rc;

    rc = rgpu_linux_open_dma(&vg_lx, vg_sbdf, vg_dma, &vg_plat);
    SCN_CHECK(s, rc == 0, "%s", vg_lx.err);
    rc = rgpu_open(&vg_plat, &vg_dev);
    SCN_CHECK(s, rc == 0, "rgpu_open: %d", rc);
    s->dev = vg_dev;
    s->wait_irq = vg_lx.uio_fd >= 0;
    s->irq_mode = vg_lx.irq_mode;
    s->no_irq = NULL;
    if (!s->wait_irq) {
        snprintf(no_irq, sizeof(no_irq), "no interrupt driver bound to %s (insmod rgpu_uio.ko): "
                 "the guest cannot take the device's interrupts", strrchr(vg_lx.dir, '/') + 1);
        s->no_irq = no_irq;
    }
    i = rgpu_get_info(vg_dev);
    rgpu_linux_cfg_read16(&vg_lx, PCI_CFG_COMMAND, &cmd);
    if (vg_lx.dma_mode == RGPU_DMA_GRANT && !grant_refusals(s))
        return false;
    scn_note(s, "%s bar0=0x%llx+0x%zx cmd=0x%04x id=0x%08x version=0x%08x interrupts=%s dma=%s",
            strrchr(vg_lx.dir, '/') + 1, (unsigned long long)vg_lx.bar0_phys, vg_lx.bar0_size,
            cmd, i->id, i->version, vg_lx.irq_mode, rgpu_linux_dma_name(vg_lx.dma_mode));
    if (vg_lx.dma_mode == RGPU_DMA_GRANT)
        scn_note(s, "(grant device refused 6 bad requests)");
    return true;
}

/* The debug tracked page (hw-spec section 9): the CPU's writes to one of
 * our pages trap (p2m_ioreq_server), land in memory and are counted.  The
 * page is named by its guest physical address in either DMA mode: what is
 * tracked is the guest's own mapping of a frame of its memory (Xen: the p2m
 * type of that gfn), which a grant does not name. */
bool vg_scn_track(struct scn *s)
{
    volatile u8 *page;
    void *cpu;
    u64 pa, dma;
    u32 st, count, last, st_off;
    int rc;

    rc = vg_plat.alloc_pages(vg_plat.ctx, 1, &cpu, &dma);
    SCN_CHECK(s, rc == 0, "alloc: %d", rc);
    rc = rgpu_linux_virt_to_phys(&vg_lx, cpu, &pa);
    if (rc) {
        vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
        return SCN_FAIL(s, "guest physical address of the page: %d", rc);
    }
    page = cpu;
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_LO, (u32)pa);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_HI, (u32)(pa >> 32));
    st = rgpu_read(vg_dev, RGPU_REG_TRACK_STATUS);
    if (st != 1) {
        vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
        return SCN_FAIL(s, "TRACK_STATUS 0x%x after tracking pa 0x%llx (errno %u)", st,
                    (unsigned long long)pa, st & 0x7fffffff);
    }
    *(volatile u32 *)(page + 0x10) = 0x11223344u;
    *(volatile u64 *)(page + 0x100) = 0x5566778899aabbccull;
    *(volatile u16 *)(page + 0x202) = 0xbeef;
    count = rgpu_read(vg_dev, RGPU_REG_TRACK_COUNT);
    last = rgpu_read(vg_dev, RGPU_REG_TRACK_LAST);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_LO, 0);
    rgpu_write(vg_dev, RGPU_REG_TRACK_ADDR_HI, 0);
    st_off = rgpu_read(vg_dev, RGPU_REG_TRACK_STATUS);
    /* Untracked again: an ordinary write, straight to memory. */
    *(volatile u32 *)(page + 0x300) = 0xcafef00d;
    rc = *(volatile u32 *)(page + 0x10) == 0x11223344u &&
         *(volatile u64 *)(page + 0x100) == 0x5566778899aabbccull &&
         *(volatile u16 *)(page + 0x202) == 0xbeef && *(volatile u32 *)(page + 0x300) == 0xcafef00d &&
         page[0x0f] == 0 && page[0x14] == 0 && page[0x204] == 0;
    vg_plat.free_pages(vg_plat.ctx, cpu, 1, &dma);
    SCN_CHECK(s, count == 3, "TRACK_COUNT %u, want 3", count);
    SCN_CHECK(s, last == (0x202u << 16 | 2), "TRACK_LAST 0x%x, want 0x2020002", last);
    SCN_CHECK(s, st_off == 0, "TRACK_STATUS 0x%x after stopping", st_off);
    SCN_CHECK(s, rc, "tracked page contents wrong");
    scn_note(s, "pa 0x%llx: 3 trapped writes (4, 8, 2 bytes) counted, last 0x%x, memory holds them",
         (unsigned long long)pa, last);
    return true;
}
