/*
 * shield.c - ac_shield(aw): asyncio.shield(), a coroutine frame with a
 * hand-written resume function, like ac_sleep.  It waits for its task or
 * future through a done-callback rather than through the task's wake
 * waiter, so the awaiting task does not wait on aw (ac_task.waiting stays
 * NULL) and cancelling it does not reach aw: the cancel is flagged on the
 * task, which wakes, and the shield fails with AC_ECANCELED while aw runs
 * on.  State 0 registers the callback (or finishes at once if aw is
 * done); state 1 finishes with aw's outcome, or with the cancellation.
 */
#include "internal.h"

/* The frame ac__shield allocates: the public part, then the rest. */
typedef struct ac__shield_frame {
  ac_shield_task pub; /* what ac.h shows */
  ac_future *inner;   /* the task or plain future shielded, or NULL */
  int err;            /* set by ac__shield: fail with it at once */
  int owned;          /* ac__shield spawned inner: release it at the end */
  ac_task *root;      /* the awaiting task, woken by the callback */
  ac_done_cb node;    /* on inner while the shield waits for it */
} ac__shield_frame;

static ac__step ac__shield_resume(ac_task *self);

/* Done-callback on inner: wake the task parked in the shield. */
static void ac__shield_done(ac_future *f, void *arg) {
  ac__shield_frame *s = arg;
  (void)f;
  ac__task_wake(s->root);
}

/* The end of the await, whichever way: no callback may be left pointing
 * into the frame its awaiter is about to free, and a task the shield
 * spawned is released, so that it is freed once done. */
static ac__step ac__shield_finish(ac__shield_frame *s, int err,
                                  const char *msg) {
  if (s->inner != NULL)
    ac_future_remove_done_callback(s->inner, &s->node); /* if still on */
  if (s->owned)
    ac_task_release((ac_task *)(void *)s->inner);
  s->owned = 0;
  s->inner = NULL;
  s->pub.ac_co.fut.err = err;
  s->pub.ac_co.fut.msg = msg;
  return AC__DONE;
}

/* inner is done: finish with its outcome, which the awaiter now has. */
static ac__step ac__shield_settle(ac__shield_frame *s) {
  ac_future *f = s->inner;

  if (f->flags & AC__F_TASK)
    f->flags |= AC__F_RETRIEVED;
  return ac__shield_finish(s, f->err, f->err != 0 ? f->msg : NULL);
}

/* If the awaiting task is being cancelled: take the request and fail with
 * AC_ECANCELED, leaving inner running.  As asyncio's shield does, inner's
 * outcome then counts as retrieved.  Returns 1 if so. */
static int ac__shield_cancelled(ac__shield_frame *s) {
  ac_task *root = s->root;

  if (!(root->fut.flags & AC__F_CANCEL))
    return 0;
  root->fut.flags &= ~AC__F_CANCEL;
  if (s->inner->flags & AC__F_TASK)
    s->inner->flags |= AC__F_RETRIEVED;
  ac__shield_finish(s, AC_ECANCELED, root->cancel_msg);
  return 1;
}

/* State 0: finish at once if it cannot wait (an error from ac__shield, no
 * task, shielding its own task, cancelled already, inner done); else
 * register the callback, on the task's loop, and park. */
static ac__step ac__shield_start(ac__shield_frame *s) {
  int r;

  s->root = ac__current_task;
  if (s->err == 0 && s->root == NULL)
    s->err = AC_ENOLOOP;
  if (s->err == 0 && s->inner == &s->root->fut)
    s->err = AC_EINVAL; /* would never finish */
  if (s->err != 0)
    return ac__shield_finish(s, s->err, NULL);
  if (ac__shield_cancelled(s))
    return AC__DONE;
  if (s->inner->state != AC__FUT_PENDING)
    return ac__shield_settle(s);
  r = ac_future_add_done_callback(s->inner, &s->node, ac__shield_done, s);
  if (r != 0)
    return ac__shield_finish(s, r, NULL);
  s->pub.ac_co.state = 1;
  return AC__SUSPEND;
}

/* State 1: woken by the callback, or by a cancellation request. */
static ac__step ac__shield_wake(ac__shield_frame *s) {
  if (ac__shield_cancelled(s))
    return AC__DONE;
  if (s->inner->state == AC__FUT_PENDING)
    return AC__SUSPEND; /* a stray wake-up: keep waiting */
  return ac__shield_settle(s);
}

/* The resume function. */
static ac__step ac__shield_resume(ac_task *self) {
  ac__shield_frame *s = (ac__shield_frame *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__shield_start(s);
  case 1:
    return ac__shield_wake(s);
  default:
    return ac__bad_state(self);
  }
}

/* Spawn the coroutine co for the shield s, which then owns the task: 0,
 * or the error the await is to fail with. */
static int ac__shield_spawn(ac__shield_frame *s, ac_task *co,
                            const char *file, int line) {
  if (co->fut.flags & AC__F_OWNED)
    return AC_EREUSED; /* being awaited: its awaiter owns it */
  s->inner = &co->fut;
  if (ac_task_spawn_at(co, file, line) == NULL) {
    s->inner = NULL; /* no loop: ac_task_spawn destroyed it */
    return AC_ENOLOOP;
  }
  s->owned = 1;
  return 0;
}

/* An unspawned, unawaited coroutine, which nobody else will free. */
static int ac__shield_orphan(const ac_future *f) {
  return (f->flags & (AC__F_CORO | AC__F_TASK | AC__F_OWNED)) == AC__F_CORO;
}

/* ac_shield(aw): the shield frame, or NULL (aw NULL, or no memory). */
ac_shield_task *ac__shield(void *aw, const char *file, int line) {
  ac_future *f = aw;
  ac__shield_frame *s;

  if (f == NULL)
    return NULL;
  s = ac__frame_new(sizeof *s, ac__shield_resume, 0, "ac_shield");
  if (s == NULL) {
    if (ac__shield_orphan(f))
      ac__frame_free((ac_task *)aw); /* consumed, as ac_spawn would */
    return NULL;
  }
  if ((f->flags & (AC__F_CORO | AC__F_TASK)) == AC__F_CORO)
    s->err = ac__shield_spawn(s, aw, file, line);
  else if (f->flags & (AC__F_FUTURE | AC__F_TASK))
    s->inner = f;
  else
    s->err = AC_EINVAL;
  return &s->pub;
}

/* A shield frame freed unfinished (a loop close freeing a task that did
 * not unwind): its callback must not stay on inner's list.  If it is
 * still linked, inner is alive: a waiting node is on its list, and a
 * queued one holds it. */
void ac__shield_abandon(ac_task *co) {
  ac__shield_frame *s;

  if (co->resume != ac__shield_resume)
    return;
  s = (ac__shield_frame *)(void *)co;
  if (s->inner != NULL && ac__link_linked(&s->node.w.link))
    ac_future_remove_done_callback(s->inner, &s->node);
}
