/* test_queue.c - ac_queue (asyncio.Queue, LifoQueue, PriorityQueue): the
 * order of each kind, the nowait forms and their errors, waiting getters
 * and putters served first come first served, cancellation at every await
 * point (waiting, served but not yet run, pending when the await starts),
 * task_done/join, shutdown (Python 3.13), destroy, loop close, memory
 * failures, and a million items through a thousand waiting getters and
 * putters. */
#include "rt_test.h"

/* ------------------------------------------------------------------------ */
/* An event log                                                             */
/* ------------------------------------------------------------------------ */

typedef struct ev {
  char what;    /* 'g' got, 'p' put, 'j' joined, 'c' consumed */
  int id;       /* the frame's id */
  intptr_t item; /* the item (AC_QUEUE_INT) */
  int err;      /* the await's error */
} ev;

static ev g_ev[4096]; /* events in the order they happened */
static int g_nev;

static void log_ev(char what, int id, void *item, int err) {
  assert_true(g_nev < 4096);
  g_ev[g_nev].what = what;
  g_ev[g_nev].id = id;
  g_ev[g_nev].item = AC_QUEUE_INT(item);
  g_ev[g_nev].err = err;
  g_nev++;
}

/* The event of frame id, which must be there once. */
static const ev *find_ev(char what, int id) {
  const ev *found = NULL;
  int i;
  for (i = 0; i < g_nev; i++)
    if (g_ev[i].what == what && g_ev[i].id == id) {
      assert_null(found);
      found = &g_ev[i];
    }
  assert_non_null(found);
  return found;
}

/* ------------------------------------------------------------------------ */
/* Frames (hand-written in the generated shape)                             */
/* ------------------------------------------------------------------------ */

/* async void *get1(ac_queue *q, int id, int selfcancel) {
 *   if (selfcancel) ac_task_cancel(this task);
 *   void *item = await ac_queue_get(q) catch (err, msg);
 *   log('g', id, item, err);
 *   return item;
 * } */
typedef struct get1_task {
  ac_task ac_co;
  void *ac_ret;
} get1_task;
struct get1_frame {
  ac_task ac_co;
  void *ac_ret;
  ac_queue *q;
  int id;
  int selfcancel;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step get1_resume(ac_task *ac_self) {
  struct get1_frame *ac_f = (struct get1_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  if (ac_f->selfcancel)
    assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT_CATCH(1, ac_queue_get(ac_f->q), ac_f->err, ac_f->msg);
  if (ac_f->err == 0)
    ac_f->ac_ret = ((ac_queue_get_task *)ac_f->ac_aw[0])->ac_ret;
  ac__release(&ac_f->ac_aw[0]);
  log_ev('g', ac_f->id, ac_f->ac_ret, ac_f->err);
  return AC__DONE;
}
static get1_task *get1x(ac_queue *q, int id, int selfcancel) {
  struct get1_frame *ac_f =
      ac__frame_new(sizeof *ac_f, get1_resume, 0, "get1");
  if (ac_f) {
    ac_f->q = q;
    ac_f->id = id;
    ac_f->selfcancel = selfcancel;
  }
  return (get1_task *)ac_f;
}
static get1_task *get1(ac_queue *q, int id) { return get1x(q, id, 0); }

/* async void put1(ac_queue *q, int id, void *item, int selfcancel) {
 *   if (selfcancel) ac_task_cancel(this task);
 *   await ac_queue_put(q, item) catch (err, msg);
 *   log('p', id, item, err);
 * } */
struct put1_frame {
  ac_task ac_co;
  ac_queue *q;
  int id;
  int selfcancel;
  void *item;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step put1_resume(ac_task *ac_self) {
  struct put1_frame *ac_f = (struct put1_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  if (ac_f->selfcancel)
    assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT_CATCH(1, ac_queue_put(ac_f->q, ac_f->item), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  log_ev('p', ac_f->id, ac_f->item, ac_f->err);
  return AC__DONE;
}
static ac_task *put1x(ac_queue *q, int id, intptr_t item, int selfcancel) {
  struct put1_frame *ac_f =
      ac__frame_new(sizeof *ac_f, put1_resume, 0, "put1");
  if (ac_f) {
    ac_f->q = q;
    ac_f->id = id;
    ac_f->item = AC_QUEUE_ITEM(item);
    ac_f->selfcancel = selfcancel;
  }
  return &ac_f->ac_co;
}
static ac_task *put1(ac_queue *q, int id, intptr_t item) {
  return put1x(q, id, item, 0);
}

/* async void join1(ac_queue *q, int id, int selfcancel) {
 *   if (selfcancel) ac_task_cancel(this task);
 *   await ac_queue_join(q) catch (err, msg);
 *   log('j', id, NULL, err);
 * } */
struct join1_frame {
  ac_task ac_co;
  ac_queue *q;
  int id;
  int selfcancel;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step join1_resume(ac_task *ac_self) {
  struct join1_frame *ac_f = (struct join1_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  if (ac_f->selfcancel)
    assert_int_equal(ac_task_cancel(ac_self), 0);
  RT_AWAIT_CATCH(1, ac_queue_join(ac_f->q), ac_f->err, ac_f->msg);
  ac__release(&ac_f->ac_aw[0]);
  log_ev('j', ac_f->id, NULL, ac_f->err);
  return AC__DONE;
}
static ac_task *join1x(ac_queue *q, int id, int selfcancel) {
  struct join1_frame *ac_f =
      ac__frame_new(sizeof *ac_f, join1_resume, 0, "join1");
  if (ac_f) {
    ac_f->q = q;
    ac_f->id = id;
    ac_f->selfcancel = selfcancel;
  }
  return &ac_f->ac_co;
}
static ac_task *join1(ac_queue *q, int id) { return join1x(q, id, 0); }

/* async void fast(ac_queue *q) {    // nothing to wait for: no suspension
 *   await ac_queue_put(q, 7); await ac_queue_join... after task_done;
 *   g_fast = await ac_queue_get(q); ac_queue_task_done(q);
 *   await ac_queue_join(q);
 * } */
static intptr_t g_fast; /* what fast got */
struct fast_frame {
  ac_task ac_co;
  ac_queue *q;
  void *ac_aw[1];
};
static ac__step fast_resume(ac_task *ac_self) {
  struct fast_frame *ac_f = (struct fast_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1) RT_RESUME(2) RT_RESUME(3));
  RT_AWAIT(1, ac_queue_put(ac_f->q, AC_QUEUE_ITEM(7)));
  ac__release(&ac_f->ac_aw[0]);
  RT_AWAIT(2, ac_queue_get(ac_f->q));
  g_fast = AC_QUEUE_INT(((ac_queue_get_task *)ac_f->ac_aw[0])->ac_ret);
  ac__release(&ac_f->ac_aw[0]);
  assert_int_equal(ac_queue_task_done(ac_f->q), 0);
  RT_AWAIT(3, ac_queue_join(ac_f->q));
  ac__release(&ac_f->ac_aw[0]);
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *fast(ac_queue *q) {
  struct fast_frame *ac_f =
      ac__frame_new(sizeof *ac_f, fast_resume, 0, "fast");
  if (ac_f)
    ac_f->q = q;
  return &ac_f->ac_co;
}

/* async void stubborn_getter(ac_queue *q, int id) {
 *   for (;;) {                           // refuses every cancellation
 *     void *item = await ac_queue_get(q) catch (err);
 *     if (!err) log('g', id, item, 0);
 *   }
 * } */
struct stubborn_frame {
  ac_task ac_co;
  ac_queue *q;
  int id;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step stubborn_resume(ac_task *ac_self) {
  struct stubborn_frame *ac_f = (struct stubborn_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (;;) {
    RT_AWAIT_CATCH(1, ac_queue_get(ac_f->q), ac_f->err, ac_f->msg);
    if (ac_f->err == 0)
      log_ev('g', ac_f->id, ((ac_queue_get_task *)ac_f->ac_aw[0])->ac_ret, 0);
    ac__release(&ac_f->ac_aw[0]);
  }
}
static ac_task *stubborn_getter(ac_queue *q, int id) {
  struct stubborn_frame *ac_f =
      ac__frame_new(sizeof *ac_f, stubborn_resume, 0, "stubborn_getter");
  if (ac_f) {
    ac_f->q = q;
    ac_f->id = id;
  }
  return &ac_f->ac_co;
}

/* async void stubborn_putter(ac_queue *q, int id, intptr_t item) {
 *   for (;;) {                           // refuses every cancellation
 *     await ac_queue_put(q, item) catch (err);
 *     if (!err) log('p', id, item++, 0);
 *   }
 * } */
struct stubborn_putter_frame {
  ac_task ac_co;
  ac_queue *q;
  int id;
  intptr_t item;
  int err;
  const char *msg;
  void *ac_aw[1];
};
static ac__step stubborn_putter_resume(ac_task *ac_self) {
  struct stubborn_putter_frame *ac_f =
      (struct stubborn_putter_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (;;) {
    RT_AWAIT_CATCH(1, ac_queue_put(ac_f->q, AC_QUEUE_ITEM(ac_f->item)),
                   ac_f->err, ac_f->msg);
    ac__release(&ac_f->ac_aw[0]);
    if (ac_f->err == 0)
      log_ev('p', ac_f->id, AC_QUEUE_ITEM(ac_f->item++), 0);
  }
}
static ac_task *stubborn_putter(ac_queue *q, int id, intptr_t item) {
  struct stubborn_putter_frame *ac_f = ac__frame_new(
      sizeof *ac_f, stubborn_putter_resume, 0, "stubborn_putter");
  if (ac_f) {
    ac_f->q = q;
    ac_f->id = id;
    ac_f->item = item;
  }
  return &ac_f->ac_co;
}

/* The million-item test: item = producer * PER + index. */
enum { NPROD = 1000, NCONS = 1000, PER = 1000 };
static int *g_last;        /* [consumer][producer]: last index seen + 1 */
static unsigned char *g_seen; /* [item]: times received */

/* async void producer(ac_queue *q, int p, int n) {
 *   for (int i = 0; i < n; i++) await ac_queue_put(q, p * PER + i);
 * } */
struct producer_frame {
  ac_task ac_co;
  ac_queue *q;
  int p;
  int n;
  int i;
  void *ac_aw[1];
};
static ac__step producer_resume(ac_task *ac_self) {
  struct producer_frame *ac_f = (struct producer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_AWAIT(1, ac_queue_put(ac_f->q,
                             AC_QUEUE_ITEM(ac_f->p * PER + ac_f->i)));
    ac__release(&ac_f->ac_aw[0]);
  }
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *producer(ac_queue *q, int p, int n) {
  struct producer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, producer_resume, 0, "producer");
  if (ac_f) {
    ac_f->q = q;
    ac_f->p = p;
    ac_f->n = n;
  }
  return &ac_f->ac_co;
}

/* async void consumer(ac_queue *q, int c, int n) {
 *   for (int i = 0; i < n; i++) {
 *     intptr_t item = AC_QUEUE_INT(await ac_queue_get(q));
 *     check(c, item); ac_queue_task_done(q);
 *   }
 * } */
struct consumer_frame {
  ac_task ac_co;
  ac_queue *q;
  int c;
  int n;
  int i;
  void *ac_aw[1];
};
/* A consumer got item: each item once, and from each producer in order. */
static void consumer_check(int c, intptr_t item) {
  int p = (int)(item / PER);
  int i = (int)(item % PER);
  assert_true(item >= 0 && item < (intptr_t)NPROD * PER);
  assert_int_equal(g_seen[item], 0);
  g_seen[item] = 1;
  assert_true(i >= g_last[c * NPROD + p]);
  g_last[c * NPROD + p] = i + 1;
}
static ac__step consumer_resume(ac_task *ac_self) {
  struct consumer_frame *ac_f = (struct consumer_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  for (ac_f->i = 0; ac_f->i < ac_f->n; ac_f->i++) {
    RT_AWAIT(1, ac_queue_get(ac_f->q));
    consumer_check(ac_f->c, AC_QUEUE_INT(
                                ((ac_queue_get_task *)ac_f->ac_aw[0])->ac_ret));
    ac__release(&ac_f->ac_aw[0]);
    assert_int_equal(ac_queue_task_done(ac_f->q), 0);
  }
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static ac_task *consumer(ac_queue *q, int c, int n) {
  struct consumer_frame *ac_f =
      ac__frame_new(sizeof *ac_f, consumer_resume, 0, "consumer");
  if (ac_f) {
    ac_f->q = q;
    ac_f->c = c;
    ac_f->n = n;
  }
  return &ac_f->ac_co;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Run exactly one loop iteration. */
static void run_once(ac_loop *loop) {
  ac_loop_stop(loop);
  assert_int_equal(ac_loop_run_forever(loop), 0);
}

/* Spawn every task of a NULL-terminated array from a loop callback. */
static void spawn_all_cb(void *arg) {
  ac_task **t = arg;
  for (; *t != NULL; t++)
    assert_non_null(ac_task_spawn(*t));
}

/* Spawn tasks (NULL-terminated, in order) on loop, then run one more
 * iteration: each has run until it finished or parked. */
static void start_all(ac_loop *loop, ac_task **tasks) {
  ac_handle h = {0};
  assert_int_equal(ac_call_soon(loop, &h, spawn_all_cb, tasks), 0);
  run_once(loop); /* spawned */
  run_once(loop); /* started */
}

/* Spawn one task and let it run until it parks. */
static void start1(ac_loop *loop, ac_task *t) {
  ac_task *ts[2];
  ts[0] = t;
  ts[1] = NULL;
  start_all(loop, ts);
}

/* The number of nodes on a list (a queue's waiters). */
static size_t list_length(const ac__link *h) {
  const ac__link *n;
  size_t len = 0;
  for (n = h->next; n != h; n = n->next)
    len++;
  return len;
}

/* Run until t is done. */
static void finish(ac_loop *loop, ac_task *t) {
  assert_int_equal(ac_loop_run_until_complete(loop, &t->fut), 0);
  assert_true(ac_task_done(t));
}

/* Items for the priority queue: ordered by key only. */
typedef struct pitem {
  int key; /* the priority */
  int idx; /* insertion index */
} pitem;
static int pitem_cmp(const void *a, const void *b) {
  const pitem *x = a;
  const pitem *y = b;
  return (x->key > y->key) - (x->key < y->key);
}
static int int_cmp(const void *a, const void *b) {
  intptr_t x = AC_QUEUE_INT(a);
  intptr_t y = AC_QUEUE_INT(b);
  return (x > y) - (x < y);
}

/* A seeded xorshift generator: the same numbers everywhere. */
static uint32_t g_rng = 2463534242u;
static uint32_t xorshift32(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 17;
  g_rng ^= g_rng << 5;
  return g_rng;
}

/* Take an item that must be there. */
static intptr_t take(ac_queue *q) {
  void *item = NULL;
  assert_int_equal(ac_queue_get_nowait(q, &item), 0);
  return AC_QUEUE_INT(item);
}

/* An allocator that fails while g_fail is set. */
static int g_fail;
static void *fail_alloc(size_t size, void *ud) {
  (void)ud;
  return g_fail ? NULL : malloc(size);
}
static void fail_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  free(ptr);
}

/* ------------------------------------------------------------------------ */
/* Without a loop: init, order, nowait errors                               */
/* ------------------------------------------------------------------------ */

/* Bad arguments are AC_EINVAL; accessors of NULL or an uninitialised
 * queue are harmless; integers go through AC_QUEUE_ITEM/AC_QUEUE_INT. */
static void test_init_and_edges(void **state) {
  ac_queue q;
  ac_queue zero;
  void *item = AC_QUEUE_ITEM(-5);
  (void)state;
  memset(&zero, 0, sizeof zero);
  assert_int_equal(ac_queue_init(NULL, AC_QUEUE_FIFO, 0, NULL), AC_EINVAL);
  assert_int_equal(ac_queue_init(&q, 0, 0, NULL), AC_EINVAL);
  assert_int_equal(ac_queue_init(&q, 4, 0, NULL), AC_EINVAL);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_PRIORITY, 0, NULL), AC_EINVAL);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, int_cmp), AC_EINVAL);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_LIFO, 0, int_cmp), AC_EINVAL);
  assert_int_equal(AC_QUEUE_INT(item), -5);
  assert_int_equal(AC_QUEUE_INT(AC_QUEUE_ITEM(2147483647)), 2147483647);
  /* NULL and a zeroed (never initialised) queue */
  assert_int_equal(ac_queue_put_nowait(NULL, item), AC_EINVAL);
  assert_int_equal(ac_queue_put_nowait(&zero, item), AC_EINVAL);
  assert_int_equal(ac_queue_get_nowait(NULL, &item), AC_EINVAL);
  assert_int_equal(ac_queue_get_nowait(&zero, &item), AC_EINVAL);
  assert_int_equal(ac_queue_task_done(NULL), AC_EINVAL);
  assert_int_equal(ac_queue_shutdown(NULL, 0), AC_EINVAL);
  assert_int_equal(ac_queue_destroy(NULL), AC_EINVAL);
  assert_int_equal(ac_queue_destroy(&zero), AC_EINVAL);
  assert_int_equal(ac_queue_qsize(NULL), 0);
  assert_true(ac_queue_empty(NULL));
  assert_false(ac_queue_full(NULL));
  assert_int_equal(ac_queue_maxsize(NULL), 0);
  /* a fresh queue */
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 3, NULL), 0);
  assert_int_equal(ac_queue_maxsize(&q), 3);
  assert_int_equal(ac_queue_qsize(&q), 0);
  assert_true(ac_queue_empty(&q));
  assert_false(ac_queue_full(&q));
  assert_int_equal(ac_queue_get_nowait(&q, NULL), AC_EINVAL);
  assert_int_equal(ac_queue_get_nowait(&q, &item), AC_EEMPTY);
  assert_int_equal(AC_QUEUE_INT(item), -5); /* untouched */
  assert_int_equal(ac_queue_task_done(&q), AC_ESTATE);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_queue_put_nowait(&q, item), AC_EINVAL); /* destroyed */
  assert_int_equal(ac_queue_destroy(&q), AC_EINVAL);
}

/* FIFO, LIFO and PRIORITY order through the nowait forms; a bounded queue
 * refuses a put beyond maxsize with AC_EFULL, changing nothing. */
static void test_nowait_order(void **state) {
  ac_queue q;
  int i;
  (void)state;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 3, NULL), 0);
  for (i = 1; i <= 3; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  assert_true(ac_queue_full(&q));
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(4)), AC_EFULL);
  assert_int_equal(ac_queue_qsize(&q), 3);
  for (i = 1; i <= 3; i++)
    assert_int_equal(take(&q), i);
  assert_true(ac_queue_empty(&q));
  assert_int_equal(ac_queue_destroy(&q), 0);

  assert_int_equal(ac_queue_init(&q, AC_QUEUE_LIFO, 0, NULL), 0);
  for (i = 1; i <= 3; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  assert_false(ac_queue_full(&q)); /* unbounded */
  for (i = 3; i >= 1; i--)
    assert_int_equal(take(&q), i);
  assert_int_equal(ac_queue_destroy(&q), 0);

  assert_int_equal(ac_queue_init(&q, AC_QUEUE_PRIORITY, 0, int_cmp), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(5)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(-2)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(9)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(0)), 0);
  assert_int_equal(take(&q), -2);
  assert_int_equal(take(&q), 0);
  assert_int_equal(take(&q), 5);
  assert_int_equal(take(&q), 9);
  assert_int_equal(ac_queue_destroy(&q), 0);
}

/* A priority queue of 100,000 items with few distinct keys: out in key
 * order, and equal keys in the order they were put (stable). */
static void test_priority_stable(void **state) {
  enum { N = 100000 };
  pitem *items = malloc(N * sizeof *items);
  ac_queue q;
  int i;
  (void)state;
  assert_non_null(items);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_PRIORITY, 0, pitem_cmp), 0);
  for (i = 0; i < N; i++) {
    items[i].key = (int)(xorshift32() % 10);
    items[i].idx = i;
    assert_int_equal(ac_queue_put_nowait(&q, &items[i]), 0);
  }
  assert_int_equal(ac_queue_qsize(&q), N);
  {
    int last_key = -1;
    int last_idx = -1;
    for (i = 0; i < N; i++) {
      void *v;
      const pitem *p;
      assert_int_equal(ac_queue_get_nowait(&q, &v), 0);
      p = v;
      assert_true(p->key >= last_key);
      if (p->key == last_key)
        assert_true(p->idx > last_idx);
      last_key = p->key;
      last_idx = p->idx;
    }
  }
  assert_true(ac_queue_empty(&q));
  assert_int_equal(ac_queue_destroy(&q), 0);
  free(items);
}

/* A million items through an unbounded FIFO and LIFO, interleaved with
 * gets so that the ring wraps around; the buffer shrinks back once
 * the queue empties. */
static void test_million_nowait(void **state) {
  enum { N = 1000000 };
  ac_queue q;
  intptr_t i;
  intptr_t next = 0;
  (void)state;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  for (i = 0; i < N; i++) {
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
    if (i % 3 == 2)
      assert_int_equal(take(&q), next++);
  }
  assert_int_equal(ac_queue_qsize(&q), N - next);
  while (next < N)
    assert_int_equal(take(&q), next++);
  assert_true(q.cap <= 64); /* given back */
  assert_int_equal(ac_queue_destroy(&q), 0);

  assert_int_equal(ac_queue_init(&q, AC_QUEUE_LIFO, 0, NULL), 0);
  for (i = 0; i < N; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  for (i = N - 1; i >= 0; i--)
    assert_int_equal(take(&q), i);
  assert_true(q.cap <= 64);
  assert_int_equal(ac_queue_destroy(&q), 0);
}

/* ------------------------------------------------------------------------ */
/* Awaiting                                                                 */
/* ------------------------------------------------------------------------ */

/* put, get and join that need not wait complete without suspending: the
 * task finishes in the iteration it starts in.  A spawned get is a task
 * of its own. */
static void test_fast_path_and_spawned_get(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *t;
  ac_queue_get_task *g;
  (void)state;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  t = fast(&q);
  start1(loop, t);
  assert_true(ac_task_done(t));
  assert_int_equal(ac_task_error(t), 0);
  assert_int_equal(g_fast, 7);

  g = ac_queue_get(&q);
  start1(loop, AC_TASK(g));
  assert_false(ac_task_done(AC_TASK(g)));
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(3)), 0);
  finish(loop, AC_TASK(g));
  assert_int_equal(AC_QUEUE_INT(g->ac_ret), 3);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Getters waiting in line are served in order; an item put while they
 * wait is handed to the first at once: the queue stays empty and nobody
 * else can take it. */
static void test_getters_fifo(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  void *item;
  ac_task *ts[4];
  int i;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_LIFO, 0, NULL), 0);
  for (i = 0; i < 3; i++)
    ts[i] = AC_TASK(get1(&q, i));
  ts[3] = NULL;
  start_all(loop, ts);
  assert_int_equal(g_nev, 0); /* all three wait */
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(10)), 0);
  assert_int_equal(ac_queue_qsize(&q), 0); /* handed to getter 0 */
  assert_true(ac_queue_empty(&q));
  assert_int_equal(ac_queue_get_nowait(&q, &item), AC_EEMPTY);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(11)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(12)), 0);
  assert_int_equal(ac_queue_destroy(&q), AC_EBUSY); /* woken, not run */
  for (i = 0; i < 3; i++)
    finish(loop, ts[i]);
  assert_int_equal(g_nev, 3);
  for (i = 0; i < 3; i++) {
    assert_int_equal(g_ev[i].id, i); /* ran in order */
    assert_int_equal(g_ev[i].item, 10 + i);
    assert_int_equal(g_ev[i].err, 0);
  }
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* Putters waiting for room are served in order: the slot a get frees is
 * promised to the first of them, so a put_nowait cannot take it (full()
 * still says 1), and the items come out in the putters' order. */
static void test_putters_fifo(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[4];
  int i;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(100)), 0);
  for (i = 0; i < 3; i++)
    ts[i] = put1(&q, i, 101 + i);
  ts[3] = NULL;
  start_all(loop, ts);
  assert_int_equal(g_nev, 0); /* all three wait */
  assert_true(ac_queue_full(&q));
  assert_int_equal(take(&q), 100);
  assert_int_equal(ac_queue_qsize(&q), 0);
  assert_true(ac_queue_full(&q)); /* the slot is putter 0's */
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(99)), AC_EFULL);
  for (i = 0; i < 3; i++) {
    finish(loop, ts[i]);
    assert_int_equal(ac_queue_qsize(&q), 1);
    assert_int_equal(take(&q), 101 + i);
  }
  assert_int_equal(g_nev, 3);
  for (i = 0; i < 3; i++)
    assert_int_equal(g_ev[i].err, 0);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A getter parks while the only slot is promised to a putter that has not
 * run and another putter waits: the promised putter then hands its item
 * to the getter, and the slot goes on to the next putter.  Meanwhile a
 * newcomer cannot overtake the putters in line (AC_EFULL). */
static void test_handoff_and_promise_together(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[3];
  ac_task *g[2];
  ac_handle h = {0};
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  ts[0] = put1(&q, 0, 2);
  ts[1] = put1(&q, 1, 3);
  ts[2] = NULL;
  start_all(loop, ts); /* both wait */
  g[0] = AC_TASK(get1(&q, 10));
  g[1] = NULL;
  assert_int_equal(ac_call_soon(loop, &h, spawn_all_cb, g), 0);
  run_once(loop); /* the getter is spawned: it runs next */
  assert_int_equal(take(&q), 1); /* putter 0 promised: it runs after */
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(9)), AC_EFULL);
  run_once(loop); /* the getter parks, putter 0 hands it item 2 */
  assert_true(ac_task_done(ts[0]));
  assert_int_equal(ac_queue_qsize(&q), 0);
  assert_true(ac_queue_full(&q)); /* promised to putter 1 */
  finish(loop, g[0]);
  finish(loop, ts[1]);
  assert_int_equal(find_ev('g', 10)->item, 2);
  assert_int_equal(take(&q), 3);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                             */
/* ------------------------------------------------------------------------ */

/* A waiting getter that is cancelled leaves the line (the next getter gets
 * the next item) and takes nothing; the cancel's message comes with it. */
static void test_cancel_waiting_getter(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[3];
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  ts[0] = AC_TASK(get1(&q, 0));
  ts[1] = AC_TASK(get1(&q, 1));
  ts[2] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_task_cancel_msg(ts[0], "stop"), 0);
  finish(loop, ts[0]);
  assert_int_equal(find_ev('g', 0)->err, AC_ECANCELED);
  assert_string_equal(((struct get1_frame *)ts[0])->msg, "stop");
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(5)), 0);
  finish(loop, ts[1]);
  assert_int_equal(find_ev('g', 1)->item, 5);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A getter cancelled after an item was handed to it (before it ran) puts
 * the item back: to the next waiting getter if there is one, else at the
 * head - FIFO: out next; LIFO: under what was put after it; PRIORITY: its
 * own place, before equal items put after it. */
static void test_cancel_handed_getter(void **state) {
  static const int kinds[] = {AC_QUEUE_FIFO, AC_QUEUE_LIFO,
                              AC_QUEUE_PRIORITY};
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[3];
  int k;
  (void)state;
  for (k = 0; k < 3; k++) {
    int prio = kinds[k] == AC_QUEUE_PRIORITY;
    pitem pa = {7, 0};
    pitem pb = {7, 1};
    void *a = prio ? (void *)&pa : AC_QUEUE_ITEM(7);
    void *b = prio ? (void *)&pb : AC_QUEUE_ITEM(8);
    void *got;
    g_nev = 0;
    assert_int_equal(
        ac_queue_init(&q, kinds[k], 1, prio ? pitem_cmp : NULL), 0);
    ts[0] = AC_TASK(get1(&q, 0));
    start1(loop, ts[0]);
    assert_int_equal(ac_queue_put_nowait(&q, a), 0); /* handed */
    assert_int_equal(ac_queue_put_nowait(&q, b), 0); /* stored */
    assert_int_equal(ac_task_cancel(ts[0]), 0);
    finish(loop, ts[0]);
    assert_int_equal(find_ev('g', 0)->err, AC_ECANCELED);
    assert_int_equal(ac_queue_qsize(&q), 2); /* one over maxsize */
    assert_true(ac_queue_full(&q));
    assert_int_equal(ac_queue_get_nowait(&q, &got), 0);
    assert_ptr_equal(got, kinds[k] == AC_QUEUE_LIFO ? b : a);
    assert_int_equal(ac_queue_get_nowait(&q, &got), 0);
    assert_ptr_equal(got, kinds[k] == AC_QUEUE_LIFO ? a : b);
    assert_int_equal(ac_queue_destroy(&q), 0);
  }
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The same with another getter waiting: the item goes to it. */
static void test_cancel_handed_getter_next(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[3];
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  ts[0] = AC_TASK(get1(&q, 0));
  ts[1] = AC_TASK(get1(&q, 1));
  ts[2] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(42)), 0);
  assert_int_equal(ac_task_cancel(ts[0]), 0);
  finish(loop, ts[0]);
  finish(loop, ts[1]);
  assert_int_equal(find_ev('g', 0)->err, AC_ECANCELED);
  assert_int_equal(find_ev('g', 1)->item, 42);
  assert_int_equal(ac_queue_qsize(&q), 0);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A task whose cancellation is pending when it starts a get, put or join
 * fails it at once with AC_ECANCELED, even though it could complete
 * without waiting, and takes or puts nothing. */
static void test_cancel_pending_at_start(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *t;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  t = AC_TASK(get1x(&q, 0, 1));
  start1(loop, t);
  assert_true(ac_task_done(t));
  assert_int_equal(find_ev('g', 0)->err, AC_ECANCELED);
  assert_int_equal(ac_queue_qsize(&q), 1); /* not taken */
  t = put1x(&q, 1, 2, 1);
  start1(loop, t);
  assert_int_equal(find_ev('p', 1)->err, AC_ECANCELED);
  assert_int_equal(ac_queue_qsize(&q), 1); /* not put */
  assert_int_equal(take(&q), 1);
  assert_int_equal(ac_queue_task_done(&q), 0);
  t = join1x(&q, 2, 1); /* nothing unfinished: would not wait */
  start1(loop, t);
  assert_int_equal(find_ev('j', 2)->err, AC_ECANCELED);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A waiting putter that is cancelled leaves the line and puts nothing;
 * one cancelled after a slot was promised to it passes the promise to
 * the next putter. */
static void test_cancel_putters(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[4];
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(0)), 0);
  ts[0] = put1(&q, 0, 10);
  ts[1] = put1(&q, 1, 11);
  ts[2] = put1(&q, 2, 12);
  ts[3] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_task_cancel(ts[0]), 0); /* waiting */
  finish(loop, ts[0]);
  assert_int_equal(find_ev('p', 0)->err, AC_ECANCELED);
  assert_int_equal(take(&q), 0); /* the slot: promised to putter 1 */
  assert_int_equal(ac_task_cancel(ts[1]), 0);
  finish(loop, ts[1]);
  assert_int_equal(find_ev('p', 1)->err, AC_ECANCELED);
  finish(loop, ts[2]); /* the promise went on to putter 2 */
  assert_int_equal(find_ev('p', 2)->err, 0);
  assert_int_equal(ac_queue_qsize(&q), 1);
  assert_int_equal(take(&q), 12);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A join waiting is cancelled; one released (all done) and cancelled
 * before it ran fails too (nothing is lost by that); others complete. */
static void test_join_and_cancel(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[4];
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(2)), 0);
  ts[0] = join1(&q, 0);
  ts[1] = join1(&q, 1);
  ts[2] = join1(&q, 2);
  ts[3] = NULL;
  start_all(loop, ts);
  assert_int_equal(g_nev, 0);
  assert_int_equal(ac_task_cancel(ts[0]), 0);
  finish(loop, ts[0]);
  assert_int_equal(find_ev('j', 0)->err, AC_ECANCELED);
  assert_int_equal(take(&q), 1);
  assert_int_equal(take(&q), 2);
  assert_int_equal(ac_queue_task_done(&q), 0);
  run_once(loop);
  assert_false(ac_task_done(ts[1])); /* one item still unfinished */
  assert_int_equal(ac_queue_task_done(&q), 0); /* releases the joins */
  assert_int_equal(ac_queue_task_done(&q), AC_ESTATE); /* one too many */
  assert_int_equal(ac_task_cancel(ts[1]), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(3)), 0);
  finish(loop, ts[1]);
  finish(loop, ts[2]);
  assert_int_equal(find_ev('j', 1)->err, AC_ECANCELED);
  assert_int_equal(find_ev('j', 2)->err, 0); /* released before the put */
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A cancel taken back with ac_task_uncancel before the task runs: the
 * waiting getter goes on waiting (a stray wake-up), then gets its item. */
static void test_uncancel_keeps_waiting(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *t;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  t = AC_TASK(get1(&q, 0));
  start1(loop, t);
  assert_int_equal(ac_task_cancel(t), 0);
  assert_int_equal(ac_task_uncancel(t), 0);
  run_once(loop);
  run_once(loop);
  assert_false(ac_task_done(t));
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(9)), 0);
  finish(loop, t);
  assert_int_equal(find_ev('g', 0)->item, 9);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* A thousand waiting getters, every other one cancelled (each leaves the
 * line in O(1)): the others are served in their order. */
static void test_cancel_many_waiters(void **state) {
  enum { N = 1000 };
  ac_loop *loop = new_loop(1);
  ac_queue q;
  get1_task **g = calloc(N, sizeof *g);
  ac_task **ts = calloc(N + 1, sizeof *ts);
  int i;
  (void)state;
  assert_non_null(g);
  assert_non_null(ts);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  for (i = 0; i < N; i++) {
    g[i] = get1(&q, 1000 + i);
    ts[i] = AC_TASK(g[i]);
  }
  start_all(loop, ts);
  for (i = N - 1; i >= 0; i -= 2)
    assert_int_equal(ac_task_cancel(ts[i]), 0);
  run_once(loop);
  for (i = 0; i < N / 2; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  for (i = 0; i < N; i++) {
    finish(loop, ts[i]);
    if (i % 2 == 1)
      assert_int_equal(find_ev('g', 1000 + i)->err, AC_ECANCELED);
    else
      assert_int_equal(AC_QUEUE_INT(g[i]->ac_ret), i / 2);
  }
  assert_true(ac_queue_empty(&q));
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  free(g);
  free(ts);
}

/* ------------------------------------------------------------------------ */
/* Shutdown, destroy, loop close, memory                                    */
/* ------------------------------------------------------------------------ */

/* shutdown: puts fail at once, waiting putters are woken and fail with
 * AC_ESHUTDOWN (one cancelled before it ran: AC_ECANCELED), and so does a
 * putter promised a slot that runs after it. */
static void test_shutdown_putters(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[4];
  void *item;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  ts[0] = put1(&q, 0, 2);
  ts[1] = put1(&q, 1, 3);
  ts[2] = put1(&q, 2, 4);
  ts[3] = NULL;
  start_all(loop, ts);
  assert_int_equal(take(&q), 1); /* putter 0 promised */
  assert_int_equal(ac_queue_shutdown(&q, 0), 0);
  assert_int_equal(ac_task_cancel(ts[2]), 0); /* woken by the shutdown */
  finish(loop, ts[0]);
  finish(loop, ts[1]);
  finish(loop, ts[2]);
  assert_int_equal(find_ev('p', 0)->err, AC_ESHUTDOWN);
  assert_int_equal(find_ev('p', 1)->err, AC_ESHUTDOWN);
  assert_int_equal(find_ev('p', 2)->err, AC_ECANCELED);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(5)), AC_ESHUTDOWN);
  assert_int_equal(ac_queue_get_nowait(&q, &item), AC_ESHUTDOWN);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* shutdown: the items left can still be taken, then gets fail, and a
 * waiting getter is woken to fail; a getter handed an item before the
 * shutdown (even an immediate one) keeps it. */
static void test_shutdown_getters(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *ts[3];
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  ts[0] = AC_TASK(get1(&q, 0));
  ts[1] = AC_TASK(get1(&q, 1));
  ts[2] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(6)), 0);
  assert_int_equal(ac_queue_shutdown(&q, 1), 0);
  finish(loop, ts[0]);
  finish(loop, ts[1]);
  assert_int_equal(find_ev('g', 0)->item, 6);
  assert_int_equal(find_ev('g', 1)->err, AC_ESHUTDOWN);
  ts[0] = put1(&q, 2, 7);
  start1(loop, ts[0]);
  assert_int_equal(find_ev('p', 2)->err, AC_ESHUTDOWN);
  assert_int_equal(ac_queue_destroy(&q), 0);

  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_LIFO, 0, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(2)), 0);
  assert_int_equal(ac_queue_shutdown(&q, 0), 0);
  ts[0] = AC_TASK(get1(&q, 0));
  start1(loop, ts[0]);
  assert_int_equal(find_ev('g', 0)->item, 2);
  assert_int_equal(take(&q), 1);
  ts[0] = AC_TASK(get1(&q, 1));
  start1(loop, ts[0]);
  assert_int_equal(find_ev('g', 1)->err, AC_ESHUTDOWN);
  assert_int_equal(ac_queue_shutdown(&q, 1), 0); /* again: harmless */
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* shutdown(1) drops the items, counting each as done, which releases the
 * joins; task_done for items taken before still works down to 0. */
static void test_shutdown_immediate_join(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *t;
  int i;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_PRIORITY, 0, int_cmp), 0);
  for (i = 0; i < 100; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  assert_int_equal(take(&q), 0); /* taken, not yet done */
  t = join1(&q, 0);
  start1(loop, t);
  assert_int_equal(ac_queue_shutdown(&q, 1), 0);
  assert_int_equal(ac_queue_qsize(&q), 0);
  run_once(loop);
  assert_false(ac_task_done(t)); /* item 0 is not done */
  assert_int_equal(ac_queue_task_done(&q), 0);
  finish(loop, t);
  assert_int_equal(find_ev('j', 0)->err, 0);
  assert_int_equal(ac_queue_task_done(&q), AC_ESTATE);
  assert_int_equal(ac_queue_destroy(&q), 0);

  /* draining everything releases a waiting join at once */
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  t = join1(&q, 1);
  start1(loop, t);
  assert_int_equal(ac_queue_shutdown(&q, 1), 0);
  finish(loop, t);
  assert_int_equal(find_ev('j', 1)->err, 0);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* destroy refuses while a task waits on the queue, and while one it woke
 * has not run; afterwards the queue can be initialised again. */
static void test_destroy_busy(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task *t;
  (void)state;
  g_nev = 0;
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  t = AC_TASK(get1(&q, 0));
  start1(loop, t);
  assert_int_equal(ac_queue_destroy(&q), AC_EBUSY);
  assert_int_equal(ac_queue_shutdown(&q, 0), 0);
  assert_int_equal(ac_queue_destroy(&q), AC_EBUSY); /* woken, not run */
  finish(loop, t);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  t = join1(&q, 1);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), 0);
  start1(loop, t);
  assert_int_equal(ac_queue_destroy(&q), AC_EBUSY);
  assert_int_equal(ac_task_cancel(t), 0);
  finish(loop, t);
  assert_int_equal(ac_queue_destroy(&q), 0); /* items are the caller's */
  /* an operation on a queue destroyed after it was made fails */
  t = AC_TASK(get1(&q, 2));
  start1(loop, t);
  assert_int_equal(find_ev('g', 2)->err, AC_EINVAL);
  t = AC_TASK(get1(NULL, 3));
  start1(loop, t);
  assert_int_equal(find_ev('g', 3)->err, AC_EINVAL);
  assert_int_equal(ac_loop_close(loop), 0);
}

static ac_queue *g_cbq;     /* the queue the re-adding callback fills */
static ac_done_cb g_cbnode; /* its registration */
static intptr_t g_cbn;      /* items it put */

/* A done-callback that puts an item and re-adds itself: once per loop
 * iteration, and once per batch of a loop close. */
static void put_again_cb(ac_future *f, void *arg) {
  (void)arg;
  assert_int_equal(ac_queue_put_nowait(g_cbq, AC_QUEUE_ITEM(g_cbn)), 0);
  g_cbn++;
  assert_int_equal(ac_future_add_done_callback(f, &g_cbnode, put_again_cb,
                                               NULL), 0);
}
static void add_cb(void *arg) {
  memset(&g_cbnode, 0, sizeof g_cbnode);
  assert_int_equal(ac_future_add_done_callback(arg, &g_cbnode, put_again_cb,
                                               NULL), 0);
}

/* A loop close that frees tasks still waiting on a queue (they refuse
 * their cancellation) takes them off its lists; one freed with an item
 * handed to it gives the item back: every item put is either received or
 * still in the queue, once, and the queue can then be destroyed. */
static void test_loop_close_abandons(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_future f;
  ac_handle h = {0};
  ac_task *ts[3];
  intptr_t i;
  (void)state;
  g_nev = 0;
  g_cbn = 0;
  g_cbq = &q;
  ac_future_init(&f);
  assert_int_equal(ac_future_set_result(&f, NULL), 0);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  ts[0] = stubborn_getter(&q, 0);
  ts[1] = stubborn_getter(&q, 1);
  ts[2] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_call_soon(loop, &h, add_cb, &f), 0);
  for (i = 0; i < 5; i++)
    run_once(loop);
  assert_int_equal(ac_loop_close(loop), 0); /* 100 batches, then frees */
  assert_true(g_cbn > 100);
  assert_int_equal((intptr_t)g_nev + (intptr_t)ac_queue_qsize(&q), g_cbn);
  {
    /* each item once (the cancellations may reorder a few) */
    unsigned char seen[4096] = {0};
    void *item;
    assert_true(g_cbn < 4096);
    for (i = 0; i < g_nev; i++)
      seen[g_ev[i].item]++;
    while (ac_queue_get_nowait(&q, &item) == 0)
      seen[AC_QUEUE_INT(item)]++;
    for (i = 0; i < g_cbn; i++)
      assert_int_equal(seen[i], 1);
  }
  assert_int_equal(ac_queue_destroy(&q), 0);
}

/* A done-callback that takes an item (logged as 'c') and re-adds
 * itself. */
static void get_again_cb(ac_future *f, void *arg) {
  void *item;
  (void)arg;
  if (ac_queue_get_nowait(g_cbq, &item) == 0)
    log_ev('c', 0, item, 0);
  g_cbn++;
  assert_int_equal(ac_future_add_done_callback(f, &g_cbnode, get_again_cb,
                                               NULL), 0);
}
static void add_get_cb(void *arg) {
  memset(&g_cbnode, 0, sizeof g_cbnode);
  assert_int_equal(ac_future_add_done_callback(arg, &g_cbnode, get_again_cb,
                                               NULL), 0);
}

/* Every item logged as put ('p') was logged as taken ('c') once. */
static void check_each_put_got_once(void) {
  int i;
  int j;
  for (i = 0; i < g_nev; i++) {
    int n = 0;
    if (g_ev[i].what != 'p')
      continue;
    for (j = 0; j < g_nev; j++)
      n += g_ev[j].what == 'c' && g_ev[j].item == g_ev[i].item;
    assert_int_equal(n, 1);
  }
}

/* The same with putters: a loop close frees tasks waiting to put, one of
 * them promised a slot that it passes on as it is freed.  Every item a
 * putter put was either taken or is still in the queue, once. */
static void test_loop_close_abandons_putters(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_future f;
  ac_handle h = {0};
  ac_task *ts[3];
  int nput = 0;
  int ngot = 0;
  int i;
  void *item;
  (void)state;
  g_nev = 0;
  g_cbn = 0;
  g_cbq = &q;
  ac_future_init(&f);
  assert_int_equal(ac_future_set_result(&f, NULL), 0);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 1, NULL), 0);
  ts[0] = stubborn_putter(&q, 0, 0);
  ts[1] = stubborn_putter(&q, 1, 1000);
  ts[2] = NULL;
  start_all(loop, ts);
  assert_int_equal(ac_call_soon(loop, &h, add_get_cb, &f), 0);
  for (i = 0; i < 5; i++)
    run_once(loop);
  assert_int_equal(ac_loop_close(loop), 0);
  assert_true(g_cbn > 100);
  assert_true(q.pending == 0 && q.promised == 0);
  for (i = 0; i < g_nev; i++) {
    if (g_ev[i].what == 'p')
      nput++;
    else
      ngot++;
  }
  assert_int_equal(nput, ngot + (int)ac_queue_qsize(&q));
  while (ac_queue_get_nowait(&q, &item) == 0)
    log_ev('c', 0, item, 0);
  check_each_put_got_once();
  assert_int_equal(ac_queue_destroy(&q), 0);
}

/* Out of memory: the operation's frame (its await fails with
 * AC_ENOMEM), and the buffer's growth (the put changes nothing). */
static void test_enomem(void **state) {
  ac_allocator a = {fail_alloc, fail_free, NULL};
  ac_queue q;
  int i;
  (void)state;
  assert_int_equal(ac_set_allocator(&a), 0);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 0, NULL), 0);
  g_fail = 1;
  assert_null(ac_queue_get(&q));
  assert_null(ac_queue_put(&q, NULL));
  assert_null(ac_queue_join(&q));
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(1)), AC_ENOMEM);
  assert_int_equal(ac_queue_qsize(&q), 0);
  assert_int_equal(q.unfinished, 0);
  g_fail = 0;
  for (i = 0; i < 8; i++)
    assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(i)), 0);
  g_fail = 1;
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(8)), AC_ENOMEM);
  g_fail = 0;
  assert_int_equal(ac_queue_qsize(&q), 8);
  assert_int_equal(ac_queue_put_nowait(&q, AC_QUEUE_ITEM(8)), 0);
  for (i = 0; i < 9; i++)
    assert_int_equal(take(&q), i);
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_set_allocator(NULL), 0); /* nothing left live */
}

/* ------------------------------------------------------------------------ */
/* Many tasks                                                               */
/* ------------------------------------------------------------------------ */

/* A million items from a thousand producers to a thousand consumers
 * through a queue of 64: most of the time a thousand putters or a
 * thousand getters wait.  Every item arrives once; each consumer sees
 * each producer's items in order; join completes when all are done. */
static void test_million_items_thousand_waiters(void **state) {
  ac_loop *loop = new_loop(1);
  ac_queue q;
  ac_task **ts = calloc(NPROD + NCONS + 1, sizeof *ts);
  ac_task *j;
  size_t k;
  int i;
  (void)state;
  g_nev = 0;
  g_last = calloc((size_t)NCONS * NPROD, sizeof *g_last);
  g_seen = calloc((size_t)NPROD * PER, 1);
  assert_non_null(ts);
  assert_non_null(g_last);
  assert_non_null(g_seen);
  assert_int_equal(ac_queue_init(&q, AC_QUEUE_FIFO, 64, NULL), 0);
  for (i = 0; i < NCONS; i++) /* consumers first: they all wait */
    ts[i] = consumer(&q, i, NPROD * PER / NCONS);
  for (i = 0; i < NPROD; i++)
    ts[NCONS + i] = producer(&q, i, PER);
  ts[NCONS + NPROD] = NULL;
  start_all(loop, ts);
  /* the consumers took an item each from producer 0, which then filled
   * the queue; every other producer waits */
  assert_int_equal(ac_queue_qsize(&q), 64);
  assert_int_equal(list_length(&q.putters), NPROD - 1);
  j = join1(&q, 0);
  start1(loop, j);
  finish(loop, j);
  assert_int_equal(find_ev('j', 0)->err, 0);
  for (i = 0; i < NCONS + NPROD; i++) {
    finish(loop, ts[i]);
    assert_int_equal(ac_task_error(ts[i]), 0);
  }
  for (k = 0; k < (size_t)NPROD * PER; k++)
    assert_int_equal(g_seen[k], 1);
  assert_true(ac_queue_empty(&q));
  assert_int_equal(ac_queue_destroy(&q), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  free(g_last);
  free(g_seen);
  free(ts);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_init_and_edges),
      cmocka_unit_test(test_nowait_order),
      cmocka_unit_test(test_priority_stable),
      cmocka_unit_test(test_million_nowait),
      cmocka_unit_test(test_fast_path_and_spawned_get),
      cmocka_unit_test(test_getters_fifo),
      cmocka_unit_test(test_putters_fifo),
      cmocka_unit_test(test_handoff_and_promise_together),
      cmocka_unit_test(test_cancel_waiting_getter),
      cmocka_unit_test(test_cancel_handed_getter),
      cmocka_unit_test(test_cancel_handed_getter_next),
      cmocka_unit_test(test_cancel_pending_at_start),
      cmocka_unit_test(test_cancel_putters),
      cmocka_unit_test(test_join_and_cancel),
      cmocka_unit_test(test_uncancel_keeps_waiting),
      cmocka_unit_test(test_cancel_many_waiters),
      cmocka_unit_test(test_shutdown_putters),
      cmocka_unit_test(test_shutdown_getters),
      cmocka_unit_test(test_shutdown_immediate_join),
      cmocka_unit_test(test_destroy_busy),
      cmocka_unit_test(test_loop_close_abandons),
      cmocka_unit_test(test_loop_close_abandons_putters),
      cmocka_unit_test(test_enomem),
      cmocka_unit_test(test_million_items_thousand_waiters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
