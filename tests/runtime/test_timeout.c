/* test_timeout.c - timeout scopes (asyncio.timeout) and ac_wait_for
 * (asyncio.wait_for). */
#include "rt_test.h"

#include <math.h>

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_log[16]; /* defers in the order they ran */
static int g_nlog;
static void log_it(int v) {
  if (g_nlog < 16)
    g_log[g_nlog++] = v;
}

static double now(void) { return ac_loop_time(ac_loop_current()); }

/* async int chain(int n, double d) {
 *   defer log(n);
 *   if (n == 0) { await ac_sleep(d); return 7; }
 *   return await chain(n - 1, d);
 * } */
typedef struct chain_task {
  ac_task ac_co;
  int ac_ret;
} chain_task;
struct chain_frame {
  ac_task ac_co;
  int ac_ret;
  int n;
  double d;
  void *ac_aw[1];
};
static chain_task *chain(int n, double d);
static ac__step chain_resume(ac_task *ac_self) {
  struct chain_frame *ac_f = (struct chain_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  if (ac_f->n == 0) {
    RT_AWAIT(1, ac_sleep(ac_f->d));
    ac__release(&ac_f->ac_aw[0]);
    ac_f->ac_ret = 7;
  } else {
    RT_AWAIT(2, chain(ac_f->n - 1, ac_f->d));
    ac_f->ac_ret = ((chain_task *)ac_f->ac_aw[0])->ac_ret;
    ac__release(&ac_f->ac_aw[0]);
  }
  log_it(ac_f->n);
  return AC__DONE;
ac_fail:
  log_it(ac_f->n);
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static chain_task *chain(int n, double d) {
  struct chain_frame *ac_f =
      ac__frame_new(sizeof *ac_f, chain_resume, AC__CO_INT_RESULT, "chain");
  if (ac_f) {
    ac_f->n = n;
    ac_f->d = d;
  }
  return (chain_task *)ac_f;
}

/* async int catcher(double d, double more) {
 *   await ac_sleep(d) catch (err);   // a deadline is caught...
 *   await ac_sleep(more);            // ...and it goes on
 *   return err == AC_ETIMEDOUT ? 42 : 1;
 * } */
typedef struct catcher_task {
  ac_task ac_co;
  int ac_ret;
} catcher_task;
struct catcher_frame {
  ac_task ac_co;
  int ac_ret;
  double d;
  double more;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step catcher_resume(ac_task *ac_self) {
  struct catcher_frame *ac_f = (struct catcher_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_AWAIT_CATCH(1, ac_sleep(ac_f->d), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  RT_AWAIT(2, ac_sleep(ac_f->more));
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = ac_f->err == AC_ETIMEDOUT ? 42 : ac_f->err == AC_ECANCELED ? 43 : 1;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static catcher_task *catcher(double d, double more) {
  struct catcher_frame *ac_f =
      ac__frame_new(sizeof *ac_f, catcher_resume, AC__CO_INT_RESULT, "catcher");
  if (ac_f) {
    ac_f->d = d;
    ac_f->more = more;
  }
  return (catcher_task *)ac_f;
}

/* What a scoped frame saw. */
static int g_err;           /* the await's error */
static const char *g_msg;   /* ...and message */
static int g_err2;          /* a second await's error */
static int g_value;         /* a value awaited */
static int g_expired;       /* ac_timeout_expired of the scope(s) */
static int g_expired2;
static int g_r;             /* ac_timeout_enter's result */
static double g_t;          /* loop time after the await */

/* async void scoped(double deadline, void *aw) {
 *   ac_timeout_scope ts; enter(&ts, deadline); defer exit(&ts), log(100);
 *   await aw catch (err);      // if catch_it, else propagates
 *   exit(&ts); expired = ...;
 * } */
struct scoped_frame {
  ac_task ac_co;
  double deadline;
  void *aw;
  int catch_it;
  ac_timeout_scope ts;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step scoped_resume(ac_task *ac_self) {
  struct scoped_frame *ac_f = (struct scoped_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  g_r = ac_timeout_enter(&ac_f->ts, ac_f->deadline);
  if (ac_f->catch_it) {
    RT_AWAIT_CATCH(1, ac_f->aw, ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
  } else {
    RT_AWAIT(2, ac_f->aw);
    ac__release(&ac_f->ac_aw[0]);
  }
  g_err = ac_f->err;
  g_msg = ac_f->msg;
  g_t = now();
  ac_timeout_exit(&ac_f->ts);
  g_expired = ac_timeout_expired(&ac_f->ts);
  log_it(100);
  return AC__DONE;
ac_fail:
  ac_timeout_exit(&ac_f->ts); /* the defer */
  g_expired = ac_timeout_expired(&ac_f->ts);
  g_t = now();
  log_it(100);
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *scoped(double deadline, void *aw, int catch_it) {
  struct scoped_frame *ac_f =
      ac__frame_new(sizeof *ac_f, scoped_resume, 0, "scoped");
  if (ac_f) {
    ac_f->deadline = deadline;
    ac_f->aw = aw;
    ac_f->catch_it = catch_it;
  }
  return &ac_f->ac_co;
}

/* Run the task t (a coroutine) on a fresh loop to completion; returns the
 * loop, left open. */
static ac_loop *run(ac_task *t) {
  ac_loop *loop = new_loop(1);
  g_nlog = 0;
  g_err = g_err2 = 1;
  g_msg = NULL;
  g_value = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  return loop;
}

/* ------------------------------------------------------------------------ */
/* Timeout scopes                                                           */
/* ------------------------------------------------------------------------ */

/* The deadline passes during a chain of three inline awaits: the sleep at
 * its end fails with AC_ETIMEDOUT, every frame unwinds innermost first
 * (their defers run), then the scope's own; the task fails with it. */
static void test_scope_unwinds_chain(void **state) {
  ac_task *t = scoped(1.0, chain(2, 5.0), 0);
  ac_loop *loop;
  (void)state;
  loop = run(t);
  assert_int_equal(g_r, 0);
  assert_int_equal(ac_task_error(t), AC_ETIMEDOUT);
  assert_string_equal(ac_future_message(&t->fut), "deadline exceeded");
  assert_int_equal(g_nlog, 4);
  assert_int_equal(g_log[0], 0);
  assert_int_equal(g_log[1], 1);
  assert_int_equal(g_log[2], 2);
  assert_int_equal(g_log[3], 100);
  assert_true(g_expired);
  assert_true(g_t == 1.0);
  assert_int_equal(ac_task_cancelling(t), 0); /* no cancel request */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* In time: the deadline never fires; after exit it no longer applies. */
static void test_scope_in_time(void **state) {
  ac_task *t = scoped(1.0, chain(0, 0.5), 1);
  ac_loop *loop;
  (void)state;
  loop = run(t);
  assert_int_equal(g_err, 0);
  assert_false(g_expired);
  assert_true(g_t == 0.5);
  assert_int_equal(ac_task_error(t), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void nest(double outer, double inner, double d) {
 *   enter(&o, outer); enter(&i, inner);
 *   await ac_sleep(d) catch (err);
 *   exit(&i); expired2 = expired(&i);
 *   await ac_sleep(0.25) catch (err2);   // still inside the outer scope
 *   exit(&o); expired = expired(&o);
 * } */
struct nest_frame {
  ac_task ac_co;
  double outer, inner, d;
  ac_timeout_scope o, i;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step nest_resume(ac_task *ac_self) {
  struct nest_frame *ac_f = (struct nest_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  assert_int_equal(ac_timeout_enter(&ac_f->o, ac_f->outer), 0);
  assert_int_equal(ac_timeout_enter(&ac_f->i, ac_f->inner), 0);
  RT_AWAIT_CATCH(1, ac_sleep(ac_f->d), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  g_t = now();
  assert_int_equal(ac_timeout_exit(&ac_f->i), 0);
  g_expired2 = ac_timeout_expired(&ac_f->i);
  RT_AWAIT_CATCH(2, ac_sleep(0.25), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err2 = ac_f->err;
  assert_int_equal(ac_timeout_exit(&ac_f->o), 0);
  g_expired = ac_timeout_expired(&ac_f->o);
  return AC__DONE;
}
static ac_task *nest(double outer, double inner, double d) {
  struct nest_frame *ac_f = ac__frame_new(sizeof *ac_f, nest_resume, 0, "nest");
  if (ac_f) {
    ac_f->outer = outer;
    ac_f->inner = inner;
    ac_f->d = d;
  }
  return &ac_f->ac_co;
}

/* Nested scopes: whichever deadline passes first is delivered, once: a
 * task that catches it goes on inside the outer scope undisturbed. */
static void test_scope_nested(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(nest(2.0, 0.5, 5.0)); /* the inner one first */
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 0.5);
  assert_true(g_expired2);
  assert_int_equal(g_err2, 0);
  assert_false(g_expired);
  assert_int_equal(ac_loop_close(loop), 0);

  loop = run(nest(0.5, 2.0, 5.0)); /* the outer one first */
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 0.5);
  assert_false(g_expired2);
  assert_true(g_expired);
  assert_int_equal(g_err2, 0); /* delivered once */
  assert_true(ac_loop_time(loop) == 0.75);
  assert_int_equal(ac_loop_close(loop), 0);

  loop = run(nest(1.0, 1.0, 5.0)); /* both at once: one delivery */
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_expired2);
  assert_true(g_expired);
  assert_int_equal(g_err2, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task that catches the expiry goes on (the scope is not level
 * triggered); a value comes out. */
static void test_scope_caught(void **state) {
  catcher_task *c = catcher(5.0, 1.0);
  ac_task *t = scoped(1.0, c, 1);
  ac_loop *loop;
  (void)state;
  loop = run(t);
  assert_int_equal(g_err, 0);
  assert_true(g_t == 2.0);
  assert_true(g_expired);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A real cancel during the scope stays AC_ECANCELED. */
static void cancel_cb(void *arg) { assert_int_equal(ac_task_cancel(arg), 0); }
static void test_scope_real_cancel(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = scoped(2.0, chain(0, 5.0), 1);
  ac_handle h = {0};
  (void)state;
  g_err = 1;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_false(g_expired);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A deadline during an await of a plain future, and of a task: the await
 * fails with AC_ETIMEDOUT, and neither is cancelled. */
static void test_scope_future_and_task(void **state) {
  ac_future f;
  ac_loop *loop;
  ac_task *inner;
  ac_handle h = {0};
  (void)state;
  ac_future_init(&f);
  loop = run(scoped(0.5, &f, 1));
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_false(ac_future_done(&f));
  assert_int_equal(ac_loop_close(loop), 0);

  loop = new_loop(1);
  inner = AC_TASK(chain(0, 1.0));
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, inner), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  {
    ac_task *t = scoped(0.5, inner, 1);
    g_err = 1;
    assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  }
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_false(ac_task_done(inner));
  assert_int_equal(ac_loop_run_until_complete(loop, &inner->fut), 0);
  assert_int_equal(ac_task_error(inner), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A deadline in a shield: the shield fails with AC_ETIMEDOUT, the task it
 * shields runs on. */
static ac_task *g_made; /* a task made by a loop callback */
static ac_task *g_shielded;
static void shield_mk_cb(void *arg) {
  (void)arg;
  g_shielded = AC_TASK(chain(0, 1.0));
  assert_non_null(ac_task_spawn(g_shielded));
  g_made = ac_task_spawn(scoped(0.5, ac_shield(g_shielded), 1));
}
static void test_scope_shield(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  (void)state;
  g_err = 1;
  assert_int_equal(ac_call_soon(loop, &h, shield_mk_cb, NULL), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &g_made->fut), 0);
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 0.5);
  assert_int_equal(ac_loop_run_until_complete(loop, &g_shielded->fut), 0);
  assert_int_equal(ac_task_error(g_shielded), 0); /* ran on */
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void resched(void) {
 *   enter(&ts, 1.0); reschedule(&ts, now + 2);  await sleep(1.5);  // in time
 *   reschedule(&ts, -1); await sleep(1);                          // none
 *   reschedule(&ts, now + 0.5); await sleep(1) catch (err);       // expires
 *   reschedule: AC_ESTATE; exit; exit again: AC_ESTATE;
 * } */
struct resched_frame {
  ac_task ac_co;
  ac_timeout_scope ts;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step resched_resume(ac_task *ac_self) {
  struct resched_frame *ac_f = (struct resched_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  assert_int_equal(ac_timeout_enter(&ac_f->ts, 1.0), 0);
  assert_true(ac_timeout_when(&ac_f->ts) == 1.0);
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, now() + 2.0), 0);
  RT_AWAIT(1, ac_sleep(1.5));
  ac__release(&ac_f->ac_aw[0]);
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, -1), 0);
  assert_true(ac_timeout_when(&ac_f->ts) == -1.0);
  RT_AWAIT(2, ac_sleep(1.0));
  ac__release(&ac_f->ac_aw[0]);
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, now() + 0.5), 0);
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, NAN), AC_EINVAL);
  RT_AWAIT_CATCH(3, ac_sleep(1.0), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  g_t = now();
  assert_true(ac_timeout_expired(&ac_f->ts));
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, now() + 5), AC_ESTATE);
  assert_int_equal(ac_timeout_exit(&ac_f->ts), 0);
  assert_int_equal(ac_timeout_exit(&ac_f->ts), AC_ESTATE);
  assert_int_equal(ac_timeout_reschedule(&ac_f->ts, 1), AC_ESTATE);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static void test_scope_reschedule(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(ac__frame_new(sizeof(struct resched_frame), resched_resume, 0,
                           "resched"));
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 3.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Another task reschedules the scope of a sleeping one (the deadline is
 * plain data of the loop's thread). */
static ac_timeout_scope *g_scope;
static void extend_cb(void *arg) {
  (void)arg;
  assert_int_equal(ac_timeout_reschedule(g_scope, 3.0), 0);
}
static void test_scope_reschedule_from_outside(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = scoped(1.0, chain(0, 2.0), 1);
  ac_handle h = {0};
  (void)state;
  g_scope = &((struct scoped_frame *)(void *)t)->ts;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, extend_cb, NULL), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_true(g_t == 2.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The errors of enter and exit. */
static void test_scope_errors(void **state) {
  ac_timeout_scope ts;
  ac_loop *loop;
  (void)state;
  memset(&ts, 0xab, sizeof ts);
  assert_int_equal(ac_timeout_enter(&ts, 1.0), AC_ENOLOOP); /* no task */
  assert_int_equal(ac_timeout_exit(&ts), AC_ESTATE); /* marked exited */
  assert_int_equal(ac_timeout_enter(NULL, 1.0), AC_EINVAL);
  assert_int_equal(ac_timeout_enter(&ts, NAN), AC_EINVAL);
  assert_int_equal(ac_timeout_enter_at(&ts, NAN), AC_EINVAL);
  assert_int_equal(ac_timeout_exit(NULL), AC_EINVAL);
  assert_int_equal(ac_timeout_reschedule(NULL, 1), AC_EINVAL);
  assert_false(ac_timeout_expired(NULL));
  assert_true(ac_timeout_when(NULL) == -1.0);
  /* no deadline at all: just a block */
  loop = run(scoped(-1, chain(0, 10.0), 1));
  assert_int_equal(g_err, 0);
  assert_true(g_t == 10.0);
  assert_false(g_expired);
  assert_int_equal(ac_loop_close(loop), 0);
  /* a deadline of 0: the next iteration */
  loop = run(scoped(0, chain(0, 10.0), 1));
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close while a scope is entered: the task unwinds (cancelled),
 * the scope's deferred exit finds its timer dropped. */
static void test_scope_loop_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = scoped(5.0, chain(1, 10.0), 0);
  ac_handle h = {0};
  (void)state;
  g_nlog = 0;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_nlog, 3); /* chain 0, chain 1, the scope */
  assert_false(g_expired);
}

/* ------------------------------------------------------------------------ */
/* ac_wait_for                                                              */
/* ------------------------------------------------------------------------ */

static ticker g_tick;      /* counts iterations (fast-path tests) */
static unsigned long g_n0; /* iterations before the await */
static unsigned long g_n1; /* ...and after it */

/* async void wf(void *aw) {       // aw: an ac_wait_for of a chain_task
 *   n0 = ticks; value = await aw catch (err, msg); n1 = ticks; t = now;
 * } */
struct wf_frame {
  ac_task ac_co;
  chain_task *aw;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step wf_resume(ac_task *ac_self) {
  struct wf_frame *ac_f = (struct wf_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  g_n0 = g_tick.n;
  RT_AWAIT_CATCH(1, ac_f->aw, ac_f->err, ac_f->msg);
  g_value = ac_f->err == 0 ? ((chain_task *)ac_f->ac_aw[0])->ac_ret : -1;
  ac__release(&ac_f->ac_aw[0]);
  g_n1 = g_tick.n;
  g_err = ac_f->err;
  g_msg = ac_f->msg;
  g_t = now();
  return AC__DONE;
}
static ac_task *wf(chain_task *aw) {
  struct wf_frame *ac_f = ac__frame_new(sizeof *ac_f, wf_resume, 0, "wf");
  if (ac_f)
    ac_f->aw = aw;
  return &ac_f->ac_co;
}

/* A coroutine that finishes in time: its value, typed, through the
 * macro; the deadline is gone (the loop ends at 0.5). */
static void test_wait_for_in_time(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(wf(ac_wait_for(chain(1, 0.5), 1.0)));
  assert_int_equal(g_err, 0);
  assert_int_equal(g_value, 7);
  assert_true(g_t == 0.5);
  assert_int_equal(ac_loop_close(loop), 0);
  /* no timeout at all */
  loop = run(wf(ac_wait_for(chain(0, 50.0), AC_NO_TIMEOUT)));
  assert_int_equal(g_value, 7);
  assert_true(g_t == 50.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A coroutine that takes too long: its pending await fails, it unwinds
 * (defers ran), and the wait_for fails with AC_ETIMEDOUT at the deadline. */
static void test_wait_for_times_out(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(wf(ac_wait_for(chain(2, 5.0), 1.0)));
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 1.0);
  assert_int_equal(g_nlog, 3);
  assert_int_equal(g_log[0], 0);
  assert_int_equal(g_log[2], 2);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A coroutine that catches the deadline and returns a value: it wins. */
static void test_wait_for_value_wins(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(wf((chain_task *)ac_wait_for(catcher(5.0, 0.5), 1.0)));
  assert_int_equal(g_err, 0);
  assert_int_equal(g_value, 42);
  assert_true(g_t == 1.5);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task: cancelled at the deadline and waited for: AC_ETIMEDOUT if it
 * finishes cancelled; its value if it catches and returns one. */
static void test_wait_for_task(void **state) {
  ac_loop *loop = new_loop(1);
  chain_task *c = chain(1, 5.0);
  catcher_task *k = catcher(5.0, 0.5);
  ac_handle h = {0};
  ac_task *t;
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, c), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  g_nlog = 0;
  t = wf(ac_wait_for(c, 1.0));
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 1.0);
  assert_true(ac_task_cancelled(AC_TASK(c)));
  assert_int_equal(ac_task_cancelling(AC_TASK(c)), 1);
  assert_int_equal(ac_task_cancelling(t), 0);

  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, k), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  t = wf((chain_task *)ac_wait_for(k, 1.0));
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_value, 43); /* the task saw AC_ECANCELED */
  assert_true(g_t == 2.5);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A plain future: its value (void *) through the header's ac_ret; at the
 * deadline it is cancelled. */
struct wff_frame {
  ac_task ac_co;
  ac_future *f;
  double s;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static void *g_ptr;
static ac__step wff_resume(ac_task *ac_self) {
  struct wff_frame *ac_f = (struct wff_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT_CATCH(1, ac_wait_for(ac_f->f, ac_f->s), ac_f->err, ac_f->msg);
  g_ptr = ac_f->err == 0
              ? ((__typeof__(ac_wait_for(ac_f->f, 1)))ac_f->ac_aw[0])->ac_ret
              : NULL;
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  return AC__DONE;
}
static ac_task *wff(ac_future *f, double s) {
  struct wff_frame *ac_f = ac__frame_new(sizeof *ac_f, wff_resume, 0, "wff");
  if (ac_f) {
    ac_f->f = f;
    ac_f->s = s;
  }
  return &ac_f->ac_co;
}
static ac_future g_fut;
static void set_cb(void *arg) {
  assert_int_equal(ac_future_set_result(&g_fut, arg), 0);
}
static void test_wait_for_future(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  ac_task *t;
  (void)state;
  ac_future_init(&g_fut);
  assert_int_equal(ac_call_later(loop, &h, 0.5, set_cb, &g_fut), 0);
  t = wff(&g_fut, 1.0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_ptr_equal(g_ptr, &g_fut);
  ac_future_init(&g_fut);
  t = wff(&g_fut, 1.0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(ac_future_cancelled(&g_fut));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Nothing to wait for: a coroutine that finishes without suspending, a
 * task already done: no suspension, and no timer left behind. */
static void test_wait_for_fast_path(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  chain_task *c = chain(0, 0);
  ac_task *t;
  (void)state;
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(c)), 0);
  ticker_start(&g_tick, loop);
  t = wf(ac_wait_for((chain_task *)(void *)one(), 5.0));
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_value, 1);
  assert_int_equal(g_n1, g_n0);
  t = wf(ac_wait_for(c, 5.0));
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  g_tick.on = 0;
  assert_int_equal(g_err, 0);
  assert_int_equal(g_value, 7);
  assert_int_equal(g_n1, g_n0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_loop_time(loop) == 0.0); /* no timer was left */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The errors: NaN (the coroutine is freed all the same), NULL, itself. */
struct wfself_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step wfself_resume(ac_task *ac_self) {
  struct wfself_frame *ac_f = (struct wfself_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT_CATCH(1, ac_wait_for(ac_self, 1.0), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  return AC__DONE;
}
static void test_wait_for_errors(void **state) {
  ac_loop *loop;
  (void)state;
  loop = run(wf(ac_wait_for(chain(0, 1.0), NAN)));
  assert_int_equal(g_err, AC_EINVAL);
  assert_int_equal(ac_loop_close(loop), 0);
  loop = run(wf(ac_wait_for((chain_task *)NULL, 1.0)));
  assert_int_equal(g_err, AC_ENOMEM);
  assert_int_equal(ac_loop_close(loop), 0);
  g_err = 1;
  assert_int_equal(ac_run_task(ac__frame_new(sizeof(struct wfself_frame),
                                             wfself_resume, 0, "wfself")),
                   0);
  assert_int_equal(g_err, AC_EINVAL);
}

/* Cancelling the awaiting task: of a coroutine, its await fails with
 * AC_ECANCELED; of a task, the cancel reaches it (asyncio). */
static void test_wait_for_cancelled(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  chain_task *c = chain(0, 5.0);
  ac_task *t = wf(ac_wait_for(chain(1, 5.0), 2.0));
  (void)state;
  g_nlog = 0;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_true(g_t == 1.0);
  assert_int_equal(g_nlog, 2);

  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, c), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  t = wf(ac_wait_for(c, 2.0));
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_task_cancel(t), 0);
  assert_int_equal(ac_task_cancelling(AC_TASK(c)), 1); /* reached it */
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_true(ac_task_cancelled(AC_TASK(c)));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* An enclosing scope's deadline passes first, during a wait_for: the
 * wait_for fails with AC_ETIMEDOUT, and a task it waits for is cancelled. */
static void test_wait_for_in_scope(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  chain_task *c = chain(0, 5.0);
  ac_task *t;
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, c), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  t = scoped(1.0, ac_wait_for(c, 3.0), 1);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_expired);
  assert_true(g_t == 1.0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(c)), 0);
  assert_true(ac_task_cancelled(AC_TASK(c)));
  assert_int_equal(ac_loop_close(loop), 0);

  loop = run(scoped(1.0, ac_wait_for(chain(1, 5.0), 3.0), 1));
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_expired);
  assert_int_equal(g_nlog, 3); /* chain 0, chain 1, the scope */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* No memory for the wait_for frame: NULL (the await fails with
 * AC_ENOMEM), and the coroutine is freed (the allocator sees no block
 * left). */
static int g_fail_next = -1;
static void *failing_alloc(size_t size, void *ud) {
  (void)ud;
  if (g_fail_next-- == 0)
    return NULL;
  return malloc(size);
}
static void plain_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  free(ptr);
}
static void test_wait_for_enomem(void **state) {
  ac_allocator al = {failing_alloc, plain_free, NULL};
  chain_task *c;
  void *w;
  (void)state;
  assert_int_equal(ac_set_allocator(&al), 0);
  c = chain(0, 1.0);
  assert_non_null(c);
  g_fail_next = 0;
  w = ac_wait_for(c, 1.0);
  g_fail_next = -1;
  assert_null(w);
  assert_int_equal(ac_set_allocator(NULL), 0); /* c was freed */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scope_unwinds_chain),
      cmocka_unit_test(test_scope_in_time),
      cmocka_unit_test(test_scope_nested),
      cmocka_unit_test(test_scope_caught),
      cmocka_unit_test(test_scope_real_cancel),
      cmocka_unit_test(test_scope_future_and_task),
      cmocka_unit_test(test_scope_shield),
      cmocka_unit_test(test_scope_reschedule),
      cmocka_unit_test(test_scope_reschedule_from_outside),
      cmocka_unit_test(test_scope_errors),
      cmocka_unit_test(test_scope_loop_close),
      cmocka_unit_test(test_wait_for_in_time),
      cmocka_unit_test(test_wait_for_times_out),
      cmocka_unit_test(test_wait_for_value_wins),
      cmocka_unit_test(test_wait_for_task),
      cmocka_unit_test(test_wait_for_future),
      cmocka_unit_test(test_wait_for_fast_path),
      cmocka_unit_test(test_wait_for_errors),
      cmocka_unit_test(test_wait_for_cancelled),
      cmocka_unit_test(test_wait_for_in_scope),
      cmocka_unit_test(test_wait_for_enomem),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
