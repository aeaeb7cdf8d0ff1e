/* test_wait.c - ac_wait (asyncio.wait) and the as_completed iterator. */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

/* async int worker(double d, int fail) {
 *   await ac_sleep(d); if (fail) await ac_raise(fail, "worker failed");
 *   return (int)(d * 10);
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
  RT_AWAIT(1, ac_sleep(ac_f->d));
  ac__release(&ac_f->ac_aw[0]);
  if (ac_f->fail) {
    RT_AWAIT(2, ac_raise(ac_f->fail, "worker failed"));
    ac__release(&ac_f->ac_aw[0]);
  }
  ac_f->ac_ret = (int)(ac_f->d * 10);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *worker(double d, int fail) {
  struct worker_frame *ac_f =
      ac__frame_new(sizeof *ac_f, worker_resume, AC__CO_INT_RESULT, "worker");
  if (ac_f) {
    ac_f->d = d;
    ac_f->fail = fail;
  }
  return &ac_f->ac_co;
}

static ticker g_tick;      /* counts loop iterations (fast-path tests) */
static unsigned long g_n0; /* iterations before the await */
static unsigned long g_n1; /* ...and after it */
static int g_err;          /* the await's error */
static size_t g_nd;        /* ac_wait's value */
static double g_t1;        /* loop time after the await */

/* async void waiter(ac_wait_task *aw) {
 *   n0 = ticks; nd = await aw catch (err); n1 = ticks; t1 = now;
 * } */
struct waiter_frame {
  ac_task ac_co;
  ac_wait_task *aw;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step waiter_resume(ac_task *ac_self) {
  struct waiter_frame *ac_f = (struct waiter_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  g_n0 = g_tick.n;
  RT_AWAIT_CATCH(1, ac_f->aw, ac_f->err, ac_f->msg);
  g_nd = ac_f->err == 0 ? ((ac_wait_task *)ac_f->ac_aw[0])->ac_ret : 99;
  ac__release(&ac_f->ac_aw[0]);
  g_n1 = g_tick.n;
  g_err = ac_f->err;
  g_t1 = ac_loop_time(ac_loop_current());
  return AC__DONE;
}
static ac_task *waiter(ac_wait_task *aw) {
  struct waiter_frame *ac_f =
      ac__frame_new(sizeof *ac_f, waiter_resume, 0, "waiter");
  if (ac_f)
    ac_f->aw = aw;
  return &ac_f->ac_co;
}

/* A waiter made inside the loop: the wait takes its list there. */
typedef struct mk {
  ac_task *list[4];    /* the list */
  size_t n;            /* its length */
  int mode;            /* the wait's mode */
  double timeout;      /* ...and timeout */
  ac_task *done[4];    /* its output */
  ac_task *pending[4];
  ac_task *task;       /* the waiter task */
  int in_place;        /* pending is the list itself */
} mk;
static void mk_cb(void *arg) {
  mk *m = arg;
  m->task = ac_task_spawn(
      waiter(ac_wait(m->list, m->n, m->mode, m->timeout, m->done,
                     m->in_place ? m->list : m->pending)));
  assert_non_null(m->task);
}

/* Spawn the waiter of m (one iteration), leaving loop open. */
static void start_wait(ac_loop *loop, mk *m) {
  ac_handle h = {0};
  g_err = 1;
  g_nd = 99;
  memset(m->done, 0, sizeof m->done);
  memset(m->pending, 0, sizeof m->pending);
  assert_int_equal(ac_call_soon(loop, &h, mk_cb, m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Run the waiter of m on loop until it finishes. */
static void run_wait(ac_loop *loop, mk *m) {
  start_wait(loop, m);
  assert_int_equal(ac_loop_run_until_complete(loop, &m->task->fut), 0);
}

/* ------------------------------------------------------------------------ */
/* ac_wait                                                                  */
/* ------------------------------------------------------------------------ */

/* ALL_COMPLETED: done when all are; the done set in argument order. */
static void test_wait_all(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0.3, 0), worker(0.1, AC_EPROTO), worker(0.2, 0)},
          3, AC_ALL_COMPLETED, -1, {0}, {0}, NULL, 0};
  (void)state;
  run_wait(loop, &m);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 3);
  assert_true(g_t1 == 0.3);
  assert_ptr_equal(m.done[0], m.list[0]);
  assert_ptr_equal(m.done[1], m.list[1]);
  assert_ptr_equal(m.done[2], m.list[2]);
  assert_null(m.pending[0]);
  assert_int_equal(ac_task_error(m.list[1]), AC_EPROTO); /* not the wait's */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* FIRST_COMPLETED: back at the first completion (a failure counts); the
 * others are pending, not cancelled, and finish later. */
static void test_wait_first_completed(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0.3, 0), worker(0.2, AC_EPROTO), worker(0.5, 0)},
          3, AC_FIRST_COMPLETED, -1, {0}, {0}, NULL, 0};
  (void)state;
  run_wait(loop, &m);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 1);
  assert_true(g_t1 == 0.2);
  assert_ptr_equal(m.done[0], m.list[1]);
  assert_ptr_equal(m.pending[0], m.list[0]);
  assert_ptr_equal(m.pending[1], m.list[2]);
  assert_int_equal(ac_task_error(m.list[1]), AC_EPROTO);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[2]->fut), 0);
  assert_int_equal(ac_task_error(m.list[0]), 0);
  assert_int_equal(ac_task_error(m.list[2]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* FIRST_EXCEPTION: a success or a cancelled task does not end it, a
 * failure does; with no failure it is ALL_COMPLETED. */
static void cancel_cb(void *arg) { assert_int_equal(ac_task_cancel(arg), 0); }
static void test_wait_first_exception(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0.1, 0), worker(0.2, 0), worker(0.4, AC_EPROTO),
           worker(0.6, 0)},
          4, AC_FIRST_EXCEPTION, -1, {0}, {0}, NULL, 0};
  ac_handle h = {0};
  (void)state;
  start_wait(loop, &m);
  assert_int_equal(ac_call_later(loop, &h, 0.15, cancel_cb, m.list[1]), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 3);
  assert_true(g_t1 == 0.4);
  assert_ptr_equal(m.pending[0], m.list[3]);
  assert_int_equal(ac_task_error(m.list[2]), AC_EPROTO);
  assert_int_equal(ac_loop_close(loop), 0);

  loop = new_loop(1);
  m.list[0] = worker(0.1, 0);
  m.list[1] = worker(0.2, 0);
  m.n = 2;
  run_wait(loop, &m);
  assert_int_equal(g_nd, 2);
  assert_true(g_t1 == 0.2);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A timeout ends the wait with the partial sets, and cancels nothing; a
 * timeout of 0 gives the tasks one trip through the loop. */
static void test_wait_timeout(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0.3, 0), worker(1.0, 0)},
          2, AC_ALL_COMPLETED, 0.5, {0}, {0}, NULL, 0};
  (void)state;
  run_wait(loop, &m);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 1);
  assert_true(g_t1 == 0.5);
  assert_ptr_equal(m.done[0], m.list[0]);
  assert_ptr_equal(m.pending[0], m.list[1]);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[1]->fut), 0);
  assert_int_equal(ac_task_error(m.list[1]), 0); /* not cancelled */
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);

  loop = new_loop(1);
  m.list[0] = worker(0, 0);
  m.list[1] = worker(1.0, 0);
  m.timeout = 0;
  run_wait(loop, &m);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 1); /* worker(0) is done within the trip */
  assert_ptr_equal(m.pending[0], m.list[1]);
  assert_true(g_t1 == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The condition already holds: no suspension, no timer. */
static void test_wait_fast_path(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0, 0), worker(5.0, 0)},
          2, AC_FIRST_COMPLETED, -1, {0}, {0}, NULL, 0};
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[0]->fut), 0);
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, m.list[1]), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  ticker_start(&g_tick, loop);
  run_wait(loop, &m);
  g_tick.on = 0;
  assert_int_equal(g_err, 0);
  assert_int_equal(g_nd, 1);
  assert_int_equal(g_n1, g_n0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Cancelling the waiting task: the await fails with AC_ECANCELED, the
 * arrays are not written, the tasks run on. */
static void test_wait_cancelled(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(1.0, 0)}, 1, AC_ALL_COMPLETED, 5.0, {0}, {0}, NULL, 0};
  ac_handle h = {0};
  (void)state;
  start_wait(loop, &m);
  assert_int_equal(ac_call_later(loop, &h, 0.5, cancel_cb, m.task), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_null(m.done[0]);
  assert_null(m.pending[0]);
  assert_false(ac_task_done(m.list[0]));
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[0]->fut), 0);
  assert_int_equal(ac_task_error(m.list[0]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The errors of the await: n 0, bad mode, NaN, NULL element. */
static void test_wait_errors(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{NULL}, 0, AC_ALL_COMPLETED, -1, {0}, {0}, NULL, 0};
  (void)state;
  run_wait(loop, &m);
  assert_int_equal(g_err, AC_EINVAL); /* empty, as asyncio */
  m.n = 1;
  m.list[0] = worker(1.0, 0);
  m.mode = 0;
  run_wait(loop, &m);
  assert_int_equal(g_err, AC_EINVAL);
  assert_true(ac_task_cancelled(m.list[0])); /* spawned, cancelled */
  m.list[0] = worker(1.0, 0);
  m.mode = AC_ALL_COMPLETED;
  m.timeout = 0.0 / 0.0;
  run_wait(loop, &m);
  assert_int_equal(g_err, AC_EINVAL);
  m.list[0] = worker(1.0, 0);
  m.list[1] = NULL;
  m.n = 2;
  m.timeout = -1;
  run_wait(loop, &m);
  assert_int_equal(g_err, AC_ENOMEM);
  assert_true(ac_task_cancelled(m.list[0]));
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The pending array may be the list itself: round after round on the
 * pending set, as a loop of waits does. */
static void test_wait_in_place(void **state) {
  ac_loop *loop = new_loop(1);
  mk m = {{worker(0.1, 0), worker(0.3, 0), worker(0.2, 0)},
          3, AC_FIRST_COMPLETED, -1, {0}, {0}, NULL, 1};
  ac_task *t0, *t1, *t2;
  (void)state;
  t0 = m.list[0];
  t1 = m.list[1];
  t2 = m.list[2];
  run_wait(loop, &m);
  assert_int_equal(g_nd, 1);
  assert_ptr_equal(m.done[0], t0);
  assert_ptr_equal(m.list[0], t1); /* the pending ones, compacted */
  assert_ptr_equal(m.list[1], t2);
  m.n = 3 - g_nd;
  run_wait(loop, &m);
  assert_int_equal(g_nd, 1);
  assert_true(g_t1 == 0.2);
  assert_ptr_equal(m.done[0], t2);
  assert_ptr_equal(m.list[0], t1);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async size_t self_wait(void) { await ac_wait(&me, 1, ...); }: waiting for
 * itself is AC_EINVAL. */
struct self_frame {
  ac_task ac_co;
  ac_task *list[1];
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step self_resume(ac_task *ac_self) {
  struct self_frame *ac_f = (struct self_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->list[0] = ac_self;
  RT_AWAIT_CATCH(1, ac_wait(ac_f->list, 1, AC_ALL_COMPLETED, -1, NULL, NULL),
                 ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  return AC__DONE;
}
static void test_wait_self(void **state) {
  (void)state;
  g_err = 1;
  assert_int_equal(ac_run_task(ac__frame_new(sizeof(struct self_frame),
                                             self_resume, 0, "self_wait")),
                   0);
  assert_int_equal(g_err, AC_EINVAL);
}

/* async void stubborn(double d) {
 *   await ac_sleep(d) catch (err); if (err) await ac_sleep(d);
 * }: it refuses one cancellation. */
struct stubborn_frame {
  ac_task ac_co;
  double d;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step stubborn_resume(ac_task *ac_self) {
  struct stubborn_frame *ac_f = (struct stubborn_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_AWAIT_CATCH(1, ac_sleep(ac_f->d), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  if (ac_f->err) {
    RT_AWAIT(2, ac_sleep(ac_f->d));
    ac__release(&ac_f->ac_aw[0]);
  }
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *stubborn(double d) {
  struct stubborn_frame *ac_f =
      ac__frame_new(sizeof *ac_f, stubborn_resume, 0, "stubborn");
  if (ac_f)
    ac_f->d = d;
  return &ac_f->ac_co;
}

/* async void rewaiter(void) {
 *   list[0] = stubborn(5);
 *   await ac_wait(list, 1, ALL, -1, 0, 0) catch (err);  // refuses a cancel
 *   await ac_wait(list, 1, ALL, -1, 0, 0);
 * } */
struct rewaiter_frame {
  ac_task ac_co;
  ac_task *list[1];
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step rewaiter_resume(ac_task *ac_self) {
  struct rewaiter_frame *ac_f = (struct rewaiter_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_f->list[0] = stubborn(5.0);
  RT_AWAIT_CATCH(1, ac_wait(ac_f->list, 1, AC_ALL_COMPLETED, -1, NULL, NULL),
                 ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  RT_AWAIT(2, ac_wait(ac_f->list, 1, AC_ALL_COMPLETED, -1, NULL, NULL));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}

/* A loop close that frees a wait frame unfinished: the waiting task and
 * the task it waits for both refuse their cancellation, so the close
 * destroys them parked; the waiter, spawned first, goes first, and its
 * nodes must leave the other task's list (ASan checks). */
static void test_wait_abandoned_by_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  assert_int_equal(
      ac_call_soon(loop, &h, spawn_cb,
                   ac__frame_new(sizeof(struct rewaiter_frame),
                                 rewaiter_resume, 0, "rewaiter")),
      0);
  assert_int_equal(ac_call_later(loop, &h2, 0.5, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* as_completed                                                             */
/* ------------------------------------------------------------------------ */

static ac_task *g_out[8]; /* the tasks next gave, in order */
static int g_errs[8];     /* ...or its errors */
static int g_nout;
static int g_catch_all;   /* consumer: go on after an error */

/* async void consumer(ac_as_completed *it) {
 *   for (;;) { t = await ac_as_completed_next(it) catch (err);
 *              record t or err; if (!t && !err) break; if (err && !catch_all) break; }
 * } */
struct consumer_frame {
  ac_task ac_co;
  ac_as_completed *it;
  ac_task *t;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step consumer_resume(ac_task *ac_self) {
  struct consumer_frame *ac_f = (struct consumer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (;;) {
    RT_AWAIT_CATCH(1, ac_as_completed_next(ac_f->it), ac_f->err, ac_f->msg);
    ac_f->t = ac_f->err == 0
                  ? ((ac_as_completed_next_task *)ac_f->ac_aw[0])->ac_ret
                  : NULL;
    ac__release(&ac_f->ac_aw[0]);
    if (g_nout < 8) {
      g_out[g_nout] = ac_f->t;
      g_errs[g_nout++] = ac_f->err;
    }
    if (ac_f->t == NULL && ac_f->err == 0)
      break;
    if (ac_f->err != 0 && !g_catch_all)
      break;
  }
  return AC__DONE;
}
static ac_task *consumer(ac_as_completed *it) {
  struct consumer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, consumer_resume, 0, "consumer");
  if (ac_f)
    ac_f->it = it;
  return &ac_f->ac_co;
}

/* An iterator set up inside the loop. */
typedef struct ac_mk {
  ac_as_completed it; /* the iterator */
  ac_task *list[4];   /* its list */
  size_t n;
  double timeout;
  int r;              /* init's result */
  ac_task *task;      /* the consumer */
} ac_mk;
static void ac_mk_cb(void *arg) {
  ac_mk *m = arg;
  m->r = ac_as_completed_init(&m->it, m->list, m->n, m->timeout);
  m->task = ac_task_spawn(consumer(&m->it));
}
static void ac_start(ac_loop *loop, ac_mk *m) {
  ac_handle h = {0};
  g_nout = 0;
  memset(g_out, 0, sizeof g_out);
  assert_int_equal(ac_call_soon(loop, &h, ac_mk_cb, m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Tasks come out in completion order, those done already first (in
 * argument order), then NULL; the iterator freed its block by itself. */
static void test_as_completed_order(void **state) {
  ac_loop *loop = new_loop(1);
  ac_mk m;
  ac_task *early = worker(0, 0);
  (void)state;
  assert_int_equal(ac_loop_run_until_complete(loop, &early->fut), 0);
  memset(&m, 0, sizeof m);
  m.list[0] = worker(0.3, 0);
  m.list[1] = worker(0.1, AC_EPROTO);
  m.list[2] = early;
  m.list[3] = worker(0.2, 0);
  m.n = 4;
  m.timeout = -1;
  ac_start(loop, &m);
  assert_int_equal(m.r, 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 5);
  assert_ptr_equal(g_out[0], early);
  assert_ptr_equal(g_out[1], m.list[1]);
  assert_ptr_equal(g_out[2], m.list[3]);
  assert_ptr_equal(g_out[3], m.list[0]);
  assert_null(g_out[4]);
  assert_int_equal(g_errs[4], 0);
  assert_null(m.it.nodes); /* over: freed */
  assert_int_equal(ac_task_error(m.list[1]), AC_EPROTO);
  ac_as_completed_close(&m.it); /* no effect */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The timeout: what completed before it comes out, then one AC_ETIMEDOUT
 * per task cut off, then NULL.  The tasks are not cancelled. */
static void test_as_completed_timeout(void **state) {
  ac_loop *loop = new_loop(1);
  ac_mk m;
  (void)state;
  memset(&m, 0, sizeof m);
  m.list[0] = worker(1.0, 0);
  m.list[1] = worker(0.2, 0);
  m.list[2] = worker(2.0, 0);
  m.n = 3;
  m.timeout = 0.5;
  g_catch_all = 1;
  ac_start(loop, &m);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  g_catch_all = 0;
  assert_int_equal(g_nout, 4);
  assert_ptr_equal(g_out[0], m.list[1]);
  assert_int_equal(g_errs[1], AC_ETIMEDOUT);
  assert_int_equal(g_errs[2], AC_ETIMEDOUT);
  assert_null(g_out[3]);
  assert_int_equal(g_errs[3], 0);
  assert_true(ac_loop_time(loop) == 0.5);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[2]->fut), 0);
  assert_int_equal(ac_task_error(m.list[0]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A cancelled next takes nothing: the task it would have given comes out
 * of the next call.  Here the task completes in the same iteration as
 * the cancel arrives. */
static void next_cancel_cb(void *arg) {
  ac_mk *m = arg;
  assert_int_equal(ac_task_cancel(m->task), 0);
}
static void respawn_cb(void *arg) {
  ac_mk *m = arg;
  m->task = ac_task_spawn(consumer(&m->it));
}
static void test_as_completed_cancel_loses_nothing(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  ac_mk m;
  (void)state;
  memset(&m, 0, sizeof m);
  m.list[0] = worker(0.5, 0);
  m.list[1] = worker(0.7, 0);
  m.n = 2;
  m.timeout = -1;
  ac_start(loop, &m);
  /* 0.5: list[0] completes; its node runs next iteration and wakes the
   * consumer; the cancel arrives before the consumer runs */
  assert_int_equal(ac_call_later(loop, &h, 0.5, next_cancel_cb, &m), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 1); /* the next failed: nothing taken */
  assert_null(g_out[0]);
  assert_int_equal(g_errs[0], AC_ECANCELED);
  assert_true(ac_task_done(m.list[0]));
  g_nout = 0;
  assert_int_equal(ac_call_soon(loop, &h, respawn_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 3);
  assert_ptr_equal(g_out[0], m.list[0]);
  assert_ptr_equal(g_out[1], m.list[1]);
  assert_null(g_out[2]);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Two tasks in next on one iterator: the second is AC_EBUSY.  close ends
 * the iteration early: the waiting next gives NULL; the tasks run on. */
static void close_cb(void *arg) {
  ac_mk *m = arg;
  ac_task *second = ac_task_spawn(consumer(&m->it));
  assert_non_null(second);
  m->list[3] = second;
}
static void early_close_cb(void *arg) {
  ac_mk *m = arg;
  ac_as_completed_close(&m->it);
}
static void test_as_completed_busy_and_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  ac_mk m;
  (void)state;
  memset(&m, 0, sizeof m);
  m.list[0] = worker(1.0, 0);
  m.list[1] = worker(2.0, 0);
  m.n = 2;
  m.timeout = -1;
  ac_start(loop, &m);
  assert_int_equal(ac_call_soon(loop, &h, close_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[3]->fut), 0);
  assert_int_equal(g_nout, 1);
  assert_int_equal(g_errs[0], AC_EBUSY);
  assert_int_equal(ac_call_later(loop, &h, 0.5, early_close_cb, &m), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 2);
  assert_null(g_out[1]);
  assert_int_equal(g_errs[1], 0);
  assert_true(ac_loop_time(loop) == 0.5);
  assert_null(m.it.nodes);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[1]->fut), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* init's errors: AC_EINVAL (it untouched) for NaN; a NULL element is
 * AC_ENOMEM, the coroutines are spawned and cancelled and the iterator is
 * empty; outside a loop, AC_ENOLOOP and the coroutines are destroyed. */
static void test_as_completed_init_errors(void **state) {
  ac_loop *loop = new_loop(1);
  ac_mk m;
  ac_task *list[2];
  (void)state;
  memset(&m, 0, sizeof m);
  assert_int_equal(ac_as_completed_init(&m.it, m.list, 0, 0.0 / 0.0),
                   AC_EINVAL);
  assert_int_equal(ac_as_completed_init(NULL, m.list, 0, -1), AC_EINVAL);
  assert_int_equal(ac_as_completed_init(&m.it, NULL, 1, -1), AC_EINVAL);
  list[0] = worker(1.0, 0);
  list[1] = worker(1.0, 0);
  assert_int_equal(ac_as_completed_init(&m.it, list, 2, -1), AC_ENOLOOP);
  m.list[0] = worker(1.0, 0);
  m.list[1] = NULL;
  m.n = 2;
  m.timeout = -1;
  ac_start(loop, &m);
  assert_int_equal(m.r, AC_ENOMEM);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 1);
  assert_null(g_out[0]); /* empty: the end at once */
  assert_true(ac_task_cancelled(m.list[0]));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* An empty list ends at once; so does a list whose tasks are all done,
 * without suspending for them. */
static void test_as_completed_fast_path(void **state) {
  ac_loop *loop = new_loop(1);
  ac_mk m;
  (void)state;
  memset(&m, 0, sizeof m);
  m.timeout = 1.0;
  ac_start(loop, &m);
  assert_int_equal(m.r, 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 1);
  assert_null(g_out[0]);
  assert_true(ac_loop_time(loop) == 0.0); /* no timer was left */
  m.list[0] = worker(0, 0);
  m.n = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[0]->fut), 0);
  ticker_start(&g_tick, loop);
  ac_start(loop, &m);
  g_tick.on = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_nout, 2);
  assert_ptr_equal(g_out[0], m.list[0]);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void selfcancel(int which) {
 *   ac_task_cancel(me);
 *   which 0: await ac_wait([worker(0.5)], ...) catch (err);
 *   which 1: init(&it, [worker(0.5)]); await ac_as_completed_next(&it) catch (err);
 * }: a cancellation pending when the await starts fails it at once, and
 * nothing is taken: the worker runs on; the iterator still gives it. */
struct selfcancel_frame {
  ac_task ac_co;
  int which;
  ac_task *list[1];
  ac_as_completed it;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step selfcancel_resume(ac_task *ac_self) {
  struct selfcancel_frame *ac_f = (struct selfcancel_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  assert_int_equal(ac_task_cancel(ac_self), 0);
  ac_f->list[0] = worker(0.5, 0);
  if (ac_f->which == 0) {
    RT_AWAIT_CATCH(1, ac_wait(ac_f->list, 1, AC_ALL_COMPLETED, -1, NULL, NULL),
                   ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
  } else {
    assert_int_equal(ac_as_completed_init(&ac_f->it, ac_f->list, 1, -1), 0);
    RT_AWAIT_CATCH(2, ac_as_completed_next(&ac_f->it), ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
    g_err = ac_f->err;
    RT_AWAIT(3, ac_as_completed_next(&ac_f->it)); /* not lost */
    assert_ptr_equal(((ac_as_completed_next_task *)ac_f->ac_aw[0])->ac_ret,
                     ac_f->list[0]);
    ac__release(&ac_f->ac_aw[0]);
    ac_as_completed_close(&ac_f->it);
    ac_f->err = g_err;
  }
  g_err = ac_f->err;
  g_t1 = ac_loop_time(ac_loop_current());
  assert_false(ac_task_cancelled(ac_f->list[0]));
  return AC__DONE;
ac_fail:
  ac_as_completed_close(&ac_f->it);
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static void test_wait_already_cancelled(void **state) {
  int which;
  (void)state;
  for (which = 0; which < 2; which++) {
    ac_loop *loop = new_loop(1);
    struct selfcancel_frame *f = ac__frame_new(
        sizeof(struct selfcancel_frame), selfcancel_resume, 0, "selfcancel");
    f->which = which;
    g_err = 1;
    assert_int_equal(ac_loop_run_until_complete(loop, &f->ac_co.fut), 0);
    assert_int_equal(g_err, AC_ECANCELED);
    assert_true(g_t1 == (which == 0 ? 0.0 : 0.5));
    assert_int_equal(ac_loop_close(loop), 0);
  }
}

/* Out of memory for the iterator's block: AC_ENOMEM, the coroutines are
 * spawned and cancelled, nothing leaks; for ac_wait's frame: NULL. */
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
static void enomem_cb(void *arg) {
  ac_mk *m = arg;
  g_fail_next = 0;
  m->r = ac_as_completed_init(&m->it, m->list, m->n, m->timeout);
  g_fail_next = 0;
  m->task = ac_task_spawn(waiter(ac_wait(m->list, m->n, AC_ALL_COMPLETED, -1,
                                         NULL, NULL)));
  g_fail_next = -1;
}
static void test_as_completed_enomem(void **state) {
  ac_allocator al = {failing_alloc, plain_free, NULL};
  ac_handle h = {0};
  ac_loop *loop;
  ac_mk m;
  (void)state;
  assert_int_equal(ac_set_allocator(&al), 0);
  loop = new_loop(1);
  memset(&m, 0, sizeof m);
  m.list[0] = worker(1.0, 0);
  m.n = 1;
  m.timeout = -1;
  assert_int_equal(ac_call_soon(loop, &h, enomem_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(m.r, AC_ENOMEM);
  assert_null(m.it.nodes);
  assert_true(ac_task_cancelled(m.list[0]) || !ac_task_done(m.list[0]));
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, AC_ENOMEM);
  assert_true(ac_task_cancelled(m.list[0]));
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing left live */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wait_all),
      cmocka_unit_test(test_wait_first_completed),
      cmocka_unit_test(test_wait_first_exception),
      cmocka_unit_test(test_wait_timeout),
      cmocka_unit_test(test_wait_fast_path),
      cmocka_unit_test(test_wait_cancelled),
      cmocka_unit_test(test_wait_errors),
      cmocka_unit_test(test_wait_in_place),
      cmocka_unit_test(test_wait_self),
      cmocka_unit_test(test_wait_abandoned_by_close),
      cmocka_unit_test(test_as_completed_order),
      cmocka_unit_test(test_as_completed_timeout),
      cmocka_unit_test(test_as_completed_cancel_loses_nothing),
      cmocka_unit_test(test_as_completed_busy_and_close),
      cmocka_unit_test(test_as_completed_init_errors),
      cmocka_unit_test(test_as_completed_fast_path),
      cmocka_unit_test(test_wait_already_cancelled),
      cmocka_unit_test(test_as_completed_enomem),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
