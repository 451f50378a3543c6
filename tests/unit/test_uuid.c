/*
 * test_uuid.c - RFC 4122 text form: parse, format, compare.
 */
#include <string.h>

#include "unit.h"

static const u8 sample_bytes[16] = {
    0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
    0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00,
};

static void test_parse_lower(void)
{
    vgpu_uuid_t u;

    memset(&u, 0xaa, sizeof(u));
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000", &u), 0);
    CU_ASSERT_EQUAL(memcmp(u.b, sample_bytes, 16), 0);
}

static void test_parse_upper_and_mixed(void)
{
    vgpu_uuid_t a, b;

    CU_ASSERT_EQUAL(vgpu_uuid_parse("123E4567-E89B-12D3-A456-426614174000", &a), 0);
    CU_ASSERT_EQUAL(memcmp(a.b, sample_bytes, 16), 0);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-E89b-12D3-a456-426614174000", &b), 0);
    CU_ASSERT_TRUE(vgpu_uuid_equal(&a, &b));
    CU_ASSERT_EQUAL(vgpu_uuid_parse("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", &a), 0);
    for (unsigned int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(a.b[i], 0xff);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("00000000-0000-0000-0000-000000000000", &a), 0);
    for (unsigned int i = 0; i < 16; i++)
        CU_ASSERT_EQUAL(a.b[i], 0);
}

static void test_format_round_trip(void)
{
    static const char *const texts[] = {
        "123e4567-e89b-12d3-a456-426614174000",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "6f0d3a8e-2b1c-4d5e-9f00-000000000001",
    };
    char out[VGPU_UUID_STR_LEN + 1];
    vgpu_uuid_t u, w;
    unsigned int i;

    for (i = 0; i < OS_ARRAY_SIZE(texts); i++) {
        CU_ASSERT_EQUAL(vgpu_uuid_parse(texts[i], &u), 0);
        memset(out, 'x', sizeof(out));
        vgpu_uuid_format(&u, out);
        CU_ASSERT_STRING_EQUAL(out, texts[i]);
        CU_ASSERT_EQUAL(strlen(out), VGPU_UUID_STR_LEN);
    }
    /* Upper-case input formats to the canonical lower case. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("ABCDEF01-2345-6789-ABCD-EF0123456789", &u), 0);
    vgpu_uuid_format(&u, out);
    CU_ASSERT_STRING_EQUAL(out, "abcdef01-2345-6789-abcd-ef0123456789");
    /* Bytes -> text -> bytes. */
    memcpy(u.b, sample_bytes, 16);
    vgpu_uuid_format(&u, out);
    CU_ASSERT_EQUAL(vgpu_uuid_parse(out, &w), 0);
    CU_ASSERT_TRUE(vgpu_uuid_equal(&u, &w));
}

static void test_parse_wrong_length(void)
{
    vgpu_uuid_t u;

    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-42661417400", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-4266141740", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-4266141740000", &u), -EINVAL);
    /* No dashes at all: 32 hex digits. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567e89b12d3a456426614174000", &u), -EINVAL);
}

static void test_parse_dashes(void)
{
    vgpu_uuid_t u;

    /* Missing dash (replaced by a hex digit). */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e45670e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b012d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a4560426614174000", &u), -EINVAL);
    /* Dash misplaced, length unchanged. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e456-7e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3a-456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-42661417400-", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("-23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    /* Other separators. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567_e89b_12d3_a456_426614174000", &u), -EINVAL);
}

static void test_parse_non_hex(void)
{
    vgpu_uuid_t u;

    CU_ASSERT_EQUAL(vgpu_uuid_parse("123g4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-42661417400z", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("G23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-42661417 000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("{23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    /* Characters just outside the hex ranges. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("/23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse(":23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("@23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("`23e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
}

static void test_parse_trailing(void)
{
    vgpu_uuid_t u;

    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000 ", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000\n", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000-0", &u), -EINVAL);
    /* Leading space shifts everything. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse(" 123e4567-e89b-12d3-a456-426614174000", &u), -EINVAL);
}

static void test_parse_null_empty(void)
{
    vgpu_uuid_t u;

    CU_ASSERT_EQUAL(vgpu_uuid_parse(NULL, &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("", &u), -EINVAL);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000", NULL), -EINVAL);
}

static void test_truncated_no_overread(void)
{
    /* Strings cut at every position, in exact-size heap buffers, so a
     * parser reading past the terminator shows up under ASan/valgrind. */
    const char *full = "123e4567-e89b-12d3-a456-426614174000";
    vgpu_uuid_t u;
    size_t n;

    for (n = 0; n < VGPU_UUID_STR_LEN; n++) {
        char *s = os_alloc(n + 1);

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        memcpy(s, full, n);
        s[n] = '\0';
        CU_ASSERT_EQUAL(vgpu_uuid_parse(s, &u), -EINVAL);
        os_free(s);
    }
}

static void test_equal(void)
{
    vgpu_uuid_t a, b;

    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174000", &a), 0);
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123E4567-E89B-12D3-A456-426614174000", &b), 0);
    CU_ASSERT_TRUE(vgpu_uuid_equal(&a, &b));
    CU_ASSERT_TRUE(vgpu_uuid_equal(&a, &a));
    /* Differ only in the last byte, then only in the first. */
    CU_ASSERT_EQUAL(vgpu_uuid_parse("123e4567-e89b-12d3-a456-426614174001", &b), 0);
    CU_ASSERT_FALSE(vgpu_uuid_equal(&a, &b));
    CU_ASSERT_EQUAL(vgpu_uuid_parse("023e4567-e89b-12d3-a456-426614174000", &b), 0);
    CU_ASSERT_FALSE(vgpu_uuid_equal(&a, &b));
    CU_ASSERT_FALSE(vgpu_uuid_equal(&b, &a));
}

void register_uuid_tests(void)
{
    UNIT_SUITE("uuid", NULL, NULL,
               UT(test_parse_lower),
               UT(test_parse_upper_and_mixed),
               UT(test_format_round_trip),
               UT(test_parse_wrong_length),
               UT(test_parse_dashes),
               UT(test_parse_non_hex),
               UT(test_parse_trailing),
               UT(test_parse_null_empty),
               UT(test_truncated_no_overread),
               UT(test_equal));
}
