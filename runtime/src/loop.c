/*
 * loop.c - ac_loop: the ready queue, one iteration, run/stop/close, and the
 * loop's clock.
 *
 * One iteration: poll libuv, waiting only if nothing is ready (for the
 * earliest timer, or, under the virtual clock, jumping to it); move posts
 * from other threads and the timers that are due to the ready queue; then
 * run every waiter that is ready at that point (work they queue runs on the
 * next iteration).
 *
 * A waiter queued by a future's completion holds that future (counted in
 * ac_future.held) until it runs, or, for a task, until it has run:
 * ac_future_free refuses a held future, and a released task is freed when
 * its last hold goes.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Batches ac_loop_close runs at most before dropping what is left. */
#define AC__CLOSE_BATCHES 100

_Thread_local ac_loop *ac__current_loop; /* running or closing loop */

/* The uv timer only wakes uv_run up; timers are expired after it returns. */
static void ac__timer_noop(uv_timer_t *t) { (void)t; }

/* Undo a half-made loop's libuv part (ac_loop_new's failure path). */
static void ac__loop_uv_abort(ac_loop *loop) {
  uv_close((uv_handle_t *)&loop->timer, NULL);
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  uv_loop_close(&loop->uv);
}

/* Create a loop: libuv loop, wake-up timer, threadsafe async (unref'd, so it
 * keeps the loop alive only during run_forever). */
int ac_loop_new(ac_loop **out) {
  ac_loop *loop;
  const char *env;
  int r;

  if (out == NULL)
    return AC_EINVAL;
  loop = ac__alloc_zeroed(sizeof *loop);
  if (loop == NULL)
    return AC_ENOMEM;
  ac__link_init(&loop->ready);
  ac__link_init(&loop->tasks);
  ac__link_init(&loop->done_cbs);
  ac__link_init(&loop->ts_list);
  r = uv_loop_init(&loop->uv);
  if (r != 0)
    goto fail_free;
  uv_timer_init(&loop->uv, &loop->timer);
  r = uv_mutex_init(&loop->ts_mutex);
  if (r != 0)
    goto fail_uv;
  r = uv_async_init(&loop->uv, &loop->async, ac__async_cb);
  if (r != 0)
    goto fail_mutex;
  uv_unref((uv_handle_t *)&loop->async);
  loop->async.data = loop;
  env = getenv("AC_VIRTUAL_CLOCK");
  loop->virtual_clock = env != NULL && strcmp(env, "1") == 0;
  *out = loop;
  return 0;

fail_mutex:
  uv_mutex_destroy(&loop->ts_mutex);
fail_uv:
  ac__loop_uv_abort(loop);
fail_free:
  ac_free(loop, sizeof *loop);
  return r;
}

/* Queue w on its loop to run on the next iteration; from, if any, holds
 * it until then. */
void ac__waiter_queue(ac_waiter *w, ac_future *from) {
  w->from = from;
  if (from != NULL)
    from->held++;
  ac__link_insert_tail(&w->loop->ready, &w->link);
}

/* Move w to the tail of its loop's ready queue (a cancelled task's wake),
 * keeping the hold it has: its future must still outlive its run. */
void ac__waiter_requeue(ac_waiter *w) {
  if (ac__link_linked(&w->link))
    ac__link_remove(&w->link);
  ac__link_insert_tail(&w->loop->ready, &w->link);
}

/* Take w off its list; a hold it had is dropped (it will not run now). */
void ac__waiter_unlink(ac_waiter *w) {
  ac_future *from = w->from;

  if (ac__link_linked(&w->link))
    ac__link_remove(&w->link);
  w->from = NULL;
  if (from != NULL)
    ac__future_unhold(from);
}

/* Run w, just taken off a ready queue, and drop its hold on the future
 * that queued it.  A plain future's hold goes first: w is the last thing
 * the future waits for, so w may free it (`await f` then
 * ac_future_free(f)), or free the frame it lives in.  A task's hold goes
 * after: only the runtime frees tasks, and a released one must outlive w.
 * w is not touched after its run, which may free or reuse it. */
static void ac__waiter_run(ac_waiter *w) {
  ac_future *from = w->from;

  w->from = NULL;
  if (from != NULL && !(from->flags & AC__F_TASK)) {
    ac__future_unhold(from);
    from = NULL;
  }
  w->run(w);
  if (from != NULL)
    ac__future_unhold(from);
}

/* The loop's clock, ns: the virtual counter, or libuv's monotonic clock. */
unsigned long long ac__loop_now(const ac_loop *loop) {
  return loop->virtual_clock ? loop->vnow : (unsigned long long)uv_hrtime();
}

/* Run the waiters that are ready now; what they queue waits for the next
 * iteration.  The batch is detached first, so a waiter can still be taken
 * off it (a cancelled handle) before its turn.  closing (ac_loop_close):
 * scheduled callbacks are dropped instead of run. */
static void ac__loop_run_batch(ac_loop *loop, int closing) {
  ac__link batch;

  ac__link_init(&batch);
  ac__link_move(&loop->ready, &batch);
  while (!ac__link_empty(&batch)) {
    ac_waiter *w = ac__container_of(batch.next, ac_waiter, link);
    ac__link_remove(&w->link);
    if (closing && ac__waiter_is_handle(w))
      ac__handle_drop(w);
    else
      ac__waiter_run(w);
  }
}

/* Real clock: sleep in libuv until the earliest deadline or an event. */
static void ac__loop_wait_timer(ac_loop *loop) {
  unsigned long long now = uv_hrtime();
  unsigned long long when = loop->timer_min->when;
  unsigned long long ms = when > now ? (when - now + 999999) / 1000000 : 0;

  uv_update_time(&loop->uv);
  uv_timer_start(&loop->timer, ac__timer_noop, ms, 0);
  uv_run(&loop->uv, UV_RUN_ONCE);
  uv_timer_stop(&loop->timer);
}

/* Virtual clock: check libuv without waiting; if still idle, jump the clock
 * to the earliest deadline. */
static void ac__loop_jump(ac_loop *loop) {
  uv_run(&loop->uv, UV_RUN_NOWAIT);
  ac__async_drain(loop);
  if (ac__link_empty(&loop->ready) && loop->timer_min != NULL &&
      loop->vnow < loop->timer_min->when)
    loop->vnow = loop->timer_min->when;
}

/* Poll libuv; wait only if `block`.  AC_ESTALLED if waiting is asked for
 * but nothing (no timer, no live libuv handle, no post) could ever wake the
 * loop and `may_stall` (run_until_complete). */
static int ac__loop_poll(ac_loop *loop, int block, int may_stall) {
  if (!block) {
    uv_run(&loop->uv, UV_RUN_NOWAIT);
  } else if (loop->timer_min != NULL) {
    if (loop->virtual_clock)
      ac__loop_jump(loop);
    else
      ac__loop_wait_timer(loop);
  } else if (uv_loop_alive(&loop->uv)) {
    uv_run(&loop->uv, UV_RUN_ONCE);
  } else {
    ac__async_drain(loop);
    if (may_stall && ac__link_empty(&loop->ready))
      return AC_ESTALLED;
  }
  return 0;
}

/* One iteration (asyncio's _run_once): poll libuv, waiting only if nothing
 * is ready and the run has no reason to return (`wait`: run_forever was
 * not stopped, run_until_complete's future is pending); take the posts
 * from other threads and the timers that are due; run the ready batch.
 * may_stall: run_until_complete, which gives up (AC_ESTALLED) rather than
 * wait for nothing. */
static int ac__loop_iterate(ac_loop *loop, int wait, int may_stall) {
  int r;

  ac__async_drain(loop);
  wait = wait && ac__link_empty(&loop->ready);
  r = ac__loop_poll(loop, wait, may_stall);
  if (r != 0)
    return r;
  ac__async_drain(loop);
  ac__timers_expire(loop, ac__loop_now(loop));
  ac__loop_run_batch(loop, 0);
  return 0;
}

/* Make loop the running loop of this thread, unless one already runs. */
static int ac__loop_enter(ac_loop *loop) {
  if (loop->running || ac__current_loop != NULL)
    return AC_EBUSY;
  loop->running = 1;
  ac__current_loop = loop;
  return 0;
}

/* Undo ac__loop_enter. */
static void ac__loop_leave(ac_loop *loop) {
  loop->running = 0;
  ac__current_loop = NULL;
}

/* Run until ac_loop_stop.  A stop that came before still runs one
 * (non-blocking) iteration, as asyncio does. */
int ac_loop_run_forever(ac_loop *loop) {
  int r;

  if (loop == NULL)
    return AC_EINVAL;
  r = ac__loop_enter(loop);
  if (r != 0)
    return r;
  uv_ref((uv_handle_t *)&loop->async);
  do
    ac__loop_iterate(loop, !loop->stop, 0);
  while (!loop->stop);
  loop->stop = 0;
  uv_unref((uv_handle_t *)&loop->async);
  ac__loop_leave(loop);
  return 0;
}

/* Run until fut is done, then one more iteration, in which the waiters
 * its completion queued run (asyncio stops the loop from a done-callback
 * of fut, so the callbacks added before have run).  fut is held meanwhile,
 * so that it is not freed while pending.  An unspawned coroutine is
 * spawned on loop first (asyncio's run_until_complete(coro)). */
int ac_loop_run_until_complete(ac_loop *loop, ac_future *fut) {
  int r;

  if (loop == NULL || fut == NULL ||
      !(fut->flags & (AC__F_FUTURE | AC__F_CORO)))
    return AC_EINVAL;
  if ((fut->flags & (AC__F_CORO | AC__F_TASK | AC__F_OWNED)) ==
      (AC__F_CORO | AC__F_OWNED))
    return AC_EREUSED;
  r = ac__loop_enter(loop);
  if (r != 0)
    return r;
  if ((fut->flags & AC__F_CORO) && !(fut->flags & AC__F_TASK))
    ac_task_spawn((ac_task *)(void *)fut);
  fut->held++;
  while (r == 0 && fut->state == AC__FUT_PENDING)
    r = ac__loop_iterate(loop, 1, 1);
  ac__future_unhold(fut); /* may free a released task: not read after */
  if (r == 0)
    ac__loop_iterate(loop, 0, 0);
  ac__loop_leave(loop);
  return r;
}

/* Ask run_forever to return after the current iteration. */
void ac_loop_stop(ac_loop *loop) {
  if (loop != NULL)
    loop->stop = 1;
}

/* The running loop of this thread (also while ac_loop_close runs). */
ac_loop *ac_loop_current(void) { return ac__current_loop; }

/* The libuv loop underneath. */
struct uv_loop_s *ac_loop_uv(ac_loop *loop) {
  return loop != NULL ? &loop->uv : NULL;
}

/* The loop's clock in seconds. */
double ac_loop_time(const ac_loop *loop) {
  if (loop == NULL)
    return 0.0;
  return (double)ac__loop_now(loop) / 1e9;
}

/* Switch the virtual clock; not while timers are scheduled, since their
 * deadlines are on the other clock.  Turning it on restarts it at 0. */
int ac_loop_set_virtual_clock(ac_loop *loop, int on) {
  if (loop == NULL)
    return AC_EINVAL;
  if (loop->timer_count != 0)
    return AC_EBUSY;
  if (on && !loop->virtual_clock)
    loop->vnow = 0;
  loop->virtual_clock = on != 0;
  return 0;
}

/* 1 if the virtual clock is on. */
int ac_loop_virtual_clock(const ac_loop *loop) {
  return loop != NULL && loop->virtual_clock;
}

/* ------------------------------------------------------------------------ */
/* Closing                                                                  */
/* ------------------------------------------------------------------------ */

/* Ask every pending task that close has not asked yet to cancel: those
 * pending at close, then those spawned since the last batch. */
static void ac__loop_cancel_new(ac_loop *loop) {
  ac__link *n;

  for (n = loop->tasks.next; n != &loop->tasks; n = n->next) {
    ac_task *t = ac__container_of(n, ac_task, tasks);
    if (t->fut.state != AC__FUT_PENDING || (t->fut.flags & AC__F_DOOMED))
      continue;
    t->fut.flags |= AC__F_DOOMED;
    ac__task_request_cancel(t);
  }
}

/* Cancel every pending task and run the ready queue batch by batch until
 * it is empty: the tasks unwind, their done-callbacks run.  Before each
 * batch, tasks spawned by the previous one are cancelled too, so that they
 * never start their bodies.  At most AC__CLOSE_BATCHES batches, so that a
 * done-callback that re-adds itself cannot keep close busy forever. */
static void ac__loop_cancel_tasks(ac_loop *loop) {
  int i;

  for (i = 0; i < AC__CLOSE_BATCHES; i++) {
    ac__loop_cancel_new(loop);
    if (ac__link_empty(&loop->ready))
      return;
    ac__loop_run_batch(loop, 1);
  }
}

/* Forget what is left on the ready queue without running it: handles
 * become inactive, done-callbacks unregistered, holds are dropped. */
static void ac__loop_drop_ready(ac_loop *loop) {
  while (!ac__link_empty(&loop->ready)) {
    ac_waiter *w = ac__container_of(loop->ready.next, ac_waiter, link);
    if (ac__waiter_is_handle(w)) {
      ac__link_remove(&w->link);
      ac__handle_drop(w);
    } else {
      ac__waiter_unlink(w);
    }
  }
}

/* What ac__loop_count_foreign counts for. */
struct ac__foreign {
  ac_loop *loop; /* the loop being closed */
  int count;     /* open handles that are not its own */
};

/* uv_walk callback: count open handles that are not the loop's own. */
static void ac__loop_count_foreign(uv_handle_t *h, void *arg) {
  struct ac__foreign *f = arg;
  if (h != (uv_handle_t *)&f->loop->timer &&
      h != (uv_handle_t *)&f->loop->async && !uv_is_closing(h))
    f->count++;
}

/* Cancel and free every task, drop every callback.  Runs with loop as this
 * thread's current loop, so that unwinding tasks can use it. */
static void ac__loop_shutdown(ac_loop *loop) {
  ac_loop *prev = ac__current_loop;

  ac__current_loop = loop;
  loop->running = 1;
  ac__loop_cancel_tasks(loop);
  ac__timers_drop(loop);
  ac__async_drop(loop);
  ac__loop_drop_ready(loop);
  while (!ac__link_empty(&loop->tasks))
    ac__task_destroy(ac__container_of(loop->tasks.next, ac_task, tasks));
  ac__done_cbs_unbind(loop);
  loop->running = 0;
  ac__current_loop = prev;
}

/* Close a loop that is not running: cancel its tasks, free their frames,
 * drop callbacks, close libuv.  AC_EBUSY if running, or if libuv handles
 * of the caller's are still open (the tasks are gone by then; close them
 * and call again). */
int ac_loop_close(ac_loop *loop) {
  struct ac__foreign foreign;
  int r;

  if (loop == NULL)
    return AC_EINVAL;
  if (loop->running)
    return AC_EBUSY;
  ac__loop_shutdown(loop);
  ac__pool_loop_close(loop); /* waits for ac_executor work still running */
  foreign.loop = loop;
  foreign.count = 0;
  uv_walk(&loop->uv, ac__loop_count_foreign, &foreign);
  if (foreign.count != 0)
    return AC_EBUSY;
  uv_close((uv_handle_t *)&loop->timer, NULL);
  uv_close((uv_handle_t *)&loop->async, NULL);
  uv_run(&loop->uv, UV_RUN_DEFAULT);
  r = uv_loop_close(&loop->uv);
  if (r != 0)
    return r;
  uv_mutex_destroy(&loop->ts_mutex);
  ac_free(loop, sizeof *loop);
  return 0;
}
