/*
 * vfio-abuse: drive a vgpu_mdev instance through raw VFIO from userspace,
 * the way a buggy or hostile VMM (or a guest through one) could, and check
 * that the module survives and behaves: runs in the kvm-l1 host
 * (job kvm-vgpu), before the kernel log is checked for oopses.
 *
 *   vfio-abuse [--display] /sys/bus/mdev/devices/<uuid> [iterations]
 *
 * 1. DMA withdrawal under load: IOVA buffer mapped, 512 GTT entries pinned,
 *    the render engine busy with large fills in it, then VFIO_IOMMU_UNMAP_DMA
 *    of the whole buffer: the module's dma_unmap callback must drop and
 *    unpin every entry (type1 refuses to complete the unmap otherwise) and
 *    the engine must fault instead of writing freed memory.
 * 2. Malformed requests: region info/read/write with bad indices, offsets,
 *    lengths; SET_IRQS with bad sizes, indices, counts, flags and fds;
 *    eventfd loopback for MSI and INTx with mask/unmask.
 * 3. With --display (job kvm-display), the display region plane
 *    (VFIO_DEVICE_QUERY_GFX_PLANE): a plane the
 *    "guest" (this program, through BAR0) points at its pages shows them,
 *    byte for byte, in the read-only mmap of region 9; hostile planes
 *    (outside the slice, past its end, sizes beyond the type's maximum,
 *    strides that overflow, unmapped pages, pipe off) show nothing.
 * 4. Random BAR0 and config-space writes (seeded), GFX and VFIO resets.
 *
 * Prints "vfio-abuse: PASS ..." and exits 0, or names the failed check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#include "../../core/hw_regs.h"
#include "../../core/hw_cmds.h"

#define IOVA      0x10000000ull
#define DISPLAY_REGION (VFIO_PCI_NUM_REGIONS)   /* vgpu_mdev's region plane */
#define NUM_REGIONS    (VFIO_PCI_NUM_REGIONS + 1)
#define BUF_SIZE  (4ull << 20)
#define NPAGES    512u

static int dev_fd, container_fd;
static unsigned int checks;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            printf("vfio-abuse: FAIL line %d: ", __LINE__);                   \
            printf(__VA_ARGS__);                                              \
            printf(" (errno %d %s)\n", errno, strerror(errno));               \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static u64 roff(u32 index, u64 off) { return ((u64)index << 40) | off; }

static u32 rd32(u64 off)
{
    u32 v = 0;

    CHECK(pread(dev_fd, &v, 4, (off_t)roff(VFIO_PCI_BAR0_REGION_INDEX, off)) == 4, "read 0x%llx",
          (unsigned long long)off);
    return v;
}

static void wr32(u64 off, u32 v)
{
    CHECK(pwrite(dev_fd, &v, 4, (off_t)roff(VFIO_PCI_BAR0_REGION_INDEX, off)) == 4,
          "write 0x%llx", (unsigned long long)off);
}

static void wr64(u64 off, u64 v)
{
    CHECK(pwrite(dev_fd, &v, 8, (off_t)roff(VFIO_PCI_BAR0_REGION_INDEX, off)) == 8,
          "write64 0x%llx", (unsigned long long)off);
}

static u64 rd64(u64 off)
{
    u64 v = 0;

    CHECK(pread(dev_fd, &v, 8, (off_t)roff(VFIO_PCI_BAR0_REGION_INDEX, off)) == 8, "read64");
    return v;
}

static int dma_map(void *va, u64 iova, u64 size)
{
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (u64)(uintptr_t)va, .iova = iova, .size = size,
    };

    return ioctl(container_fd, VFIO_IOMMU_MAP_DMA, &m);
}

static u64 dma_unmap(u64 iova, u64 size)
{
    struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };

    CHECK(ioctl(container_fd, VFIO_IOMMU_UNMAP_DMA, &u) == 0, "UNMAP_DMA");
    return u.size;
}

static int set_irqs(u32 flags, u32 index, u32 start, u32 count, const void *data, size_t dlen,
                    u32 argsz_override)
{
    char buf[sizeof(struct vfio_irq_set) + 64];
    struct vfio_irq_set *s = (void *)buf;

    memset(buf, 0, sizeof(buf));
    s->argsz = argsz_override ? argsz_override : (u32)(sizeof(*s) + dlen);
    s->flags = flags;
    s->index = index;
    s->start = start;
    s->count = count;
    if (dlen)
        memcpy(s->data, data, dlen);
    return ioctl(dev_fd, VFIO_DEVICE_SET_IRQS, s);
}

static u64 rng = 0x2545f4914f6cdd1dull;
static u64 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void open_device(const char *sysfs)
{
    char link[PATH_MAX], path[PATH_MAX + 32], *dup;
    struct vfio_group_status gs = { .argsz = sizeof(gs) };
    int group_fd, n;

    snprintf(path, sizeof(path), "%s/iommu_group", sysfs);
    n = (int)readlink(path, link, sizeof(link) - 1);
    CHECK(n > 0, "readlink %s", path);
    link[n] = 0;
    snprintf(path, sizeof(path), "/dev/vfio/%s", basename(link));
    container_fd = open("/dev/vfio/vfio", O_RDWR);
    CHECK(container_fd >= 0, "open /dev/vfio/vfio");
    CHECK(ioctl(container_fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION, "API version");
    group_fd = open(path, O_RDWR);
    CHECK(group_fd >= 0, "open %s", path);
    CHECK(ioctl(group_fd, VFIO_GROUP_GET_STATUS, &gs) == 0 && (gs.flags & VFIO_GROUP_FLAGS_VIABLE),
          "group viable");
    CHECK(ioctl(group_fd, VFIO_GROUP_SET_CONTAINER, &container_fd) == 0, "SET_CONTAINER");
    CHECK(ioctl(container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0, "SET_IOMMU");
    dup = strdup(sysfs);
    dev_fd = ioctl(group_fd, VFIO_GROUP_GET_DEVICE_FD, basename(dup));
    CHECK(dev_fd >= 0, "GET_DEVICE_FD %s", basename(dup));
    free(dup);
}

/* 1. DMA withdrawal while the engine works in the range. */
static void test_dma_withdrawal(void)
{
    u8 *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                   -1, 0);
    u64 gm, unmapped, pte;
    u32 *ring, i, n = 0, e = RGPU_ENGINE_BASE(RGPU_ENGINE_RENDER), st;

    CHECK(buf != MAP_FAILED, "mmap");
    CHECK(dma_map(buf, IOVA, BUF_SIZE) == 0, "MAP_DMA");
    CHECK(rd32(RGPU_PVINFO_BASE + RGPU_PVINFO_MAGIC) == RGPU_PVINFO_MAGIC_VALUE, "PV info magic");
    gm = rd64(RGPU_PVINFO_BASE + RGPU_PVINFO_GM_BASE);
    for (i = 0; i < NPAGES; i++)
        wr64(RGPU_GTT_BASE + ((gm >> 12) + i) * 8, (IOVA + (u64)i * 4096) | RGPU_PTE_VALID);
    pte = rd64(RGPU_GTT_BASE + ((gm >> 12) + 7) * 8);
    CHECK(pte == ((IOVA + 7 * 4096) | RGPU_PTE_VALID), "PTE readback 0x%llx", (unsigned long long)pte);

    /* Page 0: ring of 32 bpp fills over pages 2..NPAGES-1; page 1: HWS. */
    ring = (u32 *)buf;
    while (n + 5 <= 1000) {
        ring[n++] = RGPU_CMD(RGPU_OP_COLOR_FILL, RGPU_LEN_COLOR_FILL);
        ring[n++] = (u32)gm + 2 * 4096;
        ring[n++] = RGPU_PITCH_BPP(4096, RGPU_BPP_32);
        ring[n++] = RGPU_SIZE(1024, NPAGES - 2);
        ring[n] = 0x01010101u * (n & 0xff);
        n++;
    }
    wr32(e + RGPU_RING_START, (u32)gm);
    wr32(e + RGPU_RING_HWS, (u32)gm + 4096);
    wr32(e + RGPU_RING_CTL, RGPU_RING_CTL_ENABLE | RGPU_RING_CTL_SIZE(1));
    wr32(e + RGPU_RING_TAIL, n * 4);             /* submit */
    usleep(2000);
    /* Withdraw the whole buffer while the fills run (type1 calls the
     * module's dma_unmap, which must unpin all 512 pages first). */
    unmapped = dma_unmap(IOVA, BUF_SIZE);
    CHECK(unmapped == BUF_SIZE, "unmapped 0x%llx", (unsigned long long)unmapped);
    /* The guest's PTEs are kept, read back invalid while their page is
     * unmapped (hw-spec 1.1 section 2.2); the engine ends idle or in error,
     * never hangs. */
    pte = rd64(RGPU_GTT_BASE + ((gm >> 12) + 7) * 8);
    CHECK(pte == IOVA + 7 * 4096, "PTE kept, invalid, after unmap: 0x%llx",
          (unsigned long long)pte);
    for (i = 0; i < 500; i++) {
        st = rd32(e + RGPU_RING_STATUS);
        if (st & (RGPU_RING_STATUS_IDLE | RGPU_RING_STATUS_ERROR))
            break;
        usleep(10000);
    }
    printf("vfio-abuse: withdrawal: ring status 0x%x error %u head 0x%x of 0x%x\n", st,
           rd32(e + RGPU_RING_ERROR), rd32(e + RGPU_RING_HEAD), n * 4);
    CHECK(st & (RGPU_RING_STATUS_IDLE | RGPU_RING_STATUS_ERROR), "engine settles (0x%x)", st);

    /* Mapped again, a rewritten PTE pins again; then a second withdrawal. */
    CHECK(dma_map(buf, IOVA, BUF_SIZE) == 0, "MAP_DMA again");
    wr64(RGPU_GTT_BASE + (gm >> 12) * 8, IOVA | RGPU_PTE_VALID);
    CHECK(dma_unmap(IOVA, BUF_SIZE) == BUF_SIZE, "second unmap");
    /* A PTE naming an IOVA that is not mapped stays unshadowed. */
    wr64(RGPU_GTT_BASE + (gm >> 12) * 8, 0x7777000ull | RGPU_PTE_VALID);
    wr32(e + RGPU_RING_RESET, 1);
    munmap(buf, BUF_SIZE);
}

/* 3. The display region plane. */
static int query_plane(struct vfio_device_gfx_plane_info *p, u32 flags)
{
    memset(p, 0, sizeof(*p));
    p->argsz = sizeof(*p);
    p->flags = flags;
    p->drm_plane_type = 1;      /* DRM_PLANE_TYPE_PRIMARY */
    return ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, p);
}

/* The plane registers as a guest would write them; then the answer. */
static u32 plane_size_shown(u64 surf, u32 stride, u32 size)
{
    struct vfio_device_gfx_plane_info p;

    wr32(RGPU_PLANE_SURF, (u32)surf);
    wr32(RGPU_PLANE_STRIDE, stride);
    wr32(RGPU_PLANE_SIZE, size);
    CHECK(query_plane(&p, VFIO_GFX_PLANE_TYPE_REGION) == 0, "QUERY_GFX_PLANE");
    CHECK(p.size == 0 || (p.drm_format && p.region_index == DISPLAY_REGION), "plane answer");
    return p.size;
}

static void test_display(void)
{
    const u32 w = 64, h = 64, pages = 16;
    u8 *buf = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    struct vfio_device_gfx_plane_info p;
    struct vfio_region_info ri = { .argsz = sizeof(ri), .index = DISPLAY_REGION };
    u64 gm, gsize;
    u32 i, max_w, max_h;
    u8 *view;

    CHECK(buf != MAP_FAILED, "mmap");
    for (i = 0; i < pages * 4096; i++)
        buf[i] = (u8)(i * 7 + (i >> 12));
    CHECK(dma_map(buf, IOVA, pages * 4096) == 0, "MAP_DMA");
    gm = rd64(RGPU_PVINFO_BASE + RGPU_PVINFO_GM_BASE);
    gsize = rd64(RGPU_PVINFO_BASE + RGPU_PVINFO_GM_SIZE);
    max_w = rd32(RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_WIDTH);
    max_h = rd32(RGPU_PVINFO_BASE + RGPU_PVINFO_MAX_HEIGHT);
    for (i = 0; i < pages; i++)
        wr64(RGPU_GTT_BASE + ((gm >> 12) + i) * 8, (IOVA + (u64)i * 4096) | RGPU_PTE_VALID);

    CHECK(query_plane(&p, VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_DMABUF) < 0 &&
          errno == EINVAL, "dma-buf probe refused");
    CHECK(query_plane(&p, VFIO_GFX_PLANE_TYPE_PROBE | VFIO_GFX_PLANE_TYPE_REGION) == 0,
          "region probe");
    CHECK(query_plane(&p, VFIO_GFX_PLANE_TYPE_DMABUF) < 0 && errno == EINVAL, "dma-buf query");
    CHECK(query_plane(&p, 0x80) < 0 && errno == EINVAL, "unknown flags");
    p.argsz = 8;
    CHECK(ioctl(dev_fd, VFIO_DEVICE_QUERY_GFX_PLANE, &p) < 0 && errno == EINVAL, "small argsz");
    CHECK(ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri) == 0 &&
          (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) && !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE) &&
          ri.size >= (u64)max_w * max_h * 4, "display region info");

    /* Pipe off: nothing. */
    wr32(RGPU_PIPE_CONF, 0);
    wr32(RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888);
    CHECK(plane_size_shown(gm, w * 4, (w - 1) | (h - 1) << 16) == 0, "pipe off");
    wr32(RGPU_PIPE_CONF, RGPU_PIPE_ENABLE);
    /* A good plane: its pixels, byte for byte, in the mapped region. */
    CHECK(plane_size_shown(gm, w * 4, (w - 1) | (h - 1) << 16) == w * h * 4, "good plane");
    CHECK(query_plane(&p, VFIO_GFX_PLANE_TYPE_REGION) == 0 && p.width == w && p.height == h &&
          p.stride == w * 4 && p.drm_format == 0x34325258 /* XR24 */, "plane fields");
    CHECK(mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd, (off_t)ri.offset) ==
          MAP_FAILED, "writable mapping refused");
    CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, dev_fd, (off_t)roff(0, 0)) == MAP_FAILED,
          "BAR0 mapping refused");
    CHECK(mmap(NULL, ri.size + 4096, PROT_READ, MAP_SHARED, dev_fd, (off_t)ri.offset) ==
          MAP_FAILED, "mapping past the region refused");
    view = mmap(NULL, ri.size, PROT_READ, MAP_SHARED, dev_fd, (off_t)ri.offset);
    CHECK(view != MAP_FAILED, "mmap display region");
    CHECK(!memcmp(view, buf, w * h * 4), "region shows the plane's pixels");
    /* Hostile planes. */
    CHECK(plane_size_shown(gm - 4096, w * 4, (w - 1) | (h - 1) << 16) == 0, "before the slice");
    CHECK(plane_size_shown(gm + gsize - 4096, w * 4, (w - 1) | (h - 1) << 16) == 0,
          "past the slice end");
    CHECK(plane_size_shown(gm, w * 4, 0xffffffffu) == 0, "65536x65536");
    CHECK(plane_size_shown(gm, w * 4, (max_w) | (h - 1) << 16) == 0, "wider than the type");
    CHECK(plane_size_shown(gm, 0x3ffc0u, (w - 1) | (max_h - 1) << 16) == 0, "stride x height past the slice");
    CHECK(plane_size_shown(gm, 64, (w - 1) | (h - 1) << 16) == 0, "stride below width");
    CHECK(plane_size_shown(gm + (u64)pages * 4096, w * 4, (w - 1) | (h - 1) << 16) == 0,
          "unmapped pages");
    /* PLANE_SURF keeps bits 31:12 only: a misaligned address is the page's. */
    CHECK(plane_size_shown(gm + 2048, w * 4, (w - 1) | (h - 1) << 16) == w * h * 4,
          "misaligned surface as its page");
    /* Withdrawn memory: the plane's pages are gone, so is the picture. */
    CHECK(plane_size_shown(gm, w * 4, (w - 1) | (h - 1) << 16) == w * h * 4, "good again");
    CHECK(dma_unmap(IOVA, pages * 4096) == pages * 4096, "UNMAP_DMA");
    CHECK(plane_size_shown(gm, w * 4, (w - 1) | (h - 1) << 16) == 0, "after the unmap");
    printf("vfio-abuse: display region: %ux%u plane shown exactly, 9 hostile planes shown as off\n",
           w, h);
    munmap(view, ri.size);
    wr32(RGPU_PLANE_CTL, 0);
    wr32(RGPU_PIPE_CONF, 0);
    munmap(buf, pages * 4096);
}

/* 2. Malformed requests. */
static void test_malformed(void)
{
    struct vfio_device_info di = { .argsz = sizeof(di) };
    struct vfio_region_info ri;
    struct vfio_irq_info ii;
    u8 big[8192];
    u32 idx;
    int32_t fd;
    int efd, rc;
    u64 cnt;

    CHECK(ioctl(dev_fd, VFIO_DEVICE_GET_INFO, &di) == 0, "GET_INFO");
    CHECK((di.flags & VFIO_DEVICE_FLAGS_PCI) && (di.flags & VFIO_DEVICE_FLAGS_RESET) &&
          di.num_regions == NUM_REGIONS && di.num_irqs == VFIO_PCI_NUM_IRQS, "device info");
    di.argsz = 4;
    CHECK(ioctl(dev_fd, VFIO_DEVICE_GET_INFO, &di) < 0 && errno == EINVAL, "GET_INFO small argsz");
    for (idx = 0; idx < 64; idx++) {
        memset(&ri, 0, sizeof(ri));
        ri.argsz = sizeof(ri);
        ri.index = idx;
        rc = ioctl(dev_fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
        CHECK(idx < NUM_REGIONS ? rc == 0 : (rc < 0 && errno == EINVAL), "region %u", idx);
        if (idx == VFIO_PCI_BAR0_REGION_INDEX)
            CHECK(ri.size == RGPU_BAR0_SIZE && ri.offset == roff(0, 0), "BAR0 info");
        if (idx == VFIO_PCI_CONFIG_REGION_INDEX)
            CHECK(ri.size >= 256 && ri.offset == roff(idx, 0), "config info");
    }
    /* Reads and writes outside every region. */
    CHECK(pread(dev_fd, big, 4, (off_t)roff(NUM_REGIONS, 0)) < 0, "read region %d", NUM_REGIONS);
    CHECK(pwrite(dev_fd, big, 4, (off_t)roff(DISPLAY_REGION, 0)) < 0, "write display region");
    CHECK(pread(dev_fd, big, 4, (off_t)roff(200, 0)) < 0, "read region 200");
    CHECK(pwrite(dev_fd, big, 4, (off_t)roff(0, RGPU_BAR0_SIZE)) < 0, "write past BAR0");
    CHECK(pread(dev_fd, big, 8, (off_t)roff(0, RGPU_BAR0_SIZE - 4)) == 4 ||
          errno == EINVAL, "read straddling BAR0 end");
    CHECK(pread(dev_fd, big, 4, (off_t)roff(0, 0xffffffffffull)) < 0, "read at 2^40-1");
    CHECK(pread(dev_fd, big, 4, (off_t)roff(VFIO_PCI_ROM_REGION_INDEX, 0)) < 0, "read empty ROM");
    CHECK(pread(dev_fd, big, 16, (off_t)roff(VFIO_PCI_CONFIG_REGION_INDEX, 250)) != 16,
          "config read past 256");
    CHECK(pread(dev_fd, big, sizeof(big), (off_t)roff(0, 3)) == (ssize_t)sizeof(big),
          "long misaligned BAR read in pieces");
    CHECK(pread(dev_fd, big, 256, (off_t)roff(VFIO_PCI_CONFIG_REGION_INDEX, 0)) == 256 &&
          big[0] == 0x34 && big[1] == 0x12 && big[2] == 0x70 && big[3] == 0x67, "config ID");
    CHECK(pwrite(dev_fd, big, 3, (off_t)roff(0, 0x10)) == 3, "3-byte write split");

    /* IRQ info and SET_IRQS with everything wrong. */
    for (idx = 0; idx < 8; idx++) {
        memset(&ii, 0, sizeof(ii));
        ii.argsz = sizeof(ii);
        ii.index = idx;
        rc = ioctl(dev_fd, VFIO_DEVICE_GET_IRQ_INFO, &ii);
        CHECK(idx < VFIO_PCI_NUM_IRQS ? rc == 0 : rc < 0, "irq info %u", idx);
    }
    fd = 1000;
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 99, 0, 1, &fd, 4, 0) < 0,
          "bad index");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 5, 1, &fd, 4, 0) < 0,
          "bad start");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 0xffffffffu, &fd,
                   4, 0) < 0, "huge count");
    CHECK(set_irqs(0xffff, 1, 0, 1, &fd, 4, 0) < 0, "bad flags");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 1, &fd, 4, 8) < 0,
          "short argsz");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 1, &fd, 4, 0) < 0,
          "not an fd");
    fd = -7;
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 1, &fd, 4, 0) < 0,
          "fd -7");
    fd = 0;     /* stdin: a file, but not an eventfd */
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, 1, 0, 1, &fd, 4, 0) < 0,
          "non-eventfd fd");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSIX_IRQ_INDEX, 0,
                   1, NULL, 0, 0) < 0, "MSI-X absent");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_MSI_IRQ_INDEX, 0, 1,
                   NULL, 0, 0) < 0, "MSI not maskable");

    /* MSI and INTx eventfds: bind, loopback fire, mask/unmask, unbind. */
    efd = eventfd(0, EFD_NONBLOCK);
    CHECK(efd >= 0, "eventfd");
    fd = efd;
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "bind MSI");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0,
                   1, NULL, 0, 0) == 0, "MSI loopback");
    CHECK(read(efd, &cnt, 8) == 8 && cnt == 1, "MSI eventfd signalled");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_MSI_IRQ_INDEX, 0,
                   0, NULL, 0, 0) == 0, "disable MSI");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "bind INTx");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK, VFIO_PCI_INTX_IRQ_INDEX, 0, 1,
                   NULL, 0, 0) == 0, "mask INTx");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "INTx resample fd");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX,
                   0, 1, &fd, 4, 0) < 0, "second resample fd is busy");
    fd = -1;
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "drop resample fd");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK, VFIO_PCI_INTX_IRQ_INDEX, 0,
                   1, (u8[]){ 1 }, 1, 0) == 0, "unmask INTx (bool)");
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_INTX_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "unbind INTx");
    fd = efd;
    CHECK(set_irqs(VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_PCI_REQ_IRQ_INDEX,
                   0, 1, &fd, 4, 0) == 0, "bind REQ");
    close(efd);         /* still referenced by the module until close */
}

/* 3. Random BAR0 and config writes. */
static void test_random(unsigned long iters)
{
    unsigned long i;

    for (i = 0; i < iters; i++) {
        u64 r = rnd(), v = rnd();
        u32 size = 1u << (r & 3);
        u64 off;

        switch ((r >> 2) & 7) {
        case 0: off = (r >> 8) % 256; break;                            /* config */
        case 1: case 2: off = RGPU_GTT_BASE + ((r >> 8) % 0x800000); break;
        case 3: off = RGPU_ENGINE_BASE((r >> 8) & 1) + ((r >> 9) & 0xff); break;
        default: off = (r >> 8) % 0x12000; break;                       /* registers, PV info */
        }
        off &= ~(u64)(size - 1);
        if (((r >> 2) & 7) == 0) {
            /* Keep memory decode and the BARs alone half of the time. */
            if ((r >> 40) & 1 && off < 0x28)
                continue;
            (void)!pwrite(dev_fd, &v, size, (off_t)roff(VFIO_PCI_CONFIG_REGION_INDEX, off));
        } else if ((r >> 40) & 3) {
            CHECK(pwrite(dev_fd, &v, size, (off_t)roff(0, off)) == (ssize_t)size, "rnd write");
        } else {
            CHECK(pread(dev_fd, &v, size, (off_t)roff(0, off)) == (ssize_t)size, "rnd read");
        }
        if (i % 5000 == 4999)
            wr32(RGPU_REG_GFX_RESET, RGPU_GFX_RESET_ALL);
    }
    CHECK(ioctl(dev_fd, VFIO_DEVICE_RESET) == 0, "VFIO_DEVICE_RESET");
    CHECK(rd32(RGPU_REG_ID) == RGPU_ID_VALUE, "ID after reset");
}

int main(int argc, char **argv)
{
    int display = argc > 1 && !strcmp(argv[1], "--display");
    unsigned long iters;
    struct timespec t0, t1;

    argv += display;
    argc -= display;
    iters = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
    if (argc < 2) {
        fprintf(stderr, "usage: vfio-abuse [--display] /sys/bus/mdev/devices/<uuid> [iterations]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    open_device(argv[1]);
    CHECK(rd32(RGPU_REG_ID) == RGPU_ID_VALUE, "ID register");
    test_dma_withdrawal();
    printf("vfio-abuse: DMA withdrawal under load ok\n");
    test_malformed();
    printf("vfio-abuse: malformed requests refused ok\n");
    if (display)
        test_display();
    test_random(iters);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    close(dev_fd);
    close(container_fd);
    printf("vfio-abuse: PASS %u checks, %lu random accesses, %.1fs\n", checks, iters,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
