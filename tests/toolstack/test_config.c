/*
 * test_config.c - CUnit suites for the vgpu= setting of xl configs (the
 * parser, the backend= key) and for the scan of kernel mdev instances in
 * sysfs; registered by test_toolstack.c's runner.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgpu.h"
#include "vgpu_cfg.h"
#include "vgpu_mdev.h"
#include "toolstack/suites.h"

/* ------------------------------------------------------------ vgpu= config */
static void test_cfg_entry(void)
{
    struct vgpu_cfg_entry e;
    char err[256];

    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8", 0, &e, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(e.type, "refgpu-8");
    CU_ASSERT_STRING_EQUAL(e.bdf, "00:05.0");               /* default */
    CU_ASSERT_FALSE(e.uuid_given);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry(" type = refgpu-4 , bdf=00:0a.0,"
                                         "uuid=6F0D3A8E-2B1C-4D5E-9F00-000000000001", 2, &e, err,
                                         sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(e.bdf, "00:0a.0");
    CU_ASSERT_TRUE(e.uuid_given);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8", 3, &e, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(e.bdf, "00:08.0");               /* 5 + index */

    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,colour=red", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown vgpu key 'colour'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,bdf=0:5", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bdf '0:5'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,bdf=00:20.0", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,uuid=nope", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "uuid 'nope'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("bdf=00:05.0", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no type"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=a b", 0, &e, err, sizeof(err)), -EINVAL);
}

/* The daemon's VNC keys: defaults, each key's values, and the keys that
 * do not fit together; the daemon applies the same checks to the nodes. */
static void test_cfg_vnc(void)
{
    struct vgpu_cfg_entry e;
    char err[256];

    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8", 0, &e, err, sizeof(err)), 0);
    CU_ASSERT_FALSE(e.vnc.enabled);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1", 0, &e, err, sizeof(err)), 0);
    CU_ASSERT_TRUE(e.vnc.enabled);
    CU_ASSERT_STRING_EQUAL(e.vnc.listen, "127.0.0.1");      /* localhost by default */
    CU_ASSERT_EQUAL(e.vnc.port, 0);                         /* first free from 5900 */
    CU_ASSERT_STRING_EQUAL(e.vnc.passwd, "");
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vnclisten=::1,vncdisplay=3,"
                                         "vncpasswd=s3cr3t!", 0, &e, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(e.vnc.listen, "::1");
    CU_ASSERT_EQUAL(e.vnc.port, 5903);
    CU_ASSERT_STRING_EQUAL(e.vnc.passwd, "s3cr3t!");
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vnclisten=0.0.0.0,vncport=6001", 0,
                                         &e, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(e.vnc.port, 6001);

    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=yes", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vnc 'yes'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vnclisten=localhost", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vnclisten 'localhost'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncport=65536", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vncport '65536'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncport=-1", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncdisplay=x", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vncdisplay 'x'"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncpasswd=123456789", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vncpasswd"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncpasswd=a b", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vnc=1,vncport=5901,vncdisplay=1", 0, &e,
                                         err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "both given"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,vncport=5901", 0, &e, err, sizeof(err)),
                    -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "without vnc=1"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,backend=mdev,vnc=1", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "backend=mdev"));
}

static void test_cfg_xl(void)
{
    struct vgpu_cfg_entry e[VGPU_CFG_MAX];
    char err[256];
    const char *cfg =
        "# a guest\n"
        "name = \"g1\"; memory = 256\n"
        "disk = [ 'file:/x.img,xvda,w', \"y\" ]\n"
        "vgpu = [ \"type=refgpu-8\",\n"
        "         'type=refgpu-16,bdf=00:07.0', # second\n"
        "]\n"
        "vif = [ ]\n";

    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl(cfg, e, VGPU_CFG_MAX, err, sizeof(err)), 2);
    CU_ASSERT_STRING_EQUAL(e[0].type, "refgpu-8");
    CU_ASSERT_STRING_EQUAL(e[0].bdf, "00:05.0");
    CU_ASSERT_STRING_EQUAL(e[1].bdf, "00:07.0");
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("name=\"x\"\n", e, VGPU_CFG_MAX, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu = \"type=refgpu-8\"\n", e, VGPU_CFG_MAX, err,
                                      sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "must be a list"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu=['type=a,bdf=00:05.0','type=b,bdf=00:05.0']", e,
                                      VGPU_CFG_MAX, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bdf 00:05.0"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu=['type=a']\nvgpu=['type=b']\n", e, VGPU_CFG_MAX, err,
                                      sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 2"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("memory 256\n", e, VGPU_CFG_MAX, err, sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu = [ 'type=a',\n", e, VGPU_CFG_MAX, err, sizeof(err)),
                    -EINVAL);
}

/* backend=: daemon by default, mdev on request, never both in one domain. */
static void test_cfg_backend(void)
{
    struct vgpu_cfg_entry e, v[VGPU_CFG_MAX];
    char err[512];

    /* default */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8", 0, &e, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(e.backend, VGPU_BACKEND_DAEMON);
    CU_ASSERT_STRING_EQUAL(vgpu_backend_name(e.backend), "daemon");
    /* explicit daemon: as the default, default BDF too */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("backend=daemon,type=refgpu-8", 1, &e, err, sizeof(err)),
                    0);
    CU_ASSERT_EQUAL(e.backend, VGPU_BACKEND_DAEMON);
    CU_ASSERT_STRING_EQUAL(e.bdf, "00:06.0");
    /* mdev: no default BDF (QEMU places the device) */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8, backend = mdev", 2, &e, err, sizeof(err)),
                    0);
    CU_ASSERT_EQUAL(e.backend, VGPU_BACKEND_MDEV);
    CU_ASSERT_STRING_EQUAL(vgpu_backend_name(e.backend), "mdev");
    CU_ASSERT_FALSE(e.bdf_given);
    CU_ASSERT_STRING_EQUAL(e.bdf, "");
    /* bad value: names the key and the value */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,backend=kvm", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "backend 'kvm'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "daemon, mdev"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,backend=", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,colour=red", 0, &e, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "known: type, bdf, uuid, backend"));
    /* bdf with mdev: a slot on bus 00 becomes QEMU's addr=DD.F; other buses are refused */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,bdf=00:07.1,backend=mdev", 0, &e, err,
                                         sizeof(err)), 0);
    CU_ASSERT_TRUE(e.bdf_given);
    CU_ASSERT_STRING_EQUAL(e.bdf, "00:07.1");
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("backend=mdev,type=refgpu-8,bdf=01:00.0", 0, &e, err,
                                         sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bdf '01:00.0' with backend=mdev must be on bus 00"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_entry("type=refgpu-8,bdf=00:20.0,backend=mdev", 0, &e, err,
                                         sizeof(err)), -EINVAL);

    /* whole configs: mdev entries without bdf do not clash with each other */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu = [ 'type=refgpu-8,backend=mdev',\n"
                                      "  'type=refgpu-4,backend=mdev' ]\n", v, VGPU_CFG_MAX, err,
                                      sizeof(err)), 2);
    CU_ASSERT_EQUAL(v[1].backend, VGPU_BACKEND_MDEV);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu=['type=a,backend=mdev,bdf=00:07.0',"
                                      "'type=b,backend=mdev,bdf=00:07.0']", v, VGPU_CFG_MAX, err,
                                      sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bdf 00:07.0"));
    /* mixing is refused, naming both entries */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu = [ 'type=refgpu-8', 'type=refgpu-2',\n"
                                      "  'type=refgpu-4,backend=mdev' ]\n", v, VGPU_CFG_MAX, err,
                                      sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "mix backends"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "entry 0 (type=refgpu-8) is backend=daemon"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "entry 2 (type=refgpu-4) is backend=mdev"));
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu=['type=a,backend=mdev','type=b,backend=daemon']", v,
                                      VGPU_CFG_MAX, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "mix backends"));
    /* xl's `key += value` is skipped for other keys, refused for vgpu */
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("device_model_args_hvm += [ '-x' ]\n"
                                      "vgpu = [ 'type=a,backend=mdev' ]\n", v, VGPU_CFG_MAX, err,
                                      sizeof(err)), 1);
    CU_ASSERT_EQUAL(vgpu_cfg_parse_xl("vgpu = [ 'type=a' ]\nvgpu += [ 'type=b' ]\n", v,
                                      VGPU_CFG_MAX, err, sizeof(err)), -EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "vgpu += is not supported"));
}

/* ------------------------------------------------------------ offline checks */
/* vgpu_cfg_check on the entries of CFG (which parse): its result, the
 * message in err. */
static int check_cfg(const char *cfg, char *err, size_t errlen)
{
    struct vgpu_cfg_entry e[VGPU_CFG_MAX];
    int n = vgpu_cfg_parse_xl(cfg, e, VGPU_CFG_MAX, err, errlen);

    CU_ASSERT_FATAL(n > 0);
    return vgpu_cfg_check(e, n, err, errlen);
}

#define KNOWN "known: refgpu-16, refgpu-8, refgpu-4, refgpu-2, refgpu-1"

static void test_check_known_types(void)
{
    char err[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=refgpu-16', 'type=refgpu-8', 'type=refgpu-4',"
                              " 'type=refgpu-2', 'type=refgpu-1' ]", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=refgpu-4,backend=mdev' ]", err, sizeof(err)), 0);
}

/* The example: a type the core does not have, refused with the
 * daemon's own message (domain.c's create_instance). */
static void test_check_unknown_type(void)
{
    char err[256], daemon[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ \"type=refgpu-3\" ]", err, sizeof(err)), -EINVAL);
    vgpu_type_unknown("refgpu-3", daemon, sizeof(daemon));
    CU_ASSERT_STRING_EQUAL(err, daemon);
    CU_ASSERT_STRING_EQUAL(err, "vGPU type 'refgpu-3' unknown; " KNOWN);
}

/* backend=mdev: vgpu_mdev.ko offers the same types (as rgpu-<type>). */
static void test_check_unknown_type_mdev(void)
{
    char err[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=refgpu-32,backend=mdev' ]", err, sizeof(err)), -EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "vGPU type 'refgpu-32' unknown; " KNOWN);
}

/* The sysfs name of an mdev type is not a vgpu= type. */
static void test_check_sysfs_type_name(void)
{
    char err[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=rgpu-refgpu-4,backend=mdev' ]", err, sizeof(err)),
                    -EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "vGPU type 'rgpu-refgpu-4' unknown; " KNOWN);
}

/* Type names are case-sensitive, as the daemon compares them. */
static void test_check_type_case(void)
{
    char err[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=RefGPU-8' ]", err, sizeof(err)), -EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "vGPU type 'RefGPU-8' unknown; " KNOWN);
}

/* Every entry is checked, not only the first. */
static void test_check_later_entry(void)
{
    char err[256];

    CU_ASSERT_EQUAL(check_cfg("vgpu = [ 'type=refgpu-8', 'type=refgpu-8', 'type=refgpu-0' ]", err,
                              sizeof(err)), -EINVAL);
    CU_ASSERT_STRING_EQUAL(err, "vGPU type 'refgpu-0' unknown; " KNOWN);
}

/* ------------------------------------------------------------ mdev instances (sysfs) */
static void put_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void mkdirs(const char *root, const char *rel)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    mkdir(path, 0755);
}

/* An mdev instance <uuid> whose mdev_type links to <typedir>, as sysfs has it. */
static void fake_mdev(const char *root, const char *uuid, const char *typedir)
{
    char rel[256], link[PATH_MAX], target[256];

    snprintf(rel, sizeof(rel), "bus/mdev/devices/%s", uuid);
    mkdirs(root, rel);
    if (!typedir)
        return;
    snprintf(link, sizeof(link), "%s/%s/mdev_type", root, rel);
    snprintf(target, sizeof(target), "../../../../class/mdev_bus/%s", typedir);
    CU_ASSERT_EQUAL(symlink(target, link), 0);
}

static void rm_tree(const char *root)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_mdev_scan(void)
{
    static const char *u1 = "6f0d3a8e-2b1c-4d5e-9f00-000000000002",
                      *u2 = "6F0D3A8E-2B1C-4D5E-9F00-000000000001",
                      *u3 = "6f0d3a8e-2b1c-4d5e-9f00-000000000003";
    char root[] = "/tmp/vgpu-sysfs-XXXXXX", path[PATH_MAX];
    struct vgpu_mdev_inst v[8];
    int n;

    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
    /* No mdev bus at all: nothing, not an error. */
    CU_ASSERT_EQUAL(vgpu_mdev_scan(root, v, 8), 0);
    CU_ASSERT_FALSE(vgpu_mdev_parent_present(root));

    mkdirs(root, "class/mdev_bus/rgpu0/mdev_supported_types/rgpu-refgpu-8");
    mkdirs(root, "class/mdev_bus/rgpu0/mdev_supported_types/rgpu-refgpu-16");
    mkdirs(root, "class/mdev_bus/mtty/mdev_supported_types/mtty-2");
    CU_ASSERT_TRUE(vgpu_mdev_parent_present(root));
    fake_mdev(root, u1, "rgpu0/mdev_supported_types/rgpu-refgpu-8");
    fake_mdev(root, u2, "rgpu0/mdev_supported_types/rgpu-refgpu-16/");
    fake_mdev(root, u3, "mtty/mdev_supported_types/mtty-2");        /* not ours */
    fake_mdev(root, "half-made", NULL);                              /* no mdev_type */

    n = vgpu_mdev_scan(root, v, 8);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(v[0].uuid, u2);                  /* sorted by UUID */
    CU_ASSERT_STRING_EQUAL(v[0].type, "refgpu-16");
    CU_ASSERT_STRING_EQUAL(v[1].uuid, u1);
    CU_ASSERT_STRING_EQUAL(v[1].type, "refgpu-8");
    CU_ASSERT_EQUAL(v[1].domid, -1);
    CU_ASSERT_EQUAL(v[1].devid, -1);
    CU_ASSERT_FALSE(v[1].bound);
    CU_ASSERT_EQUAL(vgpu_mdev_scan(root, v, 1), 1);         /* bounded */

    /* The domain from vgpu-xl's xenstore records (xenstore-ls -f output). */
    n = vgpu_mdev_scan(root, v, 8);
    vgpu_mdev_apply_xenstore(
        "/local/domain/0/backend/vgpu-mdev/12/0/uuid = \"6f0d3a8e-2b1c-4d5e-9f00-000000000002\"\n"
        "/local/domain/0/backend/vgpu-mdev/12/0/type = \"refgpu-8\"\n"
        "/local/domain/0/backend/vgpu-mdev/12/0/bdf = \"00:07.0\"\n"
        "/local/domain/0/backend/vgpu-mdev/12/1/uuid = \"deadbeef-0000-4000-8000-000000000000\"\n"
        "/local/domain/0/backend/vgpu-mdev/12 = \"\"\n"
        "/local/domain/0/backend/vgpu/3/0/uuid = \"6f0d3a8e-2b1c-4d5e-9f00-000000000001\"\n"
        "garbage\n", v, (unsigned int)n);
    CU_ASSERT_EQUAL(v[1].domid, 12);
    CU_ASSERT_EQUAL(v[1].devid, 0);
    CU_ASSERT_STRING_EQUAL(v[1].bdf, "00:07.0");
    CU_ASSERT_EQUAL(v[0].domid, -1);                        /* the daemon's tree is not ours */

    /* The kernel's bindings: bound, and the domain where no record names it. */
    mkdirs(root, "kernel/vfio_iommu_xen");
    put_file(root, "kernel/vfio_iommu_xen/bindings",
             "# device group domid\n"
             "/sys/bus/mdev/devices/6f0d3a8e-2b1c-4d5e-9f00-000000000001 4 9 extra fields\n"
             "6f0d3a8e-2b1c-4d5e-9f00-000000000002 5 12\n"
             "6f0d3a8e-2b1c-4d5e-9f00-000000000003 6 x\n"
             "short line\n");
    snprintf(path, sizeof(path), "%s/kernel/vfio_iommu_xen/bindings", root);
    {
        char *text = vgpu_mdev_read_file(path);

        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        vgpu_mdev_apply_bindings(text, v, (unsigned int)n);
        free(text);
    }
    CU_ASSERT_TRUE(v[0].bound);
    CU_ASSERT_EQUAL(v[0].domid, 9);
    CU_ASSERT_TRUE(v[1].bound);
    CU_ASSERT_EQUAL(v[1].domid, 12);
    vgpu_mdev_apply_bindings(NULL, v, (unsigned int)n);    /* no file: no change */
    CU_ASSERT_PTR_NULL(vgpu_mdev_read_file("/nonexistent/bindings"));

    /* The root comes from VGPU_SYSFS_ROOT. */
    setenv("VGPU_SYSFS_ROOT", root, 1);
    CU_ASSERT_STRING_EQUAL(vgpu_sysfs_root(), root);
    unsetenv("VGPU_SYSFS_ROOT");
    CU_ASSERT_STRING_EQUAL(vgpu_sysfs_root(), "/sys");
    rm_tree(root);
}

void register_config_suites(void)
{
    CU_pSuite s;

    s = CU_add_suite("vgpu-config", NULL, NULL);
    CU_add_test(s, "entry", test_cfg_entry);
    CU_add_test(s, "xl", test_cfg_xl);
    CU_add_test(s, "backend", test_cfg_backend);
    CU_add_test(s, "vnc keys", test_cfg_vnc);
    s = CU_add_suite("vgpu-config offline checks", NULL, NULL);
    CU_add_test(s, "known types", test_check_known_types);
    CU_add_test(s, "unknown type", test_check_unknown_type);
    CU_add_test(s, "unknown type, backend=mdev", test_check_unknown_type_mdev);
    CU_add_test(s, "mdev sysfs type name", test_check_sysfs_type_name);
    CU_add_test(s, "type name case", test_check_type_case);
    CU_add_test(s, "later entry", test_check_later_entry);
    s = CU_add_suite("mdev-instances", NULL, NULL);
    CU_add_test(s, "sysfs scan", test_mdev_scan);
}
