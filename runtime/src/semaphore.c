/*
 * semaphore.c - ac_semaphore, asyncio.Semaphore and BoundedSemaphore
 * (3.11+ semantics): a count of permits and a FIFO line of op frames
 * (sync.c).  A release hands its permit straight to the first live op in
 * line (asyncio's _wake_up_next: the value goes down at once, the op is
 * marked AC__SYNC_WOKEN and stays in line until its task runs), and a
 * newcomer waits whenever someone live is in line, even with permits
 * left, so nobody overtakes.  An op woken and then cancelled gives its
 * permit back; and whoever leaves the line wakes as many as the permits
 * left allow.
 */
#include "internal.h"

#include <limits.h>

/* Initialise with value permits; bound: the bounded kind's ceiling, or -1. */
static int ac__semaphore_init(ac_semaphore *s, int value, int bound) {
  if (s == NULL || value < 0)
    return AC_EINVAL;
  ac__link_init(&s->waiters);
  s->value = value;
  s->bound = bound;
  return 0;
}

/* asyncio.Semaphore(value): no ceiling. */
int ac_semaphore_init(ac_semaphore *s, int value) {
  return ac__semaphore_init(s, value, -1);
}

/* asyncio.BoundedSemaphore(value): value is also the ceiling. */
int ac_bounded_semaphore_init(ac_semaphore *s, int value) {
  return ac__semaphore_init(s, value, value);
}

/* asyncio's locked(): no permit, or someone live in line (FIFO). */
int ac_semaphore_locked(const ac_semaphore *s) {
  const ac__link *n;

  if (s == NULL)
    return 0;
  if (s->value == 0)
    return 1;
  for (n = s->waiters.next; n != &s->waiters; n = n->next)
    if (!ac__sync_cancelled(ac__container_of(n, ac__sync_op, link)))
      return 1;
  return 0;
}

/* Permits left. */
int ac_semaphore_value(const ac_semaphore *s) {
  return s != NULL ? s->value : 0;
}

/* asyncio's _wake_up_next: hand a permit to the first op in line that was
 * not woken yet and is not cancelled.  1 if there was one. */
static int ac__semaphore_wake_next(ac_semaphore *s) {
  ac__link *n;

  for (n = s->waiters.next; n != &s->waiters; n = n->next) {
    ac__sync_op *op = ac__container_of(n, ac__sync_op, link);
    if ((op->bits & AC__SYNC_WOKEN) || ac__sync_cancelled(op))
      continue;
    s->value--;
    ac__sync_wake(op, AC__SYNC_WOKEN);
    return 1;
  }
  return 0;
}

/* Hand out every permit left to the line. */
static void ac__semaphore_wake_more(ac_semaphore *s) {
  while (s->value > 0 && ac__semaphore_wake_next(s))
    ;
}

/* Give a permit back; the first in line gets it. */
int ac_semaphore_release(ac_semaphore *s) {
  if (s == NULL || s->value == INT_MAX)
    return AC_EINVAL;
  if (s->bound >= 0 && s->value >= s->bound)
    return AC_EINVAL; /* BoundedSemaphore released too many times */
  s->value++;
  ac__semaphore_wake_next(s);
  return 0;
}

/* op leaves the line; a permit handed to it goes back, and on. */
static void ac__semaphore_leave(ac__sync_op *op) {
  ac_semaphore *s = op->obj;

  ac__sync_unlink(op);
  if (op->bits & AC__SYNC_WOKEN)
    s->value++;
  op->bits &= ~AC__SYNC_WOKEN;
  ac__semaphore_wake_more(s);
}

/* State 0 of an acquire: take a permit at once if nobody is in line. */
static int ac__semaphore_start(ac__sync_op *op) {
  ac_semaphore *s = op->obj;

  if (s == NULL)
    return ac__sync_finish(op, AC_EINVAL);
  if (ac__sync_take_cancel(op))
    return ac__sync_finish(op, AC_ECANCELED);
  if (!ac_semaphore_locked(s)) {
    s->value--;
    return ac__sync_finish(op, 0);
  }
  ac__link_insert_tail(&s->waiters, &op->link);
  return AC__SYNC_PARK;
}

/* Resumed in line: cancelled, granted, or neither.  A resume with
 * neither (a cancellation taken back, which made a release pass over op)
 * first hands out the permits left, maybe to op itself. */
static int ac__semaphore_wake(ac__sync_op *op) {
  ac_semaphore *s = op->obj;

  if (ac__sync_take_cancel(op)) {
    ac__semaphore_leave(op);
    return ac__sync_finish(op, AC_ECANCELED);
  }
  if (!(op->bits & AC__SYNC_WOKEN))
    ac__semaphore_wake_more(s);
  if (!(op->bits & AC__SYNC_WOKEN))
    return AC__SYNC_PARK;
  ac__sync_unlink(op);
  ac__semaphore_wake_more(s);
  return ac__sync_finish(op, 0);
}

static const ac__sync_kind ac__semaphore_acquire_kind = {
    "ac_semaphore_acquire", ac__semaphore_start, ac__semaphore_wake,
    ac__semaphore_leave};

/* The awaitable that takes a permit of s. */
ac_semaphore_acquire_task *ac_semaphore_acquire(ac_semaphore *s) {
  return (ac_semaphore_acquire_task *)ac__sync_new(
      &ac__semaphore_acquire_kind, s, 0);
}
