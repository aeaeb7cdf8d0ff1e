/*
 * task.c - coroutine frames, tasks and the trampoline.
 *
 * A task is a chain of frames: the root (spawned) frame keeps `top`, the
 * innermost running frame, and each inline-awaited frame points back at its
 * `caller`.  ac__task_step resumes `top` in a loop: awaiting a coroutine
 * pushes it (it runs next, without a trip through the scheduler), finishing
 * one pops back to its caller.  The C stack never grows with the depth of
 * awaits.  The task runs again when its `wake` waiter runs from the ready
 * queue of its loop (wake.loop, set by ac_task_spawn), wherever the thing
 * that woke it ran.
 *
 * A released task is freed once it is done and nothing holds it: the
 * waiters its completion queued have all run (ac_future.held).
 */
#include "internal.h"

#include <limits.h>
#include <stdint.h>

_Thread_local ac_task *ac__current_task; /* root whose trampoline runs */

static void ac__task_step(ac_task *root);

/* The ready-queue run function of a task's wake waiter.  Once woken, the
 * task waits on nothing (asyncio clears _fut_waiter when the task steps),
 * so a cancel no longer reaches what it awaited. */
static void ac__task_wake_run(ac_waiter *w) {
  ac_task *t = ac__container_of(w, ac_task, wake);
  t->waiting = NULL;
  ac__task_step(t);
}

/* Allocate a zeroed, unstarted coroutine frame. */
void *ac__frame_new(size_t size, ac__step (*resume)(ac_task *), unsigned flags,
                    const char *name) {
  ac_task *co;

  if (size < sizeof(ac_task) || size > UINT_MAX || resume == NULL)
    return NULL;
  co = ac__alloc_zeroed(size);
  if (co == NULL)
    return NULL;
  ac__link_init(&co->fut.waiters);
  co->fut.flags = AC__F_CORO;
  if (flags & AC__CO_INT_RESULT)
    co->fut.flags |= AC__F_INT;
  co->wake.run = ac__task_wake_run;
  co->resume = resume;
  co->name = name;
  co->size = (unsigned)size;
  return co;
}

/* Free a frame through the allocator with the size it was made with. */
void ac__frame_free(ac_task *co) {
  ac__work_abandon(co); /* a work frame pays its discard hook (executor.c) */
  ac_free(co, co->size);
}

/* Free a finished or abandoned task frame and take it off every list. */
static void ac__task_free(ac_task *t) {
  ac__task_report(t);
  ac__waiter_unlink(&t->wake);
  if (ac__link_linked(&t->tasks))
    ac__link_remove(&t->tasks);
  ac__frame_free(t);
}

/* Free t if it was released, is done, and no waiter its completion queued
 * is still to run (none may look at it any more). */
void ac__task_reap(ac_task *t) {
  if ((t->fut.flags & AC__F_RELEASED) && t->fut.state != AC__FUT_PENDING &&
      t->fut.held == 0)
    ac__task_free(t);
}

/* Queue root to run on its loop, unless it is already queued or waiting on
 * a future. */
void ac__task_wake(ac_task *root) {
  if (!ac__link_linked(&root->wake.link))
    ac__waiter_queue(&root->wake, NULL);
}

/* A root frame returned AC__DONE: complete its future (waiters go to their
 * loops' ready queues) and free it if its handle was released and nothing
 * waited.  A cancellation still pending (asked while it ran, and no await
 * came after) makes a successful finish a cancelled one, as in asyncio. */
static void ac__task_finish(ac_task *root) {
  if (root->fut.flags & AC__F_CANCEL) {
    root->fut.flags &= ~AC__F_CANCEL;
    if (root->fut.err == 0) {
      root->fut.err = AC_ECANCELED;
      root->fut.msg = root->cancel_msg;
    }
  }
  ac__future_complete(&root->fut, root->fut.err);
  ac__task_reap(root);
}

/* A root that is cancelled before its first step never runs its body.
 * Returns 1 if that happened (root is then finished, maybe freed). */
static int ac__task_first_step(ac_task *root) {
  root->fut.flags |= AC__F_STARTED;
  if (!(root->fut.flags & AC__F_CANCEL))
    return 0;
  root->fut.flags &= ~AC__F_CANCEL;
  root->fut.err = AC_ECANCELED;
  root->fut.msg = root->cancel_msg;
  ac__task_finish(root);
  return 1;
}

/* The trampoline: resume the innermost frame until the chain parks (a
 * frame suspends without pushing a child) or the root finishes. */
static void ac__task_step(ac_task *root) {
  ac_task *prev = ac__current_task;

  if (root->fut.state != AC__FUT_PENDING)
    return; /* a stray wake-up of a finished task */
  ac__current_task = root;
  if ((root->fut.flags & AC__F_STARTED) || !ac__task_first_step(root)) {
    for (;;) {
      ac_task *co = root->top;
      ac__step st = co->resume(co);
      if (!st.done) {
        if (root->top != co)
          continue; /* co awaited a coroutine: run it now */
        break;      /* parked until the wake waiter runs again */
      }
      if (co->fut.flags & AC__F_GEN) {
        ac__gen_pop(root, co, st.done); /* an async generator's step */
        continue;
      }
      if (co == root) {
        ac__task_finish(root);
        break;
      }
      ac__future_complete(&co->fut, co->fut.err);
      root->top = co->caller; /* the caller reads co, then releases it */
    }
  }
  ac__current_task = prev;
}

/* ac_task_spawn_at with no creation site. */
ac_task *ac_task_spawn(ac_task *co) { return ac_task_spawn_at(co, NULL, 0); }

/* Make co a root task of the running loop; its body starts on a later
 * iteration.  file:line (file NULL: unknown) is where it was made, for
 * reports; a site set before (ac_run) stays if file is NULL. */
ac_task *ac_task_spawn_at(ac_task *co, const char *file, int line) {
  ac_loop *loop = ac__current_loop;

  if (co == NULL || !(co->fut.flags & AC__F_CORO))
    return NULL;
  if (co->fut.flags & AC__F_TASK)
    return co;
  if (co->fut.flags & AC__F_OWNED)
    return NULL; /* awaited inline: its awaiter owns it */
  if (loop == NULL) {
    ac__frame_free(co);
    return NULL;
  }
  if (file != NULL) {
    co->file = file;
    co->line = line;
  }
  co->fut.flags |= AC__F_TASK;
  co->top = co;
  co->wake.loop = loop; /* the task's loop, for good */
  ac__link_insert_tail(&loop->tasks, &co->tasks);
  ac__waiter_queue(&co->wake, NULL);
  return co;
}

/* Drop the handle: t is freed once it is done and the waiters its
 * completion queued have run (now, if that is already so).  A second
 * release is a no-op only while t is alive: before it finished, or while
 * its waiters are still queued. */
int ac_task_release(ac_task *t) {
  if (t == NULL)
    return 0;
  if (!(t->fut.flags & AC__F_TASK))
    return AC_ESTATE;
  if (t->fut.flags & AC__F_RELEASED)
    return 0;
  t->fut.flags |= AC__F_RELEASED;
  ac__task_reap(t);
  return 0;
}

/* 1 once t has finished. */
int ac_task_done(const ac_task *t) {
  return t != NULL && t->fut.state != AC__FUT_PENDING;
}

/* The error t finished with; 0 while pending or on success.  Once t is
 * done, this retrieves its outcome: no report (report.c). */
int ac_task_error(const ac_task *t) {
  if (t == NULL)
    return AC_EINVAL;
  if (t->fut.state == AC__FUT_PENDING)
    return 0;
  ((ac_task *)t)->fut.flags |= AC__F_RETRIEVED; /* frames are never const */
  return t->fut.err;
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* Count one more cancellation request on t (ac_task_cancelling). */
static void ac__task_count_cancel(ac_task *t) {
  if (t->cancels < INT_MAX)
    t->cancels++;
}

/* Flag t's cancellation (asyncio's _must_cancel) with msg and wake it:
 * its pending await fails with AC_ECANCELED (or, not yet started, it
 * finishes cancelled without running; still running, at its next await or
 * when it returns).  A parked task is taken off what it waits on and
 * woken now, on its own loop, which need not be running.  timeout.c
 * delivers deadlines with it (msg ac__timeout_msg: AC_ETIMEDOUT). */
void ac__task_flag_cancel(ac_task *t, const char *msg) {
  if (t != ac__current_task)
    ac__waiter_requeue(&t->wake); /* off a future's waiters, or requeued */
  t->waiting = NULL;
  t->cancel_msg = msg;
  t->fut.flags |= AC__F_CANCEL;
}

/* Ask t itself to cancel, leaving what it waits on alone: ac_loop_close
 * cancels every task of the loop anyway, and must not complete futures
 * or tasks of other loops. */
int ac__task_request_cancel(ac_task *t) {
  if (t->fut.state != AC__FUT_PENDING)
    return AC_ESTATE;
  ac__task_count_cancel(t);
  ac__task_flag_cancel(t, NULL);
  return 0;
}

/* The pending task that t's await waits on, or NULL. */
static ac_task *ac__task_waiting_task(const ac_task *t) {
  ac_future *w = t->waiting;

  if (w == NULL || !(w->flags & AC__F_TASK) || w->state != AC__FUT_PENDING)
    return NULL;
  return (ac_task *)(void *)w;
}

/* The last task of the chain from t, each task awaiting the next: where a
 * cancel of t lands.  A cycle (tasks awaiting each other, a deadlock) ends
 * at the task that closes it.  Iterative, so a long chain costs no C
 * stack; the marks that find a cycle are cleared before returning. */
static ac_task *ac__task_chain_end(ac_task *t) {
  ac_task *end = t;
  ac_task *next;
  ac_task *c;

  for (;;) {
    end->fut.flags |= AC__F_WALK;
    next = ac__task_waiting_task(end);
    if (next == NULL || (next->fut.flags & AC__F_WALK))
      break;
    end = next;
  }
  for (c = t; c != end; c = ac__task_waiting_task(c))
    c->fut.flags &= ~AC__F_WALK;
  end->fut.flags &= ~AC__F_WALK;
  return end;
}

/* asyncio's Task.cancel(msg): every task of the chain t waits on counts
 * the request, and what the last one waits on is cancelled (a plain
 * future completes cancelled, which wakes it; the tasks before it keep
 * waiting for their inner task's outcome).  Only if that is not possible
 * (it waits on nothing, or on something already done) is that last task
 * flagged and woken. */
int ac__task_cancel(ac_task *t, const char *msg) {
  ac_task *end;
  ac_task *c;
  ac_future *w;

  if (t->fut.state != AC__FUT_PENDING)
    return AC_ESTATE;
  end = ac__task_chain_end(t);
  for (c = t; c != end; c = ac__task_waiting_task(c))
    ac__task_count_cancel(c);
  ac__task_count_cancel(end);
  w = end->waiting;
  if (w != NULL && (w->flags & AC__F_FUTURE) &&
      ac_future_set_error(w, AC_ECANCELED, msg) == 0)
    return 0;
  ac__task_flag_cancel(end, msg);
  return 0;
}

/* Public face of ac__task_cancel: t must be a task. */
int ac_task_cancel_msg(ac_task *t, const char *msg) {
  if (t == NULL || !(t->fut.flags & AC__F_TASK))
    return AC_EINVAL;
  return ac__task_cancel(t, msg);
}

/* Cancel without a message. */
int ac_task_cancel(ac_task *t) { return ac_task_cancel_msg(t, NULL); }

/* 1 if t finished cancelled. */
int ac_task_cancelled(const ac_task *t) {
  return t != NULL && t->fut.state == AC__FUT_CANCELLED;
}

/* Requests not taken back (asyncio's cancelling()). */
int ac_task_cancelling(const ac_task *t) {
  return t != NULL ? (int)t->cancels : 0;
}

/* Take back one request (asyncio's uncancel()); at 0, a flagged request
 * that t has not seen yet goes too. */
int ac_task_uncancel(ac_task *t) {
  if (t == NULL || !(t->fut.flags & AC__F_TASK))
    return AC_EINVAL;
  if (t->cancels > 0 && --t->cancels == 0)
    t->fut.flags &= ~AC__F_CANCEL;
  return (int)t->cancels;
}

/* ------------------------------------------------------------------------ */
/* Names and creation sites                                                 */
/* ------------------------------------------------------------------------ */

/* The task's name, for reports (the coroutine's function name). */
const char *ac_task_name(const ac_task *t) {
  return t != NULL ? t->name : NULL;
}

/* Rename t; name is borrowed. */
void ac_task_set_name(ac_task *t, const char *name) {
  if (t != NULL)
    t->name = name;
}

/* The file t was created in, or NULL. */
const char *ac_task_file(const ac_task *t) {
  return t != NULL ? t->file : NULL;
}

/* The line t was created at (0 if unknown). */
int ac_task_line(const ac_task *t) { return t != NULL ? t->line : 0; }

/* Free a task and its whole chain, pending or not (ac_loop_close).  Its
 * waiters are unlinked, since they are going away too or are caller-owned
 * done-callbacks.  If something still holds it (a waiter queued on another
 * loop), only its root is kept, off the loop, released and finished,
 * until the last hold goes. */
void ac__task_destroy(ac_task *root) {
  ac_task *co = root->top;

  ac__waiter_unlink(&root->wake);
  ac__future_drop_waiters(&root->fut);
  while (co != NULL && co != root) {
    ac_task *caller = co->caller;
    ac__shield_abandon(co);
    ac__sync_abandon(co); /* a lock acquire, an event wait, ... */
    ac__queue_abandon(co);
    ac__gather_abandon(co); /* a gather, a wait: nodes on other tasks */
    ac__wait_abandon(co);
    if (co->fut.flags & AC__F_GEN)
      ac__gen_abandon(co); /* its handle's, not the chain's */
    else
      ac__frame_free(co);
    co = caller;
  }
  ac__shield_abandon(root);
  ac__sync_abandon(root);
  ac__queue_abandon(root);
  ac__gather_abandon(root);
  ac__wait_abandon(root);
  root->top = root;
  if (root->fut.held == 0) {
    ac__task_free(root);
    return;
  }
  ac__link_remove(&root->tasks);
  root->fut.flags |= AC__F_RELEASED;
  if (root->fut.state == AC__FUT_PENDING) {
    root->fut.state = AC__FUT_CANCELLED;
    root->fut.err = AC_ECANCELED;
  }
}

/* ------------------------------------------------------------------------ */
/* The await protocol (called by generated code)                            */
/* ------------------------------------------------------------------------ */

/* Record err as self's pending error, for ac__check to report. */
static int ac__await_error(ac_task *self, int err) {
  if (self->fut.err == 0) {
    self->fut.err = err;
    self->fut.msg = NULL;
  }
  return 1;
}

/* Await a coroutine inline: it becomes the top of self's task.  The await
 * consumes it (self's slot owns it from now on) even if it cannot run. */
static int ac__await_inline(ac_task *self, ac_task *co, ac_task *root) {
  if (co->fut.flags & AC__F_OWNED)
    return ac__await_error(self, AC_EREUSED);
  co->fut.flags |= AC__F_OWNED;
  co->caller = self;
  if (root == NULL)
    return ac__await_error(self, ac__gen_no_task(self));
  if (root->top != self)
    return ac__await_error(self, AC_EINVAL);
  co->fut.flags |= AC__F_STARTED;
  root->top = co;
  return 0;
}

/* Begin `await aw` in self: 0 to suspend, 1 to go on (see ac.h). */
int ac__await(ac_task *self, void *aw) {
  ac_future *f = aw;
  ac_task *root = ac__current_task;

  if (self == NULL)
    return 1;
  if (f == NULL)
    return ac__await_error(self, AC_ENOMEM);
  if (f->flags & AC__F_ANEXT)
    return ac__gen_await(self, f, root); /* an async generator's step */
  if ((f->flags & (AC__F_CORO | AC__F_TASK)) == AC__F_CORO)
    return ac__await_inline(self, aw, root);
  if (!(f->flags & (AC__F_FUTURE | AC__F_TASK)))
    return ac__await_error(self, AC_EINVAL);
  if (f->state != AC__FUT_PENDING)
    return 1; /* already done: no suspension */
  if (root == NULL)
    return ac__await_error(self, ac__gen_no_task(self));
  if (aw == root)
    return ac__await_error(self, AC_EINVAL); /* would never wake */
  if (root->fut.flags & AC__F_CANCEL)
    return 1; /* being cancelled: ac__check fails at once */
  ac__waiter_unlink(&root->wake);
  ac__link_insert_tail(&f->waiters, &root->wake.link);
  root->waiting = f; /* a cancel of root cancels f (ac__task_cancel) */
  return 0;
}

/* Record err (and msg) in self; returns 1 for ac__check. */
static int ac__check_fail(ac_task *self, int err, const char *msg) {
  self->fut.err = err;
  self->fut.msg = msg;
  return 1;
}

/* After an await: nonzero if self must unwind (see ac.h). */
int ac__check(ac_task *self, void *aw) {
  ac_future *f = aw;
  ac_task *root = ac__current_task;

  if (self == NULL)
    return 1;
  if (self->fut.err != 0)
    return 1; /* recorded by ac__await */
  if (root != NULL && (root->fut.flags & AC__F_CANCEL)) {
    root->fut.flags &= ~AC__F_CANCEL; /* the first frame to see it */
    /* a deadline's cancellation is AC_ETIMEDOUT (timeout.c) */
    return ac__check_fail(self, ac__cancel_err(AC_ECANCELED, root->cancel_msg),
                          root->cancel_msg);
  }
  if (f == NULL)
    return ac__check_fail(self, AC_ENOMEM, NULL);
  if (f->state == AC__FUT_PENDING)
    return ac__check_fail(self, AC_ESTATE, NULL); /* woken too early */
  if (f->flags & AC__F_TASK)
    f->flags |= AC__F_RETRIEVED; /* its awaiter has its outcome */
  if (f->err != 0)
    return ac__check_fail(self, ac__cancel_err(f->err, f->msg), f->msg);
  return 0;
}

/* `await E catch (err, msg)`: hand the error recorded in self to the
 * frame's code and clear it, so that self goes on instead of unwinding.
 * The cancellation request, if that was it, was consumed by ac__check. */
int ac__catch(ac_task *self, const char **msg) {
  int err;

  if (msg != NULL)
    *msg = self != NULL ? self->fut.msg : NULL;
  if (self == NULL)
    return AC_EINVAL;
  err = self->fut.err;
  self->fut.err = 0;
  self->fut.msg = NULL;
  return err;
}

/* 1 if slot lies inside frame (the awaiting frame's own slot array). */
static int ac__slot_in_frame(void **slot, const ac_task *frame) {
  uintptr_t s = (uintptr_t)(void *)slot;
  uintptr_t b = (uintptr_t)(const void *)frame;
  return frame != NULL && s >= b && s < b + frame->size;
}

/* Let go of an awaited object.  Only a coroutine consumed by an inline
 * await is owned, and only by the frame that awaited it: its slot lies in
 * that frame.  A frame still running is never freed. */
void ac__release(void **slot) {
  ac_task *co;

  if (slot == NULL || *slot == NULL)
    return;
  co = *slot;
  *slot = NULL;
  if ((co->fut.flags & AC__F_GEN) && ac__slot_in_frame(slot, co->caller)) {
    ac__gen_release(co); /* consumed by a yield from */
    return;
  }
  if ((co->fut.flags & (AC__F_CORO | AC__F_TASK | AC__F_OWNED)) !=
      (AC__F_CORO | AC__F_OWNED))
    return;
  if (!ac__slot_in_frame(slot, co->caller))
    return;
  if ((co->fut.flags & AC__F_STARTED) && co->fut.state == AC__FUT_PENDING)
    return;
  ac__frame_free(co);
}

/* Unwind: release every slot once (the same coroutine may sit in two
 * slots, `await c + await c`), and finish with the recorded error. */
ac__step ac__fail(ac_task *self, void **slots, size_t n) {
  size_t i;
  size_t j;

  (void)self;
  for (i = 0; slots != NULL && i < n; i++) {
    if (slots[i] == NULL)
      continue;
    for (j = i + 1; j < n; j++)
      if (slots[j] == slots[i])
        slots[j] = NULL;
    ac__release(&slots[i]);
  }
  return AC__DONE;
}

/* A resume function was entered with a state it does not have. */
ac__step ac__bad_state(ac_task *self) {
  if (self != NULL)
    ac__check_fail(self, AC_ESTATE, "corrupt coroutine frame");
  return AC__DONE;
}

/* ------------------------------------------------------------------------ */
/* ac_run                                                                   */
/* ------------------------------------------------------------------------ */

/* The outcome of a finished main task: its error, or its int result. */
static int ac__task_outcome(const ac_task *co) {
  if (co->fut.err != 0)
    return co->fut.err;
  if (co->fut.flags & AC__F_INT)
    return *(const int *)(const void *)((const char *)co + sizeof(ac_task));
  return 0;
}

/* ac_run_task_at with no creation site. */
int ac_run_task(ac_task *co) { return ac_run_task_at(co, NULL, 0); }

/* asyncio.run(): a fresh loop runs co to completion and is closed.  Its
 * outcome, returned, counts as retrieved. */
int ac_run_task_at(ac_task *co, const char *file, int line) {
  ac_loop *loop;
  int r;
  int rc;

  if (co == NULL)
    return AC_ENOMEM;
  if (!(co->fut.flags & AC__F_CORO) || (co->fut.flags & AC__F_TASK))
    return AC_EINVAL;
  if (co->fut.flags & AC__F_OWNED)
    return AC_EREUSED;
  r = ac__current_loop != NULL ? AC_EBUSY : ac_loop_new(&loop);
  if (r != 0) {
    ac__frame_free(co);
    return r;
  }
  co->file = file;
  co->line = line;
  r = ac_loop_run_until_complete(loop, &co->fut);
  if (r == 0) {
    co->fut.flags |= AC__F_RETRIEVED;
    r = ac__task_outcome(co);
  }
  rc = ac_loop_close(loop); /* cancels what is left, frees co */
  return rc != 0 ? rc : r;
}
