/*
 * future.c - ac_future: a result that arrives later, and its done-callbacks.
 * Tasks and done-callbacks wait on a future through ac_waiter nodes on its
 * `waiters` list; completing the future moves them all, in registration
 * order, to the ready queues of their loops, and each holds the future
 * (ac_future.held) until it has run.  Nothing ever runs inline.
 *
 * A done-callback runs on the loop it is bound to (w.loop): the loop
 * running when it was added, else a task's own loop, else (NULL) the loop
 * running when the future completes.  While it waits, a bound one is also
 * on its loop's done_cbs list, so that closing the loop can unbind it.
 */
#include "internal.h"

static void ac__done_cb_run(ac_waiter *w);

/* Initialise caller-owned storage as a pending plain future. */
void ac_future_init(ac_future *f) {
  if (f == NULL)
    return;
  ac__link_init(&f->waiters);
  f->err = 0;
  f->state = AC__FUT_PENDING;
  f->flags = AC__F_FUTURE;
  f->held = 0;
  f->msg = NULL;
  f->ac_ret = NULL;
}

/* Allocate a pending plain future that ac_future_free may free. */
ac_future *ac_future_new(void) {
  ac_future *f = ac_alloc(sizeof *f);
  if (f == NULL)
    return NULL;
  ac_future_init(f);
  f->flags |= AC__F_ALLOC;
  return f;
}

/* Free a future from ac_future_new, unless something still waits on it
 * or holds it (a queued waiter that has not run, run_until_complete).  The
 * waiter that is running holds it no more, so it may free it. */
int ac_future_free(ac_future *f) {
  if (f == NULL)
    return 0;
  if (!(f->flags & AC__F_ALLOC))
    return AC_EINVAL;
  if (!ac__link_empty(&f->waiters) || f->held != 0)
    return AC_EBUSY;
  ac_free(f, sizeof *f);
  return 0;
}

/* Take a done-callback off its loop's done_cbs list, if it is on it. */
static void ac__done_cb_unbind(ac_waiter *w) {
  ac_done_cb *node;

  if (w->run != ac__done_cb_run)
    return; /* a task's wake */
  node = ac__container_of(w, ac_done_cb, w);
  if (ac__link_linked(&node->bound))
    ac__link_remove(&node->bound);
}

/* Mark f done and queue its waiters on their loops, oldest first. */
void ac__future_complete(ac_future *f, int err) {
  f->err = err;
  f->state = err == AC_ECANCELED ? AC__FUT_CANCELLED : AC__FUT_DONE;
  while (!ac__link_empty(&f->waiters)) {
    ac_waiter *w = ac__container_of(f->waiters.next, ac_waiter, link);
    ac__link_remove(&w->link);
    ac__done_cb_unbind(w);
    if (w->loop == NULL)
      w->loop = ac__current_loop;
    ac__waiter_queue(w, f);
  }
}

/* Drop one hold; a released task goes with its last one. */
void ac__future_unhold(ac_future *f) {
  if (--f->held == 0 && (f->flags & AC__F_TASK))
    ac__task_reap((ac_task *)(void *)f);
}

/* Unlink every waiter of f: they will neither run nor be queued. */
void ac__future_drop_waiters(ac_future *f) {
  while (!ac__link_empty(&f->waiters)) {
    ac_waiter *w = ac__container_of(f->waiters.next, ac_waiter, link);
    ac__link_remove(&w->link);
    ac__done_cb_unbind(w);
  }
}

/* Unbind loop's waiting done-callbacks: NULL makes each run on whatever
 * loop is current when its future completes. */
void ac__done_cbs_unbind(ac_loop *loop) {
  while (!ac__link_empty(&loop->done_cbs)) {
    ac_done_cb *node =
        ac__container_of(loop->done_cbs.next, ac_done_cb, bound);
    ac__link_remove(&node->bound);
    node->w.loop = NULL;
  }
}

/* 1 if a waiter of f is bound to no loop (it needs a current one). */
static int ac__future_has_unbound(const ac_future *f) {
  const ac__link *n;

  for (n = f->waiters.next; n != &f->waiters; n = n->next)
    if (ac__container_of(n, ac_waiter, link)->loop == NULL)
      return 1;
  return 0;
}

/* Common checks of set_result/set_error/cancel on a plain future: 0 if f
 * may be completed now, else the error to return. */
static int ac__future_settable(const ac_future *f) {
  if (f == NULL || !(f->flags & AC__F_FUTURE))
    return AC_EINVAL;
  if (f->state != AC__FUT_PENDING)
    return AC_ESTATE;
  if (ac__current_loop == NULL && ac__future_has_unbound(f))
    return AC_ENOLOOP;
  return 0;
}

/* Complete f with a value. */
int ac_future_set_result(ac_future *f, void *value) {
  int r = ac__future_settable(f);
  if (r != 0)
    return r;
  f->ac_ret = value;
  f->msg = NULL;
  ac__future_complete(f, 0);
  return 0;
}

/* Complete f with a (negative) error and an optional borrowed message. */
int ac_future_set_error(ac_future *f, int err, const char *msg) {
  int r = err < 0 ? ac__future_settable(f) : AC_EINVAL;
  if (r != 0)
    return r;
  f->ac_ret = NULL;
  f->msg = msg;
  ac__future_complete(f, err);
  return 0;
}

/* Cancel a plain future, or ask a task to cancel (ac_task_cancel). */
int ac_future_cancel(ac_future *f) {
  if (f != NULL && (f->flags & AC__F_TASK))
    return ac__task_cancel((ac_task *)(void *)f, NULL);
  return ac_future_set_error(f, AC_ECANCELED, NULL);
}

/* 1 once f is done (with a value, an error, or cancelled). */
int ac_future_done(const ac_future *f) {
  return f != NULL && f->state != AC__FUT_PENDING;
}

/* 1 if f was cancelled (completed with AC_ECANCELED). */
int ac_future_cancelled(const ac_future *f) {
  return f != NULL && f->state == AC__FUT_CANCELLED;
}

/* Mark a done task's outcome as retrieved (no report, report.c).  Tasks
 * are frames, never const objects. */
static void ac__future_retrieved(const ac_future *f) {
  if (f->state != AC__FUT_PENDING && (f->flags & AC__F_TASK))
    ((ac_future *)f)->flags |= AC__F_RETRIEVED;
}

/* The value of a successful future, else NULL. */
void *ac_future_result(const ac_future *f) {
  if (f == NULL)
    return NULL;
  ac__future_retrieved(f);
  if (f->state != AC__FUT_DONE || f->err != 0)
    return NULL;
  return f->ac_ret;
}

/* The error f completed with; 0 while pending or on success. */
int ac_future_error(const ac_future *f) {
  if (f == NULL)
    return AC_EINVAL;
  ac__future_retrieved(f);
  return f->state == AC__FUT_PENDING ? 0 : f->err;
}

/* The message given with the error, or NULL. */
const char *ac_future_message(const ac_future *f) {
  if (f == NULL || f->state == AC__FUT_PENDING)
    return NULL;
  return f->msg;
}

/* The future ac_raise returns: one per thread, reset by every call. */
static _Thread_local ac_future ac__raised;

/* An awaitable already failed with err: `await ac_raise(e, m)` fails the
 * awaiting frame (ac__await does not suspend on a done future, ac__check
 * then records e and m), with no loop and no allocation, so it works in a
 * generator frame too. */
ac_future *ac_raise(int err, const char *msg) {
  ac_future *f = &ac__raised;

  ac_future_init(f);
  if (err >= 0) {
    err = AC_EINVAL;
    msg = "ac_raise: the error code must be negative";
  }
  f->err = err;
  f->msg = msg;
  f->state = err == AC_ECANCELED ? AC__FUT_CANCELLED : AC__FUT_DONE;
  return f;
}

/* The ready-queue run function of a done-callback: call fn(fut, arg). */
static void ac__done_cb_run(ac_waiter *w) {
  ac_done_cb *node = ac__container_of(w, ac_done_cb, w);
  node->fn(node->fut, node->arg);
}

/* The loop a done-callback added on f now runs on: the running one, else
 * a task's own, else none yet (NULL). */
static ac_loop *ac__done_cb_loop(const ac_future *f) {
  if (ac__current_loop != NULL)
    return ac__current_loop;
  if (f->flags & AC__F_TASK)
    return ((const ac_task *)(const void *)f)->wake.loop;
  return NULL;
}

/* Register node to call fn(f, arg) from a loop once f is done. */
int ac_future_add_done_callback(ac_future *f, ac_done_cb *node, ac_done_fn fn,
                                void *arg) {
  ac_loop *loop;

  if (f == NULL || node == NULL || fn == NULL)
    return AC_EINVAL;
  /* A coroutine awaited inline is freed by its awaiter: only plain futures
   * and tasks outlive their completion. */
  if (!(f->flags & (AC__F_FUTURE | AC__F_TASK)))
    return AC_EINVAL;
  if (ac__link_linked(&node->w.link))
    return AC_EBUSY;
  loop = ac__done_cb_loop(f);
  if (f->state != AC__FUT_PENDING && loop == NULL)
    return AC_ENOLOOP;
  node->fut = f;
  node->fn = fn;
  node->arg = arg;
  node->w.run = ac__done_cb_run;
  node->w.loop = loop;
  node->w.from = NULL;
  if (f->state != AC__FUT_PENDING) {
    ac__waiter_queue(&node->w, f);
    return 0;
  }
  ac__link_insert_tail(&f->waiters, &node->w.link);
  if (loop != NULL)
    ac__link_insert_tail(&loop->done_cbs, &node->bound);
  return 0;
}

/* Unregister node before it runs, whether it still waits on f or was
 * already queued to run (it then drops its hold on f). */
int ac_future_remove_done_callback(ac_future *f, ac_done_cb *node) {
  if (f == NULL || node == NULL)
    return AC_EINVAL;
  if (!ac__link_linked(&node->w.link) || node->fut != f ||
      node->w.run != ac__done_cb_run)
    return AC_ESTATE;
  ac__done_cb_unbind(&node->w);
  ac__waiter_unlink(&node->w);
  return 0;
}
