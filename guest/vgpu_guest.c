/*
 * vgpu_guest.c - vgpu-guest: the vGPU's scenarios from inside a guest.
 *
 * A static program for the rig's guests (Xen HVM, and the KVM path's L2
 * guest where the vGPU is an mdev behind vfio-pci).  It finds the
 * reference GPU function (1234:6770), drives it through the guest library
 * on its Linux platform (BAR0 through sysfs resource0, DMA pages locked
 * and translated through /proc/self/pagemap -- or, with --dma grant in a
 * Xen guest, granted to dom0 through rgpu_uio's /dev/rgpu-grant and
 * addressed by grant --, interrupts through the rgpu_uio driver when it
 * is bound) and runs the scenarios vgpu-sim runs (guest/scenarios/, in
 * their lighter form), each checked byte-exact by the CPU, plus the two
 * only a guest can run (vgpu_guest_scn.c: probe, track).  Run with --help.
 *
 * Output: one line per scenario,
 *     PASS <name> <seconds>s traps=<n> irqs=<n> <detail>
 *     FAIL <name> <seconds>s traps=<n> irqs=<n> <why>
 * (traps: register accesses, each a VM exit served by the device model;
 * irqs: interrupts the guest kernel took), then `<N> passed, <M> failed`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vgpu_guest.h"

struct rgpu_linux vg_lx;
struct rgpu_platform vg_plat;
struct rgpu_dev *vg_dev;
const char *vg_sbdf;
enum rgpu_dma_mode vg_dma;
static unsigned int passed, failed;

static u64 vg_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* What a guest sees that the in-process harness does not: the interrupts
 * its kernel took (rgpu_uio's event count). */
static u64 ext_irqs(struct scn *s)
{
    rgpu_linux_irq_update(&vg_lx);
    return vg_lx.irqs;
}

static const struct scn_ext vg_ext = { .irqs = ext_irqs };

/* The lighter run: every register access is a trap to the device model
 * (~12 ms under the rig's TCG).  The device is set by probe, the rings'
 * size by map. */
struct scn vg_scn = {
    .ring_pages = 1,
    .status_every_ns = 100000000,       /* RING_STATUS at most every 100 ms */
    .beyond_ram = 0x1000000000ull,      /* 64 GiB: no rig guest has memory there */
    .ext = &vg_ext,
    .rng = 0x9e3779b97f4a7c15ull,
};

/* ------------------------------------------------------------ the runner */
struct scenario {
    const char *name;
    bool (*fn)(struct scn *s);
    const char *what;
};

/* probe and map open the device and set up its rings: every run starts
 * with them, whatever --scenario says. */
static const struct scenario scenarios[] = {
    { "probe", vg_scn_probe, "find 1234:6770, map BAR0, identify the device (setup)" },
    { "pvinfo", scn_pvinfo, "PV info page: the slice, capabilities, reserved words" },
    { "map", scn_map, "rings and status pages; BOs mapped by batched and window GTT updates (setup)" },
    { "fill", scn_fill, "COLOR_FILL rectangles of 8/16/32 bpp, odd pitches, both engines" },
    { "copy", scn_copy, "SRC_COPY of each bpp, window- and batch-mapped BOs; the source unchanged" },
    { "batch", scn_batch, "batches nested to depth 2, rewritten after submission" },
    { "store", scn_store, "STORE_DATA_IMM/INDEX, 240 submissions over ring wraps, LRI to scratch" },
    { "irq", scn_irq, "user and completion interrupts delivered to the guest kernel (MSI)" },
    { "display", scn_display, "plane on a surface in the slice; vblank interrupts, FRMCOUNT" },
    { "track", vg_scn_track, "a tracked guest page: CPU writes trap, land and are counted" },
    { "malicious", scn_malicious, "forbidden commands, addresses, PTEs, malformed streams, registers contained" },
};
#define NSCN (sizeof(scenarios) / sizeof(scenarios[0]))
#define NSETUP 3                /* probe, pvinfo, map: always selected */

/* Counters of closed rounds (rgpu_linux_open starts its own at zero). */
static u64 total_reads, total_writes, total_irqs;
static u64 total_grants, total_ungrants, total_deferred, peak_grants, grants_left;

static void report(const char *name, bool ok, u64 t0, u64 traps0, u64 irqs0)
{
    u64 traps = vg_lx.mmio_reads + vg_lx.mmio_writes - traps0;

    printf("%s %s %.2fs traps=%llu irqs=%llu %s\n", ok ? "PASS" : "FAIL", name,
           (double)(vg_now_ns() - t0) / 1e9, (unsigned long long)traps,
           (unsigned long long)(vg_lx.irqs - irqs0), ok ? vg_scn.note : vg_scn.err);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
    scn_reset(&vg_scn);
}

static void close_device(void)
{
    if (vg_dev)
        rgpu_close(vg_dev);
    vg_dev = NULL;
    vg_scn.dev = NULL;
    /* Every page was freed, so every grant ended, before the platform
     * closes (which would end the rest). */
    grants_left += vg_lx.grants_live;
    rgpu_linux_close(&vg_lx);
    total_reads += vg_lx.mmio_reads;
    total_writes += vg_lx.mmio_writes;
    total_irqs += vg_lx.irqs;
    total_grants += vg_lx.grants;
    total_ungrants += vg_lx.ungrants;
    total_deferred += vg_lx.grants_deferred;
    if (vg_lx.grants_peak > peak_grants)
        peak_grants = vg_lx.grants_peak;
    vg_lx.mmio_reads = vg_lx.mmio_writes = vg_lx.irqs = 0;
    vg_lx.grants = vg_lx.ungrants = vg_lx.grants_deferred = 0;
    vg_lx.grants_live = vg_lx.grants_peak = 0;
}

static void vg_seed(unsigned long v)
{
    vg_scn.rng = v ? v : 0x9e3779b97f4a7c15ull;  /* xorshift never leaves 0 */
}

/* One round: the selected scenarios in table order.  Without a device,
 * rings or mappings (probe, map failed) nothing else can run. */
static void run_round(const bool *want)
{
    for (size_t i = 0; i < NSCN; i++) {
        u64 t0 = vg_now_ns(), traps0, irqs0;
        bool ok;

        rgpu_linux_irq_update(&vg_lx);
        traps0 = vg_lx.mmio_reads + vg_lx.mmio_writes;
        irqs0 = vg_lx.irqs;
        if (!want[i])
            continue;
        ok = scenarios[i].fn(&vg_scn);
        rgpu_linux_irq_update(&vg_lx);
        report(scenarios[i].name, ok, t0, traps0, irqs0);
        if (!ok && (!strcmp(scenarios[i].name, "probe") || !strcmp(scenarios[i].name, "map")))
            break;
    }
    close_device();
}

static void usage(FILE *f)
{
    fprintf(f,
"NAME\n"
"    vgpu-guest - run the vGPU scenarios from inside a guest\n"
"\n"
"SYNOPSIS\n"
"    vgpu-guest [--device SBDF] [--scenario NAME[,NAME...]|all] [--rounds N] [--seed N]\n"
"               [--dma phys|grant]\n"
"    vgpu-guest --list | --help\n"
"\n"
"DESCRIPTION\n"
"    Finds the reference GPU function (PCI 1234:6770), maps its BAR0 through\n"
"    sysfs, and drives it as the guest driver would: GTT mappings, rings,\n"
"    commands, interrupts, display.  Every result is checked byte-exact by\n"
"    the CPU against a reference image.  DMA pages are locked anonymous memory\n"
"    whose guest-physical addresses come from /proc/self/pagemap: the guest\n"
"    must have no IOMMU in front of the function.  Interrupts need the\n"
"    rgpu_uio driver (guest/kmod/) bound to the function; without it the irq\n"
"    and display scenarios fail and say so.  Needs root.\n"
"\n"
"    With --dma grant (Xen guests), every DMA address handed to the device\n"
"    (PTEs, rings, status pages, GTT update lists) is a grant address instead:\n"
"    the page is granted to dom0 through /dev/rgpu-grant (rgpu_uio, loaded in a\n"
"    guest with a Xen grant table) and named as 1<<63 | gref<<12, as Linux's\n"
"    grant DMA ops do.  The tracked page (track) is still named by its\n"
"    guest-physical address, and malicious still crafts physical addresses.\n"
"\n"
"    Each scenario prints one line:\n"
"        PASS|FAIL <name> <seconds>s traps=<n> irqs=<n> <detail>\n"
"    traps counts the register accesses (each one a VM exit served by the\n"
"    device model), irqs the interrupts the guest kernel took.  A last line\n"
"    says `<N> passed, <M> failed`.\n"
"\n"
"OPTIONS\n"
"    --device SBDF   the function to use (e.g. 0000:00:05.0); default: the\n"
"                    first 1234:6770 in /sys/bus/pci/devices\n"
"    --scenario LIST comma-separated scenarios, or all (default).  probe and\n"
"                    map always run first: they open the device and set up\n"
"                    its rings\n"
"    --rounds N      run the selection N times (default 1); the device is\n"
"                    closed and reopened between rounds\n"
"    --seed N        seed of the random rectangles and contents\n"
"    --dma MODE      phys (default, or RGPU_DMA from the environment): guest\n"
"                    physical addresses from /proc/self/pagemap; grant: grant\n"
"                    addresses from /dev/rgpu-grant.  The output's first line\n"
"                    says which (`vgpu-guest: dma by grant`); in grant mode a\n"
"                    line before the totals counts the grants\n"
"    --list          list the scenarios and exit\n"
"    --help          this text\n"
"\n"
"SCENARIOS\n");
    for (size_t i = 0; i < NSCN; i++)
        fprintf(f, "    %-10s %s\n", scenarios[i].name, scenarios[i].what);
    fprintf(f,
"\n"
"EXIT STATUS\n"
"    0 if every scenario of every round passed, 1 if any failed, 2 for a\n"
"    usage error.\n"
"\n"
"EXAMPLES\n"
"    vgpu-guest\n"
"    vgpu-guest --scenario fill,irq --rounds 3\n"
"    vgpu-guest --dma grant\n");
}

static bool select_scenarios(const char *list, bool *want)
{
    char *copy = strdup(list), *save = NULL, *tok;
    bool ok = true;

    if (!copy)
        return false;
    for (tok = strtok_r(copy, ",", &save); tok && ok; tok = strtok_r(NULL, ",", &save)) {
        size_t i;

        if (!strcmp(tok, "all")) {
            for (i = 0; i < NSCN; i++)
                want[i] = true;
            continue;
        }
        for (i = 0; i < NSCN && strcmp(tok, scenarios[i].name); i++)
            ;
        if (i == NSCN) {
            fprintf(stderr, "vgpu-guest: unknown scenario '%s' (try --list)\n", tok);
            ok = false;
        } else {
            want[i] = true;
        }
    }
    free(copy);
    return ok;
}

int main(int argc, char **argv)
{
    bool want[NSCN] = { false }, any = false;
    unsigned long rounds = 1;
    u64 t_all = vg_now_ns();
    const char *env_dma = getenv("RGPU_DMA");

    setvbuf(stdout, NULL, _IOLBF, 0);
    vg_dma = env_dma && !strcmp(env_dma, "grant") ? RGPU_DMA_GRANT : RGPU_DMA_PHYS;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
        char *end;

        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--list")) {
            for (size_t k = 0; k < NSCN; k++)
                printf("%s\n", scenarios[k].name);
            return 0;
        } else if (!strcmp(o, "--scenario") && arg) {
            if (!select_scenarios(arg, want))
                return 2;
            any = true;
            i++;
        } else if (!strcmp(o, "--dma") && arg) {
            if (!strcmp(arg, "grant")) {
                vg_dma = RGPU_DMA_GRANT;
            } else if (!strcmp(arg, "phys")) {
                vg_dma = RGPU_DMA_PHYS;
            } else {
                fprintf(stderr, "vgpu-guest: bad --dma '%s' (phys or grant)\n", arg);
                return 2;
            }
            i++;
        } else if (!strcmp(o, "--device") && arg) {
            vg_sbdf = arg;
            i++;
        } else if ((!strcmp(o, "--rounds") || !strcmp(o, "--seed")) && arg) {
            unsigned long v = strtoul(arg, &end, 0);

            if (*end || (o[2] == 'r' && (v < 1 || v > 1000000))) {
                fprintf(stderr, "vgpu-guest: bad %s '%s'\n", o, arg);
                return 2;
            }
            if (o[2] == 'r')
                rounds = v;
            else
                vg_seed(v);
            i++;
        } else {
            fprintf(stderr, "vgpu-guest: unknown or incomplete option '%s' (try --help)\n", o);
            return 2;
        }
    }
    for (size_t i = 0; i < NSCN; i++)
        want[i] = want[i] || !any || i < NSETUP;
    printf("vgpu-guest: dma by %s\n", vg_dma == RGPU_DMA_GRANT ? "grant" : "phys (pagemap)");
    for (unsigned long r = 0; r < rounds; r++) {
        if (rounds > 1)
            printf("vgpu-guest: round %lu of %lu\n", r + 1, rounds);
        run_round(want);
    }
    printf("vgpu-guest: %.1fs, %llu register reads, %llu writes, %llu interrupts (%s)\n",
           (double)(vg_now_ns() - t_all) / 1e9, (unsigned long long)total_reads,
           (unsigned long long)total_writes, (unsigned long long)total_irqs, vg_lx.irq_mode);
    if (vg_dma == RGPU_DMA_GRANT)
        printf("vgpu-guest: grants: %llu made, %llu ended (%llu deferred: dom0 still mapped the "
               "page), at most %llu held at once, %llu left at close\n",
               (unsigned long long)total_grants, (unsigned long long)total_ungrants,
               (unsigned long long)total_deferred, (unsigned long long)peak_grants,
               (unsigned long long)grants_left);
    printf("%u passed, %u failed\n", passed, failed);
    return failed || !passed ? 1 : 0;
}
