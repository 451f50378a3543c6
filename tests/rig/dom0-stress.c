/*
 * dom0-stress: one short, self-verifying dom0 process for the rig-torture
 * job (docs/rig.md §7).  The rig's dom0 fault under busy HVM guests looks
 * like writes to a process's fresh private pages being lost or read back
 * from another frame (relocations ld.so wrote that were not there, heap
 * metadata corrupted, a grep matching text its file never held), so each
 * run checks exactly those, and exits:
 *
 *   dom0-stress PAGES SEED
 *
 *   - its relocated data: a table of function pointers (PIE: ld.so writes
 *     every entry at start-up), each called and its answer checked;
 *   - its initialised data (file-backed private pages): every word of a
 *     table whose values follow a formula;
 *   - PAGES fresh anonymous pages: every 64-bit word written with a value
 *     of (SEED, page, word), a pause (so the vCPU is switched away), then
 *     every word read back and compared, and a checksum of the read-back
 *     data compared with the one taken while writing;
 *   - a few heap blocks, malloc'd, filled, freed in mixed order (glibc
 *     checks its own metadata and aborts when it is corrupt).
 *
 * Exit status 0 if all held, 1 on a wrong value (the first ones are printed
 * as "dom0-stress: WRONG ..."), 2 on usage or resource errors.  A crash or
 * abort is the caller's to see (status > 128).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define WORDS (PAGE / sizeof(uint64_t))
#define TABLE_WORDS 4096u       /* 32 KiB of initialised data: 8 pages */
#define MAX_REPORTS 5

static unsigned wrong;

static void report(const char *what, unsigned long a, unsigned long b, uint64_t got, uint64_t want)
{
    if (wrong++ < MAX_REPORTS)
        printf("dom0-stress: WRONG %s %lu/%lu: 0x%016" PRIx64 ", expected 0x%016" PRIx64 "\n",
               what, a, b, got, want);
}

/* splitmix64: a cheap, well-mixed value per (seed, page, word). */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Relocated data: ld.so writes these pointers when the program starts. */
static int f0(int x) { return x + 1; }
static int f1(int x) { return x * 3; }
static int f2(int x) { return x ^ 0x55; }
static int f3(int x) { return x - 7; }
static int (*const calls[])(int) = { f0, f1, f2, f3, f3, f2, f1, f0 };
static const int call_want[] = { 101, 300, 100 ^ 0x55, 93, 93, 100 ^ 0x55, 300, 101 };

/* Initialised data: its values are in the file, formula known. */
#define T(i) ((uint64_t)(i) * 0x9e3779b97f4a7c15ull + 0x1234u)
#define T4(i) T(i), T((i) + 1), T((i) + 2), T((i) + 3)
#define T16(i) T4(i), T4((i) + 4), T4((i) + 8), T4((i) + 12)
#define T64(i) T16(i), T16((i) + 16), T16((i) + 32), T16((i) + 48)
#define T256(i) T64(i), T64((i) + 64), T64((i) + 128), T64((i) + 192)
#define T1024(i) T256(i), T256((i) + 256), T256((i) + 512), T256((i) + 768)
static uint64_t table[TABLE_WORDS] = { T1024(0), T1024(1024), T1024(2048), T1024(3072) };

static void check_relocations(void)
{
    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        int got = calls[i](100);

        if (got != call_want[i])
            report("call", i, 0, (uint64_t)got, (uint64_t)call_want[i]);
    }
}

static void check_table(void)
{
    for (unsigned i = 0; i < TABLE_WORDS; i++)
        if (table[i] != T(i))
            report("data", i / WORDS, i % WORDS, table[i], T(i));
}

static int check_pages(unsigned long pages, uint64_t seed)
{
    uint64_t *p, sum_w = 0, sum_r = 0;
    struct timespec pause = { 0, 20 * 1000 * 1000 };

    p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("dom0-stress: mmap");
        return 2;
    }
    for (unsigned long pg = 0; pg < pages; pg++)
        for (unsigned long w = 0; w < WORDS; w++) {
            uint64_t v = mix(seed ^ (pg << 32) ^ w);

            p[pg * WORDS + w] = v;
            sum_w = sum_w * 31 + v;
        }
    nanosleep(&pause, NULL);
    for (unsigned long pg = 0; pg < pages; pg++)
        for (unsigned long w = 0; w < WORDS; w++) {
            uint64_t v = p[pg * WORDS + w], want = mix(seed ^ (pg << 32) ^ w);

            sum_r = sum_r * 31 + v;
            if (v != want)
                report("page", pg, w, v, want);
        }
    if (sum_r != sum_w)
        report("checksum", pages, 0, sum_r, sum_w);
    munmap(p, pages * PAGE);
    return 0;
}

static int check_heap(uint64_t seed)
{
    enum { N = 64 };
    unsigned char *b[N];

    for (unsigned i = 0; i < N; i++) {
        size_t len = 16 + (size_t)(mix(seed + i) % 3000);

        b[i] = malloc(len);
        if (!b[i]) {
            perror("dom0-stress: malloc");
            return 2;
        }
        memset(b[i], (int)i, len);
    }
    for (unsigned i = 0; i < N; i += 2)
        free(b[i]);
    for (unsigned i = 1; i < N; i += 2) {
        if (b[i][0] != (unsigned char)i)
            report("heap", i, 0, b[i][0], i);
        free(b[i]);
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long pages;
    uint64_t seed;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: dom0-stress PAGES SEED\n");
        return 2;
    }
    pages = strtoul(argv[1], NULL, 0);
    seed = strtoull(argv[2], NULL, 0);
    if (pages == 0 || pages > 65536) {
        fprintf(stderr, "dom0-stress: PAGES must be 1..65536\n");
        return 2;
    }
    check_relocations();
    check_table();
    rc = check_pages(pages, seed);
    if (!rc)
        rc = check_heap(seed);
    if (rc)
        return rc;
    if (wrong)
        printf("dom0-stress: %u wrong values\n", wrong);
    return wrong ? 1 : 0;
}
