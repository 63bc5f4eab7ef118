/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "check.h"

int check_failed_checks = 0;

void check_fail(const char* file, int line, const char* what, const char* detail) {
  ++check_failed_checks;
  fprintf(stderr, "  %s:%d: CHECK failed: %s %s\n", file, line, what, detail);
}

void check_status(parley_status got, parley_status expected, const char* expr, const parley_error* err,
                  const char* file, int line) {
  if (got == expected) return;
  char detail[700];
  snprintf(detail, sizeof detail, "got %s (%s), expected %s", parley_status_name(got), err ? err->message : "",
           parley_status_name(expected));
  check_fail(file, line, expr, detail);
}

int check_run(const check_test* tests, int count, int argc, char** argv, int skip_args) {
  int passed = 0, failed = 0;
  for (int i = 0; i < count; ++i) {
    int selected = argc <= skip_args;
    for (int a = skip_args; a < argc; ++a) selected |= strcmp(argv[a], tests[i].name) == 0;
    if (!selected) continue;
    check_failed_checks = 0;
    fprintf(stderr, "[ RUN  ] %s\n", tests[i].name);
    tests[i].fn();
    if (check_failed_checks == 0) {
      ++passed;
      fprintf(stderr, "[  OK  ] %s\n", tests[i].name);
    } else {
      ++failed;
      fprintf(stderr, "[ FAIL ] %s\n", tests[i].name);
    }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
