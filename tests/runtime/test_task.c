/* test_task.c - coroutine frames, tasks, the trampoline and ac_run. */
#include "rt_test.h"

#include <math.h>

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

static int g_marks; /* how many times mark() ran */

/* async int mark(void) { g_marks++; return 7; } */
typedef struct mark_task {
  ac_task ac_co;
  int ac_ret;
} mark_task;
struct mark_frame {
  ac_task ac_co;
  int ac_ret;
};
static ac__step mark_resume(ac_task *ac_self) {
  struct mark_frame *ac_f = (struct mark_frame *)ac_self;
  RT_DISPATCH();
  g_marks++;
  ac_f->ac_ret = 7;
  return AC__DONE;
}
static mark_task *mark(void) {
  struct mark_frame *ac_f =
      ac__frame_new(sizeof *ac_f, mark_resume, AC__CO_INT_RESULT, "mark");
  return (mark_task *)ac_f;
}

static int g_ran_inline; /* g_marks right after ac_spawn */
static int g_ran_after;  /* g_marks after one trip through the loop */

/* async int spawner(void) {
 *   mark_task *c = mark(); ac_spawn(c); g_ran_inline = g_marks;
 *   await ac_sleep(0); g_ran_after = g_marks;
 *   return await c;        // c is done by now: no suspension
 * } */
typedef struct spawner_task {
  ac_task ac_co;
  int ac_ret;
} spawner_task;
struct spawner_frame {
  ac_task ac_co;
  int ac_ret;
  mark_task *c;
  void *ac_aw[1];
};
static ac__step spawner_resume(ac_task *ac_self) {
  struct spawner_frame *ac_f = (struct spawner_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_f->c = mark();
  ac_spawn(ac_f->c);
  g_ran_inline = g_marks;
  RT_AWAIT(1, ac_sleep(0));
  ac__release(&ac_f->ac_aw[0]);
  g_ran_after = g_marks;
  RT_AWAIT(2, ac_f->c);
  ac_f->ac_ret = ((mark_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static spawner_task *spawner(void) {
  struct spawner_frame *ac_f =
      ac__frame_new(sizeof *ac_f, spawner_resume, AC__CO_INT_RESULT, "spawner");
  return (spawner_task *)ac_f;
}

static ticker g_tick;      /* counts loop iterations */
static unsigned long g_t[4]; /* g_tick.n at points of probe() */
static int g_suspended;    /* probe's await of a done future suspended */
static ac_future g_done;   /* a future that is already done */

/* async int probe(void) {
 *   g_t[0] = ticks; int x = await one(); g_t[1] = ticks;
 *   await ac_sleep(0); g_t[2] = ticks;
 *   await &g_done; g_t[3] = ticks; return x;
 * } */
typedef struct probe_task {
  ac_task ac_co;
  int ac_ret;
} probe_task;
struct probe_frame {
  ac_task ac_co;
  int ac_ret;
  int x;
  void *ac_aw[1];
};
static ac__step probe_resume(ac_task *ac_self) {
  struct probe_frame *ac_f = (struct probe_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  g_t[0] = g_tick.n;
  RT_AWAIT(1, one());
  ac_f->x = ((one_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  g_t[1] = g_tick.n;
  RT_AWAIT(2, ac_sleep(0));
  ac__release(&ac_f->ac_aw[0]);
  g_t[2] = g_tick.n;
  ac_f->ac_aw[0] = &g_done;
  if (!ac__await(ac_self, ac_f->ac_aw[0])) {
    g_suspended = 1;
    ac_self->state = 3;
    return AC__SUSPEND;
  }
ac_L3:
  if (ac__check(ac_self, ac_f->ac_aw[0]))
    goto ac_fail;
  ac__release(&ac_f->ac_aw[0]);
  g_t[3] = g_tick.n;
  g_tick.on = 0;
  ac_f->ac_ret = ac_f->x;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static probe_task *probe(void) {
  struct probe_frame *ac_f =
      ac__frame_new(sizeof *ac_f, probe_resume, AC__CO_INT_RESULT, "probe");
  return (probe_task *)ac_f;
}

/* async int add_later(double d, int x) { await ac_sleep(d); return x + 1; } */
typedef struct add_later_task {
  ac_task ac_co;
  int ac_ret;
} add_later_task;
struct add_later_frame {
  ac_task ac_co;
  int ac_ret;
  double d;
  int x;
  void *ac_aw[1];
};
static ac__step add_later_resume(ac_task *ac_self) {
  struct add_later_frame *ac_f = (struct add_later_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_sleep(ac_f->d));
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = ac_f->x + 1;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static add_later_task *add_later(double d, int x) {
  struct add_later_frame *ac_f =
      ac__frame_new(sizeof *ac_f, add_later_resume, AC__CO_INT_RESULT, "add_later");
  if (ac_f) {
    ac_f->d = d;
    ac_f->x = x;
  }
  return (add_later_task *)ac_f;
}

/* async int parent(void) {
 *   add_later_task *t = add_later(0.5, 41); ac_spawn(t); return await t;
 * } */
typedef struct parent_task {
  ac_task ac_co;
  int ac_ret;
} parent_task;
struct parent_frame {
  ac_task ac_co;
  int ac_ret;
  add_later_task *t;
  void *ac_aw[1];
};
static ac__step parent_resume(ac_task *ac_self) {
  struct parent_frame *ac_f = (struct parent_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->t = add_later(0.5, 41);
  ac_spawn(ac_f->t);
  RT_AWAIT(1, ac_f->t);
  ac_f->ac_ret = ((add_later_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static parent_task *parent(void) {
  struct parent_frame *ac_f =
      ac__frame_new(sizeof *ac_f, parent_resume, AC__CO_INT_RESULT, "parent");
  return (parent_task *)ac_f;
}

/* Completes the future arg: with an error if g_inner_fail. */
static int g_inner_fail;
static void settle_cb(void *arg) {
  if (g_inner_fail)
    assert_int_equal(ac_future_set_error(arg, AC_ETIMEDOUT, "boom"), 0);
  else
    assert_int_equal(ac_future_set_result(arg, NULL), 0);
}

/* async int inner(void) {
 *   ac_future fut; ac_call_soon(ac_loop_current(), &h, settle_cb, &fut);
 *   await &fut; return 1;
 * }                                       (fut and h live in the frame) */
typedef struct inner_task {
  ac_task ac_co;
  int ac_ret;
} inner_task;
struct inner_frame {
  ac_task ac_co;
  int ac_ret;
  ac_future fut;
  ac_handle h;
  void *ac_aw[1];
};
static ac__step inner_resume(ac_task *ac_self) {
  struct inner_frame *ac_f = (struct inner_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_future_init(&ac_f->fut);
  ac_call_soon(ac_loop_current(), &ac_f->h, settle_cb, &ac_f->fut);
  RT_AWAIT(1, &ac_f->fut);
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = 1;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static inner_task *inner(void) {
  struct inner_frame *ac_f =
      ac__frame_new(sizeof *ac_f, inner_resume, AC__CO_INT_RESULT, "inner");
  return (inner_task *)ac_f;
}

/* async int middle(void) { return await inner() + 1; } */
typedef struct middle_task {
  ac_task ac_co;
  int ac_ret;
} middle_task;
struct middle_frame {
  ac_task ac_co;
  int ac_ret;
  void *ac_aw[1];
};
static ac__step middle_resume(ac_task *ac_self) {
  struct middle_frame *ac_f = (struct middle_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, inner());
  ac_f->ac_ret = ((inner_task *)ac_f->ac_aw[0])->ac_ret + 1;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static middle_task *middle(void) {
  struct middle_frame *ac_f =
      ac__frame_new(sizeof *ac_f, middle_resume, AC__CO_INT_RESULT, "middle");
  return (middle_task *)ac_f;
}

/* async int outer(void) { return await middle() + 1; } */
typedef struct outer_task {
  ac_task ac_co;
  int ac_ret;
} outer_task;
struct outer_frame {
  ac_task ac_co;
  int ac_ret;
  void *ac_aw[1];
};
static ac__step outer_resume(ac_task *ac_self) {
  struct outer_frame *ac_f = (struct outer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, middle());
  ac_f->ac_ret = ((middle_task *)ac_f->ac_aw[0])->ac_ret + 1;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static outer_task *outer(void) {
  struct outer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, outer_resume, AC__CO_INT_RESULT, "outer");
  return (outer_task *)ac_f;
}

/* async int await_null(void) { await (ac_future *)NULL; return 5; }
 * (what `await ac_sleep(d)` becomes when ac_sleep ran out of memory) */
typedef struct await_null_task {
  ac_task ac_co;
  int ac_ret;
} await_null_task;
struct await_null_frame {
  ac_task ac_co;
  int ac_ret;
  void *ac_aw[1];
};
static ac__step await_null_resume(ac_task *ac_self) {
  struct await_null_frame *ac_f = (struct await_null_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, NULL);
  ac__release(&ac_f->ac_aw[0]);
  ac_f->ac_ret = 5;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static await_null_task *await_null(void) {
  struct await_null_frame *ac_f =
      ac__frame_new(sizeof *ac_f, await_null_resume, AC__CO_INT_RESULT, "await_null");
  return (await_null_task *)ac_f;
}

/* async int twice(void) { one_task *c = one(); return await c + await c; } */
typedef struct twice_task {
  ac_task ac_co;
  int ac_ret;
} twice_task;
struct twice_frame {
  ac_task ac_co;
  int ac_ret;
  one_task *c;
  void *ac_aw[2];
};
static ac__step twice_resume(ac_task *ac_self) {
  struct twice_frame *ac_f = (struct twice_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_f->c = one();
  RT_AWAIT(1, ac_f->c);
  ac_f->ac_aw[1] = ac_f->c;
  if (!ac__await(ac_self, ac_f->ac_aw[1])) {
    ac_self->state = 2;
    return AC__SUSPEND;
  }
ac_L2:
  if (ac__check(ac_self, ac_f->ac_aw[1]))
    goto ac_fail;
  ac_f->ac_ret = ((one_task *)ac_f->ac_aw[0])->ac_ret +
                 ((one_task *)ac_f->ac_aw[1])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  ac__release(&ac_f->ac_aw[1]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 2);
}
static twice_task *twice(void) {
  struct twice_frame *ac_f =
      ac__frame_new(sizeof *ac_f, twice_resume, AC__CO_INT_RESULT, "twice");
  return (twice_task *)ac_f;
}

/* async int counter(int n) {
 *   int c = 0; for (int i = 0; i < n; i++) c += await one(); return c;
 * } */
typedef struct counter_task {
  ac_task ac_co;
  int ac_ret;
} counter_task;
struct counter_frame {
  ac_task ac_co;
  int ac_ret;
  int n;
  int c;
  int i;
  void *ac_aw[1];
};
static ac__step counter_resume(ac_task *ac_self) {
  struct counter_frame *ac_f = (struct counter_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->c = 0;
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_AWAIT(1, one());
    ac_f->c += ((one_task *)ac_f->ac_aw[0])->ac_ret;
    ac__release(&ac_f->ac_aw[0]);
  }
  ac_f->ac_ret = ac_f->c;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static counter_task *counter(int n) {
  struct counter_frame *ac_f =
      ac__frame_new(sizeof *ac_f, counter_resume, AC__CO_INT_RESULT, "counter");
  if (ac_f)
    ac_f->n = n;
  return (counter_task *)ac_f;
}

/* async int depth(int n, int nap_at_bottom) {
 *   if (n == 0) { if (nap_at_bottom) await ac_sleep(0); return 0; }
 *   return await depth(n - 1, nap_at_bottom) + 1;
 * } */
typedef struct depth_task {
  ac_task ac_co;
  int ac_ret;
} depth_task;
struct depth_frame {
  ac_task ac_co;
  int ac_ret;
  int n;
  int nap_at_bottom;
  void *ac_aw[1];
};
static depth_task *depth(int n, int nap_at_bottom);
static ac__step depth_resume(ac_task *ac_self) {
  struct depth_frame *ac_f = (struct depth_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  if (ac_f->n == 0) {
    if (ac_f->nap_at_bottom) {
      RT_AWAIT(1, ac_sleep(0));
      ac__release(&ac_f->ac_aw[0]);
    }
    ac_f->ac_ret = 0;
    return AC__DONE;
  }
  RT_AWAIT(2, depth(ac_f->n - 1, ac_f->nap_at_bottom));
  ac_f->ac_ret = ((depth_task *)ac_f->ac_aw[0])->ac_ret + 1;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static depth_task *depth(int n, int nap_at_bottom) {
  struct depth_frame *ac_f =
      ac__frame_new(sizeof *ac_f, depth_resume, AC__CO_INT_RESULT, "depth");
  if (ac_f) {
    ac_f->n = n;
    ac_f->nap_at_bottom = nap_at_bottom;
  }
  return (depth_task *)ac_f;
}

/* async int nested(void) { return ac_run(one()); } */
typedef struct nested_task {
  ac_task ac_co;
  int ac_ret;
} nested_task;
struct nested_frame {
  ac_task ac_co;
  int ac_ret;
};
static ac__step nested_resume(ac_task *ac_self) {
  struct nested_frame *ac_f = (struct nested_frame *)ac_self;
  RT_DISPATCH();
  ac_f->ac_ret = ac_run(one());
  return AC__DONE;
}
static nested_task *nested(void) {
  struct nested_frame *ac_f =
      ac__frame_new(sizeof *ac_f, nested_resume, AC__CO_INT_RESULT, "nested");
  return (nested_task *)ac_f;
}

/* async void selfish(void) { await <this very task>; } */
struct selfish_frame {
  ac_task ac_co;
  void *ac_aw[1];
};
static ac__step selfish_resume(ac_task *ac_self) {
  struct selfish_frame *ac_f = (struct selfish_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_self);
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *selfish(void) {
  return ac__frame_new(sizeof(struct selfish_frame), selfish_resume, 0, "selfish");
}

/* async void canceller(void) {
 *   ac_future_cancel(<this task>); await ac_sleep(100);  // fails at once
 * } */
static int g_after_cancel; /* canceller went past its await */
struct canceller_frame {
  ac_task ac_co;
  void *ac_aw[1];
};
static ac__step canceller_resume(ac_task *ac_self) {
  struct canceller_frame *ac_f = (struct canceller_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  assert_int_equal(ac_future_cancel(&ac_self->fut), 0);
  RT_AWAIT(1, ac_sleep(100));
  ac__release(&ac_f->ac_aw[0]);
  g_after_cancel = 1;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *canceller(void) {
  return ac__frame_new(sizeof(struct canceller_frame), canceller_resume, 0, "canceller");
}

/* ------------------------------------------------------------------------ */
/* Tests                                                                    */
/* ------------------------------------------------------------------------ */

/* A spawned task starts on a later iteration, never inside ac_spawn; a
 * task that is done by the time it is awaited gives its result. */
static void test_spawn_runs_later(void **state) {
  (void)state;
  g_marks = 0;
  assert_int_equal(ac_run(spawner()), 7);
  assert_int_equal(g_ran_inline, 0);
  assert_int_equal(g_ran_after, 1);
  assert_int_equal(g_marks, 1);
}

/* Awaiting a coroutine runs it inline (no loop iteration passes), sleep(0)
 * costs exactly one iteration, a done future does not suspend. */
static void test_inline_await_costs_no_iteration(void **state) {
  ac_loop *loop = new_loop(1);
  probe_task *t = probe();
  (void)state;
  ac_future_init(&g_done);
  assert_int_equal(ac_future_set_result(&g_done, NULL), 0);
  g_suspended = 0;
  ticker_start(&g_tick, loop);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_int_equal(t->ac_ret, 1);
  assert_int_equal(g_t[1], g_t[0]);
  assert_int_equal(g_t[2], g_t[1] + 1);
  assert_int_equal(g_t[3], g_t[2]);
  assert_int_equal(g_suspended, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Awaiting a spawned task suspends until it is done, then gives its typed
 * result. */
static void test_await_spawned_task(void **state) {
  ac_loop *loop = new_loop(1);
  parent_task *t = parent();
  (void)state;
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_int_equal(t->ac_ret, 42);
  assert_true(ac_loop_time(loop) == 0.5);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A future's error travels up through three frames, with its message;
 * success gives 1 + 1 + 1. */
static void test_error_propagation(void **state) {
  ac_loop *loop = new_loop(1);
  outer_task *t = outer();
  (void)state;
  g_inner_fail = 1;
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_task_done(AC_TASK(t)));
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_ETIMEDOUT);
  assert_string_equal(ac_future_message(AC_FUTURE(t)), "boom");
  assert_false(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_loop_close(loop), 0);

  assert_int_equal(ac_run(outer()), AC_ETIMEDOUT);
  g_inner_fail = 0;
  assert_int_equal(ac_run(outer()), 3);
}

/* Awaiting NULL (a constructor out of memory) fails with AC_ENOMEM. */
static void test_await_null(void **state) {
  (void)state;
  assert_int_equal(ac_run(await_null()), AC_ENOMEM);
}

/* A coroutine can be awaited once: `await c + await c` is AC_EREUSED, and
 * c is freed exactly once (ASan). */
static void test_await_twice(void **state) {
  (void)state;
  assert_int_equal(ac_run(twice()), AC_EREUSED);
}

/* While shared is being awaited, it can be neither spawned nor run. */
static void try_shared_cb(void *arg) {
  assert_null(ac_task_spawn(arg));
  assert_int_equal(ac_loop_run_until_complete(ac_loop_current(), arg),
                   AC_EREUSED);
}

/* Two tasks awaiting the same coroutine: while a runs it (parked in its
 * sleep), b's await gets AC_EREUSED and b does not free it; a runs it to
 * the end and frees it (ASan: exactly once). */
static void test_shared_coroutine(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *shared = nap(1.0);
  wait_on_task *a = wait_on(shared);
  wait_on_task *b = wait_on(shared);
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  assert_int_equal(ac_call_later(loop, &h2, 0.5, try_shared_cb, shared), 0);
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, b), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  assert_int_equal(ac_task_error(AC_TASK(a)), 0);
  assert_int_equal(ac_task_error(AC_TASK(b)), AC_EREUSED);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Run fn(arg) on a thread with a small stack: the trampoline must not grow
 * the C stack with the number or depth of awaits. */
static void run_small_stack(void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  pthread_t th;
  assert_int_equal(pthread_attr_init(&attr), 0);
  assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  assert_int_equal(pthread_create(&th, &attr, fn, arg), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  pthread_attr_destroy(&attr);
}

#if defined(__SANITIZE_ADDRESS__)
#define AC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AC_TEST_ASAN 1
#endif
#endif
#ifdef AC_TEST_ASAN
#define DEEP 100000 /* ASan's redzones make 1e6 frames too heavy */
#else
#define DEEP 1000000
#endif

static int g_result; /* written by the small-stack threads */

static void *run_counter(void *arg) {
  (void)arg;
  g_result = ac_run(counter(1000000));
  return NULL;
}

static void *run_depth(void *arg) {
  g_result = ac_run(depth(DEEP, arg != NULL));
  return NULL;
}

/* 1e6 sequential awaits of a coroutine that never suspends. */
static void test_million_awaits(void **state) {
  (void)state;
  g_result = 0;
  run_small_stack(run_counter, NULL);
  assert_int_equal(g_result, 1000000);
}

/* Async recursion DEEP frames deep, returning straight up, and parking at
 * the bottom (one sleep(0)) before unwinding. */
static void test_deep_recursion(void **state) {
  (void)state;
  g_result = 0;
  run_small_stack(run_depth, NULL);
  assert_int_equal(g_result, DEEP);
  g_result = 0;
  run_small_stack(run_depth, (void *)1);
  assert_int_equal(g_result, DEEP);
}

/* ac_run: the int result, 0 for a void coroutine, errors. */
static void test_run_results(void **state) {
  (void)state;
  assert_int_equal(ac_run(one()), 1);
  assert_int_equal(ac_run(nap(0)), 0);
  assert_int_equal(ac_run(nap(0.01)), 0);
  assert_int_equal(ac_run_task(NULL), AC_ENOMEM);
  assert_int_equal(ac_run(nested()), AC_EBUSY);
  assert_null(ac_loop_current());
}

/* A task awaiting a future nobody completes: AC_ESTALLED, and closing the
 * loop unhooks the task from the future. */
static void test_run_stalled(void **state) {
  ac_future never;
  (void)state;
  ac_future_init(&never);
  assert_int_equal(ac_run(wait_on(&never)), AC_ESTALLED);
  assert_true(never.waiters.next == &never.waiters);
  assert_false(ac_future_done(&never));
}

/* A task awaiting itself fails at once instead of hanging. */
static void test_await_self(void **state) {
  (void)state;
  assert_int_equal(ac_run_task(selfish()), AC_EINVAL);
}

/* A corrupt resume point is AC_ESTATE, not a crash. */
static void test_bad_state(void **state) {
  one_task *c = one();
  (void)state;
  assert_non_null(c);
  c->ac_co.state = 99;
  assert_int_equal(ac_run(c), AC_ESTATE);
}

/* ac_spawn edge cases. */
static void test_spawn_edges(void **state) {
  ac_loop *loop = new_loop(1);
  one_task *c = one();
  ac_handle h = {0};
  (void)state;
  assert_null(ac_task_spawn(NULL));
  assert_null(ac_spawn(one())); /* no loop: destroyed (ASan: no leak) */
  assert_int_equal(ac_task_release(AC_TASK(c)), AC_ESTATE); /* not a task */
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, c), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(c)), 0);
  assert_ptr_equal(ac_task_spawn(AC_TASK(c)), AC_TASK(c)); /* already one */
  assert_int_equal(c->ac_ret, 1);
  assert_int_equal(ac_task_release(NULL), 0);
  assert_int_equal(ac_task_error(NULL), AC_EINVAL);
  assert_false(ac_task_done(NULL));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Released tasks: a pending one is freed when it finishes, a done one at
 * once; either way exactly once (ASan). */
static void test_release(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *a = nap(1.0);
  nap_task *b = nap(2.0);
  ac_handle h1 = {0};
  ac_handle h2 = {0};
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h1, spawn_cb, a), 0);
  assert_int_equal(ac_call_soon(loop, &h2, spawn_cb, b), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  assert_false(ac_task_done(AC_TASK(b)));
  assert_int_equal(ac_task_release(AC_TASK(a)), 0); /* done: freed now */
  assert_int_equal(ac_task_release(AC_TASK(b)), 0); /* freed when done */
  assert_int_equal(ac_task_release(AC_TASK(b)), 0); /* twice: no-op */
  assert_int_equal(ac_call_later(loop, &h1, 5.0, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

static int g_cb_cancelled; /* the done-callback saw a cancelled task */
static void record_cancelled(ac_future *f, void *arg) {
  (void)arg;
  g_cb_cancelled = ac_future_cancelled(f);
}

/* Cancels the task arg. */
static void cancel_cb(void *arg) {
  assert_int_equal(ac_future_cancel(arg), 0);
}

/* Cancelling a sleeping task: its sleep's timer goes away (the clock does
 * not jump to it), the task finishes cancelled, done-callbacks see it. */
static void test_cancel_sleeping_task(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *t = nap(100.0);
  ac_handle h = {0};
  ac_done_cb node = {0};
  (void)state;
  g_cb_cancelled = 0;
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(
      ac_future_add_done_callback(AC_FUTURE(t), &node, record_cancelled, NULL),
      AC_EINVAL); /* not a task yet */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_ECANCELED);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), AC_ESTATE);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Cancelling a task that waits on a future cancels the future (asyncio),
 * which wakes the task.  A done-callback added on the finished task with
 * no loop running is queued on the task's own loop, and runs from it
 * (here, in its close). */
static void test_cancel_waiting_task(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future *f = ac_future_new();
  wait_on_task *t = wait_on(f);
  ac_handle h = {0};
  ac_handle h2 = {0};
  ac_done_cb node = {0};
  (void)state;
  g_cb_cancelled = 0;
  assert_int_equal(ac_call_soon(loop, &h2, spawn_cb, t), 0);
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(f));
  assert_int_equal(
      ac_future_add_done_callback(AC_FUTURE(t), &node, record_cancelled, NULL),
      0); /* done: queued on t's loop, not run inline */
  assert_int_equal(g_cb_cancelled, 0);
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), AC_ESTATE);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_future_free(f), 0); /* nothing waits on it any more */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_cb_cancelled, 1);
}

/* Cancelling a parked task with no loop running: it is woken on its own
 * loop, and unwinds when that loop runs next. */
static void test_cancel_outside_loop(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future f;
  wait_on_task *t = wait_on(&f);
  (void)state;
  ac_future_init(&f);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)),
                   AC_ESTALLED);
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), 0);
  assert_false(ac_task_done(AC_TASK(t)));
  assert_true(f.waiters.next == &f.waiters); /* unhooked at once */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), AC_ESTATE);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ac_sleep(NaN) fails the await with AC_EINVAL. */
static void test_sleep_nan(void **state) {
  (void)state;
  assert_int_equal(ac_run(nap(NAN)), AC_EINVAL);
}

/* Cancelling a task before it started: its body never runs. */
static void spawn_and_cancel_cb(void *arg) {
  ac_task *t = ac_task_spawn(arg);
  assert_non_null(t);
  assert_int_equal(ac_future_cancel(&t->fut), 0);
}

static void test_cancel_before_start(void **state) {
  ac_loop *loop = new_loop(1);
  mark_task *t = mark();
  ac_handle h = {0};
  (void)state;
  g_marks = 0;
  assert_int_equal(ac_call_soon(loop, &h, spawn_and_cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(g_marks, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task that cancels itself fails at its next await without waiting. */
static void test_cancel_self(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = canceller();
  (void)state;
  g_after_cancel = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_int_equal(ac_task_error(t), AC_ECANCELED);
  assert_int_equal(g_after_cancel, 0);
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Done-callbacks on a task run after it finished, from the loop. */
static void add_cb_and_spawn(void *arg) {
  static ac_done_cb node;
  memset(&node, 0, sizeof node);
  assert_non_null(ac_task_spawn(arg));
  assert_int_equal(ac_future_add_done_callback((ac_future *)arg, &node,
                                               record_cancelled, NULL),
                   0);
}

static void test_task_done_callback(void **state) {
  ac_loop *loop = new_loop(1);
  nap_task *t = nap(3.0);
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  g_cb_cancelled = -1;
  assert_int_equal(ac_call_soon(loop, &h, add_cb_and_spawn, t), 0);
  assert_int_equal(ac_call_later(loop, &h2, 10.0, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(g_cb_cancelled, 0); /* ran, saw a normal finish */
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* When released tasks are freed                                            */
/* ------------------------------------------------------------------------ */

static const void *g_watch;   /* the block whose free is watched */
static int (*g_watch_check)(void); /* evaluated when it is freed */
static int g_watch_result;    /* its result then; -1: not freed yet */

static void *watch_alloc(size_t size, void *ud) {
  (void)ud;
  return malloc(size);
}

/* Frees, and evaluates the check when the watched block goes. */
static void watch_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  if (ptr == g_watch)
    g_watch_result = g_watch_check();
  free(ptr);
}

/* Install the watching allocator (no block may be live). */
static void watch_start(int (*check)(void)) {
  ac_allocator a = {watch_alloc, watch_free, NULL};
  g_watch = NULL;
  g_watch_check = check;
  g_watch_result = -1;
  assert_int_equal(ac_set_allocator(&a), 0);
}

static ac_task *g_rel;        /* the released task */
static ac_task *g_rel_waiter; /* a task awaiting it */
static ac_done_cb g_rel_node; /* a done-callback on g_rel */

static int waiter_done(void) { return ac_task_done(g_rel_waiter); }

/* g_rel's done-callback: cancels the task awaiting g_rel, whose wake-up,
 * queued by g_rel's completion, moves to the back of the ready queue. */
static void cancel_rel_waiter(ac_future *f, void *arg) {
  (void)f;
  (void)arg;
  assert_int_equal(ac_future_cancel(&g_rel_waiter->fut), 0);
}

/* Spawns g_rel, adds its done-callback first, then spawns its waiter. */
static void spawn_rel_pair(void *arg) {
  (void)arg;
  assert_non_null(ac_task_spawn(g_rel));
  assert_int_equal(ac_future_add_done_callback(&g_rel->fut, &g_rel_node,
                                               cancel_rel_waiter, NULL),
                   0);
  assert_non_null(ac_task_spawn(g_rel_waiter));
}

/* A released task is freed only after every waiter its completion queued
 * has run, even one whose wake-up a cancel moved behind the others: the
 * cancelled waiter unwinds reading the task (ASan), and the task's frame
 * goes only once the waiter is done. */
static void test_release_waits_for_requeued_waiter(void **state) {
  ac_loop *loop;
  ac_handle h = {0};
  (void)state;
  watch_start(waiter_done);
  loop = new_loop(1);
  memset(&g_rel_node, 0, sizeof g_rel_node);
  g_rel = AC_TASK(nap(1.0));
  g_rel_waiter = AC_TASK(wait_on(g_rel));
  g_watch = g_rel;
  assert_int_equal(ac_call_soon(loop, &h, spawn_rel_pair, NULL), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_task_release(g_rel), 0);
  assert_int_equal(ac_task_release(g_rel), 0); /* pending: no-op */
  assert_int_equal(ac_loop_run_until_complete(loop, &g_rel_waiter->fut), 0);
  assert_int_equal(ac_task_error(g_rel_waiter), AC_ECANCELED);
  assert_int_equal(g_watch_result, 1); /* freed, after the waiter finished */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing leaked */
}

static int g_rel_cb_ran; /* the done-callback on g_rel ran */
static void rel_cb(ac_future *f, void *arg) {
  (void)arg;
  assert_ptr_equal(f, &g_rel->fut);
  assert_int_equal(ac_future_error(f), 0); /* reads the task */
  g_rel_cb_ran = 1;
}
static int rel_cb_ran(void) { return g_rel_cb_ran; }

/* Spawns g_rel with a done-callback. */
static void spawn_rel_with_cb(void *arg) {
  (void)arg;
  assert_non_null(ac_task_spawn(g_rel));
  assert_int_equal(
      ac_future_add_done_callback(&g_rel->fut, &g_rel_node, rel_cb, NULL), 0);
}

/* Releasing a finished task while no loop runs, with its done-callback
 * still queued on its loop: it is freed only after that callback ran
 * (here in the close), and releasing it again meanwhile is a no-op. */
static void test_release_outside_loop_waits_for_callbacks(void **state) {
  ac_loop *loop;
  ac_handle h = {0};
  (void)state;
  watch_start(rel_cb_ran);
  loop = new_loop(1);
  memset(&g_rel_node, 0, sizeof g_rel_node);
  g_rel_cb_ran = 0;
  g_rel = AC_TASK(one());
  g_watch = g_rel;
  assert_int_equal(ac_call_soon(loop, &h, spawn_rel_with_cb, NULL), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* spawns */
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* runs it: cb queued */
  assert_true(ac_task_done(g_rel));
  assert_int_equal(g_rel_cb_ran, 0);
  assert_int_equal(ac_task_release(g_rel), 0);
  assert_int_equal(g_watch_result, -1); /* not freed: cb still queued */
  assert_int_equal(ac_task_release(g_rel), 0); /* still alive: no-op */
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(g_rel_cb_ran, 1);
  assert_int_equal(g_watch_result, 1); /* freed after the callback */
  assert_int_equal(ac_set_allocator(NULL), 0);
}

/* ------------------------------------------------------------------------ */
/* More cancellation                                                        */
/* ------------------------------------------------------------------------ */

static int g_quit_cancel_rc = 1; /* what quitter's self-cancel returned */

/* async int quitter(void) {
 *   g_rc = ac_future_cancel(&self->fut);  // asks, while running
 *   return 42;                            // no await after it
 * } */
typedef struct quitter_task {
  ac_task ac_co;
  int ac_ret;
} quitter_task;
struct quitter_frame {
  ac_task ac_co;
  int ac_ret;
};
static ac__step quitter_resume(ac_task *ac_self) {
  struct quitter_frame *ac_f = (struct quitter_frame *)ac_self;
  RT_DISPATCH();
  g_quit_cancel_rc = ac_future_cancel(&ac_self->fut);
  ac_f->ac_ret = 42;
  return AC__DONE;
}
static quitter_task *quitter(void) {
  struct quitter_frame *ac_f =
      ac__frame_new(sizeof *ac_f, quitter_resume, AC__CO_INT_RESULT, "quitter");
  return (quitter_task *)ac_f;
}

/* A task asked to cancel while it runs, which then returns without another
 * await, finishes cancelled (asyncio: the request is honoured when the
 * coroutine stops), and its done-callbacks see it cancelled. */
static void test_cancel_then_return(void **state) {
  ac_loop *loop = new_loop(1);
  quitter_task *t = quitter();
  ac_handle h = {0};
  (void)state;
  g_cb_cancelled = -1;
  assert_int_equal(ac_call_soon(loop, &h, add_cb_and_spawn, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(g_quit_cancel_rc, 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_ECANCELED);
  assert_int_equal(g_cb_cancelled, 1);
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), AC_ESTATE);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_run(quitter()), AC_ECANCELED);
}

/* A task spawned but not started when no loop runs can be cancelled: it
 * finishes cancelled, on its own loop, without running its body. */
static void test_cancel_unstarted_outside_loop(void **state) {
  ac_loop *loop = new_loop(1);
  mark_task *t = mark();
  ac_handle h = {0};
  (void)state;
  g_marks = 0;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* spawned, not started */
  assert_false(ac_task_done(AC_TASK(t)));
  assert_int_equal(ac_future_cancel(AC_FUTURE(t)), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(g_marks, 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Several loops                                                            */
/* ------------------------------------------------------------------------ */

static ac_loop *g_ran_on[4]; /* the loop each done-callback ran on */
static void record_loop(ac_future *f, void *arg) {
  (void)f;
  g_ran_on[(intptr_t)arg] = ac_loop_current();
}

static ac_future g_xf;       /* the future the loops share */
static ac_done_cb g_xnode[4]; /* done-callbacks on it and on the task */

/* Adds done-callback 0 on g_xf while loop A runs. */
static void add_on_a(void *arg) {
  (void)arg;
  assert_int_equal(ac_future_add_done_callback(&g_xf, &g_xnode[0],
                                               record_loop, (void *)0),
                   0);
}

static void complete_xf(void *arg) {
  assert_int_equal(ac_future_set_result(&g_xf, arg), 0);
}

/* Loops A and B, one after the other on this thread.  A's task waits on a
 * future that a callback on B completes: the task wakes and runs on A
 * (it used to be queued on B), and so do the done-callbacks added while A
 * ran or, with no loop running, on A's task; one added on the future with
 * no loop running runs on B, where the future completed.  A future whose
 * waiters all know their loops can also be completed with no loop
 * running. */
static void test_wakeups_on_own_loop(void **state) {
  ac_loop *a = new_loop(1);
  ac_loop *b = new_loop(1);
  wait_on_task *t = wait_on(&g_xf);
  wait_on_task *t2;
  ac_future g;
  ac_handle h = {0};
  (void)state;
  memset(g_xnode, 0, sizeof g_xnode);
  memset(g_ran_on, 0, sizeof g_ran_on);
  ac_future_init(&g_xf);
  ac_future_init(&g);
  assert_int_equal(ac_call_soon(a, &h, add_on_a, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(t)), AC_ESTALLED);
  assert_int_equal(ac_future_add_done_callback(AC_FUTURE(t), &g_xnode[1],
                                               record_loop, (void *)1),
                   0); /* no loop: on t's */
  assert_int_equal(ac_future_add_done_callback(&g_xf, &g_xnode[2],
                                               record_loop, (void *)2),
                   0); /* no loop, plain future: where it completes */
  assert_int_equal(ac_call_soon(b, &h, complete_xf, &h), 0);
  assert_int_equal(ac_loop_run_until_complete(b, &g_xf), 0);
  assert_ptr_equal(g_ran_on[2], b);
  assert_null(g_ran_on[0]); /* queued on A, which is not running */
  assert_false(ac_task_done(AC_TASK(t)));
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(t)), 0);
  assert_ptr_equal(t->ac_ret, &h);
  assert_ptr_equal(g_ran_on[0], a);
  assert_ptr_equal(g_ran_on[1], a);
  t2 = wait_on(&g);
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(t2)), AC_ESTALLED);
  assert_int_equal(ac_future_set_result(&g, &g), 0); /* no loop running */
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(t2)), 0);
  assert_ptr_equal(t2->ac_ret, &g);
  assert_int_equal(ac_loop_close(b), 0);
  assert_int_equal(ac_loop_close(a), 0);
}

/* Adds done-callback 3 on g_xf while its loop runs. */
static void add_node3(void *arg) {
  (void)arg;
  assert_int_equal(ac_future_add_done_callback(&g_xf, &g_xnode[3],
                                               record_loop, (void *)3),
                   0);
}

/* A done-callback added while loop A ran, on a future still pending when A
 * is closed, is not left pointing at the freed loop: it runs on the loop
 * that completes the future (ASan). */
static void test_done_callback_outlives_its_loop(void **state) {
  ac_loop *a = new_loop(1);
  ac_loop *b = new_loop(1);
  ac_handle h = {0};
  (void)state;
  memset(g_xnode, 0, sizeof g_xnode);
  memset(g_ran_on, 0, sizeof g_ran_on);
  ac_future_init(&g_xf);
  assert_int_equal(ac_call_soon(a, &h, add_node3, NULL), 0);
  ac_loop_stop(a);
  assert_int_equal(ac_loop_run_forever(a), 0);
  assert_int_equal(ac_loop_close(a), 0);
  assert_int_equal(ac_future_set_result(&g_xf, NULL), AC_ENOLOOP);
  assert_int_equal(ac_call_soon(b, &h, complete_xf, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(b, &g_xf), 0);
  assert_ptr_equal(g_ran_on[3], b);
  assert_int_equal(ac_loop_close(b), 0);
}

/* A task of loop M, awaited by a task of loop A, finishes and M is closed
 * before A runs again: the awaiting task's wake-up, queued on A, still
 * holds the task, so close keeps its frame until that waiter has run on A
 * (ASan: no use after free, no leak). */
static void test_close_keeps_task_held_elsewhere(void **state) {
  ac_loop *a = new_loop(1);
  ac_loop *m = new_loop(1);
  one_task *t = one();
  wait_on_task *w = wait_on(t);
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_soon(m, &h, spawn_cb, t), 0);
  ac_loop_stop(m);
  assert_int_equal(ac_loop_run_forever(m), 0); /* t spawned on m */
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(w)), AC_ESTALLED);
  assert_int_equal(ac_loop_run_until_complete(m, AC_FUTURE(t)), 0);
  assert_false(ac_task_done(AC_TASK(w))); /* its wake-up waits on a */
  assert_int_equal(ac_loop_close(m), 0);
  assert_int_equal(ac_loop_run_until_complete(a, AC_FUTURE(w)), 0);
  assert_int_equal(ac_task_error(AC_TASK(w)), 0);
  assert_int_equal(ac_loop_close(a), 0);
}

/* ------------------------------------------------------------------------ */
/* Untyped handles                                                          */
/* ------------------------------------------------------------------------ */

/* Spawns the ac_task * arg through ac_spawn. */
static void spawn_untyped(void *arg) {
  ac_task *t = arg;
  assert_ptr_equal(ac_spawn(t), t);
}

/* AC_TASK, AC_FUTURE, ac_spawn and ac_run take an ac_task * as well as a
 * typed handle (this file did not compile when they did not); const stays
 * const. */
static void test_untyped_handles(void **state) {
  ac_loop *loop = new_loop(1);
  ac_task *t = AC_TASK(one());
  const ac_task *ct = t;
  ac_handle h = {0};
  (void)state;
  assert_ptr_equal(AC_TASK(t), t);
  assert_ptr_equal(AC_FUTURE(t), &t->fut);
  assert_ptr_equal(AC_TASK(ct), t);
  assert_false(ac_task_done(AC_TASK(ct)));
  assert_null(AC_TASK((ac_task *)NULL));
  assert_int_equal(ac_call_soon(loop, &h, spawn_untyped, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_false(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(((one_task *)(void *)t)->ac_ret, 1);
  assert_int_equal(ac_loop_close(loop), 0);
  t = AC_TASK(one());
  assert_int_equal(ac_run(t), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spawn_runs_later),
      cmocka_unit_test(test_inline_await_costs_no_iteration),
      cmocka_unit_test(test_await_spawned_task),
      cmocka_unit_test(test_error_propagation),
      cmocka_unit_test(test_await_null),
      cmocka_unit_test(test_await_twice),
      cmocka_unit_test(test_shared_coroutine),
      cmocka_unit_test(test_million_awaits),
      cmocka_unit_test(test_deep_recursion),
      cmocka_unit_test(test_run_results),
      cmocka_unit_test(test_run_stalled),
      cmocka_unit_test(test_await_self),
      cmocka_unit_test(test_bad_state),
      cmocka_unit_test(test_spawn_edges),
      cmocka_unit_test(test_release),
      cmocka_unit_test(test_cancel_sleeping_task),
      cmocka_unit_test(test_cancel_waiting_task),
      cmocka_unit_test(test_cancel_outside_loop),
      cmocka_unit_test(test_sleep_nan),
      cmocka_unit_test(test_cancel_before_start),
      cmocka_unit_test(test_cancel_self),
      cmocka_unit_test(test_task_done_callback),
      cmocka_unit_test(test_release_waits_for_requeued_waiter),
      cmocka_unit_test(test_release_outside_loop_waits_for_callbacks),
      cmocka_unit_test(test_cancel_then_return),
      cmocka_unit_test(test_cancel_unstarted_outside_loop),
      cmocka_unit_test(test_wakeups_on_own_loop),
      cmocka_unit_test(test_done_callback_outlives_its_loop),
      cmocka_unit_test(test_close_keeps_task_held_elsewhere),
      cmocka_unit_test(test_untyped_handles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
