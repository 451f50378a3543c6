/*
 * ioreq-echo: a minimal IOREQ server, the rig's proof that a dom0 userspace
 * process can own a PCI function of an HVM guest the way dom0-backend/ will.
 *
 *   ioreq-echo [-b BB:DD.F] [-t SECONDS] [-r READYFILE] DOMID
 *
 * Run it against a paused guest (xl create -p): it creates an ioreq server,
 * claims the PCI function (default 00:05.0), and answers
 *   - config cycles of that function: a type-0 header with vendor:device
 *     1234:6770, class 0x0380, one 4 KiB 32-bit memory BAR (sizable, so
 *     hvmloader places it), command register bits IO/MEM/master;
 *   - MMIO inside BAR0, claimed whenever the guest enables memory decoding:
 *       +0x00  reads 0x4543484f ("ECHO")
 *       +0x10  echo register: reads back the last value written
 *       other  reads 0xec000000 | offset
 * It writes READYFILE (if given) once the server is enabled, so the job can
 * unpause the guest, and exits when the guest is gone or after SECONDS
 * (default 600), printing counters that the job checks.
 */
#define __XEN_TOOLS__ 1 /* HVM_IOREQSRV_BUFIOREQ_OFF and friends */
#include <xenctrl.h>    /* first: it sets up the Xen public headers */
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#include "le_bytes.h"
#include "pci_cfg.h"

#define BAR0_SIZE 0x1000u
#define MAX_VCPUS 64 /* one ioreq page holds 128; a test guest has a few */

struct echo {
    domid_t domid;
    uint8_t bus, dev, fn;
    xc_interface *xch;
    xendevicemodel_handle *dmod;
    xenforeignmemory_handle *fmem;
    xenevtchn_handle *xce;
    xenforeignmemory_resource_handle *fres;
    ioservid_t id;
    shared_iopage_t *page;
    unsigned int nr_vcpus;
    evtchn_port_t local_port[MAX_VCPUS];

    uint8_t cfg[256];   /* config space contents */
    uint8_t wmask[256]; /* bits the guest may change */
    uint64_t bar_mapped; /* guest address of the claimed BAR0, 0 if none */
    uint32_t echo_reg;

    unsigned long n_invalidate, n_cfg_read, n_cfg_write, n_mmio_read,
        n_mmio_write, n_other;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { stop = sig; }

static void die(const char *what)
{
    fprintf(stderr, "ioreq-echo: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void cfg_set(struct echo *e, unsigned int off, uint32_t val, unsigned int len,
                    uint32_t wmask)
{
    le_store(e->cfg + off, len, val);
    le_store(e->wmask + off, len, wmask);
}

static void cfg_init(struct echo *e)
{
    memset(e->cfg, 0, sizeof(e->cfg));
    memset(e->wmask, 0, sizeof(e->wmask));
    cfg_set(e, PCI_CFG_VENDOR_ID, 0x1234, 2, 0);
    cfg_set(e, PCI_CFG_DEVICE_ID, 0x6770, 2, 0);
    cfg_set(e, PCI_CFG_COMMAND, 0, 2,
            PCI_CFG_COMMAND_IO | PCI_CFG_COMMAND_MEMORY | PCI_CFG_COMMAND_MASTER);
    cfg_set(e, PCI_CFG_REVISION_ID, 0x03800001, 4, 0);  /* class 03/80/00, rev 1 */
    cfg_set(e, PCI_CFG_BAR(0), 0, 4, ~(BAR0_SIZE - 1)); /* mem32, 4 KiB */
    cfg_set(e, PCI_CFG_SUBSYS_VENDOR, 0x00011234, 4, 0);
    cfg_set(e, PCI_CFG_INTERRUPT_LINE, 0, 1, 0xff);     /* scratch */
}

static uint32_t cfg_read(const struct echo *e, unsigned int reg, unsigned int size)
{
    unsigned int room = reg < sizeof(e->cfg) ? (unsigned int)sizeof(e->cfg) - reg : 0;

    return room ? (uint32_t)le_load(e->cfg + reg, size < room ? size : room) : 0;
}

/* Claim BAR0's range while memory decoding is on and the BAR holds an
 * address; the all-ones pattern during BAR sizing is not an address. */
static void bar_update(struct echo *e)
{
    uint32_t bar = cfg_read(e, PCI_CFG_BAR(0), 4) & ~(BAR0_SIZE - 1);
    int mem_on = cfg_read(e, PCI_CFG_COMMAND, 2) & PCI_CFG_COMMAND_MEMORY;
    uint64_t want = (mem_on && bar && bar != (uint32_t)~(BAR0_SIZE - 1)) ? bar : 0;

    if (want == e->bar_mapped)
        return;
    if (e->bar_mapped &&
        xendevicemodel_unmap_io_range_from_ioreq_server(
            e->dmod, e->domid, e->id, 1, e->bar_mapped, e->bar_mapped + BAR0_SIZE - 1))
        fprintf(stderr, "ioreq-echo: unmap BAR0 %#" PRIx64 ": %s\n", e->bar_mapped,
                strerror(errno));
    e->bar_mapped = 0;
    if (want) {
        if (xendevicemodel_map_io_range_to_ioreq_server(e->dmod, e->domid, e->id, 1, want,
                                                        want + BAR0_SIZE - 1))
            die("map BAR0 range");
        e->bar_mapped = want;
    }
    printf("ioreq-echo: BAR0 %s %#" PRIx64 "\n", want ? "claimed at" : "released", want);
    fflush(stdout);
}

static void cfg_write(struct echo *e, unsigned int reg, unsigned int size, uint32_t val)
{
    for (unsigned int i = 0; i < size && reg + i < sizeof(e->cfg); i++) {
        uint8_t m = e->wmask[reg + i];
        e->cfg[reg + i] = (uint8_t)((e->cfg[reg + i] & ~m) | ((val >> (8 * i)) & m));
    }
    bar_update(e);
}

static uint64_t mmio_read(struct echo *e, uint64_t off)
{
    if (off == 0)
        return 0x4543484f;
    if (off == 0x10)
        return e->echo_reg;
    return 0xec000000u | (uint32_t)off;
}

static void handle(struct echo *e, ioreq_t *req)
{
    if (req->type == IOREQ_TYPE_INVALIDATE) {
        /* map-cache flush broadcast (its count is not 1): nothing cached */
        e->n_invalidate++;
        return;
    }
    if (req->data_is_ptr || req->count != 1) {
        /* rep string MMIO: not part of this test; answer all-ones. */
        e->n_other++;
        if (req->dir == IOREQ_READ && !req->data_is_ptr)
            req->data = ~0ull;
        return;
    }
    switch (req->type) {
    case IOREQ_TYPE_PCI_CONFIG: {
        /* addr = SBDF << 32 | register; Xen only sends our claimed SBDF. */
        unsigned int reg = (unsigned int)(req->addr & 0xfff);
        if (req->dir == IOREQ_READ) {
            req->data = cfg_read(e, reg, req->size);
            e->n_cfg_read++;
        } else {
            cfg_write(e, reg, req->size, (uint32_t)req->data);
            e->n_cfg_write++;
        }
        break;
    }
    case IOREQ_TYPE_COPY: {
        uint64_t off = req->addr - e->bar_mapped;
        if (req->dir == IOREQ_READ) {
            uint64_t v = mmio_read(e, off & ~3ull) >> (8 * (off & 3));
            req->data = req->size >= 8 ? v : v & ((1ull << (8 * req->size)) - 1);
            e->n_mmio_read++;
        } else {
            if (off == 0x10)
                e->echo_reg = (uint32_t)req->data;
            e->n_mmio_write++;
        }
        break;
    }
    default:
        e->n_other++;
        if (req->dir == IOREQ_READ)
            req->data = ~0ull;
    }
}

/* One pass over every vCPU slot: READY -> INPROCESS -> answer -> IORESP_READY. */
static void service(struct echo *e)
{
    for (unsigned int v = 0; v < e->nr_vcpus; v++) {
        ioreq_t *req = &e->page->vcpu_ioreq[v];
        if (req->state != STATE_IOREQ_READY)
            continue;
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* read the request after its state */
        req->state = STATE_IOREQ_INPROCESS;
        handle(e, req);
        __atomic_thread_fence(__ATOMIC_RELEASE); /* publish data before the state */
        req->state = STATE_IORESP_READY;
        xenevtchn_notify(e->xce, e->local_port[v]);
    }
}

static int domain_alive(struct echo *e)
{
    xc_dominfo_t info;
    if (xc_domain_getinfo(e->xch, e->domid, 1, &info) != 1 || info.domid != e->domid)
        return 0;
    return !info.dying && !info.shutdown;
}

static void setup(struct echo *e)
{
    xc_dominfo_t info;
    if (xc_domain_getinfo(e->xch, e->domid, 1, &info) != 1 || info.domid != e->domid)
        die("no such domain");
    e->nr_vcpus = info.max_vcpu_id + 1;
    if (e->nr_vcpus > MAX_VCPUS)
        e->nr_vcpus = MAX_VCPUS;

    if (xendevicemodel_create_ioreq_server(e->dmod, e->domid, HVM_IOREQSRV_BUFIOREQ_OFF, &e->id))
        die("create ioreq server");
    void *addr = NULL;
    e->fres = xenforeignmemory_map_resource(e->fmem, e->domid, XENMEM_resource_ioreq_server,
                                            e->id, XENMEM_resource_ioreq_server_frame_ioreq(0),
                                            1, &addr, PROT_READ | PROT_WRITE, 0);
    if (!e->fres)
        die("map ioreq page");
    e->page = addr;
    /* NULL outputs: the legacy gfn pages are not wanted, but the call
     * completes the server's set-up as QEMU does it. */
    if (xendevicemodel_get_ioreq_server_info(e->dmod, e->domid, e->id, NULL, NULL, NULL))
        die("get ioreq server info");
    if (xendevicemodel_map_pcidev_to_ioreq_server(e->dmod, e->domid, e->id, 0, e->bus, e->dev,
                                                  e->fn))
        die("claim PCI function");
    if (xendevicemodel_set_ioreq_server_state(e->dmod, e->domid, e->id, 1))
        die("enable ioreq server");
    /* vp_eport is valid once the server is enabled. */
    for (unsigned int v = 0; v < e->nr_vcpus; v++) {
        xenevtchn_port_or_error_t p =
            xenevtchn_bind_interdomain(e->xce, e->domid, e->page->vcpu_ioreq[v].vp_eport);
        if (p < 0)
            die("bind vcpu event channel");
        e->local_port[v] = (evtchn_port_t)p;
    }
}

static void teardown(struct echo *e)
{
    /* Destroying the server drops its claims and ports in Xen. */
    xendevicemodel_destroy_ioreq_server(e->dmod, e->domid, e->id);
    xenforeignmemory_unmap_resource(e->fmem, e->fres);
}

static void usage(void)
{
    fprintf(stderr, "usage: ioreq-echo [-b BB:DD.F] [-t SECONDS] [-r READYFILE] DOMID\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct echo e = { .bus = 0, .dev = 5, .fn = 0 };
    const char *ready = NULL;
    long timeout = 600;
    int c;
    unsigned int b, d, f;

    while ((c = getopt(argc, argv, "b:t:r:")) != -1) {
        switch (c) {
        case 'b':
            if (sscanf(optarg, "%x:%x.%x", &b, &d, &f) != 3 || b > 255 || d > 31 || f > 7)
                usage();
            e.bus = (uint8_t)b, e.dev = (uint8_t)d, e.fn = (uint8_t)f;
            break;
        case 't': timeout = strtol(optarg, NULL, 0); break;
        case 'r': ready = optarg; break;
        default: usage();
        }
    }
    if (optind + 1 != argc)
        usage();
    e.domid = (domid_t)strtoul(argv[optind], NULL, 0);
    cfg_init(&e);

    /* Off Xen these fail with ENOENT: say so plainly. */
    if (!(e.xch = xc_interface_open(NULL, NULL, 0)))
        die("xc_interface_open (not running in a Xen dom0?)");
    if (!(e.dmod = xendevicemodel_open(NULL, 0)))
        die("xendevicemodel_open");
    if (!(e.fmem = xenforeignmemory_open(NULL, 0)))
        die("xenforeignmemory_open");
    if (!(e.xce = xenevtchn_open(NULL, 0)))
        die("xenevtchn_open");

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    setup(&e);
    printf("ioreq-echo: server %u for dom%u claims %02x:%02x.%x (%u vcpus)\n", e.id, e.domid,
           e.bus, e.dev, e.fn, e.nr_vcpus);
    fflush(stdout);
    if (ready) {
        FILE *fp = fopen(ready, "w");
        if (fp)
            fclose(fp);
    }

    time_t end = time(NULL) + timeout, next_check = 0;
    struct pollfd pfd = { .fd = xenevtchn_fd(e.xce), .events = POLLIN };
    while (!stop) {
        int n = poll(&pfd, 1, 500);
        if (n > 0) {
            xenevtchn_port_or_error_t p = xenevtchn_pending(e.xce);
            if (p >= 0)
                xenevtchn_unmask(e.xce, (evtchn_port_t)p);
        }
        /* Scan every slot on each wake-up: cheap, and robust to a missed port. */
        service(&e);
        time_t now = time(NULL);
        if (now >= end) {
            fprintf(stderr, "ioreq-echo: timeout after %lds\n", timeout);
            break;
        }
        if (now >= next_check) {
            if (!domain_alive(&e))
                break;
            next_check = now + 1;
        }
    }
    printf("ioreq-echo: done invalidate=%lu cfg_read=%lu cfg_write=%lu mmio_read=%lu "
           "mmio_write=%lu other=%lu echo=%#x\n",
           e.n_invalidate, e.n_cfg_read, e.n_cfg_write, e.n_mmio_read, e.n_mmio_write,
           e.n_other, e.echo_reg);
    if (domain_alive(&e))
        teardown(&e);
    return 0;
}
