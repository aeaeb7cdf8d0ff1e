/*
 * internal.h - libac's private declarations (ac__ names), shared by the
 * files of runtime/src.  Like libuv's uv-common.h: the loop structure, the
 * intrusive list helpers, the thread-locals, and one section of prototypes
 * per .c file.  Never installed; only this header includes uv.h.
 */
#ifndef AC_INTERNAL_H
#define AC_INTERNAL_H

/* uv.h needs POSIX types (pthread_rwlock_t, ...) that strict -std=c11 hides.
 * Every .c file includes this header first. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "ac.h"

#include <stddef.h>
#include <uv.h>

/* Everything declared below is private to the library: keep it out of
 * libac.so's dynamic symbol table (ac.h's declarations, included above,
 * keep the default visibility). */
#pragma GCC visibility push(hidden)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* The struct of type `type` whose member `member` is at ptr. */
#define ac__container_of(ptr, type, member)                                   \
  ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Make h an empty list head. */
static inline void ac__link_init(ac__link *h) {
  h->next = h;
  h->prev = h;
}

/* 1 if the list headed by h has no nodes. */
static inline int ac__link_empty(const ac__link *h) { return h->next == h; }

/* 1 if node n is on some list (see ac__link in ac.h). */
static inline int ac__link_linked(const ac__link *n) { return n->next != NULL; }

/* Append node n at the tail of the list headed by h. */
static inline void ac__link_insert_tail(ac__link *h, ac__link *n) {
  n->next = h;
  n->prev = h->prev;
  h->prev->next = n;
  h->prev = n;
}

/* Take node n off its list and mark it as on no list. */
static inline void ac__link_remove(ac__link *n) {
  n->prev->next = n->next;
  n->next->prev = n->prev;
  n->next = NULL;
  n->prev = NULL;
}

/* Append every node of `from` at the tail of `to`, in order; `from` is left
 * empty.  O(1). */
static inline void ac__link_move(ac__link *from, ac__link *to) {
  if (ac__link_empty(from))
    return;
  from->next->prev = to->prev;
  to->prev->next = from->next;
  from->prev->next = to;
  to->prev = from->prev;
  ac__link_init(from);
}

/* ------------------------------------------------------------------------ */
/* Private bits of the public structs                                       */
/* ------------------------------------------------------------------------ */

/* ac_future.state */
enum {
  AC__FUT_PENDING = 0,  /* not done yet */
  AC__FUT_DONE = 1,     /* done with a value or an error */
  AC__FUT_CANCELLED = 2 /* done with AC_ECANCELED */
};

/* ac_future.flags: what kind of awaitable it is, and the frame's state. */
enum {
  AC__F_FUTURE = 0x0001,   /* a plain future (ac_future_init/new) */
  AC__F_ALLOC = 0x0002,    /* ...from ac_future_new: ac_future_free may free */
  AC__F_CORO = 0x0004,     /* a coroutine frame (ac__frame_new) */
  AC__F_TASK = 0x0008,     /* ...made a root task by ac_task_spawn */
  AC__F_OWNED = 0x0010,    /* ...consumed by an inline await (caller owns it) */
  AC__F_STARTED = 0x0020,  /* ...its body has been entered */
  AC__F_RELEASED = 0x0040, /* task: ac_task_release dropped the handle */
  AC__F_CANCEL = 0x0080,   /* task: a cancellation request is pending */
  AC__F_DOOMED = 0x0100,   /* task: cancelled by ac_loop_close */
  AC__F_INT = 0x0200,      /* frame made with AC__CO_INT_RESULT */
  AC__F_WALK = 0x4000,     /* task: on the chain a cancel is walking */
  AC__F_RETRIEVED = 0x8000 /* task: its outcome was read (no report) */
};

/* ac_handle.flags */
enum {
  AC__H_ACTIVE = 0x1, /* scheduled and not yet run, cancelled or dropped */
  AC__H_HEAP = 0x2,   /* in the loop's timer heap (else on the ready queue) */
  AC__H_TIMER = 0x4,  /* has a deadline (call_later/call_at) */
  AC__H_TS = 0x8      /* posted by ac_call_soon_threadsafe */
};

/* ------------------------------------------------------------------------ */
/* The loop                                                                 */
/* ------------------------------------------------------------------------ */

struct ac_loop {
  uv_loop_t uv;                /* the libuv loop underneath */
  ac__link ready;              /* ac_waiter nodes to run next iteration */
  ac__link tasks;              /* every task spawned on this loop (ac_task.tasks) */
  ac__link done_cbs;           /* done-callbacks bound to it, still waiting
                                  on their future (ac_done_cb.bound) */
  ac_handle *timer_min;        /* root of the timer min-heap, or NULL */
  unsigned long timer_count;   /* handles in the timer heap */
  unsigned long long timer_seq; /* next FIFO sequence number for timers */
  uv_timer_t timer;            /* armed for the earliest deadline (real clock) */
  uv_async_t async;            /* wakes the loop for call_soon_threadsafe */
  uv_mutex_t ts_mutex;         /* guards ts_list and AC__H_TS handle flags */
  ac__link ts_list;            /* handles posted from other threads */
  unsigned long long vnow;     /* virtual time, ns */
  int virtual_clock;           /* 1: time jumps to the next deadline */
  int stop;                    /* ac_loop_stop was called */
  int running;                 /* inside run_forever/run_until_complete/close */
  struct ac__port *exec_port;  /* threadpool.c: where ac_executor work comes
                                  back to this loop, or NULL */
};

/* ------------------------------------------------------------------------ */
/* alloc.c                                                                  */
/* ------------------------------------------------------------------------ */

/* Allocate size bytes and zero them (NULL on failure). */
void *ac__alloc_zeroed(size_t size);

/* ------------------------------------------------------------------------ */
/* loop.c                                                                   */
/* ------------------------------------------------------------------------ */

/* The loop running (or being closed) on this thread, or NULL. */
extern _Thread_local ac_loop *ac__current_loop;

/* Queue w at the tail of its loop's (w->loop) ready queue; it runs next
 * iteration.  from (or NULL): the future whose completion queues it, which
 * holds w (ac_future.held) until w has run or is dropped. */
void ac__waiter_queue(ac_waiter *w, ac_future *from);
/* Move w to the tail of its loop's ready queue, off whatever list it is
 * on; the hold it has on a future (if queued by one) stays. */
void ac__waiter_requeue(ac_waiter *w);
/* Take w off whatever list it is on (a waiter list or a ready queue) and
 * drop its hold on a future, if it has one. */
void ac__waiter_unlink(ac_waiter *w);
/* The loop's clock in ns (virtual or uv_hrtime). */
unsigned long long ac__loop_now(const ac_loop *loop);

/* ------------------------------------------------------------------------ */
/* future.c                                                                 */
/* ------------------------------------------------------------------------ */

/* Mark f done with err (0 = success) and move its waiters, in order, to
 * their loops' ready queues (a waiter bound to no loop: the current one);
 * each is counted in f->held until it has run.  The caller checked that
 * this is possible. */
void ac__future_complete(ac_future *f, int err);
/* Drop one hold on f; the last one frees f if it is a released, finished
 * task. */
void ac__future_unhold(ac_future *f);
/* Take every waiter off f's list without running it (ac__task_destroy). */
void ac__future_drop_waiters(ac_future *f);
/* Unbind the done-callbacks bound to loop that still wait on a future
 * (ac_loop_close): they will run on the loop current at completion. */
void ac__done_cbs_unbind(ac_loop *loop);

/* ------------------------------------------------------------------------ */
/* task.c                                                                   */
/* ------------------------------------------------------------------------ */

/* The root task whose trampoline is running on this thread, or NULL. */
extern _Thread_local ac_task *ac__current_task;

/* Queue root's wake waiter on its loop's ready queue, unless it is already
 * on some list. */
void ac__task_wake(ac_task *root);
/* Ask the task t itself to cancel, whatever it waits on (ac_loop_close):
 * flag it and wake it.  0, or AC_ESTATE if done. */
int ac__task_request_cancel(ac_task *t);
/* asyncio's Task.cancel(msg) (ac_task_cancel_msg, ac_future_cancel): also
 * cancels what t waits on.  0, or AC_ESTATE if done. */
int ac__task_cancel(ac_task *t, const char *msg);
/* Free a coroutine frame (through the allocator, with its recorded size). */
void ac__frame_free(ac_task *co);
/* Free t if it is a released, finished task that nothing holds. */
void ac__task_reap(ac_task *t);
/* Free a task's frame and every inline frame of its chain, whatever their
 * state (ac_loop_close, after cancellation). */
void ac__task_destroy(ac_task *root);

/* ------------------------------------------------------------------------ */
/* report.c                                                                 */
/* ------------------------------------------------------------------------ */

/* Report t, about to be freed, if it failed with an error other than
 * AC_ECANCELED that nobody retrieved (ac_set_unretrieved_handler). */
void ac__task_report(ac_task *t);

/* ------------------------------------------------------------------------ */
/* shield.c                                                                 */
/* ------------------------------------------------------------------------ */

/* If co is a shield frame freed without finishing (ac__task_destroy), take
 * its done-callback off the future it watches. */
void ac__shield_abandon(ac_task *co);

/* ------------------------------------------------------------------------ */
/* timer.c                                                                  */
/* ------------------------------------------------------------------------ */

/* Move every timer due at `now` (ns) to the ready queue, in (when, seq)
 * order. */
void ac__timers_expire(ac_loop *loop, unsigned long long now);
/* Forget every scheduled timer without running it (ac_loop_close). */
void ac__timers_drop(ac_loop *loop);
/* 1 if w is the waiter of an ac_handle (call_soon, timer or threadsafe). */
int ac__waiter_is_handle(const ac_waiter *w);
/* Mark the handle whose waiter w is (already unlinked) as not scheduled. */
void ac__handle_drop(ac_waiter *w);

/* ------------------------------------------------------------------------ */
/* async.c                                                                  */
/* ------------------------------------------------------------------------ */

/* uv_async_t callback: take the handles posted from other threads. */
void ac__async_cb(uv_async_t *a);
/* Move handles posted from other threads to the ready queue. */
void ac__async_drain(ac_loop *loop);
/* Forget posted handles that have not run (ac_loop_close). */
void ac__async_drop(ac_loop *loop);
/* The ready-queue run function of a posted handle. */
void ac__async_run(ac_waiter *w);

/* ------------------------------------------------------------------------ */
/* gen.c (generators)                                                       */
/* ------------------------------------------------------------------------ */

/* ac_future.flags bits of generators (the other AC__F_* bits are above;
 * a generator frame has none of them, so it is no coroutine, task or
 * future to the rest of the runtime). */
enum {
  AC__F_ANEXT = 0x1000, /* the awaitable step of an async generator */
  AC__F_GEN = 0x2000    /* a generator frame (ac__gen_new) */
};

/* ac_gen.gflags */
enum {
  AC__G_ASYNC = 0x01,        /* an async generator (AC__GEN_ASYNC) */
  AC__G_STARTED = 0x02,      /* its body has been entered */
  AC__G_RUNNING = 0x04,      /* root being stepped; delegated to, on a
                                chain; async: its step runs in a task */
  AC__G_CLOSING = 0x08,      /* root: ac_gen_close is unwinding it */
  AC__G_OWNED = 0x10,        /* consumed by a yield from: its slot owns it */
  AC__G_ARMED = 0x20,        /* async: a step is armed, not yet awaited */
  AC__G_THROW = 0x40,        /* async: ...and it is an athrow */
  AC__G_CLOSE_PENDING = 0x80 /* delegating when close began: its yield
                                from fails with AC_ECLOSED */
};

/* ac__await of an async generator's step (AC__F_ANEXT): run the generator
 * inline in self's task (root, or NULL if none).  0: self suspends; 1: the
 * await is over at once (ac__check reports it). */
int ac__gen_await(ac_task *self, ac_future *step, ac_task *root);
/* ac__task_step: the generator frame co, top of root's chain, returned
 * how (AC__YIELD.done or AC__DONE.done): complete its step, pop to the
 * frame awaiting it. */
void ac__gen_pop(ac_task *root, ac_task *co, int how);
/* ac__task_destroy: the generator frame co is on a chain being freed
 * without unwinding; finish it (AC_ECANCELED) instead of freeing it: its
 * handle is its user's. */
void ac__gen_abandon(ac_task *co);
/* ac__release of a slot inside co's caller: free co if a yield from
 * consumed it. */
void ac__gen_release(ac_task *co);
/* The error an await records when it would suspend with no current task:
 * AC_ECLOSED in a generator being closed, else AC_ENOLOOP. */
int ac__gen_no_task(const ac_task *self);

/* ------------------------------------------------------------------------ */
/* sync.c (the operation frame of the synchronisation primitives)           */
/* ------------------------------------------------------------------------ */

typedef struct ac__sync_op ac__sync_op;

/* One kind of operation (a lock acquire, an event wait, ...).  start and
 * wake return AC__SYNC_PARK to park the task (op is then on one of the
 * primitive's waiter lists) or AC__SYNC_OVER when the op is over (its
 * outcome recorded with ac__sync_finish). */
typedef struct ac__sync_kind {
  const char *name;                 /* the frame's name, for reports */
  int (*start)(ac__sync_op *op);    /* its first run, inside the await */
  int (*wake)(ac__sync_op *op);     /* resumed while parked */
  void (*abandon)(ac__sync_op *op); /* freed while parked (ac_loop_close
                                       freeing a task that did not unwind):
                                       leave the lists, pass grants on */
} ac__sync_kind;

enum { AC__SYNC_OVER = 0, AC__SYNC_PARK = 1 };

/* ac__sync_op.bits */
enum {
  AC__SYNC_WOKEN = 0x01,     /* granted what it waits for (lock, permit,
                                event, barrier's trip or drain) */
  AC__SYNC_NOTIFIED = 0x02,  /* condition: a notify chose it */
  AC__SYNC_CANCELLED = 0x04, /* condition: cancelled, fails once relocked */
  AC__SYNC_RELOCK = 0x08,    /* condition: waits on the lock, not on it */
  AC__SYNC_FILL = 0x10       /* barrier: counted in, waits for the trip */
};

/* The frame of every awaitable operation of lock.c, event.c, condition.c,
 * semaphore.c and barrier.c: one allocation per await, the waiter node
 * included.  Its first members are those of the typed handles (ac_co,
 * then ac_ret for the ones that have a value). */
struct ac__sync_op {
  ac_task co;                /* frame header; co.fut.err/msg: the outcome */
  int ret;                   /* the typed handle's ac_ret, if it has one */
  const ac__sync_kind *kind; /* what it does */
  void *obj;                 /* the primitive; NULL: the await fails */
  ac_task *root;             /* the awaiting task, from the first run */
  ac__link link;             /* on a waiter list of obj while parked */
  unsigned bits;             /* AC__SYNC_* */
  int (*pred)(void *arg);    /* condition wait_for: the predicate */
  void *arg;                 /* its argument */
  const char *cancel_msg;    /* the message of the cancel it took */
};

/* A zeroed op frame of the given kind on obj (NULL on ENOMEM). flags:
 * AC__CO_INT_RESULT for the ops with an int value. */
ac__sync_op *ac__sync_new(const ac__sync_kind *kind, void *obj,
                          unsigned flags);
/* If op's task is being cancelled: take the request (the flag) and its
 * message, and return 1; else 0. */
int ac__sync_take_cancel(ac__sync_op *op);
/* Record op's outcome (0 or an error; AC_ECANCELED carries the message
 * of the cancel it took).  Returns AC__SYNC_OVER. */
int ac__sync_finish(ac__sync_op *op, int err);
/* asyncio's fut.cancelled() for a parked op: not granted anything, and
 * its task has a cancellation request it has not seen yet. */
int ac__sync_cancelled(const ac__sync_op *op);
/* Give op the bit (AC__SYNC_WOKEN, AC__SYNC_NOTIFIED) and wake its task,
 * unless that task is the one running (an op granted inside its own
 * resume goes on at once). */
void ac__sync_wake(ac__sync_op *op, unsigned bit);
/* Take op off the waiter list it is on, if any. */
void ac__sync_unlink(ac__sync_op *op);
/* ac__task_destroy: if co is an op frame still parked, let it leave its
 * primitive (ac__sync_kind.abandon) before it is freed. */
void ac__sync_abandon(ac_task *co);

/* ------------------------------------------------------------------------ */
/* lock.c (for condition.c, which re-acquires a lock with its own op)      */
/* ------------------------------------------------------------------------ */

/* Take l for op now if it is free and nobody is in line (1), or put op in
 * line (0). */
int ac__lock_enter(ac_lock *l, ac__sync_op *op);
/* op, in l's line, was resumed: 1 if it now holds l (off the line), 0 if
 * it must go on waiting. */
int ac__lock_granted(ac_lock *l, ac__sync_op *op);
/* op gives up its place in l's line (cancelled, abandoned); if l was
 * being handed to it, the next in line gets it. */
void ac__lock_leave(ac_lock *l, ac__sync_op *op);

/* ------------------------------------------------------------------------ */
/* executor.c (ac_run_in_executor) and threadpool.c (ac_executor)          */
/* ------------------------------------------------------------------------ */

struct ac__work;
struct ac__port;

/* One call of fn(arg) on a thread, from the await that submits it until
 * its loop's thread is done with it (executor.c frees it there).  What a
 * worker thread touches lives here, not in the await's frame, which may
 * be gone (cancelled) while fn runs. */
typedef struct ac__job {
  uv_work_t req;          /* libuv's pool (ex NULL): the request */
  ac__link link;          /* own pool: on ex's queue, then on port's list */
  ac_executor *ex;        /* the ac_executor, or NULL for libuv's pool */
  struct ac__port *port;  /* own pool: where it comes back (its loop's) */
  ac_loop *loop;          /* the loop it belongs to */
  struct ac__work *frame; /* the awaiting frame; NULL once it gave up */
  ac_work_fn fn;          /* what runs on the thread */
  void *arg;              /* fn's argument */
  void *result;           /* fn's result, once it ran */
  ac_discard_fn discard;  /* for a result nobody receives (or NULL) */
  int status;             /* 0: fn ran; AC_ECANCELED: it never will */
  int queued;             /* own pool: on ex's queue (under ex's mutex) */
} ac__job;

/* executor.c: job is back on its loop's thread (fn ran, or never will):
 * hand it to its frame, or discard its result; frees job. */
void ac__job_done(ac__job *job);
/* executor.c: co is being freed (ac__frame_free): if it is a work frame
 * whose result was not delivered, give the job up and make sure its
 * discard hook runs. */
void ac__work_abandon(ac_task *co);
/* threadpool.c: queue job on ex (loop thread).  0, AC_ESHUTDOWN, or the
 * error of setting up the loop's completion port. */
int ac__pool_submit(ac_executor *ex, ac__job *job);
/* threadpool.c: take job off ex's queue if it has not started: 1 if so
 * (fn will never run; the caller finishes the job), 0 if it runs or ran
 * (it will come back through ac__job_done).  Loop thread. */
int ac__pool_cancel(ac__job *job);
/* threadpool.c: ac_loop_close: wait for the loop's jobs still running on
 * ac_executor threads (their frames gave them up), then close the loop's
 * completion port. */
void ac__pool_loop_close(ac_loop *loop);

/* ------------------------------------------------------------------------ */
/* queue.c                                                                  */
/* ------------------------------------------------------------------------ */

/* ac__task_destroy: if co is a queue operation's frame (get, put, join)
 * being freed unfinished, take it off its queue's lists and give back what
 * it was given (a handed item, a promised slot). */
void ac__queue_abandon(ac_task *co);

/* ------------------------------------------------------------------------ */
/* timeout.c, gather.c, wait.c, group.c (combinators, deadlines, groups)    */
/* ------------------------------------------------------------------------ */

/* task.c: flag t's cancellation with msg and wake it (asyncio's
 * _must_cancel), without counting a request or cancelling what t waits
 * on.  timeout.c delivers deadlines with it. */
void ac__task_flag_cancel(ac_task *t, const char *msg);

/* timeout.c: the cancel message of a deadline.  An AC_ECANCELED that
 * carries this very pointer is a deadline's: the await fails with
 * AC_ETIMEDOUT (every frame that takes a cancellation records the task's
 * cancel_msg with its AC_ECANCELED, so ac__check converts them all). */
extern const char ac__timeout_msg[];

/* err as an await reports it: AC_ETIMEDOUT for a deadline's AC_ECANCELED
 * (msg is ac__timeout_msg), else err. */
static inline int ac__cancel_err(int err, const char *msg) {
  return err == AC_ECANCELED && msg == ac__timeout_msg ? AC_ETIMEDOUT : err;
}
/* timeout.c: take the cancellation flagged on root (AC__F_CANCEL): returns
 * AC_ECANCELED, or AC_ETIMEDOUT for a deadline; *msg gets its message. */
int ac__cancel_take(ac_task *root, const char **msg);
/* timeout.c: the message to cancel children with, for a request taken
 * with msg: a deadline's applies to its own task only (NULL then). */
const char *ac__cancel_pass(const char *msg);

/* gather.c: take a list of awaitables for ac_gather, ac_wait and
 * ac_as_completed_init.  Spawns its unspawned coroutines (site file:line)
 * and sets out[i] (out may be NULL) to element i if it is a task now, else
 * NULL.  Returns err if it is nonzero, else the error of the first bad
 * element (AC_ENOMEM for NULL, AC_EINVAL for what is no coroutine,
 * AC_EREUSED for a coroutine being awaited), else AC_ENOLOOP if no loop
 * runs, else 0.  When it returns an error, the coroutines it spawned are
 * cancelled at once (they finish without running); with no loop they are
 * destroyed, and out is all NULL. */
int ac__tasks_take(ac_task *const *tasks, size_t n, ac_task **out, int err,
                   const char *file, int line);
/* gather.c / wait.c: ac__task_destroy: if co is a gather (wait) frame
 * freed unfinished, take its nodes off the tasks' waiter lists. */
void ac__gather_abandon(ac_task *co);
void ac__wait_abandon(ac_task *co);

#pragma GCC visibility pop

#endif /* AC_INTERNAL_H */
