/* test_barrier.c - ac_barrier: asyncio.Barrier.  Arrival indices, the
 * last arrival returning without waiting, reuse (arrivals during a drain
 * wait for it), abort and reset (AC_EBROKEN), cancellation while waiting
 * and after the trip, the accessors, and a loop close freeing a waiter. */
#include "sync_test.h"

static ac_barrier g_b;    /* the barrier of each test */
static ac_task *g_victim; /* the task a script cancels */

/* Errors and accessors. */
static void test_barrier_errors(void **state) {
  static const sstep a[] = {
      {.op = S_BWAIT, .obj = NULL, .tag = "null", .catch_ = 1}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_barrier_init(NULL, 1), AC_EINVAL);
  assert_int_equal(ac_barrier_init(&g_b, 0), AC_EINVAL);
  assert_int_equal(ac_barrier_reset(NULL), AC_EINVAL);
  assert_int_equal(ac_barrier_abort(NULL), AC_EINVAL);
  assert_int_equal(ac_barrier_parties(NULL), 0);
  assert_int_equal(ac_barrier_n_waiting(NULL), 0);
  assert_false(ac_barrier_broken(NULL));
  assert_int_equal(ac_barrier_init(&g_b, 3), 0);
  assert_int_equal(ac_barrier_parties(&g_b), 3);
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_false(ac_barrier_broken(&g_b));
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:null!EINVAL");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Three parties: the first two wait (n_waiting counts them), the third
 * trips the barrier and returns at once with index 2; then the others
 * return, in the order they came, with 0 and 1. */
static void test_barrier_trip(void **state) {
  static const sstep w[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "w"},
                            {.op = S_TIME, .tag = "t"}, END};
  static const sstep late[] = {{.op = S_SLEEP, .d = 1.0},
                               {.op = S_BWAIT, .obj = &g_b, .tag = "w"},
                               {.op = S_TIME, .tag = "t"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('C', late), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_barrier_init(&g_b, 3);
  log_reset();
  spawn_list(loop, ts);
  run_once(loop);
  assert_int_equal(ac_barrier_n_waiting(&g_b), 2);
  run_idle(loop);
  assert_string_equal(g_log, "C:w=2 C:t@1 A:w=0 A:t@1 B:w=1 B:t@1");
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_int_equal(ac_task_error(ts[2]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* One party: every wait returns 0 at once, without suspending. */
static void test_barrier_one_party(void **state) {
  static const sstep a[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "w"},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_barrier_init(&g_b, 1);
  log_reset();
  spawn_list(loop, ts);
  run_once(loop);
  assert_true(ac_task_done(ts[0]));
  assert_string_equal(g_log, "A:w=0 A:w=0");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Reuse: two tasks meet twice.  B trips round 1 and arrives for round 2
 * while A has not left round 1 (draining): B waits for the drain to end,
 * then counts in and trips round 2. */
static void test_barrier_reuse(void **state) {
  static const sstep w[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "r1"},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "r2"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 2);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "B:r1=1 A:r1=0 B:r2=1 A:r2=0");
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_true(list_empty(&g_b.blocked) && list_empty(&g_b.filling));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* abort: the waiters fail with AC_EBROKEN, and so does a later wait, at
 * once; reset repairs the barrier. */
static void test_barrier_abort_and_reset(void **state) {
  static const sstep w[] = {
      {.op = S_BWAIT, .obj = &g_b, .tag = "w", .catch_ = 1}, END};
  static const sstep x[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_BABORT, .obj = &g_b, .tag = "abort"},
                            {.op = S_SLEEP, .d = 2.0},
                            {.op = S_BRESET, .obj = &g_b, .tag = "reset"},
                            END};
  static const sstep c[] = {{.op = S_SLEEP, .d = 2.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w",
                             .catch_ = 1}, END};
  static const sstep d[] = {{.op = S_SLEEP, .d = 4.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('X', x),
                   script('C', c), script('D', d), script('E', d),
                   script('F', d), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 3);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "X:abort A:w!EBROKEN B:w!EBROKEN C:w!EBROKEN "
                             "X:reset F:w=2 D:w=0 E:w=1");
  assert_false(ac_barrier_broken(&g_b));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* reset while tasks wait: they fail with AC_EBROKEN; an arrival during the
 * reset waits until they have left, then counts in as the first. */
static void test_barrier_reset_while_waiting(void **state) {
  static const sstep w[] = {
      {.op = S_BWAIT, .obj = &g_b, .tag = "w", .catch_ = 1}, END};
  static const sstep x[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_BRESET, .obj = &g_b, .tag = "reset"},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep d[] = {{.op = S_SLEEP, .d = 2.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('X', x),
                   script('D', d), script('E', d), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 3);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "X:reset A:w!EBROKEN B:w!EBROKEN E:w=2 X:w=0 "
                             "D:w=1");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task cancelled while it waits leaves the barrier (count down; it is
 * not broken): one more arrival is needed.  As in asyncio, the index is
 * the number of tasks inside, so C gets 1 like B. */
static void test_barrier_cancel_waiting(void **state) {
  static const sstep w[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep k[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CANCEL, .obj = &g_victim}, END};
  static const sstep c[] = {{.op = S_SLEEP, .d = 2.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep d[] = {{.op = S_SLEEP, .d = 3.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('K', k),
                   script('C', c), script('D', d), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_barrier_init(&g_b, 3);
  g_victim = ts[0];
  log_reset();
  spawn_list(loop, ts);
  assert_int_equal(ac_loop_run_until_complete(loop, &ts[0]->fut), 0);
  assert_int_equal(ac_barrier_n_waiting(&g_b), 1);
  assert_false(ac_barrier_broken(&g_b));
  run_idle(loop);
  assert_string_equal(g_log, "A:w!ECANCELED D:w=2 B:w=1 C:w=1");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task whose barrier tripped, cancelled before it runs, fails with
 * AC_ECANCELED and counts itself out: the barrier fills again. */
static void test_barrier_cancel_after_trip(void **state) {
  static const sstep a[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep b[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', a), script('B', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 2);
  g_victim = ts[0];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "B:w=1 B:cancel A:w!ECANCELED");
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_true(list_empty(&g_b.filling));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A reset right after a trip, before the woken tasks run: as in asyncio,
 * they see the barrier resetting and fail with AC_EBROKEN. */
static void test_barrier_reset_while_draining(void **state) {
  static const sstep a[] = {{.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep b[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"},
                            {.op = S_BRESET, .obj = &g_b, .tag = "reset"},
                            END};
  ac_task *ts[] = {script('A', a), script('B', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 2);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "B:w=1 B:reset A:w!EBROKEN");
  assert_int_equal(ac_task_error(ts[0]), AC_EBROKEN);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* An arrival waiting for a reset to end (blocked), cancelled: it fails
 * with AC_ECANCELED without ever counting in. */
static void test_barrier_cancel_blocked(void **state) {
  static const sstep a[] = {
      {.op = S_BWAIT, .obj = &g_b, .tag = "w", .catch_ = 1}, END};
  static const sstep x[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_BRESET, .obj = &g_b, .tag = "reset"},
                            {.op = S_BWAIT, .obj = &g_b, .tag = "w"}, END};
  static const sstep k[] = {{.op = S_SLEEP, .d = 1.0},
                            {.op = S_CANCEL, .obj = &g_victim,
                             .tag = "cancel"}, END};
  ac_task *ts[] = {script('A', a), script('X', x), script('K', k), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 2);
  g_victim = ts[1];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "X:reset K:cancel A:w!EBROKEN X:w!ECANCELED");
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_true(list_empty(&g_b.blocked) && list_empty(&g_b.filling));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close frees a task still waiting (it caught the close's
 * cancellation and waited again): it counts itself out and leaves. */
static void test_barrier_close_abandons(void **state) {
  static const sstep a[] = {
      {.op = S_BWAIT, .obj = &g_b, .tag = "w", .catch_ = 1},
      {.op = S_BWAIT, .obj = &g_b, .tag = "again"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  ac_barrier_init(&g_b, 2);
  loop = run_scripts(ts);
  assert_int_equal(ac_barrier_n_waiting(&g_b), 1);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "A:w!ECANCELED");
  assert_int_equal(ac_barrier_n_waiting(&g_b), 0);
  assert_true(list_empty(&g_b.filling));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_barrier_errors),
      cmocka_unit_test(test_barrier_trip),
      cmocka_unit_test(test_barrier_one_party),
      cmocka_unit_test(test_barrier_reuse),
      cmocka_unit_test(test_barrier_abort_and_reset),
      cmocka_unit_test(test_barrier_reset_while_waiting),
      cmocka_unit_test(test_barrier_cancel_waiting),
      cmocka_unit_test(test_barrier_cancel_after_trip),
      cmocka_unit_test(test_barrier_reset_while_draining),
      cmocka_unit_test(test_barrier_cancel_blocked),
      cmocka_unit_test(test_barrier_close_abandons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
