/* test_error.c - error codes, names and messages. */
#include "rt_test.h"

#include <errno.h>

/* libac's errno-style codes are -errno, as libuv's are on Unix. */
static void test_codes_are_negative_errno(void **state) {
  (void)state;
  assert_int_equal(AC_ECANCELED, -ECANCELED);
  assert_int_equal(AC_ENOMEM, -ENOMEM);
  assert_int_equal(AC_EINVAL, -EINVAL);
  assert_true(AC_ESTATE < -4095);
  assert_true(AC_EREUSED < AC_ESTALLED);
}

/* Names and messages of libac's own and errno-style codes. */
static void test_names_and_messages(void **state) {
  (void)state;
  assert_string_equal(ac_err_name(AC_ECANCELED), "ECANCELED");
  assert_string_equal(ac_strerror(AC_ECANCELED), "operation canceled");
  assert_string_equal(ac_err_name(AC_ESTATE), "ESTATE");
  assert_string_equal(ac_strerror(AC_ESTALLED),
                      "the loop ran out of work before the task finished");
  assert_string_equal(ac_err_name(AC_EREUSED), "EREUSED");
  assert_string_equal(ac_err_name(AC_ENOLOOP), "ENOLOOP");
}

/* libuv's codes that libac does not list pass through to libuv. */
static void test_libuv_codes(void **state) {
  (void)state;
  assert_string_equal(ac_err_name(-EPIPE), "EPIPE");
  assert_string_equal(ac_strerror(-EPIPE), "broken pipe");
  assert_string_equal(ac_err_name(-4095), "EOF");
}

/* Unknown codes get fixed strings (and nothing is allocated: ASan). */
static void test_unknown(void **state) {
  (void)state;
  assert_string_equal(ac_strerror(-123456), "unknown error");
  assert_string_equal(ac_err_name(-123456), "UNKNOWN");
  assert_string_equal(ac_strerror(0), "unknown error");
  assert_string_equal(ac_err_name(7), "UNKNOWN");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_codes_are_negative_errno),
      cmocka_unit_test(test_names_and_messages),
      cmocka_unit_test(test_libuv_codes),
      cmocka_unit_test(test_unknown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
