/*
 * timer.c - ac_handle: call_soon, call_later/call_at and cancellation.
 *
 * call_soon handles go straight on the ready queue through their embedded
 * waiter.  Timer handles sit in an intrusive binary min-heap keyed by
 * (when, seq), linked through ac_handle.heap (as libuv's heap-inl.h does
 * for uv_timer_t): O(log n) insert and remove, no allocation.  Once due,
 * a timer moves to the ready queue, still active until it runs.
 */
#include "internal.h"

#include <string.h>

#define AC__LEFT(h) ((h)->heap[0])   /* left child */
#define AC__RIGHT(h) ((h)->heap[1])  /* right child */
#define AC__PARENT(h) ((h)->heap[2]) /* parent, NULL for the root */

/* Heap order: earlier deadline first, then scheduling order. */
static int ac__timer_less(const ac_handle *a, const ac_handle *b) {
  if (a->when != b->when)
    return a->when < b->when;
  return a->seq < b->seq;
}

/* Swap a node with its child in the tree, fixing every link around them. */
static void ac__heap_swap(ac_loop *loop, ac_handle *parent, ac_handle *child) {
  ac_handle *sibling;
  ac_handle *t[3];
  int i;

  for (i = 0; i < 3; i++) {
    t[i] = parent->heap[i];
    parent->heap[i] = child->heap[i];
    child->heap[i] = t[i];
  }
  AC__PARENT(parent) = child;
  if (AC__LEFT(child) == child) {
    AC__LEFT(child) = parent;
    sibling = AC__RIGHT(child);
  } else {
    AC__RIGHT(child) = parent;
    sibling = AC__LEFT(child);
  }
  if (sibling != NULL)
    AC__PARENT(sibling) = child;
  if (AC__LEFT(parent) != NULL)
    AC__PARENT(AC__LEFT(parent)) = parent;
  if (AC__RIGHT(parent) != NULL)
    AC__PARENT(AC__RIGHT(parent)) = parent;
  if (AC__PARENT(child) == NULL)
    loop->timer_min = child;
  else if (AC__LEFT(AC__PARENT(child)) == parent)
    AC__LEFT(AC__PARENT(child)) = child;
  else
    AC__RIGHT(AC__PARENT(child)) = child;
}

/* The slot (in the root pointer or a node) of the n-th node in level order,
 * n >= 1, following the bits of n below its top bit; *parent is set to the
 * node owning that slot (NULL for the root). */
static ac_handle **ac__heap_slot(ac_loop *loop, unsigned long n,
                                 ac_handle **parent) {
  unsigned long path = 0;
  unsigned k = 0;
  ac_handle **slot = &loop->timer_min;

  for (; n >= 2; k++, n /= 2)
    path = (path << 1) | (n & 1);
  *parent = NULL;
  while (k-- > 0) {
    *parent = *slot;
    slot = (path & 1) ? &AC__RIGHT(*slot) : &AC__LEFT(*slot);
    path >>= 1;
  }
  return slot;
}

/* Add h at the bottom of the heap and sift it up. */
static void ac__heap_insert(ac_loop *loop, ac_handle *h) {
  ac_handle *parent;
  ac_handle **slot = ac__heap_slot(loop, loop->timer_count + 1, &parent);

  AC__LEFT(h) = NULL;
  AC__RIGHT(h) = NULL;
  AC__PARENT(h) = parent;
  *slot = h;
  loop->timer_count++;
  while (AC__PARENT(h) != NULL && ac__timer_less(h, AC__PARENT(h)))
    ac__heap_swap(loop, AC__PARENT(h), h);
}

/* Sift `node` down, then up, until the heap property holds around it. */
static void ac__heap_fix(ac_loop *loop, ac_handle *node) {
  for (;;) {
    ac_handle *smallest = node;
    if (AC__LEFT(node) != NULL && ac__timer_less(AC__LEFT(node), smallest))
      smallest = AC__LEFT(node);
    if (AC__RIGHT(node) != NULL && ac__timer_less(AC__RIGHT(node), smallest))
      smallest = AC__RIGHT(node);
    if (smallest == node)
      break;
    ac__heap_swap(loop, node, smallest);
  }
  while (AC__PARENT(node) != NULL && ac__timer_less(node, AC__PARENT(node)))
    ac__heap_swap(loop, AC__PARENT(node), node);
}

/* Take h out of the heap: the last node takes its place and is re-sifted. */
static void ac__heap_remove(ac_loop *loop, ac_handle *h) {
  ac_handle *parent;
  ac_handle **slot = ac__heap_slot(loop, loop->timer_count, &parent);
  ac_handle *last = *slot;

  *slot = NULL;
  loop->timer_count--;
  if (last == h)
    return; /* h was the last node (possibly the only one) */
  AC__LEFT(last) = AC__LEFT(h);
  AC__RIGHT(last) = AC__RIGHT(h);
  AC__PARENT(last) = AC__PARENT(h);
  if (AC__LEFT(last) != NULL)
    AC__PARENT(AC__LEFT(last)) = last;
  if (AC__RIGHT(last) != NULL)
    AC__PARENT(AC__RIGHT(last)) = last;
  if (AC__PARENT(h) == NULL)
    loop->timer_min = last;
  else if (AC__LEFT(AC__PARENT(h)) == h)
    AC__LEFT(AC__PARENT(h)) = last;
  else
    AC__RIGHT(AC__PARENT(h)) = last;
  ac__heap_fix(loop, last);
}

/* The ready-queue run function of a call_soon/timer handle. */
static void ac__handle_run(ac_waiter *w) {
  ac_handle *h = ac__container_of(w, ac_handle, w);
  h->flags &= ~AC__H_ACTIVE;
  h->cb(h->arg);
}

/* 1 if w belongs to an ac_handle rather than a task or done-callback. */
int ac__waiter_is_handle(const ac_waiter *w) {
  return w->run == ac__handle_run || w->run == ac__async_run;
}

/* Mark a dropped handle (already off every list) as not scheduled. */
void ac__handle_drop(ac_waiter *w) {
  ac_handle *h = ac__container_of(w, ac_handle, w);
  if (h->flags & AC__H_TS) {
    uv_mutex_lock(&h->w.loop->ts_mutex);
    h->flags = 0;
    uv_mutex_unlock(&h->w.loop->ts_mutex);
  } else {
    h->flags &= ~(AC__H_ACTIVE | AC__H_HEAP);
  }
}

/* Seconds to ns for a delay or a deadline: negative is 0, huge saturates.
 * AC_EINVAL for NaN. */
static int ac__seconds_to_ns(double s, unsigned long long *out) {
  if (s != s)
    return AC_EINVAL;
  if (s <= 0)
    *out = 0;
  else if (s >= 18446744073.0) /* ~ULLONG_MAX ns */
    *out = ~0ULL;
  else
    *out = (unsigned long long)(s * 1e9);
  return 0;
}

/* Checks shared by the scheduling functions. */
static int ac__handle_check(ac_loop *loop, ac_handle *h, ac_callback cb) {
  if (loop == NULL || h == NULL || cb == NULL)
    return AC_EINVAL;
  if (h->flags & AC__H_ACTIVE)
    return AC_EBUSY;
  return 0;
}

/* Fill in a handle that is about to be scheduled. */
static void ac__handle_set(ac_loop *loop, ac_handle *h, ac_callback cb,
                           void *arg, unsigned flags) {
  h->w.loop = loop;
  h->w.from = NULL;
  h->cb = cb;
  h->arg = arg;
  h->flags = AC__H_ACTIVE | flags;
  h->w.run = ac__handle_run;
}

/* Schedule cb(arg) for the next iteration. */
int ac_call_soon(ac_loop *loop, ac_handle *h, ac_callback cb, void *arg) {
  int r = ac__handle_check(loop, h, cb);
  if (r != 0)
    return r;
  ac__handle_set(loop, h, cb, arg, 0);
  h->when = 0;
  h->seq = 0;
  ac__waiter_queue(&h->w, NULL);
  return 0;
}

/* Put a checked handle in the heap with deadline `when` (ns). */
static void ac__timer_start(ac_loop *loop, ac_handle *h, unsigned long long when,
                            ac_callback cb, void *arg) {
  ac__handle_set(loop, h, cb, arg, AC__H_TIMER | AC__H_HEAP);
  h->when = when;
  h->seq = loop->timer_seq++;
  ac__heap_insert(loop, h);
}

/* Schedule cb(arg) `delay` seconds from now (negative counts as 0). */
int ac_call_later(ac_loop *loop, ac_handle *h, double delay, ac_callback cb,
                  void *arg) {
  unsigned long long ns;
  unsigned long long now;
  int r = ac__handle_check(loop, h, cb);

  if (r == 0)
    r = ac__seconds_to_ns(delay, &ns);
  if (r != 0)
    return r;
  now = ac__loop_now(loop);
  ac__timer_start(loop, h, ns > ~0ULL - now ? ~0ULL : now + ns, cb, arg);
  return 0;
}

/* Schedule cb(arg) at loop time `when` seconds (a past time is due now). */
int ac_call_at(ac_loop *loop, ac_handle *h, double when, ac_callback cb,
               void *arg) {
  unsigned long long ns;
  int r = ac__handle_check(loop, h, cb);

  if (r == 0)
    r = ac__seconds_to_ns(when, &ns);
  if (r != 0)
    return r;
  ac__timer_start(loop, h, ns, cb, arg);
  return 0;
}

/* Cancel a scheduled handle: out of the heap, or off the ready queue. */
int ac_handle_cancel(ac_handle *h) {
  if (h == NULL)
    return AC_EINVAL;
  if (!(h->flags & AC__H_ACTIVE))
    return AC_ESTATE;
  if (h->flags & AC__H_TS)
    return AC_EINVAL;
  if (h->flags & AC__H_HEAP)
    ac__heap_remove(h->w.loop, h);
  else
    ac__link_remove(&h->w.link);
  h->flags &= ~(AC__H_ACTIVE | AC__H_HEAP);
  return 0;
}

/* 1 while h is scheduled and has not run. */
int ac_handle_active(const ac_handle *h) {
  return h != NULL && (h->flags & AC__H_ACTIVE) != 0;
}

/* A timer's deadline in loop seconds; 0 for other handles. */
double ac_handle_when(const ac_handle *h) {
  if (h == NULL || !(h->flags & AC__H_TIMER))
    return 0.0;
  return (double)h->when / 1e9;
}

/* Move the timers due at `now` to the ready queue, earliest first. */
void ac__timers_expire(ac_loop *loop, unsigned long long now) {
  while (loop->timer_min != NULL && loop->timer_min->when <= now) {
    ac_handle *h = loop->timer_min;
    ac__heap_remove(loop, h);
    h->flags &= ~AC__H_HEAP;
    ac__waiter_queue(&h->w, NULL);
  }
}

/* Forget every timer in the heap without running it. */
void ac__timers_drop(ac_loop *loop) {
  while (loop->timer_min != NULL) {
    ac_handle *h = loop->timer_min;
    ac__heap_remove(loop, h);
    h->flags &= ~(AC__H_ACTIVE | AC__H_HEAP);
  }
}

/* A handle that is on no queue and was never scheduled. */
void ac_handle_init(ac_handle *h) {
  if (h != NULL)
    memset(h, 0, sizeof *h);
}
