/* test_executor.c - ac_run_in_executor / ac_to_thread on libuv's pool and
 * on an ac_executor of our own; cancellation before and after the work
 * starts; discard hooks; shutdown; loop liveness and close; completing
 * futures from other threads (ac_future_set_*_threadsafe).
 *
 * Work functions run on other threads: they never call cmocka (its
 * asserts longjmp); they record what they saw in atomics, and the test
 * thread checks it. */
#include "rt_test.h"

#include <stdatomic.h>

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

/* async void *get(ac_work_task *w, int self_cancel) {
 *   if (self_cancel) ac_task_cancel(<this task>);
 *   return await w catch (err, msg);    // err, msg: frame members
 * } */
typedef struct get_task {
  ac_task ac_co;
  void *ac_ret;
} get_task;
struct get_frame {
  ac_task ac_co;
  void *ac_ret;
  ac_work_task *w;
  int self_cancel;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step get_resume(ac_task *ac_self) {
  struct get_frame *ac_f = (struct get_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  if (ac_f->self_cancel)
    assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT_CATCH(1, ac_f->w, ac_f->err, ac_f->msg);
  if (ac_f->err == 0)
    ac_f->ac_ret = ((ac_work_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
}
static get_task *get(ac_work_task *w, int self_cancel) {
  struct get_frame *ac_f = ac__frame_new(sizeof *ac_f, get_resume, 0, "get");
  if (ac_f) {
    ac_f->w = w;
    ac_f->self_cancel = self_cancel;
  }
  return (get_task *)ac_f;
}
/* The error get's await caught, and its message. */
static int get_err(get_task *t) { return ((struct get_frame *)t)->err; }
static const char *get_msg(get_task *t) {
  return ((struct get_frame *)t)->msg;
}

/* async void all(get_task **ts, int n) { for (i...) await ts[i]; } */
struct all_frame {
  ac_task ac_co;
  get_task **ts;
  int n;
  int i;
  void *ac_aw[1];
};
static ac__step all_resume(ac_task *ac_self) {
  struct all_frame *ac_f = (struct all_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_AWAIT(1, ac_f->ts[ac_f->i]);
    ac__release(&ac_f->ac_aw[0]);
  }
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *all(get_task **ts, int n) {
  struct all_frame *ac_f = ac__frame_new(sizeof *ac_f, all_resume, 0, "all");
  if (ac_f) {
    ac_f->ts = ts;
    ac_f->n = n;
  }
  return &ac_f->ac_co;
}

/* async void *wait_stop(ac_future *f, ac_loop *loop) {
 *   defer ac_loop_stop(loop); return await f catch (err, msg);
 * } */
struct wait_stop_frame {
  ac_task ac_co;
  void *ac_ret;
  ac_future *f;
  ac_loop *loop;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step wait_stop_resume(ac_task *ac_self) {
  struct wait_stop_frame *ac_f = (struct wait_stop_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT_CATCH(1, ac_f->f, ac_f->err, ac_f->msg);
  if (ac_f->err == 0)
    ac_f->ac_ret = ((ac_future *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  ac_loop_stop(ac_f->loop);
  return AC__DONE;
}
static struct wait_stop_frame *wait_stop(ac_future *f, ac_loop *loop) {
  struct wait_stop_frame *ac_f =
      ac__frame_new(sizeof *ac_f, wait_stop_resume, 0, "wait_stop");
  if (ac_f) {
    ac_f->f = f;
    ac_f->loop = loop;
  }
  return ac_f;
}

/* ------------------------------------------------------------------------ */
/* Work functions (other threads) and their shared state                    */
/* ------------------------------------------------------------------------ */

static atomic_int g_ran;      /* work functions that ran */
static atomic_int g_started;  /* blocking ones that started */
static atomic_int g_finished; /* blocking ones that returned */
static atomic_int g_discards; /* discard hooks called */
static atomic_int g_discard_null; /* ...with a NULL result */
static void *g_discard_arg;   /* the last discard's arg */

/* A gate that blocking work waits at until the test opens it (10 s at
 * most, so that a broken test fails instead of hanging). */
static pthread_mutex_t g_gate_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_gate_c = PTHREAD_COND_INITIALIZER;
static int g_gate_open;

static void gate_set(int open) {
  pthread_mutex_lock(&g_gate_m);
  g_gate_open = open;
  pthread_cond_broadcast(&g_gate_c);
  pthread_mutex_unlock(&g_gate_m);
}

static void gate_wait(void) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock(&g_gate_m);
  while (!g_gate_open)
    if (pthread_cond_timedwait(&g_gate_c, &g_gate_m, &until) != 0)
      break;
  pthread_mutex_unlock(&g_gate_m);
}

/* Reset the shared state between tests. */
static void reset(void) {
  atomic_store(&g_ran, 0);
  atomic_store(&g_started, 0);
  atomic_store(&g_finished, 0);
  atomic_store(&g_discards, 0);
  atomic_store(&g_discard_null, 0);
  g_discard_arg = NULL;
  gate_set(0);
}

/* arg + 1 (arg points into an array). */
static void *add_one(void *arg) {
  atomic_fetch_add(&g_ran, 1);
  return (char *)arg + 1;
}

/* Counts that it ran and gives arg back. */
static void *counted(void *arg) {
  atomic_fetch_add(&g_ran, 1);
  return arg;
}

/* Blocks at the gate, then gives arg back. */
static void *blocker(void *arg) {
  atomic_fetch_add(&g_started, 1);
  gate_wait();
  atomic_fetch_add(&g_finished, 1);
  return arg;
}

/* Blocks at the gate, then returns a fresh malloc'd block. */
static void *make_block(void *arg) {
  (void)arg;
  atomic_fetch_add(&g_started, 1);
  gate_wait();
  atomic_fetch_add(&g_finished, 1);
  return malloc(64);
}

/* Discard hook that frees the result. */
static void discard_free(void *arg, void *result) {
  g_discard_arg = arg;
  atomic_fetch_add(&g_discards, 1);
  if (result == NULL)
    atomic_fetch_add(&g_discard_null, 1);
  free(result);
}

/* Discard hook that only counts (results that are not heap blocks). */
static void discard_note(void *arg, void *result) {
  g_discard_arg = arg;
  atomic_fetch_add(&g_discards, 1);
  if (result == NULL)
    atomic_fetch_add(&g_discard_null, 1);
}

/* The order work ran in (own executor of one thread: FIFO). */
static int g_order[64];
static atomic_int g_norder;
static void *record_order(void *arg) {
  int i = atomic_fetch_add(&g_norder, 1);
  if (i < 64)
    g_order[i] = (int)(intptr_t)arg;
  return arg;
}

/* Distinct threads that ran work (up to 8). */
static pthread_t g_threads[8];
static int g_nthreads;
static pthread_mutex_t g_threads_m = PTHREAD_MUTEX_INITIALIZER;
static void *note_thread(void *arg) {
  int i;
  pthread_t me = pthread_self();
  pthread_mutex_lock(&g_threads_m);
  for (i = 0; i < g_nthreads && !pthread_equal(g_threads[i], me); i++)
    ;
  if (i == g_nthreads && g_nthreads < 8)
    g_threads[g_nthreads++] = me;
  pthread_mutex_unlock(&g_threads_m);
  return arg;
}

/* Waits (10 s at most) until (intptr_t)arg pieces of work run at once;
 * returns 1 if they did. */
static void *rendezvous(void *arg) {
  int n = (int)(intptr_t)arg;
  double until = wall_now() + 10;
  note_thread(NULL);
  atomic_fetch_add(&g_started, 1);
  while (atomic_load(&g_started) < n && wall_now() < until) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return (void *)(intptr_t)(atomic_load(&g_started) >= n);
}

/* The executor the work runs on: ac_executor_shutdown of itself. */
static ac_executor *g_self_ex;
static void *shutdown_self(void *arg) {
  int wait_r = ac_executor_shutdown(g_self_ex, AC_EXECUTOR_WAIT);
  int free_r = ac_executor_free(g_self_ex);
  (void)arg;
  return (void *)(intptr_t)(wait_r == AC_EBUSY && free_r == AC_EBUSY);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* One iteration of loop, without waiting. */
static void run_once(ac_loop *loop) {
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Spawn t on loop (from a callback) and run one iteration: spawned, not
 * started. */
static void spawn_on(ac_loop *loop, void *t) {
  ac_handle h = {0};
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  run_once(loop);
}

/* Run loop, iteration by iteration, until *v reaches want (10 s at most:
 * the thread side is real time). */
static void pump_until(ac_loop *loop, atomic_int *v, int want) {
  double until = wall_now() + 10;
  while (atomic_load(v) < want) {
    struct timespec ms = {0, 1000000};
    assert_true(wall_now() < until);
    if (loop != NULL)
      run_once(loop);
    nanosleep(&ms, NULL);
  }
}

/* Cancels the task arg. */
static void cancel_cb(void *arg) { assert_int_equal(ac_task_cancel(arg), 0); }

static unsigned long g_fail_after; /* allocations allowed before failing */
static void *failing_alloc(size_t size, void *ud) {
  (void)ud;
  if (g_fail_after == 0)
    return NULL;
  g_fail_after--;
  return malloc(size);
}
static void plain_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  free(ptr);
}

/* ------------------------------------------------------------------------ */
/* Results and errors                                                       */
/* ------------------------------------------------------------------------ */

/* ac_to_thread runs fn on another thread and gives its result; so does
 * ac_run_in_executor on an executor of our own. */
static void test_results(void **state) {
  static char data[4];
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  get_task *t1;
  get_task *t2;
  (void)state;
  reset();
  assert_int_equal(ac_executor_new(&ex, 2), 0);
  assert_int_equal(ac_executor_threads(ex), 2);
  t1 = get(ac_to_thread(add_one, data), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t1)), 0);
  assert_int_equal(get_err(t1), 0);
  assert_ptr_equal(t1->ac_ret, data + 1);
  t2 = get(ac_run_in_executor(ex, add_one, data + 1), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t2)), 0);
  assert_int_equal(get_err(t2), 0);
  assert_ptr_equal(t2->ac_ret, data + 2);
  assert_int_equal(atomic_load(&g_ran), 2);
  assert_int_equal(ac_executor_free(ex), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The work runs on a thread that is not the loop's. */
static void test_other_thread(void **state) {
  ac_loop *loop = new_loop(0);
  get_task *t;
  (void)state;
  g_nthreads = 0;
  t = get(ac_to_thread(note_thread, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(g_nthreads, 1);
  assert_false(pthread_equal(g_threads[0], pthread_self()));
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A spawned work task starts the work when it first runs; `await` of it
 * gives the typed result. */
static void test_spawned(void **state) {
  static char data[2];
  ac_loop *loop = new_loop(0);
  ac_work_task *w = ac_to_thread(add_one, data);
  get_task *t = get(w, 0);
  (void)state;
  reset();
  spawn_on(loop, w);
  assert_int_equal(atomic_load(&g_ran), 0); /* spawned, not started */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), 0);
  assert_ptr_equal(t->ac_ret, data + 1);
  assert_ptr_equal(w->ac_ret, data + 1);
  assert_int_equal(ac_task_error(AC_TASK(w)), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Errors: NULL fn fails with AC_EINVAL without suspending and never runs
 * anything; bad executor arguments. */
static void test_errors(void **state) {
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  get_task *t;
  static int arg;
  (void)state;
  reset();
  t = get(ac_run_in_executor_ex(NULL, NULL, &arg, discard_note), 0);
  spawn_on(loop, t);
  run_once(loop); /* its first step: the await fails at once */
  assert_true(ac_task_done(AC_TASK(t)));
  assert_int_equal(get_err(t), AC_EINVAL);
  assert_int_equal(atomic_load(&g_discards), 1); /* the call gave arg back */
  assert_int_equal(atomic_load(&g_discard_null), 1);
  assert_ptr_equal(g_discard_arg, &arg);
  t = get(NULL, 0); /* a constructor that returned NULL */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ENOMEM);
  assert_int_equal(ac_executor_new(NULL, 1), AC_EINVAL);
  assert_int_equal(ac_executor_new(&ex, -1), AC_EINVAL);
  assert_int_equal(ac_executor_new(&ex, 1025), AC_EINVAL);
  assert_null(ex);
  assert_int_equal(ac_executor_shutdown(NULL, 0), AC_EINVAL);
  assert_int_equal(ac_executor_free(NULL), 0);
  assert_int_equal(ac_executor_threads(NULL), 0);
  assert_int_equal(ac_executor_new(&ex, 0), 0); /* Python's default size */
  assert_true(ac_executor_threads(ex) >= 5 && ac_executor_threads(ex) <= 32);
  assert_int_equal(ac_executor_free(ex), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A shut-down executor refuses work: AC_ESHUTDOWN, fn never runs. */
static void test_shutdown_refuses(void **state) {
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  get_task *t;
  (void)state;
  reset();
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  assert_int_equal(ac_executor_shutdown(ex, 0), 0);
  assert_int_equal(ac_executor_shutdown(ex, 1), 0); /* again, waiting */
  t = get(ac_run_in_executor_ex(ex, counted, NULL, discard_note), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ESHUTDOWN);
  assert_string_equal(get_msg(t), "executor shut down");
  assert_int_equal(atomic_load(&g_ran), 0);
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_int_equal(ac_executor_free(ex), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* No memory: the constructor returns NULL and gives arg back to discard
 * at once; no memory for the job when the await starts: the await fails
 * with AC_ENOMEM, discard is called too, fn never runs. */
static void test_enomem(void **state) {
  ac_allocator a = {failing_alloc, plain_free, NULL};
  static int arg;
  ac_loop *loop = NULL;
  get_task *t;
  (void)state;
  reset();
  g_fail_after = 0;
  assert_int_equal(ac_set_allocator(&a), 0);
  assert_null(ac_run_in_executor_ex(NULL, counted, &arg, discard_note));
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_ptr_equal(g_discard_arg, &arg);
  assert_null(ac_to_thread(counted, &arg));
  g_fail_after = 100;
  loop = new_loop(0);
  t = get(ac_run_in_executor_ex(NULL, counted, &arg, discard_note), 0);
  assert_non_null(t);
  g_fail_after = 0; /* the job */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ENOMEM);
  assert_int_equal(atomic_load(&g_discards), 2);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_ran), 0);
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing left live */
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* A task cancelled before its await starts submits nothing: fn never
 * runs, discard gets arg back. */
static void test_cancel_before_submit(void **state) {
  ac_loop *loop = new_loop(0);
  static int arg;
  get_task *t;
  (void)state;
  reset();
  t = get(ac_run_in_executor_ex(NULL, counted, &arg, discard_note), 1);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ECANCELED);
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_int_equal(atomic_load(&g_discard_null), 1);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_ran), 0);
}

/* Fill every thread of a pool with blockers: n get() tasks awaiting
 * blocker(); returns once all of them run. */
static void fill_pool(ac_loop *loop, ac_executor *ex, get_task **ts, int n) {
  int i;
  for (i = 0; i < n; i++) {
    ts[i] = get(ac_run_in_executor(ex, blocker, NULL), 0);
    spawn_on(loop, ts[i]);
  }
  pump_until(loop, &g_started, n);
}

/* Cancelled while queued (every thread busy): the work is taken off the
 * queue, the await fails at once, fn never runs, discard gets NULL.
 * ex NULL: libuv's pool (4 threads, see main); else ex. */
static void cancel_queued(ac_executor *ex, int nthreads) {
  ac_loop *loop = new_loop(0);
  static int arg;
  get_task *blockers[4];
  get_task *victim;
  ac_handle h = {0};
  int i;
  reset();
  fill_pool(loop, ex, blockers, nthreads);
  victim = get(ac_run_in_executor_ex(ex, counted, &arg, discard_note), 0);
  spawn_on(loop, victim);
  run_once(loop); /* submitted, queued behind the blockers */
  assert_false(ac_task_done(AC_TASK(victim)));
  assert_int_equal(ac_call_soon(loop, &h, cancel_cb, victim), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(victim)), 0);
  assert_int_equal(get_err(victim), AC_ECANCELED);
  assert_int_equal(atomic_load(&g_finished), 0); /* at once */
  gate_set(1);
  for (i = 0; i < nthreads; i++) {
    assert_int_equal(
        ac_loop_run_until_complete(loop, AC_FUTURE(blockers[i])), 0);
    assert_int_equal(get_err(blockers[i]), 0);
  }
  pump_until(loop, &g_discards, 1); /* libuv: after its after-work callback */
  assert_int_equal(atomic_load(&g_discard_null), 1);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_ran), 0); /* never ran */
  assert_int_equal(atomic_load(&g_discards), 1);
}

static void test_cancel_queued_uv(void **state) {
  (void)state;
  cancel_queued(NULL, 4);
}

static void test_cancel_queued_own(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  assert_int_equal(ac_executor_new(&ex, 2), 0);
  cancel_queued(ex, 2);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* Cancelled while fn runs: the await fails at once; fn finishes on its
 * thread and its result goes to discard (freed: ASan checks it). */
static void cancel_running(ac_executor *ex) {
  ac_loop *loop = new_loop(0);
  get_task *t;
  ac_handle h = {0};
  reset();
  t = get(ac_run_in_executor_ex(ex, make_block, NULL, discard_free), 0);
  spawn_on(loop, t);
  pump_until(loop, &g_started, 1);
  assert_int_equal(ac_call_soon(loop, &h, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ECANCELED);
  assert_int_equal(atomic_load(&g_finished), 0); /* fn still blocked */
  assert_int_equal(atomic_load(&g_discards), 0);
  gate_set(1);
  pump_until(loop, &g_discards, 1); /* the result comes back: discarded */
  assert_int_equal(atomic_load(&g_discard_null), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_discards), 1);
}

static void test_cancel_running_uv(void **state) {
  (void)state;
  cancel_running(NULL);
}

static void test_cancel_running_own(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  cancel_running(ex);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* Cancelled after the work came back but before the task ran again: the
 * await fails with AC_ECANCELED and the result goes to discard. */
static void cancel_back(ac_executor *ex) {
  ac_loop *loop = new_loop(0);
  get_task *t;
  ac_handle h = {0};
  struct timespec ms = {0, 20000000};
  reset();
  gate_set(1);
  t = get(ac_run_in_executor_ex(ex, make_block, NULL, discard_free), 0);
  spawn_on(loop, t);
  run_once(loop);                   /* the task submits the work */
  pump_until(NULL, &g_finished, 1); /* the loop does not run meanwhile */
  nanosleep(&ms, NULL); /* its completion reaches the loop by now (if it
                           does not, the cancel finds it running: the
                           outcome is the same) */
  /* queued before the poll that takes the completion in: runs first */
  assert_int_equal(ac_call_soon(loop, &h, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ECANCELED);
  pump_until(loop, &g_discards, 1);
  assert_int_equal(atomic_load(&g_discard_null), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_discards), 1);
}

static void test_cancel_back_uv(void **state) {
  (void)state;
  cancel_back(NULL);
}

static void test_cancel_back_own(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  cancel_back(ex);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* A spawned work task cancelled before it ran submits nothing; its
 * discard is paid when its frame goes (released here).  ac_spawn with no
 * loop destroys the coroutine: discard too. */
static void test_cancel_spawned_unstarted(void **state) {
  ac_loop *loop = new_loop(0);
  static int arg;
  ac_work_task *w;
  (void)state;
  reset();
  w = ac_run_in_executor_ex(NULL, counted, &arg, discard_note);
  spawn_on(loop, w);
  assert_int_equal(ac_task_cancel(AC_TASK(w)), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(w)), 0);
  assert_true(ac_task_cancelled(AC_TASK(w)));
  assert_int_equal(atomic_load(&g_discards), 0);
  assert_int_equal(ac_task_release(AC_TASK(w)), 0); /* freed: pays */
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_null(ac_spawn(ac_run_in_executor_ex(NULL, counted, &arg,
                                             discard_note)));
  assert_int_equal(atomic_load(&g_discards), 2);
  assert_int_equal(atomic_load(&g_ran), 0);
}

/* Cancelling the task that awaits a spawned work task cancels that one
 * too (asyncio): both fail with AC_ECANCELED at once. */
static void test_cancel_through_task(void **state) {
  ac_loop *loop = new_loop(0);
  ac_work_task *w;
  get_task *t;
  ac_handle h = {0};
  (void)state;
  reset();
  w = ac_run_in_executor_ex(NULL, make_block, NULL, discard_free);
  spawn_on(loop, w);
  t = get(w, 0); /* awaits the task w */
  spawn_on(loop, t);
  pump_until(loop, &g_started, 1);
  assert_int_equal(ac_call_soon(loop, &h, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), AC_ECANCELED);
  assert_true(ac_task_cancelled(AC_TASK(w)));
  gate_set(1);
  pump_until(loop, &g_discards, 1);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Liveness and loop close                                                  */
/* ------------------------------------------------------------------------ */

/* Opens the gate after (intptr_t)arg milliseconds (a thread). */
static void *open_later(void *arg) {
  struct timespec ts;
  long ms = (long)(intptr_t)arg;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000;
  nanosleep(&ts, NULL);
  gate_set(1);
  return NULL;
}

/* run_until_complete does not report AC_ESTALLED while work runs (no
 * timer, no other handle): it waits for the work, on either pool. */
static void liveness(ac_executor *ex) {
  ac_loop *loop = new_loop(0);
  pthread_t opener;
  get_task *t;
  reset();
  t = get(ac_run_in_executor(ex, blocker, NULL), 0);
  assert_int_equal(pthread_create(&opener, NULL, open_later,
                                  (void *)(intptr_t)50), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(get_err(t), 0);
  assert_int_equal(atomic_load(&g_finished), 1);
  assert_int_equal(pthread_join(opener, NULL), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

static void test_liveness(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  liveness(NULL);
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  liveness(ex);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* Closing the loop while work runs: the task is cancelled, the close waits
 * for the work and discards its result (ASan: nothing leaks, nothing is
 * used after free). */
static void close_running(ac_executor *ex) {
  ac_loop *loop = new_loop(0);
  pthread_t opener;
  get_task *t;
  reset();
  t = get(ac_run_in_executor_ex(ex, make_block, NULL, discard_free), 0);
  spawn_on(loop, t);
  pump_until(loop, &g_started, 1);
  assert_int_equal(pthread_create(&opener, NULL, open_later,
                                  (void *)(intptr_t)50), 0);
  assert_int_equal(ac_loop_close(loop), 0); /* waits for make_block */
  assert_int_equal(atomic_load(&g_finished), 1);
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_int_equal(atomic_load(&g_discard_null), 0);
  assert_int_equal(pthread_join(opener, NULL), 0);
}

static void test_close_running(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  close_running(NULL);
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  close_running(ex);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* Closing the loop while work is queued behind a blocker: the queued work
 * is taken off (never runs), the running one is waited for. */
static void test_close_queued(void **state) {
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  pthread_t opener;
  get_task *b;
  get_task *q;
  static int arg;
  (void)state;
  reset();
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  fill_pool(loop, ex, &b, 1);
  q = get(ac_run_in_executor_ex(ex, counted, &arg, discard_note), 0);
  spawn_on(loop, q);
  run_once(loop);
  assert_int_equal(pthread_create(&opener, NULL, open_later,
                                  (void *)(intptr_t)50), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(atomic_load(&g_finished), 1);
  assert_int_equal(atomic_load(&g_discards), 1);
  assert_int_equal(atomic_load(&g_discard_null), 1);
  assert_int_equal(pthread_join(opener, NULL), 0);
  assert_int_equal(ac_executor_free(ex), 0);
  assert_int_equal(atomic_load(&g_ran), 0);
}

/* ------------------------------------------------------------------------ */
/* Many jobs, executor sizes, shutdown                                      */
/* ------------------------------------------------------------------------ */

#define MANY 200

/* MANY concurrent jobs, each awaited by its own task, all results right. */
static void many(ac_executor *ex) {
  static char data[MANY + 1];
  static get_task *ts[MANY];
  ac_loop *loop = new_loop(0);
  ac_task *a;
  int i;
  reset();
  for (i = 0; i < MANY; i++) {
    ts[i] = get(ac_run_in_executor(ex, add_one, data + i), 0);
    spawn_on(loop, ts[i]);
  }
  a = all(ts, MANY);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  assert_int_equal(ac_task_error(a), 0);
  for (i = 0; i < MANY; i++) {
    assert_int_equal(get_err(ts[i]), 0);
    assert_ptr_equal(ts[i]->ac_ret, data + i + 1);
  }
  assert_int_equal(atomic_load(&g_ran), MANY);
  assert_int_equal(ac_loop_close(loop), 0);
}

static void test_many(void **state) {
  ac_executor *ex = NULL;
  (void)state;
  many(NULL);
  assert_int_equal(ac_executor_new(&ex, 4), 0);
  many(ex);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* An executor of one thread runs its work in submission order, on that
 * one thread. */
static void test_size_one(void **state) {
  static get_task *ts[20];
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  ac_task *a;
  int i;
  (void)state;
  reset();
  atomic_store(&g_norder, 0);
  g_nthreads = 0;
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  for (i = 0; i < 20; i++) {
    ts[i] = get(ac_run_in_executor(ex, i % 2 ? record_order : note_thread,
                                   (void *)(intptr_t)i), 0);
    spawn_on(loop, ts[i]);
  }
  a = all(ts, 20);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  assert_int_equal(atomic_load(&g_norder), 10);
  for (i = 0; i < 10; i++)
    assert_int_equal(g_order[i], 2 * i + 1);
  assert_int_equal(g_nthreads, 1);
  for (i = 0; i < 20; i++)
    assert_ptr_equal(ts[i]->ac_ret, (void *)(intptr_t)i);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* An executor of four threads runs four pieces of work at once (each
 * waits for the others), and a fifth only when a thread is free. */
static void test_size_four(void **state) {
  static get_task *ts[5];
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  ac_task *a;
  int i;
  (void)state;
  reset();
  g_nthreads = 0;
  assert_int_equal(ac_executor_new(&ex, 4), 0);
  assert_int_equal(ac_executor_threads(ex), 4);
  for (i = 0; i < 4; i++) {
    ts[i] = get(ac_run_in_executor(ex, rendezvous, (void *)(intptr_t)4), 0);
    spawn_on(loop, ts[i]);
  }
  ts[4] = get(ac_run_in_executor(ex, rendezvous, (void *)(intptr_t)5), 0);
  spawn_on(loop, ts[4]);
  a = all(ts, 5);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  for (i = 0; i < 5; i++)
    assert_ptr_equal(ts[i]->ac_ret, (void *)(intptr_t)1);
  assert_int_equal(g_nthreads, 4);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_executor_free(ex), 0);
}

/* Shutdown without cancelling: queued work still runs and its awaits get
 * their results; new work is refused. */
static void test_shutdown_runs_queued(void **state) {
  static int args[3];
  static get_task *ts[3];
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  get_task *b;
  get_task *late;
  ac_task *a;
  int i;
  (void)state;
  reset();
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  fill_pool(loop, ex, &b, 1);
  for (i = 0; i < 3; i++) {
    ts[i] = get(ac_run_in_executor(ex, counted, &args[i]), 0);
    spawn_on(loop, ts[i]);
  }
  run_once(loop); /* all queued */
  assert_int_equal(ac_executor_shutdown(ex, 0), 0);
  late = get(ac_run_in_executor(ex, counted, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(late)), 0);
  assert_int_equal(get_err(late), AC_ESHUTDOWN);
  gate_set(1);
  a = all(ts, 3);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(a)), 0);
  for (i = 0; i < 3; i++) {
    assert_int_equal(get_err(ts[i]), 0);
    assert_ptr_equal(ts[i]->ac_ret, &args[i]);
  }
  assert_int_equal(atomic_load(&g_ran), 3);
  assert_int_equal(ac_executor_shutdown(ex, AC_EXECUTOR_WAIT), 0);
  assert_int_equal(ac_executor_free(ex), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Shutdown with AC_EXECUTOR_CANCEL_QUEUED: queued work never runs, its
 * awaits fail with AC_ECANCELED and discard gets arg back; the running
 * one finishes.  Freeing the executor while awaits on it are pending is
 * fine: it goes once they are over. */
static void test_shutdown_cancels_queued(void **state) {
  static int args[3];
  static get_task *ts[3];
  ac_loop *loop = new_loop(0);
  ac_executor *ex = NULL;
  get_task *b;
  int i;
  (void)state;
  reset();
  assert_int_equal(ac_executor_new(&ex, 1), 0);
  fill_pool(loop, ex, &b, 1);
  for (i = 0; i < 3; i++) {
    ts[i] = get(ac_run_in_executor_ex(ex, counted, &args[i], discard_note),
                0);
    spawn_on(loop, ts[i]);
  }
  run_once(loop);
  assert_int_equal(ac_executor_shutdown(ex, AC_EXECUTOR_CANCEL_QUEUED), 0);
  for (i = 0; i < 3; i++) {
    assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(ts[i])), 0);
    assert_int_equal(get_err(ts[i]), AC_ECANCELED);
  }
  assert_int_equal(atomic_load(&g_discards), 3);
  assert_int_equal(atomic_load(&g_discard_null), 3);
  assert_int_equal(atomic_load(&g_finished), 0);
  gate_set(1);
  assert_int_equal(ac_executor_free(ex), 0); /* joins; b still pending */
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(b)), 0);
  assert_int_equal(get_err(b), 0);
  assert_int_equal(atomic_load(&g_ran), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A worker cannot wait for its own executor: shutdown with
 * AC_EXECUTOR_WAIT and free say AC_EBUSY there. */
static void test_shutdown_from_worker(void **state) {
  ac_loop *loop = new_loop(0);
  get_task *t;
  (void)state;
  assert_int_equal(ac_executor_new(&g_self_ex, 1), 0);
  t = get(ac_run_in_executor(g_self_ex, shutdown_self, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_ptr_equal(t->ac_ret, (void *)(intptr_t)1);
  assert_int_equal(ac_executor_free(g_self_ex), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* One executor serving two loops on two threads: each loop gets its own
 * results back. */
typedef struct loop_job {
  ac_executor *ex;    /* shared */
  get_task *ts[50];   /* the tasks of this loop */
  char data[51];      /* results point into it */
  int ok;             /* every result was right */
} loop_job;

/* Spawns the tasks of a loop_job (no cmocka: not the test's thread). */
static void spawn_job_cb(void *arg) {
  loop_job *j = arg;
  int i;
  for (i = 0; i < 50; i++)
    if (ac_task_spawn(AC_TASK(j->ts[i])) == NULL)
      j->ok = 0;
}

/* A thread running a loop whose 50 tasks await work on the shared
 * executor at once. */
static void *run_loop_thread(void *arg) {
  loop_job *j = arg;
  ac_loop *loop = NULL;
  ac_handle h = {0};
  ac_task *a;
  int i;
  if (ac_loop_new(&loop) != 0)
    return NULL;
  j->ok = 1;
  for (i = 0; i < 50; i++)
    j->ts[i] = get(ac_run_in_executor(j->ex, add_one, j->data + i), 0);
  a = all(j->ts, 50);
  if (ac_call_soon(loop, &h, spawn_job_cb, j) != 0 ||
      ac_loop_run_until_complete(loop, AC_FUTURE(a)) != 0)
    j->ok = 0;
  for (i = 0; i < 50; i++)
    if (get_err(j->ts[i]) != 0 || j->ts[i]->ac_ret != j->data + i + 1)
      j->ok = 0;
  if (ac_loop_close(loop) != 0)
    j->ok = 0;
  return NULL;
}

static void test_two_loops(void **state) {
  static loop_job jobs[2];
  pthread_t th[2];
  ac_executor *ex = NULL;
  int i;
  (void)state;
  assert_int_equal(ac_executor_new(&ex, 3), 0);
  for (i = 0; i < 2; i++) {
    jobs[i].ex = ex;
    jobs[i].ok = 0;
    assert_int_equal(pthread_create(&th[i], NULL, run_loop_thread, &jobs[i]),
                     0);
  }
  for (i = 0; i < 2; i++) {
    assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_true(jobs[i].ok);
  }
  assert_int_equal(ac_executor_free(ex), 0);
}

/* ------------------------------------------------------------------------ */
/* Completing futures from other threads                                    */
/* ------------------------------------------------------------------------ */

typedef struct poster {
  ac_loop *loop;       /* the loop fut belongs to */
  ac_future *fut;      /* what to complete */
  ac_future_post *p;   /* the post storage */
  void *value;         /* the value */
  int err;             /* or the error */
  long delay_ms;       /* wait first */
  int r;               /* what the call returned */
} poster;

static void *post_thread(void *arg) {
  poster *ps = arg;
  struct timespec ts = {0, ps->delay_ms * 1000000};
  nanosleep(&ts, NULL);
  if (ps->err != 0)
    ps->r = ac_future_set_error_threadsafe(ps->loop, ps->fut, ps->err,
                                           "from a thread", ps->p);
  else
    ps->r = ac_future_set_result_threadsafe(ps->loop, ps->fut, ps->value,
                                            ps->p);
  return NULL;
}

/* Another thread completes a future a task awaits (with a value, then
 * with an error); the loop runs forever until the task stops it. */
static void test_future_threadsafe(void **state) {
  static int value;
  ac_loop *loop = new_loop(0);
  ac_future fut;
  ac_future_post p;
  poster ps = {0};
  pthread_t th;
  struct wait_stop_frame *t;
  (void)state;
  ac_future_post_init(&p, NULL);
  ac_future_init(&fut);
  ps.loop = loop;
  ps.fut = &fut;
  ps.p = &p;
  ps.value = &value;
  ps.delay_ms = 30;
  t = wait_stop(&fut, loop);
  spawn_on(loop, t);
  assert_int_equal(pthread_create(&th, NULL, post_thread, &ps), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(ps.r, 0);
  assert_true(ac_task_done(&t->ac_co));
  assert_int_equal(t->err, 0);
  assert_ptr_equal(t->ac_ret, &value);
  /* the same post storage again, with an error */
  ac_future_init(&fut);
  ps.err = AC_EPROTO;
  t = wait_stop(&fut, loop);
  spawn_on(loop, t);
  assert_int_equal(pthread_create(&th, NULL, post_thread, &ps), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  assert_int_equal(t->err, AC_EPROTO);
  assert_string_equal(t->msg, "from a thread");
  assert_int_equal(ac_loop_close(loop), 0);
}

static atomic_int g_post_discards; /* post discard hook calls */
static void *g_post_discarded;     /* its last value */
static void post_discard(void *value) {
  g_post_discarded = value;
  atomic_fetch_add(&g_post_discards, 1);
}

/* Errors; a post is busy until applied; a value that finds its future
 * already done goes to the discard hook. */
static void test_post_edges(void **state) {
  static int value;
  ac_loop *loop = new_loop(0);
  ac_future f1;
  ac_future f2;
  ac_future_post p;
  ac_future_post z = {0}; /* zeroed: no hook */
  (void)state;
  ac_future_post_init(&p, post_discard);
  ac_future_init(&f1);
  ac_future_init(&f2);
  atomic_store(&g_post_discards, 0);
  assert_int_equal(ac_future_set_result_threadsafe(NULL, &f1, NULL, &p),
                   AC_EINVAL);
  assert_int_equal(ac_future_set_result_threadsafe(loop, NULL, NULL, &p),
                   AC_EINVAL);
  assert_int_equal(ac_future_set_result_threadsafe(loop, &f1, NULL, NULL),
                   AC_EINVAL);
  assert_int_equal(ac_future_set_error_threadsafe(loop, &f1, 1, NULL, &p),
                   AC_EINVAL);
  assert_int_equal(ac_future_set_result_threadsafe(loop, &f1, &value, &p), 0);
  assert_int_equal(ac_future_set_result_threadsafe(loop, &f2, &value, &p),
                   AC_EBUSY);
  assert_false(ac_future_done(&f1)); /* applied on the loop, later */
  run_once(loop);
  assert_true(ac_future_done(&f1));
  assert_ptr_equal(ac_future_result(&f1), &value);
  /* f1 is done: the next value for it is discarded */
  assert_int_equal(ac_future_set_result_threadsafe(loop, &f1, &f2, &p), 0);
  run_once(loop);
  assert_int_equal(atomic_load(&g_post_discards), 1);
  assert_ptr_equal(g_post_discarded, &f2);
  assert_ptr_equal(ac_future_result(&f1), &value);
  assert_int_equal(ac_future_set_error_threadsafe(loop, &f2, AC_ECANCELED,
                                                  NULL, &z), 0);
  run_once(loop);
  assert_true(ac_future_cancelled(&f2));
  assert_int_equal(ac_loop_close(loop), 0);
  ac_future_post_init(NULL, NULL); /* ignored */
}

/* Many threads each complete their own future at once. */
#define POSTERS 8
static void test_post_many_threads(void **state) {
  static ac_future futs[POSTERS];
  static ac_future_post posts[POSTERS];
  static poster ps[POSTERS];
  static int values[POSTERS];
  static struct wait_stop_frame *ts[POSTERS];
  ac_loop *loop = new_loop(0);
  pthread_t th[POSTERS];
  int i;
  (void)state;
  for (i = 0; i < POSTERS; i++) {
    ac_future_init(&futs[i]);
    ac_future_post_init(&posts[i], NULL);
    ps[i] = (poster){loop, &futs[i], &posts[i], &values[i], 0, 0, -1};
    ts[i] = wait_stop(&futs[i], loop);
    spawn_on(loop, ts[i]);
  }
  for (i = 0; i < POSTERS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, post_thread, &ps[i]), 0);
  for (i = 0; i < POSTERS; i++)
    assert_int_equal(pthread_join(th[i], NULL), 0);
  for (i = 0; i < POSTERS; i++) {
    assert_int_equal(ps[i].r, 0);
    while (!ac_task_done(&ts[i]->ac_co))
      run_once(loop);
    assert_ptr_equal(ts[i]->ac_ret, &values[i]);
  }
  assert_int_equal(ac_loop_close(loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_results),
      cmocka_unit_test(test_other_thread),
      cmocka_unit_test(test_spawned),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_shutdown_refuses),
      cmocka_unit_test(test_enomem),
      cmocka_unit_test(test_cancel_before_submit),
      cmocka_unit_test(test_cancel_queued_uv),
      cmocka_unit_test(test_cancel_queued_own),
      cmocka_unit_test(test_cancel_running_uv),
      cmocka_unit_test(test_cancel_running_own),
      cmocka_unit_test(test_cancel_back_uv),
      cmocka_unit_test(test_cancel_back_own),
      cmocka_unit_test(test_cancel_spawned_unstarted),
      cmocka_unit_test(test_cancel_through_task),
      cmocka_unit_test(test_liveness),
      cmocka_unit_test(test_close_running),
      cmocka_unit_test(test_close_queued),
      cmocka_unit_test(test_many),
      cmocka_unit_test(test_size_one),
      cmocka_unit_test(test_size_four),
      cmocka_unit_test(test_shutdown_runs_queued),
      cmocka_unit_test(test_shutdown_cancels_queued),
      cmocka_unit_test(test_shutdown_from_worker),
      cmocka_unit_test(test_two_loops),
      cmocka_unit_test(test_future_threadsafe),
      cmocka_unit_test(test_post_edges),
      cmocka_unit_test(test_post_many_threads),
  };
  /* libuv's pool: 4 threads, whatever the environment says (read when
   * the pool first starts) */
  setenv("UV_THREADPOOL_SIZE", "4", 1);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
