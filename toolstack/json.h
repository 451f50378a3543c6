/*
 * json.h - JSON for vgpu-backend's control socket and vgpuctl, over
 * Debian's jansson (libjansson-dev; linked statically, so neither a dom0
 * nor the rig's image needs another runtime library).  Values are
 * jansson's json_t.  These helpers keep the control protocol's conventions
 * in one place: parsing with a depth bound and the parser's message, typed
 * member access, and a growable text buffer the replies are written into.
 */
#ifndef VGPU_JSON_H
#define VGPU_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting a request or reply may have (the protocol needs 3). */
#define VGPU_JSON_MAX_DEPTH 32

/* Parse one JSON value; NULL on error with a message in err. */
json_t *json_parse(const char *text, char *err, size_t errlen);
/* json_decref, for symmetry with json_parse; NULL is fine. */
void json_free(json_t *j);

/* Member of an object, or NULL (absent, or obj not an object). */
const json_t *json_get(const json_t *obj, const char *key);
/* Member as string / number / bool, or NULL / false when absent or of another type. */
const char *json_get_str(const json_t *obj, const char *key);
bool json_get_num(const json_t *obj, const char *key, double *out);
bool json_get_bool(const json_t *obj, const char *key, bool *out);

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
void jb_json(struct jbuf *b, const json_t *j);
void jb_free(struct jbuf *b);

#endif /* VGPU_JSON_H */
