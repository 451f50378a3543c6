/*
 * bench_daemon.c - cross-domain interference on vgpu-backend's IOREQ path
 * (docs/benchmarks.md, metric 8).
 *
 * One domain's vCPU traps at a steady pace (an MMIO read every PACE_NS)
 * and every round trip is timed, in one run: alone; while a neighbour
 * domain storms traps as fast as one vCPU can (register writes and GTT PTE
 * writes, 7:1); while the neighbour's display is encoded to PNG by
 * `screenshot` requests on the control path, back to back; while a VNC
 * viewer (libvncclient) watches the measured domain's own display, which
 * the guest redraws in part before every vblank, so the vGPU's display
 * thread copies, compares, encodes and sends a frame per vblank.  Then the same
 * with the storm on a sibling vCPU of the measured domain, once with a
 * lane per domain and once with a lane per vCPU (the threading choice).
 *
 * The domains are the daemon's own (its IOREQ threads, dispatch, locks,
 * control handlers) on the fake event channel of tests/daemon/fake_domain.c:
 * a round trip here is the daemon's part of a trap (signal, lane wake-up,
 * dispatch, device model, answer), not Xen's exit and resume.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rfb/rfbclient.h>

#include "backend.h"
#include "control.h"
#include "bench.h"
#include "daemon/fake_domain.h"
#include "sw_engine.h"

#define BAR0 0xe0000000ull          /* where every fake domain decodes BAR0 */
#define DEV 5                       /* its vGPU is 00:05.0 */
#define PACE_NS 50000               /* measured vCPU: one trap per 50 us (20 k/s) */
#define SHOT_W 1024u                /* the neighbour's display, XRGB8888 */
#define SHOT_H 768u
#define SHOT_STRIDE (SHOT_W * 4)
#define MEM_BYTES (4u << 20)        /* mapped graphics memory: the display and PTE targets */
#define STORM_PTES 256              /* PTEs the storm rewrites (mapped frames, 1:1) */
/* The storm: bursts of STORM_BURST traps back to back every STORM_PERIOD_NS,
 * 100 k traps/s, a guest driver hammering its registers and GTT.  Its
 * vCPU is a thread of this process, which a real guest's is not, so the
 * storm's rate is stated rather than "as fast as this machine allows". */
#define STORM_BURST 100
#define STORM_PERIOD_NS 1000000

static struct backend be;

enum load { LOAD_NONE, LOAD_STORM, LOAD_SHOTS, LOAD_VNC };

struct neighbour {
    enum load what;
    struct fake_domain *f;
    unsigned int vcpu;
    struct bench_vgpu *b;
    char uuid[VGPU_UUID_STR_LEN + 1];
    pthread_t tid;
    volatile bool stop;
    uint64_t done;                  /* traps, screenshots or VNC frames */
    int port;                       /* LOAD_VNC: the display's VNC port */
    volatile bool active, quit;     /* LOAD_VNC: the guest draws; the viewer leaves */
    uint64_t cpu_ns;                /* the load thread's own CPU time */
    bool failed;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(pthread_t t)
{
    clockid_t c;
    struct timespec ts;

    if (pthread_getcpuclockid(t, &c) || clock_gettime(c, &ts))
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void timespec_add(struct timespec *t, long ns)
{
    t->tv_nsec += ns;
    while (t->tv_nsec >= 1000000000L) {
        t->tv_nsec -= 1000000000L;
        t->tv_sec++;
    }
}

static void *storm(void *arg)
{
    struct neighbour *n = arg;
    u64 gtt = BAR0 + RGPU_GTT_BASE + (n->b->gm_base >> VGPU_PAGE_SHIFT) * 8;
    struct timespec next;

    clock_gettime(CLOCK_MONOTONIC, &next);
    for (uint64_t i = 0; !n->stop; i++) {
        if (i % STORM_BURST == 0) {
            timespec_add(&next, STORM_PERIOD_NS);
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
        if (i & 7) {
            fake_vcpu_io(n->f, n->vcpu, IOREQ_TYPE_COPY, IOREQ_WRITE,
                         BAR0 + RGPU_REG_SCRATCH(i & 3), 4, i);
        } else {
            u64 page = (i >> 3) % STORM_PTES;   /* same frame again: re-validated */

            fake_vcpu_io(n->f, n->vcpu, IOREQ_TYPE_COPY, IOREQ_WRITE, gtt + page * 8, 8,
                         (page << VGPU_PAGE_SHIFT) | RGPU_PTE_VALID);
        }
        n->done++;
    }
    n->cpu_ns = thread_cpu_ns(pthread_self());
    return NULL;
}

static void *shots(void *arg)
{
    struct neighbour *n = arg;
    char req[160];

    snprintf(req, sizeof(req), "{\"cmd\":\"screenshot\",\"uuid\":\"%s\",\"path\":\"/dev/null\"}",
             n->uuid);
    while (!n->stop) {
        char *out = control_handle(&be, req);

        if (!out || !strstr(out, "\"ok\":true")) {
            fprintf(stderr, "bench: screenshot failed: %s", out ? out : "out of memory\n");
            n->failed = true;
            free(out);
            break;
        }
        free(out);
        n->done++;
    }
    return NULL;
}

static int viewer_tag;

static void viewer_frame(rfbClient *c)
{
    struct neighbour *n = rfbClientGetClientData(c, &viewer_tag);

    n->done++;
}

static void viewer_quiet(const char *fmt, ...)
{
    (void)fmt;
}

/* A VNC viewer of n->b's display, connected for the whole run (a viewer
 * stays; its handshake and first full frame are not the load).  While
 * n->active the guest inverts 8 lines of the display before each vblank
 * and the viewer waits for that update before the next. */
static void *viewer(void *arg)
{
    struct neighbour *n = arg;
    u32 *px = bench_gm(n->b, n->b->gm_base);
    rfbClient *c;

    rfbClientLog = viewer_quiet;
    rfbClientErr = viewer_quiet;
    c = rfbGetClient(8, 3, 4);
    rfbClientSetClientData(c, &viewer_tag, n);
    c->FinishedFrameBufferUpdate = viewer_frame;
    free(c->serverHost);
    c->serverHost = strdup("127.0.0.1");
    c->serverPort = n->port;
    if (!rfbInitClient(c, NULL, NULL)) {
        fprintf(stderr, "bench: the VNC viewer cannot connect\n");
        n->failed = true;
        return NULL;
    }
    for (uint64_t i = 0; !n->quit && !n->failed; i++) {
        uint64_t before = n->done;
        size_t y0 = (size_t)(i * 8 % SHOT_H);

        if (n->active) {
            for (size_t p = y0 * SHOT_W; p < (y0 + 8) * SHOT_W; p++)
                px[p] ^= 0x00ffffff;
            vgpu_parent_vblank(be.parent);
        }
        do {
            int r = WaitForMessage(c, 10000);

            if (r < 0 || (r > 0 && !HandleRFBServerMessage(c)))
                n->failed = true;
        } while (n->active && !n->quit && !n->failed && n->done == before);
    }
    free(c->frameBuffer);
    rfbClientCleanup(c);
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* count paced round trips of vCPU 0 of f, timed into lat. */
static void measure(struct fake_domain *f, uint64_t *lat, long count)
{
    struct timespec next;
    uint64_t t0;

    clock_gettime(CLOCK_MONOTONIC, &next);
    for (long i = 0; i < count; i++) {
        timespec_add(&next, PACE_NS);
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        t0 = now_ns();
        fake_vcpu_io(f, 0, IOREQ_TYPE_COPY, IOREQ_READ, BAR0 + RGPU_REG_SCRATCH(0), 4, 0);
        lat[i] = now_ns() - t0;
    }
}

/* Round-trip times of one condition, pooled over the interleaved blocks of
 * a repetition, and what its load did meanwhile. */
struct sample {
    uint64_t *lat;
    long n;
    uint64_t load_done, load_ns, lane_cpu_ns, load_cpu_ns;
};

struct rtt {
    double p50_us, p99_us;
};

static struct rtt percentiles(struct sample *s)
{
    qsort(s->lat, (size_t)s->n, sizeof(*s->lat), cmp_u64);
    return (struct rtt){ .p50_us = (double)s->lat[s->n / 2] / 1e3,
                         .p99_us = (double)s->lat[s->n * 99 / 100] / 1e3 };
}

/* One block of count round trips of f under load n (NULL: alone),
 * appended to s. */
static void block(struct fake_domain *f, long count, struct neighbour *n, struct sample *s)
{
    pthread_t lane = 0;
    uint64_t t0, c0 = 0, dt;

    if (!n) {
        measure(f, s->lat + s->n, count);
        s->n += count;
        return;
    }
    n->stop = false;
    n->done = 0;
    if (n->what == LOAD_VNC) {
        /* The viewer thread runs throughout: frames only while active. */
        t0 = now_ns();
        n->active = true;
        measure(f, s->lat + s->n, count);
        n->active = false;
        dt = now_ns() - t0;
        if (n->failed)
            exit(1);
        s->n += count;
        s->load_done += __atomic_load_n(&n->done, __ATOMIC_RELAXED);
        s->load_ns += dt;
        return;
    }
    if (pthread_create(&n->tid, NULL, n->what == LOAD_STORM ? storm : shots, n)) {
        fprintf(stderr, "bench: cannot start the neighbour\n");
        exit(1);
    }
    if (n->what == LOAD_STORM) {
        struct xen_domain *d = fake_domain_xen(n->f);

        lane = d->lanes[d->nr_lanes > 1 ? n->vcpu : 0].thread;
        c0 = thread_cpu_ns(lane);
    }
    t0 = now_ns();
    measure(f, s->lat + s->n, count);
    dt = now_ns() - t0;
    if (lane)
        s->lane_cpu_ns += thread_cpu_ns(lane) - c0;
    n->stop = true;
    pthread_join(n->tid, NULL);
    if (n->failed)
        exit(1);
    s->n += count;
    s->load_done += n->done;
    s->load_ns += dt;
    s->load_cpu_ns += n->cpu_ns;
}

static struct fake_domain *domain_with(domid_t domid, unsigned int nr_vcpus,
                                       struct bench_vgpu *b, char *uuid)
{
    struct fake_domain *f = fake_domain_create(&be, domid, nr_vcpus);

    vgpu_uuid_format(vgpu_get_uuid(b->v), uuid);
    if (!f || fake_domain_attach(f, b->v, uuid, DEV, BAR0)) {
        fprintf(stderr, "bench: daemon set-up failed\n");
        exit(1);
    }
    return f;
}

/* The neighbour's display: a plane over its mapped memory, noisy pixels
 * (an encoder's worst case is not a flat colour). */
static void show_pattern(struct bench_vgpu *b)
{
    const u32 regs[][2] = {
        { RGPU_PIPE_CONF, RGPU_PIPE_ENABLE },
        { RGPU_PLANE_SURF, (u32)b->gm_base },
        { RGPU_PLANE_STRIDE, SHOT_STRIDE },
        { RGPU_PLANE_SIZE, RGPU_PLANE_SIZE_WH(SHOT_W, SHOT_H) },
        { RGPU_PLANE_CTL, RGPU_PLANE_ENABLE | RGPU_PLANE_FMT_XRGB8888 },
    };
    u32 *px = bench_gm(b, b->gm_base), x = 0x12345678;

    for (size_t i = 0; i < (size_t)SHOT_W * SHOT_H; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        px[i] = (i % SHOT_W < SHOT_W / 2) ? x : (u32)i;
    }
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        vgpu_region_write(b->v, VGPU_REGION_BAR0, regs[i][0], &regs[i][1], 4);
}

#define BLOCKS 20                   /* interleaved blocks per condition and repetition */

static void reset(struct sample *s, int nr)
{
    for (int i = 0; i < nr; i++) {
        uint64_t *lat = s[i].lat;

        s[i] = (struct sample){ .lat = lat };
    }
}

/* Sibling vCPU storm on a 2-vCPU domain with the given lane layout:
 * p99 with the sibling storming over p99 alone, blocks interleaved. */
static double sibling_ratio(struct bench_vgpu *b, bool lane_per_vcpu, struct sample *s, long count)
{
    char uuid[VGPU_UUID_STR_LEN + 1];
    struct fake_domain *f;
    struct neighbour n = { .what = LOAD_STORM, .vcpu = 1, .b = b };
    double ratio;

    be.lane_per_vcpu = lane_per_vcpu;
    f = domain_with(3, 2, b, uuid);
    n.f = f;
    reset(s, 2);
    for (int i = 0; i < BLOCKS; i++) {
        block(f, count, NULL, &s[0]);
        block(f, count, &n, &s[1]);
    }
    ratio = percentiles(&s[1]).p99_us / percentiles(&s[0]).p99_us;
    fake_domain_destroy(f);
    be.lane_per_vcpu = false;
    return ratio;
}

void bench_daemon(const struct bench_opts *o)
{
    struct bench_metric *a50 = bench_metric("daemon.rtt_alone_p50_us", "us", GOAL_NONE, 0);
    struct bench_metric *a99 = bench_metric("daemon.rtt_alone_p99_us", "us", GOAL_NONE, 0);
    struct bench_metric *s50 = bench_metric("daemon.rtt_storm_p50_us", "us", GOAL_NONE, 0);
    struct bench_metric *s99 = bench_metric("daemon.rtt_storm_p99_us", "us", GOAL_NONE, 0);
    struct bench_metric *srate = bench_metric("daemon.storm_traps_per_s", "traps/s", GOAL_NONE, 0);
    struct bench_metric *scpu = bench_metric("daemon.storm_lane_cpu_pct", "%", GOAL_NONE, 0);
    /* The harness's storming vCPU is a thread of this process: its CPU is
     * contention a guest vCPU under Xen would not add to dom0. */
    struct bench_metric *vcpu_cpu = bench_metric("daemon.storm_vcpu_thread_cpu_pct", "%",
                                                 GOAL_NONE, 0);
    struct bench_metric *sratio = bench_metric("daemon.storm_p99_vs_alone", "x", GOAL_MAX, 2);
    struct bench_metric *p50 = bench_metric("daemon.rtt_screenshots_p50_us", "us", GOAL_NONE, 0);
    struct bench_metric *p99 = bench_metric("daemon.rtt_screenshots_p99_us", "us", GOAL_NONE, 0);
    struct bench_metric *prate = bench_metric("daemon.screenshots_per_s", "1/s", GOAL_NONE, 0);
    struct bench_metric *pratio = bench_metric("daemon.screenshots_p99_vs_alone", "x", GOAL_MAX, 2);
    struct bench_metric *v50 = bench_metric("daemon.rtt_vnc_viewer_p50_us", "us", GOAL_NONE, 0);
    struct bench_metric *v99 = bench_metric("daemon.rtt_vnc_viewer_p99_us", "us", GOAL_NONE, 0);
    struct bench_metric *vrate = bench_metric("daemon.vnc_frames_per_s", "1/s", GOAL_NONE, 0);
    struct bench_metric *vratio = bench_metric("daemon.vnc_viewer_p99_vs_alone", "x", GOAL_MAX, 2);
    struct bench_metric *vdom = bench_metric("daemon.sibling_storm_p99_vs_alone.lane_per_domain",
                                             "x", GOAL_NONE, 0);
    struct bench_metric *vcpu = bench_metric("daemon.sibling_storm_p99_vs_alone.lane_per_vcpu",
                                             "x", GOAL_NONE, 0);
    const long count = (long)(500 * o->scale) + 25;        /* per block: ~25 ms */
    struct vgpu_parent_config cfg;
    struct bench_vgpu ba, bb;
    struct fake_domain *fa, *fb;
    struct neighbour stormer = { .what = LOAD_STORM, .vcpu = 0, .b = &bb };
    struct neighbour shooter = { .what = LOAD_SHOTS, .b = &bb };
    struct neighbour watcher = { .what = LOAD_VNC, .b = &ba };
    struct vgpu_vnc_config vnc;
    struct xen_vgpu *xv;
    char uuid[VGPU_UUID_STR_LEN + 1];
    struct sample s[4];

    prctl(PR_SET_TIMERSLACK, 1UL);      /* the pace, not the timer slack */
    for (int i = 0; i < 4; i++) {
        s[i].lat = calloc((size_t)(count * BLOCKS), sizeof(*s[i].lat));
        if (!s[i].lat) {
            fprintf(stderr, "bench: out of memory\n");
            exit(1);
        }
    }
    vgpu_parent_default_config(&cfg);
    cfg.manual = true;                  /* no engine threads: the IOREQ path alone */
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (vgpu_parent_create(&cfg, &be.parent) ||
        bench_vgpu_create(be.parent, "refgpu-8", 1, MEM_BYTES, &ba) ||
        bench_vgpu_create(be.parent, "refgpu-8", 2, MEM_BYTES, &bb)) {
        fprintf(stderr, "bench: daemon set-up failed\n");
        exit(1);
    }
    show_pattern(&ba);
    show_pattern(&bb);
    fa = domain_with(1, 1, &ba, uuid);
    fb = domain_with(2, 1, &bb, shooter.uuid);
    stormer.f = fb;
    /* The measured guest's own screen over VNC, as vgpu= vnc=1 gives it. */
    vgpu_vnc_default(&vnc);
    vnc.enabled = 1;
    xv = fake_domain_xen(fa)->devs;
    if (vnc_display_start(ba.v, &vnc, &xv->vnc)) {
        fprintf(stderr, "bench: cannot start the VNC display\n");
        exit(1);
    }
    watcher.port = vnc_display_port(xv->vnc);
    if (pthread_create(&watcher.tid, NULL, viewer, &watcher)) {
        fprintf(stderr, "bench: cannot start the VNC viewer\n");
        exit(1);
    }
    for (int rep = -1; rep < o->reps; rep++) {
        struct rtt alone, st, sh, vw;

        /* Conditions interleaved in short blocks: the machine's own noise
         * (it is shared) falls on all three alike. */
        reset(s, 4);
        for (int i = 0; i < BLOCKS; i++) {
            block(fa, count, NULL, &s[0]);
            block(fa, count, &stormer, &s[1]);
            block(fa, count, &shooter, &s[2]);
            block(fa, count, &watcher, &s[3]);
        }
        if (rep < 0)
            continue;
        alone = percentiles(&s[0]);
        st = percentiles(&s[1]);
        sh = percentiles(&s[2]);
        vw = percentiles(&s[3]);
        bench_add(a50, alone.p50_us);
        bench_add(a99, alone.p99_us);
        bench_add(s50, st.p50_us);
        bench_add(s99, st.p99_us);
        bench_add(srate, (double)s[1].load_done / ((double)s[1].load_ns / 1e9));
        bench_add(scpu, (double)s[1].lane_cpu_ns / (double)s[1].load_ns * 100);
        bench_add(vcpu_cpu, (double)s[1].load_cpu_ns / (double)s[1].load_ns * 100);
        bench_add(sratio, st.p99_us / alone.p99_us);
        bench_add(p50, sh.p50_us);
        bench_add(p99, sh.p99_us);
        bench_add(prate, (double)s[2].load_done / ((double)s[2].load_ns / 1e9));
        bench_add(pratio, sh.p99_us / alone.p99_us);
        bench_add(v50, vw.p50_us);
        bench_add(v99, vw.p99_us);
        bench_add(vrate, (double)s[3].load_done / ((double)s[3].load_ns / 1e9));
        bench_add(vratio, vw.p99_us / alone.p99_us);
    }
    watcher.quit = true;
    pthread_join(watcher.tid, NULL);
    fake_domain_destroy(fa);
    fake_domain_destroy(fb);
    /* The threading choice: a vCPU storming beside the measured one. */
    for (int rep = -1; rep < o->reps; rep++) {
        double per_domain = sibling_ratio(&ba, false, s, count);
        double per_vcpu = sibling_ratio(&ba, true, s, count);

        if (rep >= 0) {
            bench_add(vdom, per_domain);
            bench_add(vcpu, per_vcpu);
        }
    }
    if (xen_ioreq_threads()) {
        fprintf(stderr, "bench: %ld IOREQ threads left running\n", xen_ioreq_threads());
        exit(1);
    }
    bench_vgpu_destroy(&ba);
    bench_vgpu_destroy(&bb);
    vgpu_parent_destroy(be.parent);
    for (int i = 0; i < 4; i++)
        free(s[i].lat);
}
