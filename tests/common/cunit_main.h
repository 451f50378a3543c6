/*
 * cunit_main.h - the run loop every CUnit suite binary shares: register,
 * run, print a summary line, and exit with the failure count (CUnit's own
 * CU_get_error() is 0 even when assertions fail).
 */
#ifndef CUNIT_MAIN_H
#define CUNIT_MAIN_H

/* name: prefix of the summary line; register_all adds the suites.
 * argv[1] == "--quiet": only failures and the summary (ASan, valgrind). */
int cunit_main(const char *name, int argc, char **argv, void (*register_all)(void));

#endif /* CUNIT_MAIN_H */
