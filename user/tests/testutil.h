/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the unit tests. */
#ifndef DMVPN_TESTUTIL_H
#define DMVPN_TESTUTIL_H

#include <check.h>
#include <ctype.h>
#include <stdio.h>
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

/*
 * With the environment variable @env naming a directory, @bytes are also
 * written there as a fuzzing seed, in a file named @name with every
 * character but letters and digits turned into '-'.
 */
static inline void write_seed(const char *env, const char *name,
			      const void *bytes, size_t len)
{
	const char *dir = getenv(env);
	char path[512], *p;
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (p = path + strlen(dir) + 1; *p; p++)
		if (!isalnum((unsigned char)*p))
			*p = '-';
	f = fopen(path, "wb");
	ck_assert_msg(f, "cannot write %s", path);
	ck_assert_uint_eq(fwrite(bytes, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

#endif
