/*
 * sync.c - the operation frame shared by the synchronisation primitives
 * (lock.c, event.c, condition.c, semaphore.c, barrier.c): a coroutine frame
 * with a hand-written resume function, like ac_sleep's, that embeds the
 * waiter node.  Awaiting one allocates nothing more: the node goes on the
 * primitive's intrusive waiter list while the task is parked.
 *
 * State 0 runs kind->start, inside the await: it completes at once (the
 * fast path: the task is not suspended) or parks the task, the op being on
 * a waiter list of the primitive.  State 1 runs kind->wake each time the
 * task is resumed while parked: by the primitive (ac__sync_wake, which
 * gives the op a bit saying what it was granted) or by a cancellation
 * request (ac_task_cancel flags the task and wakes it, as for a sleep:
 * nothing points at the op, so the task waits on no future).  kind->wake
 * sees the request with ac__sync_take_cancel, and a resume with neither
 * (a request taken back by ac_task_uncancel) parks again.
 */
#include "internal.h"

static ac__step ac__sync_resume(ac_task *self);

/* The typed handles (ac.h) are the first members of the op frame: their
 * ac_ret is its ret, which is also where ac_run reads an int result. */
_Static_assert(offsetof(ac__sync_op, ret) == sizeof(ac_task),
               "ret right after the header");
_Static_assert(offsetof(ac_barrier_wait_task, ac_ret) ==
                   offsetof(ac__sync_op, ret),
               "ac_barrier_wait_task.ac_ret is the op's ret");
_Static_assert(offsetof(ac_condition_wait_for_task, ac_ret) ==
                   offsetof(ac__sync_op, ret),
               "ac_condition_wait_for_task.ac_ret is the op's ret");

/* Allocate an op frame; the await that consumes it frees it. */
ac__sync_op *ac__sync_new(const ac__sync_kind *kind, void *obj,
                          unsigned flags) {
  ac__sync_op *op =
      ac__frame_new(sizeof *op, ac__sync_resume, flags, kind->name);

  if (op == NULL)
    return NULL;
  op->kind = kind;
  op->obj = obj;
  return op;
}

/* Take the task's pending cancellation request, as ac__check would: the
 * op reports it instead, having given back or passed on what it held. */
int ac__sync_take_cancel(ac__sync_op *op) {
  ac_task *root = op->root;

  if (!(root->fut.flags & AC__F_CANCEL))
    return 0;
  root->fut.flags &= ~AC__F_CANCEL;
  op->cancel_msg = root->cancel_msg;
  return 1;
}

/* Record the outcome; a cancellation carries its request's message. */
int ac__sync_finish(ac__sync_op *op, int err) {
  op->co.fut.err = err;
  op->co.fut.msg = err == AC_ECANCELED ? op->cancel_msg : NULL;
  return AC__SYNC_OVER;
}

/* A parked op whose task will see a cancellation when it runs and has
 * been granted nothing: the primitives pass over it, as asyncio passes
 * over a cancelled future in its waiter deque. */
int ac__sync_cancelled(const ac__sync_op *op) {
  return !(op->bits & AC__SYNC_WOKEN) &&
         (op->root->fut.flags & AC__F_CANCEL) != 0;
}

/* Grant op something and make its task run.  The running task is never
 * queued: its op is being resumed right now and goes on at once. */
void ac__sync_wake(ac__sync_op *op, unsigned bit) {
  op->bits |= bit;
  if (op->root != ac__current_task)
    ac__task_wake(op->root);
}

/* Take op off whatever waiter list it is on. */
void ac__sync_unlink(ac__sync_op *op) {
  if (ac__link_linked(&op->link))
    ac__link_remove(&op->link);
}

/* State 0: the task, then kind->start. */
static ac__step ac__sync_begin(ac__sync_op *op) {
  op->root = ac__current_task;
  if (op->root == NULL) {
    ac__sync_finish(op, AC_ENOLOOP); /* not reached: awaits need a task */
    return AC__DONE;
  }
  if (op->kind->start(op) == AC__SYNC_OVER)
    return AC__DONE;
  op->co.state = 1;
  return AC__SUSPEND;
}

/* The resume function of every op frame. */
static ac__step ac__sync_resume(ac_task *self) {
  ac__sync_op *op = (ac__sync_op *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__sync_begin(op);
  case 1:
    return op->kind->wake(op) == AC__SYNC_OVER ? AC__DONE : AC__SUSPEND;
  default:
    return ac__bad_state(self);
  }
}

/* An op frame freed while still parked (a loop close freeing a task that
 * did not unwind) must leave its primitive, which lives on: no node of
 * freed memory may stay on its lists, and a grant it had goes on. */
void ac__sync_abandon(ac_task *co) {
  ac__sync_op *op;

  if (co->resume != ac__sync_resume || co->state != 1 ||
      co->fut.state != AC__FUT_PENDING)
    return;
  op = (ac__sync_op *)(void *)co;
  op->kind->abandon(op);
  ac__sync_unlink(op);
}
