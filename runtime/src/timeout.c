/*
 * timeout.c - deadlines: timeout scopes (asyncio.timeout, trio's cancel
 * scopes) and ac_wait_for (asyncio.wait_for).
 *
 * A deadline is an ac_handle timer.  When it fires, the task it applies to
 * is asked to cancel the way ac_loop_close asks (flagged and woken, not
 * counted by ac_task_cancelling), with the message ac__timeout_msg.  Every
 * await point that sees a cancellation records the task's cancel message
 * with its AC_ECANCELED (sleep.c, shield.c, the primitives' frames...), and
 * ac__check (task.c) turns an AC_ECANCELED that carries this message into
 * AC_ETIMEDOUT: so whatever the task was awaiting, its pending await fails
 * with AC_ETIMEDOUT and the chain unwinds through its defers.
 *
 * ac_wait_for(aw, s) awaits a coroutine inline, inside its own frame, under
 * such a deadline (Python 3.12's wait_for is `async with timeout(): return
 * await aw`); a task or plain future it waits for as an await does, and
 * cancels it when the deadline passes.  Its frame pretends to be aw's typed
 * handle: the inner result is copied right after its header, where the
 * typed handle has ac_ret, so `T v = await ac_wait_for(f(), 1.0)` is typed.
 */
#include "internal.h"

#include <stdalign.h>

/* The cancel message of a deadline: the pointer, not the text, is what
 * ac__cancel_err recognises. */
const char ac__timeout_msg[] = "deadline exceeded";

/* Take the cancellation request flagged on root: AC_ECANCELED, or
 * AC_ETIMEDOUT if a deadline made it; *msg gets its message. */
int ac__cancel_take(ac_task *root, const char **msg) {
  root->fut.flags &= ~AC__F_CANCEL;
  *msg = root->cancel_msg;
  return ac__cancel_err(AC_ECANCELED, root->cancel_msg);
}

/* The message to cancel children with on behalf of a request whose
 * message is msg: a deadline's stays with the task it applies to (the
 * children fail with AC_ECANCELED, not AC_ETIMEDOUT). */
const char *ac__cancel_pass(const char *msg) {
  return msg == ac__timeout_msg ? NULL : msg;
}

/* A deadline of root passed: flag the cancellation, unless root is done or
 * a request is already flagged (a cancel, which wins, or another deadline
 * that passed at the same time: one delivery serves both). */
static void ac__timeout_deliver(ac_task *root) {
  if (root->fut.state != AC__FUT_PENDING || (root->fut.flags & AC__F_CANCEL))
    return;
  ac__task_flag_cancel(root, ac__timeout_msg);
}

/* ------------------------------------------------------------------------ */
/* Timeout scopes                                                           */
/* ------------------------------------------------------------------------ */

/* ac_timeout_scope.state */
enum {
  AC__TS_ENTERED = 1, /* between enter and exit */
  AC__TS_EXITED = 2   /* exit was called (or never entered) */
};

/* The scope's timer: its deadline passed. */
static void ac__timeout_fire(void *arg) {
  ac_timeout_scope *ts = arg;
  ts->expired = 1;
  ac__timeout_deliver(ts->task);
}

/* (Re)arm ts's timer for loop time when (< 0: no deadline). */
static int ac__timeout_arm(ac_timeout_scope *ts, double when) {
  if (when != when)
    return AC_EINVAL;
  if (ac_handle_active(&ts->timer))
    ac_handle_cancel(&ts->timer);
  ts->when = when < 0 ? -1.0 : when;
  if (when < 0)
    return 0;
  return ac_call_at(ts->task->wake.loop, &ts->timer, when, ac__timeout_fire,
                    ts);
}

/* Enter a scope whose deadline is loop time `when` (< 0: none).  A scope
 * that could not be entered is marked exited, so that a deferred exit of
 * it does nothing. */
int ac_timeout_enter_at(ac_timeout_scope *ts, double when) {
  ac_task *root = ac__current_task;
  int r;

  if (ts == NULL)
    return AC_EINVAL;
  ts->state = AC__TS_EXITED;
  if (when != when)
    return AC_EINVAL;
  if (root == NULL)
    return AC_ENOLOOP;
  ac_handle_init(&ts->timer);
  ts->task = root;
  ts->expired = 0;
  r = ac__timeout_arm(ts, when);
  if (r != 0)
    return r;
  ts->state = AC__TS_ENTERED;
  return 0;
}

/* Enter a scope whose deadline is `seconds` from now (< 0: none). */
int ac_timeout_enter(ac_timeout_scope *ts, double seconds) {
  ac_task *root = ac__current_task;
  double when = seconds; /* NaN and < 0 pass through */

  if (seconds >= 0 && root != NULL)
    when = ac_loop_time(root->wake.loop) + seconds;
  return ac_timeout_enter_at(ts, when);
}

/* Leave the scope: its deadline no longer applies.  Synchronous, so that
 * a defer can run it. */
int ac_timeout_exit(ac_timeout_scope *ts) {
  if (ts == NULL)
    return AC_EINVAL;
  if (ts->state != AC__TS_ENTERED)
    return AC_ESTATE;
  if (ac_handle_active(&ts->timer))
    ac_handle_cancel(&ts->timer);
  ts->state = AC__TS_EXITED;
  return 0;
}

/* Move the deadline to loop time `when` (< 0: none); asyncio's
 * Timeout.reschedule(). */
int ac_timeout_reschedule(ac_timeout_scope *ts, double when) {
  if (ts == NULL || when != when)
    return AC_EINVAL;
  if (ts->state != AC__TS_ENTERED || ts->expired)
    return AC_ESTATE;
  return ac__timeout_arm(ts, when);
}

/* 1 once the scope's deadline passed (asyncio's Timeout.expired()). */
int ac_timeout_expired(const ac_timeout_scope *ts) {
  return ts != NULL && ts->expired;
}

/* The deadline (loop time), or -1.0 if none. */
double ac_timeout_when(const ac_timeout_scope *ts) {
  return ts != NULL ? ts->when : -1.0;
}

/* ------------------------------------------------------------------------ */
/* ac_wait_for                                                              */
/* ------------------------------------------------------------------------ */

/* What ac_wait_for waits for. */
enum {
  AC__WF_CORO = 1,  /* a coroutine, awaited inline in the frame */
  AC__WF_TASK = 2,  /* a spawned task */
  AC__WF_FUTURE = 3 /* a plain future */
};

/* The private part of the frame, at its end (the result bytes, whose size
 * depends on the inner handle's type, come right after the header). */
typedef struct ac__wf_state {
  void *slot[1];     /* the inner coroutine while awaited inline (owned) */
  ac_future *inner;  /* what is waited for */
  ac_task *root;     /* the awaiting task */
  ac_handle timer;   /* the deadline */
  double seconds;    /* the timeout (< 0: none) */
  size_t rsize;      /* bytes of result to copy after the header */
  int kind;          /* AC__WF_* */
  int err;           /* set by the constructor: fail with it at once */
  int fired;         /* the deadline passed */
} ac__wf_state;

/* The private part of the frame self. */
static ac__wf_state *ac__wf(ac_task *self) {
  return (ac__wf_state *)(void *)((char *)self + self->size -
                                  sizeof(ac__wf_state));
}

/* The deadline passed: an inline coroutine is unwound by a deadline of
 * the task (it sees AC_ETIMEDOUT); a task or future is cancelled, and the
 * frame waits for its outcome (a value, if it comes anyway, wins). */
static void ac__wait_for_fire(void *arg) {
  ac__wf_state *w = arg;
  w->fired = 1;
  if (w->kind == AC__WF_CORO)
    ac__timeout_deliver(w->root);
  else
    ac_future_cancel(w->inner);
}

/* The end of the await, whichever way: no timer left, the inline
 * coroutine freed. */
static ac__step ac__wait_for_finish(ac_task *self, int err, const char *msg) {
  ac__wf_state *w = ac__wf(self);

  if (ac_handle_active(&w->timer))
    ac_handle_cancel(&w->timer);
  if (w->kind == AC__WF_CORO && w->slot[0] != NULL &&
      !(((ac_task *)w->slot[0])->fut.flags & AC__F_OWNED)) {
    ac__frame_free(w->slot[0]); /* never awaited: nobody else frees it */
    w->slot[0] = NULL;
  }
  ac__release(&w->slot[0]); /* frees it once awaited and finished */
  self->fut.err = err;
  self->fut.msg = err != 0 ? msg : NULL;
  return AC__DONE;
}

/* inner finished with a value: copy it where the typed handle has ac_ret
 * (for a plain future, its void * goes to the header's ac_ret). */
static void ac__wait_for_copy(ac_task *self, ac__wf_state *w, ac_future *f) {
  size_t n = w->rsize;

  if (w->kind == AC__WF_FUTURE) {
    self->fut.ac_ret = f->ac_ret;
    return;
  }
  if (n > ((ac_task *)(void *)f)->size - sizeof(ac_task))
    n = ((ac_task *)(void *)f)->size - sizeof(ac_task);
  memcpy((char *)self + sizeof(ac_task), (char *)f + sizeof(ac_task), n);
}

/* The inner task or future is done: its value, its error, or AC_ETIMEDOUT
 * if the deadline cancelled it. */
static ac__step ac__wait_for_settle(ac_task *self, ac__wf_state *w) {
  ac_future *f = w->inner;

  if (f->flags & AC__F_TASK)
    f->flags |= AC__F_RETRIEVED;
  if (f->err == 0) {
    ac__wait_for_copy(self, w, f);
    return ac__wait_for_finish(self, 0, NULL);
  }
  if (w->fired && f->err == AC_ECANCELED)
    return ac__wait_for_finish(self, AC_ETIMEDOUT, ac__timeout_msg);
  return ac__wait_for_finish(self, f->err, f->msg);
}

/* Arm the deadline, if there is one. */
static int ac__wait_for_arm(ac__wf_state *w) {
  if (w->seconds < 0)
    return 0;
  return ac_call_later(w->root->wake.loop, &w->timer, w->seconds,
                       ac__wait_for_fire, w);
}

/* State 0 for a task or future: done already (no suspension), or park the
 * task on it, as an await does (a cancel of the task then reaches it). */
static ac__step ac__wait_for_park(ac_task *self, ac__wf_state *w) {
  const char *msg;
  int r;

  if (w->inner->state != AC__FUT_PENDING)
    return ac__wait_for_settle(self, w);
  if (w->inner == &w->root->fut)
    return ac__wait_for_finish(self, AC_EINVAL, NULL); /* never done */
  if (w->root->fut.flags & AC__F_CANCEL) {
    r = ac__cancel_take(w->root, &msg);
    ac_future_cancel(w->inner);
    return ac__wait_for_finish(self, r, msg);
  }
  r = ac__wait_for_arm(w);
  if (r != 0)
    return ac__wait_for_finish(self, r, NULL);
  if (ac__await(self, w->inner) != 0) /* it cannot fail: checked above */
    return ac__wait_for_finish(self, AC_ESTATE, NULL);
  self->state = 2;
  return AC__SUSPEND;
}

/* State 0: start. */
static ac__step ac__wait_for_start(ac_task *self, ac__wf_state *w) {
  int r;

  w->root = ac__current_task;
  if (w->err == 0 && w->root == NULL)
    w->err = AC_ENOLOOP;
  if (w->err != 0)
    return ac__wait_for_finish(self, w->err, NULL);
  if (w->kind != AC__WF_CORO)
    return ac__wait_for_park(self, w);
  r = ac__wait_for_arm(w);
  if (r != 0)
    return ac__wait_for_finish(self, r, NULL);
  self->state = 1;
  if (ac__await(self, w->slot[0]) == 0)
    return AC__SUSPEND; /* the coroutine runs now, above this frame */
  return ac__wait_for_finish(self, self->fut.err, NULL);
}

/* State 1: the inline coroutine finished (it is popped back to us). */
static ac__step ac__wait_for_popped(ac_task *self, ac__wf_state *w) {
  ac_task *co = w->slot[0];

  if (co->fut.err != 0)
    return ac__wait_for_finish(self, ac__cancel_err(co->fut.err, co->fut.msg),
                               co->fut.msg);
  ac__wait_for_copy(self, w, &co->fut);
  return ac__wait_for_finish(self, 0, NULL);
}

/* State 2: woken while parked on a task or future: it is done, or the
 * awaiting task is being cancelled (flagged: a loop close, an enclosing
 * deadline), which cancels it too, and the await fails at once. */
static ac__step ac__wait_for_woken(ac_task *self, ac__wf_state *w) {
  const char *msg;
  int r;

  if (w->root->fut.flags & AC__F_CANCEL) {
    r = ac__cancel_take(w->root, &msg);
    ac_future_cancel(w->inner);
    return ac__wait_for_finish(self, r, msg);
  }
  if (w->inner->state == AC__FUT_PENDING)
    return AC__SUSPEND; /* not for us */
  return ac__wait_for_settle(self, w);
}

/* The resume function. */
static ac__step ac__wait_for_resume(ac_task *self) {
  ac__wf_state *w = ac__wf(self);

  switch (self->state) {
  case 0:
    return ac__wait_for_start(self, w);
  case 1:
    return ac__wait_for_popped(self, w);
  case 2:
    return ac__wait_for_woken(self, w);
  default:
    return ac__bad_state(self);
  }
}

/* What kind of awaitable f is, or 0 with *err set. */
static int ac__wait_for_kind(const ac_future *f, int *err) {
  if (f->flags & AC__F_TASK)
    return AC__WF_TASK;
  if ((f->flags & AC__F_CORO) && (f->flags & AC__F_OWNED)) {
    *err = AC_EREUSED; /* being awaited: its awaiter owns it */
    return 0;
  }
  if (f->flags & AC__F_CORO)
    return AC__WF_CORO;
  if (f->flags & AC__F_FUTURE)
    return AC__WF_FUTURE;
  *err = AC_EINVAL;
  return 0;
}

/* ac_wait_for(aw, seconds): the frame, or NULL (aw NULL, no memory; an
 * unspawned coroutine aw is then freed, so that nothing leaks).  size is
 * sizeof(*aw): the bytes after the header are aw's result. */
void *ac__wait_for(void *aw, size_t size, double seconds) {
  ac_future *f = aw;
  size_t rsize = size > sizeof(ac_task) ? size - sizeof(ac_task) : 0;
  size_t off = sizeof(ac_task) + rsize;
  ac_task *self;
  ac__wf_state *w;

  if (f == NULL)
    return NULL;
  off = (off + alignof(max_align_t) - 1) / alignof(max_align_t) *
        alignof(max_align_t);
  self = ac__frame_new(off + sizeof(ac__wf_state), ac__wait_for_resume, 0,
                       "ac_wait_for");
  if (self == NULL) {
    if ((f->flags & (AC__F_CORO | AC__F_TASK | AC__F_OWNED)) == AC__F_CORO)
      ac__frame_free(aw);
    return NULL;
  }
  w = ac__wf(self);
  w->kind = ac__wait_for_kind(f, &w->err);
  w->rsize = rsize;
  w->seconds = seconds;
  if (seconds != seconds && w->err == 0)
    w->err = AC_EINVAL;
  if (w->kind == AC__WF_CORO)
    w->slot[0] = aw;
  else
    w->inner = f;
  return self;
}
