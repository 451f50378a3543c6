/*
 * mmio-bench: trapped MMIO round trips per second, measured inside a rig
 * guest (`make bench-rig`, docs/benchmarks.md metric 7).
 *
 *   mmio-bench SBDF OFFSET SECONDS
 *
 * Maps BAR0 of the PCI function SBDF through sysfs and, for SECONDS each,
 * reads the 32-bit register at OFFSET, then writes it, as fast as it can:
 * every access is a VM exit that the function's IOREQ server answers (the
 * null server ioreq-echo, or vgpu-backend).  Five rounds of each, so the
 * host can take a median.  Prints, per round,
 *     MMIO-BENCH: read|write round=<i> ops=<n> seconds=<s> per_sec=<r>
 * and exits 0 if every access completed (a read of all ones, the answer
 * of an unclaimed range, counts as a failure).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char path[256];
    unsigned long off;
    double secs;
    volatile uint32_t *reg;
    void *bar;
    int fd, bad = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: mmio-bench SBDF OFFSET SECONDS\n");
        return 2;
    }
    off = strtoul(argv[2], NULL, 0);
    secs = atof(argv[3]);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", argv[1]);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0) {
        fprintf(stderr, "mmio-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (bar == MAP_FAILED || off > 4092 || (off & 3)) {
        fprintf(stderr, "mmio-bench: cannot map %s at 0x%lx: %s\n", path, off, strerror(errno));
        return 1;
    }
    reg = (volatile uint32_t *)((char *)bar + off);
    for (int round = 0; round < ROUNDS; round++) {
        for (int write = 0; write < 2; write++) {
            double t0 = now_s(), t;
            unsigned long n = 0;

            do {
                for (int k = 0; k < 16; k++, n++) {
                    if (write)
                        *reg = (uint32_t)n;
                    else if (*reg == 0xffffffffu)
                        bad++;
                }
                t = now_s();
            } while (t - t0 < secs);
            printf("MMIO-BENCH: %s round=%d ops=%lu seconds=%.3f per_sec=%.1f\n",
                   write ? "write" : "read", round, n, t - t0, (double)n / (t - t0));
            fflush(stdout);
        }
    }
    munmap(bar, 4096);
    close(fd);
    if (bad)
        printf("MMIO-BENCH: %d reads returned all ones (nobody claimed the range)\n", bad);
    return bad ? 1 : 0;
}
