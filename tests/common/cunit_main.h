/*
 * cunit_main.h - the run loop every CUnit suite binary shares: register,
 * run, print a summary line, and exit with the failure count (CUnit's own
 * CU_get_error() is 0 even when assertions fail).
 */
#ifndef CUNIT_MAIN_H
#define CUNIT_MAIN_H

/* Register a suite and its tests in one statement:
 *   CUNIT_SUITE("gtt", init, fini, CUNIT_TEST(test_a), CUNIT_TEST(test_b)); */
#define CUNIT_SUITE(name, init, fini, ...)                                       \
    do {                                                                         \
        CU_pSuite s__ = CU_add_suite((name), (init), (fini));                   \
        const struct { const char *n; CU_TestFunc f; } t__[] = { __VA_ARGS__ }; \
        for (size_t i__ = 0; s__ && i__ < sizeof(t__) / sizeof(t__[0]); i__++)  \
            CU_add_test(s__, t__[i__].n, t__[i__].f);                            \
    } while (0)
#define CUNIT_TEST(fn) { #fn, fn }

/* name: prefix of the summary line; register_all adds the suites.
 * argv[1] == "--quiet": only failures and the summary (ASan, valgrind). */
int cunit_main(const char *name, int argc, char **argv, void (*register_all)(void));

#endif /* CUNIT_MAIN_H */
