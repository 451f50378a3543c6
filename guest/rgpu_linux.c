/*
 * rgpu_linux.c - the guest library's platform in a Linux guest, from
 * userspace (see rgpu_linux.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "rgpu_grant.h"
#include "rgpu_linux.h"
#include "le_bytes.h"
#include "pci_cfg.h"

#define PAGE_SIZE 4096u
#define PAGEMAP_PRESENT (1ull << 63)
#define PAGEMAP_PFN_MASK ((1ull << 55) - 1)

static int fail(struct rgpu_linux *l, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(l->err, sizeof(l->err), fmt, ap);
    va_end(ap);
    return rc;
}

static int read_num_file(const char *dir, const char *name, int radix, unsigned long *val)
{
    char path[384], buf[64];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    *val = strtoul(buf, NULL, radix);
    return 0;
}

static int read_hex_file(const char *dir, const char *name, unsigned long *val)
{
    return read_num_file(dir, name, 16, val);
}

static int read_dec_file(const char *dir, const char *name, unsigned long *val)
{
    return read_num_file(dir, name, 10, val);
}

static int write_file(const char *dir, const char *name, const char *s)
{
    char path[384];
    int fd, rc = 0;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
        rc = -errno;
    close(fd);
    return rc;
}

static int find_device(struct rgpu_linux *l, const char *sbdf)
{
    static const char base[] = "/sys/bus/pci/devices";
    struct dirent *e;
    DIR *dir;

    if (sbdf) {
        snprintf(l->dir, sizeof(l->dir), "%s/%s", base, sbdf);
        return access(l->dir, F_OK) ? -ENODEV : 0;
    }
    dir = opendir(base);
    if (!dir)
        return -errno;
    while ((e = readdir(dir))) {
        unsigned long vendor, device;

        if (e->d_name[0] == '.')
            continue;
        snprintf(l->dir, sizeof(l->dir), "%s/%s", base, e->d_name);
        if (!read_hex_file(l->dir, "vendor", &vendor) && !read_hex_file(l->dir, "device", &device) &&
            vendor == RGPU_PCI_VENDOR_ID && device == RGPU_PCI_DEVICE_ID) {
            closedir(dir);
            return 0;
        }
    }
    closedir(dir);
    l->dir[0] = '\0';
    return -ENODEV;
}

int rgpu_linux_cfg_read16(struct rgpu_linux *l, unsigned int off, u16 *val)
{
    u8 b[2];

    if (pread(l->cfg_fd, b, 2, off) != 2)
        return -EIO;
    *val = le16_load(b);
    return 0;
}

int rgpu_linux_cfg_write16(struct rgpu_linux *l, unsigned int off, u16 val)
{
    u8 b[2];

    le_store(b, 2, val);
    return pwrite(l->cfg_fd, b, 2, off) == 2 ? 0 : -EIO;
}

/* BAR0's physical range from the first line of `resource`. */
static int bar0_range(struct rgpu_linux *l)
{
    char path[384];
    unsigned long long start, end, flags;
    FILE *f;
    int n;

    snprintf(path, sizeof(path), "%s/resource", l->dir);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    n = fscanf(f, "%llx %llx %llx", &start, &end, &flags);
    fclose(f);
    if (n != 3 || !start || end <= start)
        return -ENXIO;
    l->bar0_phys = start;
    l->bar0_size = (size_t)(end - start + 1);
    return 0;
}

/* ---- platform callbacks ------------------------------------------------ */
static u32 lx_read32(void *ctx, u32 off)
{
    struct rgpu_linux *l = ctx;

    l->mmio_reads++;
    return *(volatile u32 *)(l->bar0 + off);
}

static void lx_write32(void *ctx, u32 off, u32 val)
{
    struct rgpu_linux *l = ctx;

    l->mmio_writes++;
    *(volatile u32 *)(l->bar0 + off) = val;
}

/* One 8-byte access is one trap instead of two (PV info, GTT window). */
static u64 lx_read64(void *ctx, u32 off)
{
    struct rgpu_linux *l = ctx;

    l->mmio_reads++;
    return *(volatile u64 *)(l->bar0 + off);
}

static void lx_write64(void *ctx, u32 off, u64 val)
{
    struct rgpu_linux *l = ctx;

    l->mmio_writes++;
    *(volatile u64 *)(l->bar0 + off) = val;
}

int rgpu_linux_virt_to_phys(struct rgpu_linux *l, const void *va, u64 *pa)
{
    u64 ent;
    off_t off = (off_t)((uintptr_t)va / PAGE_SIZE) * 8;

    if (pread(l->pagemap_fd, &ent, sizeof(ent), off) != sizeof(ent))
        return -EIO;
    /* Without CAP_SYS_ADMIN the PFN reads as 0 even for present pages. */
    if (!(ent & PAGEMAP_PRESENT) || !(ent & PAGEMAP_PFN_MASK))
        return -EFAULT;
    *pa = (ent & PAGEMAP_PFN_MASK) * PAGE_SIZE + ((uintptr_t)va & (PAGE_SIZE - 1));
    return 0;
}

/* ---- grants (RGPU_DMA_GRANT) ---------------------------------------------- */
static int grant_page(struct rgpu_linux *l, void *va, u64 *dma)
{
    struct rgpu_grant_req req = { .va = (uintptr_t)va };

    if (ioctl(l->grant_fd, RGPU_GRANT_IOC_GRANT, &req))
        return -errno;
    *dma = RGPU_GRANT_DMA_BIT | (u64)req.gref << 12;
    l->grants++;
    if (++l->grants_live > l->grants_peak)
        l->grants_peak = l->grants_live;
    return 0;
}

static void ungrant_page(struct rgpu_linux *l, u64 dma)
{
    struct rgpu_grant_req req = { .gref = (u32)((dma & ~RGPU_GRANT_DMA_BIT) >> 12) };

    if (!(dma & RGPU_GRANT_DMA_BIT))
        return;
    if (ioctl(l->grant_fd, RGPU_GRANT_IOC_UNGRANT, &req)) {
        snprintf(l->err, sizeof(l->err), "ending grant %u: %s", req.gref, strerror(errno));
        return;
    }
    l->ungrants++;
    l->grants_live--;
    if (req.flags & RGPU_GRANT_DEFERRED)
        l->grants_deferred++;
}

/*
 * Pages the device may access must not move while it holds their address:
 * no transparent huge pages (khugepaged would copy them into a huge page)
 * and locked (never swapped; mlock also faults them in, writable, so none
 * is the shared zero page).  In grant mode each page is then granted to
 * dom0 (the guest kernel pins it while granted) and its DMA address is the
 * grant's.
 */
static int lx_alloc_pages(void *ctx, size_t npages, void **cpu, u64 *dma)
{
    struct rgpu_linux *l = ctx;
    size_t len = npages * PAGE_SIZE, i;
    unsigned char *p;
    int rc = 0;

    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    madvise(p, len, MADV_NOHUGEPAGE);
    if (mlock(p, len)) {
        rc = -errno;
        munmap(p, len);
        return rc;
    }
    for (i = 0; i < npages; i++) {
        p[i * PAGE_SIZE] = 0;   /* a private page of our own, written */
        if (l->dma_mode == RGPU_DMA_GRANT)
            rc = grant_page(l, p + i * PAGE_SIZE, &dma[i]);
        else
            rc = rgpu_linux_virt_to_phys(l, p + i * PAGE_SIZE, &dma[i]);
        if (rc)
            break;
    }
    if (rc) {
        if (l->dma_mode == RGPU_DMA_GRANT)
            while (i-- > 0)     /* pages 0 .. i-1 were granted */
                ungrant_page(l, dma[i]);
        munmap(p, len);
        return rc;
    }
    l->pages_allocated += npages;
    *cpu = p;
    return 0;
}

/* The device no longer names these pages (the library unmapped them from
 * the GTT first): end their grants, then unmap them. */
static void lx_free_pages(void *ctx, void *cpu, size_t npages, const u64 *dma)
{
    struct rgpu_linux *l = ctx;

    if (!cpu)
        return;
    if (l->dma_mode == RGPU_DMA_GRANT)
        for (size_t i = 0; i < npages; i++)
            ungrant_page(l, dma[i]);
    munmap(cpu, npages * PAGE_SIZE);
    l->pages_allocated -= npages;
}

static void lx_relax(void *ctx)
{
    const struct timespec ts = { 0, 50000 };

    (void)ctx;
    nanosleep(&ts, NULL);
}

static u64 lx_now_ns(void *ctx)
{
    struct timespec ts;

    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* INTx: rgpu_uio masked the line when it fired; IIR was acknowledged
 * since, so unmask it (write 1) for the next condition.  MSI: nothing. */
static void lx_irq_eoi(void *ctx)
{
    struct rgpu_linux *l = ctx;
    u32 on = 1;

    if (!strcmp(l->irq_mode, "intx") && write(l->uio_fd, &on, sizeof(on)) != sizeof(on))
        snprintf(l->err, sizeof(l->err), "unmasking INTx: %s", strerror(errno));
}

/* Sleep until rgpu_uio reports an interrupt or the timeout passes.  The
 * library re-reads IIR either way, so a spurious return is harmless.  The
 * line is unmasked first in case nobody acknowledged since it fired. */
static int lx_wait_irq(void *ctx, u64 timeout_ns)
{
    struct rgpu_linux *l = ctx;
    struct pollfd pfd = { .fd = l->uio_fd, .events = POLLIN };
    u32 count;
    int n;

    lx_irq_eoi(l);
    n = poll(&pfd, 1, (int)((timeout_ns + 999999) / 1000000));
    if (n < 0)
        return -errno;
    if (!n)
        return -ETIMEDOUT;
    if (read(l->uio_fd, &count, sizeof(count)) != sizeof(count))
        return -EIO;
    l->irqs = count - l->irq_base;
    return 0;
}

int rgpu_linux_irq_update(struct rgpu_linux *l)
{
    unsigned long count;
    int rc;

    if (l->uio_fd < 0)
        return -ENODEV;
    rc = read_dec_file(l->uio_dir, "event", &count);
    if (!rc)
        l->irqs = (u32)((u32)count - l->irq_base);
    return rc;
}

/* rgpu_uio bound to the function: <dir>/uio/uioN exists. */
static int open_uio(struct rgpu_linux *l)
{
    char path[700], name[256] = "";
    unsigned long base;
    struct dirent *e;
    DIR *dir;
    int fd, n;

    snprintf(path, sizeof(path), "%s/uio", l->dir);
    dir = opendir(path);
    if (!dir)
        return 0;
    while ((e = readdir(dir)))
        if (!strncmp(e->d_name, "uio", 3))
            snprintf(name, sizeof(name), "%s", e->d_name);
    closedir(dir);
    if (!name[0])
        return 0;
    snprintf(path, sizeof(path), "%s/uio/%s/version", l->dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    n = (int)read(fd, l->irq_mode, sizeof(l->irq_mode) - 1);
    close(fd);
    l->irq_mode[n > 0 ? n : 0] = '\0';
    l->irq_mode[strcspn(l->irq_mode, "\n")] = '\0';
    snprintf(l->uio_dir, sizeof(l->uio_dir), "%s/uio/%s", l->dir, name);
    if (!read_dec_file(l->uio_dir, "event", &base))
        l->irq_base = (u32)base;
    snprintf(path, sizeof(path), "/dev/%s", name);
    l->uio_fd = open(path, O_RDWR | O_CLOEXEC);
    if (l->uio_fd < 0)
        return -errno;
    return 0;
}

/* ---- open / close ------------------------------------------------------ */
const char *rgpu_linux_dma_name(enum rgpu_dma_mode mode)
{
    return mode == RGPU_DMA_GRANT ? "grant" : "phys";
}

int rgpu_linux_open(struct rgpu_linux *l, const char *sbdf, struct rgpu_platform *plat)
{
    const char *e = getenv("RGPU_DMA");

    return rgpu_linux_open_dma(l, sbdf, e && !strcmp(e, "grant") ? RGPU_DMA_GRANT : RGPU_DMA_PHYS,
                               plat);
}

int rgpu_linux_open_dma(struct rgpu_linux *l, const char *sbdf, enum rgpu_dma_mode mode,
                        struct rgpu_platform *plat)
{
    char path[384];
    u16 cmd;
    void *p;
    int rc;

    memset(l, 0, sizeof(*l));
    l->res_fd = l->cfg_fd = l->pagemap_fd = l->uio_fd = l->grant_fd = -1;
    l->dma_mode = mode;
    snprintf(l->irq_mode, sizeof(l->irq_mode), "poll");
    rc = find_device(l, sbdf);
    if (rc)
        return fail(l, rc, "no PCI function %04x:%04x%s%s", RGPU_PCI_VENDOR_ID, RGPU_PCI_DEVICE_ID,
                    sbdf ? " at " : "", sbdf ? sbdf : "");
    /* pci_enable_device(): memory decode for the BARs it has.  A bound
     * driver (rgpu_uio) enabled it already, and sysfs refuses then. */
    snprintf(path, sizeof(path), "%s/driver", l->dir);
    if (access(path, F_OK)) {
        rc = write_file(l->dir, "enable", "1");
        if (rc)
            return fail(l, rc, "%s/enable: %s", l->dir, strerror(-rc));
    }
    snprintf(path, sizeof(path), "%s/config", l->dir);
    l->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
    if (l->cfg_fd < 0)
        return fail(l, -errno, "%s: %s", path, strerror(errno));
    rc = open_uio(l);
    if (rc)
        return fail(l, rc, "rgpu_uio is bound to %s but its device: %s", l->dir, strerror(-rc));
    if (rgpu_linux_cfg_read16(l, PCI_CFG_COMMAND, &cmd))
        return fail(l, -EIO, "reading the command register failed");
    cmd |= PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER;
    if (l->uio_fd < 0)
        cmd |= PCI_CFG_COMMAND_INTX_DISABLE;
    if (rgpu_linux_cfg_write16(l, PCI_CFG_COMMAND, cmd) || rgpu_linux_cfg_read16(l, PCI_CFG_COMMAND, &cmd))
        return fail(l, -EIO, "writing the command register failed");
    if ((cmd & (PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER)) !=
        (PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER))
        return fail(l, -EIO, "command register 0x%04x: memory decode or bus master did not stick",
                    cmd);
    rc = bar0_range(l);
    if (rc)
        return fail(l, rc, "BAR0 of %s has no address", l->dir);
    snprintf(path, sizeof(path), "%s/resource0", l->dir);
    l->res_fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
    if (l->res_fd < 0)
        return fail(l, -errno, "%s: %s", path, strerror(errno));
    p = mmap(NULL, l->bar0_size, PROT_READ | PROT_WRITE, MAP_SHARED, l->res_fd, 0);
    if (p == MAP_FAILED)
        return fail(l, -errno, "mmap %s: %s", path, strerror(errno));
    l->bar0 = p;
    l->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (l->pagemap_fd < 0)
        return fail(l, -errno, "/proc/self/pagemap: %s", strerror(errno));
    if (mode == RGPU_DMA_GRANT) {
        l->grant_fd = open(RGPU_GRANT_DEVICE, O_RDWR | O_CLOEXEC);
        if (l->grant_fd < 0)
            return fail(l, -errno, "DMA by grant: %s: %s (rgpu_uio loaded, in a Xen guest "
                        "with a grant table?)", RGPU_GRANT_DEVICE, strerror(errno));
    }

    memset(plat, 0, sizeof(*plat));
    plat->ctx = l;
    plat->read32 = lx_read32;
    plat->write32 = lx_write32;
    plat->read64 = lx_read64;
    plat->write64 = lx_write64;
    plat->alloc_pages = lx_alloc_pages;
    plat->free_pages = lx_free_pages;
    plat->relax = lx_relax;
    plat->now_ns = lx_now_ns;
    if (l->uio_fd >= 0) {
        plat->wait_irq = lx_wait_irq;
        plat->irq_eoi = lx_irq_eoi;
    }
    return 0;
}

void rgpu_linux_close(struct rgpu_linux *l)
{
    if (l->bar0)
        munmap((void *)l->bar0, l->bar0_size);
    l->bar0 = NULL;
    if (l->res_fd >= 0)
        close(l->res_fd);
    if (l->cfg_fd >= 0)
        close(l->cfg_fd);
    if (l->pagemap_fd >= 0)
        close(l->pagemap_fd);
    if (l->uio_fd >= 0)
        close(l->uio_fd);
    /* Ends whatever is still granted (the guest kernel revokes it all). */
    if (l->grant_fd >= 0)
        close(l->grant_fd);
    l->res_fd = l->cfg_fd = l->pagemap_fd = l->uio_fd = l->grant_fd = -1;
}
