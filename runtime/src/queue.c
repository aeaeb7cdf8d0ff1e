/*
 * queue.c - ac_queue: asyncio.Queue, LifoQueue and PriorityQueue, one
 * object with three kinds.  Items are borrowed void pointers, stored in a
 * growable ring buffer (FIFO and LIFO: puts go to the back, FIFO gets
 * take the front, LIFO gets the back) or in a binary min-heap of (item,
 * insertion number) entries (PRIORITY: equal items come out in insertion
 * order).
 *
 * ac_queue_get, ac_queue_put and ac_queue_join return coroutine frames
 * with hand-written resume functions, like ac_sleep.  State 0 finishes at
 * once when nothing is to wait for; otherwise the frame links itself (its
 * `link`, no allocation) on the queue's getters, putters or joiners list
 * and parks its task.  Whoever makes progress possible takes the first
 * waiter off its list, records in the frame what it was given (`how`),
 * and wakes the task; state 1 then finishes:
 *  - an item put while getters wait is handed to the first of them (into
 *    its frame): the queue stays empty while getters wait;
 *  - a slot freed while putters wait is promised to the first of them
 *    (q->promised): it puts its item when it runs, and nobody else can
 *    take that slot meanwhile;
 *  - join waiters are released when the count of unfinished items drops
 *    to 0; ac_queue_shutdown wakes every getter and putter.
 * A cancelled waiter still on a list unlinks itself (O(1)).  One that was
 * already handed an item puts it back (to the next getter, or at the head
 * of the queue); one that was promised a slot passes the promise on: a
 * cancelled get never takes an item, a cancelled put never puts one.
 */
#include "internal.h"

#include <stdint.h>

/* What became of an operation (ac__qop.how). */
enum {
  AC__QOP_IDLE = 0, /* not started, or finished */
  AC__QOP_WAITING,  /* on one of the queue's lists */
  AC__QOP_HANDED,   /* get: an item was handed to it (item, seq) */
  AC__QOP_PROMISED, /* put: a slot is kept for its item */
  AC__QOP_SHUTDOWN, /* get or put: woken by ac_queue_shutdown */
  AC__QOP_RELEASED  /* join: every item was marked done */
};

/* The frame of a get, put or join.  Its first two members have the
 * layout of ac_queue_get_task, so `await ac_queue_get(q)` reads ret. */
typedef struct ac__qop {
  ac_task co;             /* coroutine header */
  void *ret;              /* get: the item it gives (ac_ret) */
  ac_queue *q;            /* the queue */
  ac_task *root;          /* the task to wake */
  ac__link link;          /* on q's getters, putters or joiners */
  void *item;             /* put: its item; get: the item handed to it */
  unsigned long long seq; /* get: the handed item's insertion number */
  int err;                /* from the constructor: fail with it at once */
  int how;                /* AC__QOP_* */
} ac__qop;

/* A priority queue's heap entry: the insertion number breaks ties. */
typedef struct ac__qent {
  void *item;             /* the caller's item */
  unsigned long long seq; /* insertion number, for stable order */
} ac__qent;

static ac__step ac__queue_get_resume(ac_task *self);
static ac__step ac__queue_put_resume(ac_task *self);
static ac__step ac__queue_join_resume(ac_task *self);

/* ------------------------------------------------------------------------ */
/* Storage: the ring buffer and the heap                                    */
/* ------------------------------------------------------------------------ */

/* The size of one slot of q's buffer. */
static size_t ac__queue_esize(const ac_queue *q) {
  return q->kind == AC_QUEUE_PRIORITY ? sizeof(ac__qent) : sizeof(void *);
}

/* 1 if entry a comes out before entry b: the smaller item, and of equal
 * ones, the one put first. */
static int ac__qent_less(const ac_queue *q, const ac__qent *a,
                         const ac__qent *b) {
  int c = q->cmp(a->item, b->item);
  return c < 0 || (c == 0 && a->seq < b->seq);
}

/* Move the heap entry at i up to its place. */
static void ac__heap_up(ac_queue *q, size_t i) {
  ac__qent *h = q->buf;
  ac__qent e = h[i];

  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ac__qent_less(q, &e, &h[parent]))
      break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

/* Move the heap entry at i down to its place. */
static void ac__heap_down(ac_queue *q, size_t i) {
  ac__qent *h = q->buf;
  ac__qent e = h[i];
  size_t n = q->count;

  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n)
      break;
    if (c + 1 < n && ac__qent_less(q, &h[c + 1], &h[c]))
      c++;
    if (!ac__qent_less(q, &h[c], &e))
      break;
    h[i] = h[c];
    i = c;
  }
  h[i] = e;
}

/* Reallocate q's buffer with cap slots (cap >= count), keeping the items
 * in order (a ring is unwrapped to start at 0).  0 or AC_ENOMEM, in which
 * case q is unchanged. */
static int ac__queue_resize(ac_queue *q, size_t cap) {
  size_t es = ac__queue_esize(q);
  char *nb = ac_alloc(cap * es);
  size_t i;

  if (nb == NULL)
    return AC_ENOMEM;
  if (q->kind == AC_QUEUE_PRIORITY) {
    if (q->count > 0)
      memcpy(nb, q->buf, q->count * es);
  } else {
    for (i = 0; i < q->count; i++)
      ((void **)(void *)nb)[i] =
          ((void **)q->buf)[(q->head + i) & (q->cap - 1)];
  }
  ac_free(q->buf, q->cap * es);
  q->buf = nb;
  q->cap = cap;
  q->head = 0;
  return 0;
}

/* Make room for n items (doubling, so puts cost O(1) amortised).  The
 * queue keeps room for its items and for those handed to getters that
 * have not run (q->handed), so that putting one back never allocates. */
static int ac__queue_reserve(ac_queue *q, size_t n) {
  size_t cap = q->cap != 0 ? q->cap : 8;

  if (n <= q->cap)
    return 0;
  while (cap < n) {
    if (cap > SIZE_MAX / 2 / ac__queue_esize(q))
      return AC_ENOMEM;
    cap *= 2;
  }
  return ac__queue_resize(q, cap);
}

/* Halve the buffer once it is three-quarters unused, so that a queue that
 * once held a million items gives the memory back (amortised O(1)).  A
 * failure to shrink is harmless. */
static void ac__queue_shrink(ac_queue *q) {
  size_t used = q->count + q->handed;

  if (q->cap > 64 && used <= q->cap / 4)
    (void)ac__queue_resize(q, q->cap / 2);
}

/* Store item with its insertion number at the back (ring) or in the heap.
 * The room was reserved. */
static void ac__queue_store(ac_queue *q, void *item, unsigned long long seq) {
  if (q->kind == AC_QUEUE_PRIORITY) {
    ac__qent *h = q->buf;
    h[q->count].item = item;
    h[q->count].seq = seq;
    q->count++;
    ac__heap_up(q, q->count - 1);
  } else {
    ((void **)q->buf)[(q->head + q->count) & (q->cap - 1)] = item;
    q->count++;
  }
}

/* Take the next item out of storage (count > 0): FIFO the oldest, LIFO
 * the newest, PRIORITY the smallest. */
static void *ac__queue_pop(ac_queue *q) {
  void **ring = q->buf;
  void *item;

  if (q->kind == AC_QUEUE_PRIORITY) {
    ac__qent *h = q->buf;
    item = h[0].item;
    h[0] = h[--q->count];
    if (q->count > 0)
      ac__heap_down(q, 0);
  } else if (q->kind == AC_QUEUE_FIFO) {
    item = ring[q->head];
    q->head = (q->head + 1) & (q->cap - 1);
    q->count--;
  } else {
    item = ring[(q->head + q->count - 1) & (q->cap - 1)];
    q->count--;
  }
  return item;
}

/* ------------------------------------------------------------------------ */
/* Waking waiters                                                           */
/* ------------------------------------------------------------------------ */

/* Take the first waiter off list, record how it was served, and wake its
 * task; until it runs it counts in q->pending (the queue must outlive
 * it). */
static ac__qop *ac__queue_wake_first(ac_queue *q, ac__link *list, int how) {
  ac__qop *op = ac__container_of(list->next, ac__qop, link);

  ac__link_remove(&op->link);
  op->how = how;
  q->pending++;
  ac__task_wake(op->root);
  return op;
}

/* Hand item to the first waiting getter.  The room for putting it back
 * was reserved. */
static void ac__queue_hand(ac_queue *q, void *item, unsigned long long seq) {
  ac__qop *op = ac__queue_wake_first(q, &q->getters, AC__QOP_HANDED);

  op->item = item;
  op->seq = seq;
  q->handed++;
}

/* 1 if a put may store an item now: a slot is free that no woken putter
 * was promised. */
static int ac__queue_room(const ac_queue *q) {
  return q->maxsize == 0 || q->count + q->promised < q->maxsize;
}

/* 1 if a put may go ahead without waiting: no putter waits before it, and
 * a getter waits for the item or a slot is free. */
static int ac__queue_can_put(const ac_queue *q) {
  return ac__link_empty(&q->putters) &&
         (!ac__link_empty(&q->getters) || ac__queue_room(q));
}

/* Promise the free slots to waiting putters, oldest first. */
static void ac__queue_wake_putters(ac_queue *q) {
  while (!ac__link_empty(&q->putters) && ac__queue_room(q)) {
    ac__queue_wake_first(q, &q->putters, AC__QOP_PROMISED);
    q->promised++;
  }
}

/* Every item is done: release the join waiters. */
static void ac__queue_release_joiners(ac_queue *q) {
  while (!ac__link_empty(&q->joiners))
    ac__queue_wake_first(q, &q->joiners, AC__QOP_RELEASED);
}

/* ------------------------------------------------------------------------ */
/* The operations, shared by the awaitable and the nowait forms            */
/* ------------------------------------------------------------------------ */

/* Put item (the caller checked that it may): hand it to the first
 * waiting getter, or store it.  0, or AC_ENOMEM with nothing done. */
static int ac__queue_push(ac_queue *q, void *item) {
  int r = ac__queue_reserve(q, q->count + q->handed + 1);

  if (r != 0)
    return r;
  if (!ac__link_empty(&q->getters))
    ac__queue_hand(q, item, q->seq++);
  else
    ac__queue_store(q, item, q->seq++);
  q->unfinished++;
  return 0;
}

/* Take the next stored item (count > 0); the slot it frees goes to the
 * first waiting putter. */
static void *ac__queue_take(ac_queue *q) {
  void *item = ac__queue_pop(q);

  ac__queue_wake_putters(q);
  ac__queue_shrink(q);
  return item;
}

/* Put back an item a cancelled getter was handed (it is still counted as
 * unfinished): to the next waiting getter, else where it would have been
 * had it been stored - the head of a ring (FIFO: next out; LIFO: under the
 * items put after it), its own place in a heap.  Never allocates. */
static void ac__queue_unget(ac_queue *q, void *item, unsigned long long seq) {
  if (!ac__link_empty(&q->getters)) {
    ac__queue_hand(q, item, seq);
    return;
  }
  if (q->kind == AC_QUEUE_PRIORITY) {
    ac__queue_store(q, item, seq);
    return;
  }
  q->head = (q->head - 1) & (q->cap - 1);
  ((void **)q->buf)[q->head] = item;
  q->count++;
}

/* 1 if q has been initialised (and not destroyed). */
static int ac__queue_valid(const ac_queue *q) {
  return q != NULL && q->kind >= AC_QUEUE_FIFO &&
         q->kind <= AC_QUEUE_PRIORITY;
}

/* ------------------------------------------------------------------------ */
/* The frames                                                               */
/* ------------------------------------------------------------------------ */

/* Finish op with err (0: success) and msg. */
static ac__step ac__qop_finish(ac__qop *op, int err, const char *msg) {
  op->how = AC__QOP_IDLE;
  op->co.fut.err = err;
  op->co.fut.msg = msg;
  return AC__DONE;
}

/* If op's task is being cancelled, take the request: 1 if so. */
static int ac__qop_cancelled(ac__qop *op) {
  if (!(op->root->fut.flags & AC__F_CANCEL))
    return 0;
  op->root->fut.flags &= ~AC__F_CANCEL;
  return 1;
}

/* Finish op cancelled, with the cancellation's message. */
static ac__step ac__qop_cancel(ac__qop *op) {
  return ac__qop_finish(op, AC_ECANCELED, op->root->cancel_msg);
}

/* State 0 of every operation: the error to fail with before anything is
 * done (the constructor's, no task, a queue destroyed since, or a
 * cancellation already asked, which is taken), else 0. */
static int ac__qop_begin(ac__qop *op) {
  if (op->err != 0)
    return op->err;
  op->root = ac__current_task;
  if (op->root == NULL)
    return AC_ENOLOOP;
  if (!ac__queue_valid(op->q))
    return AC_EINVAL;
  if (ac__qop_cancelled(op)) {
    op->co.fut.msg = op->root->cancel_msg;
    return AC_ECANCELED;
  }
  return 0;
}

/* Park op at the tail of list: its task sleeps until it is served. */
static ac__step ac__qop_park(ac__qop *op, ac__link *list) {
  op->how = AC__QOP_WAITING;
  ac__link_insert_tail(list, &op->link);
  op->co.state = 1;
  return AC__SUSPEND;
}

/* Woken while still waiting: by a cancellation (leave the list and fail),
 * or a stray wake-up (a request withdrawn by ac_task_uncancel: wait on). */
static ac__step ac__qop_still_waiting(ac__qop *op) {
  if (!ac__qop_cancelled(op))
    return AC__SUSPEND;
  ac__link_remove(&op->link);
  return ac__qop_cancel(op);
}

/* get, state 0: take a stored item at once, or fail if the queue is shut
 * down and empty, or wait. */
static ac__step ac__queue_get_start(ac__qop *op) {
  ac_queue *q = op->q;
  int r = ac__qop_begin(op);

  if (r != 0)
    return ac__qop_finish(op, r, op->co.fut.msg);
  if (q->count > 0) {
    op->ret = ac__queue_take(q);
    return ac__qop_finish(op, 0, NULL);
  }
  if (q->shutdown)
    return ac__qop_finish(op, AC_ESHUTDOWN, NULL);
  return ac__qop_park(op, &q->getters);
}

/* get, state 1: served with an item (put it back if cancelled since), or
 * by a shutdown, or still waiting. */
static ac__step ac__queue_get_wake(ac__qop *op) {
  ac_queue *q = op->q;

  if (op->how == AC__QOP_WAITING)
    return ac__qop_still_waiting(op);
  q->pending--;
  if (op->how == AC__QOP_SHUTDOWN)
    return ac__qop_cancelled(op) ? ac__qop_cancel(op)
                                 : ac__qop_finish(op, AC_ESHUTDOWN, NULL);
  q->handed--;
  if (ac__qop_cancelled(op)) {
    ac__queue_unget(q, op->item, op->seq);
    return ac__qop_cancel(op);
  }
  op->ret = op->item;
  ac__queue_shrink(q);
  return ac__qop_finish(op, 0, NULL);
}

/* The resume function of ac_queue_get's frame. */
static ac__step ac__queue_get_resume(ac_task *self) {
  ac__qop *op = (ac__qop *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__queue_get_start(op);
  case 1:
    return ac__queue_get_wake(op);
  default:
    return ac__bad_state(self);
  }
}

/* put, state 0: hand the item to a waiting getter or store it at once if
 * there is room; fail if the queue is shut down; else wait. */
static ac__step ac__queue_put_start(ac__qop *op) {
  ac_queue *q = op->q;
  int r = ac__qop_begin(op);

  if (r != 0)
    return ac__qop_finish(op, r, op->co.fut.msg);
  if (q->shutdown)
    return ac__qop_finish(op, AC_ESHUTDOWN, NULL);
  if (ac__queue_can_put(q))
    return ac__qop_finish(op, ac__queue_push(q, op->item), NULL);
  return ac__qop_park(op, &q->putters);
}

/* put, state 1: promised a slot (put the item, unless cancelled or shut
 * down since: then the promise goes to the next putter), or woken by a
 * shutdown, or still waiting. */
static ac__step ac__queue_put_wake(ac__qop *op) {
  ac_queue *q = op->q;
  int cancelled;
  int r = 0;

  if (op->how == AC__QOP_WAITING)
    return ac__qop_still_waiting(op);
  q->pending--;
  if (op->how == AC__QOP_SHUTDOWN)
    return ac__qop_cancelled(op) ? ac__qop_cancel(op)
                                 : ac__qop_finish(op, AC_ESHUTDOWN, NULL);
  q->promised--;
  cancelled = ac__qop_cancelled(op);
  if (!cancelled)
    r = q->shutdown ? AC_ESHUTDOWN : ac__queue_push(q, op->item);
  ac__queue_wake_putters(q); /* the slot, if the item did not take it */
  return cancelled ? ac__qop_cancel(op) : ac__qop_finish(op, r, NULL);
}

/* The resume function of ac_queue_put's frame. */
static ac__step ac__queue_put_resume(ac_task *self) {
  ac__qop *op = (ac__qop *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__queue_put_start(op);
  case 1:
    return ac__queue_put_wake(op);
  default:
    return ac__bad_state(self);
  }
}

/* join, state 0: done at once if no item is unfinished, else wait. */
static ac__step ac__queue_join_start(ac__qop *op) {
  int r = ac__qop_begin(op);

  if (r != 0)
    return ac__qop_finish(op, r, op->co.fut.msg);
  if (op->q->unfinished == 0)
    return ac__qop_finish(op, 0, NULL);
  return ac__qop_park(op, &op->q->joiners);
}

/* join, state 1: released (a cancellation since still wins: nothing is
 * lost by it), or still waiting. */
static ac__step ac__queue_join_wake(ac__qop *op) {
  if (op->how == AC__QOP_WAITING)
    return ac__qop_still_waiting(op);
  op->q->pending--;
  if (ac__qop_cancelled(op))
    return ac__qop_cancel(op);
  return ac__qop_finish(op, 0, NULL);
}

/* The resume function of ac_queue_join's frame. */
static ac__step ac__queue_join_resume(ac_task *self) {
  ac__qop *op = (ac__qop *)(void *)self;

  switch (self->state) {
  case 0:
    return ac__queue_join_start(op);
  case 1:
    return ac__queue_join_wake(op);
  default:
    return ac__bad_state(self);
  }
}

/* A new operation frame on q; an invalid q makes its await fail with
 * AC_EINVAL.  NULL on ENOMEM. */
static ac__qop *ac__qop_new(ac_queue *q, ac__step (*resume)(ac_task *),
                            const char *name) {
  ac__qop *op = ac__frame_new(sizeof *op, resume, 0, name);

  if (op == NULL)
    return NULL;
  op->q = q;
  if (!ac__queue_valid(q))
    op->err = AC_EINVAL;
  return op;
}

/* A frame freed unfinished (a loop close freeing a task that did not
 * unwind): take it off the queue's lists, and give back what it was given
 * - a handed item goes back into the queue, a promised slot to the next
 * putter - so that the queue stays consistent and loses nothing. */
void ac__queue_abandon(ac_task *co) {
  ac__qop *op = (ac__qop *)(void *)co;
  ac_queue *q;

  if (co->resume != ac__queue_get_resume &&
      co->resume != ac__queue_put_resume &&
      co->resume != ac__queue_join_resume)
    return;
  q = op->q;
  if (op->how == AC__QOP_WAITING) {
    ac__link_remove(&op->link);
  } else if (op->how != AC__QOP_IDLE) {
    q->pending--;
    if (op->how == AC__QOP_HANDED) {
      q->handed--;
      ac__queue_unget(q, op->item, op->seq);
    } else if (op->how == AC__QOP_PROMISED) {
      q->promised--;
      ac__queue_wake_putters(q);
    }
  }
  op->how = AC__QOP_IDLE;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

/* Initialise caller-owned storage as an empty queue.  Allocates nothing:
 * the buffer grows with the first puts. */
int ac_queue_init(ac_queue *q, int kind, size_t maxsize, ac_queue_cmp cmp) {
  if (q == NULL || kind < AC_QUEUE_FIFO || kind > AC_QUEUE_PRIORITY)
    return AC_EINVAL;
  if ((kind == AC_QUEUE_PRIORITY) != (cmp != NULL))
    return AC_EINVAL;
  memset(q, 0, sizeof *q);
  q->kind = kind;
  q->maxsize = maxsize;
  q->cmp = cmp;
  ac__link_init(&q->getters);
  ac__link_init(&q->putters);
  ac__link_init(&q->joiners);
  return 0;
}

/* Free the buffer, unless an operation still refers to q. */
int ac_queue_destroy(ac_queue *q) {
  if (!ac__queue_valid(q))
    return AC_EINVAL;
  if (!ac__link_empty(&q->getters) || !ac__link_empty(&q->putters) ||
      !ac__link_empty(&q->joiners) || q->pending != 0)
    return AC_EBUSY;
  ac_free(q->buf, q->cap * ac__queue_esize(q));
  memset(q, 0, sizeof *q);
  return 0;
}

/* The awaitable put: see ac.h. */
ac_queue_put_task *ac_queue_put(ac_queue *q, void *item) {
  ac__qop *op = ac__qop_new(q, ac__queue_put_resume, "ac_queue_put");

  if (op != NULL)
    op->item = item;
  return (ac_queue_put_task *)(void *)op;
}

/* The awaitable get: see ac.h. */
ac_queue_get_task *ac_queue_get(ac_queue *q) {
  return (ac_queue_get_task *)(void *)ac__qop_new(q, ac__queue_get_resume,
                                                  "ac_queue_get");
}

/* The awaitable join: see ac.h. */
ac_queue_join_task *ac_queue_join(ac_queue *q) {
  return (ac_queue_join_task *)(void *)ac__qop_new(q, ac__queue_join_resume,
                                                   "ac_queue_join");
}

/* Put without waiting: what the awaitable put does when it need not wait. */
int ac_queue_put_nowait(ac_queue *q, void *item) {
  if (!ac__queue_valid(q))
    return AC_EINVAL;
  if (q->shutdown)
    return AC_ESHUTDOWN;
  if (!ac__queue_can_put(q))
    return AC_EFULL;
  return ac__queue_push(q, item);
}

/* Get without waiting: the next stored item. */
int ac_queue_get_nowait(ac_queue *q, void **item) {
  if (!ac__queue_valid(q) || item == NULL)
    return AC_EINVAL;
  if (q->count == 0)
    return q->shutdown ? AC_ESHUTDOWN : AC_EEMPTY;
  *item = ac__queue_take(q);
  return 0;
}

/* Items in the queue. */
size_t ac_queue_qsize(const ac_queue *q) {
  return ac__queue_valid(q) ? q->count : 0;
}

/* 1 if a get would wait (or fail, once shut down). */
int ac_queue_empty(const ac_queue *q) {
  return !ac__queue_valid(q) || q->count == 0;
}

/* 1 if a put would wait: every slot is taken or promised to a woken
 * putter, or putters wait. */
int ac_queue_full(const ac_queue *q) {
  return ac__queue_valid(q) && !ac__queue_can_put(q);
}

/* The bound given to ac_queue_init (0: none). */
size_t ac_queue_maxsize(const ac_queue *q) {
  return ac__queue_valid(q) ? q->maxsize : 0;
}

/* One item taken from q is processed; the last one releases join. */
int ac_queue_task_done(ac_queue *q) {
  if (!ac__queue_valid(q))
    return AC_EINVAL;
  if (q->unfinished == 0)
    return AC_ESTATE;
  if (--q->unfinished == 0)
    ac__queue_release_joiners(q);
  return 0;
}

/* Python 3.13's Queue.shutdown(immediate). */
int ac_queue_shutdown(ac_queue *q, int immediate) {
  size_t drained;

  if (!ac__queue_valid(q))
    return AC_EINVAL;
  q->shutdown = 1;
  if (immediate) {
    drained = q->count;
    q->count = 0;
    q->head = 0;
    q->unfinished -= drained < q->unfinished ? drained : q->unfinished;
    if (q->unfinished == 0)
      ac__queue_release_joiners(q);
    ac__queue_shrink(q);
  }
  while (!ac__link_empty(&q->getters))
    ac__queue_wake_first(q, &q->getters, AC__QOP_SHUTDOWN);
  while (!ac__link_empty(&q->putters))
    ac__queue_wake_first(q, &q->putters, AC__QOP_SHUTDOWN);
  return 0;
}
