/* test_report.c - "task exception was never retrieved": reports of tasks
 * that failed unobserved, task names and creation sites. */
#include "rt_test.h"

#include <stdio.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

/* async void failer(int err, const char *msg) { await ac_raise(err, msg); } */
struct failer_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step failer_resume(ac_task *ac_self) {
  struct failer_frame *ac_f = (struct failer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_raise(ac_f->err, ac_f->msg));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *failer(int err, const char *msg) {
  struct failer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, failer_resume, 0, "failer");
  if (ac_f) {
    ac_f->err = err;
    ac_f->msg = msg;
  }
  return &ac_f->ac_co;
}

static const char *g_site_file; /* what site_probe saw */
static int g_site_line;

/* async void site_probe(void) { record ac_task_file/line of its task; } */
struct site_probe_frame {
  ac_task ac_co;
};
static ac__step site_probe_resume(ac_task *ac_self) {
  RT_DISPATCH();
  g_site_file = ac_task_file(ac_self);
  g_site_line = ac_task_line(ac_self);
  return AC__DONE;
}
static ac_task *site_probe(void) {
  return ac__frame_new(sizeof(struct site_probe_frame), site_probe_resume, 0,
                       "site_probe");
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* What the test handler saw. */
static int g_reports;
static int g_report_err;
static const char *g_report_msg;
static char g_report_name[64];
static const char *g_report_file;
static int g_report_line;
static void *g_report_ud;

static void capture(ac_task *t, int err, const char *msg, void *ud) {
  g_reports++;
  g_report_err = err;
  g_report_msg = msg;
  snprintf(g_report_name, sizeof g_report_name, "%s", ac_task_name(t));
  g_report_file = ac_task_file(t);
  g_report_line = ac_task_line(t);
  g_report_ud = ud;
}

/* Capture reports from now on. */
static void capture_start(void) {
  g_reports = 0;
  g_report_err = 0;
  g_report_msg = NULL;
  g_report_name[0] = '\0';
  g_report_file = NULL;
  g_report_line = 0;
  ac_set_unretrieved_handler(capture, &g_reports);
}

static ac_task *g_spawned; /* the task spawn_here_cb spawned */
static int g_spawn_line;   /* the line it was spawned on */

/* Spawns the coroutine arg with ac_spawn, noting the line. */
static void spawn_here_cb(void *arg) {
  g_spawn_line = __LINE__; g_spawned = ac_spawn((ac_task *)arg);
  assert_non_null(g_spawned);
}

/* Spawns the coroutine arg on loop with ac_spawn, and runs until it is
 * done; returns it. */
static ac_task *spawn_and_finish(ac_loop *loop, ac_task *co) {
  ac_handle h = {0};
  assert_int_equal(ac_call_soon(loop, &h, spawn_here_cb, co), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* spawned there */
  assert_int_equal(ac_loop_run_until_complete(loop, &co->fut), 0);
  assert_true(ac_task_done(co));
  return co;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* A failed task nobody looked at is reported once when released, with its
 * name, the file:line of ac_spawn, its error and message. */
static void test_report_on_release(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t;
  (void)state;
  capture_start();
  t = spawn_and_finish(loop, failer(AC_EPROTO, "bad header"));
  assert_int_equal(g_reports, 0); /* not freed yet */
  assert_int_equal(ac_task_release(t), 0);
  assert_int_equal(g_reports, 1);
  assert_int_equal(g_report_err, AC_EPROTO);
  assert_string_equal(g_report_msg, "bad header");
  assert_string_equal(g_report_name, "failer");
  assert_non_null(g_report_file);
  assert_non_null(strstr(g_report_file, "test_report.c"));
  assert_int_equal(g_report_line, g_spawn_line);
  assert_ptr_equal(g_report_ud, &g_reports);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_reports, 1);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* Not released: reported when its loop closes, under the name it was
 * given. */
static void test_report_on_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t;
  (void)state;
  capture_start();
  t = spawn_and_finish(loop, failer(AC_ETIMEDOUT, NULL));
  ac_task_set_name(t, "renamed");
  assert_string_equal(ac_task_name(t), "renamed");
  assert_int_equal(g_reports, 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_reports, 1);
  assert_int_equal(g_report_err, AC_ETIMEDOUT);
  assert_null(g_report_msg);
  assert_string_equal(g_report_name, "renamed");
  ac_set_unretrieved_handler(NULL, NULL);
}

/* No report for a task whose error an await read, nor for one whose
 * error was read with ac_task_error, ac_future_error or ac_future_result,
 * nor for a cancelled one, nor for one that succeeded, nor for ac_run's
 * main task. */
static void test_no_report_when_retrieved(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t[4];
  wait_on_task *w;
  ac_task *c;
  ac_handle h = {0};
  int i;
  (void)state;
  capture_start();
  t[0] = spawn_and_finish(loop, failer(AC_EPROTO, "x"));
  w = wait_on(t[0]);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(w)), 0);
  assert_int_equal(ac_task_error(AC_TASK(w)), AC_EPROTO); /* retrieved too */
  t[1] = spawn_and_finish(loop, failer(AC_EPROTO, "x"));
  assert_int_equal(ac_task_error(t[1]), AC_EPROTO);
  t[2] = spawn_and_finish(loop, failer(AC_EPROTO, "x"));
  assert_int_equal(ac_future_error(&t[2]->fut), AC_EPROTO);
  t[3] = spawn_and_finish(loop, failer(AC_EPROTO, "x"));
  assert_null(ac_future_result(&t[3]->fut));
  for (i = 0; i < 4; i++)
    assert_int_equal(ac_task_release(t[i]), 0);
  c = &nap(10.0)->ac_co;
  assert_int_equal(ac_call_soon(loop, &h, spawn_here_cb, c), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_task_cancel(c), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &c->fut), 0);
  assert_int_equal(ac_task_release(c), 0);
  spawn_and_finish(loop, &one()->ac_co);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_run(failer(AC_EPROTO, "main")), AC_EPROTO);
  assert_int_equal(g_reports, 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* Reading a pending task's error does not count: it is reported if it
 * fails afterwards. */
static void test_pending_read_does_not_count(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = failer(AC_EPROTO, NULL);
  ac_handle h = {0};
  (void)state;
  capture_start();
  assert_int_equal(ac_call_soon(loop, &h, spawn_here_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* spawned, not run */
  assert_int_equal(ac_task_error(t), 0);
  assert_int_equal(ac_future_error(&t->fut), 0);
  assert_int_equal(ac_task_release(t), 0);
  assert_int_equal(g_reports, 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* fails, is freed */
  assert_int_equal(g_reports, 1);
  assert_int_equal(ac_loop_close(loop), 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* Run fn with stderr going to a temporary file; returns what it wrote
 * (static buffer). */
static const char *stderr_of(void (*fn)(void)) {
  static char buf[1024];
  FILE *tmp = tmpfile();
  int saved;
  size_t n;
  assert_non_null(tmp);
  fflush(stderr);
  saved = dup(2);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), 2) >= 0);
  fn();
  fflush(stderr);
  assert_true(dup2(saved, 2) >= 0);
  close(saved);
  rewind(tmp);
  n = fread(buf, 1, sizeof buf - 1, tmp);
  buf[n] = '\0';
  fclose(tmp);
  return buf;
}

static ac_task *g_rel;  /* released by release_g_rel */
static void release_g_rel(void) { ac_task_release(g_rel); }

/* The default report: one line on stderr, with or without the site and
 * the message. */
static void test_default_report(void **state) {
  ac_loop *loop = new_loop(1);
  char want[512];
  const char *got;
  ac_handle h = {0};
  (void)state;
  ac_set_unretrieved_handler(NULL, NULL);
  g_rel = spawn_and_finish(loop, failer(AC_EPROTO, "bad header"));
  snprintf(want, sizeof want,
           "acc: task 'failer' created at %s:%d failed with EPROTO "
           "(protocol error): bad header, and the error was never "
           "retrieved\n",
           ac_task_file(g_rel), g_spawn_line);
  got = stderr_of(release_g_rel);
  assert_string_equal(got, want);
  g_rel = failer(AC_ETIMEDOUT, NULL);
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, g_rel), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &g_rel->fut), 0);
  assert_null(ac_task_file(g_rel)); /* ac_task_spawn: no site */
  got = stderr_of(release_g_rel);
  assert_string_equal(got, "acc: task 'failer' failed with ETIMEDOUT "
                           "(connection timed out), and the error was "
                           "never retrieved\n");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ac_run records its call site on the main task; accessors on NULL. */
static void test_sites_and_names(void **state) {
  int line;
  (void)state;
  g_site_file = NULL;
  line = __LINE__; assert_int_equal(ac_run(site_probe()), 0);
  assert_non_null(g_site_file);
  assert_non_null(strstr(g_site_file, "test_report.c"));
  assert_int_equal(g_site_line, line);
  assert_int_equal(ac_run_task(site_probe()), 0);
  assert_null(g_site_file);
  assert_int_equal(g_site_line, 0);
  assert_null(ac_task_name(NULL));
  assert_null(ac_task_file(NULL));
  assert_int_equal(ac_task_line(NULL), 0);
  ac_task_set_name(NULL, "x"); /* ignored */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_report_on_release),
      cmocka_unit_test(test_report_on_close),
      cmocka_unit_test(test_no_report_when_retrieved),
      cmocka_unit_test(test_pending_read_does_not_count),
      cmocka_unit_test(test_default_report),
      cmocka_unit_test(test_sites_and_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
