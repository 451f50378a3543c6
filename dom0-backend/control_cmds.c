/*
 * control_cmds.c - the commands of vgpu-backend's control socket
 * (docs/control-protocol.md): one JSON request line in, one reply out.
 * control.c carries the lines; this file knows what they mean.  Runs on
 * the main thread, never on a domain's IOREQ thread: a screenshot's PNG
 * encoding delays only the next control or xenstore event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "control.h"
#include "json.h"
#include "screenshot.h"

/* The names of every type, for an unknown-type error. */
#define TYPE_NAMES_MAX 256
#define WEIGHT_MAX 1000         /* set-weight's upper bound (the budget decides below it) */
#define KIB 1024ul
#define MIB_SHIFT 20

char *control_reply_error(int err, const char *fmt, ...)
{
    struct jbuf b = { 0 };
    char msg[CONTROL_ERROR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    jb_raw(&b, "{\"ok\":false,\"errno\":");
    jb_fmt(&b, "%d,\"error\":", err);
    jb_str(&b, msg);
    jb_raw(&b, "}\n");
    return b.s;
}

static void known_types(struct backend *be, char *out, size_t len)
{
    size_t o = 0;

    out[0] = '\0';
    for (unsigned int i = 0; i < vgpu_parent_num_types(be->parent); i++)
        o += (size_t)snprintf(out + o, o < len ? len - o : 0, "%s%s", i ? ", " : "",
                              vgpu_parent_type(be->parent, i)->name);
}

/* Every vGPU the daemon holds: those attached to domains, then the
 * reservations.  Start with xv = NULL. */
static struct xen_vgpu *next_vgpu(struct backend *be, struct xen_vgpu *xv)
{
    struct xen_domain *d;

    if (xv && xv->next)
        return xv->next;
    if (xv && !xv->dom)
        return NULL;                    /* end of the reservations */
    for (d = xv ? xv->dom->next : be->domains; d; d = d->next)
        if (d->devs)
            return d->devs;
    return be->detached;
}

static struct xen_vgpu *find_uuid(struct backend *be, const char *uuid)
{
    for (struct xen_vgpu *xv = next_vgpu(be, NULL); xv; xv = next_vgpu(be, xv))
        if (!strcasecmp(xv->uuid, uuid))
            return xv;
    return NULL;
}

static void emit_instance(struct jbuf *b, const struct xen_vgpu *xv)
{
    jb_raw(b, "{\"uuid\":");
    jb_str(b, xv->uuid);
    jb_raw(b, ",\"type\":");
    jb_str(b, xv->type);
    if (xv->dom) {
        char bdf[sizeof("bb:dd.f")];

        snprintf(bdf, sizeof(bdf), "%02x:%02x.%u", xv->bus, xv->dev, xv->fn & 7u);  /* fn < 8 */
        jb_fmt(b, ",\"domid\":%u,\"devid\":%u,\"bdf\":\"%s\",\"state\":\"running\"",
               xv->dom->domid, xv->devid, bdf);
    } else {
        jb_raw(b, ",\"domid\":null,\"devid\":null,\"bdf\":null,\"state\":\"reserved\"");
    }
    /* Where a VNC viewer connects, "ADDR:PORT" ("[ADDR]:PORT" for IPv6). */
    if (xv->vnc) {
        char addr[VNC_DISPLAY_ADDR_LEN];

        vnc_display_address(xv->vnc, addr, sizeof(addr));
        jb_raw(b, ",\"vnc\":");
        jb_str(b, addr);
        jb_raw(b, "}");
    } else {
        jb_raw(b, ",\"vnc\":null}");
    }
}

static char *cmd_types(struct backend *be)
{
    struct jbuf b = { 0 };

    jb_raw(&b, "{\"ok\":true,\"types\":[");
    for (unsigned int i = 0; i < vgpu_parent_num_types(be->parent); i++) {
        const struct vgpu_type *t = vgpu_parent_type(be->parent, i);

        jb_raw(&b, i ? ",{\"name\":" : "{\"name\":");
        jb_str(&b, t->name);
        jb_raw(&b, ",\"description\":");
        jb_str(&b, t->description);
        jb_fmt(&b, ",\"gm_mb\":%llu,\"weight\":%u,\"max_width\":%u,"
               "\"max_height\":%u,\"available_instances\":%u}",
               (unsigned long long)(t->gm_size >> MIB_SHIFT), t->weight, t->max_width,
               t->max_height, vgpu_type_available_instances(be->parent, t));
    }
    jb_raw(&b, "]}\n");
    return b.s;
}

static char *cmd_list(struct backend *be)
{
    struct jbuf b = { 0 };
    bool first = true;

    jb_raw(&b, "{\"ok\":true,\"instances\":[");
    for (struct xen_vgpu *xv = next_vgpu(be, NULL); xv; xv = next_vgpu(be, xv)) {
        if (!first)
            jb_raw(&b, ",");
        emit_instance(&b, xv);
        first = false;
    }
    jb_raw(&b, "]}\n");
    return b.s;
}

static void new_uuid(char *out)
{
    FILE *f = fopen("/proc/sys/kernel/random/uuid", "r");

    out[0] = '\0';
    if (f) {
        if (!fgets(out, VGPU_UUID_STR_LEN + 1, f))
            out[0] = '\0';
        fclose(f);
    }
}

static char *cmd_create(struct backend *be, const json_t *req)
{
    const char *type = json_get_str(req, "type"), *uuid = json_get_str(req, "uuid");
    char gen[VGPU_UUID_STR_LEN + 1], names[TYPE_NAMES_MAX], why[CONTROL_ERROR_MAX];
    const struct vgpu_type *t;
    struct jbuf b = { 0 };
    int rc;

    if (!type)
        return control_reply_error(EINVAL, "create needs \"type\"");
    t = vgpu_parent_find_type(be->parent, type);
    if (!t) {
        known_types(be, names, sizeof(names));
        return control_reply_error(ENOENT, "type '%s' unknown; known: %s", type, names);
    }
    if (!uuid) {
        new_uuid(gen);
        uuid = gen;
    }
    if (find_uuid(be, uuid))
        return control_reply_error(EEXIST, "a vGPU with UUID %s already exists", uuid);
    rc = backend_reserve(be, type, uuid, why, sizeof(why));
    if (rc)
        return control_reply_error(-rc, "%s", why);
    jb_raw(&b, "{\"ok\":true,\"uuid\":");
    jb_str(&b, uuid);
    jb_raw(&b, "}\n");
    return b.s;
}

static struct xen_vgpu *need_vgpu(struct backend *be, const json_t *req, char **err)
{
    const char *uuid = json_get_str(req, "uuid");
    struct xen_vgpu *xv;

    if (!uuid) {
        *err = control_reply_error(EINVAL, "this command needs \"uuid\"");
        return NULL;
    }
    xv = find_uuid(be, uuid);
    if (!xv)
        *err = control_reply_error(ENOENT, "no vGPU with UUID %s (see 'vgpuctl list')", uuid);
    return xv;
}

static char *cmd_destroy(struct backend *be, const json_t *req)
{
    char *err = NULL;
    struct xen_vgpu *xv = need_vgpu(be, req, &err);

    if (!xv)
        return err;
    if (xv->dom)
        return control_reply_error(EBUSY, "vGPU %s is in use by dom%u (device %u): shut the domain "
                           "down or detach the device first", xv->uuid, xv->dom->domid,
                           xv->devid);
    backend_unreserve(be, xv);
    return strdup("{\"ok\":true}\n");
}

static void emit_stats(struct backend *be, struct jbuf *b, struct xen_vgpu *xv)
{
    struct vgpu_stats st;
    double age = (double)(os_now_ns() - xv->created_ns) / 1e9;

    vgpu_get_stats(xv->v, &st);
    (void)be;
    jb_raw(b, "{\"uuid\":");
    jb_str(b, xv->uuid);
    jb_fmt(b, ",\"seconds\":%.3f,\"busy_pct\":{\"render\":%.2f,\"copy\":%.2f},"
           "\"busy_ns\":{\"render\":%llu,\"copy\":%llu},\"workloads\":%llu,\"commands\":%llu,"
           "\"rejects\":%llu,\"faults\":%llu,\"resets\":%llu,\"watchdogs\":%llu,"
           "\"interrupts\":%llu,\"mmio_traps\":%llu,\"cfg_traps\":%llu,\"gtt_updates\":%llu,"
           "\"bad_accesses\":%llu,\"vblanks\":%llu,\"weight\":%u}",
           age, age > 0 ? (double)st.busy_ns[0] / 1e9 / age * 100 : 0,
           age > 0 ? (double)st.busy_ns[1] / 1e9 / age * 100 : 0,
           (unsigned long long)st.busy_ns[0], (unsigned long long)st.busy_ns[1],
           (unsigned long long)st.workloads, (unsigned long long)st.commands,
           (unsigned long long)st.rejects, (unsigned long long)st.faults,
           (unsigned long long)st.resets, (unsigned long long)st.watchdogs,
           (unsigned long long)st.interrupts, (unsigned long long)st.mmio_traps,
           (unsigned long long)st.cfg_traps, (unsigned long long)st.gtt_updates,
           (unsigned long long)st.bad_accesses, (unsigned long long)st.vblanks,
           vgpu_get_weight(xv->v));
}

static char *cmd_stats(struct backend *be, const json_t *req)
{
    struct jbuf b = { 0 };
    bool first = true;

    if (json_get_str(req, "uuid")) {
        char *err = NULL;
        struct xen_vgpu *xv = need_vgpu(be, req, &err);

        if (!xv)
            return err;
        jb_raw(&b, "{\"ok\":true,\"stats\":[");
        emit_stats(be, &b, xv);
        jb_raw(&b, "]}\n");
        return b.s;
    }
    jb_raw(&b, "{\"ok\":true,\"stats\":[");
    for (struct xen_vgpu *xv = next_vgpu(be, NULL); xv; xv = next_vgpu(be, xv)) {
        if (!first)
            jb_raw(&b, ",");
        emit_stats(be, &b, xv);
        first = false;
    }
    jb_raw(&b, "]}\n");
    return b.s;
}

/* The daemon itself: what it holds, for operators and for leak checks.
 * heap_bytes is what malloc has handed out and not got back (exact, unlike
 * RSS, which keeps freed pages the allocator has not returned). */
static char *cmd_status(struct backend *be)
{
    struct mallinfo2 mi = mallinfo2();
    unsigned int domains = 0, instances = 0;
    unsigned long rss_pages = 0;
    struct jbuf b = { 0 };
    FILE *f = fopen("/proc/self/statm", "r");

    if (f) {
        if (fscanf(f, "%*s %lu", &rss_pages) != 1)       /* size, resident */
            rss_pages = 0;
        fclose(f);
    }
    for (struct xen_domain *d = be->domains; d; d = d->next)
        domains++;
    for (struct xen_vgpu *xv = next_vgpu(be, NULL); xv; xv = next_vgpu(be, xv))
        instances++;
    jb_fmt(&b, "{\"ok\":true,\"status\":{\"pid\":%ld,\"domains\":%u,\"instances\":%u,"
           "\"foreign_frames\":%ld,\"foreign_frames_peak\":%ld,\"grant_pages\":%ld,"
           "\"grant_pages_peak\":%ld,\"ioreq_pages\":%ld,\"ioreq_threads\":%ld,\"heap_bytes\":%zu,"
           "\"rss_kib\":%lu}}\n",
           (long)getpid(), domains, instances, XEN_MAPS_GET(foreign_frames),
           XEN_MAPS_GET(foreign_frames_peak), XEN_MAPS_GET(grant_pages),
           XEN_MAPS_GET(grant_pages_peak), XEN_MAPS_GET(ioreq_pages), xen_ioreq_threads(),
           mi.uordblks + mi.hblkhd, rss_pages * (unsigned long)(sysconf(_SC_PAGESIZE) / KIB));
    return b.s;
}

static char *cmd_set_weight(struct backend *be, const json_t *req)
{
    char *err = NULL;
    struct xen_vgpu *xv = need_vgpu(be, req, &err);
    struct vgpu_parent_usage u;
    double w;
    int rc;

    if (!xv)
        return err;
    if (!json_get_num(req, "weight", &w) || w < 1 || w > WEIGHT_MAX || w != (double)(unsigned int)w)
        return control_reply_error(EINVAL, "\"weight\" must be an integer from 1 to the free budget");
    rc = vgpu_set_weight(xv->v, (unsigned int)w);
    if (rc) {
        vgpu_parent_usage(be->parent, &u);
        return control_reply_error(-rc, "weight %u does not fit: %u of %u weight units are free "
                           "(this vGPU holds %u)", (unsigned int)w, u.weight_free, u.weight_total,
                           vgpu_get_weight(xv->v));
    }
    return strdup("{\"ok\":true}\n");
}

static char *cmd_screenshot(struct backend *be, const json_t *req)
{
    const char *path = json_get_str(req, "path");
    char *err = NULL;
    struct xen_vgpu *xv = need_vgpu(be, req, &err);
    struct jbuf b = { 0 };
    unsigned int w = 0, h = 0;
    int rc;

    if (!xv)
        return err;
    if (!path || path[0] != '/')
        return control_reply_error(EINVAL, "screenshot needs an absolute \"path\" for the PNG");
    rc = screenshot_png(xv->v, path, &w, &h);
    if (rc == -ENODEV)
        return control_reply_error(ENODEV, "vGPU %s shows nothing: its pipe or plane is disabled or "
                           "its surface is invalid", xv->uuid);
    if (rc)
        return control_reply_error(-rc, "screenshot of vGPU %s to %s failed: %s", xv->uuid, path,
                           strerror(-rc));
    jb_raw(&b, "{\"ok\":true,\"path\":");
    jb_str(&b, path);
    jb_fmt(&b, ",\"width\":%u,\"height\":%u}\n", w, h);
    return b.s;
}

char *control_handle(struct backend *be, const char *line)
{
    char perr[CONTROL_ERROR_MAX];
    json_t *req = json_parse(line, perr, sizeof(perr));
    const char *cmd;
    char *out;

    if (!req)
        return control_reply_error(EINVAL, "request is not JSON: %s", perr);
    cmd = json_get_str(req, "cmd");
    if (!cmd)
        out = control_reply_error(EINVAL, "request has no \"cmd\"");
    else if (!strcmp(cmd, "types"))
        out = cmd_types(be);
    else if (!strcmp(cmd, "list"))
        out = cmd_list(be);
    else if (!strcmp(cmd, "create"))
        out = cmd_create(be, req);
    else if (!strcmp(cmd, "destroy"))
        out = cmd_destroy(be, req);
    else if (!strcmp(cmd, "stats"))
        out = cmd_stats(be, req);
    else if (!strcmp(cmd, "set-weight"))
        out = cmd_set_weight(be, req);
    else if (!strcmp(cmd, "screenshot"))
        out = cmd_screenshot(be, req);
    else if (!strcmp(cmd, "status"))
        out = cmd_status(be);
    else
        out = control_reply_error(EINVAL, "unknown command '%s'; known: types, list, create, destroy, "
                          "stats, set-weight, screenshot, status", cmd);
    json_free(req);
    return out;
}
