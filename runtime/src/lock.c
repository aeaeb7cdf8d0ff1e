/*
 * lock.c - ac_lock, asyncio.Lock: a flag and a FIFO line of op frames
 * (sync.c).  As in asyncio, a release clears the flag and wakes the first
 * in line (marks its op AC__SYNC_WOKEN), which sets the flag again when it
 * runs; until then the woken op stays first in line, so a newcomer, which
 * may take the lock at once only if nobody live is in line, cannot barge
 * in.  An op that is cancelled leaves the line and, if the lock is free,
 * wakes the next: a lock that was being handed to it is passed on.
 *
 * condition.c re-acquires its lock through ac__lock_enter, _granted and
 * _leave with its own op, so that its wait never fails to get the lock
 * back for lack of memory.
 */
#include "internal.h"

/* Initialise caller-owned storage as an unlocked lock. */
int ac_lock_init(ac_lock *l) {
  if (l == NULL)
    return AC_EINVAL;
  ac__link_init(&l->waiters);
  l->locked = 0;
  return 0;
}

/* asyncio's test for the fast path: unlocked, and nobody in line but
 * tasks about to fail with a cancellation. */
static int ac__lock_free(const ac_lock *l) {
  const ac__link *n;

  if (l->locked)
    return 0;
  for (n = l->waiters.next; n != &l->waiters; n = n->next)
    if (!ac__sync_cancelled(ac__container_of(n, ac__sync_op, link)))
      return 0;
  return 1;
}

/* asyncio's _wake_up_first: make sure the first in line will run, unless
 * it was woken already or is cancelled (it then wakes the next itself). */
static void ac__lock_wake_first(ac_lock *l) {
  ac__sync_op *first;

  if (ac__link_empty(&l->waiters))
    return;
  first = ac__container_of(l->waiters.next, ac__sync_op, link);
  if (!(first->bits & AC__SYNC_WOKEN) && !ac__sync_cancelled(first))
    ac__sync_wake(first, AC__SYNC_WOKEN);
}

/* Take the lock now, or get in line. */
int ac__lock_enter(ac_lock *l, ac__sync_op *op) {
  if (ac__lock_free(l)) {
    l->locked = 1;
    return 1;
  }
  op->bits &= ~AC__SYNC_WOKEN;
  ac__link_insert_tail(&l->waiters, &op->link);
  return 0;
}

/* op was resumed in line: it holds the lock if it was woken.  A resume
 * without a wake (a cancellation taken back) re-checks that the lock,
 * free, is on its way to someone: that request may have made a release
 * pass over op. */
int ac__lock_granted(ac_lock *l, ac__sync_op *op) {
  if (!(op->bits & AC__SYNC_WOKEN) && !l->locked)
    ac__lock_wake_first(l);
  if (!(op->bits & AC__SYNC_WOKEN))
    return 0;
  ac__sync_unlink(op);
  op->bits &= ~AC__SYNC_WOKEN;
  l->locked = 1;
  return 1;
}

/* op leaves the line; asyncio's "if not self._locked: wake_up_first". */
void ac__lock_leave(ac_lock *l, ac__sync_op *op) {
  ac__sync_unlink(op);
  op->bits &= ~AC__SYNC_WOKEN;
  if (!l->locked)
    ac__lock_wake_first(l);
}

/* State 0 of an acquire: a task being cancelled takes nothing (its
 * awaiter would unwind without knowing it holds the lock). */
static int ac__lock_start(ac__sync_op *op) {
  if (op->obj == NULL)
    return ac__sync_finish(op, AC_EINVAL);
  if (ac__sync_take_cancel(op))
    return ac__sync_finish(op, AC_ECANCELED);
  if (ac__lock_enter(op->obj, op))
    return ac__sync_finish(op, 0);
  return AC__SYNC_PARK;
}

/* Resumed in line: cancelled, granted, or neither (park again). */
static int ac__lock_wake(ac__sync_op *op) {
  if (ac__sync_take_cancel(op)) {
    ac__lock_leave(op->obj, op);
    return ac__sync_finish(op, AC_ECANCELED);
  }
  if (ac__lock_granted(op->obj, op))
    return ac__sync_finish(op, 0);
  return AC__SYNC_PARK;
}

/* Freed in line: as a cancellation. */
static void ac__lock_abandon(ac__sync_op *op) { ac__lock_leave(op->obj, op); }

static const ac__sync_kind ac__lock_acquire_kind = {
    "ac_lock_acquire", ac__lock_start, ac__lock_wake, ac__lock_abandon};

/* The awaitable that takes l. */
ac_lock_acquire_task *ac_lock_acquire(ac_lock *l) {
  return (ac_lock_acquire_task *)ac__sync_new(&ac__lock_acquire_kind, l, 0);
}

/* Unlock, and wake the first in line, who will take it. */
int ac_lock_release(ac_lock *l) {
  if (l == NULL)
    return AC_EINVAL;
  if (!l->locked)
    return AC_ESTATE;
  l->locked = 0;
  ac__lock_wake_first(l);
  return 0;
}

/* 1 while held. */
int ac_lock_locked(const ac_lock *l) { return l != NULL && l->locked; }
