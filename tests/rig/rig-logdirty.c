/*
 * rig-logdirty: Xen log-dirty from dom0, for the rig's proof that the pages
 * a vGPU's engines write reach the guest's dirty bitmap (docs/hw-spec.md
 * §10: vgpu-backend reports them with XEN_DMOP_modified_memory).  Writes
 * made through dom0's foreign mappings bypass the guest's page tables, so
 * without that report a migration would never copy them again.
 *
 *   rig-logdirty DOMID enable
 *       Turn log-dirty mode on (XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, as
 *       migration does) and clean the bitmap (prints how many pages were
 *       dirty before).
 *   rig-logdirty DOMID peek GFN...
 *       Read the bitmap without cleaning it (SHADOW_OP_PEEK); print one
 *       line per GFN, `gfn 0x... dirty` or `gfn 0x... clean`, then the
 *       number of dirty pages of the whole domain.
 *   rig-logdirty DOMID off
 *       Turn log-dirty mode off.
 *   rig-logdirty DOMID poke GFN OFFSET VALUE
 *       Write the 32-bit VALUE at byte OFFSET of guest frame GFN through a
 *       foreign mapping: the rig's signal to a guest program polling that
 *       word (such a write is invisible to log-dirty, as above).
 *
 * Exit status: 0 done, 1 failure, 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>

static int usage(void)
{
    fprintf(stderr, "usage: rig-logdirty DOMID enable|off|peek GFN...|poke GFN OFFSET VALUE\n");
    return 2;
}

#define BITS (8 * sizeof(unsigned long))

/* Run SHADOW_OP_PEEK or _CLEAN over the whole domain; print the dirty
 * state of each GFN of gfns[n] and the domain's count. */
static int bitmap_op(xc_interface *xch, uint32_t domid, unsigned int op, int n, char **gfns)
{
    DECLARE_HYPERCALL_BUFFER(unsigned long, bitmap);
    xen_pfn_t max_gpfn = 0;
    unsigned long pages, npages, dirty = 0, i;
    int bad = 0;

    if (xc_domain_maximum_gpfn(xch, domid, &max_gpfn) < 0) {
        perror("xc_domain_maximum_gpfn");
        return 1;
    }
    pages = max_gpfn + 1;
    npages = ((pages + BITS - 1) / BITS * sizeof(unsigned long) + XC_PAGE_SIZE - 1) / XC_PAGE_SIZE;
    bitmap = xc_hypercall_buffer_alloc_pages(xch, bitmap, npages);
    if (!bitmap) {
        perror("xc_hypercall_buffer_alloc_pages");
        return 1;
    }
    memset(bitmap, 0, npages * XC_PAGE_SIZE);
    if (xc_logdirty_control(xch, domid, op, HYPERCALL_BUFFER(bitmap), pages, 0, NULL) < 0) {
        perror(op == XEN_DOMCTL_SHADOW_OP_PEEK ? "SHADOW_OP_PEEK" : "SHADOW_OP_CLEAN");
        xc_hypercall_buffer_free_pages(xch, bitmap, npages);
        return 1;
    }
    for (i = 0; i < pages; i++)
        dirty += (bitmap[i / BITS] >> (i % BITS)) & 1;
    for (; n > 0; n--, gfns++) {
        unsigned long gfn = strtoul(gfns[0], NULL, 0);

        if (gfn >= pages) {
            printf("gfn 0x%lx beyond the domain (max 0x%lx)\n", gfn, (unsigned long)max_gpfn);
            bad = 1;
            continue;
        }
        printf("gfn 0x%lx %s\n", gfn, (bitmap[gfn / BITS] >> (gfn % BITS)) & 1 ? "dirty" : "clean");
    }
    printf("dirty pages: %lu of %lu\n", dirty, pages);
    xc_hypercall_buffer_free_pages(xch, bitmap, npages);
    return bad;
}

static int poke(uint32_t domid, char **argv)
{
    xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
    xen_pfn_t gfn = strtoull(argv[0], NULL, 0);
    unsigned long off = strtoul(argv[1], NULL, 0);
    uint32_t val = (uint32_t)strtoul(argv[2], NULL, 0);
    int err = 0;
    uint8_t *p;

    if (!fm || off > XC_PAGE_SIZE - 4 || (off & 3)) {
        fprintf(stderr, "poke: %s\n", fm ? "offset out of the page" : strerror(errno));
        return 1;
    }
    p = xenforeignmemory_map(fm, domid, PROT_READ | PROT_WRITE, 1, &gfn, &err);
    if (!p || err) {
        fprintf(stderr, "poke: mapping gfn 0x%" PRIx64 ": %s\n", (uint64_t)gfn,
                strerror(err ? -err : errno));
        xenforeignmemory_close(fm);
        return 1;
    }
    __atomic_store_n((uint32_t *)(p + off), val, __ATOMIC_RELEASE);
    xenforeignmemory_unmap(fm, p, 1);
    xenforeignmemory_close(fm);
    return 0;
}

int main(int argc, char **argv)
{
    xc_interface *xch;
    uint32_t domid;
    int rc = 0;

    if (argc < 3)
        return usage();
    domid = (uint32_t)strtoul(argv[1], NULL, 0);
    if (!strcmp(argv[2], "poke"))
        return argc == 6 ? poke(domid, argv + 3) : usage();
    xch = xc_interface_open(NULL, NULL, 0);
    if (!xch) {
        perror("xc_interface_open");
        return 1;
    }
    if (!strcmp(argv[2], "enable")) {
        if (xc_shadow_control(xch, domid, XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY, NULL, 0) < 0) {
            perror("enable log-dirty");
            rc = 1;
        } else {
            rc = bitmap_op(xch, domid, XEN_DOMCTL_SHADOW_OP_CLEAN, 0, NULL);
        }
    } else if (!strcmp(argv[2], "off")) {
        if (xc_shadow_control(xch, domid, XEN_DOMCTL_SHADOW_OP_OFF, NULL, 0) < 0) {
            perror("log-dirty off");
            rc = 1;
        }
    } else if (!strcmp(argv[2], "peek")) {
        rc = bitmap_op(xch, domid, XEN_DOMCTL_SHADOW_OP_PEEK, argc - 3, argv + 3);
    } else {
        rc = usage();
    }
    xc_interface_close(xch);
    return rc;
}
