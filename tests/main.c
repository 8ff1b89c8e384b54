/* main.c - the CUnit runner: every suite, verbose, non-zero on failure. */
#include <signal.h>
#include <stdlib.h>
#include <CUnit/Basic.h>

#include "tests.h"

static CU_SuiteInfo suites[] = {
	{ "display", NULL, NULL, NULL, NULL, display_tests },
	{ "dirs", NULL, NULL, NULL, NULL, dirs_tests },
	{ "conf", NULL, NULL, NULL, NULL, conf_tests },
	{ "cli", NULL, NULL, NULL, NULL, cli_tests },
	{ "sockdir", NULL, NULL, NULL, NULL, sockdir_tests },
	{ "relay", NULL, NULL, NULL, NULL, relay_tests },
	{ "request", NULL, NULL, NULL, NULL, request_tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	unsigned int failed;

	signal(SIGPIPE, SIG_IGN);	/* as in xpra-proxy itself */
	if (CU_initialize_registry() != CUE_SUCCESS ||
	    CU_register_suites(suites) != CUE_SUCCESS)
		return EXIT_FAILURE;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
