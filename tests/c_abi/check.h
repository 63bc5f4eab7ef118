/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal test runner for the C ABI suites, which are plain C on purpose: the ABI must be
 * usable from C, so no C++ test framework sits between the tests and parley.h. */
#ifndef PARLEY_TEST_CHECK_H
#define PARLEY_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "parley.h"

extern int check_failed_checks; /* failed checks in the running test */

void check_fail(const char* file, int line, const char* what, const char* detail);

#define CHECK(cond)                                    \
  do {                                                 \
    if (!(cond)) check_fail(__FILE__, __LINE__, #cond, ""); \
  } while (0)

/* Checks a status and, on mismatch, prints the error message that came with it. */
void check_status(parley_status got, parley_status expected, const char* expr, const parley_error* err,
                  const char* file, int line);
#define CHECK_STATUS(expected, expr, errp) check_status((expr), (expected), #expr, (errp), __FILE__, __LINE__)

#define CHECK_OK(expr, errp) CHECK_STATUS(PARLEY_OK, expr, errp)

/* The error's message contains `part`. */
#define CHECK_MESSAGE(err, part) CHECK(strstr((err).message, (part)) != NULL)

typedef void (*check_test_fn)(void);
typedef struct check_test {
  const char* name;
  check_test_fn fn;
} check_test;

/* Runs the tests (all, or only those named on the command line after `skip_args`), prints one
 * line per test and the closing "N passed, N failed" line; returns the exit code. */
int check_run(const check_test* tests, int count, int argc, char** argv, int skip_args);

#endif
