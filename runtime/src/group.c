/*
 * group.c - task groups (asyncio.TaskGroup, trio's nurseries).
 *
 * The group lives in caller storage and owns its children: each child is a
 * task of the running loop plus one small node (allocated by the spawn: the
 * child's frame is the user's, and the group needs a waiter of its own on
 * the child).  The node sits on the child's waiter list; when the child
 * completes, the node's run moves it to the group's `finished` list
 * (completion order), records a failure (an error other than
 * AC_ECANCELED) and, at the first one, cancels every other child.  The
 * last child's node wakes the task parked in ac_task_group_wait.
 *
 * A deferred statement cannot await, so the group's end is synchronous:
 * ac_task_group_cancel cancels what still runs (on a way out that skipped
 * the wait) and releases every child, which frees the finished ones and
 * the nodes.  Children's handles, and the errors they hold, stay readable
 * until then.
 */
#include "internal.h"

/* ac_task_group.state */
enum {
  AC__TG_OPEN = 0,     /* children may be spawned */
  AC__TG_ABORTING = 1, /* a child failed, or the waiting task was
                          cancelled: the others are cancelled */
  AC__TG_WAITED = 2,   /* a wait finished: its outcome is recorded */
  AC__TG_CLOSED = 3    /* ended by ac_task_group_cancel: no children */
};

/* One per child, from ac_alloc, freed when the group ends. */
typedef struct ac__tg_node {
  ac_waiter w;      /* on the child's waiters, then queued by it */
  ac__link link;    /* on g->running, then on g->finished */
  ac_task *t;       /* the child (the group's handle) */
  ac_task_group *g; /* the group */
} ac__tg_node;

/* Initialise an open, empty group. */
void ac_task_group_init(ac_task_group *g) {
  if (g == NULL)
    return;
  memset(g, 0, sizeof *g);
  ac__link_init(&g->running);
  ac__link_init(&g->finished);
  g->state = AC__TG_OPEN;
}

/* Cancel every child still running; returns how many were asked. */
static int ac__tg_cancel_running(ac_task_group *g, const char *msg) {
  ac__link *l;
  int n = 0;

  for (l = g->running.next; l != &g->running; l = l->next) {
    ac__tg_node *node = ac__container_of(l, ac__tg_node, link);
    if (ac_task_cancel_msg(node->t, msg) == 0)
      n++;
  }
  return n;
}

/* A child completed (its node ran): it moves to the finished list; a
 * failure is recorded (and retrieved: the group reports it) and, the first
 * time, aborts the group; the last child wakes the waiting task. */
static void ac__tg_node_run(ac_waiter *w) {
  ac__tg_node *node = ac__container_of(w, ac__tg_node, w);
  ac_task_group *g = node->g;
  int err = node->t->fut.err;

  ac__link_remove(&node->link);
  ac__link_insert_tail(&g->finished, &node->link);
  g->pending--;
  if (err != 0 && err != AC_ECANCELED) {
    node->t->fut.flags |= AC__F_RETRIEVED;
    if (g->nfailed++ == 0) {
      g->err = err;
      g->msg = node->t->fut.msg;
    }
    if (g->state == AC__TG_OPEN)
      g->state = AC__TG_ABORTING;
    ac__tg_cancel_running(g, NULL);
  }
  if (g->pending == 0 && g->waiter != NULL)
    ac__task_wake(g->waiter);
}

/* Spawn co as a child (see ac.h).  co is consumed unless it is not the
 * group's to take (not a coroutine, a task, being awaited). */
int ac_task_group_spawn_at(ac_task_group *g, ac_task *co, const char *file,
                           int line) {
  ac__tg_node *node;
  int r = 0;

  if (co == NULL)
    return AC_ENOMEM;
  if (!(co->fut.flags & AC__F_CORO) || (co->fut.flags & AC__F_TASK))
    return AC_EINVAL;
  if (co->fut.flags & AC__F_OWNED)
    return AC_EREUSED;
  if (g == NULL)
    r = AC_EINVAL;
  else if (g->state != AC__TG_OPEN)
    r = AC_ESTATE; /* shutting down, or over */
  else if (ac__current_loop == NULL)
    r = AC_ENOLOOP;
  node = r == 0 ? ac__alloc_zeroed(sizeof *node) : NULL;
  if (node == NULL) {
    ac__frame_free(co); /* consumed, as ac_spawn does */
    return r != 0 ? r : AC_ENOMEM;
  }
  ac_task_spawn_at(co, file, line);
  node->t = co;
  node->g = g;
  node->w.run = ac__tg_node_run;
  node->w.loop = co->wake.loop;
  ac__link_insert_tail(&co->fut.waiters, &node->w.link);
  ac__link_insert_tail(&g->running, &node->link);
  g->pending++;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* ac_task_group_wait                                                       */
/* ------------------------------------------------------------------------ */

/* The frame of ac_task_group_wait. */
typedef struct ac__tg_wait {
  ac_task_group_wait_task pub; /* what ac.h shows */
  ac_task_group *g;            /* the group */
  ac_task *root;               /* the awaiting task */
} ac__tg_wait;

/* The group's outcome, once no child runs: one failure's error, or
 * AC_EGROUP for several; else the waiting task's cancellation; else 0. */
static ac__step ac__tg_wait_finish(ac__tg_wait *x) {
  ac_task_group *g = x->g;
  int err = g->cancel_err;
  const char *msg = g->cancel_msg;

  if (g->nfailed == 1) {
    err = g->err;
    msg = g->msg;
  } else if (g->nfailed > 1) {
    err = AC_EGROUP;
    msg = NULL;
  }
  g->waiter = NULL;
  g->state = AC__TG_WAITED;
  g->outcome = err;
  g->outcome_msg = msg;
  x->pub.ac_co.fut.err = err;
  x->pub.ac_co.fut.msg = err != 0 ? msg : NULL;
  return AC__DONE;
}

/* Fail the await with err, leaving the group as it is. */
static ac__step ac__tg_wait_fail(ac__tg_wait *x, int err) {
  x->pub.ac_co.fut.err = err;
  return AC__DONE;
}

/* If the waiting task is being cancelled: take the request (the first
 * one is the outcome, unless children fail) and cancel every child; the
 * wait goes on until they are done. */
static void ac__tg_wait_take_cancel(ac__tg_wait *x) {
  ac_task_group *g = x->g;
  const char *msg;
  int err;

  if (!(x->root->fut.flags & AC__F_CANCEL))
    return;
  err = ac__cancel_take(x->root, &msg);
  if (g->cancel_err == 0) {
    g->cancel_err = err;
    g->cancel_msg = msg;
  }
  if (g->state == AC__TG_OPEN)
    g->state = AC__TG_ABORTING;
  ac__tg_cancel_running(g, ac__cancel_pass(msg));
}

/* 1 if t is a child of g still running (it would wait for itself). */
static int ac__tg_has(const ac_task_group *g, const ac_task *t) {
  const ac__link *l;

  for (l = g->running.next; l != &g->running; l = l->next)
    if (ac__container_of(l, ac__tg_node, link)->t == t)
      return 1;
  return 0;
}

/* Finish if no child runs, else park (again). */
static ac__step ac__tg_wait_step(ac__tg_wait *x) {
  ac__tg_wait_take_cancel(x);
  if (x->g->pending == 0)
    return ac__tg_wait_finish(x);
  x->g->waiter = x->root;
  x->pub.ac_co.state = 1;
  return AC__SUSPEND;
}

/* State 0: check who waits, and for what. */
static ac__step ac__tg_wait_start(ac__tg_wait *x) {
  ac_task_group *g = x->g;

  x->root = ac__current_task;
  if (g == NULL)
    return ac__tg_wait_fail(x, AC_EINVAL);
  if (x->root == NULL)
    return ac__tg_wait_fail(x, AC_ENOLOOP);
  if (g->state == AC__TG_CLOSED)
    return ac__tg_wait_fail(x, AC_ESTATE);
  if (ac__tg_has(g, x->root))
    return ac__tg_wait_fail(x, AC_EINVAL);
  if (g->waiter != NULL)
    return ac__tg_wait_fail(x, AC_EBUSY);
  if (g->state == AC__TG_WAITED) {
    x->pub.ac_co.fut.err = g->outcome; /* waited already: same outcome */
    x->pub.ac_co.fut.msg = g->outcome != 0 ? g->outcome_msg : NULL;
    return AC__DONE;
  }
  return ac__tg_wait_step(x);
}

/* The resume function. */
static ac__step ac__tg_wait_resume(ac_task *self) {
  ac__tg_wait *x = (ac__tg_wait *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__tg_wait_start(x);
  case 1:
    return ac__tg_wait_step(x);
  default:
    return ac__bad_state(self);
  }
}

/* `await ac_task_group_wait(&g)`: the frame, or NULL (no memory). */
ac_task_group_wait_task *ac_task_group_wait(ac_task_group *g) {
  ac__tg_wait *x =
      ac__frame_new(sizeof *x, ac__tg_wait_resume, 0, "ac_task_group_wait");
  if (x == NULL)
    return NULL;
  x->g = g;
  return &x->pub;
}

/* ------------------------------------------------------------------------ */
/* The end of the group                                                     */
/* ------------------------------------------------------------------------ */

/* Free every node of list l, releasing its child. */
static void ac__tg_release(ac__link *l) {
  while (!ac__link_empty(l)) {
    ac__tg_node *node = ac__container_of(l->next, ac__tg_node, link);
    ac__link_remove(&node->link);
    ac__waiter_unlink(&node->w);
    ac_task_release(node->t);
    ac_free(node, sizeof *node);
  }
}

/* Cancel the children still running; unless a wait is in progress (in
 * another task), end the group: release every child, free the nodes. */
int ac_task_group_cancel(ac_task_group *g) {
  int n;

  if (g == NULL)
    return AC_EINVAL;
  n = ac__tg_cancel_running(g, NULL);
  if (g->waiter != NULL)
    return n;
  ac__tg_release(&g->running);
  ac__tg_release(&g->finished);
  g->pending = 0;
  g->state = AC__TG_CLOSED;
  return n;
}

/* The errors of the children that failed, in the order they failed. */
int ac_task_group_errors(const ac_task_group *g, int *out, size_t n) {
  const ac__link *l;
  size_t i = 0;

  if (g == NULL || (out == NULL && n > 0))
    return AC_EINVAL;
  for (l = g->finished.next; l != &g->finished; l = l->next) {
    int err = ac__container_of(l, ac__tg_node, link)->t->fut.err;
    if (err == 0 || err == AC_ECANCELED)
      continue;
    if (i < n)
      out[i] = err;
    i++;
  }
  return (int)i;
}
