/*
 * test_threads.c - vgpu-backend's IOREQ threads (dom0-backend/ioreq_thread.c)
 * driven through the fake event channel (tests/daemon/fake_domain.c): lanes
 * start and are joined, every vCPU is served in both lane layouts, one
 * domain's stalled handler leaves another domain's IOREQs and the control
 * socket alone, and a vGPU taken off a serving domain is never reached
 * again.  No timing: every wait is a handshake on a semaphore or a join.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "control.h"
#include "json.h"
#include "pci_cfg.h"
#include "sw_engine.h"
#include "hw_regs.h"
#include "vgpu_priv.h"
#include "daemon/fake_domain.h"
#include "testhost/testhost.h"
#include "toolstack/suites.h"

#define BAR0_A 0xe0000000ull            /* BAR0 of the domains' vGPUs (16 MiB aligned) */
#define BAR0_MOVED 0xe1000000ull
#define DEV 5                           /* PCI function 00:05.0 */
#define SBDF ((uint64_t)(DEV << 3) << 32)

static struct backend be;

static int threads_init(void)
{
    return ts_backend_init(&be);
}

static int threads_fini(void)
{
    return vgpu_parent_destroy(be.parent);
}

struct test_vgpu {
    struct testhost host;
    struct vgpu *v;
};

static void make_vgpu(struct test_vgpu *t, const struct vgpu_host_ops *ops, unsigned int n)
{
    char uuid[VGPU_UUID_STR_LEN + 1];

    snprintf(uuid, sizeof(uuid), "7e570000-0000-4000-8000-%012x", n);
    CU_ASSERT_EQUAL_FATAL(testhost_init(&t->host, 1u << 20), 0);
    CU_ASSERT_EQUAL_FATAL(vgpu_create(be.parent, "refgpu-8", uuid, ops, &t->host, &t->v), 0);
}

static void drop_vgpu(struct test_vgpu *t)
{
    vgpu_destroy(t->v);
    testhost_fini(&t->host);
}

static uint64_t mmio_read(struct fake_domain *f, unsigned int vcpu, uint64_t addr)
{
    return fake_vcpu_io(f, vcpu, IOREQ_TYPE_COPY, IOREQ_READ, addr, 4, 0);
}

static void mmio_write(struct fake_domain *f, unsigned int vcpu, uint64_t addr, uint32_t val)
{
    fake_vcpu_io(f, vcpu, IOREQ_TYPE_COPY, IOREQ_WRITE, addr, 4, val);
}

static const char *uuid_of(const struct test_vgpu *t, char *buf)
{
    vgpu_uuid_format(vgpu_get_uuid(t->v), buf);
    return buf;
}

/* Every vCPU is served, by one lane per domain or one per vCPU, and the
 * lanes are gone once the domain is. */
static void serve_all_vcpus(bool lane_per_vcpu)
{
    enum { NR_VCPUS = 3 };
    struct fake_domain *f;
    struct test_vgpu t;
    char uuid[VGPU_UUID_STR_LEN + 1];
    uint32_t vendor;

    be.lane_per_vcpu = lane_per_vcpu;
    make_vgpu(&t, &testhost_ops, 1);
    f = fake_domain_create(&be, 7, NR_VCPUS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(xen_ioreq_threads(), lane_per_vcpu ? NR_VCPUS : 1);
    CU_ASSERT_EQUAL(fake_domain_attach(f, t.v, uuid_of(&t, uuid), DEV, BAR0_A), 0);
    vgpu_region_read(t.v, VGPU_REGION_CONFIG, PCI_CFG_VENDOR_ID, &vendor, sizeof(vendor));
    for (unsigned int v = 0; v < NR_VCPUS; v++) {
        uint32_t val = 0x1111u * (v + 1);

        CU_ASSERT_EQUAL(fake_vcpu_io(f, v, IOREQ_TYPE_PCI_CONFIG, IOREQ_READ,
                                     SBDF | PCI_CFG_VENDOR_ID, 4, 0), vendor);
        mmio_write(f, v, BAR0_A + RGPU_REG_SCRATCH(v), val);
        CU_ASSERT_EQUAL(mmio_read(f, v, BAR0_A + RGPU_REG_SCRATCH(v)), val);
        /* Nobody's address: all-ones, as a guest sees an empty bus. */
        CU_ASSERT_EQUAL(mmio_read(f, v, BAR0_MOVED), 0xffffffffu);
        CU_ASSERT_EQUAL(fake_domain_xen(f)->vcpu_ioreqs[v], 4);
    }
    CU_ASSERT_EQUAL(fake_domain_xen(f)->ioreqs, 4 * NR_VCPUS);
    CU_ASSERT_EQUAL(fake_domain_xen(f)->bad_ioreqs, NR_VCPUS);
    fake_domain_destroy(f);
    CU_ASSERT_EQUAL(xen_ioreq_threads(), 0);
    CU_ASSERT_PTR_NULL(be.domains);
    drop_vgpu(&t);
    be.lane_per_vcpu = false;
}

static void test_lane_per_domain(void)
{
    serve_all_vcpus(false);
}

static void test_lane_per_vcpu(void)
{
    serve_all_vcpus(true);
}

/* ---- one domain's handler stalls inside the device model -------------- */
static sem_t stall_entered, stall_release;
static int stall_armed;
static struct vgpu_host_ops stall_ops;

/* The host-op a BAR move calls from inside the IOREQ handler: the first
 * call after arming blocks until the test releases it. */
static void stalling_bar_changed(void *host, unsigned int bar, u64 addr, u64 size, bool on)
{
    testhost_ops.bar_changed(host, bar, addr, size, on);
    if (__atomic_exchange_n(&stall_armed, 0, __ATOMIC_ACQ_REL)) {
        sem_post(&stall_entered);
        sem_wait(&stall_release);
    }
}

static void *move_bar(void *arg)
{
    uint32_t lo = (uint32_t)BAR0_MOVED;

    fake_vcpu_io(arg, 0, IOREQ_TYPE_PCI_CONFIG, IOREQ_WRITE, SBDF | PCI_CFG_BAR(0), 4, lo);
    return NULL;
}

static json_t *ask(const char *req)
{
    char *out = control_handle(&be, req), err[CONTROL_ERROR_MAX];
    json_t *j = out ? json_parse(out, err, sizeof(err)) : NULL;

    free(out);
    return j;
}

static void test_stalled_domain_alone(void)
{
    struct fake_domain *fa, *fb;
    struct test_vgpu a, b;
    char uuid[VGPU_UUID_STR_LEN + 1];
    pthread_t vcpu_a;
    json_t *j;

    stall_ops = testhost_ops;
    stall_ops.bar_changed = stalling_bar_changed;
    sem_init(&stall_entered, 0, 0);
    sem_init(&stall_release, 0, 0);
    make_vgpu(&a, &stall_ops, 2);
    make_vgpu(&b, &testhost_ops, 3);
    fa = fake_domain_create(&be, 1, 1);
    fb = fake_domain_create(&be, 2, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fa);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fb);
    CU_ASSERT_EQUAL(fake_domain_attach(fa, a.v, uuid_of(&a, uuid), DEV, BAR0_A), 0);
    CU_ASSERT_EQUAL(fake_domain_attach(fb, b.v, uuid_of(&b, uuid), DEV, BAR0_A), 0);

    /* Domain 1's vCPU moves its BAR; its lane blocks in the host-op. */
    __atomic_store_n(&stall_armed, 1, __ATOMIC_RELEASE);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&vcpu_a, NULL, move_bar, fa), 0);
    sem_wait(&stall_entered);

    /* Meanwhile domain 2 is served and the control socket answers. */
    for (uint32_t i = 0; i < 100; i++) {
        mmio_write(fb, 0, BAR0_A + RGPU_REG_SCRATCH(0), i);
        CU_ASSERT_EQUAL(mmio_read(fb, 0, BAR0_A + RGPU_REG_SCRATCH(0)), i);
    }
    j = ask("{\"cmd\":\"list\"}");
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_EQUAL(json_array_size(json_get(j, "instances")), 2);
    json_free(j);

    sem_post(&stall_release);
    pthread_join(vcpu_a, NULL);
    /* Domain 1's write landed: its BAR answers at the new place. */
    mmio_write(fa, 0, BAR0_MOVED + RGPU_REG_SCRATCH(1), 0xabcd);
    CU_ASSERT_EQUAL(mmio_read(fa, 0, BAR0_MOVED + RGPU_REG_SCRATCH(1)), 0xabcd);

    fake_domain_destroy(fa);
    fake_domain_destroy(fb);
    CU_ASSERT_EQUAL(xen_ioreq_threads(), 0);
    drop_vgpu(&a);
    drop_vgpu(&b);
    sem_destroy(&stall_entered);
    sem_destroy(&stall_release);
}

/* ---- a vGPU taken off a domain while its vCPU keeps trapping ---------- */
static sem_t first_read;

static void *read_until_gone(void *arg)
{
    bool posted = false;

    while (mmio_read(arg, 0, BAR0_A + RGPU_REG_SCRATCH(2)) == 0x5a5a) {
        if (!posted)
            sem_post(&first_read);
        posted = true;
    }
    return NULL;
}

static void test_unlink_while_serving(void)
{
    struct fake_domain *f;
    struct test_vgpu t;
    char uuid[VGPU_UUID_STR_LEN + 1];
    struct xen_domain *d;
    pthread_t vcpu;
    uint32_t val = 0x5a5a;

    sem_init(&first_read, 0, 0);
    make_vgpu(&t, &testhost_ops, 4);
    f = fake_domain_create(&be, 3, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    d = fake_domain_xen(f);
    CU_ASSERT_EQUAL(fake_domain_attach(f, t.v, uuid_of(&t, uuid), DEV, BAR0_A), 0);
    vgpu_region_write(t.v, VGPU_REGION_BAR0, RGPU_REG_SCRATCH(2), &val, sizeof(val));
    CU_ASSERT_EQUAL_FATAL(pthread_create(&vcpu, NULL, read_until_gone, f), 0);
    sem_wait(&first_read);
    /* Once unlinked, the lane answers all-ones: the reader stops, and the
     * vGPU is the test's alone (vgpu_destroy's contract). */
    {
        struct xen_vgpu *xv = d->devs;

        xen_domain_unlink_vgpu(d, xv);
        free(xv);
    }
    pthread_join(vcpu, NULL);
    CU_ASSERT_EQUAL(d->bad_ioreqs, 1);
    drop_vgpu(&t);
    fake_domain_destroy(f);
    CU_ASSERT_EQUAL(xen_ioreq_threads(), 0);
    sem_destroy(&first_read);
}

/* ---- a screenshot of a served vGPU, on the control path --------------- */
static void test_screenshot_of_served_vgpu(void)
{
    enum { W = 64, H = 32 };
    static const unsigned char png_magic[] = { 0x89, 'P', 'N', 'G' };
    struct fake_domain *f;
    struct test_vgpu t;
    char uuid[VGPU_UUID_STR_LEN + 1], path[] = "/tmp/vgpu-shot-XXXXXX", req[256];
    unsigned char magic[sizeof(png_magic)] = { 0 };
    json_t *j;
    double w = 0, h = 0;
    FILE *png;
    int fd;

    make_vgpu(&t, &testhost_ops, 5);
    f = fake_domain_create(&be, 4, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fake_domain_attach(f, t.v, uuid_of(&t, uuid), DEV, BAR0_A), 0);
    fake_guest_light_plane(f, t.v, BAR0_A, W, H);

    fd = mkstemp(path);
    CU_ASSERT_TRUE_FATAL(fd >= 0);
    close(fd);
    snprintf(req, sizeof(req), "{\"cmd\":\"screenshot\",\"uuid\":\"%s\",\"path\":\"%s\"}",
             uuid, path);
    j = ask(req);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_get_num(j, "width", &w) && w == W);
    CU_ASSERT_TRUE(json_get_num(j, "height", &h) && h == H);
    json_free(j);
    png = fopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(png);
    CU_ASSERT_EQUAL(fread(magic, 1, sizeof(magic), png), sizeof(magic));
    CU_ASSERT_EQUAL(memcmp(magic, png_magic, sizeof(magic)), 0);
    fclose(png);
    unlink(path);
    fake_domain_destroy(f);
    drop_vgpu(&t);
}

void register_thread_suites(void)
{
    CU_pSuite s = CU_add_suite("daemon-threads", threads_init, threads_fini);

    CU_add_test(s, "a lane per domain serves every vCPU", test_lane_per_domain);
    CU_add_test(s, "a lane per vCPU serves every vCPU", test_lane_per_vcpu);
    CU_add_test(s, "a stalled domain stalls nobody else", test_stalled_domain_alone);
    CU_add_test(s, "a vGPU unlinked while its vCPU traps", test_unlink_while_serving);
    CU_add_test(s, "a screenshot of a served vGPU", test_screenshot_of_served_vgpu);
}
