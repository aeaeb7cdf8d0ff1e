/* test_shield.c - ac_shield: asyncio.shield(). */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_worker_ran;           /* workers that got past their sleep */
static const void *g_worker_frame; /* the last worker's frame */

/* async int worker(double d, int fail) {
 *   await ac_sleep(d); g_worker_ran++;
 *   if (fail) await ac_raise(AC_EPROTO, "worker failed");
 *   return 7;
 * } */
typedef struct worker_task {
  ac_task ac_co;
  int ac_ret;
} worker_task;
struct worker_frame {
  ac_task ac_co;
  int ac_ret;
  double d;
  int fail;
  void *ac_aw[1];
};
static ac__step worker_resume(ac_task *ac_self) {
  struct worker_frame *ac_f = (struct worker_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  g_worker_frame = ac_self;
  RT_AWAIT(1, ac_sleep(ac_f->d));
  ac__release(&ac_f->ac_aw[0]);
  g_worker_ran++;
  if (ac_f->fail) {
    RT_AWAIT(2, ac_raise(AC_EPROTO, "worker failed"));
    ac__release(&ac_f->ac_aw[0]);
  }
  ac_f->ac_ret = 7;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static worker_task *worker(double d, int fail) {
  struct worker_frame *ac_f = ac__frame_new(sizeof *ac_f, worker_resume,
                                            AC__CO_INT_RESULT, "worker");
  if (ac_f) {
    ac_f->d = d;
    ac_f->fail = fail;
  }
  return (worker_task *)ac_f;
}

/* async void shield_new(double d, int fail, int self_cancel) {
 *   if (self_cancel) ac_task_cancel(<this task>);
 *   await ac_shield(worker(d, fail));
 * } */
struct shield_new_frame {
  ac_task ac_co;
  double d;
  int fail;
  int self_cancel;
  void *ac_aw[1];
};
static ac__step shield_new_resume(ac_task *ac_self) {
  struct shield_new_frame *ac_f = (struct shield_new_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  if (ac_f->self_cancel)
    assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT(1, ac_shield(worker(ac_f->d, ac_f->fail)));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *shield_new(double d, int fail, int self_cancel) {
  struct shield_new_frame *ac_f =
      ac__frame_new(sizeof *ac_f, shield_new_resume, 0, "shield_new");
  if (ac_f) {
    ac_f->d = d;
    ac_f->fail = fail;
    ac_f->self_cancel = self_cancel;
  }
  return &ac_f->ac_co;
}

/* async int shield_keep(worker_task *t) {
 *   await ac_shield(t); return t->ac_ret;
 * } */
typedef struct shield_keep_task {
  ac_task ac_co;
  int ac_ret;
} shield_keep_task;
struct shield_keep_frame {
  ac_task ac_co;
  int ac_ret;
  worker_task *t;
  void *ac_aw[1];
};
static ac__step shield_keep_resume(ac_task *ac_self) {
  struct shield_keep_frame *ac_f = (struct shield_keep_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_shield(ac_f->t));
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = ac_f->t->ac_ret;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static shield_keep_task *shield_keep(worker_task *t) {
  struct shield_keep_frame *ac_f = ac__frame_new(
      sizeof *ac_f, shield_keep_resume, AC__CO_INT_RESULT, "shield_keep");
  if (ac_f)
    ac_f->t = t;
  return (shield_keep_task *)ac_f;
}

/* async void shield_fut(ac_future *f) { await ac_shield(f); } */
struct shield_fut_frame {
  ac_task ac_co;
  ac_future *f;
  void *ac_aw[1];
};
static ac__step shield_fut_resume(ac_task *ac_self) {
  struct shield_fut_frame *ac_f = (struct shield_fut_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_shield(ac_f->f));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *shield_fut(ac_future *f) {
  struct shield_fut_frame *ac_f =
      ac__frame_new(sizeof *ac_f, shield_fut_resume, 0, "shield_fut");
  if (ac_f)
    ac_f->f = f;
  return &ac_f->ac_co;
}

/* async void shield_odd(int which) {
 *   await ac_shield(which ? <this task> : (worker_task *)NULL);
 * } */
struct shield_odd_frame {
  ac_task ac_co;
  int which;
  void *ac_aw[1];
};
static ac__step shield_odd_resume(ac_task *ac_self) {
  struct shield_odd_frame *ac_f = (struct shield_odd_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  if (ac_f->which) {
    RT_AWAIT(1, ac_shield(ac_self));
  } else {
    RT_AWAIT(2, ac_shield((worker_task *)NULL));
  }
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *shield_odd(int which) {
  struct shield_odd_frame *ac_f =
      ac__frame_new(sizeof *ac_f, shield_odd_resume, 0, "shield_odd");
  if (ac_f)
    ac_f->which = which;
  return &ac_f->ac_co;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Cancels the task arg. */
static void cancel_cb(void *arg) { assert_int_equal(ac_task_cancel(arg), 0); }

/* Spawns the task arg from a loop callback. */
static void spawn_one_cb(void *arg) { assert_non_null(ac_task_spawn(arg)); }

/* Completes the future arg with the value arg. */
static void settle_cb(void *arg) {
  assert_int_equal(ac_future_set_result(arg, arg), 0);
}

static int g_reports; /* unretrieved-error reports */
static void count_report(ac_task *t, int err, const char *msg, void *ud) {
  (void)t;
  (void)err;
  (void)msg;
  (void)ud;
  g_reports++;
}

/* An allocator that notes when the last worker's frame is freed. */
static int g_worker_freed;
static void *watch_alloc(size_t size, void *ud) {
  (void)ud;
  return malloc(size);
}
static void watch_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  if (ptr == g_worker_frame)
    g_worker_freed = 1;
  free(ptr);
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* The awaiting task is cancelled: its shield fails with AC_ECANCELED at
 * once, while the worker the shield spawned goes on, finishes, and is
 * freed then (the shield released it).  Its error, after the shield gave
 * up on it, counts as retrieved (asyncio): no report. */
static void test_shield_outer_cancelled(void **state) {
  ac_allocator a = {watch_alloc, watch_free, NULL};
  ac_loop *loop;
  ac_task *t;
  ac_handle h = {0};
  int fail;
  (void)state;
  assert_int_equal(ac_set_allocator(&a), 0);
  ac_set_unretrieved_handler(count_report, NULL);
  for (fail = 0; fail < 2; fail++) {
    loop = new_loop(1);
    t = shield_new(5.0, fail, 0);
    g_worker_ran = 0;
    g_worker_freed = 0;
    g_reports = 0;
    assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
    assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
    assert_true(ac_task_cancelled(t));
    assert_true(ac_loop_time(loop) == 1.0);
    assert_int_equal(g_worker_ran, 0); /* still asleep */
    assert_int_equal(g_worker_freed, 0);
    assert_int_equal(ac_call_later(loop, &h, 10.0, stop_cb, loop), 0);
    assert_int_equal(ac_loop_run_forever(loop), 0);
    assert_int_equal(g_worker_ran, 1); /* not cancelled: it ran on */
    assert_int_equal(g_worker_freed, 1); /* released by the shield */
    assert_int_equal(g_reports, 0);
    assert_int_equal(ac_loop_close(loop), 0);
  }
  ac_set_unretrieved_handler(NULL, NULL);
  assert_int_equal(ac_set_allocator(NULL), 0);
}

/* A task already being cancelled when it reaches the shield fails at
 * once, and the worker still runs. */
static void test_shield_cancelled_before(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = shield_new(2.0, 0, 1);
  (void)state;
  g_worker_ran = 0;
  g_worker_frame = NULL;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_cancelled(t));
  assert_true(ac_loop_time(loop) == 0.0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_non_null(g_worker_frame); /* the worker started */
  assert_int_equal(g_worker_ran, 0);
  assert_int_equal(ac_loop_close(loop), 0); /* cancels the worker */
}

/* Uncancelled, the shield gives the worker's outcome: success (the caller
 * reads the result through its own handle) or the error and message. */
static void test_shield_passes_outcome(void **state) {
  ac_loop *loop = new_loop(1);
  worker_task *w = worker(1.0, 0);
  shield_keep_task *t = shield_keep(w);
  ac_task *n;
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, spawn_one_cb, w), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_int_equal(t->ac_ret, 7);
  assert_true(ac_loop_time(loop) == 1.0);
  n = shield_new(1.0, 1, 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &n->fut), 0);
  assert_int_equal(ac_task_error(n), AC_EPROTO);
  assert_string_equal(ac_future_message(&n->fut), "worker failed");
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_run(shield_new(0.5, 1, 0)), AC_EPROTO);
}

/* A shield of a plain future: completes when the future does; the
 * awaiting task's cancel does not cancel the future. */
static void test_shield_future(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future f;
  ac_task *t = shield_fut(&f);
  ac_handle h = {0};
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_call_later(loop, &h, 1.0, settle_cb, &f), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(ac_task_error(t), 0);
  assert_true(ac_future_done(&f));
  ac_future_init(&f);
  t = shield_fut(&f);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_cancelled(t));
  assert_false(ac_future_done(&f)); /* shielded */
  assert_true(f.waiters.next == &f.waiters); /* its callback is gone */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A shield of a task that is already done completes at once with its
 * outcome. */
static void test_shield_done_task(void **state) {
  ac_loop *loop = new_loop(1);
  worker_task *w = worker(0, 1);
  shield_keep_task *t = shield_keep(w);
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, spawn_one_cb, w), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(w)), 0);
  assert_int_equal(ac_task_error(AC_TASK(w)), AC_EPROTO);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_EPROTO);
  assert_string_equal(ac_future_message(AC_FUTURE(t)), "worker failed");
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Awaiting a shield of NULL fails with AC_ENOMEM; a task shielding itself
 * fails with AC_EINVAL instead of waiting forever. */
static void test_shield_null_and_self(void **state) {
  (void)state;
  assert_null(ac_shield((worker_task *)NULL));
  assert_int_equal(ac_run(shield_odd(0)), AC_ENOMEM);
  assert_int_equal(ac_run(shield_odd(1)), AC_EINVAL);
}

static ac_task *g_spawned_shield; /* a shield spawned as a task */

/* Spawns a shield of the coroutine arg, which is being awaited. */
static void shield_awaited_cb(void *arg) {
  g_spawned_shield = ac_spawn(ac_shield((nap_task *)arg));
  assert_non_null(g_spawned_shield);
}

/* A shield of a coroutine that is being awaited fails with AC_EREUSED
 * (here the shield runs as a task of its own); with no loop running, a
 * shield of a coroutine destroys it and fails with AC_ENOLOOP. */
static void test_shield_edges(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *c = nap(1.0);
  wait_on_task *t = wait_on(c);
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_later(loop, &h, 0.5, shield_awaited_cb, c), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_int_equal(ac_task_error(g_spawned_shield), AC_EREUSED);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_run(ac_shield(worker(1.0, 0))), AC_ENOLOOP);
}

/* Closing the loop while a task waits in a shield: the task is cancelled
 * through the shield, the worker by the close itself; everything is freed
 * (ASan). */
static void test_shield_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = shield_new(5.0, 0, 0);
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  g_worker_ran = 0;
  assert_int_equal(ac_call_soon(loop, &h, spawn_one_cb, t), 0);
  assert_int_equal(ac_call_later(loop, &h2, 1.0, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_false(ac_task_done(t)); /* in its shield */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_worker_ran, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shield_outer_cancelled),
      cmocka_unit_test(test_shield_cancelled_before),
      cmocka_unit_test(test_shield_passes_outcome),
      cmocka_unit_test(test_shield_future),
      cmocka_unit_test(test_shield_done_task),
      cmocka_unit_test(test_shield_null_and_self),
      cmocka_unit_test(test_shield_edges),
      cmocka_unit_test(test_shield_close),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
