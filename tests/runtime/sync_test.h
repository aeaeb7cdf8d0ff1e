/*
 * sync_test.h - shared by the tests of the synchronisation primitives
 * (test_lock.c, test_event.c, test_condition.c, test_semaphore.c,
 * test_barrier.c): a "script" task, written by hand in the shape acc
 * generates (rt_test.h), that runs a list of steps, awaiting those that
 * are awaitable, and logs what happened to a string the tests compare:
 *
 *     "A:lock A:sleep B:lock!ECANCELED A:~lock"
 *
 * is task A's acquire completing, then its sleep, then task B's acquire
 * failing with AC_ECANCELED, then A's deferred release running.  A step
 * without a tag logs nothing.  A failed await unwinds the script (its
 * defers run, newest first, as `defer` does) unless the step catches it.
 */
#ifndef SYNC_TEST_H
#define SYNC_TEST_H

#include "rt_test.h"

#include <stdio.h>

/* What a step does. */
enum {
  S_END,          /* the script returns */
  S_LOG,          /* log the tag */
  S_TIME,         /* log the tag and the loop time: "A:tag@1.5" */
  S_SLEEP,        /* await ac_sleep(d) */
  S_FUT,          /* await the plain future obj */
  S_CANCEL,       /* ac_task_cancel(*(ac_task **)obj), logs its result */
  S_RAISE,        /* await ac_raise(n, "raised") */
  S_LOCK,         /* await ac_lock_acquire(obj) */
  S_UNLOCK,       /* ac_lock_release(obj), logs its result */
  S_LOCKED,       /* logs ac_lock_locked(obj) as the value */
  S_DEFER_UNLOCK, /* defer ac_lock_release(obj) */
  S_EWAIT,        /* await ac_event_wait(obj) */
  S_ESET,         /* ac_event_set(obj) */
  S_ECLEAR,       /* ac_event_clear(obj) */
  S_CACQ,         /* await ac_condition_acquire(obj) */
  S_CREL,         /* ac_condition_release(obj), logs its result */
  S_CLOCKED,      /* logs ac_condition_locked(obj) as the value */
  S_DEFER_CREL,   /* defer ac_condition_release(obj) */
  S_CWAIT,        /* await ac_condition_wait(obj) */
  S_CWAITFOR,     /* value = await ac_condition_wait_for(obj, pred, arg) */
  S_CNOTIFY,      /* ac_condition_notify(obj, n), logs its result */
  S_CNOTIFY_ALL,  /* ac_condition_notify_all(obj), logs its result */
  S_SACQ,         /* await ac_semaphore_acquire(obj) */
  S_SREL,         /* ac_semaphore_release(obj), logs its result */
  S_DEFER_SREL,   /* defer ac_semaphore_release(obj) */
  S_SVALUE,       /* logs ac_semaphore_value(obj) as the value */
  S_SLOCKED,      /* logs ac_semaphore_locked(obj) as the value */
  S_BWAIT,        /* value = await ac_barrier_wait(obj) */
  S_BRESET,       /* ac_barrier_reset(obj) */
  S_BABORT,       /* ac_barrier_abort(obj) */
  S_ADD           /* *(int *)obj += n */
};

/* One step of a script. */
typedef struct sstep {
  int op;                 /* S_* */
  void *obj;              /* what it works on */
  const char *tag;        /* what to log (NULL: nothing) */
  double d;               /* S_SLEEP: seconds */
  int n;                  /* S_CNOTIFY: n; S_RAISE: the error */
  int catch_;             /* 1: a failed await is logged, then go on */
  int (*pred)(void *arg); /* S_CWAITFOR */
  void *arg;              /* S_CWAITFOR */
} sstep;

#define END {.op = S_END}

/* ------------------------------------------------------------------------ */
/* The log                                                                  */
/* ------------------------------------------------------------------------ */

static char g_log[4096]; /* "A:tag B:tag!ECANCELED ..." */

static inline void log_reset(void) { g_log[0] = '\0'; }

/* Append one entry: name:tag, then "=value", "!ERR" or "@time". */
static inline void log_add(char name, const char *tag, const char *fmt,
                           ...) {
  size_t len = strlen(g_log);
  va_list ap;

  snprintf(g_log + len, sizeof g_log - len, "%s%c:%s", len ? " " : "", name,
           tag);
  len = strlen(g_log);
  va_start(ap, fmt);
  vsnprintf(g_log + len, sizeof g_log - len, fmt, ap);
  va_end(ap);
}

/* Log a step's outcome: an error, a value, or nothing more. */
static inline void log_step(char name, const sstep *s, int err, int value,
                            int has_value) {
  if (s->tag == NULL)
    return;
  if (err != 0)
    log_add(name, s->tag, "!%s", ac_err_name(err));
  else if (has_value)
    log_add(name, s->tag, "=%d", value);
  else
    log_add(name, s->tag, "%s", "");
}

/* ------------------------------------------------------------------------ */
/* The script frame                                                         */
/* ------------------------------------------------------------------------ */

/* async void script(char name, const sstep *steps) */
struct script_frame {
  ac_task ac_co;
  char name;           /* the task's letter in the log */
  const sstep *steps;  /* its steps, up to S_END */
  int pc;              /* the step running */
  int ndefer;          /* defers reached */
  const sstep *defer[8]; /* their steps, oldest first */
  int err;             /* a failed await's error */
  const char *msg;     /* and its message */
  void *ac_aw[1];
};

/* 1 if the step is awaited. */
static inline int script_awaits(int op) {
  switch (op) {
  case S_SLEEP: case S_FUT: case S_RAISE: case S_LOCK: case S_EWAIT:
  case S_CACQ: case S_CWAIT: case S_CWAITFOR: case S_SACQ: case S_BWAIT:
    return 1;
  default:
    return 0;
  }
}

/* The awaitable of an awaited step. */
static inline void *script_make(const sstep *s) {
  switch (s->op) {
  case S_SLEEP: return ac_sleep(s->d);
  case S_FUT: return s->obj;
  case S_RAISE: return ac_raise(s->n, "raised");
  case S_LOCK: return ac_lock_acquire(s->obj);
  case S_EWAIT: return ac_event_wait(s->obj);
  case S_CACQ: return ac_condition_acquire(s->obj);
  case S_CWAIT: return ac_condition_wait(s->obj);
  case S_CWAITFOR: return ac_condition_wait_for(s->obj, s->pred, s->arg);
  case S_SACQ: return ac_semaphore_acquire(s->obj);
  default: return ac_barrier_wait(s->obj);
  }
}

/* Run a step on a semaphore or a barrier that does not await; 0 if the
 * step is something else. */
static inline int script_sync_more(struct script_frame *f, const sstep *s) {
  switch (s->op) {
  case S_SREL:
    log_step(f->name, s, ac_semaphore_release(s->obj), 0, 0);
    return 1;
  case S_SVALUE:
    log_step(f->name, s, 0, ac_semaphore_value(s->obj), 1);
    return 1;
  case S_SLOCKED:
    log_step(f->name, s, 0, ac_semaphore_locked(s->obj), 1);
    return 1;
  case S_BRESET: log_step(f->name, s, ac_barrier_reset(s->obj), 0, 0); return 1;
  case S_BABORT: log_step(f->name, s, ac_barrier_abort(s->obj), 0, 0); return 1;
  case S_ADD: *(int *)s->obj += s->n; return 1;
  default: return 0;
  }
}

/* Run a step that does not await. */
static inline void script_sync(struct script_frame *f, const sstep *s) {
  switch (s->op) {
  case S_LOG: log_step(f->name, s, 0, 0, 0); break;
  case S_TIME:
    log_add(f->name, s->tag, "@%g", ac_loop_time(ac_loop_current()));
    break;
  case S_CANCEL:
    log_step(f->name, s, ac_task_cancel(*(ac_task **)s->obj), 0, 0);
    break;
  case S_UNLOCK: log_step(f->name, s, ac_lock_release(s->obj), 0, 0); break;
  case S_LOCKED: log_step(f->name, s, 0, ac_lock_locked(s->obj), 1); break;
  case S_ESET: log_step(f->name, s, ac_event_set(s->obj), 0, 0); break;
  case S_ECLEAR: log_step(f->name, s, ac_event_clear(s->obj), 0, 0); break;
  case S_CREL:
    log_step(f->name, s, ac_condition_release(s->obj), 0, 0);
    break;
  case S_CLOCKED:
    log_step(f->name, s, 0, ac_condition_locked(s->obj), 1);
    break;
  case S_CNOTIFY:
    log_step(f->name, s, ac_condition_notify(s->obj, s->n), 0, 0);
    break;
  case S_CNOTIFY_ALL:
    log_step(f->name, s, ac_condition_notify_all(s->obj), 0, 0);
    break;
  default:
    if (script_sync_more(f, s))
      break;
    assert_true(f->ndefer < 8); /* S_DEFER_*: reached */
    f->defer[f->ndefer++] = s;
    break;
  }
}

/* Run the defers reached, newest first; each logs "~tag". */
static inline void script_defers(struct script_frame *f) {
  while (f->ndefer > 0) {
    const sstep *s = f->defer[--f->ndefer];
    int r;
    if (s->op == S_DEFER_UNLOCK)
      r = ac_lock_release(s->obj);
    else if (s->op == S_DEFER_CREL)
      r = ac_condition_release(s->obj);
    else
      r = ac_semaphore_release(s->obj);
    if (s->tag != NULL)
      log_add(f->name, "~", "%s%s%s", s->tag, r ? "!" : "",
              r ? ac_err_name(r) : "");
  }
}

/* The value of an awaited step that has one. */
static inline int script_value(const sstep *s, void *aw, int *has) {
  *has = 1;
  if (s->op == S_BWAIT)
    return ((ac_barrier_wait_task *)aw)->ac_ret;
  if (s->op == S_CWAITFOR)
    return ((ac_condition_wait_for_task *)aw)->ac_ret;
  *has = 0;
  return 0;
}

static inline ac__step script_resume(ac_task *ac_self) {
  struct script_frame *ac_f = (struct script_frame *)ac_self;
  const sstep *s;
  int has, v;

  RT_DISPATCH(RT_RESUME(1));
  for (;; ac_f->pc++) {
    s = &ac_f->steps[ac_f->pc];
    if (s->op == S_END)
      break;
    if (!script_awaits(s->op)) {
      script_sync(ac_f, s);
      continue;
    }
    ac_f->ac_aw[0] = script_make(s);
    if (!ac__await(ac_self, ac_f->ac_aw[0])) {
      ac_self->state = 1;
      return AC__SUSPEND;
    }
  ac_L1:
    s = &ac_f->steps[ac_f->pc];
    if (ac__check(ac_self, ac_f->ac_aw[0])) {
      ac_f->err = ac__catch(ac_self, &ac_f->msg);
      ac__release(&ac_f->ac_aw[0]);
      log_step(ac_f->name, s, ac_f->err, 0, 0);
      if (s->catch_)
        continue;
      ac_self->fut.err = ac_f->err; /* propagate: unwind */
      ac_self->fut.msg = ac_f->msg;
      goto ac_fail;
    }
    v = script_value(s, ac_f->ac_aw[0], &has);
    ac__release(&ac_f->ac_aw[0]);
    log_step(ac_f->name, s, 0, v, has);
  }
  script_defers(ac_f);
  return AC__DONE;
ac_fail:
  script_defers(ac_f);
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}

/* The constructor. */
static inline ac_task *script(char name, const sstep *steps) {
  struct script_frame *ac_f =
      ac__frame_new(sizeof *ac_f, script_resume, 0, "script");
  if (ac_f) {
    ac_f->name = name;
    ac_f->steps = steps;
  }
  return &ac_f->ac_co;
}

/* ------------------------------------------------------------------------ */
/* Running                                                                  */
/* ------------------------------------------------------------------------ */

/* Spawn every task of a NULL-terminated array from a loop callback. */
static inline void spawn_list_cb(void *arg) {
  ac_task **t = arg;
  for (; *t != NULL; t++)
    assert_non_null(ac_task_spawn(*t));
}

/* Spawn the tasks (NULL-terminated) on loop, in order; they start on the
 * loop's next iteration, in that order. */
static inline void spawn_list(ac_loop *loop, ac_task **tasks) {
  ac_handle h = {0};
  assert_int_equal(ac_call_soon(loop, &h, spawn_list_cb, tasks), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Run loop until nothing is left that could ever run (every task done or
 * blocked for good): run_until_complete of a future nobody completes
 * stops with AC_ESTALLED exactly then. */
static inline void run_idle(ac_loop *loop) {
  ac_future never;
  ac_future_init(&never);
  assert_int_equal(ac_loop_run_until_complete(loop, &never), AC_ESTALLED);
}

/* 1 if the waiter list headed by h is empty (no task left in line). */
static inline int list_empty(const ac__link *h) { return h->next == h; }

/* Run one loop iteration. */
static inline void run_once(ac_loop *loop) {
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Spawn the tasks on a new virtual-clock loop and run it until idle. */
static inline ac_loop *run_scripts(ac_task **tasks) {
  ac_loop *loop = new_loop(1);
  log_reset();
  spawn_list(loop, tasks);
  run_idle(loop);
  return loop;
}

#endif /* SYNC_TEST_H */
