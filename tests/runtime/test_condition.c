/* test_condition.c - ac_condition: asyncio.Condition.  notify(n) and
 * notify_all in FIFO order, each waiter returning with the lock held;
 * wait_for and its predicate; the lock taken back before a cancellation
 * propagates (also when cancelled while queueing for the lock, keeping its
 * place); a notification passed on by a notified waiter that is
 * cancelled; a lock shared by two conditions; errors; and a loop close
 * freeing waiters. */
#include "sync_test.h"

static ac_condition g_c;  /* the condition of each test */
static ac_lock g_l;       /* a lock of the caller's */
static ac_task *g_victim; /* the task a script cancels */

/* ------------------------------------------------------------------------ */
/* Errors and delegation to the lock                                        */
/* ------------------------------------------------------------------------ */

static int never(void *arg) {
  (void)arg;
  return 0;
}

/* The lock must be held to wait or notify (AC_ESTATE, asyncio's
 * RuntimeError); a failed wait releases nothing. */
static void test_condition_errors(void **state) {
  static const sstep a[] = {
      {.op = S_CWAIT, .obj = &g_c, .tag = "unlocked", .catch_ = 1},
      {.op = S_CWAITFOR, .obj = &g_c, .pred = never, .tag = "unlocked",
       .catch_ = 1},
      {.op = S_CWAIT, .obj = NULL, .tag = "null", .catch_ = 1},
      {.op = S_CNOTIFY, .obj = &g_c, .n = 1, .tag = "notify"},
      {.op = S_CNOTIFY_ALL, .obj = &g_c, .tag = "all"},
      {.op = S_CREL, .obj = &g_c, .tag = "rel"},
      {.op = S_CACQ, .obj = NULL, .tag = "null", .catch_ = 1},
      {.op = S_CACQ, .obj = &g_c, .tag = "acq"},
      {.op = S_CLOCKED, .obj = &g_c, .tag = "locked"},
      {.op = S_CWAITFOR, .obj = &g_c, .pred = NULL, .tag = "nopred",
       .catch_ = 1},
      {.op = S_CLOCKED, .obj = &g_c, .tag = "locked"},
      {.op = S_CNOTIFY, .obj = &g_c, .n = 1, .tag = "notify"},
      {.op = S_CNOTIFY, .obj = &g_c, .n = -3, .tag = "notify"},
      {.op = S_CREL, .obj = &g_c, .tag = "rel"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_condition_init(NULL, NULL), AC_EINVAL);
  assert_int_equal(ac_condition_init(&g_c, NULL), 0);
  assert_int_equal(ac_condition_notify(NULL, 1), AC_EINVAL);
  assert_int_equal(ac_condition_notify_all(NULL), AC_EINVAL);
  assert_int_equal(ac_condition_release(NULL), AC_EINVAL);
  assert_false(ac_condition_locked(NULL));
  loop = run_scripts(ts);
  assert_string_equal(g_log,
                      "A:unlocked!ESTATE A:unlocked!ESTATE A:null!EINVAL "
                      "A:notify!ESTATE A:all!ESTATE A:rel!ESTATE "
                      "A:null!EINVAL A:acq A:locked=1 A:nopred!EINVAL "
                      "A:locked=1 A:notify A:notify A:rel");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* notify, notify_all, wait_for                                             */
/* ------------------------------------------------------------------------ */

/* Three consumers wait; the producer notifies one, then all.  They wake in
 * the order they waited, each holding the lock when its wait returns: B,
 * holding it across a sleep, makes C queue for it. */
static void test_condition_notify_then_all(void **state) {
  static const sstep w[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_DEFER_CREL, .obj = &g_c, .tag = "rel"},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "woke"},
                            {.op = S_CLOCKED, .obj = &g_c, .tag = "locked"},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_TIME, .tag = "t"}, END};
  static const sstep p[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY, .obj = &g_c, .n = 1,
                             .tag = "one"},
                            {.op = S_CREL, .obj = &g_c},
                            {.op = S_SLEEP, .d = 2.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY_ALL, .obj = &g_c, .tag = "all"},
                            {.op = S_CREL, .obj = &g_c}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('C', w),
                   script('P', p), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "P:one A:woke A:locked=1 A:t@2 A:~rel "
                             "P:all B:woke B:locked=1 B:t@4 B:~rel "
                             "C:woke C:locked=1 C:t@5 C:~rel");
  assert_false(ac_condition_locked(&g_c));
  assert_int_equal(ac_loop_close(loop), 0);
}

static int g_items;      /* what the wait_for predicate looks at */
static int g_pred_calls; /* how many times it ran */

/* The predicate: the number of items, 0 while there are none. */
static int have_items(void *arg) {
  int *n = arg;
  g_pred_calls++;
  assert_true(ac_condition_locked(&g_c)); /* runs with the lock held */
  return *n;
}

/* wait_for checks its predicate at once, then after each notify, and
 * gives its value; a predicate already true does not suspend or release
 * the lock. */
static void test_condition_wait_for(void **state) {
  static const sstep a[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_CWAITFOR, .obj = &g_c, .pred = have_items,
                             .arg = &g_items, .tag = "got"},
                            {.op = S_TIME, .tag = "t"},
                            {.op = S_CREL, .obj = &g_c}, END};
  static const sstep p[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY_ALL, .obj = &g_c, .tag = "empty"},
                            {.op = S_CREL, .obj = &g_c},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_ADD, .obj = &g_items, .n = 2},
                            {.op = S_CNOTIFY_ALL, .obj = &g_c, .tag = "two"},
                            {.op = S_CREL, .obj = &g_c}, END};
  ac_task *ts[] = {script('A', a), script('P', p), NULL};
  ac_task *late[] = {script('B', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_items = 0;
  g_pred_calls = 0;
  loop = run_scripts(ts);
  assert_string_equal(g_log, "P:empty P:two A:got=2 A:t@2");
  assert_int_equal(g_pred_calls, 3);
  log_reset();
  spawn_list(loop, late);
  run_once(loop); /* B's first step: no suspension */
  assert_true(ac_task_done(late[0]));
  assert_string_equal(g_log, "B:got=2 B:t@2");
  assert_int_equal(g_pred_calls, 4);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* A waiter cancelled while another task holds the lock fails only once it
 * has taken the lock back (asyncio's wait re-acquires in a finally), so
 * its deferred release succeeds. */
static void test_condition_cancel_relocks(void **state) {
  static const sstep w[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_DEFER_CREL, .obj = &g_c, .tag = "rel"},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "wait"}, END};
  static const sstep h[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c, .tag = "acq"},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_CREL, .obj = &g_c, .tag = "rel"}, END};
  ac_task *ts[] = {script('W', w), script('H', h), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "H:acq H:cancel H:rel W:wait!ECANCELED W:~rel");
  assert_true(ac_task_cancelled(ts[0]));
  assert_false(ac_condition_locked(&g_c));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A waiter notified and then cancelled before it runs passes the
 * notification on (asyncio 3.13): B is woken in its place. */
static void test_condition_cancel_passes_notify(void **state) {
  static const sstep w[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_DEFER_CREL, .obj = &g_c, .tag = "rel"},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "wait"}, END};
  static const sstep p[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY, .obj = &g_c, .n = 1,
                             .tag = "one"},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"},
                            {.op = S_CREL, .obj = &g_c}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('P', p), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "P:one P:cancel A:wait!ECANCELED A:~rel "
                             "B:wait B:~rel");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A waiter cancelled while it queues for the lock (notified, the lock
 * held by the notifier) keeps its place in the lock's line: it gets the
 * lock before R, which queued after it, and only then fails. */
static void test_condition_cancel_in_lock_line(void **state) {
  static const sstep w[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_DEFER_CREL, .obj = &g_c, .tag = "rel"},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "wait"}, END};
  static const sstep p[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY, .obj = &g_c, .n = 1,
                             .tag = "one"},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_CREL, .obj = &g_c, .tag = "rel"}, END};
  static const sstep r[] = {{.op = S_SLEEP, .d = 1.2},
                            {.op = S_CACQ, .obj = &g_c, .tag = "acq"},
                            {.op = S_CREL, .obj = &g_c}, END};
  static const sstep q[] = {{.op = S_SLEEP, .d = 1.5},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', w), script('P', p), script('R', r),
                   script('Q', q), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "P:one Q:cancel P:rel A:wait!ECANCELED "
                             "A:~rel R:acq");
  assert_true(ac_task_cancelled(ts[0]));
  assert_int_equal(ac_loop_close(loop), 0);
}

static int g_never_calls; /* calls of never_counted */

/* A predicate that never holds, counting its calls. */
static int never_counted(void *arg) {
  (void)arg;
  g_never_calls++;
  return 0;
}

/* A wait_for cancelled while it waits takes the lock back and fails,
 * without calling its predicate again. */
static void test_condition_cancel_wait_for(void **state) {
  static const sstep a[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_DEFER_CREL, .obj = &g_c, .tag = "rel"},
                            {.op = S_CWAITFOR, .obj = &g_c,
                             .pred = never_counted, .tag = "got"}, END};
  static const sstep k[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', a), script('K', k), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_victim = ts[0];
  g_never_calls = 0;
  loop = run_scripts(ts);
  assert_string_equal(g_log, "K:cancel A:got!ECANCELED A:~rel");
  assert_int_equal(g_never_calls, 1);
  assert_false(ac_condition_locked(&g_c));
  assert_int_equal(ac_loop_close(loop), 0);
}

static ac_task *g_self; /* a script that cancels itself */

/* A task with a cancellation pending fails its wait at once, the lock
 * still held (it was never released). */
static void test_condition_pending_cancel(void **state) {
  static const sstep a[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_CANCEL, .obj = &g_self},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "wait",
                             .catch_ = 1},
                            {.op = S_CLOCKED, .obj = &g_c, .tag = "locked"},
                            {.op = S_CREL, .obj = &g_c, .tag = "rel"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  g_self = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:wait!ECANCELED A:locked=1 A:rel");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* A lock of the caller's, loop close                                       */
/* ------------------------------------------------------------------------ */

static ac_condition g_c2; /* a second condition on g_l */

/* Two conditions on one lock: holding it through either (or through the
 * lock itself) is holding it for both. */
static void test_condition_shared_lock(void **state) {
  static const sstep a[] = {{.op = S_LOCK, .obj = &g_l},
                            {.op = S_CLOCKED, .obj = &g_c2, .tag = "c2"},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "c"},
                            {.op = S_LOCKED, .obj = &g_l, .tag = "l"},
                            {.op = S_UNLOCK, .obj = &g_l}, END};
  static const sstep b[] = {{.op = S_CACQ, .obj = &g_c2},
                            {.op = S_CWAIT, .obj = &g_c2, .tag = "c2"},
                            {.op = S_CREL, .obj = &g_c}, END};
  static const sstep p[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY_ALL, .obj = &g_c2, .tag = "n2"},
                            {.op = S_CNOTIFY_ALL, .obj = &g_c, .tag = "n"},
                            {.op = S_UNLOCK, .obj = &g_l}, END};
  ac_task *ts[] = {script('A', a), script('B', b), script('P', p), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  assert_int_equal(ac_condition_init(&g_c, &g_l), 0);
  assert_int_equal(ac_condition_init(&g_c2, &g_l), 0);
  loop = run_scripts(ts);
  /* B was notified first, so it runs (and takes the lock) first */
  assert_string_equal(g_log, "A:c2=1 P:n2 P:n B:c2 A:c A:l=1");
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close frees tasks still waiting, one on the condition (it caught
 * the close's cancellation, holding the lock again, and waited again) and
 * one in the lock's line after a notify: both leave their lists. */
static void test_condition_close_abandons(void **state) {
  static const sstep a[] = {{.op = S_CACQ, .obj = &g_c},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "w",
                             .catch_ = 1},
                            {.op = S_CWAIT, .obj = &g_c, .tag = "again"}, END};
  static const sstep h[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CACQ, .obj = &g_c},
                            {.op = S_CNOTIFY, .obj = &g_c, .n = 1}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_task *ts2[] = {script('A', a), script('H', h), NULL};
  ac_loop *loop;
  (void)state;
  ac_condition_init(&g_c, NULL);
  loop = run_scripts(ts);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "A:w!ECANCELED");
  assert_true(list_empty(&g_c.waiters));
  assert_false(ac_condition_locked(&g_c));

  ac_condition_init(&g_c, NULL);
  loop = run_scripts(ts2); /* A notified, in line for H's lock */
  assert_string_equal(g_log, "");
  assert_int_equal(ac_loop_close(loop), 0); /* A records the cancel only */
  assert_string_equal(g_log, "");
  assert_true(list_empty(&g_c.waiters));
  assert_true(list_empty(&g_c.own.waiters));
  assert_true(ac_condition_locked(&g_c)); /* H's */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_condition_errors),
      cmocka_unit_test(test_condition_notify_then_all),
      cmocka_unit_test(test_condition_wait_for),
      cmocka_unit_test(test_condition_cancel_relocks),
      cmocka_unit_test(test_condition_cancel_passes_notify),
      cmocka_unit_test(test_condition_cancel_in_lock_line),
      cmocka_unit_test(test_condition_cancel_wait_for),
      cmocka_unit_test(test_condition_pending_cancel),
      cmocka_unit_test(test_condition_shared_lock),
      cmocka_unit_test(test_condition_close_abandons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
