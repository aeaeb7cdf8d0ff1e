/*
 * event.c - ac_event, asyncio.Event: a flag, and the op frames (sync.c) of
 * the tasks waiting for it.  ac_event_set takes every waiter off the list
 * and wakes it (AC__SYNC_WOKEN): a woken wait completes when its task
 * runs, whatever the flag is by then (set then clear still wakes
 * everybody), unless the task is cancelled first: then, as in asyncio,
 * where the cancellation is thrown into the task at its `await fut`, the
 * wait fails with AC_ECANCELED.  Nothing is lost by that: the event has no
 * single thing to hand over.
 */
#include "internal.h"

/* Initialise caller-owned storage as an event that is not set. */
int ac_event_init(ac_event *e) {
  if (e == NULL)
    return AC_EINVAL;
  ac__link_init(&e->waiters);
  e->set = 0;
  return 0;
}

/* Set the flag; every waiter is woken, oldest first. */
int ac_event_set(ac_event *e) {
  if (e == NULL)
    return AC_EINVAL;
  if (e->set)
    return 0;
  e->set = 1;
  while (!ac__link_empty(&e->waiters)) {
    ac__sync_op *op = ac__container_of(e->waiters.next, ac__sync_op, link);
    ac__sync_unlink(op);
    ac__sync_wake(op, AC__SYNC_WOKEN);
  }
  return 0;
}

/* Clear the flag; tasks already woken are not affected. */
int ac_event_clear(ac_event *e) {
  if (e == NULL)
    return AC_EINVAL;
  e->set = 0;
  return 0;
}

/* 1 if set. */
int ac_event_is_set(const ac_event *e) { return e != NULL && e->set; }

/* State 0 of a wait: done at once if the flag is set. */
static int ac__event_start(ac__sync_op *op) {
  ac_event *e = op->obj;

  if (e == NULL)
    return ac__sync_finish(op, AC_EINVAL);
  if (ac__sync_take_cancel(op))
    return ac__sync_finish(op, AC_ECANCELED);
  if (e->set)
    return ac__sync_finish(op, 0);
  ac__link_insert_tail(&e->waiters, &op->link);
  return AC__SYNC_PARK;
}

/* Resumed: cancelled (woken or not), woken, or neither (park again). */
static int ac__event_wake(ac__sync_op *op) {
  if (ac__sync_take_cancel(op)) {
    ac__sync_unlink(op);
    return ac__sync_finish(op, AC_ECANCELED);
  }
  if (!(op->bits & AC__SYNC_WOKEN))
    return AC__SYNC_PARK;
  return ac__sync_finish(op, 0);
}

/* Freed while waiting: just leave the list. */
static void ac__event_abandon(ac__sync_op *op) { ac__sync_unlink(op); }

static const ac__sync_kind ac__event_wait_kind = {
    "ac_event_wait", ac__event_start, ac__event_wake, ac__event_abandon};

/* The awaitable that waits for e to be set. */
ac_event_wait_task *ac_event_wait(ac_event *e) {
  return (ac_event_wait_task *)ac__sync_new(&ac__event_wait_kind, e, 0);
}
