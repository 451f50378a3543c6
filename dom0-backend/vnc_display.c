/*
 * vnc_display.c - a vGPU's display plane over VNC, with LibVNCServer.
 *
 * One thread per served vGPU owns the rfbScreen: it runs LibVNCServer's
 * event loop (rfbProcessEvents, select on the listening and viewer
 * sockets) with a timeout of half a refresh period, and after each round
 * looks at the plane's vblank counter.  When it moved, the plane is copied
 * (vgpu_display_read: the vGPU's lock only for the copy, as screenshot.c)
 * and compared tile by tile with what the viewers were last sent; only
 * tiles that changed are copied into the server's framebuffer and marked
 * modified, so an update carries the changed regions alone.
 *
 * Nothing here runs on an IOREQ lane and no lane waits for this thread: a
 * slow or hostile viewer can hold it (LibVNCServer writes to a viewer for
 * up to maxClientWait before dropping it), which delays only the pictures
 * of this vGPU.  The thread runs at nice 10, below the lanes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <rfb/rfb.h>

#include "hw_regs.h"
#include "vnc_display.h"

#define TILE 32                         /* compared and marked per TILE x TILE pixels */
#define POLL_USEC (1000000 / RGPU_REFRESH_HZ / 2)
/* Nobody watching: only the plane's size is followed, 10 times a second (a
 * viewer connecting wakes the loop at once: the listening socket is in it). */
#define IDLE_POLL_USEC 100000
#define DISPLAY_NICE 10                 /* below the IOREQ lanes' 0 */
#define BLANK_W 640                     /* shown until the guest lights its plane */
#define BLANK_H 480
/* How long a viewer that does not read may hold the thread (ms), down from
 * LibVNCServer's 20 s: it delays this vGPU's other viewers meanwhile. */
#define VIEWER_WAIT_MS 5000

struct vnc_display {
    struct vgpu *v;
    rfbScreenInfoPtr screen;
    char *fb;                           /* what the viewers see: RGBX bytes */
    uint8_t *frame;                     /* the plane as read: XRGB8888 */
    size_t frame_size;
    unsigned int w, h;
    bool lit;                           /* fb holds the plane, not the blank screen */
    uint64_t last_frame;
    bool have_frame;                    /* last_frame is meaningful */
    char listen[sizeof(((struct vgpu_vnc_config *)0)->listen)];
    int port;
    char *passwds[2];                   /* rfbCheckPasswordByList's list */
    void (*send_hook)(void *arg);
    void *send_hook_arg;
    pthread_t thread;
    int stop;
};

/* LibVNCServer logs every handshake step through rfbLog: keep those out of
 * the daemon's log and pass its errors on. */
static void vnc_log_quiet(const char *fmt, ...)
{
    (void)fmt;
}

static void vnc_log_err(const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    n = strlen(msg);
    if (n && msg[n - 1] == '\n')
        msg[n - 1] = '\0';
    os_log_ratelimited(OS_LOG_WARN, "vnc: %s", msg);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void route_logs(void)
{
    rfbLog = vnc_log_quiet;
    rfbErr = vnc_log_err;
}

/* Just before each update to a viewer.  Lossless only: a viewer that asked
 * for JPEG (Tight's quality levels) or ZYWRLE gets Tight's or ZRLE's
 * lossless forms, so what it shows is the plane's pixels exactly (a guest
 * console's text stays sharp, and the rig compares pixels). */
static void display_hook(rfbClientPtr cl)
{
    struct vnc_display *vd = cl->screen->screenData;

    cl->tightQualityLevel = -1;
    cl->turboQualityLevel = -1;
    if (cl->preferredEncoding == rfbEncodingZYWRLE)
        cl->preferredEncoding = rfbEncodingZRLE;
    if (vd->send_hook)
        vd->send_hook(vd->send_hook_arg);
}

static enum rfbNewClientAction new_client(rfbClientPtr cl)
{
    struct vnc_display *vd = cl->screen->screenData;

    os_info("vgpu %u: VNC viewer %s connected", vgpu_get_id(vd->v), cl->host);
    /* The first picture the viewer gets must be the current one. */
    vd->have_frame = false;
    return RFB_CLIENT_ACCEPT;
}

/* fb's bytes are R, G, B, X (LibVNCServer's default 32-bit format); the
 * plane's XRGB8888 little-endian bytes are B, G, R, X. */
static void swizzle_rows(char *dst, const uint8_t *src, unsigned int stride_px, unsigned int x0,
                         unsigned int y0, unsigned int w, unsigned int h)
{
    for (unsigned int y = y0; y < y0 + h; y++) {
        const uint8_t *s = src + ((size_t)y * stride_px + x0) * 4;
        uint8_t *d = (uint8_t *)dst + ((size_t)y * stride_px + x0) * 4;

        for (unsigned int x = 0; x < w; x++, s += 4, d += 4) {
            d[0] = s[2];
            d[1] = s[1];
            d[2] = s[0];
            d[3] = 0;
        }
    }
}

/* Whether a tile of frame differs from fb, comparing converted pixels. */
static bool tile_changed(const struct vnc_display *vd, unsigned int x0, unsigned int y0,
                         unsigned int w, unsigned int h)
{
    for (unsigned int y = y0; y < y0 + h; y++) {
        const uint8_t *s = vd->frame + ((size_t)y * vd->w + x0) * 4;
        const uint8_t *d = (const uint8_t *)vd->fb + ((size_t)y * vd->w + x0) * 4;

        for (unsigned int x = 0; x < w; x++, s += 4, d += 4)
            if (d[0] != s[2] || d[1] != s[1] || d[2] != s[0])
                return true;
    }
    return false;
}

/* A new framebuffer of w x h (all black): viewers that can resize get the
 * new size, the rest are dropped by LibVNCServer. */
static int resize(struct vnc_display *vd, unsigned int w, unsigned int h)
{
    char *fb = calloc((size_t)w * h, 4);

    if (!fb)
        return -ENOMEM;
    rfbNewFramebuffer(vd->screen, fb, (int)w, (int)h, 8, 3, 4);
    free(vd->fb);
    vd->fb = fb;
    vd->w = w;
    vd->h = h;
    return 0;
}

/* The plane went away: black, at the size the viewers have. */
static void blank(struct vnc_display *vd)
{
    if (!vd->lit)
        return;
    memset(vd->fb, 0, (size_t)vd->w * vd->h * 4);
    rfbMarkRectAsModified(vd->screen, 0, 0, (int)vd->w, (int)vd->h);
    vd->lit = false;
}

/* Bring fb up to the plane's current frame, marking what changed.  With
 * nobody watching only the size follows the plane (a viewer's first
 * message from us carries it), nothing is copied. */
static void refresh(struct vnc_display *vd, bool watched)
{
    struct vgpu_plane_info info;
    size_t need;
    int rc;

    if (vgpu_display_plane(vd->v, &info)) {
        blank(vd);
        vd->have_frame = false;
        return;
    }
    if (info.width != vd->w || info.height != vd->h) {
        if (resize(vd, info.width, info.height))
            return;
        vd->lit = false;
        vd->have_frame = false;
    }
    if (!watched || (vd->have_frame && info.frame == vd->last_frame))
        return;                         /* no vblank since the last look */
    need = (size_t)info.width * info.height * 4;
    if (need > vd->frame_size) {
        uint8_t *f = realloc(vd->frame, need);

        if (!f)
            return;
        vd->frame = f;
        vd->frame_size = need;
    }
    rc = vgpu_display_read(vd->v, &info, vd->frame, vd->frame_size);
    if (rc == -ENOSPC || (!rc && (info.width != vd->w || info.height != vd->h)))
        return;                         /* resized between the two looks: next round */
    if (rc) {
        blank(vd);
        vd->have_frame = false;
        return;
    }
    for (unsigned int y = 0; y < vd->h; y += TILE) {
        unsigned int th = vd->h - y < TILE ? vd->h - y : TILE;

        for (unsigned int x = 0; x < vd->w; x += TILE) {
            unsigned int tw = vd->w - x < TILE ? vd->w - x : TILE;

            if (!tile_changed(vd, x, y, tw, th))
                continue;
            swizzle_rows(vd->fb, vd->frame, vd->w, x, y, tw, th);
            rfbMarkRectAsModified(vd->screen, (int)x, (int)y, (int)(x + tw), (int)(y + th));
        }
    }
    vd->lit = true;
    vd->last_frame = info.frame;
    vd->have_frame = true;
}

static void *display_main(void *arg)
{
    struct vnc_display *vd = arg;

    /* Best effort: a failure leaves the thread at normal priority. */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), DISPLAY_NICE))
        os_warn("vgpu %u: cannot lower the VNC thread's priority: %s", vgpu_get_id(vd->v),
                strerror(errno));
    while (!__atomic_load_n(&vd->stop, __ATOMIC_ACQUIRE)) {
        bool watched = vd->screen->clientHead != NULL;

        /* Sends what is pending to every viewer, then waits on the
         * sockets for up to half a refresh period. */
        rfbProcessEvents(vd->screen, watched ? POLL_USEC : IDLE_POLL_USEC);
        refresh(vd, vd->screen->clientHead != NULL);
    }
    return NULL;
}

static int bind_address(struct vnc_display *vd, rfbScreenInfoPtr s, const struct vgpu_vnc_config *c)
{
    struct in_addr a4;
    struct in6_addr a6;

    s->autoPort = c->port == 0;
    if (inet_pton(AF_INET, vd->listen, &a4) == 1) {
        s->listenInterface = a4.s_addr;
        s->port = c->port ? c->port : 5900;
        s->ipv6port = 0;                /* LibVNCServer would also listen on [::] */
        return 0;
    }
    if (inet_pton(AF_INET6, vd->listen, &a6) == 1) {
        s->listen6Interface = vd->listen;
        s->ipv6port = c->port ? c->port : 5900;
        s->port = 0;
        return 0;
    }
    return -EINVAL;
}

int vnc_display_start(struct vgpu *v, const struct vgpu_vnc_config *c, struct vnc_display **out)
{
    struct vnc_display *vd = calloc(1, sizeof(*vd));
    rfbScreenInfoPtr s;
    sigset_t all, old;
    int rc;

    if (!vd)
        return -ENOMEM;
    pthread_once(&log_once, route_logs);
    vd->v = v;
    snprintf(vd->listen, sizeof(vd->listen), "%s", c->listen);
    vd->w = BLANK_W;
    vd->h = BLANK_H;
    vd->fb = calloc((size_t)vd->w * vd->h, 4);
    s = vd->fb ? rfbGetScreen(NULL, NULL, (int)vd->w, (int)vd->h, 8, 3, 4) : NULL;
    if (!s) {
        free(vd->fb);
        free(vd);
        return -ENOMEM;
    }
    vd->screen = s;
    s->frameBuffer = vd->fb;
    s->screenData = vd;
    s->desktopName = "vgpu";
    s->cursor = NULL;                   /* the guest draws its own; none drawn into fb */
    s->alwaysShared = TRUE;             /* one viewer cannot shut out the others */
    s->deferUpdateTime = 0;             /* a marked tile goes out on the next round */
    s->maxClientWait = VIEWER_WAIT_MS;
    s->newClientHook = new_client;
    s->displayHook = display_hook;
    s->httpDir = NULL;
    if (c->passwd[0]) {
        vd->passwds[0] = strdup(c->passwd);
        s->authPasswdData = vd->passwds;
        s->passwordCheck = rfbCheckPasswordByList;
    }
    rc = bind_address(vd, s, c);
    if (rc)
        goto fail;
    rfbInitServer(s);
    if (s->listenSock == RFB_INVALID_SOCKET && s->listen6Sock == RFB_INVALID_SOCKET) {
        rc = -EADDRINUSE;
        goto fail;
    }
    vd->port = s->listenSock != RFB_INVALID_SOCKET ? s->port : s->ipv6port;
    refresh(vd, false);                 /* the first viewer gets the plane's size */
    /* Signals stay the main thread's. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = -pthread_create(&vd->thread, NULL, display_main, vd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        rfbShutdownServer(s, TRUE);
        goto fail;
    }
    os_info("vgpu %u: VNC on %s port %d%s", vgpu_get_id(v), vd->listen, vd->port,
            c->passwd[0] ? " (password)" : "");
    *out = vd;
    return 0;

fail:
    rfbScreenCleanup(s);
    free(vd->passwds[0]);
    free(vd->fb);
    free(vd);
    return rc;
}

void vnc_display_stop(struct vnc_display *vd)
{
    if (!vd)
        return;
    __atomic_store_n(&vd->stop, 1, __ATOMIC_RELEASE);
    pthread_join(vd->thread, NULL);
    /* Viewers disconnected and the listening sockets closed: the port is
     * free from here. */
    rfbShutdownServer(vd->screen, TRUE);
    rfbScreenCleanup(vd->screen);
    os_info("vgpu %u: VNC on %s port %d closed", vgpu_get_id(vd->v), vd->listen, vd->port);
    free(vd->passwds[0]);
    free(vd->frame);
    free(vd->fb);
    free(vd);
}

const char *vnc_display_listen(const struct vnc_display *vd)
{
    return vd->listen;
}

int vnc_display_port(const struct vnc_display *vd)
{
    return vd->port;
}

void vnc_display_address(const struct vnc_display *vd, char *buf, size_t len)
{
    if (strchr(vd->listen, ':'))
        snprintf(buf, len, "[%s]:%d", vd->listen, vd->port);
    else
        snprintf(buf, len, "%s:%d", vd->listen, vd->port);
}

void vnc_display_set_send_hook(struct vnc_display *vd, void (*fn)(void *arg), void *arg)
{
    vd->send_hook_arg = arg;
    vd->send_hook = fn;
}
