/*
 * gather.c - ac_gather (asyncio.gather): wait for a list of tasks, failing
 * with the first error (or collecting every outcome with
 * AC_GATHER_RETURN_ERRORS).  Also the helper that wait.c shares: taking a
 * list of awaitables, which spawns the coroutines in it.
 *
 * The frame is a hand-written coroutine like ac_sleep's, followed by one
 * waiter node per child and the children's handles: one allocation for the
 * whole await.  A node sits on its child's waiter list; the child's
 * completion queues it, and its run counts the child and wakes the
 * awaiting task when the gather can finish.  The task itself waits on
 * nothing (ac_task.waiting stays NULL), so a cancel of it is flagged: the
 * frame takes it, cancels every child that is still running, and waits for
 * them before it fails (asyncio's gather does the same).
 */
#include "internal.h"

#include <limits.h>

/* ------------------------------------------------------------------------ */
/* Lists of awaitables (shared with wait.c)                                 */
/* ------------------------------------------------------------------------ */

/* What an element of a list is. */
enum {
  AC__EL_TASK = 1,  /* a spawned task */
  AC__EL_ORPHAN = 2 /* a coroutine nobody spawned or awaits: to spawn */
};

/* The kind of t, or the error it makes the list fail with. */
static int ac__tasks_kind(const ac_task *t) {
  unsigned flags;

  if (t == NULL)
    return AC_ENOMEM; /* its constructor ran out of memory */
  flags = t->fut.flags;
  if (!(flags & AC__F_CORO))
    return AC_EINVAL; /* a plain future, a generator */
  if (flags & AC__F_TASK)
    return AC__EL_TASK;
  if (flags & AC__F_OWNED)
    return AC_EREUSED; /* being awaited: its awaiter owns it */
  return AC__EL_ORPHAN;
}

/* No loop to spawn on: destroy each orphan coroutine once (a pointer may
 * appear twice; an element is compared before it is read). */
static void ac__tasks_destroy(ac_task *const *tasks, size_t n) {
  size_t i;
  size_t j;

  for (i = 0; i < n; i++) {
    for (j = 0; j < i && tasks[j] != tasks[i]; j++)
      ;
    if (j == i && ac__tasks_kind(tasks[i]) == AC__EL_ORPHAN)
      ac__frame_free(tasks[i]);
  }
}

/* Take a list (see internal.h).  Two passes: the first finds the error,
 * the second spawns, and cancels what it spawned if there is one. */
int ac__tasks_take(ac_task *const *tasks, size_t n, ac_task **out, int err,
                   const char *file, int line) {
  size_t i;
  int k;

  for (i = 0; i < n; i++) {
    k = ac__tasks_kind(tasks[i]);
    if (k < 0 && err == 0)
      err = k;
    if (out != NULL)
      out[i] = NULL;
  }
  if (ac__current_loop == NULL) {
    ac__tasks_destroy(tasks, n);
    return err != 0 ? err : AC_ENOLOOP;
  }
  for (i = 0; i < n; i++) {
    k = ac__tasks_kind(tasks[i]);
    if (k == AC__EL_ORPHAN) {
      ac_task_spawn_at(tasks[i], file, line);
      if (err != 0)
        ac_task_cancel(tasks[i]); /* finishes without running */
    }
    if (k > 0 && out != NULL)
      out[i] = tasks[i];
  }
  return err;
}

/* ------------------------------------------------------------------------ */
/* The gather frame                                                         */
/* ------------------------------------------------------------------------ */

struct ac__gather;

/* One per child: on the child's waiter list until it completes. */
typedef struct ac__gather_node {
  ac_waiter w;           /* on the child's waiters, then queued by it */
  struct ac__gather *g;  /* the frame */
} ac__gather_node;

/* The frame: the public part, the state, then n nodes and n handles. */
typedef struct ac__gather {
  ac_gather_task pub;     /* what ac.h shows */
  ac_task *root;          /* the awaiting task */
  ac_task *failed;        /* the first child that failed, or NULL */
  const char *cancel_msg; /* the message of the cancel taken */
  size_t n;               /* children */
  size_t left;            /* children not seen finished */
  int flags;              /* AC_GATHER_* */
  int err;                /* from the constructor: fail with it at once */
  int cancel_err;         /* the awaiting task's cancellation, once taken
                             (AC_ECANCELED or AC_ETIMEDOUT), else 0 */
  ac__gather_node nodes[]; /* then ac_task *tasks[n] */
} ac__gather;

static ac__step ac__gather_resume(ac_task *self);

/* The children's handles (NULL for an element that is not one). */
static ac_task **ac__gather_tasks(ac__gather *g) {
  return (ac_task **)(void *)(g->nodes + g->n);
}

/* A child completed (its node ran): count it, remember the first failure,
 * and wake the task if the gather can finish. */
static void ac__gather_node_run(ac_waiter *w) {
  ac__gather_node *node = ac__container_of(w, ac__gather_node, w);
  ac__gather *g = node->g;
  ac_task *t = ac__gather_tasks(g)[node - g->nodes];

  g->left--;
  if (t->fut.err != 0 && g->failed == NULL &&
      !(g->flags & AC_GATHER_RETURN_ERRORS))
    g->failed = t;
  if (g->left == 0 || g->failed == t)
    ac__task_wake(g->root);
}

/* Release every child (AC_GATHER_RELEASE).  A task may appear twice: each
 * is held while the handles are dropped, so that the last of its holds,
 * not its first release, frees it. */
static void ac__gather_release(ac__gather *g) {
  ac_task **tasks = ac__gather_tasks(g);
  size_t i;

  for (i = 0; i < g->n; i++)
    if (tasks[i] != NULL)
      tasks[i]->fut.held++;
  for (i = 0; i < g->n; i++)
    if (tasks[i] != NULL)
      ac_task_release(tasks[i]);
  for (i = 0; i < g->n; i++)
    if (tasks[i] != NULL)
      ac__future_unhold(&tasks[i]->fut);
}

/* The end of the await: no node left on a child, outcomes handed over
 * (RETURN_ERRORS, or a cancelled gather, retrieves every child's, as
 * asyncio does), handles released if asked. */
static ac__step ac__gather_finish(ac__gather *g, int err, const char *msg) {
  ac_task **tasks = ac__gather_tasks(g);
  size_t i;

  for (i = 0; i < g->n; i++)
    ac__waiter_unlink(&g->nodes[i].w);
  for (i = 0; i < g->n; i++)
    if (tasks[i] != NULL && tasks[i]->fut.state != AC__FUT_PENDING &&
        ((g->flags & AC_GATHER_RETURN_ERRORS) || g->cancel_err != 0 ||
         tasks[i] == g->failed))
      tasks[i]->fut.flags |= AC__F_RETRIEVED;
  if (g->flags & AC_GATHER_RELEASE)
    ac__gather_release(g);
  g->pub.ac_co.fut.err = err;
  g->pub.ac_co.fut.msg = err != 0 ? msg : NULL;
  return AC__DONE;
}

/* If the awaiting task is being cancelled: take the request (the first
 * one decides the error), and cancel every child still running. */
static void ac__gather_take_cancel(ac__gather *g) {
  ac_task **tasks = ac__gather_tasks(g);
  const char *msg;
  size_t i;
  int err;

  if (!(g->root->fut.flags & AC__F_CANCEL))
    return;
  err = ac__cancel_take(g->root, &msg);
  if (g->cancel_err == 0) {
    g->cancel_err = err;
    g->cancel_msg = msg;
  }
  for (i = 0; i < g->n; i++)
    if (tasks[i] != NULL && tasks[i]->fut.state == AC__FUT_PENDING)
      ac_task_cancel_msg(tasks[i], ac__cancel_pass(msg));
}

/* Finish if the gather can, else park (again). */
static ac__step ac__gather_check(ac__gather *g) {
  if (g->cancel_err == 0 && g->failed != NULL)
    return ac__gather_finish(g, g->failed->fut.err, g->failed->fut.msg);
  if (g->left == 0)
    return ac__gather_finish(g, g->cancel_err, g->cancel_msg);
  g->pub.ac_co.state = 1;
  return AC__SUSPEND;
}

/* State 0: count the children already done (the first failure among
 * them, in argument order, fails the gather at once), put a node on each
 * of the others. */
static ac__step ac__gather_start(ac__gather *g) {
  ac_task **tasks = ac__gather_tasks(g);
  size_t i;

  g->root = ac__current_task;
  if (g->err == 0 && g->root == NULL)
    g->err = AC_ENOLOOP;
  for (i = 0; g->err == 0 && i < g->n; i++)
    if (tasks[i] == g->root)
      g->err = AC_EINVAL; /* would wait for itself */
  if (g->err != 0)
    return ac__gather_finish(g, g->err, NULL);
  g->left = g->n;
  for (i = 0; i < g->n; i++) {
    ac_task *t = tasks[i];
    if (t->fut.state != AC__FUT_PENDING) {
      g->left--;
      if (t->fut.err != 0 && g->failed == NULL &&
          !(g->flags & AC_GATHER_RETURN_ERRORS))
        g->failed = t;
      continue;
    }
    g->nodes[i].g = g;
    g->nodes[i].w.run = ac__gather_node_run;
    g->nodes[i].w.loop = g->root->wake.loop;
    ac__link_insert_tail(&t->fut.waiters, &g->nodes[i].w.link);
  }
  ac__gather_take_cancel(g);
  return ac__gather_check(g);
}

/* The resume function. */
static ac__step ac__gather_resume(ac_task *self) {
  ac__gather *g = (ac__gather *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__gather_start(g);
  case 1:
    ac__gather_take_cancel(g);
    return ac__gather_check(g);
  default:
    return ac__bad_state(self);
  }
}

/* ac_gather(tasks, n, flags): the frame, or NULL (no memory).  The list
 * is taken (coroutines spawned) whatever happens. */
ac_gather_task *ac_gather_at(ac_task *const *tasks, size_t n, int flags,
                             const char *file, int line) {
  size_t each = sizeof(ac__gather_node) + sizeof(ac_task *);
  ac__gather *g = NULL;
  int err = 0;

  if (n > 0 && tasks == NULL) {
    n = 0;
    err = AC_EINVAL;
  }
  if (n <= (UINT_MAX - sizeof *g) / each)
    g = ac__frame_new(sizeof *g + n * each, ac__gather_resume, 0,
                      "ac_gather");
  if (g == NULL) {
    ac__tasks_take(tasks, n, NULL, AC_ENOMEM, file, line);
    return NULL;
  }
  if (flags & ~(AC_GATHER_RETURN_ERRORS | AC_GATHER_RELEASE))
    err = AC_EINVAL;
  g->n = n;
  g->flags = flags;
  g->err = ac__tasks_take(tasks, n, ac__gather_tasks(g), err, file, line);
  return &g->pub;
}

/* A gather frame freed unfinished (a loop close freeing a task that did
 * not unwind): its nodes must not stay on the children's lists. */
void ac__gather_abandon(ac_task *co) {
  ac__gather *g;
  size_t i;

  if (co->resume != ac__gather_resume)
    return;
  g = (ac__gather *)(void *)co;
  for (i = 0; i < g->n; i++)
    ac__waiter_unlink(&g->nodes[i].w);
}
