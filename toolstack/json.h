/*
 * json.h - the small JSON reader and writer shared by vgpu-backend's
 * control socket and vgpuctl.  Enough for the control protocol (objects,
 * arrays, strings, numbers, booleans, null); not a general library.
 */
#ifndef VGPU_JSON_H
#define VGPU_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
    enum json_type type;
    bool b;
    double num;
    char *str;
    size_t n;                   /* array items / object members */
    struct json **items;
    char **keys;                /* objects only */
};

/* Parse text; NULL on error with a message in err. Depth is bounded. */
struct json *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct json *j);

const struct json *json_get(const struct json *obj, const char *key);
/* Member as string / number / bool, or NULL / false when absent or of another type. */
const char *json_get_str(const struct json *obj, const char *key);
bool json_get_num(const struct json *obj, const char *key, double *out);
bool json_get_bool(const struct json *obj, const char *key, bool *out);

/* Writer: a growable string; on allocation failure it stays truncated and oom is set. */
struct jbuf {
    char *s;
    size_t len, cap;
    bool oom;
};
void jb_raw(struct jbuf *b, const char *text);
void jb_fmt(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_str(struct jbuf *b, const char *s);      /* a quoted, escaped JSON string */
/* A parsed value written back, compactly (as the daemon writes its replies). */
void jb_json(struct jbuf *b, const struct json *j);
void jb_free(struct jbuf *b);

#endif /* VGPU_JSON_H */
