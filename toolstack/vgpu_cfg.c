/*
 * vgpu_cfg.c - parsing `vgpu = [ "type=...,bdf=...,uuid=...,backend=..." ]` out of an
 * xl domain configuration (see vgpu_cfg.h).  The tokenizer follows xl's
 * config syntax (libxlu): `key = value` statements ended by newline or
 * `;`, values that are quoted strings, numbers or `[ ... ]` lists, `#`
 * comments.  Other settings are skipped, not interpreted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vgpu.h"
#include "vgpu_cfg.h"

/* Every rejection: the message for the user, and -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
set_err(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

const char *vgpu_backend_name(enum vgpu_backend b)
{
    return b == VGPU_BACKEND_MDEV ? "mdev" : "daemon";
}

static int valid_bdf(const char *s)
{
    unsigned int b, d, f;
    char extra;

    return sscanf(s, "%2x:%2x.%1u%c", &b, &d, &f, &extra) == 3 && strlen(s) == 7 && d <= 31 &&
           f <= 7;
}

static int valid_uuid(const char *s)
{
    static const int dash[] = { 8, 13, 18, 23 };

    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        int is_dash = i == dash[0] || i == dash[1] || i == dash[2] || i == dash[3];

        if (is_dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int valid_type(const char *s)
{
    if (!*s || strlen(s) >= 64)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
            return 0;
    return 1;
}

void vgpu_vnc_default(struct vgpu_vnc_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen, sizeof(c->listen), "%s", VGPU_VNC_DEFAULT_LISTEN);
}

/* A decimal in [lo, hi], nothing else. */
static int parse_uint(const char *s, long lo, long hi, int *out)
{
    char *end;
    long l;

    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    l = strtol(s, &end, 10);
    if (*end || l < lo || l > hi)
        return -EINVAL;
    *out = (int)l;
    return 0;
}

static int valid_passwd(const char *s)
{
    if (!*s || strlen(s) > VGPU_VNC_PASSWD_MAX)
        return 0;
    for (; *s; s++)
        if (!isgraph((unsigned char)*s) || strchr(",\"'", *s))
            return 0;
    return 1;
}

int vgpu_vnc_set(struct vgpu_vnc_config *c, const char *key, const char *val, char *err,
                 size_t errlen)
{
    unsigned char a[sizeof(struct in6_addr)];
    int n;

    if (!strcmp(key, "vnc")) {
        if (strcmp(val, "0") && strcmp(val, "1"))
            return set_err(err, errlen, "vgpu vnc '%s' is not 0 or 1", val);
        c->enabled = val[0] == '1';
    } else if (!strcmp(key, "vnclisten")) {
        if (strlen(val) >= sizeof(c->listen) ||
            (inet_pton(AF_INET, val, a) != 1 && inet_pton(AF_INET6, val, a) != 1))
            return set_err(err, errlen,
                           "vgpu vnclisten '%s' is not an IPv4 or IPv6 address (e.g. "
                           "127.0.0.1, ::1, 0.0.0.0)", val);
        snprintf(c->listen, sizeof(c->listen), "%s", val);
        c->given |= VGPU_VNC_GIVEN_OTHER;
    } else if (!strcmp(key, "vncport")) {
        if (parse_uint(val, 0, 65535, &n))
            return set_err(err, errlen,
                           "vgpu vncport '%s' is not a TCP port (1-65535, or 0 for the first "
                           "free one from 5900)", val);
        c->port = n;
        c->given |= VGPU_VNC_GIVEN_PORT;
    } else if (!strcmp(key, "vncdisplay")) {
        if (parse_uint(val, 0, 65535 - VGPU_VNC_BASE_PORT, &n))
            return set_err(err, errlen,
                           "vgpu vncdisplay '%s' is not a display number (0-59635: port 5900 "
                           "+ N)", val);
        c->port = VGPU_VNC_BASE_PORT + n;
        c->given |= VGPU_VNC_GIVEN_DISPLAY;
    } else if (!strcmp(key, "vncpasswd")) {
        if (!valid_passwd(val))
            return set_err(err, errlen,
                           "vgpu vncpasswd must be 1-8 printable characters without spaces, "
                           "commas or quotes (VNC authentication uses 8)");
        snprintf(c->passwd, sizeof(c->passwd), "%s", val);
        c->given |= VGPU_VNC_GIVEN_OTHER;
    } else {
        return 0;
    }
    return 1;
}

int vgpu_vnc_finish(const struct vgpu_vnc_config *c, char *err, size_t errlen)
{
    if ((c->given & VGPU_VNC_GIVEN_PORT) && (c->given & VGPU_VNC_GIVEN_DISPLAY))
        return set_err(err, errlen, "vgpu vncport and vncdisplay both given: use one");
    if (c->given && !c->enabled)
        return set_err(err, errlen,
                       "vgpu vnclisten/vncport/vncdisplay/vncpasswd given without vnc=1");
    return 0;
}

int vgpu_cfg_parse_entry(const char *spec, unsigned int index, struct vgpu_cfg_entry *out,
                         char *err, size_t errlen)
{
    char buf[512], *save = NULL, *item;

    memset(out, 0, sizeof(*out));
    vgpu_vnc_default(&out->vnc);
    if (strlen(spec) >= sizeof(buf))
        return set_err(err, errlen, "vgpu entry too long: %.40s...", spec);
    strcpy(buf, spec);
    for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '='), *key = item, *val;

        while (isspace((unsigned char)*key))
            key++;
        if (!eq)
            return set_err(err, errlen, "vgpu entry item '%s' is not key=value", key);
        *eq = '\0';
        val = eq + 1;
        for (char *e = eq - 1; e >= key && isspace((unsigned char)*e); e--)
            *e = '\0';
        while (isspace((unsigned char)*val))
            val++;
        for (char *e = val + strlen(val); e > val && isspace((unsigned char)e[-1]); e--)
            e[-1] = '\0';
        if (!strcmp(key, "type")) {
            if (!valid_type(val))
                return set_err(err, errlen, "vgpu type '%s' is not a valid type name", val);
            snprintf(out->type, sizeof(out->type), "%s", val);
        } else if (!strcmp(key, "bdf")) {
            if (!valid_bdf(val))
                return set_err(err, errlen, "vgpu bdf '%s' is not BB:DD.F (e.g. 00:05.0)",
                               val);
            snprintf(out->bdf, sizeof(out->bdf), "%s", val);
            out->bdf_given = 1;
        } else if (!strcmp(key, "uuid")) {
            if (!valid_uuid(val))
                return set_err(err, errlen, "vgpu uuid '%s' is not an RFC 4122 UUID", val);
            snprintf(out->uuid, sizeof(out->uuid), "%s", val);
            out->uuid_given = 1;
        } else if (!strcmp(key, "backend")) {
            if (!strcmp(val, "daemon"))
                out->backend = VGPU_BACKEND_DAEMON;
            else if (!strcmp(val, "mdev"))
                out->backend = VGPU_BACKEND_MDEV;
            else
                return set_err(err, errlen,
                               "vgpu backend '%s' unknown (known: daemon, mdev)", val);
        } else {
            int rc = vgpu_vnc_set(&out->vnc, key, val, err, errlen);

            if (rc < 0)
                return -EINVAL;
            if (!rc)
                return set_err(err, errlen,
                               "unknown vgpu key '%s' (known: type, bdf, uuid, backend, vnc, "
                               "vnclisten, vncport, vncdisplay, vncpasswd)", key);
        }
    }
    if (!out->type[0])
        return set_err(err, errlen, "vgpu entry '%s' has no type=", spec);
    if (vgpu_vnc_finish(&out->vnc, err, errlen))
        return -EINVAL;
    if (out->backend == VGPU_BACKEND_MDEV) {
        /* QEMU shows an mdev's display itself (display=on, the domain's vnc=). */
        if (out->vnc.enabled)
            return set_err(err, errlen,
                           "vgpu vnc=1 is the daemon's (backend=daemon); with backend=mdev the "
                           "display is QEMU's: set vnc=1 in the domain config");
        /* QEMU's addr=DD.F places a device on its root bus only. */
        if (out->bdf_given && strncmp(out->bdf, "00:", 3))
            return set_err(err, errlen,
                           "vgpu bdf '%s' with backend=mdev must be on bus 00 (it becomes QEMU's "
                           "addr=DD.F); leave bdf out to let QEMU pick a free slot",
                           out->bdf);
        return 0;               /* no bdf: QEMU places the device */
    }
    if (!out->bdf_given) {
        if (5 + index > 31)
            return set_err(err, errlen, "too many vgpu entries for default BDFs");
        snprintf(out->bdf, sizeof(out->bdf), "00:%02x.0", 5 + index);
    }
    return 0;
}

/* ------------------------------------------------------------ xl syntax */
struct lexer {
    const char *p;
    unsigned int line;
};

static void skip_blank(struct lexer *lx, int newlines)
{
    for (;;) {
        if (*lx->p == '#') {
            while (*lx->p && *lx->p != '\n')
                lx->p++;
        } else if (*lx->p == '\n' && newlines) {
            lx->line++;
            lx->p++;
        } else if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r') {
            lx->p++;
        } else {
            return;
        }
    }
}

/* A quoted string into out (bounded); returns 0 or -1. */
static int lex_string(struct lexer *lx, char *out, size_t len)
{
    char q = *lx->p++;
    size_t o = 0;

    while (*lx->p && *lx->p != q && *lx->p != '\n') {
        char c = *lx->p++;

        if (c == '\\' && *lx->p && *lx->p != '\n')
            c = *lx->p++;
        if (o + 1 < len)
            out[o++] = c;
    }
    if (*lx->p != q)
        return -EINVAL;
    lx->p++;
    out[o] = '\0';
    return 0;
}

/* Skip a value we do not interpret (string, number, identifier or list). */
static int skip_value(struct lexer *lx)
{
    char tmp[8];
    int depth = 0;

    do {
        skip_blank(lx, depth > 0);
        if (*lx->p == '"' || *lx->p == '\'') {
            if (lex_string(lx, tmp, sizeof(tmp)))
                return -EINVAL;
        } else if (*lx->p == '[') {
            depth++;
            lx->p++;
        } else if (*lx->p == ']' && depth) {
            depth--;
            lx->p++;
        } else if (*lx->p == ',' && depth) {
            lx->p++;
        } else if (*lx->p && *lx->p != '\n' && *lx->p != ';') {
            while (*lx->p && !strchr(" \t\r\n;,[]#", *lx->p))
                lx->p++;
        } else if (depth) {
            return -EINVAL;
        }
    } while (depth);
    return 0;
}

/*
 * Two entries may not share a PCI function or a UUID, and all must use
 * the same backend: Xen lets one IOREQ server per domain claim write
 * tracking (HVMMEM_ioreq_server), and both backends need it.
 */
static int check_unique(const struct vgpu_cfg_entry *e, int n, char *err, size_t errlen)
{
    for (int i = 1; i < n; i++) {
        if (e[i].backend != e[0].backend) {
            snprintf(err, errlen,
                     "vgpu entries mix backends: entry 0 (type=%s) is backend=%s, entry %d "
                     "(type=%s) is backend=%s; a domain can use only one (Xen lets only one "
                     "IOREQ server per domain claim write tracking)",
                     e[0].type, vgpu_backend_name(e[0].backend), i, e[i].type,
                     vgpu_backend_name(e[i].backend));
            return -EINVAL;
        }
    }
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            if (e[i].bdf[0] && !strcmp(e[i].bdf, e[j].bdf))
                return set_err(err, errlen, "two vgpu entries use bdf %s", e[i].bdf);
            if (e[i].uuid_given && e[j].uuid_given && !strcasecmp(e[i].uuid, e[j].uuid))
                return set_err(err, errlen, "two vgpu entries use uuid %s", e[i].uuid);
        }
    }
    return n;
}

int vgpu_cfg_parse_xl(const char *text, struct vgpu_cfg_entry *out, unsigned int max,
                      char *err, size_t errlen)
{
    struct lexer lx = { text, 1 };
    int count = 0, seen = 0, add;
    char ls[32];

    for (;;) {
        const char *k0;
        size_t klen;

        skip_blank(&lx, 1);
        while (*lx.p == ';') {
            lx.p++;
            skip_blank(&lx, 1);
        }
        if (!*lx.p)
            return check_unique(out, count, err, errlen);
        k0 = lx.p;
        while (isalnum((unsigned char)*lx.p) || *lx.p == '_')
            lx.p++;
        klen = (size_t)(lx.p - k0);
        snprintf(ls, sizeof(ls), "%u", lx.line);
        if (!klen)
            return set_err(err, errlen, "config line %s: expected a setting name", ls);
        skip_blank(&lx, 0);
        add = *lx.p == '+';     /* xl's `key += value` appends to an earlier value */
        if (add)
            lx.p++;
        if (*lx.p++ != '=')
            return set_err(err, errlen, "config line %s: expected '=' after the name", ls);
        skip_blank(&lx, 0);
        if (klen != 4 || strncmp(k0, "vgpu", 4)) {
            if (skip_value(&lx))
                return set_err(err, errlen, "config line %s: malformed value", ls);
            continue;
        }
        if (add)
            return set_err(err, errlen, "config line %s: vgpu += is not supported: give all "
                           "entries in one vgpu = [ ... ]", ls);
        if (seen++)
            return set_err(err, errlen, "config line %s: vgpu is set twice", ls);
        if (*lx.p != '[')
            return set_err(err, errlen, "config line %s: vgpu must be a list: vgpu = [ \"type=...\" ]",
                           ls);
        lx.p++;
        for (;;) {
            char spec[512];

            skip_blank(&lx, 1);
            if (*lx.p == ']') {
                lx.p++;
                break;
            }
            if (*lx.p != '"' && *lx.p != '\'')
                return set_err(err, errlen, "config line %s: vgpu list items must be quoted strings",
                               ls);
            if (lex_string(&lx, spec, sizeof(spec)))
                return set_err(err, errlen, "config line %s: unterminated string in vgpu", ls);
            if ((unsigned int)count >= max)
                return set_err(err, errlen, "config line %s: more than %s vgpu entries", ls,
                               max == VGPU_CFG_MAX ? "8" : "the allowed");
            if (vgpu_cfg_parse_entry(spec, (unsigned int)count, &out[count], err, errlen))
                return -EINVAL;
            count++;
            skip_blank(&lx, 1);
            if (*lx.p == ',')
                lx.p++;
        }
    }
}

/* ------------------------------------------------------------ offline checks */
int vgpu_cfg_check(const struct vgpu_cfg_entry *e, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        if (!vgpu_type_find(e[i].type)) {
            vgpu_type_unknown(e[i].type, err, errlen);
            return -EINVAL;
        }
    }
    return 0;
}
