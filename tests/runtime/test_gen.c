/* test_gen.c - generators: next/send/throw/close/free, yield from chains,
 * async generators driven by `await ac_anext`.  The frames are written by
 * hand in the shape acc generates (see rt_test.h: RT_YIELD,
 * RT_YIELD_FROM). */
#include "rt_test.h"

#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Bookkeeping                                                              */
/* ------------------------------------------------------------------------ */

static char g_log[512]; /* cleanups that ran, in order: "leaf mid top " */

static void log_cleanup(const char *name) {
  size_t n = strlen(g_log);
  snprintf(g_log + n, sizeof g_log - n, "%s ", name);
}

static void log_reset(void) { g_log[0] = '\0'; }

/* ------------------------------------------------------------------------ */
/* generator(int) int count(int n) {                                        */
/*   for (int i = 0; i < n; i++) yield i; return n;                         */
/* }                                          (cleanup: log "count")        */
/* ------------------------------------------------------------------------ */

static long g_count_resumes; /* count_resume calls */

typedef struct count_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
} count_gen;
struct count_frame {
  count_gen ac_pub;
  int n;
  int i;
};
static ac__step count_resume(ac_task *ac_self) {
  struct count_frame *ac_f = (struct count_frame *)(void *)ac_self;
  g_count_resumes++;
  RT_DISPATCH(RT_RESUME(1));
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_YIELD(1, ac_f->i);
  }
  ac_f->ac_pub.ac_ret = ac_f->n;
  return AC__DONE;
ac_fail:
  log_cleanup("count");
  return ac__fail(ac_self, NULL, 0);
}
static count_gen *count(int n) {
  struct count_frame *ac_f =
      ac__gen_new(sizeof *ac_f, count_resume, 0, "count",
                  offsetof(count_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f)
    ac_f->n = n;
  return (count_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* Python's example:                                                        */
/* generator(int, int) void double_inputs(void) {                           */
/*   for (;;) { int x = yield 0; yield x * 2; }                             */
/* }                                                                        */
/* ------------------------------------------------------------------------ */

typedef struct double_inputs_gen {
  ac_gen ac_co;
  int ac_yield;
  int ac_send;
} double_inputs_gen;
struct double_inputs_frame {
  double_inputs_gen ac_pub;
  int x;
};
static ac__step double_inputs_resume(ac_task *ac_self) {
  struct double_inputs_frame *ac_f =
      (struct double_inputs_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  for (;;) {
    RT_YIELD(1, 0);
    ac_f->x = ac_f->ac_pub.ac_send;
    RT_YIELD(2, ac_f->x * 2);
  }
ac_fail:
  return ac__fail(ac_self, NULL, 0);
}
static double_inputs_gen *double_inputs(void) {
  struct double_inputs_frame *ac_f = ac__gen_new(
      sizeof *ac_f, double_inputs_resume, 0, "double_inputs",
      offsetof(double_inputs_gen, ac_yield), sizeof(int),
      offsetof(double_inputs_gen, ac_send), sizeof(int));
  return (double_inputs_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* A three-level chain with sends:                                          */
/* generator(int, int) int leaf(int base) {                                 */
/*   int a = yield base; int b = yield base + a; return a + b;              */
/* }                                                                        */
/* generator(int, int) int mid(int base) {                                  */
/*   int r = yield from leaf(base); int s = yield r * 100; return r + s;    */
/* }                                                                        */
/* generator(int, int) int top(void) { return 2 * yield from mid(1); }      */
/* (each logs its name when it unwinds)                                     */
/* ------------------------------------------------------------------------ */

typedef struct ii_gen { /* the handle of leaf, mid, top */
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
  int ac_send;
} ii_gen;

static ii_gen *g_last_leaf; /* the leaf made last */

struct leaf_frame {
  ii_gen ac_pub;
  int base;
  int a;
  int b;
};
static ac__step leaf_resume(ac_task *ac_self) {
  struct leaf_frame *ac_f = (struct leaf_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_YIELD(1, ac_f->base);
  ac_f->a = ac_f->ac_pub.ac_send;
  RT_YIELD(2, ac_f->base + ac_f->a);
  ac_f->b = ac_f->ac_pub.ac_send;
  ac_f->ac_pub.ac_ret = ac_f->a + ac_f->b;
  return AC__DONE;
ac_fail:
  log_cleanup("leaf");
  return ac__fail(ac_self, NULL, 0);
}

/* The constructor of a generator(int, int) int with one int parameter. */
static ii_gen *ii_new(size_t size, ac__step (*resume)(ac_task *),
                      const char *name, int base) {
  ii_gen *g = ac__gen_new(size, resume, 0, name, offsetof(ii_gen, ac_yield),
                          sizeof(int), offsetof(ii_gen, ac_send), sizeof(int));
  if (g)
    ((struct leaf_frame *)(void *)g)->base = base; /* first parameter */
  return g;
}

static ii_gen *leaf(int base) {
  g_last_leaf = ii_new(sizeof(struct leaf_frame), leaf_resume, "leaf", base);
  return g_last_leaf;
}

struct mid_frame {
  ii_gen ac_pub;
  int base;
  int r;
  int s;
  void *ac_aw[1];
};
static ac__step mid_resume(ac_task *ac_self) {
  struct mid_frame *ac_f = (struct mid_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_YIELD_FROM(1, 0, leaf(ac_f->base));
  ac_f->r = ((ii_gen *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  RT_YIELD(2, ac_f->r * 100);
  ac_f->s = ac_f->ac_pub.ac_send;
  ac_f->ac_pub.ac_ret = ac_f->r + ac_f->s;
  return AC__DONE;
ac_fail:
  log_cleanup("mid");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ii_gen *mid(int base) {
  return ii_new(sizeof(struct mid_frame), mid_resume, "mid", base);
}

struct top_frame {
  ii_gen ac_pub;
  int base;
  void *ac_aw[1];
};
static ac__step top_resume(ac_task *ac_self) {
  struct top_frame *ac_f = (struct top_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_YIELD_FROM(1, 0, mid(1));
  ac_f->ac_pub.ac_ret = 2 * ((ii_gen *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  log_cleanup("top");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ii_gen *top(void) {
  return ii_new(sizeof(struct top_frame), top_resume, "top", 0);
}

/* ------------------------------------------------------------------------ */
/* generator(int) int deep(int n, int k) {                                  */
/*   if (n == 0) { for (int i = 0; i < k; i++) yield i; return 0; }        */
/*   return (yield from deep(n - 1, k)) + 1;                                */
/* }                              (counts its resumes and its cleanups)     */
/* ------------------------------------------------------------------------ */

static long g_deep_resumes;
static long g_deep_cleanups;

typedef struct deep_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
} deep_gen;
struct deep_frame {
  deep_gen ac_pub;
  int n;
  int k;
  int i;
  void *ac_aw[1];
};
static deep_gen *deep(int n, int k);
static ac__step deep_resume(ac_task *ac_self) {
  struct deep_frame *ac_f = (struct deep_frame *)(void *)ac_self;
  g_deep_resumes++;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  if (ac_f->n == 0) {
    for (ac_f->i = 0; ac_f->i < ac_f->k; ac_f->i++) {
      RT_YIELD(1, ac_f->i);
    }
    ac_f->ac_pub.ac_ret = 0;
    return AC__DONE;
  }
  RT_YIELD_FROM(2, 0, deep(ac_f->n - 1, ac_f->k));
  ac_f->ac_pub.ac_ret = ((deep_gen *)ac_f->ac_aw[0])->ac_ret + 1;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  g_deep_cleanups++;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static deep_gen *deep(int n, int k) {
  struct deep_frame *ac_f =
      ac__gen_new(sizeof *ac_f, deep_resume, 0, "deep",
                  offsetof(deep_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f) {
    ac_f->n = n;
    ac_f->k = k;
  }
  return (deep_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* generator(int) int catcher(int mode) {                                   */
/*   yield 1 catch (err, msg) {       // records err and msg                */
/*     if (mode == 0) yield 99; else return 5;                              */
/*   }                                                                      */
/*   return 7;                                                              */
/* }                                          (cleanup: log "catcher")      */
/* ------------------------------------------------------------------------ */

static int g_caught;            /* the error catcher caught */
static const char *g_caught_msg; /* and its message */

typedef struct catcher_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
} catcher_gen;
struct catcher_frame {
  catcher_gen ac_pub;
  int mode;
};
static ac__step catcher_resume(ac_task *ac_self) {
  struct catcher_frame *ac_f = (struct catcher_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_f->ac_pub.ac_yield = 1;
  ac_self->state = 1;
  return AC__YIELD;
ac_L1:
  if (ac__yield_check(ac_self)) {
    g_caught = ac__catch(ac_self, &g_caught_msg);
    if (ac_f->mode == 0) {
      RT_YIELD(2, 99);
    } else {
      ac_f->ac_pub.ac_ret = 5;
      return AC__DONE;
    }
  }
  ac_f->ac_pub.ac_ret = 7;
  return AC__DONE;
ac_fail:
  log_cleanup("catcher");
  return ac__fail(ac_self, NULL, 0);
}
static catcher_gen *catcher(int mode) {
  struct catcher_frame *ac_f =
      ac__gen_new(sizeof *ac_f, catcher_resume, 0, "catcher",
                  offsetof(catcher_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f)
    ac_f->mode = mode;
  return (catcher_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* generator(int) int wrap(void *sub) { return yield from sub; }            */
/* (sub: anything; a generator(int) int for success)                        */
/* ------------------------------------------------------------------------ */

typedef struct wrap_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
} wrap_gen;
struct wrap_frame {
  wrap_gen ac_pub;
  void *sub;
  void *ac_aw[1];
};
static ac__step wrap_resume(ac_task *ac_self) {
  struct wrap_frame *ac_f = (struct wrap_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_YIELD_FROM(1, 0, ac_f->sub);
  ac_f->ac_pub.ac_ret = ((catcher_gen *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  log_cleanup("wrap");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static wrap_gen *wrap(void *sub) {
  struct wrap_frame *ac_f =
      ac__gen_new(sizeof *ac_f, wrap_resume, 0, "wrap",
                  offsetof(wrap_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f)
    ac_f->sub = sub;
  return (wrap_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* generator(int) void reenter(void): calls the API on itself from its      */
/* body, then yields 1.                                                     */
/* ------------------------------------------------------------------------ */

static int g_reent[4]; /* next, close, free, throw on itself */

typedef struct reenter_gen {
  ac_gen ac_co;
  int ac_yield;
} reenter_gen;
struct reenter_frame {
  reenter_gen ac_pub;
};
static ac__step reenter_resume(ac_task *ac_self) {
  struct reenter_frame *ac_f = (struct reenter_frame *)(void *)ac_self;
  ac_gen *me = (ac_gen *)(void *)ac_self;
  int v;
  RT_DISPATCH(RT_RESUME(1));
  g_reent[0] = ac_gen_next(me, &v, sizeof v);
  g_reent[1] = ac_gen_close(me);
  g_reent[2] = ac_gen_free(me);
  g_reent[3] = ac_gen_throw(me, AC_ETIMEDOUT, NULL, NULL, 0);
  RT_YIELD(1, 1);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, NULL, 0);
}
static reenter_gen *reenter(void) {
  return ac__gen_new(sizeof(struct reenter_frame), reenter_resume, 0,
                     "reenter", offsetof(reenter_gen, ac_yield), sizeof(int),
                     0, 0);
}

/* ------------------------------------------------------------------------ */
/* generator(int) void sawait(void *aw) { await aw; yield 5; }              */
/* ------------------------------------------------------------------------ */

typedef struct sawait_gen {
  ac_gen ac_co;
  int ac_yield;
} sawait_gen;
struct sawait_frame {
  sawait_gen ac_pub;
  void *aw;
  void *ac_aw[1];
};
static ac__step sawait_resume(ac_task *ac_self) {
  struct sawait_frame *ac_f = (struct sawait_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  RT_AWAIT(1, ac_f->aw);
  ac__release(&ac_f->ac_aw[0]);
  RT_YIELD(2, 5);
  return AC__DONE;
ac_fail:
  log_cleanup("sawait");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static sawait_gen *sawait(void *aw) {
  struct sawait_frame *ac_f =
      ac__gen_new(sizeof *ac_f, sawait_resume, 0, "sawait",
                  offsetof(sawait_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f)
    ac_f->aw = aw;
  return (sawait_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async int driver(sawait_gen *g): cancels its own task, steps g from its  */
/* body, then awaits ac_sleep(100), which must fail with AC_ECANCELED.      */
/* ------------------------------------------------------------------------ */

static int g_drive_next; /* what ac_gen_next returned inside the task */
static int g_drive_value;
static int g_drive_slept; /* driver went past its sleep */

typedef struct driver_task {
  ac_task ac_co;
} driver_task;
struct driver_frame {
  ac_task ac_co;
  sawait_gen *g;
  void *ac_aw[1];
};
static ac__step driver_resume(ac_task *ac_self) {
  struct driver_frame *ac_f = (struct driver_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  assert_int_equal(ac_future_cancel(&ac_self->fut), 0);
  g_drive_next = ac_next(ac_f->g, &g_drive_value);
  RT_AWAIT(1, ac_sleep(100));
  ac__release(&ac_f->ac_aw[0]);
  g_drive_slept = 1;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static driver_task *driver(sawait_gen *g) {
  struct driver_frame *ac_f =
      ac__frame_new(sizeof *ac_f, driver_resume, 0, "driver");
  if (ac_f)
    ac_f->g = g;
  return (driver_task *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async generator(int) int ticks(int n, double d) {                        */
/*   for (int i = 0; i < n; i++) { await ac_sleep(d); yield i * 10; }       */
/*   return n;                                                              */
/* }                          (cleanup: log "ticks", record its error)      */
/* ------------------------------------------------------------------------ */

static int g_ticks_err; /* the error ticks unwound with */
static long g_ticks_resumes;

typedef struct ticks_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
} ticks_gen;
struct ticks_frame {
  ticks_gen ac_pub;
  int n;
  double d;
  int i;
  void *ac_aw[1];
};
static ac__step ticks_resume(ac_task *ac_self) {
  struct ticks_frame *ac_f = (struct ticks_frame *)(void *)ac_self;
  g_ticks_resumes++;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_AWAIT(1, ac_sleep(ac_f->d));
    ac__release(&ac_f->ac_aw[0]);
    RT_YIELD(2, ac_f->i * 10);
  }
  ac_f->ac_pub.ac_ret = ac_f->n;
  return AC__DONE;
ac_fail:
  log_cleanup("ticks");
  g_ticks_err = ac_self->fut.err;
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ticks_gen *ticks(int n, double d) {
  struct ticks_frame *ac_f =
      ac__gen_new(sizeof *ac_f, ticks_resume, AC__GEN_ASYNC, "ticks",
                  offsetof(ticks_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f) {
    ac_f->n = n;
    ac_f->d = d;
  }
  return (ticks_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async int consume(ticks_gen *g) {                                        */
/*   int sum = 0, v; while (await ac_anext(g, &v)) sum += v; return sum;    */
/* }                                                                        */
/* ------------------------------------------------------------------------ */

static double g_item_time[8]; /* loop time of each item consume got */
static int g_items;

typedef struct consume_task {
  ac_task ac_co;
  int ac_ret;
} consume_task;
struct consume_frame {
  ac_task ac_co;
  int ac_ret;
  ticks_gen *g;
  int v;
  int r;
  void *ac_aw[1];
};
static ac__step consume_resume(ac_task *ac_self) {
  struct consume_frame *ac_f = (struct consume_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->ac_ret = 0;
  for (;;) {
    RT_AWAIT(1, ac_anext(ac_f->g, &ac_f->v));
    ac_f->r = ((ac_anext_task *)ac_f->ac_aw[0])->ac_ret;
    ac__release(&ac_f->ac_aw[0]);
    if (!ac_f->r)
      break;
    ac_f->ac_ret += ac_f->v;
    if (g_items < 8)
      g_item_time[g_items++] = ac_loop_time(ac_loop_current());
  }
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static consume_task *consume(ticks_gen *g) {
  struct consume_frame *ac_f =
      ac__frame_new(sizeof *ac_f, consume_resume, AC__CO_INT_RESULT, "consume");
  if (ac_f)
    ac_f->g = g;
  return (consume_task *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async int astep(void *s) { return await s; }  (s: a step, usually)       */
/* ------------------------------------------------------------------------ */

typedef struct astep_task {
  ac_task ac_co;
  int ac_ret;
} astep_task;
struct astep_frame {
  ac_task ac_co;
  int ac_ret;
  void *s;
  void *ac_aw[1];
};
static ac__step astep_resume(ac_task *ac_self) {
  struct astep_frame *ac_f = (struct astep_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  RT_AWAIT(1, ac_f->s);
  ac_f->ac_ret = ((ac_anext_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static astep_task *astep(void *s) {
  struct astep_frame *ac_f =
      ac__frame_new(sizeof *ac_f, astep_resume, AC__CO_INT_RESULT, "astep");
  if (ac_f)
    ac_f->s = s;
  return (astep_task *)(void *)ac_f;
}

/* Await the step s in a task of loop; returns the task's error (0 on
 * success) and its value in *ret. */
static int run_step(ac_loop *loop, void *s, int *ret) {
  astep_task *t = astep(s);
  int err;
  assert_non_null(t);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  err = ac_task_error(AC_TASK(t));
  *ret = t->ac_ret;
  assert_int_equal(ac_task_release(AC_TASK(t)), 0);
  return err;
}

/* ------------------------------------------------------------------------ */
/* async generator(int, int) int aecho(void) {                              */
/*   int total = 0;                                                         */
/*   for (;;) { await ac_sleep(0); total += yield total; }                  */
/* }                                          (cleanup: log "aecho")        */
/* ------------------------------------------------------------------------ */

typedef struct aecho_gen {
  ac_gen ac_co;
  int ac_ret;
  int ac_yield;
  int ac_send;
} aecho_gen;
struct aecho_frame {
  aecho_gen ac_pub;
  int total;
  void *ac_aw[1];
};
static ac__step aecho_resume(ac_task *ac_self) {
  struct aecho_frame *ac_f = (struct aecho_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_f->total = 0;
  for (;;) {
    RT_AWAIT(1, ac_sleep(0));
    ac__release(&ac_f->ac_aw[0]);
    RT_YIELD(2, ac_f->total);
    ac_f->total += ac_f->ac_pub.ac_send;
  }
ac_fail:
  log_cleanup("aecho");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static aecho_gen *aecho(void) {
  struct aecho_frame *ac_f = ac__gen_new(
      sizeof *ac_f, aecho_resume, AC__GEN_ASYNC, "aecho",
      offsetof(aecho_gen, ac_yield), sizeof(int), offsetof(aecho_gen, ac_send),
      sizeof(int));
  return (aecho_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* async generator(int) void aclean(int mode) {                             */
/*   yield 1 catch (err) {            // g_caught = err                     */
/*     await (mode ? &never : ac_sleep(1));  // during close: AC_ECLOSED    */
/*   }                                                                      */
/* }                   (cleanup: log "aclean", g_seen = the error)          */
/* ------------------------------------------------------------------------ */

static int g_seen; /* the error aclean unwound with */

typedef struct aclean_gen {
  ac_gen ac_co;
  int ac_yield;
} aclean_gen;
struct aclean_frame {
  aclean_gen ac_pub;
  int mode;
  ac_future never;
  void *ac_aw[1];
};
static ac__step aclean_resume(ac_task *ac_self) {
  struct aclean_frame *ac_f = (struct aclean_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_future_init(&ac_f->never);
  ac_f->ac_pub.ac_yield = 1;
  ac_self->state = 1;
  return AC__YIELD;
ac_L1:
  if (!ac__yield_check(ac_self))
    return AC__DONE;
  g_caught = ac__catch(ac_self, NULL);
  RT_AWAIT(2, ac_f->mode ? (void *)&ac_f->never : (void *)ac_sleep(1.0));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  g_seen = ac_self->fut.err;
  log_cleanup("aclean");
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static aclean_gen *aclean(int mode) {
  struct aclean_frame *ac_f =
      ac__gen_new(sizeof *ac_f, aclean_resume, AC__GEN_ASYNC, "aclean",
                  offsetof(aclean_gen, ac_yield), sizeof(int), 0, 0);
  if (ac_f)
    ac_f->mode = mode;
  return (aclean_gen *)(void *)ac_f;
}

/* ------------------------------------------------------------------------ */
/* A badly written async generator that ignores its cancellation: it        */
/* catches the failed await and parks again on a future nobody completes.   */
/* ------------------------------------------------------------------------ */

typedef struct stubborn_gen {
  ac_gen ac_co;
  int ac_yield;
} stubborn_gen;
struct stubborn_frame {
  stubborn_gen ac_pub;
  ac_future f1;
  ac_future f2;
  void *ac_aw[1];
};
static ac__step stubborn_resume(ac_task *ac_self) {
  struct stubborn_frame *ac_f = (struct stubborn_frame *)(void *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2));
  ac_future_init(&ac_f->f1);
  ac_future_init(&ac_f->f2);
  ac_f->ac_aw[0] = &ac_f->f1;
  if (!ac__await(ac_self, ac_f->ac_aw[0])) {
    ac_self->state = 1;
    return AC__SUSPEND;
  }
ac_L1:
  if (ac__check(ac_self, ac_f->ac_aw[0]))
    (void)ac__catch(ac_self, NULL); /* ignores it */
  ac_f->ac_aw[0] = &ac_f->f2;
  if (!ac__await(ac_self, ac_f->ac_aw[0])) {
    ac_self->state = 2;
    return AC__SUSPEND;
  }
ac_L2:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static stubborn_gen *stubborn(void) {
  return ac__gen_new(sizeof(struct stubborn_frame), stubborn_resume,
                     AC__GEN_ASYNC, "stubborn",
                     offsetof(stubborn_gen, ac_yield), sizeof(int), 0, 0);
}

/* ------------------------------------------------------------------------ */
/* Sync generators                                                          */
/* ------------------------------------------------------------------------ */

/* next yields each value, then returns (the result is readable), and a
 * finished generator keeps answering 0. */
static void test_next(void **state) {
  count_gen *g = count(3);
  int v = -1;
  int i;
  (void)state;
  g_count_resumes = 0;
  assert_non_null(g);
  assert_int_equal(g_count_resumes, 0); /* nothing runs before next */
  assert_false(ac_gen_done(AC_GEN(g)));
  for (i = 0; i < 3; i++) {
    assert_int_equal(ac_next(g, &v), 1);
    assert_int_equal(v, i);
  }
  assert_int_equal(ac_next(g, &v), 0);
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), 0);
  assert_int_equal(AC_GEN_RESULT(g), 3);
  assert_int_equal(ac_next(g, &v), 0); /* again */
  assert_int_equal(ac_gen_next(AC_GEN(g), NULL, 0), 0);
  assert_int_equal(g_count_resumes, 4);
  assert_int_equal(ac_throw(g, AC_ETIMEDOUT, NULL, &v), AC_ESTATE);
  assert_int_equal(ac_gen_close(AC_GEN(g)), 0); /* finished: no-op */
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* Python's double_inputs(): next to the first yield, then send. */
static void test_send_double(void **state) {
  double_inputs_gen *g = double_inputs();
  int v = -1;
  (void)state;
  assert_int_equal(ac_send(g, 10, &v), AC_ESTATE); /* not started */
  assert_false(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_next(g, &v), 1); /* run up to the first yield */
  assert_int_equal(ac_send(g, 10, &v), 1);
  assert_int_equal(v, 20);
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_send(g, 6, &v), 1);
  assert_int_equal(v, 12);
  assert_int_equal(ac_next(g, &v), 1); /* x = yield */
  assert_int_equal(ac_next(g, &v), 1); /* send(None): x is 0 */
  assert_int_equal(v, 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0); /* suspended: closed */
}

/* Every error of next/send/throw/close/free on bad arguments. */
static void test_api_errors(void **state) {
  count_gen *g = count(2);
  double_inputs_gen *d = double_inputs();
  ticks_gen *a = ticks(1, 0);
  int v = 0;
  int x = 1;
  char c = 0;
  (void)state;
  g_count_resumes = 0;
  assert_int_equal(ac_gen_next(NULL, NULL, 0), AC_EINVAL);
  assert_int_equal(ac_gen_send(NULL, NULL, 0, NULL, 0), AC_EINVAL);
  assert_int_equal(ac_gen_throw(NULL, AC_ETIMEDOUT, NULL, NULL, 0), AC_EINVAL);
  assert_int_equal(ac_gen_close(NULL), AC_EINVAL);
  assert_int_equal(ac_gen_free(NULL), 0);
  assert_false(ac_gen_done(NULL));
  assert_int_equal(ac_gen_error(NULL), AC_EINVAL);
  /* sizes: nothing runs */
  assert_int_equal(ac_gen_next(AC_GEN(g), &c, sizeof c), AC_EINVAL);
  assert_int_equal(ac_gen_send(AC_GEN(g), &x, sizeof x, &v, sizeof v),
                   AC_EINVAL); /* count has no send type */
  assert_int_equal(ac_gen_send(AC_GEN(d), &c, sizeof c, &v, sizeof v),
                   AC_EINVAL);
  assert_int_equal(g_count_resumes, 0);
  assert_int_equal(ac_gen_next(AC_GEN(g), NULL, 12345), 1); /* out NULL */
  assert_int_equal(ac_throw(g, 0, NULL, &v), AC_EINVAL);
  assert_int_equal(ac_throw(g, 5, NULL, &v), AC_EINVAL);
  /* an async generator is not stepped synchronously */
  assert_int_equal(ac_next(a, &v), AC_EINVAL);
  assert_int_equal(ac_gen_send(AC_GEN(a), NULL, 0, NULL, 0), AC_EINVAL);
  assert_int_equal(ac_throw(a, AC_ETIMEDOUT, NULL, &v), AC_EINVAL);
  /* nor spawned, run or awaited as a coroutine */
  assert_null(ac_task_spawn((ac_task *)(void *)a));
  assert_int_equal(ac_run_task((ac_task *)(void *)a), AC_EINVAL);
  assert_int_equal(ac_gen_free(AC_GEN(a)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(d)), 0);
}

/* Calling the API on a generator from its own body: AC_EBUSY, and
 * nothing is freed. */
static void test_reentry_busy(void **state) {
  reenter_gen *g = reenter();
  int v = 0;
  (void)state;
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(v, 1);
  assert_int_equal(g_reent[0], AC_EBUSY);
  assert_int_equal(g_reent[1], AC_EBUSY);
  assert_int_equal(g_reent[2], AC_EBUSY);
  assert_int_equal(g_reent[3], AC_EBUSY);
  assert_int_equal(ac_next(g, &v), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* throw: into a suspended generator (it unwinds, the error and message
 * stay); into one that catches it (it yields again); into one that has
 * not started (its body never runs). */
static void test_throw(void **state) {
  count_gen *g = count(5);
  catcher_gen *c = catcher(0);
  int v = 0;
  (void)state;
  log_reset();
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_throw(g, AC_ETIMEDOUT, "boom", &v), AC_ETIMEDOUT);
  assert_string_equal(g_log, "count ");
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ETIMEDOUT);
  assert_string_equal(ac_future_message((ac_future *)(void *)g), "boom");
  assert_int_equal(ac_next(g, &v), AC_ETIMEDOUT); /* again */
  assert_int_equal(ac_throw(g, AC_ETIMEDOUT, NULL, &v), AC_ESTATE);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  assert_int_equal(ac_next(c, &v), 1);
  assert_int_equal(ac_throw(c, AC_EPROTO, "caught", &v), 1);
  assert_int_equal(v, 99);
  assert_int_equal(g_caught, AC_EPROTO);
  assert_string_equal(g_caught_msg, "caught");
  assert_int_equal(ac_next(c, &v), 0);
  assert_int_equal(AC_GEN_RESULT(c), 7);
  assert_int_equal(ac_gen_free(AC_GEN(c)), 0);

  g_count_resumes = 0;
  g = count(5);
  assert_int_equal(ac_throw(g, AC_ETIMEDOUT, "early", &v), AC_ETIMEDOUT);
  assert_int_equal(g_count_resumes, 0);
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ETIMEDOUT);
  assert_int_equal(ac_next(g, &v), AC_ETIMEDOUT);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* close: unstarted (just finished), suspended (cleanup runs), a generator
 * that catches AC_ECLOSED and yields again (the yield fails at once). */
static void test_close(void **state) {
  count_gen *g = count(3);
  catcher_gen *c = catcher(0);
  int v = 0;
  (void)state;
  log_reset();
  g_count_resumes = 0;
  assert_int_equal(ac_gen_close(AC_GEN(g)), 0);
  assert_int_equal(g_count_resumes, 0);
  assert_string_equal(g_log, "");
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ECLOSED);
  assert_int_equal(ac_next(g, &v), 0); /* closed: finished, as in Python */
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  g = count(3);
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_gen_close(AC_GEN(g)), 0);
  assert_string_equal(g_log, "count ");
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ECLOSED);
  assert_int_equal(ac_gen_close(AC_GEN(g)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  log_reset();
  g_caught = 0;
  assert_int_equal(ac_next(c, &v), 1);
  assert_int_equal(ac_gen_close(AC_GEN(c)), 0);
  assert_int_equal(g_caught, AC_ECLOSED);
  assert_string_equal(g_log, "catcher "); /* its yield 99 failed */
  assert_int_equal(ac_gen_error(AC_GEN(c)), AC_ECLOSED);
  assert_int_equal(ac_gen_free(AC_GEN(c)), 0);

  /* freeing a suspended generator closes it; the result is close's */
  log_reset();
  g = count(3);
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
  assert_string_equal(g_log, "count ");
}

/* A generator that fails on its own (await of ac_raise, as `throw` is
 * written in a sync generator), and one that awaits something pending
 * (no task: AC_ENOLOOP). */
static void test_sync_await(void **state) {
  sawait_gen *g = sawait(ac_raise(AC_EPROTO, "bad header"));
  ac_future pending;
  ac_future done;
  int v = 0;
  (void)state;
  log_reset();
  assert_int_equal(ac_next(g, &v), AC_EPROTO);
  assert_string_equal(ac_future_message((ac_future *)(void *)g),
                      "bad header");
  assert_int_equal(ac_next(g, &v), AC_EPROTO);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  ac_future_init(&pending);
  g = sawait(&pending);
  assert_int_equal(ac_next(g, &v), AC_ENOLOOP);
  assert_true(pending.waiters.next == &pending.waiters);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  ac_future_init(&done);
  assert_int_equal(ac_future_set_result(&done, NULL), 0);
  g = sawait(&done);
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(v, 5);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
  assert_string_equal(g_log, "sawait sawait sawait "); /* the last: closed */
}

/* A sync generator stepped from the body of a task that is being
 * cancelled: its ac__check does not consume the task's cancellation, so
 * the task's own next await fails with AC_ECANCELED at once. */
static void test_sync_in_cancelled_task(void **state) {
  ac_loop *loop = new_loop(1);
  ac_future done;
  sawait_gen *g;
  driver_task *t;
  (void)state;
  ac_future_init(&done);
  assert_int_equal(ac_future_set_result(&done, NULL), 0);
  g = sawait(&done);
  t = driver(g);
  g_drive_next = 0;
  g_drive_slept = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(g_drive_next, 1);
  assert_int_equal(g_drive_value, 5);
  assert_int_equal(g_drive_slept, 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_ECANCELED);
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* ------------------------------------------------------------------------ */
/* yield from                                                               */
/* ------------------------------------------------------------------------ */

/* Three levels: values come from the leaf, sends go to it, each return
 * value flows up; a delegated generator belongs to its delegator. */
static void test_chain_send(void **state) {
  ii_gen *t = top();
  int v = 0;
  (void)state;
  log_reset();
  assert_int_equal(ac_next(t, &v), 1);
  assert_int_equal(v, 1);
  assert_int_equal(ac_next(g_last_leaf, &v), AC_EBUSY);
  assert_int_equal(ac_gen_close(AC_GEN(g_last_leaf)), AC_EBUSY);
  assert_int_equal(ac_gen_free(AC_GEN(g_last_leaf)), AC_EBUSY);
  assert_int_equal(ac_send(t, 2, &v), 1);
  assert_int_equal(v, 3);
  assert_int_equal(ac_send(t, 5, &v), 1); /* leaf returns 7; mid yields */
  assert_int_equal(v, 700);
  assert_int_equal(ac_send(t, 9, &v), 0);
  assert_int_equal(AC_GEN_RESULT(t), 32);
  assert_string_equal(g_log, "");
  assert_int_equal(ac_gen_free(AC_GEN(t)), 0);
}

/* Closing a chain runs each level's cleanup, innermost first; throwing
 * into it unwinds every level with the error. */
static void test_chain_close_and_throw(void **state) {
  ii_gen *t = top();
  int v = 0;
  (void)state;
  log_reset();
  assert_int_equal(ac_next(t, &v), 1);
  assert_int_equal(ac_gen_close(AC_GEN(t)), 0);
  assert_string_equal(g_log, "leaf mid top ");
  assert_int_equal(ac_gen_error(AC_GEN(t)), AC_ECLOSED);
  assert_int_equal(ac_gen_free(AC_GEN(t)), 0);

  log_reset();
  t = top();
  assert_int_equal(ac_next(t, &v), 1);
  assert_int_equal(ac_send(t, 1, &v), 1);
  assert_int_equal(ac_throw(t, AC_ETIMEDOUT, "deep", &v), AC_ETIMEDOUT);
  assert_string_equal(g_log, "leaf mid top ");
  assert_string_equal(ac_future_message((ac_future *)(void *)t), "deep");
  assert_int_equal(ac_gen_free(AC_GEN(t)), 0);

  /* a delegated generator that catches the close and returns: its
   * delegator still finishes with AC_ECLOSED (Python's close()) */
  log_reset();
  {
    wrap_gen *w = wrap(catcher(1));
    assert_int_equal(ac_next(w, &v), 1);
    assert_int_equal(ac_gen_close(AC_GEN(w)), 0);
    assert_string_equal(g_log, "wrap ");
    assert_int_equal(ac_gen_error(AC_GEN(w)), AC_ECLOSED);
    assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  }
  /* ...while a throw it catches and returns from just gives its value */
  {
    wrap_gen *w = wrap(catcher(1));
    assert_int_equal(ac_next(w, &v), 1);
    assert_int_equal(ac_throw(w, AC_EPROTO, NULL, &v), 0);
    assert_int_equal(AC_GEN_RESULT(w), 5);
    assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  }
}

/* What yield from refuses, and a sub-generator that already finished. */
static void test_yield_from_errors(void **state) {
  wrap_gen *w;
  wrap_gen *w2;
  catcher_gen *c;
  count_gen *done = count(0);
  struct wrap_frame *wf;
  int v = 0;
  (void)state;
  w = wrap(NULL);
  assert_int_equal(ac_next(w, &v), AC_ENOMEM);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  w = wrap(ticks(1, 0)); /* consumed, freed (ASan) */
  assert_int_equal(ac_next(w, &v), AC_EINVAL);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  w = wrap(one()); /* a coroutine: consumed, freed */
  assert_int_equal(ac_next(w, &v), AC_EINVAL);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  w = wrap(double_inputs()); /* it takes sends, wrap does not */
  assert_int_equal(ac_next(w, &v), AC_EINVAL);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
  w = wrap(NULL); /* yield from itself: it is running */
  wf = (struct wrap_frame *)(void *)w;
  wf->sub = w;
  assert_int_equal(ac_next(w, &v), AC_EBUSY);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);

  c = catcher(0); /* consumed by w, so w2 cannot have it */
  w = wrap(c);
  w2 = wrap(c);
  assert_int_equal(ac_next(w, &v), 1);
  assert_int_equal(ac_next(w2, &v), AC_EREUSED);
  assert_int_equal(ac_gen_free(AC_GEN(w2)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0); /* frees c */

  assert_int_equal(ac_next(done, &v), 0); /* finished: no suspension */
  w = wrap(done);
  assert_int_equal(ac_next(w, &v), 0);
  assert_int_equal(AC_GEN_RESULT(w), 0);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);

  c = catcher(0); /* started before it is delegated to */
  assert_int_equal(ac_next(c, &v), 1);
  w = wrap(c);
  assert_int_equal(ac_next(w, &v), 0); /* c resumes, returns 7 */
  assert_int_equal(AC_GEN_RESULT(w), 7);
  assert_int_equal(ac_gen_free(AC_GEN(w)), 0);
}

#define CHAIN 1000

/* A CHAIN-deep yield from chain: after the first next builds it, every
 * item costs exactly one resume (the innermost's), whatever the depth;
 * the last next pops every level; the return values add up. */
static void test_deep_chain_is_o1(void **state) {
  deep_gen *g = deep(CHAIN, 50);
  int v = -1;
  int i;
  long before;
  (void)state;
  g_deep_resumes = 0;
  g_deep_cleanups = 0;
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(v, 0);
  assert_int_equal(g_deep_resumes, CHAIN + 1);
  for (i = 1; i < 50; i++) {
    before = g_deep_resumes;
    assert_int_equal(ac_next(g, &v), 1);
    assert_int_equal(v, i);
    assert_int_equal(g_deep_resumes - before, 1);
  }
  before = g_deep_resumes;
  assert_int_equal(ac_next(g, &v), 0);
  assert_int_equal(g_deep_resumes - before, CHAIN + 1);
  assert_int_equal(AC_GEN_RESULT(g), CHAIN);
  assert_int_equal(g_deep_cleanups, 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);

  g = deep(CHAIN, 50); /* closing it unwinds every level, once */
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_next(g, &v), 1);
  assert_int_equal(ac_gen_close(AC_GEN(g)), 0);
  assert_int_equal(g_deep_cleanups, CHAIN + 1);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* A chain far deeper, on a small C stack: building it, stepping it and
 * closing it never recurse. */
static void *run_deeper(void *arg) {
  deep_gen *g = deep(100000, 3);
  int *ok = arg;
  int v = 0;
  *ok = ac_next(g, &v) == 1 && ac_next(g, &v) == 1 && v == 1 &&
        ac_gen_free(AC_GEN(g)) == 0;
  return NULL;
}

static void test_deeper_chain_small_stack(void **state) {
  pthread_attr_t attr;
  pthread_t th;
  int ok = 0;
  (void)state;
  g_deep_cleanups = 0;
  assert_int_equal(pthread_attr_init(&attr), 0);
  assert_int_equal(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
  assert_int_equal(pthread_create(&th, &attr, run_deeper, &ok), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
  pthread_attr_destroy(&attr);
  assert_true(ok);
  assert_int_equal(g_deep_cleanups, 100001);
}

/* ------------------------------------------------------------------------ */
/* Async generators                                                         */
/* ------------------------------------------------------------------------ */

/* `while (await ac_anext(g, &v))`: the generator sleeps between items on
 * the virtual clock, inside the consumer's task. */
static void test_async_anext(void **state) {
  ac_loop *loop = new_loop(1);
  ticks_gen *g = ticks(3, 1.0);
  consume_task *c = consume(g);
  int v = 0;
  (void)state;
  g_items = 0;
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(c)), 0);
  assert_int_equal(ac_task_error(AC_TASK(c)), 0);
  assert_int_equal(c->ac_ret, 0 + 10 + 20);
  assert_int_equal(g_items, 3);
  assert_true(g_item_time[0] == 1.0 && g_item_time[1] == 2.0 &&
              g_item_time[2] == 3.0);
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), 0);
  assert_int_equal(AC_GEN_RESULT(g), 3);
  assert_int_equal(run_step(loop, ac_anext(g, &v), &v), 0); /* again */
  assert_int_equal(v, 0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* asend and athrow; the errors the await of a step reports. */
static void test_async_send_throw(void **state) {
  ac_loop *loop = new_loop(1);
  aecho_gen *g = aecho();
  aecho_gen *fresh = aecho();
  ticks_gen *t = ticks(2, 0);
  count_gen *sync = count(2);
  ac_anext_task *s;
  char c;
  int v = -1;
  int r = -1;
  (void)state;
  log_reset();
  g_ticks_resumes = 0;
  assert_int_equal(run_step(loop, ac_asend(fresh, 5, &v), &r), AC_ESTATE);
  assert_int_equal(run_step(loop, ac_anext(g, &v), &r), 0);
  assert_int_equal(r, 1);
  assert_int_equal(v, 0);
  assert_int_equal(run_step(loop, ac_asend(g, 5, &v), &r), 0);
  assert_int_equal(v, 5);
  assert_int_equal(run_step(loop, ac_asend(g, 7, &v), &r), 0);
  assert_int_equal(v, 12);
  assert_int_equal(run_step(loop, ac_gen_anext(AC_GEN(g), &c, sizeof c), &r),
                   AC_EINVAL);
  assert_int_equal(run_step(loop, ac_athrow(g, 1, NULL, &v), &r), AC_EINVAL);
  s = ac_athrow(g, AC_ETIMEDOUT, "stop", &v);
  assert_int_equal(run_step(loop, s, &r), AC_ETIMEDOUT);
  assert_string_equal(ac_future_message(&s->fut), "stop");
  assert_string_equal(g_log, "aecho ");
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ETIMEDOUT);
  assert_int_equal(run_step(loop, s, &r), AC_EREUSED); /* awaited twice */
  assert_int_equal(run_step(loop, ac_anext(g, &v), &r), AC_ETIMEDOUT);
  assert_int_equal(run_step(loop, ac_athrow(g, AC_EPROTO, NULL, &v), &r),
                   AC_ESTATE); /* finished */
  /* athrow into one that has not started: its body never runs */
  assert_int_equal(run_step(loop, ac_athrow(t, AC_EPROTO, "x", &v), &r),
                   AC_EPROTO);
  assert_int_equal(g_ticks_resumes, 0);
  assert_int_equal(ac_gen_error(AC_GEN(t)), AC_EPROTO);
  /* not an async generator's step; a generator awaited directly; NULL */
  assert_int_equal(run_step(loop, ac_anext(sync, &v), &r), AC_EINVAL);
  assert_int_equal(run_step(loop, sync, &r), AC_EINVAL);
  assert_int_equal(run_step(loop, fresh, &r), AC_EINVAL);
  assert_null(ac_gen_anext(NULL, NULL, 0));
  assert_int_equal(run_step(loop, ac_gen_anext(NULL, NULL, 0), &r),
                   AC_ENOMEM);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(fresh)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(t)), 0);
  assert_int_equal(ac_gen_free(AC_GEN(sync)), 0);
}

/* Cancels the task arg. */
static void cancel_cb(void *arg) {
  assert_int_equal(ac_future_cancel(arg), 0);
}

static ticks_gen *g_busy_gen;       /* the generator busy_cb pokes */
static int g_busy[3];               /* close, free, next on it */
static astep_task *g_busy_second;   /* a second consumer */
static int g_busy_v;

/* While g_busy_gen sleeps inside a task's step: it is running. */
static void busy_cb(void *arg) {
  ac_gen *g = AC_GEN(g_busy_gen);
  (void)arg;
  g_busy[0] = ac_gen_close(g);
  g_busy[1] = ac_gen_free(g);
  g_busy[2] = ac_gen_next(g, NULL, 0);
  g_busy_second = astep(ac_anext(g_busy_gen, &g_busy_v));
  assert_non_null(ac_spawn(g_busy_second));
}

/* An async generator waiting on a sleep inside a task counts as running:
 * close and free say AC_EBUSY, a second consumer's step fails with
 * AC_EBUSY and does not disturb the first. */
static void test_async_busy(void **state) {
  ac_loop *loop = new_loop(1);
  ac_handle h = {0};
  astep_task *first;
  int v = -1;
  (void)state;
  log_reset();
  g_busy_gen = ticks(2, 1.0);
  first = astep(ac_anext(g_busy_gen, &v));
  assert_int_equal(ac_call_later(loop, &h, 0.5, busy_cb, NULL), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(first)), 0);
  assert_int_equal(ac_task_error(AC_TASK(first)), 0);
  assert_int_equal(first->ac_ret, 1);
  assert_int_equal(v, 0);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(g_busy[0], AC_EBUSY);
  assert_int_equal(g_busy[1], AC_EBUSY);
  assert_int_equal(g_busy[2], AC_EINVAL);
  assert_true(ac_task_done(AC_TASK(g_busy_second)));
  assert_int_equal(ac_task_error(AC_TASK(g_busy_second)), AC_EBUSY);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g_busy_gen)), 0); /* closes it */
  assert_string_equal(g_log, "ticks ");
}

/* Cancelling the consumer while the generator sleeps: the generator's
 * sleep fails with AC_ECANCELED, its cleanup runs, it finishes with it,
 * and the consumer's await of the step fails with it. */
static void test_async_cancel(void **state) {
  ac_loop *loop = new_loop(1);
  ticks_gen *g = ticks(3, 10.0);
  astep_task *t;
  ac_handle h = {0};
  int v = -1;
  (void)state;
  log_reset();
  g_ticks_err = 0;
  t = astep(ac_anext(g, &v));
  assert_int_equal(ac_call_later(loop, &h, 1.0, cancel_cb, t), 0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_true(ac_future_cancelled(AC_FUTURE(t)));
  assert_int_equal(ac_task_error(AC_TASK(t)), AC_ECANCELED);
  assert_string_equal(g_log, "ticks ");
  assert_int_equal(g_ticks_err, AC_ECANCELED);
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ECANCELED);
  assert_true(ac_loop_time(loop) == 1.0);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* Closing an async generator suspended at a yield needs no loop: its
 * cleanup runs at once, and an await in it that would suspend (a sleep,
 * a pending future) fails with AC_ECLOSED. */
static void test_async_close(void **state) {
  ac_loop *loop = new_loop(1);
  aclean_gen *g[2];
  ticks_gen *t = ticks(3, 1.0);
  int mode;
  int r = -1;
  int v = -1;
  (void)state;
  for (mode = 0; mode < 2; mode++) {
    log_reset();
    g_caught = 0;
    g_seen = 0;
    g[mode] = aclean(mode);
    assert_int_equal(run_step(loop, ac_anext(g[mode], &v), &r), 0);
    assert_int_equal(r, 1);
    assert_int_equal(ac_gen_close(AC_GEN(g[mode])), 0);
    assert_int_equal(g_caught, AC_ECLOSED);
    assert_int_equal(g_seen, AC_ECLOSED);
    assert_string_equal(g_log, "aclean ");
    assert_int_equal(ac_gen_error(AC_GEN(g[mode])), AC_ECLOSED);
  }
  log_reset();
  assert_int_equal(run_step(loop, ac_anext(t, &v), &r), 0);
  assert_int_equal(ac_loop_close(loop), 0); /* t is no task's: untouched */
  assert_false(ac_gen_done(AC_GEN(t)));
  assert_int_equal(ac_gen_close(AC_GEN(t)), 0);
  assert_string_equal(g_log, "ticks ");
  assert_int_equal(ac_gen_free(AC_GEN(g[0])), 0);
  assert_int_equal(ac_gen_free(AC_GEN(g[1])), 0);
  assert_int_equal(ac_gen_free(AC_GEN(t)), 0);
}

/* Closing the loop while a consumer's step is inside the generator: the
 * task is cancelled, the generator unwinds inside it (cleanup runs) and
 * finishes cancelled; its frame stays the user's to free. */
static void test_async_loop_close(void **state) {
  ac_loop *loop = new_loop(1);
  ticks_gen *g = ticks(3, 100.0);
  astep_task *t = astep(ac_anext(g, NULL));
  ac_handle h = {0};
  ac_handle h2 = {0};
  (void)state;
  log_reset();
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  assert_int_equal(ac_call_later(loop, &h2, 5.0, stop_cb, loop), 0);
  assert_int_equal(ac_loop_run_forever(loop), 0);
  assert_false(ac_task_done(AC_TASK(t)));
  assert_int_equal(ac_gen_close(AC_GEN(g)), AC_EBUSY);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_string_equal(g_log, "ticks ");
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ECANCELED);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* A generator that ignores its cancellation is still parked when the
 * loop's close frees the task's chain: the chain's frames go, but the
 * generator's frame is finished (AC_ECANCELED) and left to its handle. */
static void test_async_abandoned(void **state) {
  ac_loop *loop = new_loop(1);
  stubborn_gen *g = stubborn();
  astep_task *t = astep(ac_anext(g, NULL));
  ac_handle h = {0};
  (void)state;
  assert_int_equal(ac_call_soon(loop, &h, spawn_cb, t), 0);
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* spawned */
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0); /* parked in g */
  assert_false(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_free(AC_GEN(g)), AC_EBUSY);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_true(ac_gen_done(AC_GEN(g)));
  assert_int_equal(ac_gen_error(AC_GEN(g)), AC_ECANCELED);
  assert_int_equal(ac_gen_free(AC_GEN(g)), 0);
}

/* AC_GEN takes typed handles and ac_gen * (const stays const). */
static void test_handles(void **state) {
  count_gen *g = count(1);
  ac_gen *a = AC_GEN(g);
  const count_gen *cg = g;
  const ac_gen *ca = AC_GEN(cg);
  (void)state;
  assert_ptr_equal(a, (void *)g);
  assert_ptr_equal(AC_GEN(a), a);
  assert_ptr_equal(ca, a);
  assert_null(AC_GEN((count_gen *)NULL));
  assert_false(ac_gen_done(AC_GEN(ca)));
  assert_int_equal(ac_gen_free(a), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_next),
      cmocka_unit_test(test_send_double),
      cmocka_unit_test(test_api_errors),
      cmocka_unit_test(test_reentry_busy),
      cmocka_unit_test(test_throw),
      cmocka_unit_test(test_close),
      cmocka_unit_test(test_sync_await),
      cmocka_unit_test(test_sync_in_cancelled_task),
      cmocka_unit_test(test_chain_send),
      cmocka_unit_test(test_chain_close_and_throw),
      cmocka_unit_test(test_yield_from_errors),
      cmocka_unit_test(test_deep_chain_is_o1),
      cmocka_unit_test(test_deeper_chain_small_stack),
      cmocka_unit_test(test_async_anext),
      cmocka_unit_test(test_async_send_throw),
      cmocka_unit_test(test_async_busy),
      cmocka_unit_test(test_async_cancel),
      cmocka_unit_test(test_async_close),
      cmocka_unit_test(test_async_loop_close),
      cmocka_unit_test(test_async_abandoned),
      cmocka_unit_test(test_handles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
