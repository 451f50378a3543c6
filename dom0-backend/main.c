/*
 * main.c - vgpu-backend: the Xen dom0 daemon that serves vGPUs of the
 * reference GPU to HVM guests (docs/runbook.md).
 *
 * One thread runs the event loop (xenstore watches, every domain's IOREQ
 * event channels); the device model's engine and vblank threads run
 * beside it.  SIGTERM/SIGINT tear everything down in reverse order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "control.h"
#include "log_domain.h"
#include "sw_engine.h"

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;

    if (write(sig_pipe[1], &b, 1) < 0) {
        /* nothing to do: the pipe is full, a stop is already pending */
    }
    errno = saved;
}

static void usage(FILE *to)
{
    fprintf(to,
            "Usage: vgpu-backend [OPTION]...\n"
            "Serve vGPUs of the reference GPU to Xen HVM guests (run in dom0 as root).\n"
            "\n"
            "The daemon watches xenstore under /local/domain/0/backend/vgpu for devices\n"
            "the toolstack adds (vgpu-xl, or xl with the vgpu patches), creates an\n"
            "IOREQ server per guest, claims each vGPU's PCI function and serves it\n"
            "until the device is closed or the guest dies.\n"
            "\n"
            "  -f, --foreground     do not daemonize; log to stderr unless --log is given\n"
            "  -l, --log FILE       append log messages to FILE\n"
            "  -p, --pidfile FILE   write the daemon's pid to FILE once it is ready\n"
            "  -s, --socket PATH    control socket for vgpuctl (default " CONTROL_DEFAULT_PATH ")\n"
            "  -v, --verbose        log informational messages (twice: debug)\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "Exit status: 0 after a clean shutdown (SIGTERM or SIGINT), 1 when start-up\n"
            "fails (the log says which step), 2 on bad usage.\n"
            "See docs/runbook.md and docs/vgpu-config.md.\n");
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f)
        return -errno;
    fprintf(f, "%d\n", (int)getpid());
    return fclose(f) ? -errno : 0;
}

static int daemonize(void)
{
    pid_t pid = fork();

    if (pid < 0)
        return -errno;
    if (pid > 0)
        _exit(0);
    if (setsid() < 0)
        return -errno;
    if (chdir("/") < 0)
        return -errno;
    return 0;
}

static void event_loop(struct backend *be)
{
    struct pollfd *fds = NULL;
    struct xen_domain **owners = NULL;
    size_t cap = 0;

    while (!be->stop) {
        size_t n = 0, want = 2 + 17, nctl;
        struct xen_domain *d;

        for (d = be->domains; d; d = d->next)
            want++;
        if (want > cap) {
            cap = want * 2;
            fds = realloc(fds, cap * sizeof(*fds));
            owners = realloc(owners, cap * sizeof(*owners));
            if (!fds || !owners) {
                os_err("out of memory in the event loop");
                break;
            }
        }
        fds[n] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
        owners[n++] = NULL;
        fds[n] = (struct pollfd){ .fd = xs_backend_fd(be), .events = POLLIN };
        owners[n++] = NULL;
        for (d = be->domains; d; d = d->next) {
            fds[n] = (struct pollfd){ .fd = xen_domain_evtchn_fd(d), .events = POLLIN };
            owners[n++] = d;
        }
        nctl = (size_t)control_pollfds(be, fds + n, (int)(cap - n));
        for (size_t i = 0; i < nctl; i++)
            owners[n + i] = NULL;
        if (poll(fds, n + nctl, -1) < 0) {
            if (errno == EINTR)
                continue;
            os_err("poll: %s", strerror(errno));
            break;
        }
        if (fds[0].revents & POLLIN) {
            unsigned char sig;

            if (read(sig_pipe[0], &sig, 1) == 1) {
                os_info("signal %d: shutting down", sig);
                be->stop = sig;
            }
            break;
        }
        /* IOREQs first: a vCPU waits on each of them. */
        for (size_t i = 2; i < n; i++)
            if (fds[i].revents & POLLIN)
                xen_domain_service(owners[i]);
        control_event(be, fds + n, (int)nctl);
        if (fds[1].revents & POLLIN)
            xs_backend_event(be);   /* may free domains: fds are rebuilt next round */
    }
    free(fds);
    free(owners);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "foreground", no_argument, NULL, 'f' }, { "log", required_argument, NULL, 'l' },
        { "pidfile", required_argument, NULL, 'p' }, { "verbose", no_argument, NULL, 'v' },
        { "socket", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct vgpu_parent_config cfg;
    struct backend be = { 0 };
    const char *log_path = NULL, *pidfile = NULL, *sock = CONTROL_DEFAULT_PATH;
    bool foreground = false;
    int verbose = 0, c, rc;

    while ((c = getopt_long(argc, argv, "fl:p:s:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': foreground = true; break;
        case 'l': log_path = optarg; break;
        case 'p': pidfile = optarg; break;
        case 's': sock = optarg; break;
        case 'v': verbose++; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    os_log_set_level(verbose >= 2 ? OS_LOG_DEBUG : verbose ? OS_LOG_INFO : OS_LOG_WARN);
    log_domain_init();
    if (log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

        if (fd < 0) {
            fprintf(stderr, "vgpu-backend: cannot open log %s: %s\n", log_path, strerror(errno));
            return 1;
        }
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (!foreground && daemonize()) {
        fprintf(stderr, "vgpu-backend: daemonize: %s\n", strerror(errno));
        return 1;
    }
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
        os_err("pipe: %s", strerror(errno));
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);

    vgpu_parent_default_config(&cfg);
    /* The physical GPU the guests share: the software engine. */
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    if (!cfg.pgpu) {
        os_err("creating the software engine failed: %s", strerror(ENOMEM));
        return 1;
    }
    rc = vgpu_parent_create(&cfg, &be.parent);
    if (rc) {
        os_err("creating the reference GPU failed: %s", strerror(-rc));
        return 1;
    }
    be.xch = xc_interface_open(NULL, NULL, 0);
    if (!be.xch) {
        if (errno == ENOENT)
            os_err("/dev/xen/privcmd missing: not running in a Xen dom0? (or xen-privcmd not "
                   "loaded, /proc/xen not mounted)");
        else
            os_err("cannot open the Xen control interface: %s", strerror(errno));
        vgpu_parent_destroy(be.parent);
        return 1;
    }
    rc = xs_backend_init(&be);
    if (rc)
        goto out;
    rc = control_open(&be, sock);
    if (rc) {
        os_err("cannot open control socket %s: %s", sock, strerror(-rc));
        goto out;
    }
    if (pidfile && (rc = write_pidfile(pidfile))) {
        os_err("cannot write pidfile %s: %s", pidfile, strerror(-rc));
        goto out;
    }
    os_log(OS_LOG_WARN, "vgpu-backend %s ready (pid %d)", "1.0", (int)getpid());
    xs_backend_event(&be);      /* devices added before we started */
    event_loop(&be);
out:
    control_close(&be);
    xs_backend_fini(&be);
    xc_interface_close(be.xch);
    if (vgpu_parent_destroy(be.parent))
        os_err("reference GPU still had instances at exit");
    if (pidfile)
        unlink(pidfile);
    os_log(OS_LOG_WARN, "vgpu-backend stopped");
    return rc ? 1 : 0;
}
