/*
 * error.c - error codes: names and messages for libac's codes and libuv's.
 */
#include "internal.h"

#include <string.h>

/* libac's errno-style codes are libuv's, which are -errno on Unix: check
 * each one at build time so they can pass through unchanged. */
#define AC__XX(name, msg)                                                     \
  _Static_assert((int)AC_##name == (int)UV_##name,                            \
                 "AC_" #name " != UV_" #name);
AC_ERRNO_MAP(AC__XX)
#undef AC__XX

/* libac's own codes must not collide with libuv's, which end at UV_EOF
 * (-4095). */
#define AC__XX(name, val, msg)                                                \
  _Static_assert((val) < (int)UV_EOF, "AC_" #name " overlaps libuv's range");
AC__OWN_ERRNO_MAP(AC__XX)
#undef AC__XX

/* 1 if libuv knows err.  Asking uv_strerror/uv_err_name about an unknown
 * code would allocate a string that is never freed, so ask the _r variant
 * first: it writes "Unknown system error N" for codes it does not know. */
static int ac__uv_knows(int err) {
  static const char unknown[] = "Unknown system error";
  char buf[64];

  if (err >= 0)
    return 0;
  uv_err_name_r(err, buf, sizeof buf);
  return strncmp(buf, unknown, sizeof unknown - 1) != 0;
}

/* A static description of err; "unknown error" for codes nobody knows. */
const char *ac_strerror(int err) {
  switch (err) {
#define AC__XX(name, msg)                                                     \
  case AC_##name:                                                             \
    return msg;
    AC_ERRNO_MAP(AC__XX)
#undef AC__XX
#define AC__XX(name, val, msg)                                                \
  case AC_##name:                                                             \
    return msg;
    AC__OWN_ERRNO_MAP(AC__XX)
#undef AC__XX
  default:
    break;
  }
  if (ac__uv_knows(err))
    return uv_strerror(err);
  return "unknown error";
}

/* The symbolic name of err, without the AC_/UV_ prefix; "UNKNOWN" for codes
 * nobody knows. */
const char *ac_err_name(int err) {
  switch (err) {
#define AC__XX(name, msg)                                                     \
  case AC_##name:                                                             \
    return #name;
    AC_ERRNO_MAP(AC__XX)
#undef AC__XX
#define AC__XX(name, val, msg)                                                \
  case AC_##name:                                                             \
    return #name;
    AC__OWN_ERRNO_MAP(AC__XX)
#undef AC__XX
  default:
    break;
  }
  if (ac__uv_knows(err))
    return uv_err_name(err);
  return "UNKNOWN";
}
