/* test_group.c - task groups (asyncio.TaskGroup). */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_started;  /* children whose body started */
static int g_finished; /* children that returned */
static int g_unwound;  /* children that unwound */

/* async int child(double d, int fail, double extra) {
 *   g_started++;
 *   await ac_sleep(d) catch (err);        // with extra > 0: refuses a cancel
 *   if (err) { if (extra <= 0) unwind with err; await ac_sleep(extra); }
 *   if (fail) await ac_raise(fail, "child failed");
 *   g_finished++; return (int)(d * 10);
 * } */
typedef struct child_task {
  ac_task ac_co;
  int ac_ret;
} child_task;
struct child_frame {
  ac_task ac_co;
  int ac_ret;
  double d;
  int fail;
  double extra;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step child_resume(ac_task *ac_self) {
  struct child_frame *ac_f = (struct child_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  g_started++;
  RT_AWAIT_CATCH(1, ac_sleep(ac_f->d), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  if (ac_f->err != 0) {
    if (ac_f->extra <= 0) {
      ac_self->fut.err = ac_f->err; /* rethrow */
      ac_self->fut.msg = ac_f->msg;
      goto ac_fail;
    }
    RT_AWAIT(2, ac_sleep(ac_f->extra));
    ac__release(&ac_f->ac_aw[0]);
  }
  if (ac_f->fail) {
    RT_AWAIT(3, ac_raise(ac_f->fail, "child failed"));
    ac__release(&ac_f->ac_aw[0]);
  }
  g_finished++;
  ac_f->ac_ret = (int)(ac_f->d * 10);
  return AC__DONE;
ac_fail:
  g_unwound++;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static child_task *child_x(double d, int fail, double extra) {
  struct child_frame *ac_f =
      ac__frame_new(sizeof *ac_f, child_resume, AC__CO_INT_RESULT, "child");
  if (ac_f) {
    ac_f->d = d;
    ac_f->fail = fail;
    ac_f->extra = extra;
  }
  return (child_task *)ac_f;
}
static child_task *child(double d, int fail) { return child_x(d, fail, 0); }

static ac_task_group g_group;   /* the group of the test */
static child_task *g_kids[4];   /* its children */
static int g_nkids;
static int g_err;               /* the wait's error */
static const char *g_msg;       /* ...and message */
static double g_t;              /* loop time after the wait */
static int g_spawn_r[4];        /* results of spawns */
static int g_errors[4];         /* ac_task_group_errors */
static int g_nerrors;
static int g_sum;               /* the children's results, read after */

/* async void parent(int skip_wait) {
 *   ac_task_group_init(&g); defer ac_task_group_cancel(&g);
 *   for each kid: ac_task_group_spawn(&g, kid);
 *   if (!skip_wait) await ac_task_group_wait(&g) catch (err, msg);
 *   read results and errors;
 * } */
struct parent_frame {
  ac_task ac_co;
  int skip_wait;
  int i;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step parent_resume(ac_task *ac_self) {
  struct parent_frame *ac_f = (struct parent_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_task_group_init(&g_group);
  for (ac_f->i = 0; ac_f->i < g_nkids; ac_f->i++)
    g_spawn_r[ac_f->i] = ac_task_group_spawn(&g_group, g_kids[ac_f->i]);
  if (!ac_f->skip_wait) {
    RT_AWAIT_CATCH(1, ac_task_group_wait(&g_group), ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
    g_err = ac_f->err;
    g_msg = ac_f->msg;
    g_t = ac_loop_time(ac_loop_current());
    g_nerrors = ac_task_group_errors(&g_group, g_errors, 4);
    g_sum = 0;
    for (ac_f->i = 0; ac_f->i < g_nkids; ac_f->i++)
      if (ac_task_error(AC_TASK(g_kids[ac_f->i])) == 0)
        g_sum += g_kids[ac_f->i]->ac_ret; /* valid until the group ends */
  }
  ac_task_group_cancel(&g_group); /* the defer */
  return AC__DONE;
}
static ac_task *parent(int skip_wait) {
  struct parent_frame *ac_f =
      ac__frame_new(sizeof *ac_f, parent_resume, 0, "parent");
  if (ac_f)
    ac_f->skip_wait = skip_wait;
  return &ac_f->ac_co;
}

static int g_reports; /* unretrieved-error reports */
static void count_report(ac_task *t, int err, const char *msg, void *ud) {
  (void)t;
  (void)err;
  (void)msg;
  (void)ud;
  g_reports++;
}

/* Run parent(skip_wait) with the kids on a fresh loop, to its end. */
static ac_loop *run_parent(int skip_wait, ac_task **out) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(skip_wait);
  g_started = g_finished = g_unwound = 0;
  g_err = 1;
  g_msg = NULL;
  g_reports = 0;
  ac_set_unretrieved_handler(count_report, NULL);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  if (out != NULL)
    *out = t;
  return loop;
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* Every child succeeds: the wait ends with the last one, and the results
 * are read from the handles, which are valid until the group's end. */
static void test_group_all_succeed(void **state) {
  ac_loop *loop;
  (void)state;
  g_kids[0] = child(0.3, 0);
  g_kids[1] = child(0.1, 0);
  g_kids[2] = child(0.2, 0);
  g_nkids = 3;
  loop = run_parent(0, NULL);
  assert_int_equal(g_spawn_r[0], 0);
  assert_int_equal(g_err, 0);
  assert_true(g_t == 0.3);
  assert_int_equal(g_sum, 6);
  assert_int_equal(g_nerrors, 0);
  assert_int_equal(ac_loop_close(loop), 0); /* the group freed them all */
  ac_set_unretrieved_handler(NULL, NULL);
}

/* One child fails: the others are cancelled (at once) and awaited; the
 * wait fails with its error and message; no report. */
static void test_group_one_fails(void **state) {
  ac_loop *loop;
  (void)state;
  g_kids[0] = child(5.0, 0);
  g_kids[1] = child(0.2, AC_EPROTO);
  g_kids[2] = child_x(5.0, 0, 0.5); /* refuses: 0.5 s more */
  g_nkids = 3;
  loop = run_parent(0, NULL);
  assert_int_equal(g_err, AC_EPROTO);
  assert_string_equal(g_msg, "child failed");
  assert_true(g_t == 0.7); /* the refusing child was awaited */
  assert_int_equal(g_nerrors, 1);
  assert_int_equal(g_errors[0], AC_EPROTO);
  assert_int_equal(g_unwound, 2); /* kid 0 cancelled, kid 1 failed */
  assert_int_equal(g_sum, 50);   /* kid 2 caught and returned */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_reports, 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* Two children fail (the second while the group is already cancelling the
 * others): AC_EGROUP, and both errors, in the order they failed. */
static void test_group_several_fail(void **state) {
  ac_loop *loop;
  (void)state;
  g_kids[0] = child(0.3, AC_ECONNRESET);
  g_kids[1] = child(0.1, AC_EPROTO);
  g_kids[2] = child_x(5.0, AC_EAGAIN, 0.5); /* refuses, then fails */
  g_nkids = 3;
  loop = run_parent(0, NULL);
  assert_int_equal(g_err, AC_EGROUP);
  assert_null(g_msg);
  assert_int_equal(g_nerrors, 2);
  assert_int_equal(g_errors[0], AC_EPROTO);
  assert_int_equal(g_errors[1], AC_EAGAIN);
  assert_int_equal(ac_task_group_errors(&g_group, NULL, 0), 0); /* ended */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_reports, 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* The waiting task is cancelled: every child is cancelled and awaited
 * (one takes 1 s more) before the wait fails with AC_ECANCELED. */
static void cancel_cb(void *arg) {
  assert_int_equal(ac_task_cancel_msg(arg, "stop"), 0);
}
static void test_group_parent_cancelled(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(0);
  ac_handle h = {0};
  (void)state;
  g_kids[0] = child(5.0, 0);
  g_kids[1] = child_x(5.0, 0, 1.0);
  g_nkids = 2;
  g_err = 1;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_string_equal(g_msg, "stop");
  assert_true(g_t == 1.5);
  assert_int_equal(g_sum, 50); /* the refusing child's result */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A deadline around the wait: the children are cancelled and awaited, the
 * wait fails with AC_ETIMEDOUT (the children see AC_ECANCELED). */
struct scoped_parent_frame {
  ac_task ac_co;
  ac_timeout_scope ts;
  void *ac_aw[1];
};
static ac__step scoped_parent_resume(ac_task *ac_self) {
  struct scoped_parent_frame *ac_f = (struct scoped_parent_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  assert_int_equal(ac_timeout_enter(&ac_f->ts, 1.0), 0);
  RT_AWAIT(1, parent(0));
  ac__release(&ac_f->ac_aw[0]);
  ac_timeout_exit(&ac_f->ts);
  return AC__DONE;
ac_fail:
  ac_timeout_exit(&ac_f->ts);
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static void test_group_deadline(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = ac__frame_new(sizeof(struct scoped_parent_frame),
                             scoped_parent_resume, 0, "scoped_parent");
  (void)state;
  g_kids[0] = child(5.0, 0);
  g_kids[1] = child(5.0, 0);
  g_nkids = 2;
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, AC_ETIMEDOUT);
  assert_true(g_t == 1.0);
  assert_int_equal(ac_task_error(t), 0); /* the parent caught it */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A way out that skips the wait: the deferred end cancels the children
 * (not awaited: they finish on their own, released) and frees the group's
 * nodes; the parent returns at once. */
static void test_group_skipped_wait(void **state) {
  ac_loop *loop;
  ac_task *t;
  (void)state;
  g_kids[0] = child(1.0, 0);
  g_kids[1] = child(2.0, 0);
  g_nkids = 2;
  loop = run_parent(1, &t);
  assert_true(ac_task_done(t));
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(g_started, 0); /* cancelled before they started */
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* A wait with no child ends at once, without suspending; waiting again
 * gives the same outcome; spawning after the wait is AC_ESTATE (the
 * coroutine is destroyed); after the end, wait is AC_ESTATE. */
static ticker g_tick;
static unsigned long g_n0, g_n1;
struct empty_frame {
  ac_task ac_co;
  ac_task_group g;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step empty_resume(ac_task *ac_self) {
  struct empty_frame *ac_f = (struct empty_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  ac_task_group_init(&ac_f->g);
  g_n0 = g_tick.n;
  RT_AWAIT(1, ac_task_group_wait(&ac_f->g));
  ac__release(&ac_f->ac_aw[0]);
  g_n1 = g_tick.n;
  RT_AWAIT(2, ac_task_group_wait(&ac_f->g)); /* again: same outcome */
  ac__release(&ac_f->ac_aw[0]);
  assert_int_equal(ac_task_group_spawn(&ac_f->g, one()), AC_ESTATE);
  assert_int_equal(ac_task_group_cancel(&ac_f->g), 0);
  RT_AWAIT_CATCH(3, ac_task_group_wait(&ac_f->g), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static void test_group_empty(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t =
      ac__frame_new(sizeof(struct empty_frame), empty_resume, 0, "empty");
  (void)state;
  ticker_start(&g_tick, loop);
  g_err = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  g_tick.on = 0;
  assert_int_equal(ac_task_error(t), 0);
  assert_int_equal(g_n1, g_n0);
  assert_int_equal(g_err, AC_ESTATE);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* spawn's errors: NULL (a constructor out of memory), no loop (the
 * coroutine is destroyed), NULL group, a task (left alone). */
static void test_group_spawn_errors(void **state) {
  ac_task_group g;
  ac_loop *loop;
  ac_task *t;
  (void)state;
  ac_task_group_init(&g);
  assert_int_equal(ac_task_group_spawn(&g, (child_task *)NULL), AC_ENOMEM);
  assert_int_equal(ac_task_group_spawn(&g, one()), AC_ENOLOOP); /* freed */
  assert_int_equal(ac_task_group_spawn(NULL, one()), AC_EINVAL);
  assert_int_equal(ac_task_group_cancel(&g), 0);
  assert_int_equal(ac_task_group_cancel(NULL), AC_EINVAL);
  assert_int_equal(ac_task_group_errors(NULL, NULL, 0), AC_EINVAL);
  ac_task_group_init(NULL);

  loop = new_loop(1);
  t = AC_TASK(child(1.0, 0));
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  ac_task_group_init(&g);
  assert_int_equal(ac_task_group_spawn(&g, t), AC_EINVAL); /* a task */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A group that aborts refuses new children: spawned from a callback after
 * a child failed, AC_ESTATE. */
static int g_late_r;
static void late_spawn_cb(void *arg) {
  (void)arg;
  g_late_r = ac_task_group_spawn(&g_group, child(0.1, 0));
}
static void test_group_spawn_while_aborting(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(0);
  ac_handle h = {0};
  (void)state;
  g_kids[0] = child(0.2, AC_EPROTO);
  g_kids[1] = child_x(5.0, 0, 1.0);
  g_nkids = 2;
  g_late_r = 1;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, late_spawn_cb, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_late_r, AC_ESTATE);
  assert_int_equal(g_err, AC_EPROTO);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Children spawned from outside the body (callbacks), and a second
 * waiter: AC_EBUSY. */
static void spawn_more_cb(void *arg) {
  (void)arg;
  assert_int_equal(ac_task_group_spawn(&g_group, child(1.5, 0)), 0);
}
struct second_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static int g_second_err;
static ac__step second_resume(ac_task *ac_self) {
  struct second_frame *ac_f = (struct second_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT_CATCH(1, ac_task_group_wait(&g_group), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_second_err = ac_f->err;
  return AC__DONE;
}
static void test_group_spawn_from_callback(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(0);
  ac_handle h = {0};
  ac_handle h2 = {0};
  ac_task *second =
      ac__frame_new(sizeof(struct second_frame), second_resume, 0, "second");
  (void)state;
  g_kids[0] = child(1.0, 0);
  g_nkids = 1;
  g_second_err = 1;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, spawn_more_cb, NULL), 0);
  assert_int_equal(ac_call_later(loop, &h2, 0.6, spawn_cb, second), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_true(g_t == 2.0); /* the late child counted */
  assert_int_equal(g_second_err, AC_EBUSY);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A child that waits on its own group would wait for itself: AC_EINVAL. */
struct selfwait_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step selfwait_resume(ac_task *ac_self) {
  struct selfwait_frame *ac_f = (struct selfwait_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT_CATCH(1, ac_task_group_wait(&g_group), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_second_err = ac_f->err;
  return AC__DONE;
}
static void test_group_child_waits(void **state) {
  ac_loop *loop;
  (void)state;
  g_kids[0] = ac__frame_new(sizeof(struct selfwait_frame), selfwait_resume,
                            0, "selfwait");
  g_nkids = 1;
  g_second_err = 1;
  loop = run_parent(0, NULL);
  assert_int_equal(g_second_err, AC_EINVAL);
  assert_int_equal(g_err, 0);
  assert_int_equal(ac_loop_close(loop), 0);
  ac_set_unretrieved_handler(NULL, NULL);
}

/* ac_task_group_cancel from another task while the parent waits: the
 * children are cancelled, the wait ends (cancelled children are no
 * failures), and the parent's own deferred end frees everything. */
static void group_cancel_cb(void *arg) {
  (void)arg;
  assert_int_equal(ac_task_group_cancel(&g_group), 2);
}
static void test_group_cancel_while_waiting(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(0);
  ac_handle h = {0};
  (void)state;
  g_kids[0] = child(5.0, 0);
  g_kids[1] = child(5.0, 0);
  g_nkids = 2;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_call_later(loop, &h, 0.5, group_cancel_cb, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(g_err, 0);
  assert_true(g_t == 0.5);
  assert_int_equal(g_sum, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A loop close while the parent waits: the close cancels everything, the
 * parent's wait cancels and awaits the children, and everything unwinds. */
static void test_group_loop_close(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = parent(0);
  ac_handle h = {0};
  (void)state;
  g_kids[0] = child(5.0, 0);
  g_kids[1] = child(5.0, 0);
  g_nkids = 2;
  g_err = 1;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_err, AC_ECANCELED);
}

/* The waiting task has a cancellation pending when it starts the wait:
 * the children are cancelled (never run) and awaited, ECANCELED. */
static void cancel_parent_cb(void *arg) {
  assert_int_equal(ac_task_cancel(arg), 0);
}
struct early_frame {
  ac_task ac_co;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step early_resume(ac_task *ac_self) {
  struct early_frame *ac_f = (struct early_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_task_group_init(&g_group);
  assert_int_equal(ac_task_group_spawn(&g_group, child(1.0, 0)), 0);
  cancel_parent_cb(ac_self);
  RT_AWAIT_CATCH(1, ac_task_group_wait(&g_group), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  g_err = ac_f->err;
  ac_task_group_cancel(&g_group);
  return AC__DONE;
}
static void test_group_already_cancelled(void **state) {
  (void)state;
  g_err = 1;
  g_started = 0;
  assert_int_equal(ac_run_task(ac__frame_new(sizeof(struct early_frame),
                                             early_resume, 0, "early")),
                   0);
  assert_int_equal(g_err, AC_ECANCELED);
  assert_int_equal(g_started, 0);
}

/* No memory for a child's node: AC_ENOMEM, the coroutine is destroyed. */
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
static int g_enomem_r;
static void enomem_cb(void *arg) {
  ac_task *co = arg;
  g_fail_next = 0;
  g_enomem_r = ac_task_group_spawn(&g_group, co);
  g_fail_next = -1;
}
static void test_group_spawn_enomem(void **state) {
  ac_allocator al = {failing_alloc, plain_free, NULL};
  ac_handle h = {0};
  ac_loop *loop;
  (void)state;
  assert_int_equal(ac_set_allocator(&al), 0);
  loop = new_loop(1);
  ac_task_group_init(&g_group);
  assert_int_equal(ac_call_soon(loop, &h, enomem_cb, child(1.0, 0)), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(g_enomem_r, AC_ENOMEM);
  assert_int_equal(ac_task_group_cancel(&g_group), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_set_allocator(NULL), 0); /* the child was freed */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_group_all_succeed),
      cmocka_unit_test(test_group_one_fails),
      cmocka_unit_test(test_group_several_fail),
      cmocka_unit_test(test_group_parent_cancelled),
      cmocka_unit_test(test_group_deadline),
      cmocka_unit_test(test_group_skipped_wait),
      cmocka_unit_test(test_group_empty),
      cmocka_unit_test(test_group_spawn_errors),
      cmocka_unit_test(test_group_spawn_while_aborting),
      cmocka_unit_test(test_group_spawn_from_callback),
      cmocka_unit_test(test_group_child_waits),
      cmocka_unit_test(test_group_cancel_while_waiting),
      cmocka_unit_test(test_group_loop_close),
      cmocka_unit_test(test_group_already_cancelled),
      cmocka_unit_test(test_group_spawn_enomem),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
