/*
 * future.c - ac_future: a result that arrives later, and its done-callbacks.
 * Tasks and done-callbacks wait on a future through ac_waiter nodes on its
 * `waiters` list; completing the future moves them all, in registration
 * order, to the loop's ready queue.  Nothing ever runs inline.
 */
#include "internal.h"

/* Initialise caller-owned storage as a pending plain future. */
void ac_future_init(ac_future *f) {
  if (f == NULL)
    return;
  ac__link_init(&f->waiters);
  f->err = 0;
  f->state = AC__FUT_PENDING;
  f->flags = AC__F_FUTURE;
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

/* Free a future from ac_future_new, unless something still waits on it. */
int ac_future_free(ac_future *f) {
  if (f == NULL)
    return 0;
  if (!(f->flags & AC__F_ALLOC))
    return AC_EINVAL;
  if (!ac__link_empty(&f->waiters))
    return AC_EBUSY;
  ac_free(f, sizeof *f);
  return 0;
}

/* Mark f done and hand its waiters to the current loop, oldest first. */
void ac__future_complete(ac_future *f, int err) {
  f->err = err;
  f->state = err == AC_ECANCELED ? AC__FUT_CANCELLED : AC__FUT_DONE;
  if (!ac__link_empty(&f->waiters))
    ac__link_move(&f->waiters, &ac__current_loop->ready);
}

/* Common checks of set_result/set_error/cancel on a plain future: 0 if f
 * may be completed now, else the error to return. */
static int ac__future_settable(const ac_future *f) {
  if (f == NULL || !(f->flags & AC__F_FUTURE))
    return AC_EINVAL;
  if (f->state != AC__FUT_PENDING)
    return AC_ESTATE;
  if (!ac__link_empty(&f->waiters) && ac__current_loop == NULL)
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

/* Cancel a plain future, or ask a task to cancel itself. */
int ac_future_cancel(ac_future *f) {
  if (f != NULL && (f->flags & AC__F_TASK))
    return ac__task_request_cancel((ac_task *)(void *)f);
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

/* The value of a successful future, else NULL. */
void *ac_future_result(const ac_future *f) {
  if (f == NULL || f->state != AC__FUT_DONE || f->err != 0)
    return NULL;
  return f->ac_ret;
}

/* The error f completed with; 0 while pending or on success. */
int ac_future_error(const ac_future *f) {
  if (f == NULL)
    return AC_EINVAL;
  return f->state == AC__FUT_PENDING ? 0 : f->err;
}

/* The message given with the error, or NULL. */
const char *ac_future_message(const ac_future *f) {
  if (f == NULL || f->state == AC__FUT_PENDING)
    return NULL;
  return f->msg;
}

/* The ready-queue run function of a done-callback: call fn(fut, arg). */
static void ac__done_cb_run(ac_waiter *w) {
  ac_done_cb *node = ac__container_of(w, ac_done_cb, w);
  node->fn(node->fut, node->arg);
}

/* Register node to call fn(f, arg) from the loop once f is done. */
int ac_future_add_done_callback(ac_future *f, ac_done_cb *node, ac_done_fn fn,
                                void *arg) {
  if (f == NULL || node == NULL || fn == NULL)
    return AC_EINVAL;
  /* A coroutine awaited inline is freed by its awaiter: only plain futures
   * and tasks outlive their completion. */
  if (!(f->flags & (AC__F_FUTURE | AC__F_TASK)))
    return AC_EINVAL;
  if (ac__link_linked(&node->w.link))
    return AC_EBUSY;
  if (f->state != AC__FUT_PENDING && ac__current_loop == NULL)
    return AC_ENOLOOP;
  node->fut = f;
  node->fn = fn;
  node->arg = arg;
  node->w.run = ac__done_cb_run;
  if (f->state != AC__FUT_PENDING)
    ac__loop_ready(ac__current_loop, &node->w);
  else
    ac__link_insert_tail(&f->waiters, &node->w.link);
  return 0;
}

/* Unregister node before it runs, whether it still waits on f or was
 * already queued to run. */
int ac_future_remove_done_callback(ac_future *f, ac_done_cb *node) {
  if (f == NULL || node == NULL)
    return AC_EINVAL;
  if (!ac__link_linked(&node->w.link) || node->fut != f ||
      node->w.run != ac__done_cb_run)
    return AC_ESTATE;
  ac__link_remove(&node->w.link);
  return 0;
}
