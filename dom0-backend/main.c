/*
 * main.c - vgpu-backend: the Xen dom0 daemon that serves vGPUs of the
 * reference GPU to HVM guests (docs/runbook.md).
 *
 * The main thread runs the event loop: signals, xenstore watches and the
 * control socket.  Each domain's IOREQs are served by threads of its own
 * (ioreq_thread.c), started when its first vGPU connects and joined when
 * it goes; the device model's engine and vblank threads run beside them.
 * SIGTERM/SIGINT tear everything down in reverse order
 * (docs/architecture.md, "Daemon threads").
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

#define VGPU_BACKEND_VERSION "1.0"
#define LOG_FILE_MODE 0640
/* Exit status (usage()): */
#define EXIT_START_FAILED 1
#define EXIT_USAGE 2

static int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;

    if (write(sig_pipe[1], &b, sizeof(b)) < 0) {
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
        _exit(EXIT_SUCCESS);
    if (setsid() < 0)
        return -errno;
    if (chdir("/") < 0)
        return -errno;
    return 0;
}

/* Fixed slots of the poll set, before the control socket's. */
enum { POLL_SIGNAL, POLL_XENSTORE, POLL_CONTROL };

static void event_loop(struct backend *be)
{
    struct pollfd fds[POLL_CONTROL + CONTROL_MAX_POLLFDS];

    while (!be->stop) {
        int nctl;

        fds[POLL_SIGNAL] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
        fds[POLL_XENSTORE] = (struct pollfd){ .fd = xs_backend_fd(be), .events = POLLIN };
        nctl = control_pollfds(be, fds + POLL_CONTROL, CONTROL_MAX_POLLFDS);
        if (poll(fds, (nfds_t)(POLL_CONTROL + nctl), -1) < 0) {
            if (errno == EINTR)
                continue;
            os_err("poll: %s", strerror(errno));
            break;
        }
        if (fds[POLL_SIGNAL].revents & POLLIN) {
            unsigned char sig;

            if (read(sig_pipe[0], &sig, sizeof(sig)) == sizeof(sig)) {
                os_info("signal %d: shutting down", sig);
                be->stop = sig;
            }
            break;
        }
        control_event(be, fds + POLL_CONTROL, nctl);
        if (fds[POLL_XENSTORE].revents & POLLIN)
            xs_backend_event(be);
    }
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
        case 'h': usage(stdout); return EXIT_SUCCESS;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    os_log_set_level(verbose >= 2 ? OS_LOG_DEBUG : verbose ? OS_LOG_INFO : OS_LOG_WARN);
    log_domain_init();
    if (log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, LOG_FILE_MODE);

        if (fd < 0) {
            fprintf(stderr, "vgpu-backend: cannot open log %s: %s\n", log_path, strerror(errno));
            return EXIT_START_FAILED;
        }
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (!foreground && daemonize()) {
        fprintf(stderr, "vgpu-backend: daemonize: %s\n", strerror(errno));
        return EXIT_START_FAILED;
    }
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK)) {
        os_err("pipe: %s", strerror(errno));
        return EXIT_START_FAILED;
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
        return EXIT_START_FAILED;
    }
    be.xch = xc_interface_open(NULL, NULL, 0);
    if (!be.xch) {
        if (errno == ENOENT)
            os_err("/dev/xen/privcmd missing: not running in a Xen dom0? (or xen-privcmd not "
                   "loaded, /proc/xen not mounted)");
        else
            os_err("cannot open the Xen control interface: %s", strerror(errno));
        vgpu_parent_destroy(be.parent);
        return EXIT_START_FAILED;
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
    os_log(OS_LOG_WARN, "vgpu-backend %s ready (pid %d)", VGPU_BACKEND_VERSION, (int)getpid());
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
    return rc ? EXIT_START_FAILED : EXIT_SUCCESS;
}
