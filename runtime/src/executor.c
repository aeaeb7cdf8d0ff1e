/*
 * executor.c - ac_run_in_executor / ac_to_thread: fn(arg) on another
 * thread, awaited without blocking the loop.  A coroutine frame with a
 * hand-written resume function, like ac_sleep.  State 0 submits a job
 * (ac__job: what the worker thread touches, allocated apart from the frame
 * so that the frame may go while fn still runs) to libuv's pool
 * (uv_queue_work) or to an ac_executor (threadpool.c), and parks the task;
 * the job comes back on the loop's thread (ac__job_done: libuv's
 * after-work callback, or the executor's completion port), which wakes the
 * task; state 1 finishes with fn's result.
 *
 * Cancellation (asyncio's semantics): the await fails at once.  A job that
 * has not started is taken off its queue (uv_cancel, ac__pool_cancel) and
 * fn never runs; a running one is given up (job->frame = NULL) and, once
 * it comes back, its result goes to the discard hook.  The hook is called
 * exactly once for every call whose result the await does not deliver:
 * the frame owes it (owes) until it hands the result over, calls the hook
 * itself, or passes the duty to a job it gives up.  ac__frame_free calls
 * ac__work_abandon, so a frame freed without finishing (never awaited, a
 * task cancelled before it ran, a loop close) pays its debt too.
 *
 * Loop thread only, like every frame.  A debug mode would check, in
 * ac__work_start, that ac__current_loop is the task's loop and that this
 * thread runs it.
 */
#include "internal.h"

/* The frame: the public part (header, then the result), then the rest. */
typedef struct ac__work {
  ac_work_task pub;      /* what ac.h shows; pub.ac_ret: the result */
  ac_executor *ex;       /* NULL: libuv's pool */
  ac_work_fn fn;         /* what to run */
  void *arg;             /* its argument */
  ac_discard_fn discard; /* for a result not delivered, or NULL */
  ac__job *job;          /* submitted and not back yet, else NULL */
  ac_task *root;         /* the awaiting task, from state 0 */
  void *result;          /* fn's result, once the job is back */
  int status;            /* the job's status once back (0: fn ran) */
  int back;              /* the job came back: result/status are set */
  int owes;              /* the discard hook is still owed */
} ac__work;

static ac__step ac__work_resume(ac_task *self);

/* Pay the discard debt now: the result (NULL if fn never ran) and arg go
 * to the hook.  Nothing if it is not owed. */
static void ac__work_pay(ac__work *w, void *result) {
  if (!w->owes)
    return;
  w->owes = 0;
  if (w->discard != NULL)
    w->discard(w->arg, result);
}

/* The thread side of libuv's pool: run fn. */
static void ac__job_work(uv_work_t *req) {
  ac__job *job = ac__container_of(req, ac__job, req);
  job->result = job->fn(job->arg);
}

/* libuv's after-work callback, on the loop's thread: fn ran, or was
 * cancelled before it started (UV_ECANCELED). */
static void ac__job_after(uv_work_t *req, int status) {
  ac__job *job = ac__container_of(req, ac__job, req);
  job->status = status == UV_ECANCELED ? AC_ECANCELED : 0;
  ac__job_done(job);
}

/* The job is back on its loop's thread: wake the frame that waits for it,
 * or, if the frame gave it up, discard the result.  Frees the job. */
void ac__job_done(ac__job *job) {
  ac__work *w = job->frame;

  if (w != NULL) {
    w->job = NULL;
    w->result = job->status == 0 ? job->result : NULL;
    w->status = job->status;
    w->back = 1;
    ac__task_wake(w->root);
  } else if (job->discard != NULL) {
    job->discard(job->arg, job->status == 0 ? job->result : NULL);
  }
  ac_free(job, sizeof *job);
}

/* Give up the job, if one is out: it will never come back to w.  One that
 * has not started is taken off its queue; its discard is paid now (libuv:
 * by the after-work callback, which still runs).  A running one pays it
 * when it comes back.  A job already back pays it now. */
static void ac__work_give_up(ac__work *w) {
  ac__job *job = w->job;

  if (job == NULL) {
    ac__work_pay(w, w->back ? w->result : NULL);
    return;
  }
  w->job = NULL;
  job->frame = NULL;
  job->discard = w->owes ? w->discard : NULL;
  w->owes = 0; /* the job owes it now */
  if (job->ex == NULL) {
    uv_cancel((uv_req_t *)&job->req); /* fails if it runs: fine */
  } else if (ac__pool_cancel(job)) {
    job->status = AC_ECANCELED;
    ac__job_done(job); /* never ran: discards with NULL, frees */
  }
}

/* Allocate and submit w's job on its task's loop.  0, or an error. */
static int ac__work_submit(ac__work *w) {
  ac__job *job = ac__alloc_zeroed(sizeof *job);
  int r;

  if (job == NULL)
    return AC_ENOMEM;
  job->ex = w->ex;
  job->loop = w->root->wake.loop;
  job->frame = w;
  job->fn = w->fn;
  job->arg = w->arg;
  if (w->ex != NULL)
    r = ac__pool_submit(w->ex, job);
  else
    r = uv_queue_work(&job->loop->uv, &job->req, ac__job_work,
                      ac__job_after);
  if (r != 0) {
    ac_free(job, sizeof *job);
    return r;
  }
  w->job = job;
  return 0;
}

/* Finish the await with err (and msg); the discard debt is paid first
 * (it is owed only if fn never ran or will never run). */
static ac__step ac__work_fail(ac__work *w, int err, const char *msg) {
  ac__work_pay(w, NULL);
  w->pub.ac_co.fut.err = err;
  w->pub.ac_co.fut.msg = msg;
  return AC__DONE;
}

/* State 0: submit the work and park, or fail at once (bad arguments, no
 * task, a cancellation already requested, no memory, shut down). */
static ac__step ac__work_start(ac__work *w) {
  ac_task *root = ac__current_task;
  int r;

  if (w->fn == NULL)
    return ac__work_fail(w, AC_EINVAL, NULL);
  if (root == NULL)
    return ac__work_fail(w, AC_ENOLOOP, NULL);
  w->root = root;
  if (root->fut.flags & AC__F_CANCEL) {
    root->fut.flags &= ~AC__F_CANCEL; /* being cancelled: submit nothing */
    return ac__work_fail(w, AC_ECANCELED, root->cancel_msg);
  }
  r = ac__work_submit(w);
  if (r != 0)
    return ac__work_fail(w, r,
                         r == AC_ESHUTDOWN ? "executor shut down" : NULL);
  w->pub.ac_co.state = 1;
  return AC__SUSPEND;
}

/* State 1: woken by the job coming back, or by a cancellation request. */
static ac__step ac__work_wake(ac__work *w) {
  ac_task *root = w->root;

  if (root->fut.flags & AC__F_CANCEL) {
    root->fut.flags &= ~AC__F_CANCEL;
    ac__work_give_up(w);
    return ac__work_fail(w, AC_ECANCELED, root->cancel_msg);
  }
  if (!w->back)
    return AC__SUSPEND; /* a stray wake-up: the job is still out */
  if (w->status != 0)
    return ac__work_fail(w, w->status, "cancelled by ac_executor_shutdown");
  w->owes = 0; /* delivered */
  w->pub.ac_ret = w->result;
  return AC__DONE;
}

/* The resume function. */
static ac__step ac__work_resume(ac_task *self) {
  ac__work *w = (ac__work *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__work_start(w);
  case 1:
    return ac__work_wake(w);
  default:
    return ac__bad_state(self);
  }
}

/* The coroutine; with a discard hook, NULL (no memory) pays it at once. */
ac_work_task *ac_run_in_executor_ex(ac_executor *ex, ac_work_fn fn, void *arg,
                                    ac_discard_fn discard) {
  ac__work *w =
      ac__frame_new(sizeof *w, ac__work_resume, 0, "ac_run_in_executor");

  if (w == NULL) {
    if (discard != NULL)
      discard(arg, NULL);
    return NULL;
  }
  w->ex = ex;
  w->fn = fn;
  w->arg = arg;
  w->discard = discard;
  w->owes = 1;
  return &w->pub;
}

/* Without a discard hook. */
ac_work_task *ac_run_in_executor(ac_executor *ex, ac_work_fn fn, void *arg) {
  return ac_run_in_executor_ex(ex, fn, arg, NULL);
}

/* asyncio.to_thread: libuv's pool. */
ac_work_task *ac_to_thread(ac_work_fn fn, void *arg) {
  return ac_run_in_executor_ex(NULL, fn, arg, NULL);
}

/* A work frame freed before it delivered its result (never run, or
 * abandoned while its job is out): give the job up, pay the debt. */
void ac__work_abandon(ac_task *co) {
  if (co->resume != ac__work_resume)
    return;
  ac__work_give_up((ac__work *)(void *)co);
}
