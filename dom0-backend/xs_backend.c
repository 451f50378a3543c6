/*
 * xs_backend.c - vGPU lifecycle through xenstore, following Xen's PV
 * backend conventions.
 *
 * The toolstack writes backend/vgpu/<domid>/<devid>/{type,uuid,bdf,
 * frontend,frontend-id,online} and state = 1 (Initialising) while the
 * guest is still paused.  We set the vGPU up and answer state = 4
 * (Connected), or write `error` and state = 6 (Closed).  state = 5
 * (Closing), online = 0 or removal of the node tears the vGPU down (state
 * 6 if the node remains); @releaseDomain tears down whatever belonged to a
 * domain that died.  docs/vgpu-config.md describes the nodes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

enum {
    XB_INITIALISING = 1,
    XB_INITWAIT = 2,
    XB_CONNECTED = 4,
    XB_CLOSING = 5,
    XB_CLOSED = 6,
};

static char *xs_read_str(struct backend *be, const char *dir, const char *node)
{
    char path[256];
    unsigned int len;

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    return xs_read(be->xs, XBT_NULL, path, &len);
}

static int xs_read_int(struct backend *be, const char *dir, const char *node, int dflt)
{
    char *s = xs_read_str(be, dir, node);
    int v = dflt;

    if (s) {
        char *end;
        long l = strtol(s, &end, 10);

        if (end != s && *end == '\0')
            v = (int)l;
        free(s);
    }
    return v;
}

static void xs_write_str(struct backend *be, const char *dir, const char *node, const char *val)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, node);
    if (!xs_write(be->xs, XBT_NULL, path, val, strlen(val)))
        os_warn("xenstore: writing %s failed: %s", path, strerror(errno));
}

static void set_state(struct backend *be, const char *dir, int state)
{
    char s[8];

    snprintf(s, sizeof(s), "%d", state);
    xs_write_str(be, dir, "state", s);
}

/* "BB:DD.F" (hex bus and device, function digit), as lspci prints it. */
static int parse_bdf(const char *s, uint8_t *bus, uint8_t *dev, uint8_t *fn)
{
    unsigned int b, d, f;
    char extra;

    if (!s || sscanf(s, "%2x:%2x.%1u%c", &b, &d, &f, &extra) != 3 || b > 255 || d > 31 || f > 7)
        return -EINVAL;
    *bus = (uint8_t)b;
    *dev = (uint8_t)d;
    *fn = (uint8_t)f;
    return 0;
}

static void fail_dev(struct backend *be, const char *dir, const char *why)
{
    os_err("%s: %s", dir, why);
    xs_write_str(be, dir, "error", why);
    set_state(be, dir, XB_CLOSED);
}

/* The VNC keys vgpu-xl wrote (vnc, vnclisten, vncport, vncpasswd), checked
 * as vgpuctl check-config checks the vgpu= entry.  0, or -EINVAL with why. */
static int read_vnc(struct backend *be, const char *dir, struct vgpu_vnc_config *c, char *why,
                    size_t whylen)
{
    static const char *const keys[] = { "vnc", "vnclisten", "vncport", "vncpasswd" };

    vgpu_vnc_default(c);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *val = xs_read_str(be, dir, keys[i]);
        int rc = val ? vgpu_vnc_set(c, keys[i], val, why, whylen) : 0;

        free(val);
        if (rc < 0)
            return -EINVAL;
    }
    return vgpu_vnc_finish(c, why, whylen) ? -EINVAL : 0;
}

/* Where tools find the vGPU's VNC: vnc-listen and vnc-port in its node. */
static void publish_vnc(struct backend *be, const char *dir, const struct xen_vgpu *xv)
{
    char port[16];

    if (!xv || !xv->vnc)
        return;
    snprintf(port, sizeof(port), "%d", vnc_display_port(xv->vnc));
    xs_write_str(be, dir, "vnc-listen", vnc_display_listen(xv->vnc));
    xs_write_str(be, dir, "vnc-port", port);
}

static void unpublish_vnc(struct backend *be, const char *dir)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/vnc-listen", dir);
    xs_rm(be->xs, XBT_NULL, path);
    snprintf(path, sizeof(path), "%s/vnc-port", dir);
    xs_rm(be->xs, XBT_NULL, path);
}

static void connect_dev(struct backend *be, domid_t domid, unsigned int devid, const char *dir)
{
    struct vgpu_vnc_config vnc;
    char *type = xs_read_str(be, dir, "type"), *uuid = xs_read_str(be, dir, "uuid");
    char *bdf = xs_read_str(be, dir, "bdf"), why[256] = "";
    uint8_t bus, dev, fn;
    struct xen_domain *d;
    int rc;

    set_state(be, dir, XB_INITWAIT);
    if (!type || !uuid || !bdf) {
        snprintf(why, sizeof(why), "missing node: %s", !type ? "type" : !uuid ? "uuid" : "bdf");
        fail_dev(be, dir, why);
        goto out;
    }
    if (parse_bdf(bdf, &bus, &dev, &fn)) {
        snprintf(why, sizeof(why), "bad bdf '%s' (want BB:DD.F, e.g. 00:05.0)", bdf);
        fail_dev(be, dir, why);
        goto out;
    }
    if (read_vnc(be, dir, &vnc, why, sizeof(why))) {
        fail_dev(be, dir, why);
        goto out;
    }
    d = xen_domain_get(be, domid, &rc);
    if (!d) {
        snprintf(why, sizeof(why), "cannot serve dom%u: %s", domid, strerror(-rc));
        fail_dev(be, dir, why);
        goto out;
    }
    rc = xen_domain_add_vgpu(d, devid, type, uuid, bus, dev, fn, &vnc, why, sizeof(why));
    if (rc) {
        fail_dev(be, dir, why);
        if (!d->devs)
            xen_domain_destroy(d);
        goto out;
    }
    publish_vnc(be, dir, xen_domain_find_vgpu(d, devid));
    xs_write_str(be, dir, "error", "");
    set_state(be, dir, XB_CONNECTED);
out:
    free(type);
    free(uuid);
    free(bdf);
}

static void disconnect_dev(struct backend *be, struct xen_domain *d, struct xen_vgpu *xv,
                           const char *dir, bool node_exists)
{
    xen_domain_remove_vgpu(d, xv);
    if (node_exists) {
        unpublish_vnc(be, dir);
        set_state(be, dir, XB_CLOSED);
    }
    if (!d->devs)
        xen_domain_destroy(d);
}

/* Reconcile one device node with what we serve. */
static void scan_dev(struct backend *be, domid_t domid, unsigned int devid)
{
    char dir[160];
    struct xen_domain *d = xen_domain_find(be, domid);
    struct xen_vgpu *xv = d ? xen_domain_find_vgpu(d, devid) : NULL;
    int state, online;

    snprintf(dir, sizeof(dir), "%s/%u/%u", be->xs_base, domid, devid);
    state = xs_read_int(be, dir, "state", -1);
    online = xs_read_int(be, dir, "online", 1);
    if (xv) {
        if (state == -1 || state == XB_CLOSING || !online)
            disconnect_dev(be, d, xv, dir, state != -1);
        return;
    }
    if (state == XB_INITIALISING && online)
        connect_dev(be, domid, devid, dir);
}

static void scan_all(struct backend *be)
{
    unsigned int nd, nv;
    char **doms = xs_directory(be->xs, XBT_NULL, be->xs_base, &nd);

    for (unsigned int i = 0; doms && i < nd; i++) {
        char path[160];
        char **devs;
        domid_t domid = (domid_t)strtoul(doms[i], NULL, 10);

        snprintf(path, sizeof(path), "%s/%s", be->xs_base, doms[i]);
        devs = xs_directory(be->xs, XBT_NULL, path, &nv);
        for (unsigned int j = 0; devs && j < nv; j++)
            scan_dev(be, domid, (unsigned int)strtoul(devs[j], NULL, 10));
        free(devs);
    }
    free(doms);

    /* Devices whose node vanished entirely (the toolstack removed the
     * directory).  Restart after each removal: it may free the domain. */
    for (bool again = true; again;) {
        again = false;
        for (struct xen_domain *d = be->domains; d && !again; d = d->next) {
            for (struct xen_vgpu *xv = d->devs; xv; xv = xv->next) {
                char path[160];
                unsigned int len;
                char *st;

                snprintf(path, sizeof(path), "%s/%u/%u/state", be->xs_base, d->domid,
                         xv->devid);
                st = xs_read(be->xs, XBT_NULL, path, &len);
                free(st);
                if (!st) {
                    disconnect_dev(be, d, xv, path, false);
                    again = true;
                    break;
                }
            }
        }
    }
}

/* A domain died: drop everything of it, and its backend nodes. */
static void reap_dead(struct backend *be)
{
    for (struct xen_domain *d = be->domains, *dn; d; d = dn) {
        char path[160];

        dn = d->next;
        if (xen_domain_alive(be, d->domid))
            continue;
        os_info("dom%u is gone: tearing down its vGPUs", d->domid);
        snprintf(path, sizeof(path), "%s/%u", be->xs_base, d->domid);
        xen_domain_destroy(d);
        xs_rm(be->xs, XBT_NULL, path);
    }
}

int xs_backend_init(struct backend *be)
{
    char *home;

    be->xs = xs_open(0);
    if (!be->xs) {
        os_err("cannot connect to xenstore: %s (is xenstored running?)", strerror(errno));
        return -errno;
    }
    home = xs_get_domain_path(be->xs, 0);
    if (!home)
        return -ENOMEM;
    if (asprintf(&be->xs_base, "%s/backend/vgpu", home) < 0) {
        free(home);
        return -ENOMEM;
    }
    free(home);
    if (!xs_mkdir(be->xs, XBT_NULL, be->xs_base) ||
        !xs_watch(be->xs, be->xs_base, "vgpu") || !xs_watch(be->xs, "@releaseDomain", "dead")) {
        os_err("xenstore: cannot watch %s: %s", be->xs_base, strerror(errno));
        return -errno;
    }
    os_info("watching %s", be->xs_base);
    return 0;
}

void xs_backend_fini(struct backend *be)
{
    while (be->domains) {
        struct xen_domain *d = be->domains;
        struct xen_vgpu *xv;

        for (xv = d->devs; xv; xv = xv->next) {
            char dir[160];

            snprintf(dir, sizeof(dir), "%s/%u/%u", be->xs_base, d->domid, xv->devid);
            unpublish_vnc(be, dir);
            set_state(be, dir, XB_CLOSED);
        }
        xen_domain_destroy(d);
    }
    while (be->detached)
        backend_unreserve(be, be->detached);
    if (be->xs) {
        xs_unwatch(be->xs, be->xs_base, "vgpu");
        xs_unwatch(be->xs, "@releaseDomain", "dead");
        xs_close(be->xs);
    }
    free(be->xs_base);
    be->xs = NULL;
    be->xs_base = NULL;
}

int xs_backend_fd(struct backend *be)
{
    return xs_fileno(be->xs);
}

void xs_backend_event(struct backend *be)
{
    unsigned int n;
    char **ev = xs_read_watch(be->xs, &n);
    bool dead;

    if (!ev)
        return;
    dead = !strcmp(ev[XS_WATCH_TOKEN], "dead");
    free(ev);
    if (dead)
        reap_dead(be);
    scan_all(be);
}
