/* test_loop.c - run_forever/stop, run_until_complete, stalls, threads,
 * closing with pending work, and misuse while running. */
#include "rt_test.h"

#include <stdatomic.h>
#include <unistd.h>
#include <uv.h>

static ticker g_tick;      /* counts iterations */
static unsigned long g_at[4]; /* g_tick.n seen by callbacks */
static ac_loop *g_loop;    /* loop under test */
static ac_handle g_h[4];   /* handles for the callbacks */

/* Second link of a chain: records the iteration, stops the loop. */
static void chain_b(void *arg) {
  (void)arg;
  g_at[1] = g_tick.n;
  ac_loop_stop(g_loop);
}

/* First link: records the iteration and schedules the second. */
static void chain_a(void *arg) {
  (void)arg;
  g_at[0] = g_tick.n;
  assert_int_equal(ac_call_soon(g_loop, &g_h[1], chain_b, NULL), 0);
}

/* run_forever runs until stop; work scheduled by a callback waits for the
 * next iteration. */
static void test_run_forever_stop(void **state) {
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_loop = new_loop(0);
  ticker_start(&g_tick, g_loop);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], chain_a, NULL), 0);
  assert_null(ac_loop_current());
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_null(ac_loop_current());
  assert_int_equal(g_at[1], g_at[0] + 1);
  assert_int_equal(ac_loop_run_forever(NULL), AC_EINVAL);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

static int g_ran; /* callbacks run */
static void count_cb(void *arg) {
  (void)arg;
  g_ran++;
}

/* A stop before run_forever still runs one iteration, then returns. */
static void test_stop_before_run(void **state) {
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_ran = 0;
  g_loop = new_loop(0);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], count_cb, NULL), 0);
  ac_loop_stop(g_loop);
  ac_loop_stop(NULL);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_int_equal(g_ran, 1);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

static void set_result_cb(void *arg) {
  assert_int_equal(ac_future_set_result(arg, arg), 0);
}

/* run_until_complete returns once its future is done: a plain future, an
 * unspawned coroutine (spawned for you), a future that is already done. */
static void test_run_until_complete(void **state) {
  ac_future f;
  one_task *c = one();
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_loop = new_loop(1);
  ac_future_init(&f);
  assert_int_equal(ac_call_later(g_loop, &g_h[0], 2.0, set_result_cb, &f), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), 0);
  assert_ptr_equal(ac_future_result(&f), &f);
  assert_true(ac_loop_time(g_loop) == 2.0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, AC_FUTURE(c)), 0);
  assert_int_equal(c->ac_ret, 1);
  assert_int_equal(ac_loop_run_until_complete(NULL, &f), AC_EINVAL);
  assert_int_equal(ac_loop_run_until_complete(g_loop, NULL), AC_EINVAL);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Real clock: run_until_complete returns as soon as its future is done,
 * without waiting for a far timer. */
static void test_run_until_complete_no_wait(void **state) {
  ac_future f;
  double t0 = wall_now();
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_loop = new_loop(0);
  ac_future_init(&f);
  assert_int_equal(ac_call_later(g_loop, &g_h[0], 30.0, count_cb, NULL), 0);
  assert_int_equal(ac_call_soon(g_loop, &g_h[1], set_result_cb, &f), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), 0);
  assert_true(wall_now() - t0 < 5.0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Nothing left that could complete the future: AC_ESTALLED. */
static void test_stalled(void **state) {
  ac_future f;
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_ran = 0;
  g_loop = new_loop(0);
  ac_future_init(&f);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], count_cb, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), AC_ESTALLED);
  assert_int_equal(g_ran, 1);
  assert_false(ac_future_done(&f));
  assert_int_equal(ac_loop_close(g_loop), 0);
}

static int g_cb_runs; /* done-callbacks run */
static void count_done_cb(ac_future *f, void *arg) {
  (void)f;
  (void)arg;
  g_cb_runs++;
}

/* run_until_complete returns only after the waiters queued by its future's
 * completion have run (asyncio stops the loop from a done-callback): the
 * done-callbacks added before, and one step of a task awaiting it.  A
 * future that is already done gets that one iteration too. */
static void test_run_until_complete_runs_callbacks(void **state) {
  ac_future f;
  ac_done_cb node = {0};
  wait_on_task *w = wait_on(&f);
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_cb_runs = 0;
  g_loop = new_loop(1);
  ac_future_init(&f);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], spawn_cb, w), 0);
  assert_int_equal(ac_call_later(g_loop, &g_h[1], 1.0, set_result_cb, &f), 0);
  assert_int_equal(ac_future_add_done_callback(&f, &node, count_done_cb, NULL),
                   0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), 0);
  assert_int_equal(g_cb_runs, 1);
  assert_true(ac_task_done(AC_TASK(w)));
  assert_ptr_equal(w->ac_ret, &f);
  g_ran = 0;
  assert_int_equal(ac_call_soon(g_loop, &g_h[2], count_cb, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &f), 0); /* done */
  assert_int_equal(g_ran, 1);
  assert_int_equal(g_cb_runs, 1);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                  */
/* ------------------------------------------------------------------------ */

#define POSTS 200
struct ts_ctx {
  ac_loop *loop;          /* target loop */
  ac_handle h[POSTS];     /* one handle per post */
  int order[POSTS];       /* ids in the order they ran */
  int n;                  /* callbacks run */
  pthread_t self;         /* the loop's thread */
  int wrong_thread;       /* a callback ran elsewhere */
  double delay;           /* the poster sleeps this long first */
};
static struct ts_ctx g_ts;

static void ts_cb(void *arg) {
  g_ts.order[g_ts.n++] = (int)(intptr_t)arg;
  if (!pthread_equal(pthread_self(), g_ts.self))
    g_ts.wrong_thread = 1;
  if (g_ts.n == POSTS)
    ac_loop_stop(g_ts.loop);
}

static void *poster(void *arg) {
  int i;
  (void)arg;
  if (g_ts.delay > 0) {
    struct timespec ts = {0, (long)(g_ts.delay * 1e9)};
    nanosleep(&ts, NULL);
  }
  for (i = 0; i < POSTS; i++)
    assert_int_equal(ac_call_soon_threadsafe(g_ts.loop, &g_ts.h[i], ts_cb,
                                             (void *)(intptr_t)i),
                     0);
  return NULL;
}

/* Callbacks posted from another thread run on the loop's thread, in the
 * order they were posted; the loop sleeps in libuv until they come (here
 * with a far timer pending, so the wake-up must come from the post). */
static void test_call_soon_threadsafe(void **state) {
  pthread_t th;
  ac_handle far = {0};
  int i;
  double t0 = wall_now();
  (void)state;
  memset(&g_ts, 0, sizeof g_ts);
  g_ts.loop = new_loop(0);
  g_ts.self = pthread_self();
  g_ts.delay = 0.02;
  assert_int_equal(ac_call_later(g_ts.loop, &far, 60.0, count_cb, NULL), 0);
  assert_int_equal(pthread_create(&th, NULL, poster, NULL), 0);
  assert_int_equal(ac_loop_run_forever(g_ts.loop), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(g_ts.n, POSTS);
  assert_int_equal(g_ts.wrong_thread, 0);
  for (i = 0; i < POSTS; i++)
    assert_int_equal(g_ts.order[i], i);
  assert_true(wall_now() - t0 < 30.0);
  assert_int_equal(ac_loop_close(g_ts.loop), 0);
}

/* A posted handle is busy until it ran; it cannot be cancelled; a post
 * that never ran is dropped by close. */
static void test_threadsafe_busy(void **state) {
  ac_handle h = {0};
  ac_handle dropped = {0};
  (void)state;
  memset(&g_ts, 0, sizeof g_ts);
  g_loop = new_loop(0);
  assert_int_equal(ac_call_soon_threadsafe(NULL, &h, count_cb, NULL),
                   AC_EINVAL);
  assert_int_equal(ac_call_soon_threadsafe(g_loop, &h, count_cb, NULL), 0);
  assert_int_equal(ac_call_soon_threadsafe(g_loop, &h, count_cb, NULL),
                   AC_EBUSY);
  assert_int_equal(ac_call_soon(g_loop, &h, count_cb, NULL), AC_EBUSY);
  assert_int_equal(ac_handle_cancel(&h), AC_EINVAL);
  assert_int_equal(ac_call_soon_threadsafe(g_loop, &h, count_cb, NULL),
                   AC_EBUSY);
  g_ran = 0;
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_int_equal(g_ran, 1);
  assert_false(ac_handle_active(&h));
  assert_int_equal(ac_call_soon_threadsafe(g_loop, &dropped, count_cb, NULL),
                   0);
  assert_int_equal(ac_loop_close(g_loop), 0);
  assert_int_equal(g_ran, 1);
  assert_false(ac_handle_active(&dropped));
}

#define STRESS_THREADS 3
#define STRESS_POSTS 30000
static ac_handle g_shared;         /* the one handle every poster reuses */
static atomic_long g_stress_calls; /* callbacks run */
static long g_stress_sum;          /* sum of their args (loop thread only) */

/* Runs on the loop: count the post and add its argument; the last one
 * stops the loop. */
static void stress_cb(void *arg) {
  g_stress_sum += (long)(intptr_t)arg;
  if (atomic_fetch_add(&g_stress_calls, 1) + 1 ==
      (long)STRESS_THREADS * STRESS_POSTS)
    ac_loop_stop(g_loop);
}

/* Posts 1..STRESS_POSTS (offset by the thread's number) through the shared
 * handle, retrying while it is busy: each post reuses the handle as soon
 * as the loop has freed it, racing with the callback of the post before. */
static void *stress_poster(void *arg) {
  long base = (long)(intptr_t)arg * STRESS_POSTS;
  long i;
  for (i = 1; i <= STRESS_POSTS; i++) {
    int r;
    while ((r = ac_call_soon_threadsafe(g_loop, &g_shared, stress_cb,
                                        (void *)(intptr_t)(base + i))) ==
           AC_EBUSY)
      ;
    assert_int_equal(r, 0);
  }
  return NULL;
}

/* Threads re-posting one handle the moment it is free: every post runs
 * exactly once with its own argument (count and sum exact).  The loop
 * must read a post's callback and argument before making the handle
 * reusable. */
static void test_threadsafe_reuse_stress(void **state) {
  pthread_t th[STRESS_THREADS];
  long expect = 0;
  long i;
  (void)state;
  memset(&g_shared, 0, sizeof g_shared);
  atomic_store(&g_stress_calls, 0);
  g_stress_sum = 0;
  g_loop = new_loop(0);
  for (i = 0; i < STRESS_THREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, stress_poster,
                                    (void *)(intptr_t)i),
                     0);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  for (i = 0; i < STRESS_THREADS; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (i = 0; i < (long)STRESS_THREADS * STRESS_POSTS; i++)
    expect += i + 1;
  assert_int_equal(atomic_load(&g_stress_calls),
                   (long)STRESS_THREADS * STRESS_POSTS);
  assert_int_equal(g_stress_sum, expect);
  assert_false(ac_handle_active(&g_shared));
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Closing with pending work                                                */
/* ------------------------------------------------------------------------ */

static int g_flag_ran; /* flagger's body ran */

/* async void flagger(void) { g_flag_ran = 1; } */
struct flagger_frame {
  ac_task ac_co;
};
static ac__step flagger_resume(ac_task *ac_self) {
  RT_DISPATCH();
  g_flag_ran = 1;
  return AC__DONE;
}
static ac_task *flagger(void) {
  return ac__frame_new(sizeof(struct flagger_frame), flagger_resume, 0, "flagger");
}

#define NTASKS 6
static ac_task *g_tasks[NTASKS];   /* the pending tasks */
static ac_done_cb g_nodes[NTASKS]; /* done-callbacks on them */
static int g_errs[NTASKS];         /* errors they finished with */
static int g_done_n;               /* done-callbacks run */
static ac_future g_never;          /* nobody completes it */
static ac_future g_until;          /* completed at t = 1 */
static ac_handle g_late[2];        /* still scheduled at close */

static void record_err(ac_future *f, void *arg) {
  g_errs[(int)(intptr_t)arg] = ac_future_error(f);
  g_done_n++;
}

/* At t = 0: spawn a sleeping task, one waiting on a future, one parked in
 * a chain of three frames, one waiting on another task, a released one. */
static void spawn_all(void *arg) {
  int i;
  (void)arg;
  g_tasks[0] = ac_spawn(nap(100.0));
  g_tasks[1] = ac_spawn(wait_on(&g_never));
  g_tasks[2] = ac_spawn(wait_on(nap(100.0)));
  g_tasks[3] = ac_spawn(wait_on(g_tasks[0]));
  g_tasks[4] = ac_spawn(nap(50.0));
  for (i = 0; i < 5; i++) {
    assert_non_null(g_tasks[i]);
    assert_int_equal(ac_future_add_done_callback(&g_tasks[i]->fut,
                                                 &g_nodes[i], record_err,
                                                 (void *)(intptr_t)i),
                     0);
  }
  assert_int_equal(ac_task_release(g_tasks[4]), 0);
}

/* Once g_until is done (in the last iteration of run_until_complete):
 * spawn a task that never gets to start, and schedule callbacks that will
 * never run. */
static void finish(ac_future *f, void *arg) {
  (void)f;
  (void)arg;
  g_tasks[5] = ac_task_spawn(flagger());
  assert_non_null(g_tasks[5]);
  assert_int_equal(ac_future_add_done_callback(&g_tasks[5]->fut, &g_nodes[5],
                                               record_err, (void *)5),
                   0);
  assert_int_equal(ac_call_soon(g_loop, &g_late[0], count_cb, NULL), 0);
  assert_int_equal(ac_call_later(g_loop, &g_late[1], 1.0, count_cb, NULL), 0);
}

/* Closing cancels every pending task (none of their frames leak: ASan),
 * runs their done-callbacks, and drops callbacks without running them; a
 * task that never started does not run its body. */
static void test_close_pending(void **state) {
  ac_done_cb until_cb = {0};
  int i;
  (void)state;
  memset(g_h, 0, sizeof g_h);
  memset(g_nodes, 0, sizeof g_nodes);
  memset(g_late, 0, sizeof g_late);
  memset(g_errs, 0, sizeof g_errs);
  g_done_n = 0;
  g_flag_ran = 0;
  g_ran = 0;
  g_loop = new_loop(1);
  ac_future_init(&g_never);
  ac_future_init(&g_until);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], spawn_all, NULL), 0);
  assert_int_equal(ac_call_later(g_loop, &g_h[1], 1.0, set_result_cb,
                                 &g_until),
                   0);
  assert_int_equal(
      ac_future_add_done_callback(&g_until, &until_cb, finish, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, &g_until), 0);
  assert_int_equal(g_done_n, 0);
  assert_true(ac_handle_active(&g_late[0]));
  assert_int_equal(ac_loop_close(g_loop), 0);
  assert_int_equal(g_done_n, NTASKS);
  for (i = 0; i < NTASKS; i++)
    assert_int_equal(g_errs[i], AC_ECANCELED);
  assert_int_equal(g_flag_ran, 0);
  assert_int_equal(g_ran, 0);
  assert_false(ac_handle_active(&g_late[0]));
  assert_false(ac_handle_active(&g_late[1]));
  assert_true(g_never.waiters.next == &g_never.waiters);
}

/* A hand-written frame that ignores cancellation: every time it is resumed
 * it waits on g_never again.  Closing must still end (and free it, and the
 * frame awaiting it, with nothing left linked to g_never). */
struct stubborn_frame {
  ac_task ac_co;
  int resumed;
};
static ac__step stubborn_resume(ac_task *ac_self) {
  struct stubborn_frame *ac_f = (struct stubborn_frame *)ac_self;
  ac_f->resumed++;
  ac__await(ac_self, &g_never);
  return AC__SUSPEND;
}

static void spawn_stubborn(void *arg) {
  ac_task *t;
  (void)arg;
  t = ac_spawn(wait_on(ac__frame_new(sizeof(struct stubborn_frame),
                                     stubborn_resume, 0, "stubborn")));
  assert_non_null(t);
  assert_int_equal(ac_future_add_done_callback(&t->fut, &g_nodes[0],
                                               record_err, (void *)0),
                   0);
  assert_int_equal(ac_call_soon(g_loop, &g_h[1], stop_cb, g_loop), 0);
}

static void test_close_stubborn(void **state) {
  (void)state;
  memset(g_h, 0, sizeof g_h);
  memset(g_nodes, 0, sizeof g_nodes);
  g_done_n = 0;
  g_loop = new_loop(1);
  ac_future_init(&g_never);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], spawn_stubborn, NULL), 0);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_int_equal(ac_loop_close(g_loop), 0);
  assert_int_equal(g_done_n, 0); /* it never finished: freed regardless */
  assert_true(g_never.waiters.next == &g_never.waiters);
  assert_null(g_nodes[0].w.link.next); /* unhooked from the freed task */
}

static long g_spins; /* spinner's loop iterations */

/* async void spinner(void) { for (;;) { g_spins++; await ac_sleep(0); } } */
struct spinner_frame {
  ac_task ac_co;
  void *ac_aw[1];
};
static ac__step spinner_resume(ac_task *ac_self) {
  struct spinner_frame *ac_f = (struct spinner_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (;;) {
    g_spins++;
    RT_AWAIT(1, ac_sleep(0));
    ac__release(&ac_f->ac_aw[0]);
  }
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *spinner(void) {
  return ac__frame_new(sizeof(struct spinner_frame), spinner_resume, 0, "spinner");
}

/* Done-callback of the pending task: spawns a spinner (during close),
 * with a done-callback of its own. */
static void spawn_spinner(ac_future *f, void *arg) {
  ac_task *t = ac_spawn(spinner());
  (void)f;
  (void)arg;
  assert_non_null(t);
  assert_int_equal(ac_future_add_done_callback(&t->fut, &g_nodes[1],
                                               record_err, (void *)1),
                   0);
}

/* A task spawned while close runs (by a done-callback of a task close
 * cancelled) is cancelled too, before it starts: close ends, the spinner
 * never ran its body, and its done-callback saw it cancelled.  (Close
 * used to run it uncancelled, forever.) */
static void test_close_cancels_tasks_spawned_meanwhile(void **state) {
  nap_task *p = nap(100.0);
  ac_handle h = {0};
  (void)state;
  memset(g_nodes, 0, sizeof g_nodes);
  memset(g_errs, 0, sizeof g_errs);
  g_done_n = 0;
  g_spins = 0;
  g_loop = new_loop(1);
  assert_int_equal(ac_call_soon(g_loop, &h, spawn_cb, p), 0);
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0); /* spawns p */
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0); /* p sleeps */
  assert_int_equal(ac_future_add_done_callback(AC_FUTURE(p), &g_nodes[0],
                                               spawn_spinner, NULL),
                   0);
  alarm(60); /* a hang fails the test */
  assert_int_equal(ac_loop_close(g_loop), 0);
  alarm(0);
  assert_int_equal(g_spins, 0);
  assert_int_equal(g_done_n, 1);
  assert_int_equal(g_errs[1], AC_ECANCELED);
}

static ac_future g_readd_fut; /* done; its callback keeps re-adding itself */
static ac_done_cb g_readd;    /* that callback's registration */
static long g_readd_runs;     /* how many times it ran */

/* A done-callback that re-registers itself on its (done) future: under
 * run_forever it runs once per iteration. */
static void readd_cb(ac_future *f, void *arg) {
  (void)arg;
  g_readd_runs++;
  assert_int_equal(ac_future_add_done_callback(f, &g_readd, readd_cb, NULL),
                   0);
}

/* Adds the re-adding callback, from the loop (g_readd_fut is done). */
static void start_readd(void *arg) {
  (void)arg;
  assert_int_equal(
      ac_future_add_done_callback(&g_readd_fut, &g_readd, readd_cb, NULL), 0);
}

/* Close runs at most 100 batches: a done-callback that re-adds itself runs
 * once per batch, 100 times, and is then dropped (unregistered); close
 * ends.  (Close used to run it forever.) */
static void test_close_bounded(void **state) {
  ac_handle h = {0};
  (void)state;
  memset(&g_readd, 0, sizeof g_readd);
  g_readd_runs = 0;
  g_loop = new_loop(1);
  ac_future_init(&g_readd_fut);
  assert_int_equal(ac_future_set_result(&g_readd_fut, NULL), 0);
  assert_int_equal(ac_call_soon(g_loop, &h, start_readd, NULL), 0);
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0); /* adds it */
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0); /* runs, re-adds */
  assert_int_equal(g_readd_runs, 1);
  alarm(60); /* a hang fails the test */
  assert_int_equal(ac_loop_close(g_loop), 0);
  alarm(0);
  assert_int_equal(g_readd_runs, 1 + 100);
  assert_int_equal(ac_future_remove_done_callback(&g_readd_fut, &g_readd),
                   AC_ESTATE); /* dropped */
}

/* ------------------------------------------------------------------------ */
/* libuv handles of the caller's                                            */
/* ------------------------------------------------------------------------ */

static ac_future g_uv_fut; /* completed by a libuv timer */
static void uv_fire(uv_timer_t *t) {
  assert_ptr_equal(ac_loop_current(), g_loop);
  assert_int_equal(ac_future_set_result(&g_uv_fut, t), 0);
  uv_close((uv_handle_t *)t, NULL);
}

/* A task waits on a future that a libuv callback completes: the loop
 * sleeps in libuv (nothing of its own pending) until the timer fires. */
static void test_libuv_callback_completes(void **state) {
  uv_timer_t t;
  wait_on_task *w = wait_on(&g_uv_fut);
  (void)state;
  g_loop = new_loop(0);
  ac_future_init(&g_uv_fut);
  assert_int_equal(uv_timer_init(ac_loop_uv(g_loop), &t), 0);
  assert_int_equal(uv_timer_start(&t, uv_fire, 10, 0), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, AC_FUTURE(w)), 0);
  assert_int_equal(ac_task_error(AC_TASK(w)), 0);
  assert_ptr_equal(w->ac_ret, &t);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Misuse while running                                                     */
/* ------------------------------------------------------------------------ */

static int g_rc[6]; /* results of calls made from inside the loop */

static void misuse_cb(void *arg) {
  ac_loop *other = arg;
  ac_future f;
  ac_future_init(&f);
  assert_ptr_equal(ac_loop_current(), g_loop);
  g_rc[0] = ac_loop_close(g_loop);
  g_rc[1] = ac_loop_run_forever(g_loop);
  g_rc[2] = ac_loop_run_until_complete(g_loop, &f);
  g_rc[3] = ac_loop_run_forever(other);
  g_rc[4] = ac_run(one());
  g_rc[5] = ac_loop_close(other); /* not running: fine */
  ac_loop_stop(g_loop);
}

/* Closing or re-entering a running loop is AC_EBUSY; one thread runs one
 * loop at a time. */
static void test_busy(void **state) {
  ac_loop *other = new_loop(0);
  (void)state;
  memset(g_h, 0, sizeof g_h);
  g_loop = new_loop(0);
  assert_int_equal(ac_call_soon(g_loop, &g_h[0], misuse_cb, other), 0);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_int_equal(g_rc[0], AC_EBUSY);
  assert_int_equal(g_rc[1], AC_EBUSY);
  assert_int_equal(g_rc[2], AC_EBUSY);
  assert_int_equal(g_rc[3], AC_EBUSY);
  assert_int_equal(g_rc[4], AC_EBUSY);
  assert_int_equal(g_rc[5], 0);
  assert_int_equal(ac_loop_close(NULL), AC_EINVAL);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* A libuv handle of the caller's keeps the loop from closing (its tasks
 * are gone by then); once it is closed, so can the loop be. */
static void test_foreign_handle(void **state) {
  uv_timer_t t;
  ac_handle h = {0};
  (void)state;
  g_loop = new_loop(0);
  assert_non_null(ac_loop_uv(g_loop));
  assert_null(ac_loop_uv(NULL));
  assert_int_equal(uv_timer_init(ac_loop_uv(g_loop), &t), 0);
  assert_int_equal(ac_call_soon(g_loop, &h, spawn_cb, nap(10.0)), 0);
  ac_loop_stop(g_loop);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
  assert_int_equal(ac_loop_close(g_loop), AC_EBUSY);
  uv_close((uv_handle_t *)&t, NULL);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* ac_loop_new's argument check. */
static void test_new_arguments(void **state) {
  (void)state;
  assert_int_equal(ac_loop_new(NULL), AC_EINVAL);
  assert_true(ac_loop_time(NULL) == 0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_forever_stop),
      cmocka_unit_test(test_stop_before_run),
      cmocka_unit_test(test_run_until_complete),
      cmocka_unit_test(test_run_until_complete_no_wait),
      cmocka_unit_test(test_stalled),
      cmocka_unit_test(test_run_until_complete_runs_callbacks),
      cmocka_unit_test(test_call_soon_threadsafe),
      cmocka_unit_test(test_threadsafe_busy),
      cmocka_unit_test(test_threadsafe_reuse_stress),
      cmocka_unit_test(test_close_pending),
      cmocka_unit_test(test_close_stubborn),
      cmocka_unit_test(test_close_cancels_tasks_spawned_meanwhile),
      cmocka_unit_test(test_close_bounded),
      cmocka_unit_test(test_libuv_callback_completes),
      cmocka_unit_test(test_busy),
      cmocka_unit_test(test_foreign_handle),
      cmocka_unit_test(test_new_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
