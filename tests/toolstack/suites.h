/*
 * suites.h - the toolstack test suites that live outside test_toolstack.c,
 * registered by its runner.
 */
#ifndef TOOLSTACK_SUITES_H
#define TOOLSTACK_SUITES_H

void register_config_suites(void);   /* test_config.c */
void register_thread_suites(void);   /* test_threads.c */
void register_vnc_suites(void);      /* test_vnc.c */

#endif
