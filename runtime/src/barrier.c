/*
 * barrier.c - ac_barrier, asyncio.Barrier: the state machine of asyncio's
 * barrier (filling, draining, resetting, broken) on two lists of op frames
 * (sync.c), without the internal Condition asyncio uses: the loop thread
 * runs one task at a time, so reset and abort need no lock and are plain
 * functions.
 *
 * A wait counts itself in (count, its index) and parks on `filling`; the
 * arrival that makes `parties` trips the barrier (state draining), wakes
 * them all and returns at once.  Each woken op reads the state when its
 * task runs (reset or broken by then: AC_EBROKEN, as in asyncio) and
 * counts itself out; the last one out ends the drain (or a reset) and
 * wakes the arrivals parked on `blocked` meanwhile, which then count
 * themselves in.  A cancelled op counts itself out too.
 */
#include "internal.h"

/* ac_barrier.state: asyncio's _BarrierState. */
enum {
  AC__BARRIER_FILLING = 0, /* counting arrivals */
  AC__BARRIER_DRAINING,    /* tripped: the tasks of the trip are leaving */
  AC__BARRIER_RESETTING,   /* reset while tasks were inside */
  AC__BARRIER_BROKEN       /* aborted */
};

/* Initialise caller-owned storage for parties tasks. */
int ac_barrier_init(ac_barrier *b, int parties) {
  if (b == NULL || parties < 1)
    return AC_EINVAL;
  ac__link_init(&b->filling);
  ac__link_init(&b->blocked);
  b->parties = parties;
  b->count = 0;
  b->state = AC__BARRIER_FILLING;
  return 0;
}

/* Wake every op of list, oldest first, taking them off it. */
static void ac__barrier_wake_all(ac__link *list) {
  while (!ac__link_empty(list)) {
    ac__sync_op *op = ac__container_of(list->next, ac__sync_op, link);
    ac__sync_unlink(op);
    ac__sync_wake(op, AC__SYNC_WOKEN);
  }
}

/* 1 while arrivals must wait before counting themselves in. */
static int ac__barrier_blocking(const ac_barrier *b) {
  return b->state == AC__BARRIER_DRAINING ||
         b->state == AC__BARRIER_RESETTING;
}

/* asyncio's _exit: a task counts itself out; the last one out of a drain
 * or a reset lets the blocked arrivals in. */
static void ac__barrier_exit(ac_barrier *b) {
  b->count--;
  if (b->count == 0 && ac__barrier_blocking(b)) {
    b->state = AC__BARRIER_FILLING;
    ac__barrier_wake_all(&b->blocked);
  }
}

/* Count op in, or park it until the drain or reset is over; the arrival
 * that completes the party trips the barrier and is done at once. */
static int ac__barrier_enter(ac__sync_op *op) {
  ac_barrier *b = op->obj;

  if (b->state == AC__BARRIER_BROKEN)
    return ac__sync_finish(op, AC_EBROKEN);
  op->bits = 0;
  if (ac__barrier_blocking(b)) {
    ac__link_insert_tail(&b->blocked, &op->link);
    return AC__SYNC_PARK;
  }
  op->ret = b->count++;
  if (op->ret + 1 == b->parties) {
    b->state = AC__BARRIER_DRAINING;
    ac__barrier_wake_all(&b->filling);
    ac__barrier_exit(b);
    return ac__sync_finish(op, 0);
  }
  op->bits = AC__SYNC_FILL;
  ac__link_insert_tail(&b->filling, &op->link);
  return AC__SYNC_PARK;
}

/* State 0 of a wait. */
static int ac__barrier_start(ac__sync_op *op) {
  if (op->obj == NULL)
    return ac__sync_finish(op, AC_EINVAL);
  if (ac__sync_take_cancel(op))
    return ac__sync_finish(op, AC_ECANCELED);
  return ac__barrier_enter(op);
}

/* Resumed while blocked: leave if cancelled, else try to get in (a
 * blocked op resumed while the barrier still blocks keeps its place). */
static int ac__barrier_wake_blocked(ac__sync_op *op) {
  ac_barrier *b = op->obj;

  if (ac__sync_take_cancel(op)) {
    ac__sync_unlink(op);
    return ac__sync_finish(op, AC_ECANCELED);
  }
  if (ac__barrier_blocking(b)) {
    if (!ac__link_linked(&op->link))
      ac__link_insert_tail(&b->blocked, &op->link);
    return AC__SYNC_PARK;
  }
  ac__sync_unlink(op);
  return ac__barrier_enter(op);
}

/* Resumed while counted in: cancelled, or the barrier left the filling
 * state (tripped: done with the index; reset or broken: AC_EBROKEN). */
static int ac__barrier_wake(ac__sync_op *op) {
  ac_barrier *b = op->obj;
  int err;

  if (!(op->bits & AC__SYNC_FILL))
    return ac__barrier_wake_blocked(op);
  if (ac__sync_take_cancel(op)) {
    err = AC_ECANCELED;
  } else if (b->state == AC__BARRIER_FILLING) {
    return AC__SYNC_PARK; /* a cancellation taken back: still in */
  } else {
    err = b->state == AC__BARRIER_DRAINING ? 0 : AC_EBROKEN;
  }
  ac__sync_unlink(op);
  ac__barrier_exit(b);
  return ac__sync_finish(op, err);
}

/* Freed while waiting: leave the list, and count out if counted in. */
static void ac__barrier_abandon(ac__sync_op *op) {
  ac__sync_unlink(op);
  if (op->bits & AC__SYNC_FILL)
    ac__barrier_exit(op->obj);
}

static const ac__sync_kind ac__barrier_wait_kind = {
    "ac_barrier_wait", ac__barrier_start, ac__barrier_wake,
    ac__barrier_abandon};

/* The awaitable that waits for the party; its value is the index. */
ac_barrier_wait_task *ac_barrier_wait(ac_barrier *b) {
  return (ac_barrier_wait_task *)ac__sync_new(&ac__barrier_wait_kind, b,
                                              AC__CO_INT_RESULT);
}

/* asyncio's reset(): tasks inside fail with AC_EBROKEN and newcomers
 * wait for them to leave; with nobody inside, filling again at once. */
int ac_barrier_reset(ac_barrier *b) {
  if (b == NULL)
    return AC_EINVAL;
  if (b->count > 0) {
    b->state = AC__BARRIER_RESETTING;
    ac__barrier_wake_all(&b->filling);
  } else {
    b->state = AC__BARRIER_FILLING;
    ac__barrier_wake_all(&b->blocked);
  }
  return 0;
}

/* asyncio's abort(): broken until reset; every waiter fails. */
int ac_barrier_abort(ac_barrier *b) {
  if (b == NULL)
    return AC_EINVAL;
  b->state = AC__BARRIER_BROKEN;
  ac__barrier_wake_all(&b->filling);
  ac__barrier_wake_all(&b->blocked);
  return 0;
}

/* The number of tasks that trip it. */
int ac_barrier_parties(const ac_barrier *b) {
  return b != NULL ? b->parties : 0;
}

/* Tasks counted in while filling (asyncio's n_waiting). */
int ac_barrier_n_waiting(const ac_barrier *b) {
  return b != NULL && b->state == AC__BARRIER_FILLING ? b->count : 0;
}

/* 1 while aborted and not reset. */
int ac_barrier_broken(const ac_barrier *b) {
  return b != NULL && b->state == AC__BARRIER_BROKEN;
}
