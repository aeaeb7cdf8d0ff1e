/*
 * threadpool.c - ac_executor: a pool of threads of its own (asyncio's
 * ThreadPoolExecutor), independent of libuv's global pool, and the
 * completion port through which its work comes back to each loop.
 *
 * The executor is a FIFO queue of jobs (ac__job, made by executor.c) under
 * a mutex, and threads that take them in turn.  A finished job goes to the
 * port of its loop (one per loop, made on first use, as libuv's wq_async):
 * a list under the port's mutex and a uv_async_t that wakes the loop,
 * whose callback hands each job to ac__job_done.  The port's uv_async_t
 * is referenced while jobs of that loop are out (inflight), so that the
 * loop neither stalls nor returns AC_ESTALLED while work runs, and
 * unreferenced otherwise.  ac_loop_close waits for the jobs still out
 * (ac__pool_loop_close).
 *
 * Lifetime: the executor is reference-counted: one for its user (dropped
 * by ac_executor_free, after the threads are joined) and one per job from
 * submission until its loop is done with it (a frame's cancel still takes
 * the job off the queue under ex's mutex).  The last one frees it.
 */
#include "internal.h"

/* Threads at most (and Python's cap for the default). */
#define AC__POOL_MAX 1024

/* A loop's completion port. */
typedef struct ac__port {
  uv_async_t async;       /* wakes the loop; referenced while inflight */
  uv_mutex_t mutex;       /* guards done */
  uv_cond_t cond;         /* signalled with each job put on done */
  ac__link done;          /* jobs back from the threads (ac__job.link) */
  unsigned long inflight; /* loop thread: jobs out, not yet handed back */
  ac_loop *loop;          /* its loop */
} ac__port;

struct ac_executor {
  uv_mutex_t mutex;      /* guards everything below but threads/nthreads */
  uv_cond_t work;        /* signalled when work is queued or on shutdown */
  uv_cond_t joined_cond; /* broadcast once the threads are joined */
  ac__link queue;        /* queued jobs, oldest first (ac__job.link) */
  uv_thread_t *threads;  /* the threads (nthreads of them) */
  int nthreads;          /* how many */
  int shutdown;          /* no more work accepted */
  int joining;           /* 0: not joined, 1: being joined, 2: joined */
  int dropped;           /* ac_executor_free gave the user's handle up */
  unsigned long refs;    /* jobs submitted and not yet handed back */
};

/* The executor whose thread this is, or NULL. */
static _Thread_local ac_executor *ac__pool_self;

/* ------------------------------------------------------------------------ */
/* The completion port                                                      */
/* ------------------------------------------------------------------------ */

/* Undo ac__pool_init_sync. */
static void ac__pool_destroy_sync(ac_executor *ex) {
  uv_cond_destroy(&ex->work);
  uv_cond_destroy(&ex->joined_cond);
  uv_mutex_destroy(&ex->mutex);
}

/* Free the executor once nothing uses it: its user gave it up and no job
 * of it is out.  Called with its mutex held; unlocks it. */
static void ac__pool_unlock_maybe_free(ac_executor *ex) {
  int gone = ex->dropped && ex->refs == 0;

  uv_mutex_unlock(&ex->mutex);
  if (!gone)
    return;
  ac__pool_destroy_sync(ex);
  ac_free(ex->threads, sizeof(uv_thread_t) * (size_t)ex->nthreads);
  ac_free(ex, sizeof *ex);
}

/* One job of port's loop is back for good (handed to ac__job_done, or
 * cancelled off the queue): drop its references. */
static void ac__port_settle(ac__port *port, ac_executor *ex) {
  if (--port->inflight == 0)
    uv_unref((uv_handle_t *)&port->async);
  uv_mutex_lock(&ex->mutex);
  ex->refs--;
  ac__pool_unlock_maybe_free(ex);
}

/* Hand every job on the port's list back to executor.c (loop thread). */
static void ac__port_drain(ac__port *port) {
  ac__link list;

  ac__link_init(&list);
  uv_mutex_lock(&port->mutex);
  ac__link_move(&port->done, &list);
  uv_mutex_unlock(&port->mutex);
  while (!ac__link_empty(&list)) {
    ac__job *job = ac__container_of(list.next, ac__job, link);
    ac_executor *ex = job->ex;
    ac__link_remove(&job->link);
    ac__job_done(job); /* frees job */
    ac__port_settle(port, ex);
  }
}

/* uv_async_t callback: jobs are back. */
static void ac__port_cb(uv_async_t *a) { ac__port_drain(a->data); }

/* Put a finished (or cancelled) job on its port and wake the loop.  Any
 * thread.  The send happens under the port's mutex: once it is released,
 * the loop may hand the job back and close the port, so the port is not
 * touched afterwards. */
static void ac__port_post(ac__job *job) {
  ac__port *port = job->port;

  uv_mutex_lock(&port->mutex);
  ac__link_insert_tail(&port->done, &job->link);
  uv_cond_signal(&port->cond);
  uv_async_send(&port->async);
  uv_mutex_unlock(&port->mutex);
}

/* Make loop's port (first own-executor job on it).  0 or an error. */
static int ac__port_open(ac_loop *loop) {
  ac__port *port = ac__alloc_zeroed(sizeof *port);
  int r;

  if (port == NULL)
    return AC_ENOMEM;
  ac__link_init(&port->done);
  port->loop = loop;
  r = uv_mutex_init(&port->mutex);
  if (r == 0 && (r = uv_cond_init(&port->cond)) != 0)
    uv_mutex_destroy(&port->mutex);
  if (r == 0 && (r = uv_async_init(&loop->uv, &port->async, ac__port_cb))) {
    uv_cond_destroy(&port->cond);
    uv_mutex_destroy(&port->mutex);
  }
  if (r != 0) {
    ac_free(port, sizeof *port);
    return r;
  }
  port->async.data = port;
  uv_unref((uv_handle_t *)&port->async);
  loop->exec_port = port;
  return 0;
}

/* uv_close callback of the port's async: free the port. */
static void ac__port_closed(uv_handle_t *h) {
  ac__port *port = h->data;
  uv_cond_destroy(&port->cond);
  uv_mutex_destroy(&port->mutex);
  ac_free(port, sizeof *port);
}

/* ac_loop_close: the loop's tasks are gone, and every job still out was
 * given up by its frame.  Wait for the ones running on threads (queued
 * ones were taken off their queues), discard their results, and close
 * the port.  Waits on the port's condition rather than running libuv, so
 * that no other callback runs during the close. */
void ac__pool_loop_close(ac_loop *loop) {
  ac__port *port = loop->exec_port;

  if (port == NULL)
    return;
  for (;;) {
    ac__port_drain(port);
    if (port->inflight == 0)
      break;
    uv_mutex_lock(&port->mutex);
    while (ac__link_empty(&port->done))
      uv_cond_wait(&port->cond, &port->mutex);
    uv_mutex_unlock(&port->mutex);
  }
  loop->exec_port = NULL;
  uv_close((uv_handle_t *)&port->async, ac__port_closed);
}

/* ------------------------------------------------------------------------ */
/* Submitting and cancelling (loop thread)                                  */
/* ------------------------------------------------------------------------ */

/* Queue job on ex, to come back through its loop's port.  AC_ESHUTDOWN
 * once ex is shut down; or the port's creation error.  Loop thread only
 * (the port's inflight count is not locked): a debug mode would check
 * here that this thread runs job->loop. */
int ac__pool_submit(ac_executor *ex, ac__job *job) {
  ac_loop *loop = job->loop;
  int r;

  if (loop->exec_port == NULL && (r = ac__port_open(loop)) != 0)
    return r;
  uv_mutex_lock(&ex->mutex);
  if (ex->shutdown) {
    uv_mutex_unlock(&ex->mutex);
    return AC_ESHUTDOWN;
  }
  job->port = loop->exec_port;
  job->queued = 1;
  ac__link_insert_tail(&ex->queue, &job->link);
  ex->refs++;
  uv_cond_signal(&ex->work);
  uv_mutex_unlock(&ex->mutex);
  if (job->port->inflight++ == 0)
    uv_ref((uv_handle_t *)&job->port->async);
  return 0;
}

/* Take job off its executor's queue if no thread took it yet: 1 if so
 * (its references are dropped; the caller finishes it), else 0. */
int ac__pool_cancel(ac__job *job) {
  ac_executor *ex = job->ex;

  uv_mutex_lock(&ex->mutex);
  if (!job->queued) {
    uv_mutex_unlock(&ex->mutex);
    return 0; /* running, or on its way back */
  }
  job->queued = 0;
  ac__link_remove(&job->link);
  uv_mutex_unlock(&ex->mutex);
  ac__port_settle(job->port, ex);
  return 1;
}

/* ------------------------------------------------------------------------ */
/* The threads                                                              */
/* ------------------------------------------------------------------------ */

/* A worker: take jobs in order and run them until the executor is shut
 * down and its queue is empty. */
static void ac__pool_main(void *arg) {
  ac_executor *ex = arg;

  ac__pool_self = ex;
  uv_mutex_lock(&ex->mutex);
  for (;;) {
    ac__job *job;
    while (ac__link_empty(&ex->queue) && !ex->shutdown)
      uv_cond_wait(&ex->work, &ex->mutex);
    if (ac__link_empty(&ex->queue))
      break; /* shut down, nothing left */
    job = ac__container_of(ex->queue.next, ac__job, link);
    ac__link_remove(&job->link);
    job->queued = 0;
    uv_mutex_unlock(&ex->mutex);
    job->result = job->fn(job->arg);
    job->status = 0;
    ac__port_post(job);
    uv_mutex_lock(&ex->mutex);
  }
  uv_mutex_unlock(&ex->mutex);
}

/* Python's default size: min(32, CPUs + 4). */
static int ac__pool_default_size(void) {
  unsigned n = uv_available_parallelism() + 4;
  return n < 32 ? (int)n : 32;
}

/* Start ex's threads.  On failure, the ones started are stopped and
 * joined, and the error is returned. */
static int ac__pool_start(ac_executor *ex) {
  int i;
  int r = 0;

  for (i = 0; i < ex->nthreads; i++) {
    r = uv_thread_create(&ex->threads[i], ac__pool_main, ex);
    if (r != 0)
      break;
  }
  if (r == 0)
    return 0;
  uv_mutex_lock(&ex->mutex);
  ex->shutdown = 1;
  uv_cond_broadcast(&ex->work);
  uv_mutex_unlock(&ex->mutex);
  while (i-- > 0)
    uv_thread_join(&ex->threads[i]);
  return r;
}

/* Make the executor's synchronisation objects.  0 or an error (nothing
 * left made). */
static int ac__pool_init_sync(ac_executor *ex) {
  int r = uv_mutex_init(&ex->mutex);

  if (r != 0)
    return r;
  r = uv_cond_init(&ex->work);
  if (r == 0 && (r = uv_cond_init(&ex->joined_cond)) != 0)
    uv_cond_destroy(&ex->work);
  if (r != 0)
    uv_mutex_destroy(&ex->mutex);
  return r;
}

/* A new executor of nthreads running threads. */
int ac_executor_new(ac_executor **out, int nthreads) {
  ac_executor *ex;
  int r;

  if (out == NULL || nthreads < 0 || nthreads > AC__POOL_MAX)
    return AC_EINVAL;
  if (nthreads == 0)
    nthreads = ac__pool_default_size();
  ex = ac__alloc_zeroed(sizeof *ex);
  if (ex == NULL)
    return AC_ENOMEM;
  ex->threads = ac__alloc_zeroed(sizeof(uv_thread_t) * (size_t)nthreads);
  r = ex->threads == NULL ? AC_ENOMEM : ac__pool_init_sync(ex);
  if (r == 0) {
    ac__link_init(&ex->queue);
    ex->nthreads = nthreads;
    r = ac__pool_start(ex);
    if (r != 0)
      ac__pool_destroy_sync(ex);
  }
  if (r != 0) {
    ac_free(ex->threads, sizeof(uv_thread_t) * (size_t)nthreads);
    ac_free(ex, sizeof *ex);
    return r;
  }
  *out = ex;
  return 0;
}

/* Join ex's threads, once: a second caller waits for the first. */
static void ac__pool_join(ac_executor *ex) {
  int i;

  uv_mutex_lock(&ex->mutex);
  if (ex->joining == 0) {
    ex->joining = 1;
    uv_mutex_unlock(&ex->mutex);
    for (i = 0; i < ex->nthreads; i++)
      uv_thread_join(&ex->threads[i]);
    uv_mutex_lock(&ex->mutex);
    ex->joining = 2;
    uv_cond_broadcast(&ex->joined_cond);
  }
  while (ex->joining != 2)
    uv_cond_wait(&ex->joined_cond, &ex->mutex);
  uv_mutex_unlock(&ex->mutex);
}

/* Stop accepting work; optionally take the queued work off (its awaits
 * fail with AC_ECANCELED) and wait for the threads to finish. */
int ac_executor_shutdown(ac_executor *ex, int flags) {
  ac__link cancelled;

  if (ex == NULL)
    return AC_EINVAL;
  if ((flags & AC_EXECUTOR_WAIT) && ac__pool_self == ex)
    return AC_EBUSY; /* would join itself */
  ac__link_init(&cancelled);
  uv_mutex_lock(&ex->mutex);
  ex->shutdown = 1;
  if (flags & AC_EXECUTOR_CANCEL_QUEUED)
    ac__link_move(&ex->queue, &cancelled);
  uv_cond_broadcast(&ex->work);
  while (!ac__link_empty(&cancelled)) {
    ac__job *job = ac__container_of(cancelled.next, ac__job, link);
    ac__link_remove(&job->link);
    job->queued = 0; /* a frame's cancel now waits for it to come back */
    job->status = AC_ECANCELED;
    ac__port_post(job);
  }
  uv_mutex_unlock(&ex->mutex);
  if (flags & AC_EXECUTOR_WAIT)
    ac__pool_join(ex);
  return 0;
}

/* Shut down, join, and give the user's reference up. */
int ac_executor_free(ac_executor *ex) {
  if (ex == NULL)
    return 0;
  if (ac__pool_self == ex)
    return AC_EBUSY;
  ac_executor_shutdown(ex, AC_EXECUTOR_WAIT);
  uv_mutex_lock(&ex->mutex);
  ex->dropped = 1;
  ac__pool_unlock_maybe_free(ex);
  return 0;
}

/* The number of threads (constant from creation on). */
int ac_executor_threads(const ac_executor *ex) {
  return ex != NULL ? ex->nthreads : 0;
}
