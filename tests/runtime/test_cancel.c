/* test_cancel.c - catching errors (ac__catch), ac_raise, and cancellation
 * as in asyncio: cancelling what a task awaits, cancelling(), uncancel(),
 * cancellation messages. */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_log[8]; /* frames in the order they unwound */
static int g_nlog;

/* async void r1(void) {
 *   defer log(1); await ac_raise(AC_EPROTO, "bad header");
 * }                            (the defer is the log call at ac_fail) */
struct r1_frame {
  ac_task ac_co;
  void *ac_aw[1];
};
static ac__step r1_resume(ac_task *ac_self) {
  struct r1_frame *ac_f = (struct r1_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_raise(AC_EPROTO, "bad header"));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  g_log[g_nlog++] = 1;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *r1(void) {
  return ac__frame_new(sizeof(struct r1_frame), r1_resume, 0, "r1");
}

/* async void rn(int n) { defer log(n); await (n == 2 ? r1() : rn(n - 1)); } */
struct rn_frame {
  ac_task ac_co;
  int n;
  void *ac_aw[1];
};
static ac_task *rn(int n);
static ac__step rn_resume(ac_task *ac_self) {
  struct rn_frame *ac_f = (struct rn_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->n == 2 ? r1() : rn(ac_f->n - 1));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  g_log[g_nlog++] = ac_f->n;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *rn(int n) {
  struct rn_frame *ac_f = ac__frame_new(sizeof *ac_f, rn_resume, 0, "rn");
  if (ac_f)
    ac_f->n = n;
  return &ac_f->ac_co;
}

static int g_caught;          /* the error a frame caught */
static const char *g_caught_msg; /* and its message */
static int g_err_after_catch; /* self->fut.err right after the catch */

/* async int catcher(void) {
 *   await ac_raise(AC_ETIMEDOUT, "late") catch (err, msg);
 *   return await one() + 9;      // goes on after the catch
 * } */
typedef struct catcher_task {
  ac_task ac_co;
  int ac_ret;
} catcher_task;
struct catcher_frame {
  ac_task ac_co;
  int ac_ret;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step catcher_resume(ac_task *ac_self) {
  struct catcher_frame *ac_f = (struct catcher_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_AWAIT_CATCH(1, ac_raise(AC_ETIMEDOUT, "late"), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_caught = ac_f->err;
  g_caught_msg = ac_f->msg;
  g_err_after_catch = ac_self->fut.err;
  RT_AWAIT(2, one());
  ac_f->ac_ret = ((one_task *)ac_f->ac_aw[0])->ac_ret + 9;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static catcher_task *catcher(void) {
  struct catcher_frame *ac_f = ac__frame_new(
      sizeof *ac_f, catcher_resume, AC__CO_INT_RESULT, "catcher");
  return (catcher_task *)ac_f;
}

/* async int stubborn(void) {
 *   await ac_sleep(10) catch (err, msg);  // a cancel is caught...
 *   await ac_sleep(1);                    // ...and the task goes on
 *   return err == AC_ECANCELED ? 99 : 0;
 * } */
typedef struct stubborn_task {
  ac_task ac_co;
  int ac_ret;
} stubborn_task;
struct stubborn_frame {
  ac_task ac_co;
  int ac_ret;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step stubborn_resume(ac_task *ac_self) {
  struct stubborn_frame *ac_f = (struct stubborn_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_AWAIT_CATCH(1, ac_sleep(10), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_caught = ac_f->err;
  g_caught_msg = ac_f->msg;
  RT_AWAIT(2, ac_sleep(1));
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = ac_f->err == AC_ECANCELED ? 99 : 0;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static stubborn_task *stubborn(void) {
  struct stubborn_frame *ac_f = ac__frame_new(
      sizeof *ac_f, stubborn_resume, AC__CO_INT_RESULT, "stubborn");
  return (stubborn_task *)ac_f;
}

/* async int plus_one(stubborn_task *t) { return await t + 1; } */
typedef struct plus_one_task {
  ac_task ac_co;
  int ac_ret;
} plus_one_task;
struct plus_one_frame {
  ac_task ac_co;
  int ac_ret;
  stubborn_task *t;
  void *ac_aw[1];
};
static ac__step plus_one_resume(ac_task *ac_self) {
  struct plus_one_frame *ac_f = (struct plus_one_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->t);
  ac_f->ac_ret = ((stubborn_task *)ac_f->ac_aw[0])->ac_ret + 1;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static plus_one_task *plus_one(stubborn_task *t) {
  struct plus_one_frame *ac_f = ac__frame_new(
      sizeof *ac_f, plus_one_resume, AC__CO_INT_RESULT, "plus_one");
  if (ac_f)
    ac_f->t = t;
  return (plus_one_task *)ac_f;
}

static int g_body_ran; /* mark's body ran */

/* async void mark(void) { g_body_ran = 1; } */
struct mark_frame {
  ac_task ac_co;
};
static ac__step mark_resume(ac_task *ac_self) {
  RT_DISPATCH();
  g_body_ran = 1;
  return AC__DONE;
}
static ac_task *mark(void) {
  return ac__frame_new(sizeof(struct mark_frame), mark_resume, 0, "mark");
}

/* async void chain(int n, void *aw) {
 *   defer log(n); if (n == 0) await aw; else await chain(n - 1, aw);
 * } */
struct chain_frame {
  ac_task ac_co;
  int n;
  void *aw;
  void *ac_aw[1];
};
static ac_task *chain(int n, void *aw);
static ac__step chain_resume(ac_task *ac_self) {
  struct chain_frame *ac_f = (struct chain_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->n == 0 ? ac_f->aw : (void *)chain(ac_f->n - 1, ac_f->aw));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  if (g_nlog < 8)
    g_log[g_nlog++] = ac_f->n;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *chain(int n, void *aw) {
  struct chain_frame *ac_f =
      ac__frame_new(sizeof *ac_f, chain_resume, 0, "chain");
  if (ac_f) {
    ac_f->n = n;
    ac_f->aw = aw;
  }
  return &ac_f->ac_co;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Cancels the task arg. */
static void cancel_cb(void *arg) { assert_int_equal(ac_task_cancel(arg), 0); }

/* Cancels the task arg with the message "stop". */
static void cancel_stop_cb(void *arg) {
  assert_int_equal(ac_task_cancel_msg(arg, "stop"), 0);
}

/* Spawn every task of a NULL-terminated array from a loop callback. */
static void spawn_all_cb(void *arg) {
  ac_task **t = arg;
  for (; *t != NULL; t++)
    assert_non_null(ac_task_spawn(*t));
}

/* Spawn tasks (NULL-terminated) on loop and run one iteration: they are
 * spawned, not started. */
static void spawn_all(ac_loop *loop, ac_task **tasks) {
  ac_handle h = {0};
  assert_int_equal(ac_call_soon(loop, &h, spawn_all_cb, tasks), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Run loop until nothing is left to do at virtual time `until`. */
static void run_until(ac_loop *loop, double until) {
  ac_handle h = {0};
  assert_int_equal(ac_call_at(loop, &h, until, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

static unsigned long g_allocs; /* allocations through count_alloc */
static void *count_alloc(size_t size, void *ud) {
  (void)ud;
  g_allocs++;
  return malloc(size);
}
static void count_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  free(ptr);
}

/* ------------------------------------------------------------------------ */
/* Catching and ac_raise                                                    */
/* ------------------------------------------------------------------------ */

/* ac_raise needs no loop and no allocation; an await of it from a frame
 * with no task running (as a generator's) does not suspend and fails with
 * its error and message; ac__catch takes them and clears the frame. */
static void test_raise_and_catch_without_loop(void **state) {
  ac_allocator a = {count_alloc, count_free, NULL};
  ac_task *self;
  ac_future *f;
  const char *msg = "unset";
  (void)state;
  assert_int_equal(ac_set_allocator(&a), 0);
  g_allocs = 0;
  self = r1(); /* just a frame to record into: never run */
  assert_non_null(self);
  assert_int_equal(g_allocs, 1);
  f = ac_raise(AC_EPROTO, "bad header");
  assert_int_equal(g_allocs, 1); /* ac_raise allocated nothing */
  assert_true(ac_future_done(f));
  assert_false(ac_future_cancelled(f));
  assert_int_equal(ac_future_error(f), AC_EPROTO);
  assert_string_equal(ac_future_message(f), "bad header");
  assert_int_equal(ac__await(self, f), 1);
  assert_int_equal(ac__check(self, f), 1);
  assert_int_equal(ac__catch(self, &msg), AC_EPROTO);
  assert_string_equal(msg, "bad header");
  assert_int_equal(self->fut.err, 0);
  assert_null(self->fut.msg);
  assert_int_equal(ac__catch(self, &msg), 0); /* nothing left */
  assert_null(msg);
  assert_int_equal(ac__catch(NULL, NULL), AC_EINVAL);
  f = ac_raise(5, "positive");
  assert_int_equal(ac_future_error(f), AC_EINVAL);
  f = ac_raise(AC_ECANCELED, NULL);
  assert_true(ac_future_cancelled(f));
  assert_int_equal(ac__check(self, f), 1);
  assert_int_equal(ac__catch(self, NULL), AC_ECANCELED);
  assert_int_equal(g_allocs, 1);
  ac_free(self, self->size);
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing left live */
}

/* A caught error is cleared from the frame, which goes on (and awaits
 * again); the task succeeds. */
static void test_catch_goes_on(void **state) {
  (void)state;
  g_caught = 0;
  g_caught_msg = NULL;
  g_err_after_catch = -1;
  assert_int_equal(ac_run(catcher()), 10);
  assert_int_equal(g_caught, AC_ETIMEDOUT);
  assert_string_equal(g_caught_msg, "late");
  assert_int_equal(g_err_after_catch, 0);
}

/* `await ac_raise(...)` three inline awaits deep: the frames unwind
 * innermost first, and the error and message reach the task. */
static void test_raise_unwinds_three_frames(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = rn(4); /* rn(4) -> rn(3) -> rn(2) -> r1 */
  (void)state;
  g_nlog = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(ac_task_error(t), AC_EPROTO);
  assert_string_equal(ac_future_message(&t->fut), "bad header");
  assert_int_equal(g_nlog, 4);
  assert_int_equal(g_log[0], 1);
  assert_int_equal(g_log[1], 2);
  assert_int_equal(g_log[2], 3);
  assert_int_equal(g_log[3], 4);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_run(rn(3)), AC_EPROTO);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* Cancelling a task parked on a plain future cancels the future (with the
 * cancel's message), which wakes the task: its await fails with
 * AC_ECANCELED and that message. */
static void test_cancel_cancels_awaited_future(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future f;
  wait_on_task *t = wait_on(&f);
  ac_task *ts[] = {AC_TASK(t), NULL};
  (void)state;
  ac_future_init(&f);
  spawn_all(loop, ts);
  run_until(loop, 1.0); /* parked on f */
  assert_ptr_equal(AC_TASK(t)->waiting, &f);
  assert_int_equal(ac_task_cancel_msg(AC_TASK(t), "stop"), 0);
  assert_true(ac_future_cancelled(&f)); /* at once */
  assert_string_equal(ac_future_message(&f), "stop");
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_task_cancelled(AC_TASK(t)));
  assert_string_equal(ac_future_message(AC_FUTURE(t)), "stop");
  assert_int_equal(ac_task_cancelling(AC_TASK(t)), 1);
  assert_int_equal(ac_task_cancel(AC_TASK(t)), AC_ESTATE);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Cancelling a task that awaits another task asks the inner one to cancel
 * (here, in its sleep); the outer one waits for it and gets its outcome,
 * cancelled.  ac_future_cancel on a task does the same. */
static void test_cancel_reaches_awaited_task(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *inner = nap(10.0);
  wait_on_task *outer = wait_on(inner);
  ac_task *ts[] = {AC_TASK(inner), AC_TASK(outer), NULL};
  ac_handle h = {0};
  (void)state;
  spawn_all(loop, ts);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, outer), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(outer)), 0);
  assert_true(ac_task_cancelled(AC_TASK(inner)));
  assert_true(ac_task_cancelled(AC_TASK(outer)));
  assert_int_equal(ac_task_cancelling(AC_TASK(inner)), 1);
  assert_int_equal(ac_task_cancelling(AC_TASK(outer)), 1);
  assert_true(ac_loop_time(loop) == 1.0); /* the sleep did not run out */
  assert_int_equal(ac_loop_close(loop), 0);

  loop = new_loop(1);
  inner = nap(10.0);
  outer = wait_on(inner);
  ts[0] = AC_TASK(inner);
  ts[1] = AC_TASK(outer);
  spawn_all(loop, ts);
  run_until(loop, 1.0);
  assert_int_equal(ac_future_cancel(AC_FUTURE(outer)), 0);
  assert_int_equal(ac_task_cancelling(AC_TASK(inner)), 1);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(outer)), 0);
  assert_true(ac_task_cancelled(AC_TASK(inner)));
  assert_true(ac_task_cancelled(AC_TASK(outer)));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* An inner task that catches the cancellation and returns a value: the
 * outer task, whose cancel reached it, gets that value and succeeds
 * (asyncio).  The inner task went on (a second sleep) after catching. */
static void test_suppressed_cancel_gives_value(void **state) {
  ac_loop *loop = new_loop(1);
  stubborn_task *inner = stubborn();
  plus_one_task *outer = plus_one(inner);
  ac_task *ts[] = {AC_TASK(inner), AC_TASK(outer), NULL};
  ac_handle h = {0};
  (void)state;
  g_caught = 0;
  spawn_all(loop, ts);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_stop_cb, outer), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(outer)), 0);
  assert_int_equal(g_caught, AC_ECANCELED);
  assert_string_equal(g_caught_msg, "stop");
  assert_int_equal(ac_task_error(AC_TASK(inner)), 0);
  assert_int_equal(inner->ac_ret, 99);
  assert_int_equal(ac_task_error(AC_TASK(outer)), 0);
  assert_false(ac_task_cancelled(AC_TASK(outer)));
  assert_int_equal(outer->ac_ret, 100);
  assert_true(ac_loop_time(loop) == 2.0); /* 1 + the second sleep */
  assert_int_equal(ac_task_cancelling(AC_TASK(inner)), 1);
  assert_int_equal(ac_task_cancelling(AC_TASK(outer)), 1);
  assert_int_equal(ac_task_uncancel(AC_TASK(inner)), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task cancelled before it first runs never runs its body. */
static void test_cancel_before_first_run(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = mark();
  ac_task *ts[] = {t, NULL};
  (void)state;
  g_body_ran = 0;
  spawn_all(loop, ts);
  assert_int_equal(ac_task_cancel(t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_cancelled(t));
  assert_int_equal(g_body_ran, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Cancelling a sleeping task wakes it at once: under the virtual clock,
 * time does not move to the sleep's end.  The message reaches it. */
static void test_cancel_sleeper_wakes_at_once(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *t = nap(100.0);
  ac_task *ts[] = {AC_TASK(t), NULL};
  (void)state;
  spawn_all(loop, ts);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* now asleep */
  assert_false(ac_task_done(AC_TASK(t)));
  assert_int_equal(ac_task_cancel_msg(AC_TASK(t), "wake up"), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_task_cancelled(AC_TASK(t)));
  assert_string_equal(ac_future_message(AC_FUTURE(t)), "wake up");
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* cancelling() counts requests; uncancel() takes them back, and at 0 a
 * request the task has not seen yet is dropped: the sleeper, woken by the
 * cancel, goes back to sleep and finishes normally. */
static void test_cancelling_and_uncancel(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *t = nap(1.0);
  ac_task *ts[] = {AC_TASK(t), NULL};
  ac_task *co = mark();
  (void)state;
  spawn_all(loop, ts);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* asleep */
  assert_int_equal(ac_task_cancelling(AC_TASK(t)), 0);
  assert_int_equal(ac_task_cancel(AC_TASK(t)), 0);
  assert_int_equal(ac_task_cancel(AC_TASK(t)), 0);
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_cancelling(AC_TASK(t)), 3);
  assert_int_equal(ac_task_uncancel(AC_TASK(t)), 2);
  assert_int_equal(ac_task_uncancel(AC_TASK(t)), 1);
  assert_int_equal(ac_task_uncancel(AC_TASK(t)), 0);
  assert_int_equal(ac_task_uncancel(AC_TASK(t)), 0); /* not below 0 */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_false(ac_task_cancelled(AC_TASK(t)));
  assert_true(ac_loop_time(loop) == 1.0);
  /* edges */
  assert_int_equal(ac_task_cancel(NULL), AC_EINVAL);
  assert_int_equal(ac_task_cancel(co), AC_EINVAL); /* not a task */
  assert_int_equal(ac_task_uncancel(NULL), AC_EINVAL);
  assert_int_equal(ac_task_uncancel(co), AC_EINVAL);
  assert_int_equal(ac_task_cancelling(NULL), 0);
  assert_false(ac_task_cancelled(NULL));
  assert_false(ac_task_cancelled(co));
  assert_int_equal(ac_loop_close(loop), 0);
  ac_free(co, co->size);
}

/* Cancelling a task parked at the bottom of a chain of inline awaits, on a
 * future or in a sleep: every frame unwinds, innermost first, and each
 * frame is freed once (ASan: no leak, no use after free). */
static void test_cancel_inline_chain(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future f;
  ac_task *t = chain(3, &f);
  ac_task *ts[] = {t, NULL};
  (void)state;
  ac_future_init(&f);
  g_nlog = 0;
  spawn_all(loop, ts);
  run_until(loop, 1.0);
  assert_int_equal(ac_task_cancel(t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_cancelled(t));
  assert_true(ac_future_cancelled(&f));
  assert_int_equal(g_nlog, 4);
  assert_int_equal(g_log[0], 0);
  assert_int_equal(g_log[3], 3);
  assert_int_equal(ac_task_release(t), 0);

  g_nlog = 0;
  t = chain(3, ac_sleep(50));
  ts[0] = t;
  spawn_all(loop, ts);
  run_until(loop, 2.0);
  assert_int_equal(ac_task_cancel(t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_cancelled(t));
  assert_int_equal(g_nlog, 4);
  assert_true(ac_loop_time(loop) == 2.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Two tasks awaiting each other (a deadlock): a cancel of either does not
 * loop forever; the task that closes the cycle is woken cancelled, and the
 * other gets its outcome. */
static void test_cancel_await_cycle(void **state) {
  ac_loop *loop = new_loop(1);
  wait_on_task *a = wait_on(NULL);
  wait_on_task *b = wait_on(a);
  ac_task *ts[] = {AC_TASK(a), AC_TASK(b), NULL};
  (void)state;
  ((struct wait_on_frame *)(void *)a)->aw = b;
  spawn_all(loop, ts);
  run_until(loop, 1.0);
  assert_false(ac_task_done(AC_TASK(a)));
  assert_int_equal(ac_task_cancel(AC_TASK(a)), 0);
  assert_int_equal(ac_task_cancelling(AC_TASK(a)), 1);
  assert_int_equal(ac_task_cancelling(AC_TASK(b)), 1);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  assert_true(ac_task_cancelled(AC_TASK(a)));
  assert_true(ac_task_cancelled(AC_TASK(b)));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Closing a loop cancels its tasks but not the plain futures they await,
 * which may be shared with other loops. */
static void test_close_leaves_futures_alone(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future f;
  wait_on_task *t = wait_on(&f);
  ac_task *ts[] = {AC_TASK(t), NULL};
  (void)state;
  ac_future_init(&f);
  spawn_all(loop, ts);
  run_until(loop, 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_false(ac_future_done(&f));
  assert_true(f.waiters.next == &f.waiters);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_raise_and_catch_without_loop),
      cmocka_unit_test(test_catch_goes_on),
      cmocka_unit_test(test_raise_unwinds_three_frames),
      cmocka_unit_test(test_cancel_cancels_awaited_future),
      cmocka_unit_test(test_cancel_reaches_awaited_task),
      cmocka_unit_test(test_suppressed_cancel_gives_value),
      cmocka_unit_test(test_cancel_before_first_run),
      cmocka_unit_test(test_cancel_sleeper_wakes_at_once),
      cmocka_unit_test(test_cancelling_and_uncancel),
      cmocka_unit_test(test_cancel_inline_chain),
      cmocka_unit_test(test_cancel_await_cycle),
      cmocka_unit_test(test_close_leaves_futures_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
