/*
 * json.c - the control protocol's JSON helpers over jansson (json.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* How deep j nests (a scalar is 0). */
static unsigned int depth(const json_t *j)
{
    unsigned int d = 0, k;
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v)
            if ((k = depth(v)) > d)
                d = k;
        return d + 1;
    }
    if (json_is_object(j)) {
        json_object_foreach((json_t *)j, key, v)
            if ((k = depth(v)) > d)
                d = k;
        return d + 1;
    }
    return 0;
}

json_t *json_parse(const char *text, char *err, size_t errlen)
{
    json_error_t e;
    json_t *j;

    if (err && errlen)
        err[0] = '\0';
    /* Any value at the top (a request is an object: the caller checks). */
    j = json_loads(text, JSON_DECODE_ANY, &e);
    if (!j) {
        if (err && errlen)
            snprintf(err, errlen, "%s", e.text[0] ? e.text : "invalid JSON");
        return NULL;
    }
    if (depth(j) > VGPU_JSON_MAX_DEPTH) {
        if (err && errlen)
            snprintf(err, errlen, "nested too deeply");
        json_decref(j);
        return NULL;
    }
    return j;
}

void json_free(json_t *j)
{
    json_decref(j);
}

const json_t *json_get(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

const char *json_get_str(const json_t *obj, const char *key)
{
    return json_string_value(json_get(obj, key));      /* NULL if not a string */
}

bool json_get_num(const json_t *obj, const char *key, double *out)
{
    const json_t *j = json_get(obj, key);

    if (!json_is_number(j))
        return false;
    *out = json_number_value(j);
    return true;
}

bool json_get_bool(const json_t *obj, const char *key, bool *out)
{
    const json_t *j = json_get(obj, key);

    if (!json_is_boolean(j))
        return false;
    *out = json_is_true(j);
    return true;
}

/* ------------------------------------------------------------ writer */
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

/* j's compact text appended; a failure (no memory) marks the buffer. */
static void jb_dump(struct jbuf *b, const json_t *j)
{
    char *t = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

    if (t)
        jb_raw(b, t);
    else
        b->oom = true;
    free(t);
}

void jb_str(struct jbuf *b, const char *s)
{
    json_t *v = json_string(s ? s : "");

    if (!v) {
        /* Not UTF-8 (JSON text must be): its non-ASCII bytes become '?'. */
        char *c = strdup(s);

        for (char *p = c; p && *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        v = c ? json_string(c) : NULL;
        free(c);
    }
    jb_dump(b, v);
    json_decref(v);
}

void jb_json(struct jbuf *b, const json_t *j)
{
    jb_dump(b, j);
}

void jb_free(struct jbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}
