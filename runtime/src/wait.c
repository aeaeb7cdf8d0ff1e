/*
 * wait.c - ac_wait (asyncio.wait) and the as_completed iterator
 * (asyncio.as_completed).
 *
 * ac_wait's frame is shaped like ac_gather's (gather.c): a hand-written
 * coroutine followed by one waiter node per task and the tasks' handles, so
 * the await is one allocation.  A node's run counts its task and wakes the
 * awaiting task once the wait's condition holds; a timer ends it early.
 * Nothing is cancelled by a wait, whether it times out or its task is
 * cancelled.
 *
 * The as_completed iterator lives in caller storage; its nodes (one per
 * task, n is the caller's) are one block that init allocates.  A node's
 * run moves it to the iterator's `done` list, so that the list holds the
 * tasks in the order their completions ran; ac_as_completed_next pops it,
 * parking its task while the list is empty.
 */
#include "internal.h"

#include <limits.h>

/* ------------------------------------------------------------------------ */
/* ac_wait                                                                  */
/* ------------------------------------------------------------------------ */

struct ac__wait;

/* One per task: on the task's waiter list until it completes. */
typedef struct ac__wait_node {
  ac_waiter w;         /* on the task's waiters, then queued by it */
  struct ac__wait *f;  /* the frame */
} ac__wait_node;

/* The frame: the public part, the state, then n nodes and n handles. */
typedef struct ac__wait {
  ac_wait_task pub;      /* what ac.h shows; pub.ac_ret: tasks done */
  ac_task *root;         /* the awaiting task */
  ac_task **done;        /* the caller's arrays, written at the end */
  ac_task **pending;
  ac_handle timer;       /* the timeout */
  double timeout;        /* seconds (< 0: none) */
  size_t n;              /* tasks */
  size_t left;           /* tasks not seen finished */
  int mode;              /* AC_FIRST_COMPLETED, ... */
  int err;               /* from the constructor: fail with it at once */
  int met;               /* the condition holds, or the timeout passed */
  ac__wait_node nodes[]; /* then ac_task *tasks[n] */
} ac__wait;

static ac__step ac__wait_resume(ac_task *self);

/* The tasks' handles. */
static ac_task **ac__wait_tasks(ac__wait *f) {
  return (ac_task **)(void *)(f->nodes + f->n);
}

/* 1 if t's completion ends a wait in this mode (asyncio: a cancelled task
 * is no exception for FIRST_EXCEPTION). */
static int ac__wait_ends(const ac__wait *f, const ac_task *t) {
  if (f->left == 0 || f->mode == AC_FIRST_COMPLETED)
    return 1;
  return f->mode == AC_FIRST_EXCEPTION && t->fut.err != 0 &&
         t->fut.err != AC_ECANCELED;
}

/* A task completed (its node ran): count it; wake the awaiting task if
 * the wait is over. */
static void ac__wait_node_run(ac_waiter *w) {
  ac__wait_node *node = ac__container_of(w, ac__wait_node, w);
  ac__wait *f = node->f;

  f->left--;
  if (!f->met && ac__wait_ends(f, ac__wait_tasks(f)[node - f->nodes])) {
    f->met = 1;
    ac__task_wake(f->root);
  }
}

/* The timeout passed: the wait is over, with what is done by now. */
static void ac__wait_fire(void *arg) {
  ac__wait *f = arg;
  if (!f->met) {
    f->met = 1;
    ac__task_wake(f->root);
  }
}

/* The end of the await: no node, no timer left; on success the done and
 * pending handles, in argument order, go to the caller's arrays. */
static ac__step ac__wait_finish(ac__wait *f, int err, const char *msg) {
  ac_task **tasks = ac__wait_tasks(f);
  size_t nd = 0;
  size_t np = 0;
  size_t i;

  for (i = 0; i < f->n; i++)
    ac__waiter_unlink(&f->nodes[i].w);
  if (ac_handle_active(&f->timer))
    ac_handle_cancel(&f->timer);
  for (i = 0; err == 0 && i < f->n; i++) {
    if (tasks[i]->fut.state != AC__FUT_PENDING) {
      if (f->done != NULL)
        f->done[nd] = tasks[i];
      nd++;
    } else {
      if (f->pending != NULL)
        f->pending[np] = tasks[i];
      np++;
    }
  }
  f->pub.ac_ret = nd;
  f->pub.ac_co.fut.err = err;
  f->pub.ac_co.fut.msg = err != 0 ? msg : NULL;
  return AC__DONE;
}

/* Put a node on each pending task and arm the timeout: 0, or the timer's
 * error. */
static int ac__wait_watch(ac__wait *f) {
  ac_task **tasks = ac__wait_tasks(f);
  size_t i;

  for (i = 0; i < f->n; i++) {
    if (tasks[i]->fut.state != AC__FUT_PENDING)
      continue;
    f->nodes[i].f = f;
    f->nodes[i].w.run = ac__wait_node_run;
    f->nodes[i].w.loop = f->root->wake.loop;
    ac__link_insert_tail(&tasks[i]->fut.waiters, &f->nodes[i].w.link);
  }
  if (f->timeout < 0)
    return 0;
  return ac_call_later(f->root->wake.loop, &f->timer, f->timeout,
                       ac__wait_fire, f);
}

/* State 0: check the arguments and the tasks already done (the wait may
 * be over at once: no suspension); else put a node on each pending task,
 * arm the timeout and park. */
static ac__step ac__wait_start(ac__wait *f) {
  ac_task **tasks = ac__wait_tasks(f);
  const char *msg;
  size_t i;
  int r;

  f->root = ac__current_task;
  if (f->err == 0 && f->root == NULL)
    f->err = AC_ENOLOOP;
  for (i = 0; f->err == 0 && i < f->n; i++)
    if (tasks[i] == f->root)
      f->err = AC_EINVAL; /* would wait for itself */
  if (f->err != 0)
    return ac__wait_finish(f, f->err, NULL);
  if (f->root->fut.flags & AC__F_CANCEL) {
    r = ac__cancel_take(f->root, &msg);
    return ac__wait_finish(f, r, msg);
  }
  f->left = f->n;
  for (i = 0; i < f->n; i++)
    if (tasks[i]->fut.state != AC__FUT_PENDING) {
      f->left--;
      f->met = f->met || ac__wait_ends(f, tasks[i]);
    }
  if (f->met || f->left == 0)
    return ac__wait_finish(f, 0, NULL);
  r = ac__wait_watch(f);
  if (r != 0)
    return ac__wait_finish(f, r, NULL);
  f->pub.ac_co.state = 1;
  return AC__SUSPEND;
}

/* State 1: woken by a node, the timer, or a cancellation request (the
 * await fails; the tasks are left alone, as asyncio.wait leaves them). */
static ac__step ac__wait_woken(ac__wait *f) {
  const char *msg;
  int r;

  if (f->root->fut.flags & AC__F_CANCEL) {
    r = ac__cancel_take(f->root, &msg);
    return ac__wait_finish(f, r, msg);
  }
  if (!f->met)
    return AC__SUSPEND; /* not for us */
  return ac__wait_finish(f, 0, NULL);
}

/* The resume function. */
static ac__step ac__wait_resume(ac_task *self) {
  ac__wait *f = (ac__wait *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__wait_start(f);
  case 1:
    return ac__wait_woken(f);
  default:
    return ac__bad_state(self);
  }
}

/* The argument errors of ac_wait, checked when it is called. */
static int ac__wait_args(ac_task *const *tasks, size_t n, int mode,
                         double timeout) {
  if (tasks == NULL || n == 0 || timeout != timeout)
    return AC_EINVAL;
  if (mode != AC_FIRST_COMPLETED && mode != AC_FIRST_EXCEPTION &&
      mode != AC_ALL_COMPLETED)
    return AC_EINVAL;
  return 0;
}

/* ac_wait(...): the frame, or NULL (no memory).  The list is taken
 * (coroutines spawned) whatever happens. */
ac_wait_task *ac_wait_at(ac_task *const *tasks, size_t n, int mode,
                         double timeout, ac_task **done, ac_task **pending,
                         const char *file, int line) {
  size_t each = sizeof(ac__wait_node) + sizeof(ac_task *);
  ac__wait *f = NULL;
  int err = ac__wait_args(tasks, n, mode, timeout);

  if (tasks == NULL)
    n = 0;
  if (n <= (UINT_MAX - sizeof *f) / each)
    f = ac__frame_new(sizeof *f + n * each, ac__wait_resume, 0, "ac_wait");
  if (f == NULL) {
    ac__tasks_take(tasks, n, NULL, AC_ENOMEM, file, line);
    return NULL;
  }
  f->n = n;
  f->mode = mode;
  f->timeout = timeout;
  f->done = done;
  f->pending = pending;
  f->err = ac__tasks_take(tasks, n, ac__wait_tasks(f), err, file, line);
  return &f->pub;
}

/* ------------------------------------------------------------------------ */
/* as_completed                                                             */
/* ------------------------------------------------------------------------ */

/* One per task, in the block init allocates: on the task's waiter list,
 * then (its w.link reused) on the iterator's done list. */
typedef struct ac__ac_node {
  ac_waiter w;         /* on the task's waiters; queued; on it->done */
  ac_task *t;          /* the task */
  ac_as_completed *it; /* the iterator */
} ac__ac_node;

/* The frame of ac_as_completed_next. */
typedef struct ac__ac_next {
  ac_as_completed_next_task pub; /* what ac.h shows; ac_ret: the task */
  ac_as_completed *it;           /* the iterator */
  ac_task *root;                 /* the awaiting task */
} ac__ac_next;

static ac__step ac__ac_next_resume(ac_task *self);

/* A task completed (its node ran): it is next in line.  The last one
 * makes the timeout moot. */
static void ac__ac_node_run(ac_waiter *w) {
  ac__ac_node *node = ac__container_of(w, ac__ac_node, w);
  ac_as_completed *it = node->it;

  it->watching--;
  ac__link_insert_tail(&it->done, &node->w.link);
  if (it->watching == 0 && ac_handle_active(&it->timer))
    ac_handle_cancel(&it->timer);
  if (it->root != NULL)
    ac__task_wake(it->root);
}

/* The timeout passed: stop watching the tasks still pending; each will
 * give one AC_ETIMEDOUT (a task that completed but whose node has not run
 * yet still comes out first). */
static void ac__ac_fire(void *arg) {
  ac_as_completed *it = arg;
  ac__ac_node *nodes = it->nodes;
  size_t i;

  it->expired = 1;
  for (i = 0; i < it->n; i++) {
    if (!ac__link_linked(&nodes[i].w.link) || nodes[i].w.from != NULL ||
        nodes[i].t->fut.state != AC__FUT_PENDING)
      continue; /* done, returned, or queued to come */
    ac__waiter_unlink(&nodes[i].w);
    it->watching--;
    it->timeouts++;
  }
  if (it->root != NULL)
    ac__task_wake(it->root);
}

/* The iterator is over (closed, or every task given out or timed out):
 * nothing of it is left on a list, and its block is freed. */
void ac_as_completed_close(ac_as_completed *it) {
  size_t i;

  if (it == NULL || it->nodes == NULL)
    return;
  for (i = 0; i < it->n; i++)
    ac__waiter_unlink(&((ac__ac_node *)it->nodes)[i].w);
  ac_free(it->nodes, it->n * sizeof(ac__ac_node));
  if (ac_handle_active(&it->timer))
    ac_handle_cancel(&it->timer);
  it->nodes = NULL;
  it->n = 0;
  it->watching = 0;
  it->timeouts = 0;
  ac__link_init(&it->done);
  if (it->root != NULL)
    ac__task_wake(it->root); /* a next in another task: it gives NULL */
}

/* Put a node on each task (in argument order for those already done),
 * and arm the timeout. */
static int ac__ac_watch(ac_as_completed *it, ac_task *const *tasks,
                        double timeout) {
  ac__ac_node *nodes = it->nodes;
  size_t i;

  for (i = 0; i < it->n; i++) {
    nodes[i].t = tasks[i];
    nodes[i].it = it;
    nodes[i].w.run = ac__ac_node_run;
    nodes[i].w.loop = ac__current_loop;
    if (tasks[i]->fut.state != AC__FUT_PENDING) {
      ac__link_insert_tail(&it->done, &nodes[i].w.link);
      continue;
    }
    ac__link_insert_tail(&tasks[i]->fut.waiters, &nodes[i].w.link);
    it->watching++;
  }
  if (timeout < 0 || it->watching == 0)
    return 0;
  return ac_call_later(ac__current_loop, &it->timer, timeout, ac__ac_fire,
                       it);
}

/* Start iterating over tasks (see ac.h).  The block of nodes is zeroed:
 * a node is on no list until watched.  On an error it is left empty (next
 * gives NULL, close does nothing), and the list was taken all the same. */
int ac_as_completed_init_at(ac_as_completed *it, ac_task *const *tasks,
                            size_t n, double timeout, const char *file,
                            int line) {
  int r = 0;

  if (it == NULL || (tasks == NULL && n > 0) || timeout != timeout)
    return AC_EINVAL;
  memset(it, 0, sizeof *it);
  ac__link_init(&it->done);
  if (n > ((size_t)-1) / sizeof(ac__ac_node))
    r = AC_ENOMEM;
  if (r == 0 && n > 0) {
    it->nodes = ac__alloc_zeroed(n * sizeof(ac__ac_node));
    r = it->nodes == NULL ? AC_ENOMEM : 0;
  }
  r = ac__tasks_take(tasks, n, NULL, r, file, line);
  it->n = it->nodes != NULL ? n : 0;
  if (r == 0)
    r = ac__ac_watch(it, tasks, timeout);
  if (r != 0)
    ac_as_completed_close(it);
  return r;
}

/* The end of a next: the iterator is free for the next one. */
static ac__step ac__ac_next_finish(ac__ac_next *x, ac_task *t, int err,
                                   const char *msg) {
  if (x->it != NULL && x->it->root == x->root)
    x->it->root = NULL;
  x->pub.ac_ret = t;
  x->pub.ac_co.fut.err = err;
  x->pub.ac_co.fut.msg = err != 0 ? msg : NULL;
  return AC__DONE;
}

/* Give the next task out if there is one; else park while tasks are
 * watched; else one AC_ETIMEDOUT per task the timeout cut off; else the
 * end: NULL, and the iterator's block is freed. */
static ac__step ac__ac_next_step(ac__ac_next *x) {
  ac_as_completed *it = x->it;
  const char *msg;
  int r;

  if (x->root->fut.flags & AC__F_CANCEL) {
    r = ac__cancel_take(x->root, &msg);
    return ac__ac_next_finish(x, NULL, r, msg); /* nothing taken */
  }
  if (!ac__link_empty(&it->done)) {
    ac__ac_node *node = ac__container_of(it->done.next, ac__ac_node, w.link);
    ac__link_remove(&node->w.link);
    return ac__ac_next_finish(x, node->t, 0, NULL);
  }
  if (it->watching > 0) {
    it->root = x->root;
    x->pub.ac_co.state = 1;
    return AC__SUSPEND;
  }
  if (it->timeouts > 0) {
    it->timeouts--;
    return ac__ac_next_finish(x, NULL, AC_ETIMEDOUT, NULL);
  }
  it->root = NULL;
  ac_as_completed_close(it);
  return ac__ac_next_finish(x, NULL, 0, NULL);
}

/* The resume function: state 0 checks who asks, then both states step. */
static ac__step ac__ac_next_resume(ac_task *self) {
  ac__ac_next *x = (ac__ac_next *)(void *)self;

  switch (self->state) {
  case 0:
    x->root = ac__current_task;
    if (x->it == NULL)
      return ac__ac_next_finish(x, NULL, AC_EINVAL, NULL);
    if (x->root == NULL)
      return ac__ac_next_finish(x, NULL, AC_ENOLOOP, NULL);
    if (x->it->root != NULL && x->it->root != x->root)
      return ac__ac_next_finish(x, NULL, AC_EBUSY, NULL);
    return ac__ac_next_step(x);
  case 1:
    return ac__ac_next_step(x);
  default:
    return ac__bad_state(self);
  }
}

/* `await ac_as_completed_next(&it)`: the frame, or NULL (no memory). */
ac_as_completed_next_task *ac_as_completed_next(ac_as_completed *it) {
  ac__ac_next *x =
      ac__frame_new(sizeof *x, ac__ac_next_resume, 0, "ac_as_completed_next");
  if (x == NULL)
    return NULL;
  x->it = it;
  return &x->pub;
}

/* ------------------------------------------------------------------------ */
/* Loop close                                                               */
/* ------------------------------------------------------------------------ */

/* A wait frame freed unfinished (a loop close freeing a task that did not
 * unwind): its nodes must not stay on the tasks' lists. */
void ac__wait_abandon(ac_task *co) {
  ac__wait *f;
  size_t i;

  if (co->resume != ac__wait_resume)
    return;
  f = (ac__wait *)(void *)co;
  for (i = 0; i < f->n; i++)
    ac__waiter_unlink(&f->nodes[i].w);
}
