/*
 * cunit_main.c - see cunit_main.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "vgpu.h"
#include "common/cunit_main.h"

int cunit_main(const char *name, int argc, char **argv, void (*register_all)(void))
{
    bool quiet = argc > 1 && !strcmp(argv[1], "--quiet");
    unsigned int failures, suites_failed;

    /* Many tests provoke guest-visible warnings on purpose: errors only. */
    os_log_set_level(OS_LOG_ERR);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    register_all();
    CU_basic_set_mode(quiet ? CU_BRM_SILENT : CU_BRM_NORMAL);
    CU_basic_run_tests();
    if (quiet)
        CU_basic_show_failures(CU_get_failure_list());
    /* A suite whose init or cleanup fails runs none of its tests (or leaks
     * what they made): that is a failure too, not a shorter run. */
    suites_failed = CU_get_number_of_suites_failed();
    failures = CU_get_number_of_failures() + suites_failed;
    printf("\n%s: %u tests run, %u assertions failed, %u tests failed, %u suites failed\n",
           name, CU_get_number_of_tests_run(), CU_get_number_of_failures(),
           CU_get_number_of_tests_failed(), suites_failed);
    CU_cleanup_registry();
    if (CU_get_error() != CUE_SUCCESS)
        return 2;
    return failures > 100 ? 100 : (int)failures;
}
