/* test_lock.c - ac_lock: asyncio.Lock.  FIFO hand-off, no barging, the
 * fast path, release errors, cancellation while waiting and after being
 * handed the lock, the "async with" form (acquire + defer release) on
 * every exit path, and a loop close freeing a task parked in line. */
#include "sync_test.h"

static ac_lock g_l; /* the lock of each test */

/* ------------------------------------------------------------------------ */
/* Basics                                                                   */
/* ------------------------------------------------------------------------ */

/* Errors that need no loop; the await of a NULL lock fails with
 * AC_EINVAL, and a failed await holds nothing. */
static void test_lock_errors(void **state) {
  static const sstep a[] = {{.op = S_LOCK, .obj = NULL, .tag = "null",
                             .catch_ = 1}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_lock_init(NULL), AC_EINVAL);
  assert_int_equal(ac_lock_init(&g_l), 0);
  assert_false(ac_lock_locked(&g_l));
  assert_false(ac_lock_locked(NULL));
  assert_int_equal(ac_lock_release(&g_l), AC_ESTATE); /* RuntimeError */
  assert_int_equal(ac_lock_release(NULL), AC_EINVAL);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:null!EINVAL");
  assert_int_equal(ac_task_error(ts[0]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A free lock is taken without suspending: acquire, release, acquire,
 * release all run in the task's first step (one iteration). */
static void test_lock_fast_path(void **state) {
  static const sstep a[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_LOCKED, .obj = &g_l, .tag = "locked"},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"},
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_UNLOCK, .obj = &g_l},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "again"}, END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_lock_init(&g_l);
  log_reset();
  spawn_list(loop, ts);
  run_once(loop); /* the task's first step */
  assert_true(ac_task_done(ts[0]));
  assert_string_equal(g_log,
                      "A:lock A:locked=1 A:unlock A:lock A:again!ESTATE");
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Three workers, each holding the lock across a sleep: they get it in
 * the order they asked for it, one at a time. */
static void test_lock_fifo(void **state) {
  static const sstep w[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "unlock"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_TIME, .tag = "t"}, END};
  ac_task *ts[] = {script('A', w), script('B', w), script('C', w), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:lock A:t@1 A:~unlock B:lock B:t@2 "
                             "B:~unlock C:lock C:t@3 C:~unlock");
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* No barging: after a release, the lock is free (locked() is 0, as in
 * asyncio) until the woken task runs, but a newcomer asking for it in the
 * meantime, the releaser itself here, waits behind that task. */
static void test_lock_no_barging(void **state) {
  static const sstep a[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"},
      {.op = S_LOCKED, .obj = &g_l, .tag = "locked"},
      {.op = S_LOCK, .obj = &g_l, .tag = "relock"},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock2"}, END};
  static const sstep b[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"}, END};
  ac_task *ts[] = {script('A', a), script('B', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:lock A:unlock A:locked=0 B:lock B:unlock "
                             "A:relock A:unlock2");
  assert_true(ac_loop_time(loop) == 2.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Round robin: ten tasks taking the lock three times each, yielding
 * (sleep 0) while they hold it, get it in turn. */
static void test_lock_fairness(void **state) {
  static const sstep w[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "L"},
      {.op = S_SLEEP, .d = 0.0},
      {.op = S_UNLOCK, .obj = &g_l},
      {.op = S_LOCK, .obj = &g_l, .tag = "L"},
      {.op = S_SLEEP, .d = 0.0},
      {.op = S_UNLOCK, .obj = &g_l},
      {.op = S_LOCK, .obj = &g_l, .tag = "L"},
      {.op = S_SLEEP, .d = 0.0},
      {.op = S_UNLOCK, .obj = &g_l}, END};
  ac_task *ts[11];
  char want[256] = "";
  ac_loop *loop;
  int i, round;
  (void)state;
  ac_lock_init(&g_l);
  for (i = 0; i < 10; i++)
    ts[i] = script((char)('A' + i), w);
  ts[10] = NULL;
  for (round = 0; round < 3; round++)
    for (i = 0; i < 10; i++)
      snprintf(want + strlen(want), sizeof want - strlen(want), "%s%c:L",
               want[0] ? " " : "", 'A' + i);
  loop = run_scripts(ts);
  assert_string_equal(g_log, want);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

static ac_task *g_victim; /* the task a script cancels */

/* A task cancelled while it waits in line fails with AC_ECANCELED and
 * leaves the line; the next one gets the lock. */
static void test_lock_cancel_waiting(void **state) {
  static const sstep a[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_CANCEL, .obj = &g_victim, .tag = "cancel"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"}, END};
  static const sstep b[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                            {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                            END};
  ac_task *ts[] = {script('A', a), script('B', b), script('C', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  g_victim = ts[1];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:lock A:cancel B:lock!ECANCELED A:unlock "
                             "C:lock C:~u");
  assert_true(ac_task_cancelled(ts[1]));
  assert_int_equal(ac_task_error(ts[2]), 0);
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task that a release has just handed the lock to, cancelled before it
 * runs: it fails with AC_ECANCELED and the lock goes to the next in line,
 * as in asyncio (nothing is lost). */
static void test_lock_cancel_after_handoff(void **state) {
  static const sstep a[] = {
      {.op = S_LOCK, .obj = &g_l, .tag = "lock"},
      {.op = S_SLEEP, .d = 1.0},
      {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"},
      {.op = S_CANCEL, .obj = &g_victim, .tag = "cancel"}, END};
  static const sstep b[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                            {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                            END};
  ac_task *ts[] = {script('A', a), script('B', b), script('C', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  g_victim = ts[1];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:lock A:unlock A:cancel B:lock!ECANCELED "
                             "C:lock C:~u");
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The same from outside any task: release with no loop running, cancel
 * the woken task; the next one gets the lock.  A task with a cancellation
 * pending does not take a free lock: its await fails at once. */
static void test_lock_cancel_outside(void **state) {
  static const sstep a[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"}, END};
  static const sstep b[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                            {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                            END};
  ac_task *ts[] = {script('A', a), script('B', b), script('C', b), NULL};
  ac_task *late[] = {script('D', b), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  loop = run_scripts(ts); /* A holds it and is done; B, C in line */
  assert_string_equal(g_log, "A:lock");
  assert_true(ac_lock_locked(&g_l));
  assert_int_equal(ac_lock_release(&g_l), 0); /* hands it to B */
  assert_int_equal(ac_task_cancel(ts[1]), 0);
  run_idle(loop);
  assert_string_equal(g_log, "A:lock B:lock!ECANCELED C:lock C:~u");
  spawn_list(loop, late);
  assert_int_equal(ac_task_cancel(late[0]), 0); /* before it starts */
  run_idle(loop);
  assert_true(ac_task_cancelled(late[0]));
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void pending_cancel(void) {
 *   ac_task_cancel(<this task>);
 *   await ac_lock_acquire(&g_l) catch (err);   // fails: not taken
 * }   with the log of the catch. */
struct pend_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step pend_resume(ac_task *ac_self) {
  struct pend_frame *ac_f = (struct pend_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT_CATCH(1, ac_lock_acquire(&g_l), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  log_add('P', "lock", "!%s", ac_err_name(ac_f->err));
  log_add('P', "locked", "=%d", ac_lock_locked(&g_l));
  return AC__DONE;
}

/* A task being cancelled (it cancelled itself) does not take a free lock:
 * the await fails with AC_ECANCELED, and the lock stays free; the caught
 * cancellation lets the task finish normally. */
static void test_lock_pending_cancel(void **state) {
  ac_task *ts[] = {ac__frame_new(sizeof(struct pend_frame), pend_resume, 0,
                                 "pend"),
                   NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  loop = run_scripts(ts);
  assert_string_equal(g_log, "P:lock!ECANCELED P:locked=0");
  assert_int_equal(ac_task_error(ts[0]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* "async with": acquire + defer release                                    */
/* ------------------------------------------------------------------------ */

/* The deferred release runs on every way out: normal return, an error
 * raised inside, and a cancellation inside the critical section; each
 * time the next task in line gets the lock. */
static void test_lock_async_with(void **state) {
  static const sstep ok[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                             {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                             {.op = S_SLEEP, .d = 1.0},
                             END};
  static const sstep err[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                              {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                              {.op = S_SLEEP, .d = 1.0},
                              {.op = S_RAISE, .n = AC_EPROTO, .tag = "raise"},
                              {.op = S_LOG, .tag = "not reached"},
                              END};
  static const sstep slow[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                               {.op = S_DEFER_UNLOCK, .obj = &g_l, .tag = "u"},
                               {.op = S_SLEEP, .d = 100.0, .tag = "slept"},
                               END};
  static const sstep killer[] = {{.op = S_SLEEP, .d = 3.5},
                                 {.op = S_CANCEL, .obj = &g_victim},
                                 END};
  ac_task *ts[] = {script('A', ok), script('B', err), script('C', slow),
                   script('D', ok), script('K', killer), NULL};
  ac_loop *loop;
  (void)state;
  ac_lock_init(&g_l);
  g_victim = ts[2];
  loop = run_scripts(ts);
  assert_string_equal(g_log, "A:lock A:~u B:lock B:raise!EPROTO B:~u "
                             "C:lock C:slept!ECANCELED C:~u D:lock D:~u");
  assert_int_equal(ac_task_error(ts[1]), AC_EPROTO);
  assert_true(ac_task_cancelled(ts[2]));
  assert_true(ac_loop_time(loop) == 4.5);
  assert_false(ac_lock_locked(&g_l));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Deadlock, spawned acquires, loop close                                   */
/* ------------------------------------------------------------------------ */

/* A task waiting for a lock nobody will release: run_until_complete says
 * AC_ESTALLED; closing the loop cancels it (it unwinds, leaving the
 * line), and the lock is usable afterwards. */
static void test_lock_deadlock_stalls(void **state) {
  static const sstep a[] = {{.op = S_LOCK, .obj = &g_l}, END};
  static const sstep b[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"}, END};
  ac_task *ts[] = {script('A', a), script('B', b), NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_lock_init(&g_l);
  log_reset();
  spawn_list(loop, ts);
  assert_int_equal(ac_loop_run_until_complete(loop, &ts[1]->fut),
                   AC_ESTALLED);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "B:lock!ECANCELED");
  assert_true(list_empty(&g_l.waiters));
  assert_int_equal(ac_lock_release(&g_l), 0); /* A's */
}

/* The acquire as a task of its own (asyncio's create_task(lock.acquire())):
 * it waits in line like any other and takes the lock for its spawner. */
static void test_lock_acquire_task(void **state) {
  static const sstep a[] = {{.op = S_LOCK, .obj = &g_l, .tag = "lock"},
                            {.op = S_SLEEP, .d = 1.0},
                            {.op = S_UNLOCK, .obj = &g_l, .tag = "unlock"},
                            END};
  ac_task *ts[] = {script('A', a), NULL};
  ac_loop *loop = new_loop(1);
  ac_task *acq;
  (void)state;
  ac_lock_init(&g_l);
  log_reset();
  spawn_list(loop, ts);
  run_once(loop); /* A holds it */
  acq = AC_TASK(ac_lock_acquire(&g_l));
  ac_task *more[] = {acq, NULL};
  spawn_list(loop, more);
  assert_int_equal(ac_loop_run_until_complete(loop, &acq->fut), 0);
  assert_int_equal(ac_task_error(acq), 0);
  assert_true(ac_lock_locked(&g_l));
  assert_string_equal(g_log, "A:lock A:unlock");
  assert_int_equal(ac_lock_release(&g_l), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void stubborn_lock(void) {
 *   for (;;) { await ac_lock_acquire(&g_l) catch (err); g_tries++; }
 * }   A task that refuses every cancellation and queues again. */
static int g_tries;
struct stub_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step stub_resume(ac_task *ac_self) {
  struct stub_frame *ac_f = (struct stub_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (;;) {
    RT_AWAIT_CATCH(1, ac_lock_acquire(&g_l), ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
    g_tries++;
  }
}

/* A loop close frees a task still parked in the lock's line (it caught
 * its cancellation and queued again): its node leaves the line, which
 * the lock, living on, must not keep (ASan: no use after free).  A lock
 * the close had it in line for goes on to the next. */
static void test_lock_close_abandons(void **state) {
  ac_task *ts[] = {script('A', (const sstep[]){{.op = S_LOCK, .obj = &g_l},
                                               END}),
                   ac__frame_new(sizeof(struct stub_frame), stub_resume, 0,
                                 "stubborn"),
                   NULL};
  ac_loop *loop = new_loop(1);
  (void)state;
  ac_lock_init(&g_l);
  g_tries = 0;
  log_reset();
  spawn_list(loop, ts);
  run_idle(loop);
  assert_int_equal(g_tries, 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_tries, 1); /* caught the close's cancel, re-queued */
  assert_true(list_empty(&g_l.waiters));
  assert_true(ac_lock_locked(&g_l)); /* still A's */
  assert_int_equal(ac_lock_release(&g_l), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lock_errors),
      cmocka_unit_test(test_lock_fast_path),
      cmocka_unit_test(test_lock_fifo),
      cmocka_unit_test(test_lock_no_barging),
      cmocka_unit_test(test_lock_fairness),
      cmocka_unit_test(test_lock_cancel_waiting),
      cmocka_unit_test(test_lock_cancel_after_handoff),
      cmocka_unit_test(test_lock_cancel_outside),
      cmocka_unit_test(test_lock_pending_cancel),
      cmocka_unit_test(test_lock_async_with),
      cmocka_unit_test(test_lock_deadlock_stalls),
      cmocka_unit_test(test_lock_acquire_task),
      cmocka_unit_test(test_lock_close_abandons),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
