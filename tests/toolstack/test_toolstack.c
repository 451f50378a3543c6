/*
 * test_toolstack.c - CUnit suites for the toolstack pieces that need no
 * running Xen: the JSON reader/writer, the daemon's guest-memory map cache
 * and grants, its control protocol (control_handle) on reserved instances,
 * which exist before any domain does, and its log prefix; the vgpu= config
 * and mdev-instance suites are in test_config.c.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "control.h"
#include "json.h"
#include "log_domain.h"
#include "sw_engine.h"
#include "vgpu_cfg.h"
#include "vgpu_mdev.h"
#include "common/cunit_main.h"
#include "toolstack/suites.h"

/* ------------------------------------------------------------ json */
static void test_json_roundtrip(void)
{
    char err[128];
    json_t *j = json_parse(" {\"a\": [1, 2.5, -3e2], \"s\": \"x\\\"y\\u00e9\\n\", "
                                "\"t\": true, \"f\": false, \"n\": null, \"o\": {}} ", err,
                                sizeof(err));
    const json_t *a;
    double d;
    bool b;

    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    a = json_get(j, "a");
    CU_ASSERT_TRUE(json_is_array(a));
    CU_ASSERT_EQUAL(json_array_size(a), 3);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_array_get(a, 1)), 2.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_array_get(a, 2)), -300, 1e-12);
    CU_ASSERT_STRING_EQUAL(json_get_str(j, "s"), "x\"y\xc3\xa9\n");
    CU_ASSERT_TRUE(json_get_bool(j, "t", &b) && b);
    CU_ASSERT_TRUE(json_get_bool(j, "f", &b) && !b);
    CU_ASSERT_TRUE(json_is_null(json_get(j, "n")));
    CU_ASSERT_TRUE(json_is_object(json_get(j, "o")));
    CU_ASSERT_FALSE(json_get_num(j, "s", &d));          /* wrong type */
    CU_ASSERT_PTR_NULL(json_get_str(j, "missing"));
    json_free(j);
}

static void test_json_errors(void)
{
    static const char *bad[] = {
        "", "{", "{\"a\" 1}", "[1,]x", "\"unterminated", "{\"a\":tru}", "[1] 2",
        "\"\\x\"", "\"\\u12\"", "{1:2}", "\"ctl\x01\"",
    };
    char err[128], deep[200];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = json_parse(bad[i], err, sizeof(err));

        CU_ASSERT_PTR_NULL(j);
        CU_ASSERT_TRUE(err[0] != '\0');
        json_free(j);
    }
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    CU_ASSERT_PTR_NULL(json_parse(deep, err, sizeof(err)));     /* depth bound */
}

static void test_json_writer(void)
{
    struct jbuf b = { 0 };
    json_t *j;
    char err[64];

    jb_raw(&b, "{\"k\":");
    jb_str(&b, "q\"b\\s\n\x01");
    jb_fmt(&b, ",\"n\":%d}", 42);
    j = json_parse(b.s, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_STRING_EQUAL(json_get_str(j, "k"), "q\"b\\s\n\x01");
    json_free(j);
    jb_free(&b);

    /* A parsed value written back is the same compact text. */
    {
        const char *text = "{\"a\":[1,-2,0.5,true,false,null],\"s\":\"x\\ny\",\"o\":{}}";

        j = json_parse(text, err, sizeof(err));
        CU_ASSERT_PTR_NOT_NULL_FATAL(j);
        jb_json(&b, j);
        CU_ASSERT_STRING_EQUAL(b.s, text);
        json_free(j);
        jb_free(&b);
    }
}

/* ------------------------------------------------------------ map cache */
/* A fake foreign mapper over a "guest" of 64 frames; frame 13 is a hole. */
#define FAKE_FRAMES 64
static uint8_t fake_guest[FAKE_FRAMES][4096];
static unsigned int fake_maps, fake_unmaps, fake_live;

static void *fake_map(void *ctx, uint64_t gfn, unsigned int n, int *err)
{
    uint8_t *p = malloc((size_t)n * 4096);

    (void)ctx;
    if (!p)
        return NULL;
    for (unsigned int i = 0; i < n; i++) {
        err[i] = gfn + i >= FAKE_FRAMES || gfn + i == 13 ? -EFAULT : 0;
        if (!err[i])
            memcpy(p + (size_t)i * 4096, fake_guest[gfn + i], 4096);
    }
    fake_maps++;
    fake_live++;
    return p;
}

static int fake_unmap(void *ctx, void *addr, unsigned int n)
{
    (void)ctx;
    (void)n;
    free(addr);
    fake_unmaps++;
    fake_live--;
    return 0;
}

static const struct mapper_ops fake_ops = { fake_map, fake_unmap };

static void test_mapcache(void)
{
    struct mapcache *mc = mapcache_create(&fake_ops, NULL, 4, 2);     /* 4 frames, 2 buckets */
    struct mapcache_stats st;
    uint8_t buf[8192];
    void *p, *q;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mc);
    CU_ASSERT_PTR_NULL(mapcache_create(&fake_ops, NULL, 3, 2));       /* not a power of two */
    fake_guest[1][5] = 0xab;
    p = mapcache_pin(mc, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(((uint8_t *)p)[5], 0xab);
    q = mapcache_pin(mc, 2);                    /* same bucket: no new map */
    CU_ASSERT_EQUAL((uint8_t *)q - (uint8_t *)p, 4096);
    CU_ASSERT_EQUAL(fake_maps, 1);
    CU_ASSERT_PTR_NULL(mapcache_pin(mc, 13));   /* a hole in guest memory */
    CU_ASSERT_PTR_NULL(mapcache_pin(mc, 1000));
    /* Transient copies across frames and buckets, then eviction under the
     * bucket limit: the pinned bucket is never the victim. */
    CU_ASSERT_EQUAL(mapcache_write(mc, 4096 * 3 + 4000, "0123456789abcdef", 16), 0);
    CU_ASSERT_EQUAL(mapcache_read(mc, 4096 * 3 + 4000, buf, 16), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "0123456789abcdef", 16), 0);
    CU_ASSERT_EQUAL(mapcache_read(mc, 4096 * 20, buf, 8192), 0);
    CU_ASSERT_EQUAL(mapcache_read(mc, 4096 * 30, buf, 10), 0);
    mapcache_get_stats(mc, &st);
    CU_ASSERT_TRUE(st.evictions >= 1);
    CU_ASSERT_EQUAL(((uint8_t *)p)[5], 0xab);   /* pinned mapping still valid */
    CU_ASSERT_EQUAL(st.pinned_frames, 2);
    CU_ASSERT_EQUAL(mapcache_read(mc, 4096 * 12 + 4090, buf, 12), -EFAULT);   /* into the hole */
    CU_ASSERT_EQUAL(mapcache_read(mc, ~0ull - 4, buf, 12), -EFAULT);         /* wraps */
    /* Invalidate drops only unpinned buckets. */
    mapcache_invalidate(mc);
    mapcache_get_stats(mc, &st);
    CU_ASSERT_EQUAL(st.buckets, 1);
    mapcache_unpin(mc, 1);
    mapcache_unpin(mc, 2);
    mapcache_unpin(mc, 2);                      /* extra unpin is harmless */
    mapcache_invalidate(mc);
    mapcache_get_stats(mc, &st);
    CU_ASSERT_EQUAL(st.buckets, 0);
    CU_ASSERT_EQUAL(st.pinned_frames, 0);
    mapcache_destroy(mc);
    CU_ASSERT_EQUAL(fake_live, 0);              /* nothing leaked */
}

/* Grant-addressed DMA (bit 63 | gref << 12): pins are counted per gref. */
static unsigned int grants_live;
static void *fake_grant_map(void *ctx, uint32_t gref)
{
    (void)ctx;
    if (gref >= FAKE_FRAMES) {
        errno = EINVAL;
        return NULL;
    }
    grants_live++;
    return fake_guest[gref];
}

static int fake_grant_unmap(void *ctx, void *addr)
{
    (void)ctx;
    (void)addr;
    grants_live--;
    return 0;
}

static const struct grant_ops fake_gops = { fake_grant_map, fake_grant_unmap };

static void test_guest_mem_grants(void)
{
    struct guest_mem *gm = guest_mem_create(&fake_ops, &fake_gops, NULL);
    struct mapcache_stats st;
    unsigned int ng;
    void *va, *vb;
    char buf[16];

    CU_ASSERT_PTR_NOT_NULL_FATAL(gm);
    CU_ASSERT_EQUAL(guest_mem_pin(gm, GUEST_GRANT_BIT | (7ull << 12), &va), 0);
    CU_ASSERT_EQUAL(guest_mem_pin(gm, GUEST_GRANT_BIT | (7ull << 12), &vb), 0);
    CU_ASSERT_PTR_EQUAL(va, vb);
    CU_ASSERT_EQUAL(grants_live, 1);
    CU_ASSERT_EQUAL(guest_mem_pin(gm, GUEST_GRANT_BIT | (7ull << 12) | 8, &va), -EINVAL);
    CU_ASSERT_EQUAL(guest_mem_pin(gm, GUEST_GRANT_BIT | (500ull << 12), &va), -EINVAL);
    /* A copy spanning two grants, as xen-grant-dma lays out a buffer. */
    CU_ASSERT_EQUAL(guest_mem_write(gm, GUEST_GRANT_BIT | ((8ull << 12) + 4090), "abcdefghijkl", 12), 0);
    CU_ASSERT_EQUAL(memcmp(&fake_guest[8][4090], "abcdef", 6), 0);
    CU_ASSERT_EQUAL(memcmp(&fake_guest[9][0], "ghijkl", 6), 0);
    CU_ASSERT_EQUAL(guest_mem_read(gm, GUEST_GRANT_BIT | ((8ull << 12) + 4090), buf, 12), 0);
    CU_ASSERT_EQUAL(memcmp(buf, "abcdefghijkl", 12), 0);
    guest_mem_stats(gm, &st, &ng);
    CU_ASSERT_EQUAL(ng, 1);                     /* transient grant maps are dropped */
    guest_mem_unpin(gm, GUEST_GRANT_BIT | (7ull << 12), va);
    guest_mem_unpin(gm, GUEST_GRANT_BIT | (7ull << 12), vb);
    CU_ASSERT_EQUAL(grants_live, 0);
    guest_mem_destroy(gm);
    CU_ASSERT_EQUAL(fake_live, 0);
}

/* ------------------------------------------------------------ control protocol */
static struct backend be;

/* A backend over a parent with manual scheduling on the software engine:
 * the setup of every suite that drives the daemon's code. */
int ts_backend_init(struct backend *b)
{
    struct vgpu_parent_config cfg;

    memset(b, 0, sizeof(*b));
    vgpu_parent_default_config(&cfg);
    cfg.manual = true;
    cfg.pgpu = pgpu_sw_create(cfg.gm_size);
    return vgpu_parent_create(&cfg, &b->parent);
}

static int control_init(void)
{
    return ts_backend_init(&be);
}

static int control_fini(void)
{
    while (be.detached)
        backend_unreserve(&be, be.detached);
    return vgpu_parent_destroy(be.parent);
}

/* Send a request, parse the reply. */
static json_t *ask(const char *req)
{
    char *out = control_handle(&be, req), err[64];
    json_t *j;

    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(out[strlen(out) - 1], '\n');
    j = json_parse(out, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL(j);
    free(out);
    return j;
}

static bool ok_of(const json_t *j)
{
    bool ok = false;

    json_get_bool(j, "ok", &ok);
    return ok;
}

static unsigned int available(const char *type)
{
    json_t *j = ask("{\"cmd\":\"types\"}");
    const json_t *a = json_get(j, "types");
    double n = -1;

    for (size_t i = 0; i < json_array_size(a); i++)
        if (!strcmp(json_get_str(json_array_get(a, i), "name"), type))
            json_get_num(json_array_get(a, i), "available_instances", &n);
    json_free(j);
    return (unsigned int)n;
}

static void test_control_types_and_create(void)
{
    json_t *j;
    const char *u1 = "11111111-2222-4333-8444-555555555555";
    char req[256];

    CU_ASSERT_EQUAL(available("refgpu-8"), 8);
    CU_ASSERT_EQUAL(available("refgpu-1"), 1);
    snprintf(req, sizeof(req), "{\"cmd\":\"create\",\"type\":\"refgpu-8\",\"uuid\":\"%s\"}", u1);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    CU_ASSERT_STRING_EQUAL(json_get_str(j, "uuid"), u1);
    json_free(j);
    CU_ASSERT_EQUAL(available("refgpu-8"), 7);
    CU_ASSERT_EQUAL(available("refgpu-1"), 0);

    j = ask(req);                                       /* same UUID again */
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "already exists"));
    json_free(j);

    j = ask("{\"cmd\":\"create\",\"type\":\"foo\"}");
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "type 'foo' unknown; known: refgpu-16"));
    json_free(j);

    j = ask("{\"cmd\":\"create\",\"type\":\"refgpu-1\"}");
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "0 instances available"));
    json_free(j);

    j = ask("{\"cmd\":\"create\",\"type\":\"refgpu-16\"}");   /* generated UUID */
    CU_ASSERT_TRUE(ok_of(j));
    CU_ASSERT_EQUAL(strlen(json_get_str(j, "uuid")), 36);
    json_free(j);

    j = ask("{\"cmd\":\"list\"}");
    CU_ASSERT_EQUAL(json_array_size(json_get(j, "instances")), 2);
    CU_ASSERT_STRING_EQUAL(json_get_str(json_array_get(json_get(j, "instances"), 1), "state"),
                           "reserved");
    json_free(j);
}

static void test_control_stats_weight_destroy(void)
{
    const char *u1 = "11111111-2222-4333-8444-555555555555";
    char req[256];
    json_t *j;
    double w;

    snprintf(req, sizeof(req), "{\"cmd\":\"stats\",\"uuid\":\"%s\"}", u1);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    CU_ASSERT_TRUE(json_get_num(json_array_get(json_get(j, "stats"), 0), "weight", &w) && w == 2);
    CU_ASSERT_PTR_NOT_NULL(json_get(json_array_get(json_get(j, "stats"), 0), "busy_pct"));
    json_free(j);

    snprintf(req, sizeof(req), "{\"cmd\":\"set-weight\",\"uuid\":\"%s\",\"weight\":5}", u1);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    json_free(j);
    snprintf(req, sizeof(req), "{\"cmd\":\"set-weight\",\"uuid\":\"%s\",\"weight\":500}", u1);
    j = ask(req);
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "does not fit"));
    json_free(j);
    snprintf(req, sizeof(req), "{\"cmd\":\"set-weight\",\"uuid\":\"%s\",\"weight\":0}", u1);
    j = ask(req);
    CU_ASSERT_FALSE(ok_of(j));
    json_free(j);

    snprintf(req, sizeof(req), "{\"cmd\":\"screenshot\",\"uuid\":\"%s\",\"path\":\"/tmp/x.png\"}",
             u1);
    j = ask(req);
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "shows nothing"));
    json_free(j);

    snprintf(req, sizeof(req), "{\"cmd\":\"destroy\",\"uuid\":\"%s\"}", u1);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    json_free(j);
    j = ask(req);
    CU_ASSERT_FALSE(ok_of(j));
    CU_ASSERT_PTR_NOT_NULL(strstr(json_get_str(j, "error"), "no vGPU with UUID"));
    json_free(j);
}

/* status: the daemon's holdings.  No domain here, so no Xen mapping may be
 * counted; the heap grows with a reservation and shrinks back when it is
 * released, to within allocator noise (what the rig's leak check relies on). */
static double status_num(const char *key)
{
    json_t *j = ask("{\"cmd\":\"status\"}");
    double n = -1;

    CU_ASSERT_TRUE(ok_of(j));
    CU_ASSERT_TRUE(json_get_num(json_get(j, "status"), key, &n));
    json_free(j);
    return n;
}

static void test_control_status(void)
{
    const char *u = "33333333-2222-4333-8444-555555555555";
    double heap0, heap1, inst0;
    char req[256];
    json_t *j;

    inst0 = status_num("instances");
    CU_ASSERT_EQUAL(status_num("domains"), 0);
    CU_ASSERT_EQUAL(status_num("foreign_frames"), 0);
    CU_ASSERT_EQUAL(status_num("grant_pages"), 0);
    CU_ASSERT_EQUAL(status_num("foreign_frames_peak"), 0);
    CU_ASSERT_EQUAL(status_num("grant_pages_peak"), 0);
    CU_ASSERT_EQUAL(status_num("ioreq_pages"), 0);
    CU_ASSERT_EQUAL(status_num("pid"), getpid());
    CU_ASSERT_TRUE(status_num("rss_kib") > 0);
    heap0 = status_num("heap_bytes");

    snprintf(req, sizeof(req), "{\"cmd\":\"create\",\"type\":\"refgpu-4\",\"uuid\":\"%s\"}", u);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    json_free(j);
    CU_ASSERT_EQUAL(status_num("instances"), inst0 + 1);
    heap1 = status_num("heap_bytes");

    snprintf(req, sizeof(req), "{\"cmd\":\"destroy\",\"uuid\":\"%s\"}", u);
    j = ask(req);
    CU_ASSERT_TRUE(ok_of(j));
    json_free(j);
    CU_ASSERT_EQUAL(status_num("instances"), inst0);
    /* glibc reports the heap; sanitizer allocators report 0.  An instance
     * takes megabytes (its shadow GTT); what stays after its release is
     * allocator noise (tcache), a few hundred bytes. */
    if (heap0 > 0) {
        CU_ASSERT_TRUE(heap1 > heap0 + 1024 * 1024);
        CU_ASSERT_TRUE(status_num("heap_bytes") < heap0 + 4096);
    }
}

/* The peaks only rise, each on its own; status reports them. */
static void test_map_peak(void)
{
    xen_maps_note_peak(5);
    xen_maps_note_peak(3);
    CU_ASSERT_EQUAL(status_num("foreign_frames_peak"), 5);
    CU_ASSERT_EQUAL(status_num("grant_pages_peak"), 0);
    xen_maps_note_peak(9);
    CU_ASSERT_EQUAL(status_num("foreign_frames_peak"), 9);
    xen_maps_note_grant_peak(4);
    xen_maps_note_grant_peak(2);
    CU_ASSERT_EQUAL(status_num("grant_pages_peak"), 4);
    CU_ASSERT_EQUAL(status_num("foreign_frames_peak"), 9);
    CU_ASSERT_EQUAL(status_num("grant_pages"), 0);
    xen_maps.foreign_frames_peak = 0;
    xen_maps.grant_pages_peak = 0;
}

static void test_control_bad_requests(void)
{
    static const char *bad[] = { "not json", "{}", "{\"cmd\":\"frobnicate\"}",
                                 "{\"cmd\":\"destroy\"}", "{\"cmd\":\"create\"}",
                                 "{\"cmd\":5}" };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = ask(bad[i]);
        double e = 0;

        CU_ASSERT_FALSE(ok_of(j));
        CU_ASSERT_TRUE(json_get_num(j, "errno", &e) && e > 0);
        CU_ASSERT_PTR_NOT_NULL(json_get_str(j, "error"));
        json_free(j);
    }
}

/* ------------------------------------------------------------ log domain */
/* Log the messages with stderr redirected to a file; return what it got. */
static char *log_lines(const char *const *msgs, size_t n)
{
    static char out[2048];
    FILE *tmp = tmpfile();
    int saved = dup(2);
    size_t got;

    CU_ASSERT_FATAL(tmp != NULL && saved >= 0);
    fflush(stderr);
    dup2(fileno(tmp), 2);
    os_log_set_level(OS_LOG_INFO);
    for (size_t i = 0; i < n; i++)
        os_err("%s", msgs[i]);
    os_log_set_level(OS_LOG_ERR);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    got = fread(out, 1, sizeof(out) - 1, tmp);
    out[got] = '\0';
    fclose(tmp);
    return out;
}

static void test_log_domain(void)
{
    static const char *const msgs[] = {
        "dom7: IOREQ server up",                /* names its domain already */
        "vgpu3: engine 0: submission failed",   /* a vGPU attached to dom5 */
        "vgpu4: PTE outside the slice",         /* a vGPU no domain has */
        "vgpu-backend ready",                   /* the daemon itself */
    };
    char *out;

    log_domain_init();
    log_domain_bind_vgpu(3, 5);
    out = log_lines(msgs, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "vgpu error: dom7: IOREQ server up\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "dom0: dom7"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "vgpu error: dom5: vgpu3: engine 0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "vgpu error: dom0: vgpu4: PTE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "vgpu error: dom0: vgpu-backend ready\n"));
    /* Serving a domain's requests: its lines, unless a vGPU says otherwise. */
    log_domain_enter(9);
    out = log_lines(msgs + 2, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dom9: vgpu4: PTE"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dom9: vgpu-backend ready"));
    out = log_lines(msgs + 1, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dom5: vgpu3:"));
    log_domain_leave();
    log_domain_unbind_vgpu(3);
    out = log_lines(msgs + 1, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "dom0: vgpu3:"));
    os_log_set_prefix(NULL);
}

static void register_all(void)
{
    CU_pSuite s;

    s = CU_add_suite("json", NULL, NULL);
    CU_add_test(s, "roundtrip", test_json_roundtrip);
    CU_add_test(s, "errors", test_json_errors);
    CU_add_test(s, "writer", test_json_writer);
    register_config_suites();
    register_thread_suites();
    register_vnc_suites();
    s = CU_add_suite("guest-memory", NULL, NULL);
    CU_add_test(s, "map cache", test_mapcache);
    CU_add_test(s, "grants", test_guest_mem_grants);
    s = CU_add_suite("control", control_init, control_fini);
    CU_add_test(s, "types and create", test_control_types_and_create);
    CU_add_test(s, "stats, weight, destroy", test_control_stats_weight_destroy);
    CU_add_test(s, "status", test_control_status);
    CU_add_test(s, "mapping peak", test_map_peak);
    CU_add_test(s, "bad requests", test_control_bad_requests);
    s = CU_add_suite("log-domain", NULL, NULL);
    CU_add_test(s, "domain on every line", test_log_domain);
}

int main(int argc, char **argv)
{
    return cunit_main("toolstack-tests", argc, argv, register_all);
}
