/*
 * gen.c - generators, sync and async: frames made by ac__gen_new, the
 * generator trampoline, yield and yield from, and an async generator's
 * awaitable step.
 *
 * A sync generator is stepped by ac__gen_run, a trampoline like a task's:
 * the root of a delegation chain keeps `inner`, its innermost generator,
 * and each delegated generator points back at its delegator through
 * ac_co.caller.  A step resumes `inner` only: `yield from` pushes (inner =
 * the sub-generator's inner), a finished sub-generator pops (inner = its
 * caller, which reads its result).  So an item from N delegations deep
 * costs one resume, and the C stack never grows with N.  While a sync
 * generator is stepped there is no current task, so that ac__check inside
 * it never sees (or consumes) the cancellation of a task that happens to
 * drive it, and ac__gen_root is its root.
 *
 * An async generator runs inside the task that awaits its step
 * (ac_gen_anext): the await pushes the generator frame as the task's top,
 * with ac_co.caller = the awaiting frame, and the task's trampoline pops it
 * back through ac__gen_pop when it yields or finishes.  Closing runs
 * synchronously for both kinds: ac__gen_run with AC__G_CLOSING set.
 *
 * A generator's error lives where a frame's does, in ac_co.fut.err/msg:
 * ac_gen_throw and ac_gen_close put it there before resuming the innermost
 * generator, and ac__yield_check reports it.  ac_co.fut.state is
 * AC__FUT_PENDING until the generator finishes.
 */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* The root whose sync trampoline runs on this thread, or NULL. */
static _Thread_local ac_gen *ac__gen_root;

#define AC__GEN(t) ((ac_gen *)(void *)(t))

/* ------------------------------------------------------------------------ */
/* Frames and states                                                        */
/* ------------------------------------------------------------------------ */

/* 1 if a member of n bytes at off lies in a frame of size bytes, after the
 * ac_gen header (an absent member, n == 0, always fits). */
static int ac__gen_fits(size_t off, size_t n, size_t size) {
  if (n == 0)
    return 1;
  return off >= sizeof(ac_gen) && off <= size && n <= size - off;
}

/* Allocate a zeroed, unstarted generator frame (see ac.h).  It is not a
 * coroutine (no AC__F_CORO): it cannot be spawned, run or awaited. */
void *ac__gen_new(size_t size, ac__step (*resume)(ac_task *), unsigned flags,
                  const char *name, size_t yoff, size_t ysize, size_t soff,
                  size_t ssize) {
  ac_gen *g;

  if (size < sizeof(ac_gen) || size > UINT_MAX || resume == NULL ||
      !ac__gen_fits(yoff, ysize, size) || !ac__gen_fits(soff, ssize, size))
    return NULL;
  g = ac__alloc_zeroed(size);
  if (g == NULL)
    return NULL;
  ac__link_init(&g->ac_co.fut.waiters);
  g->ac_co.fut.flags = AC__F_GEN;
  g->ac_co.resume = resume;
  g->ac_co.name = name;
  g->ac_co.size = (unsigned)size;
  g->inner = g;
  g->yoff = ysize != 0 ? (unsigned)yoff : 0;
  g->ysize = (unsigned)ysize;
  g->soff = ssize != 0 ? (unsigned)soff : 0;
  g->ssize = (unsigned)ssize;
  g->gflags = (flags & AC__GEN_ASYNC) ? AC__G_ASYNC : 0;
  ac__link_init(&g->anext.fut.waiters);
  g->anext.fut.flags = AC__F_ANEXT;
  g->anext.fut.state = AC__FUT_DONE; /* no step armed */
  return g;
}

/* 1 once g has returned or failed. */
static int ac__gen_finished(const ac_gen *g) {
  return g->ac_co.fut.state != AC__FUT_PENDING;
}

/* g's frame returned AC__DONE: it is finished with its recorded error (0:
 * it returned). */
static void ac__gen_finish(ac_gen *g) {
  int err = g->ac_co.fut.err;

  g->ac_co.fut.state = err == AC_ECANCELED ? AC__FUT_CANCELLED : AC__FUT_DONE;
  if (err == 0)
    g->ac_co.fut.msg = NULL;
}

/* Put err (and msg) in g as the error of its paused yield, or, for a frame
 * that will not run again, the one it finishes with. */
static void ac__gen_set_error(ac_gen *g, int err, const char *msg) {
  g->ac_co.fut.err = err;
  g->ac_co.fut.msg = msg;
}

/* Record err as self's pending error (the first one stands) for the check
 * that follows; returns 1, "go on at once". */
static int ac__gen_record(ac_task *self, int err) {
  if (self->fut.err == 0) {
    self->fut.err = err;
    self->fut.msg = NULL;
  }
  return 1;
}

/* The value inner's paused yield receives: a copy of *in, or zeros
 * (Python's send(None)).  Sizes were checked against the root, whose send
 * size a delegated generator shares or lacks. */
static void ac__gen_deliver(ac_gen *inner, const void *in) {
  char *slot = (char *)inner + inner->soff;

  if (inner->ssize == 0)
    return;
  if (in != NULL)
    memcpy(slot, in, inner->ssize);
  else
    memset(slot, 0, inner->ssize);
}

/* Copy the value inner just yielded to out, if there is somewhere to put
 * it. */
static void ac__gen_copy_out(const ac_gen *inner, void *out) {
  if (out != NULL && inner->ysize != 0)
    memcpy(out, (const char *)inner + inner->yoff, inner->ysize);
}

/* ------------------------------------------------------------------------ */
/* The sync trampoline                                                      */
/* ------------------------------------------------------------------------ */

/* Resume root's innermost generator once.  Returns 1 if the chain yielded
 * to the consumer, 0 if root finished, -1 to resume again: after a push
 * (yield from), a pop (a delegated generator finished), or a yield while
 * closing, which fails at once with AC_ECLOSED. */
static int ac__gen_step(ac_gen *root) {
  ac_gen *co = root->inner;
  ac__step st;

  co->gflags |= AC__G_STARTED;
  st = co->ac_co.resume(&co->ac_co);
  if (st.done == AC__YIELD.done) {
    if (!(root->gflags & AC__G_CLOSING))
      return 1;
    ac__gen_set_error(co, AC_ECLOSED, NULL);
    return -1;
  }
  if (!st.done) {
    if (root->inner != co)
      return -1; /* yield from pushed a generator: run it */
    if (co->ac_co.fut.err == 0) {
      /* Only an await that suspends does this, and none can without a
       * task: resume it with an error, so that it unwinds. */
      ac__gen_set_error(co, AC_ESTATE, "generator suspended outside a task");
      return -1;
    }
  }
  ac__gen_finish(co);
  if (co == root)
    return 0;
  co->gflags &= ~AC__G_RUNNING;
  root->inner = AC__GEN(co->ac_co.caller);
  return -1;
}

/* Step root's chain until it yields (1, the value copied to out) or root
 * finishes (0, or its error).  No task is current meanwhile, and
 * ac__gen_root is root; both are restored, since a generator may be
 * stepped from a task's body or from another generator's. */
static int ac__gen_run(ac_gen *root, void *out) {
  ac_task *task = ac__current_task;
  ac_gen *prev = ac__gen_root;
  int r;

  ac__current_task = NULL;
  ac__gen_root = root;
  root->gflags |= AC__G_RUNNING;
  while ((r = ac__gen_step(root)) < 0)
    ;
  root->gflags &= ~AC__G_RUNNING;
  ac__gen_root = prev;
  ac__current_task = task;
  if (r == 1) {
    ac__gen_copy_out(root->inner, out);
    return 1;
  }
  return root->ac_co.fut.err;
}

/* ------------------------------------------------------------------------ */
/* The sync API                                                             */
/* ------------------------------------------------------------------------ */

/* What next/send/throw check before anything runs: 0 if g, a sync
 * generator that nothing runs or owns, may be stepped with out/size. */
static int ac__gen_usable(const ac_gen *g, const void *out, size_t size) {
  if (g == NULL || (g->gflags & AC__G_ASYNC))
    return AC_EINVAL;
  if (out != NULL && size != g->ysize)
    return AC_EINVAL;
  if (g->gflags & (AC__G_OWNED | AC__G_RUNNING))
    return AC_EBUSY;
  return 0;
}

/* Resume g with *in (or zeros) as the value of its paused yield. */
int ac_gen_send(ac_gen *g, const void *in, size_t in_size, void *out,
                size_t out_size) {
  int r = ac__gen_usable(g, out, out_size);

  if (r != 0)
    return r;
  if (in != NULL && (g->ssize == 0 || in_size != g->ssize))
    return AC_EINVAL;
  if (ac__gen_finished(g)) /* closed: finished, as Python's StopIteration */
    return g->ac_co.fut.err == AC_ECLOSED ? 0 : g->ac_co.fut.err;
  if (in != NULL && !(g->gflags & AC__G_STARTED))
    return AC_ESTATE; /* Python: can't send non-None to a just-started one */
  ac__gen_deliver(g->inner, in);
  return ac__gen_run(g, out);
}

/* Resume g; its paused yield receives zeros. */
int ac_gen_next(ac_gen *g, void *out, size_t size) {
  return ac_gen_send(g, NULL, 0, out, size);
}

/* Make g's paused (innermost) yield fail with err. */
int ac_gen_throw(ac_gen *g, int err, const char *msg, void *out,
                 size_t out_size) {
  int r = ac__gen_usable(g, out, out_size);

  if (r != 0)
    return r;
  if (err >= 0)
    return AC_EINVAL;
  if (ac__gen_finished(g))
    return AC_ESTATE;
  if (!(g->gflags & AC__G_STARTED)) {
    ac__gen_set_error(g, err, msg); /* finishes without running its body */
    ac__gen_finish(g);
    return err;
  }
  ac__gen_set_error(g->inner, err, msg);
  return ac__gen_run(g, out);
}

/* Deliver AC_ECLOSED to g's innermost yield.  Each generator delegating
 * to it is marked, so that its `yield from` fails with AC_ECLOSED even if
 * the delegated one catches it and returns (Python's close() semantics). */
static void ac__gen_deliver_close(ac_gen *g) {
  ac_gen *c;

  for (c = g->inner; c != g; c = AC__GEN(c->ac_co.caller))
    AC__GEN(c->ac_co.caller)->gflags |= AC__G_CLOSE_PENDING;
  ac__gen_set_error(g->inner, AC_ECLOSED, NULL);
}

/* Finish g, running its cleanups (see ac.h). */
int ac_gen_close(ac_gen *g) {
  int r;

  if (g == NULL)
    return AC_EINVAL;
  if (g->gflags & (AC__G_OWNED | AC__G_RUNNING))
    return AC_EBUSY;
  g->gflags &= ~(AC__G_ARMED | AC__G_THROW);
  if (ac__gen_finished(g))
    return 0;
  if (!(g->gflags & AC__G_STARTED)) {
    ac__gen_set_error(g, AC_ECLOSED, NULL);
    ac__gen_finish(g);
    return 0;
  }
  g->gflags |= AC__G_CLOSING;
  ac__gen_deliver_close(g);
  r = ac__gen_run(g, NULL);
  g->gflags &= ~AC__G_CLOSING;
  return r == AC_ECLOSED || r > 0 ? 0 : r;
}

/* Close g if needed, then free its frame.  Not through ac__frame_free: a
 * generator is no task, and its error belongs to its user. */
int ac_gen_free(ac_gen *g) {
  int r;

  if (g == NULL)
    return 0;
  if (g->gflags & (AC__G_OWNED | AC__G_RUNNING))
    return AC_EBUSY;
  r = ac_gen_close(g);
  ac_free(g, g->ac_co.size);
  return r;
}

/* 1 once g has finished. */
int ac_gen_done(const ac_gen *g) { return g != NULL && ac__gen_finished(g); }

/* The error g finished with; 0 while it has not, or if it returned. */
int ac_gen_error(const ac_gen *g) {
  if (g == NULL)
    return AC_EINVAL;
  return ac__gen_finished(g) ? g->ac_co.fut.err : 0;
}

/* ------------------------------------------------------------------------ */
/* yield and yield from (called by generated code)                          */
/* ------------------------------------------------------------------------ */

/* After a yield: nonzero if an error was thrown in or close began; the
 * error is already in self->fut.err/msg. */
int ac__yield_check(ac_task *self) { return self == NULL || self->fut.err != 0; }

/* yield from something that is not a generator: AC_EINVAL.  A coroutine
 * nothing owns yet is consumed all the same (its caller is self, so the
 * release of self's slot frees it): `yield from f()` never leaks. */
static int ac__gen_not_gen(ac_task *self, ac_future *f) {
  if ((f->flags & (AC__F_CORO | AC__F_TASK | AC__F_OWNED)) == AC__F_CORO) {
    f->flags |= AC__F_OWNED;
    ((ac_task *)(void *)f)->caller = self;
  }
  return AC_EINVAL;
}

/* 0 if self, the running innermost generator of root's sync chain, may
 * delegate to the sync generator sub: same yield size, and a send size
 * that is the same or none (sent values are then dropped). */
static int ac__gen_can_delegate(const ac_task *self, const ac_gen *sub,
                                const ac_gen *root) {
  const ac_gen *me = (const ac_gen *)(const void *)self;

  if (sub->gflags & AC__G_ASYNC)
    return AC_EINVAL; /* as Python: no yield from an async generator */
  if (!(self->fut.flags & AC__F_GEN) || (me->gflags & AC__G_ASYNC) ||
      root == NULL || root->inner != me)
    return AC_EINVAL;
  if (sub->ysize != me->ysize || (sub->ssize != 0 && sub->ssize != me->ssize))
    return AC_EINVAL;
  return 0;
}

/* Begin `yield from aw` in self: 0 to suspend (aw is now the innermost
 * generator), 1 to go on at once (see ac.h). */
int ac__yield_from(ac_task *self, void *aw) {
  ac_gen *sub = aw;
  ac_gen *root = ac__gen_root;
  int r;

  if (self == NULL)
    return 1;
  if (aw == NULL)
    return ac__gen_record(self, AC_ENOMEM);
  if (!(sub->ac_co.fut.flags & AC__F_GEN))
    return ac__gen_record(self, ac__gen_not_gen(self, aw));
  if (sub->gflags & AC__G_OWNED)
    return ac__gen_record(self, AC_EREUSED);
  if (sub->gflags & AC__G_RUNNING)
    return ac__gen_record(self, AC_EBUSY);
  sub->gflags |= AC__G_OWNED; /* consumed: self's slot frees it */
  sub->ac_co.caller = self;
  r = ac__gen_can_delegate(self, sub, root);
  if (r != 0)
    return ac__gen_record(self, r);
  if (ac__gen_finished(sub))
    return 1;
  sub->gflags |= AC__G_RUNNING;
  ac__gen_deliver(sub->inner, NULL); /* Python's first next(sub) */
  root->inner = sub->inner;
  return 0;
}

/* After `yield from aw`: nonzero if self must unwind (see ac.h). */
int ac__yield_from_check(ac_task *self, void *aw) {
  const ac_gen *sub = aw;
  int closed = 0;

  if (self == NULL)
    return 1;
  if (self->fut.flags & AC__F_GEN) { /* a close that reached it is seen once */
    closed = (AC__GEN(self)->gflags & AC__G_CLOSE_PENDING) != 0;
    AC__GEN(self)->gflags &= ~AC__G_CLOSE_PENDING;
  }
  if (self->fut.err != 0)
    return 1; /* recorded by ac__yield_from */
  if (sub == NULL)
    return ac__gen_record(self, AC_ENOMEM);
  if (!ac__gen_finished(sub))
    return ac__gen_record(self, AC_ESTATE); /* resumed out of turn */
  if (sub->ac_co.fut.err != 0) {
    self->fut.err = sub->ac_co.fut.err;
    self->fut.msg = sub->ac_co.fut.msg;
    return 1;
  }
  return closed ? ac__gen_record(self, AC_ECLOSED) : 0;
}

/* A plain C for-each over g ended with g's error, uncaught: one line on
 * stderr, in one call so that lines from several threads do not
 * interleave. */
void ac__gen_uncaught(ac_gen *g) {
  const char *name;
  const char *msg;
  int err;

  if (g == NULL || !ac__gen_finished(g) || g->ac_co.fut.err == 0)
    return;
  err = g->ac_co.fut.err;
  name = g->ac_co.name != NULL ? g->ac_co.name : "?";
  msg = g->ac_co.fut.msg;
  fprintf(stderr,
          "acc: generator '%s' failed with %s (%s)%s%s, and the error was "
          "not caught\n",
          name, ac_err_name(err), ac_strerror(err), msg != NULL ? ": " : "",
          msg != NULL ? msg : "");
}

/* ac__release of a slot of co's delegator: free co if a yield from
 * consumed it (closing it first if it never ran to its end: one that
 * could not be delegated to).  A generator still on a chain is left
 * alone. */
void ac__gen_release(ac_task *co) {
  ac_gen *g = AC__GEN(co);

  if ((g->gflags & (AC__G_OWNED | AC__G_RUNNING)) != AC__G_OWNED)
    return;
  g->gflags &= ~AC__G_OWNED;
  co->caller = NULL;
  ac_gen_free(g);
}

/* The error of an await that would suspend with no task current: the
 * innermost generator of a chain being closed gets AC_ECLOSED (closing
 * needs no loop, and must not wait); anything else AC_ENOLOOP. */
int ac__gen_no_task(const ac_task *self) {
  const ac_gen *root = ac__gen_root;

  if (root != NULL && (root->gflags & AC__G_CLOSING) &&
      (const void *)root->inner == (const void *)self)
    return AC_ECLOSED;
  return AC_ENOLOOP;
}

/* ------------------------------------------------------------------------ */
/* Async generators                                                         */
/* ------------------------------------------------------------------------ */

/* What is wrong with the step being armed, or 0 (reported by its await). */
static int ac__gen_arm_error(const ac_gen *g, const void *in, size_t in_size,
                             const void *out, size_t out_size, int throwing,
                             int err) {
  if (!(g->gflags & AC__G_ASYNC))
    return AC_EINVAL;
  if (out != NULL && out_size != g->ysize)
    return AC_EINVAL;
  if (in != NULL && (g->ssize == 0 || in_size != g->ssize))
    return AC_EINVAL;
  if (throwing && err >= 0)
    return AC_EINVAL;
  if (in != NULL && !(g->gflags & AC__G_STARTED) && !ac__gen_finished(g))
    return AC_ESTATE;
  return 0;
}

/* Arm a step of g: recorded in g, run by the await of g->anext.  A
 * running generator's step is in flight: it is left alone, and this
 * await fails with AC_EBUSY. */
static ac_anext_task *ac__gen_arm(ac_gen *g, const void *in, size_t in_size,
                                  void *out, size_t out_size, int throwing,
                                  int err, const char *msg) {
  if (g == NULL)
    return NULL;
  if (g->gflags & (AC__G_RUNNING | AC__G_OWNED))
    return &g->anext;
  g->arm_err =
      ac__gen_arm_error(g, in, in_size, out, out_size, throwing, err);
  g->gflags = (g->gflags | AC__G_ARMED) & ~AC__G_THROW;
  if (throwing)
    g->gflags |= AC__G_THROW;
  g->out = out;
  g->throw_err = err;
  g->throw_msg = msg;
  if (g->arm_err == 0 && !throwing && !ac__gen_finished(g))
    ac__gen_deliver(g, in); /* copied now: in may not outlive this call */
  return &g->anext;
}

ac_anext_task *ac_gen_anext(ac_gen *g, void *out, size_t size) {
  return ac__gen_arm(g, NULL, 0, out, size, 0, 0, NULL);
}

ac_anext_task *ac_gen_asend(ac_gen *g, const void *in, size_t in_size,
                            void *out, size_t out_size) {
  return ac__gen_arm(g, in, in_size, out, out_size, 0, 0, NULL);
}

ac_anext_task *ac_gen_athrow(ac_gen *g, int err, const char *msg, void *out,
                             size_t out_size) {
  return ac__gen_arm(g, NULL, 0, out, out_size, 1, err, msg);
}

/* Complete g's step: it yielded (1), or g finished and the step gets its
 * outcome (0, or g's error and message).  Nothing ever waits on a step's
 * future (it runs inline), so there are no waiters to queue. */
static void ac__gen_end_step(ac_gen *g, int yielded) {
  ac_future *f = &g->anext.fut;

  g->anext.ac_ret = yielded;
  f->err = yielded ? 0 : g->ac_co.fut.err;
  f->msg = yielded ? NULL : g->ac_co.fut.msg;
  f->state = f->err == AC_ECANCELED ? AC__FUT_CANCELLED : AC__FUT_DONE;
  g->out = NULL;
}

/* Why the await of g's step cannot run it (0: it can).  Disarms it. */
static int ac__gen_step_error(ac_gen *g) {
  if (!(g->gflags & AC__G_ASYNC))
    return AC_EINVAL;
  if (g->gflags & (AC__G_RUNNING | AC__G_OWNED))
    return AC_EBUSY;
  if (!(g->gflags & AC__G_ARMED))
    return AC_EREUSED; /* awaited twice: each await needs its ac_anext */
  g->gflags &= ~AC__G_ARMED;
  if (g->arm_err != 0)
    return g->arm_err;
  if ((g->gflags & AC__G_THROW) && ac__gen_finished(g))
    return AC_ESTATE;
  return 0;
}

/* `await` of an async generator's step, from ac__await: run g inline in
 * self's task.  0 if self suspends (g is the task's new top), 1 if the
 * await is over at once (ac__check reports how). */
int ac__gen_await(ac_task *self, ac_future *step, ac_task *root) {
  ac_gen *g = ac__container_of(step, ac_gen, anext.fut);
  int r = ac__gen_step_error(g);

  if (r != 0)
    return ac__gen_record(self, r);
  if ((g->gflags & AC__G_THROW) && !(g->gflags & AC__G_STARTED)) {
    ac__gen_set_error(g, g->throw_err, g->throw_msg); /* body never runs */
    ac__gen_finish(g);
  }
  if (ac__gen_finished(g)) {
    ac__gen_end_step(g, 0);
    return 1;
  }
  if (root == NULL)
    return ac__gen_record(self, ac__gen_no_task(self));
  if (root->top != self)
    return ac__gen_record(self, AC_EINVAL);
  if (g->gflags & AC__G_THROW)
    ac__gen_set_error(g, g->throw_err, g->throw_msg);
  g->gflags |= AC__G_RUNNING | AC__G_STARTED;
  g->ac_co.caller = self;
  step->state = AC__FUT_PENDING;
  root->top = &g->ac_co;
  return 0;
}

/* The task trampoline's side: the async generator co, top of root's
 * chain, yielded (how == AC__YIELD.done) or finished (AC__DONE): complete
 * its step and give the task back to the frame awaiting it. */
void ac__gen_pop(ac_task *root, ac_task *co, int how) {
  ac_gen *g = AC__GEN(co);

  root->top = co->caller;
  co->caller = NULL;
  g->gflags &= ~AC__G_RUNNING;
  if (how == AC__YIELD.done) {
    ac__gen_copy_out(g, g->out);
    ac__gen_end_step(g, 1);
    return;
  }
  ac__gen_finish(g);
  ac__gen_end_step(g, 0);
}

/* ac__task_destroy met the async generator co on a chain that did not
 * unwind.  The frame is not the chain's to free (its handle belongs to
 * the user): finish it with AC_ECANCELED, so that ac_gen_free frees it.
 * Its slots are not released: the coroutine it awaited is on the chain,
 * freed with it (as with any frame of a chain that did not unwind). */
void ac__gen_abandon(ac_task *co) {
  ac_gen *g = AC__GEN(co);

  co->caller = NULL;
  g->gflags &= ~AC__G_RUNNING;
  if (!ac__gen_finished(g)) {
    ac__gen_set_error(g, AC_ECANCELED, NULL);
    ac__gen_finish(g);
  }
  ac__gen_end_step(g, 0);
}
