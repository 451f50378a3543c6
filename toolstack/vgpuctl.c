/*
 * vgpuctl - manage the vGPUs of vgpu-backend (docs/vgpuctl.1).
 *
 * A client of the daemon's control socket: one JSON request per command,
 * printed as a table or, with --json, as the daemon's JSON.  check-config
 * needs no daemon: it validates the vgpu= setting of an xl config.  list
 * adds the instances of the kernel mdev path (vgpu_mdev.ko, read from
 * sysfs) and still works when the daemon is not running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "vgpu_cfg.h"
#include "vgpu_mdev.h"

#define DEFAULT_SOCKET "/run/vgpu-backend.sock"
#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

static const char *sock_path = DEFAULT_SOCKET;
static int json_out;

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: vgpuctl [--socket PATH] [--json] COMMAND [ARG]...\n"
            "Manage the vGPUs served by vgpu-backend.\n"
            "\n"
            "Commands:\n"
            "  types                      vGPU types, their resources and available instances\n"
            "  list                       vGPU instances: uuid, type, domain, PCI function, state,\n"
            "                             backend (daemon's and kernel mdev ones; works without\n"
            "                             the daemon)\n"
            "  create TYPE [UUID]         reserve an instance (attach it with vgpu=[\"uuid=...\"])\n"
            "  destroy UUID               release a reserved instance that no domain uses\n"
            "  stats [UUID]               engine busy %%, workloads, commands, rejects, resets,\n"
            "                             interrupts, MMIO and config traps\n"
            "  set-weight UUID WEIGHT     change a vGPU's scheduling weight (engine share)\n"
            "  screenshot UUID FILE.png   save the vGPU's current display plane as PNG\n"
            "  status                     the daemon: pid, domains, instances, live foreign,\n"
            "                             grant and ioreq-page mappings, heap in use, RSS\n"
            "  check-config FILE          validate the vgpu= setting of an xl config and print\n"
            "                             its entries and their backend (no daemon needed)\n"
            "\n"
            "Options:\n"
            "  -s, --socket PATH  the daemon's control socket (default " DEFAULT_SOCKET ")\n"
            "  -j, --json         print JSON instead of tables\n"
            "  -h, --help         show this help\n"
            "\n"
            "Environment: VGPU_SYSFS_ROOT, where sysfs is (default /sys; for tests).\n"
            "\n"
            "Exit status: 0 success; 1 the daemon refused the request (its reason is\n"
            "printed); 2 usage error or invalid config; 3 the daemon cannot be reached.\n");
}

/*
 * Send one request, return the parsed reply (exits on transport errors).
 * With soft, a daemon that cannot be reached is not fatal: NULL, errno set.
 */
static json_t *request_ex(const char *req, char **raw, int soft)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char *buf = NULL, perr[128];
    size_t len = 0;
    json_t *j;
    int fd;

    if (strlen(sock_path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "vgpuctl: socket path too long\n");
        exit(EXIT_USAGE);
    }
    strcpy(sa.sun_path, sock_path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        if (soft) {
            int e = errno;

            if (fd >= 0)
                close(fd);
            errno = e;
            return NULL;
        }
        fprintf(stderr, "vgpuctl: cannot reach vgpu-backend at %s: %s\n"
                "  (is the daemon running? start it with 'vgpu-backend', see docs/runbook.md)\n",
                sock_path, strerror(errno));
        exit(EXIT_UNREACHABLE);
    }
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) || write(fd, "\n", 1) != 1) {
        fprintf(stderr, "vgpuctl: sending to %s: %s\n", sock_path, strerror(errno));
        exit(EXIT_UNREACHABLE);
    }
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char tmp[4096];
        ssize_t n;

        if (poll(&p, 1, 30000) <= 0) {
            fprintf(stderr, "vgpuctl: no reply from vgpu-backend within 30 s\n");
            exit(EXIT_UNREACHABLE);
        }
        n = read(fd, tmp, sizeof(tmp));
        if (n <= 0)
            break;
        buf = realloc(buf, len + (size_t)n + 1);
        if (!buf)
            exit(EXIT_UNREACHABLE);
        memcpy(buf + len, tmp, (size_t)n);
        len += (size_t)n;
        buf[len] = '\0';
        if (memchr(tmp, '\n', (size_t)n))
            break;
    }
    close(fd);
    if (!buf) {
        fprintf(stderr, "vgpuctl: vgpu-backend closed the connection without a reply\n");
        exit(EXIT_UNREACHABLE);
    }
    j = json_parse(buf, perr, sizeof(perr));
    if (!j) {
        fprintf(stderr, "vgpuctl: unreadable reply (%s): %s\n", perr, buf);
        exit(EXIT_UNREACHABLE);
    }
    *raw = buf;
    return j;
}

static json_t *request(const char *req, char **raw)
{
    return request_ex(req, raw, 0);
}

/* Print errors / JSON; returns the exit status, or -1 to go on with a table. */
static int settle(json_t *reply, char *raw)
{
    bool ok = false;

    json_get_bool(reply, "ok", &ok);
    if (!ok) {
        const char *e = json_get_str(reply, "error");

        if (json_out)
            fputs(raw, stdout);
        fprintf(stderr, "vgpuctl: %s\n", e ? e : "request failed");
        return EXIT_REFUSED;
    }
    if (json_out) {
        fputs(raw, stdout);
        return 0;
    }
    return -1;
}

static double num(const json_t *o, const char *k)
{
    double d = 0;

    json_get_num(o, k, &d);
    return d;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_get_str(o, k);

    return s ? s : "-";
}

static int do_simple(const char *req, void (*table)(const json_t *))
{
    char *raw = NULL;
    json_t *reply = request(req, &raw);
    int rc = settle(reply, raw);

    if (rc < 0) {
        if (table)
            table(reply);
        rc = 0;
    }
    json_free(reply);
    free(raw);
    return rc;
}

static void table_types(const json_t *r)
{
    const json_t *a = json_get(r, "types");

    printf("%-11s %8s %6s %-10s %5s  %s\n", "TYPE", "GM(MiB)", "WEIGHT", "MAX-RES", "AVAIL",
           "DESCRIPTION");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *t = json_array_get(a, i);
        char res[24];

        snprintf(res, sizeof(res), "%.0fx%.0f", num(t, "max_width"), num(t, "max_height"));
        printf("%-11s %8.0f %6.0f %-10s %5.0f  %s\n", str(t, "name"), num(t, "gm_mb"),
               num(t, "weight"), res, num(t, "available_instances"), str(t, "description"));
    }
}

/* The instances of the kernel mdev path, with their domains if known. */
static int scan_mdev(struct vgpu_mdev_inst *v, unsigned int max)
{
    const char *root = vgpu_sysfs_root();
    char path[PATH_MAX], *text;
    int n = vgpu_mdev_scan(root, v, max);

    if (n <= 0)
        return n < 0 ? 0 : n;
    /* The toolstack's records (vgpu-xl create), when xenstore is there. */
    if (!getenv("VGPU_SYSFS_ROOT")) {
        FILE *p = popen("xenstore-ls -f " VGPU_MDEV_XS_BASE " 2>/dev/null", "r");

        if (p) {
            size_t len = 0;

            text = NULL;
            if (getdelim(&text, &len, '\0', p) > 0)
                vgpu_mdev_apply_xenstore(text, v, (unsigned int)n);
            free(text);
            pclose(p);
        }
    }
    snprintf(path, sizeof(path), "%s/kernel/vfio_iommu_xen/bindings", root);
    text = vgpu_mdev_read_file(path);
    vgpu_mdev_apply_bindings(text, v, (unsigned int)n);
    free(text);
    return n;
}

/* VNC last: where a viewer connects ("-" when the vGPU has no VNC). */
#define LIST_FMT "%-36s %-10s %5s %-7s %-8s %-7s %s\n"

static void list_row(const char *uuid, const char *type, int domid, const char *bdf,
                     const char *state, const char *backend, const char *vnc)
{
    char dom[16] = "-";

    if (domid >= 0)
        snprintf(dom, sizeof(dom), "%d", domid);
    printf(LIST_FMT, uuid, type, dom, bdf, state, backend, vnc);
}

/*
 * list: the daemon's instances and the kernel mdev ones.  Without a daemon
 * the mdev instances are still listed (exit 0) as long as the mdev path is
 * there; with neither, the daemon's absence is the error it always was.
 */
static int do_list(void)
{
    struct vgpu_mdev_inst m[64];
    char *raw = NULL;
    json_t *reply;
    const json_t *a = NULL;
    int nm, rc = 0, items = 0;

    reply = request_ex("{\"cmd\":\"list\"}", &raw, 1);
    nm = scan_mdev(m, sizeof(m) / sizeof(m[0]));
    if (!reply) {
        int e = errno;

        if (!nm && !vgpu_mdev_parent_present(vgpu_sysfs_root())) {
            fprintf(stderr, "vgpuctl: cannot reach vgpu-backend at %s: %s\n"
                    "  (is the daemon running? start it with 'vgpu-backend', see docs/runbook.md)\n",
                    sock_path, strerror(e));
            return EXIT_UNREACHABLE;
        }
        fprintf(stderr, "vgpuctl: vgpu-backend is not running (%s: %s): listing the kernel mdev "
                "instances only\n", sock_path, strerror(e));
    } else {
        bool ok = false;

        json_get_bool(reply, "ok", &ok);
        if (!ok) {
            rc = settle(reply, raw);    /* the daemon's refusal, as before */
            json_free(reply);
            free(raw);
            return rc;
        }
        a = json_get(reply, "instances");
        if (!json_is_array(a))
            a = NULL;
    }
    if (json_out) {
        struct jbuf b = { 0 };

        jb_fmt(&b, "{\"ok\":true,\"daemon\":%s,\"instances\":[", reply ? "true" : "false");
        for (size_t i = 0; i < json_array_size(a); i++) {
            const json_t *t = json_array_get(a, i);

            if (items++)
                jb_raw(&b, ",");
            if (json_is_object(t) && !json_get(t, "backend")) {
                json_t *o = json_copy((json_t *)t);     /* the daemon's, plus its backend */

                if (o)
                    json_object_set_new(o, "backend", json_string("daemon"));
                jb_json(&b, o);
                json_decref(o);
            } else {
                jb_json(&b, t);
            }
        }
        for (int i = 0; i < nm; i++) {
            if (items++)
                jb_raw(&b, ",");
            jb_raw(&b, "{\"uuid\":");
            jb_str(&b, m[i].uuid);
            jb_raw(&b, ",\"type\":");
            jb_str(&b, m[i].type);
            if (m[i].domid >= 0)
                jb_fmt(&b, ",\"domid\":%d", m[i].domid);
            else
                jb_raw(&b, ",\"domid\":null");
            if (m[i].devid >= 0)
                jb_fmt(&b, ",\"devid\":%d", m[i].devid);
            else
                jb_raw(&b, ",\"devid\":null");
            jb_raw(&b, ",\"bdf\":");
            if (m[i].bdf[0])
                jb_str(&b, m[i].bdf);
            else
                jb_raw(&b, "null");
            jb_fmt(&b, ",\"state\":\"%s\",\"backend\":\"mdev\"}", m[i].bound ? "bound" : "created");
        }
        jb_raw(&b, "]}\n");
        if (b.oom) {
            fprintf(stderr, "vgpuctl: out of memory\n");
            rc = EXIT_REFUSED;
        } else {
            fputs(b.s, stdout);
        }
        jb_free(&b);
    } else {
        printf(LIST_FMT, "UUID", "TYPE", "DOMID", "BDF", "STATE", "BACKEND", "VNC");
        for (size_t i = 0; i < json_array_size(a); i++) {
            const json_t *t = json_array_get(a, i);
            const json_t *d = json_get(t, "domid");
            int domid = json_is_number(d) ? (int)json_number_value(d) : -1;

            list_row(str(t, "uuid"), str(t, "type"), domid, str(t, "bdf"), str(t, "state"),
                     "daemon", str(t, "vnc"));
            items++;
        }
        for (int i = 0; i < nm; i++, items++)
            list_row(m[i].uuid, m[i].type, m[i].domid, m[i].bdf[0] ? m[i].bdf : "-",
                     m[i].bound ? "bound" : "created", "mdev", "-");
        if (!items)
            printf("(no vGPU instances)\n");
    }
    json_free(reply);
    free(raw);
    return rc;
}

static void table_stats(const json_t *r)
{
    const json_t *a = json_get(r, "stats");

    printf("%-36s %7s %7s %9s %10s %7s %6s %8s %8s %6s %6s\n", "UUID", "RENDER%", "COPY%",
           "WORKLOADS", "COMMANDS", "REJECTS", "RESETS", "IRQS", "MMIO", "CFG", "WEIGHT");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *t = json_array_get(a, i), *busy = json_get(t, "busy_pct");

        printf("%-36s %7.2f %7.2f %9.0f %10.0f %7.0f %6.0f %8.0f %8.0f %6.0f %6.0f\n",
               str(t, "uuid"), num(busy, "render"), num(busy, "copy"), num(t, "workloads"),
               num(t, "commands"), num(t, "rejects"), num(t, "resets"), num(t, "interrupts"),
               num(t, "mmio_traps"), num(t, "cfg_traps"), num(t, "weight"));
    }
}

static void table_status(const json_t *r)
{
    const json_t *s = json_get(r, "status");

    printf("pid              %.0f\n", num(s, "pid"));
    printf("domains          %.0f\n", num(s, "domains"));
    printf("instances        %.0f\n", num(s, "instances"));
    printf("foreign frames   %.0f mapped (at most %.0f at once)\n", num(s, "foreign_frames"),
           num(s, "foreign_frames_peak"));
    printf("grant pages      %.0f mapped (at most %.0f at once)\n", num(s, "grant_pages"),
           num(s, "grant_pages_peak"));
    printf("ioreq pages      %.0f mapped\n", num(s, "ioreq_pages"));
    printf("ioreq threads    %.0f running\n", num(s, "ioreq_threads"));
    printf("heap             %.0f bytes in use\n", num(s, "heap_bytes"));
    printf("rss              %.0f KiB\n", num(s, "rss_kib"));
}

static void table_created(const json_t *r)
{
    printf("%s\n", str(r, "uuid"));
}

static void table_screenshot(const json_t *r)
{
    printf("%s: %.0fx%.0f\n", str(r, "path"), num(r, "width"), num(r, "height"));
}

static int do_check_config(const char *path)
{
    struct vgpu_cfg_entry e[VGPU_CFG_MAX];
    char err[512], *text = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    int n;

    if (!f) {
        fprintf(stderr, "vgpuctl: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (getdelim(&text, &len, '\0', f) < 0) {
        text = strdup("");
    }
    fclose(f);
    n = vgpu_cfg_parse_xl(text, e, VGPU_CFG_MAX, err, sizeof(err));
    free(text);
    if (n >= 0 && vgpu_cfg_check(e, n, err, sizeof(err)))
        n = -1;
    if (n < 0) {
        fprintf(stderr, "vgpuctl: %s: %s\n", path, err);
        return EXIT_USAGE;
    }
    if (json_out) {
        struct jbuf b = { 0 };

        jb_raw(&b, "{\"ok\":true,\"vgpus\":[");
        for (int i = 0; i < n; i++) {
            jb_raw(&b, i ? ",{\"type\":" : "{\"type\":");
            jb_str(&b, e[i].type);
            jb_raw(&b, ",\"bdf\":");
            if (e[i].bdf[0])
                jb_str(&b, e[i].bdf);
            else
                jb_raw(&b, "null");     /* mdev: QEMU places it */
            jb_raw(&b, ",\"uuid\":");
            if (e[i].uuid_given)
                jb_str(&b, e[i].uuid);
            else
                jb_raw(&b, "null");
            jb_raw(&b, ",\"backend\":");
            jb_str(&b, vgpu_backend_name(e[i].backend));
            if (e[i].vnc.enabled) {
                jb_raw(&b, ",\"vnc\":{\"listen\":");
                jb_str(&b, e[i].vnc.listen);
                jb_fmt(&b, ",\"port\":%d,\"password\":%s}", e[i].vnc.port,
                       e[i].vnc.passwd[0] ? "true" : "false");
            } else {
                jb_raw(&b, ",\"vnc\":null");
            }
            jb_raw(&b, "}");
        }
        jb_raw(&b, "]}\n");
        fputs(b.s, stdout);
        jb_free(&b);
        return 0;
    }
    /* One line per entry, shell-friendly: type=T bdf=B|- uuid=U|- backend=daemon|mdev
     * vnc=0|1 vnclisten=A vncport=P (0: first free) vncpasswd=W|- (vgpu-xl reads it). */
    for (int i = 0; i < n; i++)
        printf("type=%s bdf=%s uuid=%s backend=%s vnc=%d vnclisten=%s vncport=%d vncpasswd=%s\n",
               e[i].type, e[i].bdf[0] ? e[i].bdf : "-", e[i].uuid_given ? e[i].uuid : "-",
               vgpu_backend_name(e[i].backend), e[i].vnc.enabled, e[i].vnc.listen,
               e[i].vnc.port, e[i].vnc.passwd[0] ? e[i].vnc.passwd : "-");
    return 0;
}

static char *json_req(const char *cmd, const char *k1, const char *v1, const char *k2,
                      const char *v2, int v2_is_num)
{
    struct jbuf b = { 0 };

    jb_raw(&b, "{\"cmd\":");
    jb_str(&b, cmd);
    if (k1) {
        jb_fmt(&b, ",\"%s\":", k1);
        jb_str(&b, v1);
    }
    if (k2) {
        jb_fmt(&b, ",\"%s\":", k2);
        if (v2_is_num)
            jb_raw(&b, v2);
        else
            jb_str(&b, v2);
    }
    jb_raw(&b, "}");
    return b.s;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd;
    char *req = NULL;
    int c, nargs, rc;

    while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
        switch (c) {
        case 's': sock_path = optarg; break;
        case 'j': json_out = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    cmd = argv[optind];
    nargs = argc - optind - 1;
    argv += optind + 1;

#define NEED(lo, hi, what)                                                              \
    do {                                                                                \
        if (nargs < (lo) || nargs > (hi)) {                                             \
            fprintf(stderr, "vgpuctl: usage: vgpuctl %s %s\n", cmd, what);              \
            return EXIT_USAGE;                                                          \
        }                                                                               \
    } while (0)

    if (!strcmp(cmd, "types")) {
        NEED(0, 0, "");
        return do_simple("{\"cmd\":\"types\"}", table_types);
    }
    if (!strcmp(cmd, "list")) {
        NEED(0, 0, "");
        return do_list();
    }
    if (!strcmp(cmd, "status")) {
        NEED(0, 0, "");
        return do_simple("{\"cmd\":\"status\"}", table_status);
    }
    if (!strcmp(cmd, "create")) {
        NEED(1, 2, "TYPE [UUID]");
        req = json_req("create", "type", argv[0], nargs > 1 ? "uuid" : NULL,
                       nargs > 1 ? argv[1] : NULL, 0);
        rc = do_simple(req, table_created);
    } else if (!strcmp(cmd, "destroy")) {
        NEED(1, 1, "UUID");
        req = json_req("destroy", "uuid", argv[0], NULL, NULL, 0);
        rc = do_simple(req, NULL);
    } else if (!strcmp(cmd, "stats")) {
        NEED(0, 1, "[UUID]");
        req = json_req("stats", nargs ? "uuid" : NULL, nargs ? argv[0] : NULL, NULL, NULL, 0);
        rc = do_simple(req, table_stats);
    } else if (!strcmp(cmd, "set-weight")) {
        char *end;

        NEED(2, 2, "UUID WEIGHT");
        if (strtoul(argv[1], &end, 10) == 0 || *end) {
            fprintf(stderr, "vgpuctl: weight '%s' is not a positive integer\n", argv[1]);
            return EXIT_USAGE;
        }
        req = json_req("set-weight", "uuid", argv[0], "weight", argv[1], 1);
        rc = do_simple(req, NULL);
    } else if (!strcmp(cmd, "screenshot")) {
        char *abs;

        NEED(2, 2, "UUID FILE.png");
        /* The daemon writes the file: give it an absolute path. */
        abs = argv[1][0] == '/' ? strdup(argv[1]) : NULL;
        if (!abs) {
            char cwd[4096];

            if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, argv[1]) < 0)
                return EXIT_USAGE;
        }
        req = json_req("screenshot", "uuid", argv[0], "path", abs, 0);
        free(abs);
        rc = do_simple(req, table_screenshot);
    } else if (!strcmp(cmd, "check-config")) {
        NEED(1, 1, "FILE");
        return do_check_config(argv[0]);
    } else {
        fprintf(stderr, "vgpuctl: unknown command '%s' (see vgpuctl --help)\n", cmd);
        return EXIT_USAGE;
    }
    free(req);
    return rc;
}
