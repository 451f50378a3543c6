/*
 * sim_main.c - vgpu-sim: command line, the simulated machine (a parent
 * with N vGPUs, each on its own test host), the in-process guest platform
 * and the scenario runner.  The scenarios are the guest's own
 * (guest/scenarios/), at full size.  Run with --help for usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "le_bytes.h"
#include "sw_engine.h"

u64 sim_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* ------------------------------------------------------------ platform
 * BAR0 through the region API (what a trapped guest access becomes), DMA
 * pages from a bump allocator over the test host's memory (guest DMA
 * address = offset), interrupts observed as the test host's MSI/INTx
 * event counters. */
static u32 p_read32(void *ctx, u32 off)
{
    struct sim_guest *g = ctx;
    u8 b[4];

    if (vgpu_region_read(g->v, VGPU_REGION_BAR0, off, b, 4) != 4)
        return ~0u;
    return le32_load(b);
}

static void p_write32(void *ctx, u32 off, u32 val)
{
    struct sim_guest *g = ctx;
    u8 b[4];

    le32_store(b, val);
    vgpu_region_write(g->v, VGPU_REGION_BAR0, off, b, 4);
}

static u64 p_read64(void *ctx, u32 off)
{
    struct sim_guest *g = ctx;
    u8 b[8];

    if (vgpu_region_read(g->v, VGPU_REGION_BAR0, off, b, 8) != 8)
        return ~0ull;
    return le64_load(b);
}

static void p_write64(void *ctx, u32 off, u64 val)
{
    struct sim_guest *g = ctx;
    u8 b[8];

    le64_store(b, val);
    vgpu_region_write(g->v, VGPU_REGION_BAR0, off, b, 8);
}

static int p_alloc_pages(void *ctx, size_t npages, void **cpu, u64 *dma)
{
    struct sim_guest *g = ctx;
    size_t i, bytes = npages * VGPU_PAGE_SIZE;

    if (!npages || bytes / VGPU_PAGE_SIZE != npages || bytes > g->host.mem_size - g->alloc_next)
        return -ENOMEM;
    *cpu = g->host.mem + g->alloc_next;
    memset(*cpu, 0, bytes);
    for (i = 0; i < npages; i++)
        dma[i] = g->alloc_next + i * VGPU_PAGE_SIZE;
    g->alloc_next += bytes;
    return 0;
}

static void p_free_pages(void *ctx, void *cpu, size_t npages, const u64 *dma)
{
    struct sim_guest *g = ctx;

    /* A bump allocator: only the most recent allocation is given back,
     * scrubbed, so memory past the allocator stays all zero (checked). */
    if (npages && dma[0] + npages * VGPU_PAGE_SIZE == g->alloc_next) {
        memset(cpu, 0, npages * VGPU_PAGE_SIZE);
        g->alloc_next = dma[0];
    }
}

static int p_wait_irq(void *ctx, u64 timeout_ns)
{
    struct sim_guest *g = ctx;
    u64 deadline = sim_now_ns() + timeout_ns;

    for (;;) {
        unsigned int ev = sim_irq_events(g);

        if (ev != g->irq_seen) {
            g->irq_seen = ev;
            return 0;
        }
        if (sim_now_ns() >= deadline)
            return -ETIMEDOUT;
        scn_sleep_ns(20000);
    }
}

static void p_relax(void *ctx)
{
    scn_sleep_ns(20000);
}

static u64 p_now(void *ctx)
{
    return sim_now_ns();
}

/* ------------------------------------------------------------ machine */
/* The scenarios' view of guest g: everything at full size, waits by the
 * library, the model's view through sim_ext.  light: as vgpu-guest runs
 * them in the rig (smaller, fewer attacks, map sets up one-page rings,
 * RING_STATUS read only every 100 ms while waiting, waits by interrupt). */
static void scn_setup(struct sim_guest *g, unsigned int seed, bool light)
{
    struct scn *s = &g->scn;

    memset(s, 0, sizeof(*s));
    s->dev = g->dev;
    s->idx = g->idx;
    s->full = !light;
    s->ring_pages = light ? 1 : 0;
    s->status_every_ns = light ? 100000000 : 0;
    s->wait_irq = light;
    s->ring_size = SIM_RING_PAGES * VGPU_PAGE_SIZE;
    s->beyond_ram = (u64)g->host.mem_size + 0x1000000;     /* not guest memory */
    s->ext = &sim_ext;
    s->ext_ctx = g;
    s->rng = 0x9e3779b97f4a7c15ull * (seed + 1) + 0x1234567ull * (g->idx + 1);
}

static void guest_fini(struct sim_guest *g)
{
    rgpu_close(g->dev);
    g->dev = NULL;
    if (g->v)
        vgpu_destroy(g->v);
    g->v = NULL;
    testhost_fini(&g->host);
}

static void machine_destroy(struct sim_machine *m)
{
    unsigned int i;

    for (i = 0; i < m->n; i++)
        guest_fini(&m->g[i]);
    if (m->parent)
        vgpu_parent_destroy(m->parent);
    m->parent = NULL;
}

/* The largest type of which n instances fit on a fresh parent. */
static const struct vgpu_type *default_type(struct vgpu_parent *p, unsigned int n)
{
    const struct vgpu_type *best = NULL;
    unsigned int i;

    for (i = 0; i < vgpu_parent_num_types(p); i++) {
        const struct vgpu_type *t = vgpu_parent_type(p, i);

        if (vgpu_type_available_instances(p, t) >= n && (!best || t->gm_size > best->gm_size))
            best = t;
    }
    return best;
}

static int machine_create(struct sim_machine *m, unsigned int n, const char *type_name,
                          size_t mem_size, unsigned int seed, bool light, char *err,
                          size_t errlen)
{
    struct vgpu_parent_config cfg;
    unsigned int i;
    int rc;

    memset(m, 0, sizeof(*m));
    m->mem_size = mem_size;
    vgpu_parent_default_config(&cfg);
    cfg.manual = false;         /* scheduler and vblank threads */
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    rc = vgpu_parent_create(&cfg, &m->parent);
    if (rc) {
        snprintf(err, errlen, "vgpu_parent_create: %d", rc);
        return rc;
    }
    m->type = type_name ? vgpu_parent_find_type(m->parent, type_name) : default_type(m->parent, n);
    if (!m->type) {
        if (type_name)
            snprintf(err, errlen, "unknown type %s", type_name);
        else
            snprintf(err, errlen, "no type fits %u vGPUs", n);
        machine_destroy(m);
        return -ENOENT;
    }
    for (i = 0; i < n; i++) {
        struct sim_guest *g = &m->g[i];
        char uuid[VGPU_UUID_STR_LEN + 1];

        g->m = m;
        g->idx = i;
        rc = testhost_init(&g->host, mem_size);
        if (rc) {
            snprintf(err, errlen, "testhost_init(%zu): %d", mem_size, rc);
            machine_destroy(m);
            return rc;
        }
        m->n = i + 1;
        snprintf(uuid, sizeof(uuid), "5a1a0000-0000-4000-8000-%012x", i + 1);
        rc = vgpu_create(m->parent, m->type->name, uuid, testhost_get_ops(&g->host), &g->host,
                         &g->v);
        if (rc) {
            snprintf(err, errlen, "vgpu_create #%u of type %s: %d", i, m->type->name, rc);
            machine_destroy(m);
            return rc;
        }
        g->alloc_next = SIM_MEM_BASE;
        g->plat.ctx = g;
        g->plat.read32 = p_read32;
        g->plat.write32 = p_write32;
        g->plat.read64 = p_read64;
        g->plat.write64 = p_write64;
        g->plat.alloc_pages = p_alloc_pages;
        g->plat.free_pages = p_free_pages;
        g->plat.wait_irq = p_wait_irq;
        g->plat.relax = p_relax;
        g->plat.now_ns = p_now;
        /* "Boot" the guest driver: probe, rings of 4 pages, interrupts. */
        rc = rgpu_open(&g->plat, &g->dev);
        if (!rc)
            rc = rgpu_engine_init(g->dev, RGPU_ENGINE_RENDER, SIM_RING_PAGES);
        if (!rc)
            rc = rgpu_engine_init(g->dev, RGPU_ENGINE_COPY, SIM_RING_PAGES);
        if (rc) {
            snprintf(err, errlen, "guest %u driver init: %d", i, rc);
            machine_destroy(m);
            return rc;
        }
        rgpu_irq_enable(g->dev, RGPU_IRQ_VALID_MASK);
        scn_setup(g, seed, light);
    }
    for (i = 0; i < n; i++)             /* the other vGPUs' slices, for the attacks */
        for (unsigned int k = 0; k < n && m->g[i].scn.nothers < SCN_MAX_OTHERS; k++)
            if (k != i)
                m->g[i].scn.other_gm[m->g[i].scn.nothers++] = vgpu_gm_base(m->g[k].v);
    return 0;
}

/* ------------------------------------------------------------ runner */
/* A shared scenario runs on every vGPU in turn, or (attack) on vGPU 0
 * while the others are its victims; a scenario of this harness's own
 * (sim) needs the whole machine. */
struct scenario {
    const char *name;
    bool (*fn)(struct scn *s);
    bool (*sim)(struct sim_machine *m);
    bool attack;
    const char *what;
};

static const struct scenario scenarios[] = {
    { "pvinfo", scn_pvinfo, NULL, false, "PV info page: the slice, capabilities, reserved words" },
    { "map", scn_map, NULL, false, "BOs mapped by batched and window GTT updates, PTEs read back" },
    { "fill", scn_fill, NULL, false, "COLOR_FILL rectangles of 8/16/32 bpp, pitch > width, both engines" },
    { "copy", scn_copy, NULL, false, "SRC_COPY of each bpp between BOs mapped by window and batch" },
    { "batch", scn_batch, NULL, false, "commands in batch buffers nested to depth 2; batch rewritten after submission" },
    { "store", scn_store, NULL, false, "STORE_DATA_IMM/INDEX, seqno over ring wraps, LOAD_REGISTER_IMM to scratch" },
    { "irq", scn_irq, NULL, false, "user and completion interrupts; MSI through the emulated capability; IIR/IMR/IER semantics" },
    { "display", scn_display, NULL, false, "plane in the slice read back with vgpu_display_read; vblank interrupts, FRMCOUNT" },
    { "multi", NULL, sim_scn_multi, false, "all vGPUs at once from N threads, memory exact and untouched" },
    { "malicious", scn_malicious, NULL, true, "one attacker vGPU vs. victims doing verified work" },
};

static bool run_scenario(const struct scenario *s, struct sim_machine *m)
{
    if (s->sim)
        return s->sim(m);
    if (s->attack)
        return sim_under_attack(m, s->fn);
    for (unsigned int i = 0; i < m->n; i++)
        if (!s->fn(&m->g[i].scn))
            return false;
    return true;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static bool run_one(const struct scenario *s, unsigned int n, const char *type, size_t mem,
                    unsigned int seed, bool light, bool json)
{
    struct sim_machine *m = calloc(1, sizeof(*m));
    char detail[SCN_TEXT_LEN * 2] = "";
    u64 t0 = sim_now_ns();
    bool ok = false;
    unsigned int i;

    if (!m) {
        snprintf(detail, sizeof(detail), "out of memory");
    } else if (machine_create(m, n, type, mem, seed, light, detail, sizeof(detail)) == 0) {
        ok = run_scenario(s, m);
        for (i = 0; i < m->n; i++) {
            if (m->g[i].scn.err[0]) {
                ok = false;
                snprintf(detail, sizeof(detail), "vgpu%u %s", i, m->g[i].scn.err);
                break;
            }
        }
        if (ok) {
            snprintf(detail, sizeof(detail), "%s", m->g[0].scn.note);
        } else if (!detail[0]) {
            snprintf(detail, sizeof(detail), "failed without detail");
        }
        type = m->type->name;
        machine_destroy(m);
        /* Every frame the device mapped was unmapped again. */
        for (i = 0; ok && i < m->n; i++) {
            if (m->g[i].host.mapped) {
                ok = false;
                snprintf(detail, sizeof(detail), "vgpu%u: %u frames still mapped after destroy",
                         i, m->g[i].host.mapped);
            }
        }
    }
    free(m);
    if (json) {
        printf("{\"scenario\":");
        json_string(stdout, s->name);
        printf(",\"result\":\"%s\",\"vgpus\":%u,\"type\":", ok ? "pass" : "fail", n);
        json_string(stdout, type ? type : "");
        printf(",\"seconds\":%.3f,\"detail\":", (double)(sim_now_ns() - t0) / 1e9);
        json_string(stdout, detail);
        printf("}\n");
    } else {
        printf("%s %-9s %u vGPU%s (%s) %6.2f s  %s\n", ok ? "PASS" : "FAIL", s->name, n,
               n == 1 ? " " : "s", type ? type : "?", (double)(sim_now_ns() - t0) / 1e9, detail);
    }
    fflush(stdout);
    return ok;
}

static void usage(FILE *f)
{
    unsigned int i;

    fprintf(f,
"NAME\n"
"    vgpu-sim - run guest scenarios against the vGPU device model in-process\n"
"\n"
"SYNOPSIS\n"
"    vgpu-sim [--scenario NAME|all] [--vgpus N] [--type TYPE] [--mem MIB]\n"
"             [--seed S] [--light] [--json] [--verbose] [--list] [--help]\n"
"\n"
"DESCRIPTION\n"
"    Creates a reference-GPU parent with its scheduler and vblank threads and\n"
"    N vGPU instances, each backed by its own test host whose memory stands in\n"
"    for a guest's RAM.  Each scenario then drives the vGPUs through the guest\n"
"    driver library (guest/rgpu_guest.h) exactly as a guest would -- BAR0\n"
"    register accesses, GTT updates, rings, batches, interrupts, display --\n"
"    and checks the results byte for byte against a reference computed on\n"
"    the CPU.  Every scenario runs on a freshly created parent and vGPUs.\n"
"    Every wait has a timeout, so a broken device model fails, never hangs.\n"
"\n"
"OPTIONS\n"
"    --scenario NAME|all\n"
"           Run one scenario, or all of them in order (default: all).  May be\n"
"           given several times.\n"
"    --vgpus N\n"
"           Number of vGPU instances, 1..%d (default 4).\n"
"    --type TYPE\n"
"           vGPU type to create (refgpu-1, -2, -4, -8, -16).  Default: the\n"
"           largest type of which N instances fit, e.g. refgpu-8 for N <= 8.\n"
"    --mem MIB\n"
"           Guest memory per test host in MiB (default 64).\n"
"    --seed S\n"
"           Seed of the pseudo-random geometry and data (default 1).\n"
"    --light\n"
"           The scenarios as vgpu-guest runs them in the rig's guests: smaller\n"
"           buffers, fewer passes and attacks, one-page rings, RING_STATUS\n"
"           read only every 100 ms while waiting for a seqno.\n"
"    --json\n"
"           One JSON object per scenario and line instead of text:\n"
"           {\"scenario\":..., \"result\":\"pass\"|\"fail\", \"vgpus\":N, \"type\":...,\n"
"            \"seconds\":..., \"detail\":...}\n"
"    --verbose\n"
"           Let the device model log warnings (rejected submissions and the\n"
"           like; the malicious scenario provokes many).\n"
"    --list\n"
"           List the scenarios and exit.\n"
"    --help\n"
"           This text.\n"
"\n"
"SCENARIOS\n", SIM_MAX_VGPUS);
    for (i = 0; i < OS_ARRAY_SIZE(scenarios); i++)
        fprintf(f, "    %-10s %s\n", scenarios[i].name, scenarios[i].what);
    fprintf(f,
"\n"
"EXIT STATUS\n"
"    0 if every scenario passed, 1 if any failed, 2 for a usage error.\n"
"\n"
"EXAMPLES\n"
"    vgpu-sim --scenario all --vgpus 8\n"
"    vgpu-sim --scenario malicious --vgpus 16 --json\n");
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long v;

    if (!s || !*s)
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    bool want[OS_ARRAY_SIZE(scenarios)] = { false }, any = false, json = false, verbose = false;
    bool light = false;
    unsigned long n = 4, mem = 64, seed = 1;
    const char *type = NULL;
    unsigned int i, failed = 0, ran = 0;
    int a;

    for (a = 1; a < argc; a++) {
        const char *o = argv[a], *arg = a + 1 < argc ? argv[a + 1] : NULL;

        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--list")) {
            for (i = 0; i < OS_ARRAY_SIZE(scenarios); i++)
                printf("%s\n", scenarios[i].name);
            return 0;
        } else if (!strcmp(o, "--json")) {
            json = true;
        } else if (!strcmp(o, "--light")) {
            light = true;
        } else if (!strcmp(o, "--verbose")) {
            verbose = true;
        } else if (!strcmp(o, "--scenario") && arg) {
            bool found = !strcmp(arg, "all");

            for (i = 0; i < OS_ARRAY_SIZE(scenarios); i++) {
                if (found && !strcmp(arg, "all"))
                    want[i] = true;
                else if (!strcmp(arg, scenarios[i].name))
                    want[i] = found = true;
            }
            if (!found) {
                fprintf(stderr, "vgpu-sim: unknown scenario '%s' (try --list)\n", arg);
                return 2;
            }
            any = true;
            a++;
        } else if (!strcmp(o, "--vgpus") && arg) {
            if (!parse_uint(arg, SIM_MAX_VGPUS, &n) || n == 0) {
                fprintf(stderr, "vgpu-sim: --vgpus takes 1..%d\n", SIM_MAX_VGPUS);
                return 2;
            }
            a++;
        } else if (!strcmp(o, "--type") && arg) {
            type = arg;
            a++;
        } else if (!strcmp(o, "--mem") && arg) {
            if (!parse_uint(arg, 4096, &mem) || mem < 16) {
                fprintf(stderr, "vgpu-sim: --mem takes 16..4096 (MiB)\n");
                return 2;
            }
            a++;
        } else if (!strcmp(o, "--seed") && arg) {
            if (!parse_uint(arg, 0xffffffffu, &seed)) {
                fprintf(stderr, "vgpu-sim: --seed takes a number\n");
                return 2;
            }
            a++;
        } else {
            fprintf(stderr, "vgpu-sim: unknown or incomplete option '%s'\n\n", o);
            usage(stderr);
            return 2;
        }
    }
    if (!any)
        for (i = 0; i < OS_ARRAY_SIZE(scenarios); i++)
            want[i] = true;
    os_log_set_level(verbose ? OS_LOG_DEBUG : OS_LOG_ERR);

    for (i = 0; i < OS_ARRAY_SIZE(scenarios); i++) {
        if (!want[i])
            continue;
        ran++;
        if (!run_one(&scenarios[i], (unsigned int)n, type, (size_t)mem << 20,
                     (unsigned int)seed + i, light, json))
            failed++;
    }
    if (!json)
        printf("vgpu-sim: %u of %u scenario%s passed\n", ran - failed, ran, ran == 1 ? "" : "s");
    return failed ? 1 : 0;
}
