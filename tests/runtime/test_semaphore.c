/* test_semaphore.c - ac_semaphore: asyncio.Semaphore and BoundedSemaphore
 * (3.11+).  The fast path, FIFO order, no overtaking even with permits
 * left while someone is in line, the value handed straight to a woken
 * waiter, cancellation while waiting and after being handed a permit, the
 * bounded kind's ValueError, and a loop close freeing a waiter. */
#include "sync_test.h"

#include <limits.h>

static ac_semaphore g_s;  /* the semaphore of each test */
static ac_task *g_victim; /* the task a script cancels */

/* Errors, and the accessors on NULL. */
static void test_semaphore_errors(void **state) {
  static const sstep a[] = {
      {.op = S_SACQ, .obj = NULL, .tag = "null", .catch_ = 1}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_semaphore_init(NULL, 1), AC_EINVAL);
  assert_int_equal(ac_semaphore_init(&g_s, -1), AC_EINVAL);
  assert_int_equal(ac_bounded_semaphore_init(NULL, 1), AC_EINVAL);
  assert_int_equal(ac_bounded_semaphore_init(&g_s, -1), AC_EINVAL);
  assert_int_equal(ac_semaphore_release(NULL), AC_EINVAL);
  assert_int_equal(ac_semaphore_value(NULL), 0);
  assert_false(ac_semaphore_locked(NULL));
  assert_int_equal(ac_semaphore_init(&g_s, 0), 0);
  assert_true(ac_semaphore_locked(&g_s));
  assert_int_equal(ac_semaphore_release(&g_s), 0); /* unbounded */
  assert_int_equal(ac_semaphore_release(&g_s), 0);
  assert_int_equal(ac_semaphore_value(&g_s), 2);
  assert_false(ac_semaphore_locked(&g_s));
  assert_int_equal(ac_semaphore_init(&g_s, INT_MAX), 0);
  assert_int_equal(ac_semaphore_release(&g_s), AC_EINVAL); /* overflow */
  assert_int_equal(ac_semaphore_value(&g_s), INT_MAX);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:null!EINVAL");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* BoundedSemaphore: a release above the initial value is AC_EINVAL
 * (asyncio's ValueError) and changes nothing. */
static void test_semaphore_bounded(void **state) {
  static const sstep a[] = {{.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SACQ, .obj = &g_s, .tag = "acq"},
                            {.op = S_SACQ, .obj = &g_s, .tag = "acq"},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"},
                            {.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_bounded_semaphore_init(&g_s, 2), 0);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:rel!EINVAL A:acq A:acq A:v=0 A:rel A:rel "
                             "A:rel!EINVAL A:v=2");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Permits are taken without suspending while there are some; then tasks
 * wait in line and get them in order, two at a time. */
static void test_semaphore_fifo(void **state) {
  static const sstep w[] = {{.op = S_SACQ, .obj = &g_s},
                            {.op = S_DEFER_SREL, .obj = &g_s},
                            {.op = S_TIME, .tag = "in"},
                            {.op = S_SLEEP, .d = 1.0}, END};
  ac_task *ts[7];
  ac_loop *loop = new_loop(1);
  int i;
  (void)state;
  ac_semaphore_init(&g_s, 2);
  for (i = 0; i < 6; i++)
    ts[i] = script((char)('A' + i), w);
  ts[6] = NULL;
  log_reset();
  spawn_list(loop, ts);
  run_once(loop); /* every first step */
  assert_string_equal(g_log, "A:in@0 B:in@0");
  assert_int_equal(ac_semaphore_value(&g_s), 0);
  assert_true(ac_semaphore_locked(&g_s));
  run_idle(loop);
  assert_string_equal(g_log, "A:in@0 B:in@0 C:in@1 D:in@1 E:in@2 F:in@2");
  assert_int_equal(ac_semaphore_value(&g_s), 2);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* No overtaking (asyncio 3.11+): a release hands its permit straight to
 * the first in line (the value stays 0); a second release makes the value
 * 1, but while the woken task has not run, a newcomer waits all the same:
 * locked() says so.  The woken task, once in, wakes the newcomer. */
static void test_semaphore_no_overtaking(void **state) {
  static const sstep h[] = {{.op = S_SACQ, .obj = &g_s},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_SREL, .obj = &g_s},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"},
                            {.op = S_SREL, .obj = &g_s},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"},
                            {.op = S_SLOCKED, .obj = &g_s, .tag = "locked"},
                            {.op = S_SACQ, .obj = &g_s, .tag = "acq"},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"}, END};
  static const sstep w[] = {{.op = S_SACQ, .obj = &g_s, .tag = "acq"}, END};
  ac_task *ts[] = {script('H', h), script('W', w), NULL};
  ac_loop *loop;
  (void)state;
  ac_semaphore_init(&g_s, 1);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "H:v=0 H:v=1 H:locked=1 W:acq H:acq H:v=0");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task cancelled in line leaves it; the next gets the permit. */
static void test_semaphore_cancel_waiting(void **state) {
  static const sstep w[] = {{.op = S_SACQ, .obj = &g_s, .tag = "acq"}, END};
  static const sstep r[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('R', r), NULL};
  ac_loop *loop;
  (void)state;
  ac_semaphore_init(&g_s, 0);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "R:cancel A:acq!ECANCELED R:rel R:v=0 B:acq");
  assert_int_equal(ac_semaphore_value(&g_s), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task handed a permit and cancelled before it runs gives the permit
 * back, and it goes to the next in line: nothing is lost. */
static void test_semaphore_cancel_after_handoff(void **state) {
  static const sstep w[] = {{.op = S_SACQ, .obj = &g_s, .tag = "acq"}, END};
  static const sstep r[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_SREL, .obj = &g_s, .tag = "rel"},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('R', r), NULL};
  ac_loop *loop;
  (void)state;
  ac_semaphore_init(&g_s, 0);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "R:rel R:v=0 R:cancel A:acq!ECANCELED B:acq");
  assert_int_equal(ac_semaphore_value(&g_s), 0);
  assert_true(list_empty(&g_s.waiters));
  assert_int_equal(ac_loop_close(loop), 0);
}

static ac_task *g_self; /* a script that cancels itself */

/* A task being cancelled takes no permit, even a free one. */
static void test_semaphore_pending_cancel(void **state) {
  static const sstep a[] = {{.op = S_CANCEL, .obj = &g_self},
                            {.op = S_SACQ, .obj = &g_s, .tag = "acq",
                             .catch_ = 1},
                            {.op = S_SVALUE, .obj = &g_s, .tag = "v"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_semaphore_init(&g_s, 1);
  g_self = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:acq!ECANCELED A:v=1");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close frees a task still in line (it caught the close's
 * cancellation and queued again): it leaves the line. */
static void test_semaphore_close_abandons(void **state) {
  static const sstep a[] = {
      {.op = S_SACQ, .obj = &g_s, .tag = "acq", .catch_ = 1},
      {.op = S_SACQ, .obj = &g_s, .tag = "again"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_semaphore_init(&g_s, 0);
  loop = run_scripts(ts);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "A:acq!ECANCELED");
  assert_true(list_empty(&g_s.waiters));
  assert_int_equal(ac_semaphore_value(&g_s), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_semaphore_errors),
      cmocka_unit_test(test_semaphore_bounded),
      cmocka_unit_test(test_semaphore_fifo),
      cmocka_unit_test(test_semaphore_no_overtaking),
      cmocka_unit_test(test_semaphore_cancel_waiting),
      cmocka_unit_test(test_semaphore_cancel_after_handoff),
      cmocka_unit_test(test_semaphore_pending_cancel),
      cmocka_unit_test(test_semaphore_close_abandons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
