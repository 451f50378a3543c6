/*
 * vgpu_mdev.c - listing the mdev instances of vgpu_mdev.ko (vgpu_mdev.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vgpu_mdev.h"

const char *vgpu_sysfs_root(void)
{
    const char *r = getenv("VGPU_SYSFS_ROOT");

    return r && *r ? r : "/sys";
}

int vgpu_mdev_parent_present(const char *sysroot)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), "%s/class/mdev_bus/%s", sysroot, VGPU_MDEV_PARENT);
    return stat(path, &st) == 0;
}

static int by_uuid(const void *a, const void *b)
{
    return strcasecmp(((const struct vgpu_mdev_inst *)a)->uuid,
                      ((const struct vgpu_mdev_inst *)b)->uuid);
}

int vgpu_mdev_scan(const char *sysroot, struct vgpu_mdev_inst *out, unsigned int max)
{
    char dir[PATH_MAX];
    struct dirent *d;
    unsigned int n = 0;
    DIR *dp;

    snprintf(dir, sizeof(dir), "%s/bus/mdev/devices", sysroot);
    dp = opendir(dir);
    if (!dp)
        return errno == ENOENT ? 0 : -1;
    while ((d = readdir(dp)) && n < max) {
        char link[PATH_MAX + 64], target[PATH_MAX];
        const char *base;
        ssize_t len;

        if (d->d_name[0] == '.' || strlen(d->d_name) >= sizeof(out->uuid))
            continue;
        snprintf(link, sizeof(link), "%s/%s/mdev_type", dir, d->d_name);
        len = readlink(link, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        while (len > 1 && target[len - 1] == '/')
            target[--len] = '\0';
        base = strrchr(target, '/');
        base = base ? base + 1 : target;
        if (strncmp(base, VGPU_MDEV_TYPE_PREFIX, strlen(VGPU_MDEV_TYPE_PREFIX)) ||
            !base[strlen(VGPU_MDEV_TYPE_PREFIX)])
            continue;           /* another driver's mdev (mtty, mdpy, ...) */
        memset(&out[n], 0, sizeof(out[n]));
        snprintf(out[n].uuid, sizeof(out[n].uuid), "%s", d->d_name);
        snprintf(out[n].type, sizeof(out[n].type), "%s", base + strlen(VGPU_MDEV_TYPE_PREFIX));
        out[n].domid = out[n].devid = -1;
        n++;
    }
    closedir(dp);
    qsort(out, n, sizeof(*out), by_uuid);
    return (int)n;
}

static struct vgpu_mdev_inst *find_uuid(struct vgpu_mdev_inst *v, unsigned int n, const char *u)
{
    for (unsigned int i = 0; i < n; i++)
        if (!strcasecmp(v[i].uuid, u))
            return &v[i];
    return NULL;
}

/* One `xenstore-ls -f` line under the base: 0 and the parts, or -1. */
static int xs_line(const char *line, int *domid, int *devid, char *key, size_t klen, char *val,
                   size_t vlen)
{
    size_t bl = strlen(VGPU_MDEV_XS_BASE), o = 0;
    const char *p = line, *k;
    char *end;
    long d;

    if (strncmp(p, VGPU_MDEV_XS_BASE "/", bl + 1))
        return -EINVAL;
    p += bl + 1;
    d = strtol(p, &end, 10);
    if (end == p || *end != '/' || d < 0)
        return -EINVAL;
    *domid = (int)d;
    p = end + 1;
    d = strtol(p, &end, 10);
    if (end == p || *end != '/' || d < 0)
        return -EINVAL;
    *devid = (int)d;
    k = end + 1;
    p = k;
    while (*p && *p != ' ' && *p != '=' && *p != '/')
        p++;
    if (p == k || (size_t)(p - k) >= klen || *p == '/')
        return -EINVAL;
    memcpy(key, k, (size_t)(p - k));
    key[p - k] = '\0';
    while (*p == ' ')
        p++;
    if (*p++ != '=')
        return -EINVAL;
    while (*p == ' ')
        p++;
    if (*p == '"')
        p++;
    while (*p && *p != '"' && *p != '\n' && o + 1 < vlen)
        val[o++] = *p++;
    val[o] = '\0';
    return 0;
}

void vgpu_mdev_apply_xenstore(const char *text, struct vgpu_mdev_inst *v, unsigned int n)
{
    /* Two passes: uuid records first, then the bdf of the same devid. */
    for (int pass = 0; pass < 2 && text; pass++) {
        for (const char *line = text; *line;) {
            const char *nl = strchr(line, '\n');
            size_t len = nl ? (size_t)(nl - line) : strlen(line);
            char buf[512], key[32], val[128];
            int domid, devid;

            if (len < sizeof(buf)) {
                memcpy(buf, line, len);
                buf[len] = '\0';
                if (!xs_line(buf, &domid, &devid, key, sizeof(key), val, sizeof(val))) {
                    if (pass == 0 && !strcmp(key, "uuid")) {
                        struct vgpu_mdev_inst *m = find_uuid(v, n, val);

                        if (m) {
                            m->domid = domid;
                            m->devid = devid;
                        }
                    } else if (pass == 1 && !strcmp(key, "bdf")) {
                        for (unsigned int i = 0; i < n; i++)
                            if (v[i].domid == domid && v[i].devid == devid &&
                                strlen(val) < sizeof(v[i].bdf))
                                strcpy(v[i].bdf, val);
                    }
                }
            }
            line += len + (nl ? 1 : 0);
        }
    }
}

void vgpu_mdev_apply_bindings(const char *text, struct vgpu_mdev_inst *v, unsigned int n)
{
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512], dev[256], group[64], dom[32];

        if (len < sizeof(buf)) {
            memcpy(buf, line, len);
            buf[len] = '\0';
            if (buf[0] != '#' && sscanf(buf, "%255s %63s %31s", dev, group, dom) == 3) {
                const char *u = strrchr(dev, '/');
                struct vgpu_mdev_inst *m;
                char *end;
                long d = strtol(dom, &end, 10);

                m = find_uuid(v, n, u ? u + 1 : dev);
                if (m && !*end && end != dom && d >= 0) {
                    m->bound = 1;
                    if (m->domid < 0)
                        m->domid = (int)d;
                }
            }
        }
        line += len + (nl ? 1 : 0);
    }
}

char *vgpu_mdev_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t len = 0;

    if (!f)
        return NULL;
    if (getdelim(&text, &len, '\0', f) < 0) {
        free(text);
        text = strdup("");
    }
    fclose(f);
    return text;
}
