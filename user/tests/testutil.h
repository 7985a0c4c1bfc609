/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the unit tests. */
#ifndef DMVPN_TESTUTIL_H
#define DMVPN_TESTUTIL_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_TEST_ARGS 32

/* A command line split on spaces, like a shell would for simple words. */
struct test_args {
	char buf[512];
	char *argv[MAX_TEST_ARGS];
	int argc;
};

static inline void split_args(struct test_args *a, const char *line)
{
	char *save = NULL, *word;

	ck_assert_uint_lt(strlen(line), sizeof(a->buf));
	strcpy(a->buf, line);
	a->argc = 0;
	for (word = strtok_r(a->buf, " ", &save); word;
	     word = strtok_r(NULL, " ", &save)) {
		ck_assert_int_lt(a->argc, MAX_TEST_ARGS);
		a->argv[a->argc++] = word;
	}
}

/* Run one suite; the exit status says whether every check passed. */
static inline int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
