/*
 * rt_test.h - shared by libac's unit tests: cmocka includes, and a few
 * coroutine frames written by hand in exactly the shape acc generates:
 * a typed handle `x_task`, a `struct x_frame` that begins with the same
 * members, a resume function with goto labels, and a constructor that
 * allocates and runs nothing.  Everything here is static inline so each
 * test file uses what it needs without unused-function warnings.
 */
#ifndef RT_TEST_H
#define RT_TEST_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ac.h"

/* ------------------------------------------------------------------------ */
/* The generated shape, as macros for hand-written frames: they expand to   */
/* what acc emits, so the tests drive the runtime through the same protocol. */
/* ------------------------------------------------------------------------ */

/* The dispatch: resume point 0 starts the body, RT_RESUME(n) jumps to the
 * label of suspension point n, anything else is a corrupt frame. */
#define RT_DISPATCH(...)                                                      \
  switch (ac_self->state) {                                                   \
  case 0:                                                                     \
    break;                                                                    \
    __VA_ARGS__                                                               \
  default:                                                                    \
    return ac__bad_state(ac_self);                                            \
  }
#define RT_RESUME(n)                                                          \
  case n:                                                                     \
    goto ac_L##n;

/* Suspension point n: `await expr` through slot 0; a failed await unwinds
 * to the frame's ac_fail label. */
#define RT_AWAIT(n, expr)                                                     \
  ac_f->ac_aw[0] = (expr);                                                    \
  if (!ac__await(ac_self, ac_f->ac_aw[0])) {                                  \
    ac_self->state = (n);                                                     \
    return AC__SUSPEND;                                                       \
  }                                                                           \
  ac_L##n:                                                                    \
  if (ac__check(ac_self, ac_f->ac_aw[0]))                                     \
  goto ac_fail

/* Suspension point n: `await expr catch (err, msg)` through slot 0: a
 * failed await stores its error in err (0 on success) and its message in
 * msg, and the frame goes on.  The value, on success, is read from slot 0
 * as usual. */
#define RT_AWAIT_CATCH(n, expr, err, msg)                                     \
  ac_f->ac_aw[0] = (expr);                                                    \
  if (!ac__await(ac_self, ac_f->ac_aw[0])) {                                  \
    ac_self->state = (n);                                                     \
    return AC__SUSPEND;                                                       \
  }                                                                           \
  ac_L##n:                                                                    \
  (err) = 0;                                                                  \
  (msg) = NULL;                                                               \
  if (ac__check(ac_self, ac_f->ac_aw[0]))                                     \
  (err) = ac__catch(ac_self, &(msg))

/* Suspension point n of a generator: `yield expr` (Y = the handle's
 * ac_yield); an error thrown in, or a close, unwinds to ac_fail.  The
 * sent value, if any, is then in ac_f->ac_pub.ac_send. */
#define RT_YIELD(n, expr)                                                     \
  ac_f->ac_pub.ac_yield = (expr);                                             \
  ac_self->state = (n);                                                       \
  return AC__YIELD;                                                           \
  ac_L##n:                                                                    \
  if (ac__yield_check(ac_self))                                               \
  goto ac_fail

/* Suspension point n of a sync generator: `yield from expr` through slot
 * k; the value is ((__typeof__(expr))ac_f->ac_aw[k])->ac_ret, and the
 * slot is released at the end of the statement. */
#define RT_YIELD_FROM(n, k, expr)                                             \
  ac_f->ac_aw[k] = (void *)(expr);                                            \
  if (!ac__yield_from(ac_self, ac_f->ac_aw[k])) {                             \
    ac_self->state = (n);                                                     \
    return AC__SUSPEND;                                                       \
  }                                                                           \
  ac_L##n:                                                                    \
  if (ac__yield_from_check(ac_self, ac_f->ac_aw[k]))                          \
  goto ac_fail


/* ------------------------------------------------------------------------ */
/* async int one(void) { return 1; }                                        */
/* ------------------------------------------------------------------------ */

typedef struct one_task {
  ac_task ac_co;
  int ac_ret;
} one_task;

struct one_frame {
  ac_task ac_co;
  int ac_ret;
};

static inline ac__step one_resume(ac_task *ac_self) {
  struct one_frame *ac_f = (struct one_frame *)ac_self;
  RT_DISPATCH();
  ac_f->ac_ret = 1;
  return AC__DONE;
}

static inline one_task *one(void) {
  struct one_frame *ac_f =
      ac__frame_new(sizeof *ac_f, one_resume, AC__CO_INT_RESULT, "one");
  return (one_task *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async void nap(double d) { await ac_sleep(d); }                          */
/* ------------------------------------------------------------------------ */

typedef struct nap_task {
  ac_task ac_co;
} nap_task;

struct nap_frame {
  ac_task ac_co;
  double d;
  void *ac_aw[1];
};

static inline ac__step nap_resume(ac_task *ac_self) {
  struct nap_frame *ac_f = (struct nap_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_sleep(ac_f->d));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}

static inline nap_task *nap(double d) {
  struct nap_frame *ac_f = ac__frame_new(sizeof *ac_f, nap_resume, 0, "nap");
  if (ac_f)
    ac_f->d = d;
  return (nap_task *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async void *wait_on(void *aw) { return await aw; }                       */
/* (aw: any awaitable - a plain future, a task, or a coroutine)             */
/* ------------------------------------------------------------------------ */

typedef struct wait_on_task {
  ac_task ac_co;
  void *ac_ret;
} wait_on_task;

struct wait_on_frame {
  ac_task ac_co;
  void *ac_ret;
  void *aw;
  void *ac_aw[1];
};

static inline ac__step wait_on_resume(ac_task *ac_self) {
  struct wait_on_frame *ac_f = (struct wait_on_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->aw);
  ac_f->ac_ret = ((ac_future *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}

static inline wait_on_task *wait_on(void *aw) {
  struct wait_on_frame *ac_f = ac__frame_new(sizeof *ac_f, wait_on_resume, 0, "wait_on");
  if (ac_f)
    ac_f->aw = aw;
  return (wait_on_task *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* A callback that spawns the coroutine arg on the running loop (tests run
 * it with ac_call_soon so that a task can be spawned before its loop
 * runs). */
static inline void spawn_cb(void *arg) {
  assert_non_null(ac_task_spawn((ac_task *)arg));
}

/* A callback that stops the loop arg. */
static inline void stop_cb(void *arg) { ac_loop_stop((ac_loop *)arg); }

/* Counts loop iterations: reschedules itself with call_soon while on. */
typedef struct ticker {
  ac_handle h;        /* its handle */
  ac_loop *loop;      /* the loop it ticks on */
  unsigned long n;    /* iterations seen */
  int on;             /* keep ticking */
} ticker;

static inline void ticker_cb(void *arg) {
  ticker *t = arg;
  t->n++;
  if (t->on)
    assert_int_equal(ac_call_soon(t->loop, &t->h, ticker_cb, t), 0);
}

/* Start t ticking on loop. */
static inline void ticker_start(ticker *t, ac_loop *loop) {
  memset(t, 0, sizeof *t);
  t->loop = loop;
  t->on = 1;
  assert_int_equal(ac_call_soon(loop, &t->h, ticker_cb, t), 0);
}

/* Wall-clock seconds (CLOCK_MONOTONIC), for generous timing bounds. */
static inline double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Make a loop, failing the test if that fails. */
static inline ac_loop *new_loop(int virtual_clock) {
  ac_loop *loop = NULL;
  assert_int_equal(ac_loop_new(&loop), 0);
  assert_non_null(loop);
  assert_int_equal(ac_loop_set_virtual_clock(loop, virtual_clock), 0);
  return loop;
}

#endif /* RT_TEST_H */
