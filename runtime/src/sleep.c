/*
 * sleep.c - ac_sleep(seconds): a coroutine frame with a hand-written resume
 * function.  State 0 schedules a timer whose callback wakes the task (or,
 * for seconds <= 0, queues the task at once: one trip through the loop);
 * state 1 finishes, or, if the task is being cancelled, cancels the timer
 * and fails with AC_ECANCELED.
 */
#include "internal.h"

/* The frame ac_sleep allocates: the public part, then the timer. */
typedef struct ac__sleep {
  ac_sleep_task pub; /* what ac.h shows; pub.timer = &handle while armed */
  ac_handle handle;  /* the timer */
  ac_task *root;     /* the task to wake */
} ac__sleep;

/* Timer callback: the sleep is over, run its task. */
static void ac__sleep_fire(void *arg) {
  ac__sleep *s = arg;
  s->pub.timer = NULL;
  ac__task_wake(s->root);
}

/* State 0: arrange to be woken, on the task's own loop.  0, or the error
 * to fail with. */
static int ac__sleep_start(ac__sleep *s) {
  ac_loop *loop;
  int r;

  s->root = ac__current_task;
  if (s->root == NULL)
    return AC_ENOLOOP;
  loop = s->root->wake.loop;
  if (s->pub.delay != s->pub.delay)
    return AC_EINVAL;
  if (s->root->fut.flags & AC__F_CANCEL) {
    s->root->fut.flags &= ~AC__F_CANCEL; /* being cancelled: don't sleep */
    s->pub.ac_co.fut.msg = s->root->cancel_msg;
    return AC_ECANCELED;
  }
  if (s->pub.delay <= 0) {
    ac__task_wake(s->root);
    return 0;
  }
  r = ac_call_later(loop, &s->handle, s->pub.delay, ac__sleep_fire, s);
  if (r == 0)
    s->pub.timer = &s->handle;
  return r;
}

/* State 1: woken by the timer, or by a cancellation request. */
static ac__step ac__sleep_wake(ac__sleep *s) {
  ac_task *root = s->root;

  if (root->fut.flags & AC__F_CANCEL) {
    root->fut.flags &= ~AC__F_CANCEL;
    if (s->pub.timer != NULL)
      ac_handle_cancel(s->pub.timer);
    s->pub.timer = NULL;
    s->pub.ac_co.fut.err = AC_ECANCELED;
    s->pub.ac_co.fut.msg = root->cancel_msg;
    return AC__DONE;
  }
  if (s->pub.timer != NULL)
    return AC__SUSPEND; /* woken before the timer fired: keep sleeping */
  return AC__DONE;
}

/* The resume function. */
static ac__step ac__sleep_resume(ac_task *self) {
  ac__sleep *s = (ac__sleep *)(void *)self;
  int r;

  switch (self->state) {
  case 0:
    r = ac__sleep_start(s);
    if (r != 0) {
      self->fut.err = r;
      return AC__DONE;
    }
    self->state = 1;
    return AC__SUSPEND;
  case 1:
    return ac__sleep_wake(s);
  default:
    return ac__bad_state(self);
  }
}

/* An awaitable that completes after `seconds` on the loop's clock. */
ac_sleep_task *ac_sleep(double seconds) {
  ac__sleep *s = ac__frame_new(sizeof *s, ac__sleep_resume, 0, "ac_sleep");
  if (s != NULL)
    s->pub.delay = seconds;
  return (ac_sleep_task *)s;
}
