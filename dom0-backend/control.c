/*
 * control.c - the control socket's transport (docs/control-protocol.md):
 * the listening socket, its clients and their request lines; the commands
 * are control_cmds.c's.
 *
 * One JSON object per line in, one per line out.  Only root may connect
 * (the socket is 0600 and SO_PEERCRED is checked).  Clients are served
 * from the main thread's event loop without blocking it: a request is
 * handled once its whole line has arrived, so a slow client never stalls
 * xenstore (guests' IOREQs have threads of their own).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

#define MAX_LINE 65536          /* longest request line */
#define RECV_CHUNK 4096         /* bytes read per readable event */
#define LISTEN_BACKLOG 8
#define SOCKET_MODE 0600        /* root only, with the SO_PEERCRED check */

struct client {
    int fd;
    char *buf;
    size_t len;
};

static int listen_fd = -1;
static char *sock_path;
static struct client clients[CONTROL_MAX_CLIENTS];

int control_open(struct backend *be, const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    (void)be;
    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    unlink(path);               /* a stale socket from a daemon that died */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, SOCKET_MODE) || listen(fd, LISTEN_BACKLOG)) {
        int e = errno;

        close(fd);
        return -e;
    }
    listen_fd = fd;
    sock_path = strdup(path);
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        clients[i].fd = -1;
    return 0;
}

static void drop_client(struct client *c)
{
    close(c->fd);
    free(c->buf);
    c->fd = -1;
    c->buf = NULL;
    c->len = 0;
}

void control_close(struct backend *be)
{
    (void)be;
    for (int i = 0; i < CONTROL_MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
            drop_client(&clients[i]);
    if (listen_fd >= 0) {
        close(listen_fd);
        unlink(sock_path);
    }
    free(sock_path);
    sock_path = NULL;
    listen_fd = -1;
}

int control_pollfds(struct backend *be, struct pollfd *fds, int max)
{
    int n = 0;

    (void)be;
    if (listen_fd < 0 || max < 1)
        return 0;
    fds[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
    for (int i = 0; i < CONTROL_MAX_CLIENTS && n < max; i++)
        if (clients[i].fd >= 0)
            fds[n++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
    return n;
}

static bool peer_is_root(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) && cr.uid == 0;
}

static void write_all(int fd, const char *s)
{
    size_t len = strlen(s);

    /* Replies are small; a client that stops reading loses its reply. */
    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* A reply made here (transport errors, or a handler out of memory). */
static void write_error(int fd, int err, const char *what)
{
    char *reply = control_reply_error(err, "%s", what);

    if (reply) {
        write_all(fd, reply);
    } else {
        char oom[CONTROL_ERROR_MAX];

        snprintf(oom, sizeof(oom), "{\"ok\":false,\"errno\":%d,\"error\":\"out of memory\"}\n",
                 ENOMEM);
        write_all(fd, oom);
    }
    free(reply);
}

static void client_readable(struct backend *be, struct client *c)
{
    char tmp[RECV_CHUNK], *nl;
    ssize_t n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);

    if (n <= 0) {
        if (n == 0 || (errno != EAGAIN && errno != EINTR))
            drop_client(c);
        return;
    }
    if (c->len + (size_t)n + 1 > MAX_LINE) {
        write_error(c->fd, E2BIG, "request line too long");
        drop_client(c);
        return;
    }
    c->buf = realloc(c->buf, c->len + (size_t)n + 1);
    if (!c->buf) {
        drop_client(c);
        return;
    }
    memcpy(c->buf + c->len, tmp, (size_t)n);
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    while ((nl = memchr(c->buf, '\n', c->len))) {
        char *reply;
        size_t used = (size_t)(nl - c->buf) + 1;

        *nl = '\0';
        reply = control_handle(be, c->buf);
        if (reply)
            write_all(c->fd, reply);
        else
            write_error(c->fd, ENOMEM, "out of memory");
        free(reply);
        memmove(c->buf, c->buf + used, c->len - used + 1);
        c->len -= used;
    }
}

void control_event(struct backend *be, const struct pollfd *fds, int n)
{
    for (int i = 0; i < n; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (fds[i].fd == listen_fd) {
            int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            int slot = -1;

            if (fd < 0)
                continue;
            for (int k = 0; k < CONTROL_MAX_CLIENTS; k++)
                if (clients[k].fd < 0)
                    slot = k;
            if (!peer_is_root(fd) || slot < 0) {
                if (slot < 0)
                    write_error(fd, EBUSY, "too many clients");
                else
                    write_error(fd, EPERM, "root only");
                close(fd);
                continue;
            }
            clients[slot].fd = fd;
            continue;
        }
        for (int k = 0; k < CONTROL_MAX_CLIENTS; k++)
            if (clients[k].fd == fds[i].fd)
                client_readable(be, &clients[k]);
    }
}
