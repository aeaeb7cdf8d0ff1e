/* test_future.c - ac_future: states, errors, cancellation, done-callbacks. */
#include "rt_test.h"

/* A fresh future is pending and empty. */
static void test_initial_state(void **state) {
  ac_future f;
  (void)state;
  ac_future_init(&f);
  assert_false(ac_future_done(&f));
  assert_false(ac_future_cancelled(&f));
  assert_null(ac_future_result(&f));
  assert_int_equal(ac_future_error(&f), 0);
  assert_null(ac_future_message(&f));
}

/* set_result completes once; any second completion is AC_ESTATE. */
static void test_set_result_twice(void **state) {
  ac_future f;
  int value = 42;
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_future_set_result(&f, &value), 0);
  assert_true(ac_future_done(&f));
  assert_false(ac_future_cancelled(&f));
  assert_ptr_equal(ac_future_result(&f), &value);
  assert_int_equal(ac_future_error(&f), 0);
  assert_int_equal(ac_future_set_result(&f, NULL), AC_ESTATE);
  assert_int_equal(ac_future_set_error(&f, AC_EINVAL, NULL), AC_ESTATE);
  assert_int_equal(ac_future_cancel(&f), AC_ESTATE);
  assert_ptr_equal(ac_future_result(&f), &value);
}

/* An error carries its code and borrowed message; no value. */
static void test_set_error(void **state) {
  ac_future f;
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_future_set_error(&f, 0, "x"), AC_EINVAL);
  assert_int_equal(ac_future_set_error(&f, 5, "x"), AC_EINVAL);
  assert_false(ac_future_done(&f));
  assert_int_equal(ac_future_set_error(&f, AC_ETIMEDOUT, "too slow"), 0);
  assert_true(ac_future_done(&f));
  assert_false(ac_future_cancelled(&f));
  assert_int_equal(ac_future_error(&f), AC_ETIMEDOUT);
  assert_string_equal(ac_future_message(&f), "too slow");
  assert_null(ac_future_result(&f));
  assert_int_equal(ac_future_set_result(&f, NULL), AC_ESTATE);
}

/* cancel completes with AC_ECANCELED; cancelling twice is AC_ESTATE. */
static void test_cancel(void **state) {
  ac_future f;
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_future_cancel(&f), 0);
  assert_true(ac_future_done(&f));
  assert_true(ac_future_cancelled(&f));
  assert_int_equal(ac_future_error(&f), AC_ECANCELED);
  assert_null(ac_future_message(&f));
  assert_int_equal(ac_future_cancel(&f), AC_ESTATE);
}

/* NULL arguments are errors, never crashes. */
static void test_null_arguments(void **state) {
  ac_done_cb node = {0};
  (void)state;
  ac_future_init(NULL);
  assert_int_equal(ac_future_set_result(NULL, NULL), AC_EINVAL);
  assert_int_equal(ac_future_set_error(NULL, AC_EINVAL, NULL), AC_EINVAL);
  assert_int_equal(ac_future_cancel(NULL), AC_EINVAL);
  assert_false(ac_future_done(NULL));
  assert_false(ac_future_cancelled(NULL));
  assert_null(ac_future_result(NULL));
  assert_int_equal(ac_future_error(NULL), AC_EINVAL);
  assert_null(ac_future_message(NULL));
  assert_int_equal(ac_future_add_done_callback(NULL, &node, NULL, NULL),
                   AC_EINVAL);
  assert_int_equal(ac_future_remove_done_callback(NULL, &node), AC_EINVAL);
}

static void noop_cb(ac_future *f, void *arg) {
  (void)f;
  (void)arg;
}

/* new/free: freeing is refused while something waits on it, and for
 * futures that ac_future_new did not make. */
static void test_new_free(void **state) {
  ac_future local;
  ac_done_cb node = {0};
  ac_future *f = ac_future_new();
  (void)state;
  assert_non_null(f);
  assert_false(ac_future_done(f));
  assert_int_equal(ac_future_free(NULL), 0);
  assert_int_equal(ac_future_add_done_callback(f, &node, noop_cb, NULL), 0);
  assert_int_equal(ac_future_free(f), AC_EBUSY);
  assert_int_equal(ac_future_remove_done_callback(f, &node), 0);
  assert_int_equal(ac_future_free(f), 0);
  ac_future_init(&local);
  assert_int_equal(ac_future_free(&local), AC_EINVAL);
}

/* Completing a future that has waiters needs a loop to run them. */
static void test_complete_without_loop(void **state) {
  ac_future f;
  ac_done_cb node = {0};
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_future_add_done_callback(&f, &node, noop_cb, NULL), 0);
  assert_int_equal(ac_future_add_done_callback(&f, &node, noop_cb, NULL),
                   AC_EBUSY);
  assert_int_equal(ac_future_set_result(&f, NULL), AC_ENOLOOP);
  assert_false(ac_future_done(&f));
  assert_int_equal(ac_future_remove_done_callback(&f, &node), 0);
  assert_int_equal(ac_future_remove_done_callback(&f, &node), AC_ESTATE);
  assert_int_equal(ac_future_set_result(&f, NULL), 0);
  /* done, no loop: a new callback could not be scheduled */
  assert_int_equal(ac_future_add_done_callback(&f, &node, noop_cb, NULL),
                   AC_ENOLOOP);
}

/* ------------------------------------------------------------------------ */
/* Done-callbacks on a running loop                                         */
/* ------------------------------------------------------------------------ */

struct cb_log {
  ac_future fut;     /* the future under test */
  ac_done_cb cb[4];  /* registrations */
  int order[8];      /* ids in the order callbacks ran */
  int n;             /* callbacks run */
  int inline_runs;   /* callbacks that ran inside set_result */
  ac_loop *loop;     /* to stop it */
  ac_handle h;       /* schedules the completion */
};

static struct cb_log g_log;

/* Record which callback ran; the one with arg 99 stops the loop. */
static void log_cb(ac_future *f, void *arg) {
  int id = (int)(intptr_t)arg;
  assert_ptr_equal(f, &g_log.fut);
  assert_true(ac_future_done(f));
  g_log.order[g_log.n++] = id;
}

/* Completes the future; no callback may run inside set_result. */
static void complete_cb(void *arg) {
  int before = g_log.n;
  (void)arg;
  assert_int_equal(ac_future_set_result(&g_log.fut, NULL), 0);
  g_log.inline_runs += g_log.n - before;
  assert_int_equal(ac_call_soon(g_log.loop, &g_log.h, stop_cb, g_log.loop),
                   0);
}

/* Callbacks run from the loop, after set_result returned, in FIFO order;
 * a removed one does not run. */
static void test_done_callbacks_fifo(void **state) {
  int i;
  (void)state;
  memset(&g_log, 0, sizeof g_log);
  g_log.loop = new_loop(1);
  ac_future_init(&g_log.fut);
  for (i = 0; i < 4; i++)
    assert_int_equal(ac_future_add_done_callback(&g_log.fut, &g_log.cb[i],
                                                 log_cb, (void *)(intptr_t)i),
                     0);
  assert_int_equal(ac_future_remove_done_callback(&g_log.fut, &g_log.cb[2]),
                   0);
  assert_int_equal(ac_call_soon(g_log.loop, &g_log.h, complete_cb, NULL), 0);
  assert_int_equal(ac_loop_run_forever(g_log.loop), 0);
  assert_int_equal(g_log.inline_runs, 0);
  assert_int_equal(g_log.n, 3);
  assert_int_equal(g_log.order[0], 0);
  assert_int_equal(g_log.order[1], 1);
  assert_int_equal(g_log.order[2], 3);
  /* ran: removing now is AC_ESTATE; the node may be reused */
  assert_int_equal(ac_future_remove_done_callback(&g_log.fut, &g_log.cb[0]),
                   AC_ESTATE);
  assert_int_equal(ac_loop_close(g_log.loop), 0);
}

/* Adds a callback to an already-done future: it is scheduled, not run. */
static void add_late_cb(void *arg) {
  (void)arg;
  assert_int_equal(ac_future_set_result(&g_log.fut, NULL), 0);
  assert_int_equal(ac_future_add_done_callback(&g_log.fut, &g_log.cb[0],
                                               log_cb, (void *)(intptr_t)7),
                   0);
  assert_int_equal(ac_future_add_done_callback(&g_log.fut, &g_log.cb[1],
                                               log_cb, (void *)(intptr_t)8),
                   0);
  assert_int_equal(g_log.n, 0);
  /* removable after completion, until it runs */
  assert_int_equal(ac_future_remove_done_callback(&g_log.fut, &g_log.cb[1]),
                   0);
  assert_int_equal(ac_call_soon(g_log.loop, &g_log.h, stop_cb, g_log.loop),
                   0);
}

static void test_done_callback_on_done_future(void **state) {
  (void)state;
  memset(&g_log, 0, sizeof g_log);
  g_log.loop = new_loop(1);
  ac_future_init(&g_log.fut);
  assert_int_equal(ac_call_soon(g_log.loop, &g_log.h, add_late_cb, NULL), 0);
  assert_int_equal(ac_loop_run_forever(g_log.loop), 0);
  assert_int_equal(g_log.n, 1);
  assert_int_equal(g_log.order[0], 7);
  assert_int_equal(ac_loop_close(g_log.loop), 0);
}

/* Done-callbacks need a plain future or a task: a bare coroutine is freed
 * by whoever awaits it. */
static void test_done_callback_on_coroutine(void **state) {
  ac_done_cb node = {0};
  one_task *c = one();
  (void)state;
  assert_non_null(c);
  assert_int_equal(
      ac_future_add_done_callback(AC_FUTURE(c), &node, noop_cb, NULL),
      AC_EINVAL);
  assert_int_equal(ac_future_set_result(AC_FUTURE(c), NULL), AC_EINVAL);
  assert_int_equal(ac_future_cancel(AC_FUTURE(c)), AC_EINVAL);
  assert_null(ac_spawn(c)); /* no loop: destroys c */
}

/* ------------------------------------------------------------------------ */
/* ac_future_free while waiters are queued                                  */
/* ------------------------------------------------------------------------ */

struct free_log {
  ac_future *f;      /* from ac_future_new */
  ac_done_cb cb[2];  /* [0] frees f when it runs, [1] is removed */
  ac_handle h;       /* runs complete_then_free */
  int rc_queued;     /* ac_future_free while the callbacks are queued */
  int rc_removed;    /* ...after removing cb[1] (cb[0] still queued) */
  int rc_in_cb;      /* ...from cb[0], the last one */
};
static struct free_log g_free;

/* The last callback of f may free it. */
static void free_in_cb(ac_future *f, void *arg) {
  (void)arg;
  g_free.rc_in_cb = ac_future_free(f);
}

/* Completes f, then tries to free it while its callbacks are queued. */
static void complete_then_free(void *arg) {
  (void)arg;
  assert_int_equal(ac_future_set_result(g_free.f, NULL), 0);
  g_free.rc_queued = ac_future_free(g_free.f);
  assert_int_equal(ac_future_remove_done_callback(g_free.f, &g_free.cb[1]), 0);
  g_free.rc_removed = ac_future_free(g_free.f);
}

/* A future whose completion queued done-callbacks that have not run yet
 * cannot be freed (AC_EBUSY), however its waiter list looks; removing one
 * drops its claim; the last one to run may free it. */
static void test_free_with_queued_callbacks(void **state) {
  ac_loop *loop = new_loop(1);
  (void)state;
  memset(&g_free, 0, sizeof g_free);
  g_free.rc_in_cb = 1;
  g_free.f = ac_future_new();
  assert_non_null(g_free.f);
  assert_int_equal(
      ac_future_add_done_callback(g_free.f, &g_free.cb[0], free_in_cb, NULL),
      0);
  assert_int_equal(
      ac_future_add_done_callback(g_free.f, &g_free.cb[1], noop_cb, NULL), 0);
  assert_int_equal(ac_call_soon(loop, &g_free.h, complete_then_free, NULL),
                   0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* complete_then_free */
  assert_int_equal(g_free.rc_queued, AC_EBUSY);
  assert_int_equal(g_free.rc_removed, AC_EBUSY);
  assert_int_equal(g_free.rc_in_cb, 1); /* not run yet */
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* free_in_cb */
  assert_int_equal(g_free.rc_in_cb, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

static int g_task_free_rc = 1; /* ac_future_free in await_free */

/* async void await_free(ac_future *f) { await f; g_rc = ac_future_free(f); } */
typedef struct await_free_task {
  ac_task ac_co;
} await_free_task;
struct await_free_frame {
  ac_task ac_co;
  ac_future *f;
  void *ac_aw[1];
};
static ac__step await_free_resume(ac_task *ac_self) {
  struct await_free_frame *ac_f = (struct await_free_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->f);
  ac__release(&ac_f->ac_aw[0]);
  g_task_free_rc = ac_future_free(ac_f->f);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static await_free_task *await_free(ac_future *f) {
  struct await_free_frame *ac_f =
      ac__frame_new(sizeof *ac_f, await_free_resume, 0, "await_free");
  if (ac_f)
    ac_f->f = f;
  return (await_free_task *)ac_f;
}

static int g_rc_queued_task; /* ac_future_free while the task is queued */

/* Completes the future arg and tries to free it at once. */
static void complete_then_free_task(void *arg) {
  assert_int_equal(ac_future_set_result(arg, NULL), 0);
  g_rc_queued_task = ac_future_free(arg);
}

/* The same with a task waiting: while its wake-up is queued the future
 * cannot be freed; once resumed, the task may free it (`await f;
 * ac_future_free(f)`). */
static void test_free_with_queued_task(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future *f = ac_future_new();
  await_free_task *t = await_free(f);
  ac_handle h = {0};
  (void)state;
  g_task_free_rc = 1;
  g_rc_queued_task = 1;
  assert_non_null(f);
  assert_int_equal(ac_call_later(loop, &h, 1.0, complete_then_free_task, f),
                   0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_int_equal(g_rc_queued_task, AC_EBUSY);
  assert_int_equal(g_task_free_rc, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

static int g_rc_pending; /* ac_future_free during run_until_complete */

/* Tries to free the pending future arg, then completes it. */
static void free_then_complete(void *arg) {
  g_rc_pending = ac_future_free(arg);
  assert_int_equal(ac_future_set_result(arg, NULL), 0);
}

/* run_until_complete waits for its future: it cannot be freed under it. */
static void test_free_during_run_until_complete(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future *f = ac_future_new();
  ac_handle h = {0};
  (void)state;
  g_rc_pending = 1;
  assert_int_equal(ac_call_soon(loop, &h, free_then_complete, f), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, f), 0);
  assert_int_equal(g_rc_pending, AC_EBUSY);
  assert_true(ac_future_done(f));
  assert_int_equal(ac_future_free(f), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_initial_state),
      cmocka_unit_test(test_set_result_twice),
      cmocka_unit_test(test_set_error),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_null_arguments),
      cmocka_unit_test(test_new_free),
      cmocka_unit_test(test_complete_without_loop),
      cmocka_unit_test(test_done_callbacks_fifo),
      cmocka_unit_test(test_done_callback_on_done_future),
      cmocka_unit_test(test_done_callback_on_coroutine),
      cmocka_unit_test(test_free_with_queued_callbacks),
      cmocka_unit_test(test_free_with_queued_task),
      cmocka_unit_test(test_free_during_run_until_complete),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
