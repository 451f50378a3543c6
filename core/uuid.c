/*
 * uuid.c - RFC 4122 UUID text parsing and formatting (mdev names
 * instances by UUID; so do the xenstore nodes of the Xen path).
 */
#include "vgpu.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vgpu_uuid_parse(const char *text, vgpu_uuid_t *out)
{
    unsigned int i, n = 0;

    if (!text || !out)
        return -EINVAL;
    for (i = 0; i < VGPU_UUID_STR_LEN; i++) {
        bool dash_pos = (i == 8 || i == 13 || i == 18 || i == 23);
        int hi, lo;

        if (text[i] == '\0')
            return -EINVAL;
        if (dash_pos) {
            if (text[i] != '-')
                return -EINVAL;
            continue;
        }
        hi = hex_digit(text[i]);
        lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out->b[n++] = (u8)(hi << 4 | lo);
        i++;
    }
    return text[VGPU_UUID_STR_LEN] == '\0' ? 0 : -EINVAL;
}

void vgpu_uuid_format(const vgpu_uuid_t *u, char *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned int i, o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[u->b[i] >> 4];
        out[o++] = hex[u->b[i] & 15];
    }
    out[o] = '\0';
}

bool vgpu_uuid_equal(const vgpu_uuid_t *a, const vgpu_uuid_t *b)
{
    return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
