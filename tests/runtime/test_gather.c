/* test_gather.c - ac_gather / AC_GATHER: asyncio.gather. */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_started;  /* workers whose body started */
static int g_finished; /* workers that returned */
static int g_unwound;  /* workers that unwound (their defer ran) */

/* async int worker(double d, int fail, int stubborn) {
 *   defer-on-error g_unwound++;
 *   g_started++;
 *   await ac_sleep(d) catch (err);            // only if stubborn
 *   if (err) await ac_sleep(1);               // refuses the cancel: 1 s more
 *   if (fail) await ac_raise(fail, "worker failed");
 *   g_finished++; return (int)(d * 10);
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
  int stubborn;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step worker_resume(ac_task *ac_self) {
  struct worker_frame *ac_f = (struct worker_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3) RT_RESUME(4));
  g_started++;
  if (ac_f->stubborn) {
    RT_AWAIT_CATCH(1, ac_sleep(ac_f->d), ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
    if (ac_f->err != 0) {
      RT_AWAIT(2, ac_sleep(1.0));
      ac__release(&ac_f->ac_aw[0]);
    }
  } else {
    RT_AWAIT(3, ac_sleep(ac_f->d));
    ac__release(&ac_f->ac_aw[0]);
  }
  if (ac_f->fail) {
    RT_AWAIT(4, ac_raise(ac_f->fail, "worker failed"));
    ac__release(&ac_f->ac_aw[0]);
  }
  g_finished++;
  ac_f->ac_ret = (int)(ac_f->d * 10);
  return AC__DONE;
ac_fail:
  g_unwound++;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static worker_task *worker_x(double d, int fail, int stubborn) {
  struct worker_frame *ac_f =
      ac__frame_new(sizeof *ac_f, worker_resume, AC__CO_INT_RESULT, "worker");
  if (ac_f) {
    ac_f->d = d;
    ac_f->fail = fail;
    ac_f->stubborn = stubborn;
  }
  return (worker_task *)ac_f;
}
static worker_task *worker(double d, int fail) { return worker_x(d, fail, 0); }

static ticker g_tick;        /* counts loop iterations */
static unsigned long g_n0;   /* iterations before the await */
static unsigned long g_n1;   /* ...and after it */
static int g_err;            /* the await's error */
static const char *g_msg;    /* ...and message */
static double g_t1;          /* loop time after the await */

/* async void gatherer(ac_gather_task *aw) {
 *   n0 = ticks; await aw catch (err, msg); n1 = ticks; t1 = now;
 * } */
struct gatherer_frame {
  ac_task ac_co;
  void *aw;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step gatherer_resume(ac_task *ac_self) {
  struct gatherer_frame *ac_f = (struct gatherer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  g_n0 = g_tick.n;
  RT_AWAIT_CATCH(1, ac_f->aw, ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_n1 = g_tick.n;
  g_err = ac_f->err;
  g_msg = ac_f->msg;
  g_t1 = ac_loop_time(ac_loop_current());
  return AC__DONE;
}
static ac_task *gatherer(void *aw) {
  struct gatherer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, gatherer_resume, 0, "gatherer");
  if (ac_f)
    ac_f->aw = aw;
  return &ac_f->ac_co;
}

/* A gatherer made inside the loop: the gather takes its list there. */
typedef struct mk {
  ac_task *list[4]; /* the list (coroutines or tasks) */
  size_t n;         /* its length */
  int flags;        /* the gather's flags */
  ac_task *task;    /* the gatherer task */
} mk;
static void mk_cb(void *arg) {
  mk *m = arg;
  m->task = ac_task_spawn(gatherer(ac_gather(m->list, m->n, m->flags)));
  assert_non_null(m->task);
}

/* Run a gatherer of m's list on a fresh loop, until it finishes.  The
 * loop is left open.  (No ticker: it would keep the virtual clock from
 * jumping.) */
static ac_loop *run_gather(mk *m) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};

  g_started = g_finished = g_unwound = 0;
  g_err = 1;
  g_msg = NULL;
  assert_int_equal(ac_call_soon(loop, &h, mk_cb, m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m->task->fut), 0);
  return loop;
}

static int g_reports; /* unretrieved-error reports */
static void count_report(ac_task *t, int err, const char *msg, void *ud) {
  (void)t;
  (void)err;
  (void)msg;
  (void)ud;
  g_reports++;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* Coroutines are spawned and run concurrently; the gather succeeds when
 * the last one does, and the results are read from the typed handles. */
static void test_gather_all_succeed(void **state) {
  worker_task *a = worker(0.3, 0);
  worker_task *b = worker(0.1, 0);
  worker_task *c = worker(0.2, 0);
  mk m = {{AC_TASK(a), AC_TASK(b), AC_TASK(c)}, 3, 0, NULL};
  ac_loop *loop;
  (void)state;
  loop = run_gather(&m);
  assert_int_equal(g_err, 0);
  assert_true(g_t1 == 0.3);
  assert_int_equal(g_finished, 3);
  assert_int_equal(a->ac_ret, 3);
  assert_int_equal(b->ac_ret, 1);
  assert_int_equal(c->ac_ret, 2);
  assert_true(ac_task_done(AC_TASK(a))); /* the caller's handles */
  assert_int_equal(ac_task_release(AC_TASK(a)), 0);
  assert_int_equal(ac_loop_close(loop), 0); /* b and c go with the loop */
}

/* Tasks that are all done already: the await does not suspend.  An empty
 * list succeeds at once too. */
static void test_gather_fast_path(void **state) {
  mk m = {{NULL}, 0, 0, NULL};
  ac_loop *loop;
  (void)state;
  /* two tasks that finished before the gather; then an empty list */
  loop = new_loop(1);
  m.n = 2;
  m.list[0] = AC_TASK(one());
  m.list[1] = AC_TASK(worker(0, 0));
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[0]->fut), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &m.list[1]->fut), 0);
  {
    ac_handle h = {0};
    ticker_start(&g_tick, loop);
    assert_int_equal(ac_call_soon(loop, &h, mk_cb, &m), 0);
    ac_loop_stop(loop);
    assert_int_equal(ac_loop_run_forever(loop), 0);
    g_err = 1;
    assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
    g_tick.on = 0;
  }
  assert_int_equal(g_err, 0);
  assert_int_equal(g_n1, g_n0); /* no iteration in between */
  m.n = 0;
  {
    ac_handle h = {0};
    ticker_start(&g_tick, loop);
    assert_int_equal(ac_call_soon(loop, &h, mk_cb, &m), 0);
    ac_loop_stop(loop);
    assert_int_equal(ac_loop_run_forever(loop), 0);
    g_err = 1;
    assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
    g_tick.on = 0;
  }
  assert_int_equal(g_err, 0);
  assert_int_equal(g_n1, g_n0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The first failure fails the gather at once, with its error and message;
 * the other children keep running (not cancelled) and finish later. */
static void test_gather_first_error(void **state) {
  worker_task *slow = worker(1.0, 0);
  worker_task *bad = worker(0.2, AC_EPROTO);
  worker_task *bad2 = worker(0.5, AC_EAGAIN);
  mk m = {{AC_TASK(slow), AC_TASK(bad), AC_TASK(bad2)}, 3, 0, NULL};
  ac_loop *loop;
  (void)state;
  ac_set_unretrieved_handler(count_report, NULL);
  g_reports = 0;
  loop = run_gather(&m);
  assert_int_equal(g_err, AC_EPROTO);
  assert_string_equal(g_msg, "worker failed");
  assert_true(g_t1 == 0.2);
  assert_false(ac_task_done(AC_TASK(slow))); /* still running */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(slow)), 0);
  assert_int_equal(slow->ac_ret, 10); /* not cancelled */
  assert_int_equal(g_finished, 1);
  assert_int_equal(ac_task_release(AC_TASK(bad)), 0); /* retrieved: quiet */
  assert_int_equal(g_reports, 0);
  assert_int_equal(ac_task_release(AC_TASK(bad2)), 0); /* nobody read it */
  assert_int_equal(g_reports, 1);
  assert_int_equal(ac_loop_close(loop), 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* A child that is cancelled (by someone else) fails the gather with
 * AC_ECANCELED, as in asyncio. */
static void test_gather_child_cancelled(void **state) {
  worker_task *a = worker(1.0, 0);
  mk m = {{AC_TASK(a), AC_TASK(worker(1.0, 0))}, 2, 0, NULL};
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, mk_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_task_cancel(AC_TASK(a)), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* AC_GATHER_RETURN_ERRORS waits for every child and succeeds; every
 * outcome is read with ac_task_error, and none is reported. */
static void test_gather_return_errors(void **state) {
  worker_task *a = worker(0.5, 0);
  worker_task *b = worker(0.1, AC_EPROTO);
  worker_task *c = worker(0.3, AC_ECONNRESET);
  mk m = {{AC_TASK(a), AC_TASK(b), AC_TASK(c)}, 3, AC_GATHER_RETURN_ERRORS,
          NULL};
  ac_loop *loop;
  (void)state;
  ac_set_unretrieved_handler(count_report, NULL);
  g_reports = 0;
  loop = run_gather(&m);
  assert_int_equal(g_err, 0);
  assert_true(g_t1 == 0.5);
  assert_int_equal(ac_task_error(AC_TASK(a)), 0);
  assert_int_equal(a->ac_ret, 5);
  assert_int_equal(ac_task_error(AC_TASK(b)), AC_EPROTO);
  assert_int_equal(ac_loop_close(loop), 0); /* c retrieved by the gather */
  assert_int_equal(g_reports, 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* Cancelling the awaiting task cancels every child; the gather waits for
 * them (here one refuses and takes 1 s more) before failing with
 * AC_ECANCELED and the cancel's message. */
static void test_gather_cancelled(void **state) {
  worker_task *a = worker(5.0, 0);
  worker_task *b = worker_x(5.0, 0, 1); /* stubborn */
  mk m = {{AC_TASK(a), AC_TASK(b)}, 2, 0, NULL};
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  (void)state;
  g_started = g_finished = g_unwound = 0;
  assert_int_equal(ac_call_soon(loop, &h, mk_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(g_started, 2);
  assert_int_equal(ac_task_cancel_msg(m.task, "stop"), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_string_equal(g_msg, "stop");
  assert_true(g_t1 == 1.5); /* b's extra second */
  assert_true(ac_task_cancelled(AC_TASK(a)));
  assert_string_equal(ac_future_message(AC_FUTURE(a)), "stop");
  assert_int_equal(ac_task_error(AC_TASK(b)), 0); /* b refused and returned */
  assert_int_equal(ac_task_cancelling(AC_TASK(a)), 1);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A NULL element (a constructor out of memory) fails the await with
 * AC_ENOMEM; the coroutines of the list are spawned and cancelled at once,
 * so they never run; their handles stay valid.  Unknown flags, and a list
 * holding the awaiting task, are AC_EINVAL; a coroutine being awaited,
 * AC_EREUSED. */
static void test_gather_bad_lists(void **state) {
  worker_task *a = worker(0.1, 0);
  mk m = {{AC_TASK(a), NULL}, 2, 0, NULL};
  ac_loop *loop;
  (void)state;
  loop = run_gather(&m);
  assert_int_equal(g_err, AC_ENOMEM);
  assert_int_equal(g_started, 0);
  assert_true(ac_task_cancelled(AC_TASK(a)));
  assert_int_equal(ac_loop_close(loop), 0);

  a = worker(0.1, 0);
  m.list[0] = AC_TASK(a);
  m.n = 1;
  m.flags = 0x100;
  loop = run_gather(&m);
  assert_int_equal(g_err, AC_EINVAL);
  assert_int_equal(g_started, 0);
  assert_int_equal(ac_loop_close(loop), 0);

  m.list[0] = (ac_task *)(void *)ac_future_new();
  m.flags = 0;
  loop = run_gather(&m);
  assert_int_equal(g_err, AC_EINVAL); /* a plain future */
  assert_int_equal(ac_future_free((ac_future *)(void *)m.list[0]), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void self_gather(void) { await ac_gather(&me, 1, 0); }: waiting
 * for itself is AC_EINVAL. */
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
  RT_AWAIT_CATCH(1, ac_gather(ac_f->list, 1, 0), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  return AC__DONE;
}
static void test_gather_self(void **state) {
  ac_task *t = ac__frame_new(sizeof(struct self_frame), self_resume, 0,
                             "self_gather");
  (void)state;
  g_err = 1;
  assert_int_equal(ac_run_task(t), 0);
  assert_int_equal(g_err, AC_EINVAL);
}

/* A coroutine being awaited (inline, by another coroutine) cannot be
 * gathered: AC_EREUSED, and it is left to its awaiter. */
static ac_task *g_inner; /* the coroutine being awaited */
static void reuse_cb(void *arg) {
  mk *m = arg;
  m->list[0] = g_inner;
  m->n = 1;
  mk_cb(m);
}
static void test_gather_reused(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *inner = nap(1.0);
  wait_on_task *outer = wait_on(inner);
  mk m = {{NULL}, 0, 0, NULL};
  ac_handle h = {0};
  (void)state;
  g_inner = AC_TASK(inner);
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, outer), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* outer awaits inner */
  assert_int_equal(ac_call_soon(loop, &h, reuse_cb, &m), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  assert_int_equal(g_err, AC_EREUSED);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(outer)), 0);
  assert_int_equal(ac_task_error(AC_TASK(outer)), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* AC_GATHER: a fixed list of typed handles, evaluated once each;
 * AC_GATHER_RELEASE releases every task when the await ends (the loop
 * close then has nothing left to free; ASan checks the rest). */
static worker_task *g_a, *g_b;
static int g_evals;
static worker_task *counted(worker_task *t) {
  g_evals++;
  return t;
}
static void macro_cb(void *arg) {
  ac_task **out = arg;
  g_evals = 0;
  *out = ac_task_spawn(gatherer(AC_GATHER(0, counted(g_a), counted(g_b))));
  assert_int_equal(g_evals, 2);
}
static void release_cb(void *arg) {
  ac_task **out = arg;
  *out = ac_task_spawn(gatherer(
      AC_GATHER(AC_GATHER_RELEASE, worker(0.1, 0), worker(0.2, 0), one())));
}
static void test_gather_macro(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = NULL;
  ac_handle h = {0};
  (void)state;
  g_a = worker(0.2, 0);
  g_b = worker(0.4, 0);
  assert_int_equal(ac_call_soon(loop, &h, macro_cb, &t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_a->ac_ret + g_b->ac_ret, 6);
  assert_int_equal(ac_task_release(AC_TASK(g_a)), 0);
  assert_int_equal(ac_task_release(AC_TASK(g_b)), 0);
  assert_int_equal(ac_call_soon(loop, &h, release_cb, &t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  g_err = 1;
  g_finished = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_finished, 2);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The same task twice in the list, with AC_GATHER_RELEASE: released once,
 * freed once. */
static void test_gather_duplicates(void **state) {
  worker_task *a = worker(0.1, 0);
  mk m = {{AC_TASK(a), AC_TASK(a), AC_TASK(a)}, 3, AC_GATHER_RELEASE, NULL};
  ac_loop *loop;
  (void)state;
  loop = run_gather(&m);
  assert_int_equal(g_err, 0);
  assert_int_equal(g_started, 1);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Out of memory for the gather's frame: NULL, whose await fails with
 * AC_ENOMEM; the coroutines are spawned and cancelled, nothing leaks. */
static int g_fail_next; /* fail the allocation after this many */
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
static void test_gather_enomem(void **state) {
  ac_allocator al = {failing_alloc, plain_free, NULL};
  worker_task *a;
  mk m = {{NULL}, 1, 0, NULL};
  ac_loop *loop;
  (void)state;
  g_fail_next = -1;
  assert_int_equal(ac_set_allocator(&al), 0);
  loop = new_loop(1);
  a = worker(0.1, 0);
  m.list[0] = AC_TASK(a);
  {
    ac_handle h = {0};
    g_fail_next = 0; /* the gather's frame (made first) fails */
    assert_int_equal(ac_call_soon(loop, &h, mk_cb, &m), 0);
    ac_loop_stop(loop);
    assert_int_equal(ac_loop_run_forever(loop), 0);
    g_err = 1;
    g_started = 0;
    assert_int_equal(ac_loop_run_until_complete(loop, &m.task->fut), 0);
  }
  assert_int_equal(g_err, AC_ENOMEM);
  assert_int_equal(g_started, 0);
  assert_true(ac_task_cancelled(AC_TASK(a)));
  assert_int_equal(ac_loop_close(loop), 0);
  g_fail_next = -1;
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing left live */
}

/* async void regather(void) {
 *   list[0] = worker_x(5, 0, 1); await ac_gather(list, 1, 0);
 * }: the child, spawned after this task, refuses its cancellation. */
struct regather_frame {
  ac_task ac_co;
  ac_task *list[1];
  void *ac_aw[1];
};
static ac__step regather_resume(ac_task *ac_self) {
  struct regather_frame *ac_f = (struct regather_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->list[0] = AC_TASK(worker_x(5.0, 0, 1));
  RT_AWAIT(1, ac_gather(ac_f->list, 1, 0));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}

/* A loop close while a gather waits for a child that refuses its
 * cancellation: the close destroys the gathering task first (it was
 * spawned first), its frame unfinished, and the gather's node must leave
 * the child's list (no use after free: ASan checks). */
static void test_gather_abandoned_by_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  assert_int_equal(
      ac_call_soon(loop, &h, spawn_cb,
                   ac__frame_new(sizeof(struct regather_frame),
                                 regather_resume, 0, "regather")),
      0);
  assert_int_equal(ac_call_later(loop, &h2, 0.5, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* async void selfcancel(void) {
 *   ac_task_cancel(me); list[0] = worker(1, 0);
 *   await ac_gather(list, 1, 0) catch (err);
 * }: a task with a cancellation pending when it starts the gather: the
 * children are cancelled (before they ever run) and awaited, and the
 * gather fails with AC_ECANCELED. */
struct selfcancel_frame {
  ac_task ac_co;
  ac_task *list[1];
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step selfcancel_resume(ac_task *ac_self) {
  struct selfcancel_frame *ac_f = (struct selfcancel_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  assert_int_equal(ac_task_cancel(ac_self), 0);
  ac_f->list[0] = AC_TASK(worker(1.0, 0));
  RT_AWAIT_CATCH(1, ac_gather(ac_f->list, 1, 0), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  assert_true(ac_task_cancelled(ac_f->list[0]));
  return AC__DONE;
}
static void test_gather_already_cancelled(void **state) {
  (void)state;
  g_err = 1;
  g_started = 0;
  assert_int_equal(ac_run_task(ac__frame_new(sizeof(struct selfcancel_frame),
                                             selfcancel_resume, 0,
                                             "selfcancel")),
                   0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_int_equal(g_started, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gather_all_succeed),
      cmocka_unit_test(test_gather_fast_path),
      cmocka_unit_test(test_gather_first_error),
      cmocka_unit_test(test_gather_child_cancelled),
      cmocka_unit_test(test_gather_return_errors),
      cmocka_unit_test(test_gather_cancelled),
      cmocka_unit_test(test_gather_bad_lists),
      cmocka_unit_test(test_gather_self),
      cmocka_unit_test(test_gather_reused),
      cmocka_unit_test(test_gather_macro),
      cmocka_unit_test(test_gather_duplicates),
      cmocka_unit_test(test_gather_enomem),
      cmocka_unit_test(test_gather_abandoned_by_close),
      cmocka_unit_test(test_gather_already_cancelled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
