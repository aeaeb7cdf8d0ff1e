/*
 * condition.c - ac_condition, asyncio.Condition: a lock (its own or the
 * caller's) and a list of waiting op frames (sync.c).
 *
 * A wait releases the lock and parks on the condition's list; a notify
 * marks ops AC__SYNC_NOTIFIED and wakes them.  The op then takes the lock
 * again with ac__lock_enter (lock.c), queueing in the lock's line with the
 * same node (AC__SYNC_RELOCK), so that nothing can fail on the way back.
 * It returns only with the lock held, also when its task is cancelled: a
 * request seen while it waits on the condition or in the lock's line is
 * recorded (AC__SYNC_CANCELLED) and fails the wait with AC_ECANCELED once
 * the lock is held, as asyncio's wait() re-acquires in a `finally`.  A
 * cancelled waiter that had been notified notifies another one, as
 * asyncio 3.13 does, so the notification is not lost.
 *
 * wait_for is the same op with a predicate, checked with the lock held
 * before the first wait and after each one.
 */
#include "internal.h"

#include <limits.h>

/* Initialise caller-owned storage; lock NULL: c's own lock. */
int ac_condition_init(ac_condition *c, ac_lock *lock) {
  if (c == NULL)
    return AC_EINVAL;
  ac_lock_init(&c->own);
  c->lock = lock != NULL ? lock : &c->own;
  ac__link_init(&c->waiters);
  return 0;
}

/* The lock's own functions, on c's lock (asyncio exports them as the
 * condition's acquire, release and locked). */
ac_lock_acquire_task *ac_condition_acquire(ac_condition *c) {
  return ac_lock_acquire(c != NULL ? c->lock : NULL);
}

/* Release c's lock (AC_ESTATE if not held). */
int ac_condition_release(ac_condition *c) {
  return ac_lock_release(c != NULL ? c->lock : NULL);
}

/* 1 while c's lock is held. */
int ac_condition_locked(const ac_condition *c) {
  return c != NULL && ac_lock_locked(c->lock);
}

/* asyncio's _notify(n): wake up to n waiters that were not notified yet,
 * passing over those about to fail with a cancellation. */
static void ac__condition_notify(ac_condition *c, int n) {
  ac__link *node;

  for (node = c->waiters.next; node != &c->waiters && n > 0;
       node = node->next) {
    ac__sync_op *op = ac__container_of(node, ac__sync_op, link);
    if ((op->bits & AC__SYNC_NOTIFIED) || ac__sync_cancelled(op))
      continue;
    ac__sync_wake(op, AC__SYNC_NOTIFIED);
    n--;
  }
}

/* Wake up to n waiters; the lock must be held. */
int ac_condition_notify(ac_condition *c, int n) {
  if (c == NULL)
    return AC_EINVAL;
  if (!c->lock->locked)
    return AC_ESTATE;
  ac__condition_notify(c, n);
  return 0;
}

/* Wake every waiter. */
int ac_condition_notify_all(ac_condition *c) {
  return ac_condition_notify(c, INT_MAX);
}

/* Release the lock (held) and wait on the condition. */
static int ac__condition_park(ac__sync_op *op) {
  ac_condition *c = op->obj;

  op->bits &= ~AC__SYNC_NOTIFIED;
  ac_lock_release(c->lock);
  ac__link_insert_tail(&c->waiters, &op->link);
  return AC__SYNC_PARK;
}

/* The lock is held: wait (again) unless the predicate of a wait_for
 * holds.  A predicate that released the lock fails the op, as asyncio's
 * wait() would. */
static int ac__condition_check(ac__sync_op *op) {
  ac_condition *c = op->obj;

  if (op->pred != NULL) {
    op->ret = op->pred(op->arg);
    if (op->ret != 0)
      return ac__sync_finish(op, 0);
  }
  if (!c->lock->locked)
    return ac__sync_finish(op, AC_ESTATE);
  return ac__condition_park(op);
}

/* The lock is held again after a wait: fail with a cancellation seen on
 * the way (passing a notification on), else the wait is over, or a
 * wait_for checks its predicate. */
static int ac__condition_relocked(ac__sync_op *op) {
  op->bits &= ~AC__SYNC_RELOCK;
  if (op->bits & AC__SYNC_CANCELLED) {
    if (op->bits & AC__SYNC_NOTIFIED)
      ac__condition_notify(op->obj, 1);
    return ac__sync_finish(op, AC_ECANCELED);
  }
  if (op->pred == NULL)
    return ac__sync_finish(op, 0);
  return ac__condition_check(op);
}

/* Off the condition's list: take the lock again, or queue for it. */
static int ac__condition_relock(ac__sync_op *op) {
  ac_condition *c = op->obj;

  ac__sync_unlink(op);
  if (!ac__lock_enter(c->lock, op)) {
    op->bits |= AC__SYNC_RELOCK;
    return AC__SYNC_PARK;
  }
  return ac__condition_relocked(op);
}

/* State 0: the lock must be held; a task being cancelled fails at once,
 * still holding it. */
static int ac__condition_start(ac__sync_op *op) {
  ac_condition *c = op->obj;

  if (c == NULL)
    return ac__sync_finish(op, AC_EINVAL);
  if (!c->lock->locked)
    return ac__sync_finish(op, AC_ESTATE);
  if (ac__sync_take_cancel(op))
    return ac__sync_finish(op, AC_ECANCELED);
  return ac__condition_check(op);
}

/* Resumed: in the lock's line (a cancellation is only recorded), or on
 * the condition's list (cancelled or notified: go for the lock). */
static int ac__condition_wake(ac__sync_op *op) {
  ac_condition *c = op->obj;

  if (ac__sync_take_cancel(op))
    op->bits |= AC__SYNC_CANCELLED;
  if (op->bits & AC__SYNC_RELOCK) {
    if (!ac__lock_granted(c->lock, op))
      return AC__SYNC_PARK;
    return ac__condition_relocked(op);
  }
  if (!(op->bits & (AC__SYNC_CANCELLED | AC__SYNC_NOTIFIED)))
    return AC__SYNC_PARK;
  return ac__condition_relock(op);
}

/* Freed while waiting: leave the lock's line or the condition's list,
 * passing on a lock or a notification it was given. */
static void ac__condition_abandon(ac__sync_op *op) {
  ac_condition *c = op->obj;

  if (op->bits & AC__SYNC_RELOCK)
    ac__lock_leave(c->lock, op);
  else
    ac__sync_unlink(op);
  if (op->bits & AC__SYNC_NOTIFIED)
    ac__condition_notify(c, 1);
}

static const ac__sync_kind ac__condition_wait_kind = {
    "ac_condition_wait", ac__condition_start, ac__condition_wake,
    ac__condition_abandon};

static const ac__sync_kind ac__condition_wait_for_kind = {
    "ac_condition_wait_for", ac__condition_start, ac__condition_wake,
    ac__condition_abandon};

/* The awaitable that waits for a notify. */
ac_condition_wait_task *ac_condition_wait(ac_condition *c) {
  return (ac_condition_wait_task *)ac__sync_new(&ac__condition_wait_kind, c,
                                                0);
}

/* The awaitable that waits until pred(arg) is nonzero.  A NULL pred
 * fails the await (the frame has no object then). */
ac_condition_wait_for_task *ac_condition_wait_for(ac_condition *c,
                                                  int (*pred)(void *arg),
                                                  void *arg) {
  ac__sync_op *op = ac__sync_new(&ac__condition_wait_for_kind,
                                 pred != NULL ? c : NULL, AC__CO_INT_RESULT);

  if (op != NULL) {
    op->pred = pred;
    op->arg = arg;
  }
  return (ac_condition_wait_for_task *)op;
}
