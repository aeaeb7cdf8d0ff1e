/* test_event.c - ac_event: asyncio.Event.  set wakes every waiter (in
 * the order they came), clear, the fast path, a set followed by a clear
 * before the woken tasks run, cancellation while waiting and after being
 * woken (asyncio: the cancellation wins), and a loop close freeing a
 * waiter. */
#include "sync_test.h"

static ac_event g_e;      /* the event of each test */
static ac_task *g_victim; /* the task a script cancels */

/* Errors; a wait on NULL fails with AC_EINVAL. */
static void test_event_errors(void **state) {
  static const sstep a[] = {
      {.op = S_EWAIT, .obj = NULL, .tag = "null", .catch_ = 1}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_event_init(NULL), AC_EINVAL);
  assert_int_equal(ac_event_set(NULL), AC_EINVAL);
  assert_int_equal(ac_event_clear(NULL), AC_EINVAL);
  assert_false(ac_event_is_set(NULL));
  assert_int_equal(ac_event_init(&g_e), 0);
  assert_false(ac_event_is_set(&g_e));
  assert_int_equal(ac_event_set(&g_e), 0);
  assert_true(ac_event_is_set(&g_e));
  assert_int_equal(ac_event_set(&g_e), 0); /* already set: nothing */
  assert_int_equal(ac_event_clear(&g_e), 0);
  assert_false(ac_event_is_set(&g_e));
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:null!EINVAL");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A wait on a set event returns without suspending: three of them run in
 * the task's first step. */
static void test_event_fast_path(void **state) {
  static const sstep a[] = {{.op = S_EWAIT, .obj = &g_e, .tag = "w"},
                            {.op = S_EWAIT, .obj = &g_e, .tag = "w"},
                            {.op = S_EWAIT, .obj = &g_e, .tag = "w"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_event_init(&g_e);
  ac_event_set(&g_e);
  log_reset();
  spawn_list(loop, ts);
  run_once(loop);
  assert_true(ac_task_done(ts[0]));
  assert_string_equal(g_log, "A:w A:w A:w");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* set wakes every waiter; they run after the setter's step, in the order
 * they started waiting.  Waiters that come after a clear wait for the next
 * set. */
static void test_event_set_wakes_all(void **state) {
  static const sstep w[] = {{.op = S_EWAIT, .obj = &g_e, .tag = "w"},
                            {.op = S_TIME, .tag = "t"}, END};
  static const sstep late[] = {{.op = S_SLEEP, .d = 2.0},
                               {.op = S_EWAIT, .obj = &g_e, .tag = "w"},
                               {.op = S_TIME, .tag = "t"}, END};
  static const sstep s[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_ESET, .obj = &g_e, .tag = "set"},
                            {.op = S_LOG, .tag = "after"},
                            {.op = S_SLEEP, .d = 0.5},
                            {.op = S_ECLEAR, .obj = &g_e, .tag = "clear"},
                            {.op = S_SLEEP, .d = 2.5},
                            {.op = S_ESET, .obj = &g_e, .tag = "set"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('L', late),
                   script('C', w), script('S', s), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "S:set S:after A:w A:t@1 B:w B:t@1 C:w C:t@1 "
                             "S:clear S:set L:w L:t@4");
  assert_true(ac_event_is_set(&g_e));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Woken tasks complete their wait even if the event is cleared before
 * they run (asyncio: their futures are done). */
static void test_event_set_then_clear(void **state) {
  static const sstep w[] = {{.op = S_EWAIT, .obj = &g_e, .tag = "w"}, END};
  static const sstep s[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_ESET, .obj = &g_e, .tag = "set"},
                            {.op = S_ECLEAR, .obj = &g_e, .tag = "clear"},
                            END};
  ac_task *ts[] = {script('A', w), script('B', w), script('S', s), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "S:set S:clear A:w B:w");
  assert_false(ac_event_is_set(&g_e));
  assert_true(list_empty(&g_e.waiters));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A waiter cancelled while it waits fails with AC_ECANCELED and leaves;
 * the others are woken by the set as usual. */
static void test_event_cancel_waiting(void **state) {
  static const sstep w[] = {{.op = S_EWAIT, .obj = &g_e, .tag = "w"}, END};
  static const sstep s[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CANCEL, .obj = &g_victim},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_ESET, .obj = &g_e, .tag = "set"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('S', s), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:w!ECANCELED S:set B:w");
  assert_true(ac_task_cancelled(ts[0]));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A waiter woken by set and cancelled before it runs fails with
 * AC_ECANCELED, as in asyncio (Task.cancel() finds its future done, so the
 * CancelledError is thrown into the task at its `await`).  Nothing is
 * lost: the event stays set, and waiting again returns at once.  The
 * other waiter completes. */
static void test_event_cancel_after_set(void **state) {
  static const sstep a[] = {
      {.op = S_EWAIT, .obj = &g_e, .tag = "w", .catch_ = 1},
      {.op = S_EWAIT, .obj = &g_e, .tag = "again"}, END};
  static const sstep w[] = {{.op = S_EWAIT, .obj = &g_e, .tag = "w"}, END};
  static const sstep s[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_ESET, .obj = &g_e, .tag = "set"},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', a), script('B', w), script('S', s), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  g_victim = ts[0];
  loop = run_scripts(ts);
  /* the cancel moved A's wake-up behind B's */
  assert_string_equal(g_log, "S:set S:cancel B:w A:w!ECANCELED A:again");
  assert_int_equal(ac_task_error(ts[0]), 0); /* A caught it */
  assert_int_equal(ac_loop_close(loop), 0);
}

static ac_task *g_self; /* a script that cancels itself */

/* A task with a cancellation pending fails a wait at once, even on a set
 * event. */
static void test_event_pending_cancel(void **state) {
  static const sstep a[] = {
      {.op = S_CANCEL, .obj = &g_self},
      {.op = S_EWAIT, .obj = &g_e, .tag = "w", .catch_ = 1},
      {.op = S_EWAIT, .obj = &g_e, .tag = "w"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  ac_event_set(&g_e);
  g_self = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:w!ECANCELED A:w");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close frees a task still waiting (it caught the close's
 * cancellation and waited again): it leaves the event's list. */
static void test_event_close_abandons(void **state) {
  static const sstep a[] = {
      {.op = S_EWAIT, .obj = &g_e, .tag = "w", .catch_ = 1},
      {.op = S_EWAIT, .obj = &g_e, .tag = "again"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_event_init(&g_e);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "");
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "A:w!ECANCELED");
  assert_true(list_empty(&g_e.waiters));
  assert_int_equal(ac_event_set(&g_e), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_event_errors),
      cmocka_unit_test(test_event_fast_path),
      cmocka_unit_test(test_event_set_wakes_all),
      cmocka_unit_test(test_event_set_then_clear),
      cmocka_unit_test(test_event_cancel_waiting),
      cmocka_unit_test(test_event_cancel_after_set),
      cmocka_unit_test(test_event_pending_cancel),
      cmocka_unit_test(test_event_close_abandons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
