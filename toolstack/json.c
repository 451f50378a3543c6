/*
 * json.c - JSON reading and writing for the control protocol (json.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 32

struct parser {
    const char *p;
    char *err;
    size_t errlen;
    int depth;
};

static void *perr(struct parser *ps, const char *what)
{
    if (ps->err && !ps->err[0])
        snprintf(ps->err, ps->errlen, "%s", what);
    return NULL;
}

static void skip_ws(struct parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
        ps->p++;
}

static struct json *new_node(enum json_type t)
{
    struct json *j = calloc(1, sizeof(*j));

    if (j)
        j->type = t;
    return j;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(char **o, unsigned int cp)
{
    if (cp < 0x80) {
        *(*o)++ = (char)cp;
    } else if (cp < 0x800) {
        *(*o)++ = (char)(0xc0 | cp >> 6);
        *(*o)++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *(*o)++ = (char)(0xe0 | cp >> 12);
        *(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3f));
        *(*o)++ = (char)(0x80 | (cp & 0x3f));
    }
}

static char *parse_string(struct parser *ps)
{
    const char *s = ++ps->p;        /* after the opening quote */
    size_t cap = 0;
    char *out, *o;

    for (const char *q = s; *q && *q != '"'; q++, cap++)
        if (*q == '\\' && q[1])
            q++;
    out = o = malloc(cap * 3 + 1);
    if (!out)
        return perr(ps, "out of memory");
    while (*ps->p && *ps->p != '"') {
        char c = *ps->p++;

        if ((unsigned char)c < 0x20) {
            free(out);
            return perr(ps, "control character in string");
        }
        if (c != '\\') {
            *o++ = c;
            continue;
        }
        c = *ps->p++;
        switch (c) {
        case '"': case '\\': case '/': *o++ = c; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned int cp = 0;

            for (int i = 0; i < 4; i++) {
                int h = hexval(ps->p[i]);

                if (h < 0) {
                    free(out);
                    return perr(ps, "bad \\u escape");
                }
                cp = cp << 4 | (unsigned int)h;
            }
            ps->p += 4;
            if (!cp) {
                free(out);
                return perr(ps, "NUL in string");
            }
            put_utf8(&o, cp);
            break;
        }
        default:
            free(out);
            return perr(ps, "bad escape in string");
        }
    }
    if (*ps->p != '"') {
        free(out);
        return perr(ps, "unterminated string");
    }
    ps->p++;
    *o = '\0';
    return out;
}

static struct json *parse_value(struct parser *ps);

static bool append(struct json *j, char *key, struct json *item)
{
    struct json **items = realloc(j->items, (j->n + 1) * sizeof(*items));
    char **keys;

    if (!items)
        return false;
    j->items = items;
    if (j->type == JSON_OBJ) {
        keys = realloc(j->keys, (j->n + 1) * sizeof(*keys));
        if (!keys)
            return false;
        j->keys = keys;
        j->keys[j->n] = key;
    }
    j->items[j->n++] = item;
    return true;
}

static struct json *parse_container(struct parser *ps, bool obj)
{
    struct json *j = new_node(obj ? JSON_OBJ : JSON_ARR);
    char close = obj ? '}' : ']';

    if (!j)
        return perr(ps, "out of memory");
    if (++ps->depth > MAX_DEPTH) {
        json_free(j);
        return perr(ps, "nested too deeply");
    }
    ps->p++;
    skip_ws(ps);
    if (*ps->p == close) {
        ps->p++;
        ps->depth--;
        return j;
    }
    for (;;) {
        char *key = NULL;
        struct json *item;

        skip_ws(ps);
        if (obj) {
            if (*ps->p != '"' || !(key = parse_string(ps)))
                goto bad;
            skip_ws(ps);
            if (*ps->p++ != ':') {
                free(key);
                goto bad;
            }
        }
        item = parse_value(ps);
        if (!item || !append(j, key, item)) {
            free(key);
            json_free(item);
            goto bad;
        }
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == close) {
            ps->p++;
            ps->depth--;
            return j;
        }
        goto bad;
    }
bad:
    json_free(j);
    return perr(ps, obj ? "malformed object" : "malformed array");
}

static struct json *parse_value(struct parser *ps)
{
    struct json *j;

    skip_ws(ps);
    switch (*ps->p) {
    case '{':
        return parse_container(ps, true);
    case '[':
        return parse_container(ps, false);
    case '"':
        j = new_node(JSON_STR);
        if (j && !(j->str = parse_string(ps))) {
            free(j);
            return NULL;
        }
        return j;
    case 't':
    case 'f':
    case 'n': {
        static const struct { const char *w; enum json_type t; bool b; } words[] = {
            { "true", JSON_BOOL, true }, { "false", JSON_BOOL, false }, { "null", JSON_NULL, false },
        };
        for (size_t i = 0; i < 3; i++) {
            size_t l = strlen(words[i].w);

            if (!strncmp(ps->p, words[i].w, l)) {
                ps->p += l;
                j = new_node(words[i].t);
                if (j)
                    j->b = words[i].b;
                return j;
            }
        }
        return perr(ps, "unexpected word");
    }
    default: {
        char *end;
        double d = strtod(ps->p, &end);

        if (end == ps->p || (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9')))
            return perr(ps, "unexpected character");
        ps->p = end;
        j = new_node(JSON_NUM);
        if (j)
            j->num = d;
        return j;
    }
    }
}

struct json *json_parse(const char *text, char *err, size_t errlen)
{
    struct parser ps = { text, err, errlen, 0 };
    struct json *j;

    if (err && errlen)
        err[0] = '\0';
    j = parse_value(&ps);
    if (!j)
        return perr(&ps, "invalid JSON");
    skip_ws(&ps);
    if (*ps.p) {
        json_free(j);
        return perr(&ps, "trailing characters after JSON value");
    }
    return j;
}

void json_free(struct json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

const struct json *json_get(const struct json *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

const char *json_get_str(const struct json *obj, const char *key)
{
    const struct json *j = json_get(obj, key);

    return j && j->type == JSON_STR ? j->str : NULL;
}

bool json_get_num(const struct json *obj, const char *key, double *out)
{
    const struct json *j = json_get(obj, key);

    if (!j || j->type != JSON_NUM)
        return false;
    *out = j->num;
    return true;
}

bool json_get_bool(const struct json *obj, const char *key, bool *out)
{
    const struct json *j = json_get(obj, key);

    if (!j || j->type != JSON_BOOL)
        return false;
    *out = j->b;
    return true;
}

static void grow(struct jbuf *b, size_t more)
{
    char *s;
    size_t cap;

    if (b->oom || b->len + more + 1 <= b->cap)
        return;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return;
    }
    b->s = s;
    b->cap = cap;
}

void jb_raw(struct jbuf *b, const char *text)
{
    size_t l = strlen(text);

    grow(b, l);
    if (b->oom)
        return;
    memcpy(b->s + b->len, text, l + 1);
    b->len += l;
}

void jb_fmt(struct jbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    grow(b, (size_t)n);
    if (b->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jb_str(struct jbuf *b, const char *s)
{
    jb_raw(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            esc[2] = '\0';
        } else if (c == '\n') {
            strcpy(esc, "\\n");
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
        } else {
            esc[0] = (char)c;
            esc[1] = '\0';
        }
        jb_raw(b, esc);
    }
    jb_raw(b, "\"");
}

/* The writer for what the reader built: compact, integers without a fraction. */
void jb_json(struct jbuf *b, const struct json *j)
{
    switch (j->type) {
    case JSON_NULL: jb_raw(b, "null"); break;
    case JSON_BOOL: jb_raw(b, j->b ? "true" : "false"); break;
    case JSON_NUM:
        if (j->num > -1e15 && j->num < 1e15 && j->num == (double)(long long)j->num)
            jb_fmt(b, "%.0f", j->num);
        else
            jb_fmt(b, "%.17g", j->num);
        break;
    case JSON_STR: jb_str(b, j->str); break;
    case JSON_ARR:
    case JSON_OBJ:
        jb_raw(b, j->type == JSON_ARR ? "[" : "{");
        for (size_t i = 0; i < j->n; i++) {
            if (i)
                jb_raw(b, ",");
            if (j->type == JSON_OBJ) {
                jb_str(b, j->keys[i]);
                jb_raw(b, ":");
            }
            jb_json(b, j->items[i]);
        }
        jb_raw(b, j->type == JSON_ARR ? "]" : "}");
        break;
    }
}

void jb_free(struct jbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
