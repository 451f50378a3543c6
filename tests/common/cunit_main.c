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
    unsigned int failures;

    /* Many tests provoke guest-visible warnings on purpose: errors only. */
    os_log_set_level(OS_LOG_ERR);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    register_all();
    CU_basic_set_mode(quiet ? CU_BRM_SILENT : CU_BRM_NORMAL);
    CU_basic_run_tests();
    if (quiet)
        CU_basic_show_failures(CU_get_failure_list());
    failures = CU_get_number_of_failures();
    printf("\n%s: %u tests run, %u assertions failed, %u tests failed\n", name,
           CU_get_number_of_tests_run(), failures, CU_get_number_of_tests_failed());
    CU_cleanup_registry();
    if (CU_get_error() != CUE_SUCCESS)
        return 2;
    return failures > 100 ? 100 : (int)failures;
}
