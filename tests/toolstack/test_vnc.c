/*
 * test_vnc.c - a served vGPU's display over VNC (dom0-backend/vnc_display.c)
 * seen by a real RFB client, LibVNCServer's own libvncclient: the viewer
 * gets the plane's exact pixels, after a change only the changed tiles,
 * needs the password when one is set, the port is free once the domain
 * is gone, and a viewer that holds the display thread leaves the domain's
 * IOREQs alone.  The guest acts through the fake domain's lane
 * (tests/daemon/fake_domain.c); no timing: the viewer waits for messages
 * until what it shows is what the guest drew, stalls are semaphores.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

#include "backend.h"
#include "control.h"
#include "hw_regs.h"
#include "sw_engine.h"
#include "vnc_display.h"
#include "daemon/fake_domain.h"
#include "testhost/testhost.h"
#include "toolstack/suites.h"

#define BAR0 0xe0000000ull
#define DEV 5
#define W 128                           /* 4 x 2 tiles of 32 x 32 */
#define H 64
/* Rounds of up to 0.1 s a viewer waits for the picture before the test
 * fails: a bound on a hang, not a timing assertion. */
#define MAX_ROUNDS 300

static struct backend be;

static int vnc_init(void)
{
    return ts_backend_init(&be);
}

static int vnc_fini(void)
{
    return vgpu_parent_destroy(be.parent);
}

/* ---- the guest: a domain with one vGPU whose plane shows guest memory -- */
struct guest {
    struct testhost host;
    struct vgpu *v;
    struct fake_domain *f;
    struct xen_vgpu *xv;
};

static void guest_up(struct guest *g, unsigned int n, domid_t domid)
{
    char uuid[VGPU_UUID_STR_LEN + 1];

    snprintf(uuid, sizeof(uuid), "7e570000-0000-4000-8000-00000000c0%02x", n);
    CU_ASSERT_EQUAL_FATAL(testhost_init(&g->host, 1u << 20), 0);
    CU_ASSERT_EQUAL_FATAL(vgpu_create(be.parent, "refgpu-8", uuid, &testhost_ops, &g->host,
                                      &g->v), 0);
    g->f = fake_domain_create(&be, domid, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g->f);
    CU_ASSERT_EQUAL_FATAL(fake_domain_attach(g->f, g->v, uuid, DEV, BAR0), 0);
    g->xv = fake_domain_xen(g->f)->devs;
    fake_guest_light_plane(g->f, g->v, BAR0, W, H);
}

static void guest_down(struct guest *g)
{
    fake_domain_destroy(g->f);
    vgpu_destroy(g->v);
    testhost_fini(&g->host);
}

static uint32_t pattern(unsigned int x, unsigned int y)
{
    return (x * 2u) << 16 | (y * 4u) << 8 | ((x ^ y) & 0xffu);
}

/* The guest draws: pixel (x, y) of the surface is XRGB8888 at guest
 * address (y * W + x) * 4 (fake_guest_light_plane). */
static void draw(struct guest *g, unsigned int x, unsigned int y, uint32_t xrgb)
{
    uint8_t *p = g->host.mem + ((size_t)y * W + x) * 4;

    p[0] = (uint8_t)xrgb;
    p[1] = (uint8_t)(xrgb >> 8);
    p[2] = (uint8_t)(xrgb >> 16);
    p[3] = 0;
}

static void draw_pattern(struct guest *g)
{
    for (unsigned int y = 0; y < H; y++)
        for (unsigned int x = 0; x < W; x++)
            draw(g, x, y, pattern(x, y));
}

static int start_vnc(struct guest *g, const char *passwd)
{
    struct vgpu_vnc_config c;

    vgpu_vnc_default(&c);
    c.enabled = 1;
    snprintf(c.passwd, sizeof(c.passwd), "%s", passwd ? passwd : "");
    return vnc_display_start(g->v, &c, &g->xv->vnc);
}

/* ---- the viewer: libvncclient ------------------------------------------ */
struct viewer {
    rfbClient *c;
    const char *passwd;
    /* Bounding box of the rectangles received since viewer_forget. */
    int rects, x0, y0, x1, y1;
};

static int viewer_tag;

static struct viewer *viewer_of(rfbClient *c)
{
    return rfbClientGetClientData(c, &viewer_tag);
}

static void got_rect(rfbClient *c, int x, int y, int w, int h)
{
    struct viewer *v = viewer_of(c);

    if (!v->rects++) {
        v->x0 = x;
        v->y0 = y;
        v->x1 = x + w;
        v->y1 = y + h;
        return;
    }
    v->x0 = x < v->x0 ? x : v->x0;
    v->y0 = y < v->y0 ? y : v->y0;
    v->x1 = x + w > v->x1 ? x + w : v->x1;
    v->y1 = y + h > v->y1 ? y + h : v->y1;
}

/* Never the terminal prompt; NULL (no password) rather than "", which
 * libvncclient would leak. */
static char *get_password(rfbClient *c)
{
    const char *p = viewer_of(c)->passwd;

    return p && *p ? strdup(p) : NULL;
}

/* Zeroed, so comparing before the first update reads defined bytes; the
 * viewer owns it (viewer_close frees it). */
static rfbBool alloc_fb(rfbClient *c)
{
    free(c->frameBuffer);
    c->frameBuffer = calloc((size_t)c->width * c->height, 4);
    return c->frameBuffer != NULL;
}

static void quiet(const char *fmt, ...)
{
    (void)fmt;
}

/* Connect and shake hands; false if the server refused (the client is
 * freed by libvncclient then). */
static bool viewer_connect(struct viewer *v, int port, const char *passwd)
{
    memset(v, 0, sizeof(*v));
    rfbClientLog = quiet;
    rfbClientErr = quiet;
    v->passwd = passwd;
    v->c = rfbGetClient(8, 3, 4);       /* bytes R, G, B, X */
    rfbClientSetClientData(v->c, &viewer_tag, v);
    v->c->GotFrameBufferUpdate = got_rect;
    v->c->GetPassword = get_password;
    v->c->MallocFrameBuffer = alloc_fb;
    free(v->c->serverHost);
    v->c->serverHost = strdup("127.0.0.1");
    v->c->serverPort = port;
    if (!rfbInitClient(v->c, NULL, NULL)) {
        v->c = NULL;
        return false;
    }
    return true;
}

static void viewer_close(struct viewer *v)
{
    if (v->c) {
        free(v->c->frameBuffer);
        rfbClientCleanup(v->c);
    }
    v->c = NULL;
}

static void viewer_forget(struct viewer *v)
{
    v->rects = 0;
}

/* Whether the viewer shows exactly what the guest's surface holds. */
static bool shows(const struct viewer *v, const struct guest *g)
{
    if (v->c->width != W || v->c->height != H || !v->c->frameBuffer)
        return false;
    for (unsigned int i = 0; i < W * H; i++) {
        const uint8_t *s = g->host.mem + (size_t)i * 4, *d = v->c->frameBuffer + (size_t)i * 4;

        if (d[0] != s[2] || d[1] != s[1] || d[2] != s[0])
            return false;
    }
    return true;
}

/* Handle the server's messages until the viewer shows the guest's
 * picture; false if the connection broke or it never did. */
static bool viewer_sync(struct viewer *v, const struct guest *g)
{
    for (int i = 0; i < MAX_ROUNDS && !shows(v, g); i++) {
        int n = WaitForMessage(v->c, 100000);

        if (n < 0 || (n > 0 && !HandleRFBServerMessage(v->c)))
            return false;
    }
    return shows(v, g);
}

/* The next vblank: the display thread sees the frame counter move. */
static void vblank(void)
{
    vgpu_parent_vblank(be.parent);
}

/* ---- the tests ---------------------------------------------------------- */
static void test_exact_pixels_then_changed_tiles(void)
{
    struct guest g;
    struct viewer v;

    guest_up(&g, 1, 11);
    draw_pattern(&g);
    CU_ASSERT_EQUAL_FATAL(start_vnc(&g, NULL), 0);
    CU_ASSERT_TRUE(vnc_display_port(g.xv->vnc) >= 5900);
    CU_ASSERT_STRING_EQUAL(vnc_display_listen(g.xv->vnc), "127.0.0.1");
    /* vgpuctl list shows where to connect. */
    {
        char *out = control_handle(&be, "{\"cmd\":\"list\"}"), want[64];

        snprintf(want, sizeof(want), "\"vnc\":\"127.0.0.1:%d\"", vnc_display_port(g.xv->vnc));
        CU_ASSERT_PTR_NOT_NULL(out && strstr(out, want));
        free(out);
    }
    CU_ASSERT_TRUE_FATAL(viewer_connect(&v, vnc_display_port(g.xv->vnc), NULL));
    CU_ASSERT_TRUE(viewer_sync(&v, &g));

    /* Two pixels in the tile at (64, 32)-(96, 64) change, and one pixel is
     * written with the value it had: only that tile is sent. */
    viewer_forget(&v);
    draw(&g, 70, 40, 0xff0000);
    draw(&g, 95, 63, 0x00ff00);
    draw(&g, 3, 3, pattern(3, 3));
    vblank();
    CU_ASSERT_TRUE(viewer_sync(&v, &g));
    CU_ASSERT_TRUE(v.rects >= 1);
    CU_ASSERT_TRUE(v.x0 >= 64 && v.y0 >= 32 && v.x1 <= 96 && v.y1 <= 64);

    viewer_close(&v);
    guest_down(&g);
}

static void test_password(void)
{
    struct guest g;
    struct viewer v;
    int port;

    guest_up(&g, 2, 12);
    draw_pattern(&g);
    CU_ASSERT_EQUAL_FATAL(start_vnc(&g, "s3cret"), 0);
    port = vnc_display_port(g.xv->vnc);
    CU_ASSERT_FALSE(viewer_connect(&v, port, "wrong"));
    CU_ASSERT_FALSE(viewer_connect(&v, port, ""));
    CU_ASSERT_TRUE_FATAL(viewer_connect(&v, port, "s3cret"));
    CU_ASSERT_TRUE(viewer_sync(&v, &g));
    viewer_close(&v);
    guest_down(&g);
}

/* A listener can take the port: nobody listens on it any more. */
static bool port_free(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    bool ok;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The viewer's closed connection may linger in TIME_WAIT on the port. */
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ok = !bind(s, (struct sockaddr *)&a, sizeof(a)) && !listen(s, 1);
    close(s);
    return ok;
}

static void test_teardown_frees_port(void)
{
    struct guest g, other;
    struct vgpu_vnc_config c;
    struct vnc_display *dup = NULL;
    struct viewer v;
    int port, n;

    guest_up(&g, 3, 13);
    draw_pattern(&g);
    CU_ASSERT_EQUAL_FATAL(start_vnc(&g, NULL), 0);
    port = vnc_display_port(g.xv->vnc);
    CU_ASSERT_FALSE(port_free(port));
    /* An explicit port already served is refused, not shared. */
    vgpu_vnc_default(&c);
    c.enabled = 1;
    c.port = port;
    guest_up(&other, 4, 14);
    CU_ASSERT_EQUAL(vnc_display_start(other.v, &c, &dup), -EADDRINUSE);
    CU_ASSERT_PTR_NULL(dup);
    guest_down(&other);

    CU_ASSERT_TRUE_FATAL(viewer_connect(&v, port, NULL));
    CU_ASSERT_TRUE(viewer_sync(&v, &g));
    /* The domain goes: its display thread is joined, the viewer is
     * disconnected and the port is free once that returns. */
    fake_domain_destroy(g.f);
    CU_ASSERT_TRUE(port_free(port));
    n = WaitForMessage(v.c, 5000000);
    CU_ASSERT_TRUE(n < 0 || (n > 0 && !HandleRFBServerMessage(v.c)));
    viewer_close(&v);
    vgpu_destroy(g.v);
    testhost_fini(&g.host);
}

/* ---- a viewer that holds the display thread ---------------------------- */
static sem_t send_entered, send_release;
static int send_armed;

/* Where the display thread writes to a viewer: the first send after arming
 * blocks, as a viewer that stops reading holds it. */
static void stalling_send(void *arg)
{
    (void)arg;
    if (__atomic_exchange_n(&send_armed, 0, __ATOMIC_ACQ_REL)) {
        sem_post(&send_entered);
        sem_wait(&send_release);
    }
}

static void test_stalled_viewer_leaves_ioreqs_alone(void)
{
    struct guest g;
    struct viewer v;
    struct vgpu_plane_info info;

    sem_init(&send_entered, 0, 0);
    sem_init(&send_release, 0, 0);
    guest_up(&g, 5, 15);
    draw_pattern(&g);
    CU_ASSERT_EQUAL_FATAL(start_vnc(&g, NULL), 0);
    vnc_display_set_send_hook(g.xv->vnc, stalling_send, NULL);
    CU_ASSERT_TRUE_FATAL(viewer_connect(&v, vnc_display_port(g.xv->vnc), NULL));
    CU_ASSERT_TRUE(viewer_sync(&v, &g));

    /* A change the display thread sends, and blocks in doing so. */
    __atomic_store_n(&send_armed, 1, __ATOMIC_RELEASE);
    draw(&g, 10, 10, 0x123456);
    vblank();
    sem_wait(&send_entered);

    /* Meanwhile the guest's vCPU is served: MMIO, the plane's registers,
     * the frame counter, and the model's display state. */
    for (uint32_t i = 0; i < 100; i++) {
        fake_vcpu_io(g.f, 0, IOREQ_TYPE_COPY, IOREQ_WRITE, BAR0 + RGPU_REG_SCRATCH(0), 4, i);
        CU_ASSERT_EQUAL(fake_vcpu_io(g.f, 0, IOREQ_TYPE_COPY, IOREQ_READ,
                                     BAR0 + RGPU_REG_SCRATCH(0), 4, 0), i);
    }
    CU_ASSERT_EQUAL(fake_vcpu_io(g.f, 0, IOREQ_TYPE_COPY, IOREQ_READ, BAR0 + RGPU_PLANE_STRIDE,
                                 4, 0), W * 4);
    vblank();
    CU_ASSERT_EQUAL(vgpu_display_plane(g.v, &info), 0);
    draw(&g, 100, 50, 0xabcdef);
    vblank();

    /* The viewer catches up once the thread is let go. */
    sem_post(&send_release);
    CU_ASSERT_TRUE(viewer_sync(&v, &g));
    viewer_close(&v);
    guest_down(&g);
    sem_destroy(&send_entered);
    sem_destroy(&send_release);
}

void register_vnc_suites(void)
{
    CU_pSuite s = CU_add_suite("daemon-vnc", vnc_init, vnc_fini);

    CU_add_test(s, "a viewer gets the exact pixels, then only changed tiles",
                test_exact_pixels_then_changed_tiles);
    CU_add_test(s, "a password is required when set", test_password);
    CU_add_test(s, "domain teardown frees the port", test_teardown_frees_port);
    CU_add_test(s, "a stalled viewer leaves the IOREQs alone",
                test_stalled_viewer_leaves_ioreqs_alone);
}
