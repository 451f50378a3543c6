/*
 * suites.h - the toolstack test suites that live outside test_toolstack.c,
 * registered by its runner.
 */
#ifndef TOOLSTACK_SUITES_H
#define TOOLSTACK_SUITES_H

struct backend;

/* test_toolstack.c: a backend over a manual parent on the software engine. */
int ts_backend_init(struct backend *b);

void register_config_suites(void);   /* test_config.c */
void register_thread_suites(void);   /* test_threads.c */
void register_vnc_suites(void);      /* test_vnc.c */

#endif
