/*
 * mdpy-bands: paint four colour bands into the framebuffer of Linux's
 * sample display mdev `mdpy` (PCI 1b36:000f), from a rig guest (the
 * xen-mdev-peers job, tests/rig/guest/xen-mdev-peers.sh).
 *
 *   mdpy-bands SBDF
 *
 * mdpy's BAR0 is its framebuffer; its vendor capability in config space
 * gives the format (0x44, a DRM fourcc: only XRGB8888), width (0x48) and
 * height (0x4c).  The framebuffer is mapped through sysfs (resource0) and
 * filled top to bottom with red, green, blue, white bands of height/4 rows,
 * one `rep stosl` per band: under Xen every access to the BAR traps to
 * QEMU, and Xen hands a string store to QEMU a page at a time, where a
 * plain loop would cost one trap per pixel (busybox can write /dev/mem only
 * below the end of RAM, and devmem one word per process).  Then a few
 * pixels of each band are read back.  The dom0 job takes QEMU's screendump
 * of the display and checks every pixel (tests/rig/qmp-screendump.c).
 * Prints
 *     RIG-GUEST: mdpy-bands WxH format 0x... bar0 N bytes filled in S s
 *     RIG-GUEST: mdpy-bands readback ok|BAD ...
 * and exits 0 if the read-back pixels are the bands'.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define DRM_FORMAT_XRGB8888 0x34325258u    /* 'X' 'R' '2' '4' */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cfg32(int fd, off_t off, uint32_t *v)
{
    return pread(fd, v, 4, off) == 4 ? 0 : -1;
}

/* One string store: Xen forwards it to QEMU in page-sized repeats. */
static void fill32(volatile uint32_t *dst, uint32_t v, size_t n)
{
    __asm__ __volatile__("rep stosl"
                         : "+D"(dst), "+c"(n)
                         : "a"(v)
                         : "memory");
}

int main(int argc, char **argv)
{
    /* XRGB8888 little endian: 0x00RRGGBB */
    static const uint32_t colour[4] = { 0x00ff0000, 0x0000ff00, 0x000000ff, 0x00ffffff };
    char path[256];
    uint32_t fmt, w, h;
    size_t len, bad = 0;
    volatile uint32_t *fb;
    int fd;

    if (argc != 2) {
        fprintf(stderr, "usage: mdpy-bands SBDF\n");
        return 2;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[1]);
    fd = open(path, O_RDONLY);
    if (fd < 0 || cfg32(fd, 0x44, &fmt) || cfg32(fd, 0x48, &w) || cfg32(fd, 0x4c, &h)) {
        printf("RIG-GUEST: mdpy-bands cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);
    if (fmt != DRM_FORMAT_XRGB8888 || w == 0 || h < 4 || w > 8192 || h > 8192) {
        printf("RIG-GUEST: mdpy-bands unexpected mode %ux%u format 0x%08x\n", w, h, fmt);
        return 1;
    }
    len = (size_t)w * h * 4;
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0) {
        printf("RIG-GUEST: mdpy-bands %s: %s\n", path, strerror(errno));
        return 1;
    }
    fb = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fb == MAP_FAILED) {
        printf("RIG-GUEST: mdpy-bands cannot map %zu bytes of %s: %s\n", len, path, strerror(errno));
        return 1;
    }
    double t0 = now_s();

    for (int b = 0; b < 4; b++) {
        size_t y0 = (size_t)h * b / 4, y1 = (size_t)h * (b + 1) / 4;

        fill32(fb + y0 * w, colour[b], (y1 - y0) * w);
    }
    printf("RIG-GUEST: mdpy-bands %ux%u format 0x%08x bar0 %zu bytes filled in %.1f s\n",
           w, h, fmt, len, now_s() - t0);
    /* First, middle and last pixel of the first, middle and last row of each band. */
    for (int b = 0; b < 4; b++) {
        size_t y0 = (size_t)h * b / 4, y1 = (size_t)h * (b + 1) / 4;
        size_t ys[3] = { y0, (y0 + y1) / 2, y1 - 1 }, xs[3] = { 0, w / 2, w - 1 };

        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                uint32_t v = fb[ys[i] * w + xs[j]];

                if ((v & 0x00ffffff) != colour[b]) {
                    if (!bad)
                        printf("RIG-GUEST: mdpy-bands readback BAD at (%zu,%zu): 0x%08x, want 0x%08x\n",
                               xs[j], ys[i], v, colour[b]);
                    bad++;
                }
            }
    }
    if (!bad)
        printf("RIG-GUEST: mdpy-bands readback ok (36 pixels)\n");
    munmap((void *)fb, len);
    close(fd);
    return bad ? 1 : 0;
}
