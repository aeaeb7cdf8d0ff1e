/*
 * ac.h - libac, the runtime of acc (async/await for C), built on libuv.
 *
 * Conventions (as in libuv and tree-sitter's api.h):
 *  - Public names start with ac_ / AC_.  Names with a double underscore
 *    (ac__ / AC__) are used by the C that acc generates; they are not part of
 *    the user API and may change between versions.
 *  - Functions that can fail return 0 or a negative error code (AC_E*), or
 *    NULL for constructors.  A call that returns an error never fires its
 *    callback and never takes ownership of its arguments.
 *  - Every function documents who owns what.  "Borrowed" means the callee
 *    keeps no reference after returning; "caller-owned storage" means the
 *    caller provides the memory and must keep it alive while it is in use,
 *    as with libuv handles.
 *  - Everything runs on the loop's thread, except where a function says it is
 *    thread-safe.
 */
#ifndef AC_H
#define AC_H

#include <errno.h>
#include <stddef.h>
#include <string.h> /* memcpy, for array locals in lowered frames */

struct uv_loop_s; /* libuv's loop; ac.h does not include uv.h */

#ifdef __cplusplus
extern "C" {
#endif

#define AC_VERSION_MAJOR 0
#define AC_VERSION_MINOR 1
#define AC_VERSION_PATCH 0
#define AC_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Error codes are negative ints.  libuv's codes pass through unchanged: on
 * Unix, libuv's UV_Exxx is -Exxx, and so is AC_Exxx (the runtime asserts
 * AC_ENOMEM == UV_ENOMEM and so on at build time).  libac adds its own in a
 * range that libuv and errno do not use.  ac_strerror() knows both.
 */
#define AC_ERRNO_MAP(XX)                                                      \
  XX(ECANCELED, "operation canceled")                                         \
  XX(ETIMEDOUT, "connection timed out")                                       \
  XX(EINVAL, "invalid argument")                                              \
  XX(ENOMEM, "not enough memory")                                             \
  XX(EBUSY, "resource busy or locked")                                        \
  XX(EAGAIN, "resource temporarily unavailable")                              \
  XX(ENOSYS, "function not implemented")

#define AC__OWN_ERRNO_MAP(XX)                                                 \
  XX(ESTATE, -5001, "invalid state for this operation")                       \
  XX(ENOLOOP, -5002, "no running event loop on this thread")                  \
  XX(ESTALLED, -5003, "the loop ran out of work before the task finished")    \
  XX(EREUSED, -5004, "coroutine was already awaited or spawned")            \
  XX(ECLOSED, -5005, "generator closed")

enum {
#define AC__XX(name, msg) AC_##name = -(name),
  AC_ERRNO_MAP(AC__XX)
#undef AC__XX
#define AC__XX(name, val, msg) AC_##name = (val),
  AC__OWN_ERRNO_MAP(AC__XX)
#undef AC__XX
  AC__ERRNO_END = 0
};

/* A static, human-readable description of err (libac's or libuv's codes).
 * Never NULL; unknown codes (and 0) get "unknown error". */
const char *ac_strerror(int err);
/* The symbolic name of err, e.g. "ECANCELED", "ESTATE".  Never NULL;
 * unknown codes get "UNKNOWN". */
const char *ac_err_name(int err);

/* ------------------------------------------------------------------------ */
/* Memory                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * The allocator that frames, sleeps and ac_future_new() use.  free receives
 * the size that was asked of alloc, so size-classed pools are possible.
 * alloc returns NULL on failure.
 */
typedef struct ac_allocator {
  void *(*alloc)(size_t size, void *ud);          /* NULL on failure */
  void (*free)(void *ptr, size_t size, void *ud); /* ptr never NULL */
  void *ud;                                       /* passed to both */
} ac_allocator;

/*
 * Replace the allocator (NULL restores the default, which is malloc/free).
 * The struct is copied.  Returns AC_EBUSY while any block from the current
 * allocator is still live, since it could not be freed by the new one, and
 * AC_EINVAL if a->alloc or a->free is NULL.  Not thread-safe: call it while
 * no loop runs.  (ac_alloc/ac_free themselves may be called from any
 * thread if the allocator's functions may.)
 */
int ac_set_allocator(const ac_allocator *a);
/* Allocate / free through the current allocator.  ac_alloc returns NULL on
 * failure; ac_free(NULL, n) is a no-op. */
void *ac_alloc(size_t size);
void ac_free(void *ptr, size_t size);

/* ------------------------------------------------------------------------ */
/* Intrusive links                                                          */
/* ------------------------------------------------------------------------ */

/* A circular doubly linked list node, embedded in the objects it links
 * (libuv's queue.h).  A node whose next is NULL is on no list. */
typedef struct ac__link {
  struct ac__link *next; /* next node, or the head */
  struct ac__link *prev; /* previous node, or the head */
} ac__link;

typedef struct ac_loop ac_loop;
typedef struct ac_waiter ac_waiter;

/*
 * A waiter: a node that sits on a future's waiter list or on a loop's
 * ready queue, and whose run() the loop calls.  Tasks, done-callbacks and
 * scheduled callbacks embed one, so waiting never allocates.
 */
struct ac_waiter {
  ac__link link;              /* on a waiter list or a ready queue */
  void (*run)(ac_waiter *w);  /* called from the loop, never inline */
  ac_loop *loop;              /* the loop it runs on; NULL: not bound yet */
  struct ac_future *from;     /* the future whose completion queued it, or
                                 NULL; its `held` counts w until w runs
                                 (a task's: until w has run) */
};

/* ------------------------------------------------------------------------ */
/* Futures                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * A future is a result that arrives later: pending, then done with a value,
 * done with an error, or cancelled.  `await fut` suspends until it is done
 * and gives its value (a void *), or propagates its error.
 *
 * Storage is the caller's: embed an ac_future anywhere that outlives its
 * waiters (a global, a struct, a local of an async function, whose frame
 * never moves), or use ac_future_new()/ac_future_free().  Outliving its
 * waiters means: until every task awaiting it has resumed and every
 * done-callback has run.  Initialise it with ac_future_init() first.
 *
 * The accessors below also work on a spawned task (AC_FUTURE(t)).  Setting
 * a task's outcome is its body's business: set_result/set_error on a task
 * or coroutine is AC_EINVAL, and cancel asks the task to cancel itself.
 */
typedef struct ac_future {
  ac__link waiters;   /* ac_waiter nodes woken when it completes */
  int err;            /* 0, or the negative code it failed with */
  unsigned short state; /* AC__FUT_* (private) */
  unsigned short flags; /* AC__F_* kind and state bits (private) */
  unsigned held;      /* private: queued waiters that have not run yet,
                         and run_until_complete calls waiting for it */
  const char *msg;    /* optional error message, borrowed */
  void *ac_ret;       /* the value: what `await fut` gives */
} ac_future;

/* Initialise caller-owned storage as a pending future.  Never fails. */
void ac_future_init(ac_future *f);
/* Allocate a pending future from the runtime allocator (NULL on ENOMEM).
 * The caller owns it and frees it with ac_future_free(). */
ac_future *ac_future_new(void);
/* Free a future from ac_future_new().  AC_EBUSY (and nothing freed) if
 * tasks or callbacks are still waiting on it, including those its
 * completion queued that have not run yet (the one that is running may
 * free it: `await f` then ac_future_free(f) works, and so does a
 * done-callback freeing its future once the others have run), or if
 * ac_loop_run_until_complete is waiting for it; AC_EINVAL if f did not
 * come from ac_future_new(); NULL is a no-op. */
int ac_future_free(ac_future *f);

/* Complete f with value (borrowed: libac never dereferences it).  Waiters
 * and done-callbacks run later, each from its own loop (a task's, or the
 * one a done-callback was added on); it may be called with no loop
 * running.  AC_ESTATE if f is done; AC_EINVAL if f is NULL or not a plain
 * future; AC_ENOLOOP (f unchanged) if no loop is running on this thread
 * and a done-callback added while no loop ran waits on f, since it has no
 * loop to run on. */
int ac_future_set_result(ac_future *f, void *value);
/* Complete f with an error: err must be negative (else AC_EINVAL).  msg is
 * optional, borrowed, and must outlive f (a string literal is typical).
 * Completing with AC_ECANCELED makes f cancelled.  Other errors as for
 * ac_future_set_result. */
int ac_future_set_error(ac_future *f, int err, const char *msg);
/* Cancel f: it completes with AC_ECANCELED.  Returns 0, or AC_ESTATE if f
 * was already done (asyncio's cancel() returning False); other errors as
 * for ac_future_set_result.
 * On a spawned task (asyncio's Task.cancel()): asks the task to cancel.
 * Its pending await fails with AC_ECANCELED, which unwinds its frames; a
 * task that has not started finishes cancelled without running its body;
 * a running task sees the request at its next await, or finishes
 * cancelled if it returns first.  The task is woken on its own loop, so
 * this works with no loop running.  Returns 0 if asked, AC_ESTATE if the
 * task is done.  AC_EINVAL on a coroutine that is not a task.
 */
int ac_future_cancel(ac_future *f);

int ac_future_done(const ac_future *f);      /* 1 if done or cancelled */
int ac_future_cancelled(const ac_future *f); /* 1 if cancelled */
/* The value; NULL while pending or if it failed. */
void *ac_future_result(const ac_future *f);
/* 0 while pending or on success, else the error (AC_ECANCELED if cancelled).
 * AC_EINVAL if f is NULL. */
int ac_future_error(const ac_future *f);
/* The message given with the error, or NULL. */
const char *ac_future_message(const ac_future *f);

/*
 * A done-callback registration, in caller-owned storage (no allocation).
 * Zero it before its first use (`ac_done_cb n = {0};`, static storage or
 * memset); it may be reused once its callback ran or was removed.  Keep it
 * alive until then.
 */
typedef struct ac_done_cb ac_done_cb;
typedef void (*ac_done_fn)(ac_future *f, void *arg);
struct ac_done_cb {
  ac_waiter w;      /* private: the waiter node (w.loop: where it runs) */
  ac_future *fut;   /* private: the future it watches */
  ac_done_fn fn;    /* private: the callback */
  void *arg;        /* private: its argument */
  ac__link bound;   /* private: on w.loop's list while it waits on fut */
};

/* Call fn(f, arg) from a loop once f is done; if f is already done, it is
 * scheduled at once (still from the loop, never inline).  It runs on the
 * loop running when it was added; added with no loop running, on f's loop
 * if f is a task, else on the loop running when f completes.  Callbacks
 * run in the order they were added.  f is a plain future or a spawned
 * task.  AC_EBUSY if node is in use; AC_EINVAL on NULL arguments or if f
 * is a coroutine that is not a task (its awaiter frees it); AC_ENOLOOP if
 * f is a done plain future and no loop is running on this thread. */
int ac_future_add_done_callback(ac_future *f, ac_done_cb *node, ac_done_fn fn,
                                void *arg);
/* Unregister node before it runs (also after f completed, while the call is
 * still queued).  Returns 0 if removed, AC_ESTATE if it already ran, was
 * dropped by a loop close, or was never added, AC_EINVAL on NULL
 * arguments. */
int ac_future_remove_done_callback(ac_future *f, ac_done_cb *node);

/* ------------------------------------------------------------------------ */
/* Coroutines and tasks                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Every coroutine frame (what calling an async function returns) begins with
 * an ac_task.  A frame is either awaited directly by another coroutine (it
 * then runs inline, in its awaiter's task, without a trip through the
 * scheduler) or spawned as a task (it then runs concurrently, and is itself
 * a future that others can await).  Frames never move.
 *
 * For `async T f(...)`, acc emits a typed handle:
 *     typedef struct f_task { ac_task ac_co; T ac_ret; } f_task;
 * (no ac_ret when T is void) and the constructor `f_task *f(...)`.
 * `await p` on an `f_task *` has type T.  AC_TASK(p) converts any typed
 * handle to an ac_task *.  Generated code relies only on the ac__*
 * functions, the AC__* macros and ac_task being a frame's first member,
 * not on the layout of ac_task.
 */
typedef struct ac_task ac_task;
struct ac_task {
  ac_future fut;                 /* a task is a future (its ac_ret unused) */
  ac_waiter wake;                /* queued when the task is ready to run;
                                    wake.loop: a task's loop, from spawn */
  struct ac__step (*resume)(ac_task *self); /* the frame's resume function */
  ac_task *caller;               /* the frame awaiting this one inline */
  ac_task *top;                  /* root of a task: innermost running frame */
  ac__link tasks;                /* root of a task: on the loop's task list */
  const char *name;              /* the coroutine's function name (static) */
  unsigned state;                /* resume point; 0 = not started */
  unsigned size;                 /* frame size, for the allocator */
};

/* Any typed coroutine handle (f_task *), or an ac_task * itself, as an
 * ac_task *, checked at compile time: anything else without an ac_co
 * member does not compile.  co is evaluated once and may be NULL; a
 * pointer to const gives a pointer to const. */
#define AC_TASK(co) (1 ? (ac_task *)(void *)(co) : &AC__CO_CHECK(co)->ac_co)
/* A task (ac_task *) or typed handle as its future. */
#define AC_FUTURE(co) ((ac_future *)(void *)AC_TASK(co))

/* AC_TASK's compile-time check: co itself, or for an ac_task *, a null
 * pointer of a type whose ac_co is an ac_task (never evaluated).  C11
 * _Generic in C; overloads in C++, which has no _Generic. */
struct ac__task_co {
  ac_task ac_co; /* what AC_TASK checks for */
};
#ifdef __cplusplus
extern "C++" {
template <class T> inline T *ac__co_check(T *co) { return co; }
inline ac__task_co *ac__co_check(ac_task *) { return 0; }
inline const ac__task_co *ac__co_check(const ac_task *) { return 0; }
}
#define AC__CO_CHECK(co) ac__co_check(co)
#else
#define AC__CO_CHECK(co)                                                      \
  _Generic((co), ac_task *: (struct ac__task_co *)0,                          \
           const ac_task *: (const struct ac__task_co *)0, default: (co))
#endif

/*
 * ac_spawn(co): schedule the coroutine co to run concurrently as a task on
 * the running loop (asyncio's create_task); the task belongs to that loop.
 * Its body starts on a later loop iteration, never inside ac_spawn.
 * Returns the task handle, or NULL if co is NULL (its constructor ran out
 * of memory) or no loop is running, in which case co is destroyed.
 * Spawning a task that is already spawned returns it unchanged.  NULL, co
 * untouched, if co is being awaited (its awaiter owns it).  Allocates
 * nothing.  co is a typed handle or an ac_task *.
 *
 * Ownership: the loop owns the task.  The returned handle stays valid until
 * ac_task_release() or until the loop closes; a released task is freed as
 * soon as it is done and the done-callbacks and wake-ups its completion
 * queued have run; do not await it after releasing it.  Keep the typed
 * pointer (f_task *) instead of the ac_task * to await a typed result:
 * f_task *t = f(); ac_spawn(t); int r = await t;
 */
#define ac_spawn(co) ac_task_spawn(AC_TASK(co))
ac_task *ac_task_spawn(ac_task *co);
/* Drop the caller's handle: t is freed once it is done and what its
 * completion queued (done-callbacks, wake-ups of tasks awaiting it) has
 * run - at once if that is already so.  The handle must not be used after
 * this, not even for a second release, except that releasing again while
 * the task is still pending is a no-op.  NULL is a no-op.  Returns
 * AC_ESTATE if t is not a task. */
int ac_task_release(ac_task *t);
int ac_task_done(const ac_task *t);  /* 1 once the task has finished */
/* 0 while pending or on success, else the error it finished with
 * (AC_ECANCELED if cancelled).  AC_EINVAL if t is NULL. */
int ac_task_error(const ac_task *t);

/*
 * ac_run(co): asyncio.run().  Creates a loop, runs co as its main task until
 * it completes, then cancels whatever is still pending, closes the loop and
 * frees co (co: a typed handle or an ac_task *, not yet spawned).  Returns
 * co's error if it failed; else co's result when co is an `async int`
 * function; else 0.  AC_ENOMEM if co is NULL; AC_ESTALLED if
 * co waits for something that nothing left could complete.  AC_EBUSY if a
 * loop is already running on this thread, or the loop's creation error:
 * co is then destroyed all the same, so that ac_run(f()) never leaks.
 * AC_EINVAL (co untouched) if co is already a task, AC_EREUSED if it is
 * being awaited.  If the loop cannot be closed (libuv handles of your own
 * left open on it), returns that error and leaks the loop.
 */
#define ac_run(co) ac_run_task(AC_TASK(co))
int ac_run_task(ac_task *co);

/* ac_sleep(seconds): an awaitable that completes after `seconds` on the
 * loop's clock (at once, after one trip through the loop, if seconds <= 0,
 * as asyncio.sleep(0) yields).  `await ac_sleep(d)` has type void.  NULL on
 * ENOMEM (awaiting NULL fails with AC_ENOMEM).  Like any coroutine, it is
 * freed by the await that consumes it.  The await fails with AC_EINVAL if
 * seconds is NaN, AC_ECANCELED if the task is cancelled while it sleeps
 * (the timer is then cancelled).  The frame is bigger than
 * sizeof(ac_sleep_task): the timer's ac_handle follows it. */
typedef struct ac_sleep_task {
  ac_task ac_co;          /* coroutine header */
  double delay;           /* private: seconds */
  struct ac_handle *timer; /* private: the timer while sleeping */
} ac_sleep_task;
ac_sleep_task *ac_sleep(double seconds);

/* ------------------------------------------------------------------------ */
/* The event loop                                                           */
/* ------------------------------------------------------------------------ */

typedef void (*ac_callback)(void *arg);

/*
 * A scheduled callback (asyncio's Handle / TimerHandle), in caller-owned
 * storage like a uv_timer_t: keep it alive until it has run or been
 * cancelled.  It may be reused after that.  Initialize it before its first
 * use with ac_handle_init() (or zero it: static storage, `= {0}`, memset):
 * its flags tell whether it is scheduled.
 */
typedef struct ac_handle {
  ac_waiter w;              /* private: on the ready queue; w.loop: its loop */
  struct ac_handle *heap[3]; /* private: timer heap links (left, right, parent) */
  unsigned long long when;  /* private: deadline, loop ns */
  unsigned long long seq;   /* private: FIFO order among equal deadlines */
  ac_callback cb;           /* private */
  void *arg;                /* private */
  unsigned flags;           /* private: AC__H_* */
} ac_handle;

/* Create a loop.  *out is set on success.  AC_ENOMEM, or a libuv error.
 * The virtual clock is on if the environment has AC_VIRTUAL_CLOCK=1. */
int ac_loop_new(ac_loop **out);
/* Close and free a loop that is not running (AC_EBUSY if it is).  Pending
 * tasks are cancelled and run until they finish (their done-callbacks run
 * too), batch by batch: a task spawned meanwhile is cancelled before its
 * first batch, and after 100 batches whatever is still queued is dropped
 * (docs/RUNTIME.md, "Closing a loop"); callbacks still scheduled
 * (ac_handle) are dropped without running; every task's frame is freed
 * (handles to them become invalid); done-callbacks added on this loop that
 * still wait on a future will run on the loop current when it completes.
 * AC_EBUSY too if libuv handles of your own are still open on
 * ac_loop_uv(loop): the tasks are gone by then and the loop is otherwise
 * intact; close them and call again.  AC_EINVAL if loop is NULL. */
int ac_loop_close(ac_loop *loop);
/* The loop running (or being closed) on this thread, or NULL. */
ac_loop *ac_loop_current(void);
/* The libuv loop underneath, for libuv handles of your own. */
struct uv_loop_s *ac_loop_uv(ac_loop *loop);

/* Run until ac_loop_stop().  Returns 0, AC_EBUSY if this or another loop
 * is already running on this thread.  If stop was asked before the call,
 * runs one iteration (without waiting) and returns. */
int ac_loop_run_forever(ac_loop *loop);
/* Run until fut is done; fut (borrowed) is usually a spawned task.  An
 * unspawned coroutine is spawned on loop first (the loop then owns it, as
 * any task).  The iteration after the one fut completed in runs too, as in
 * asyncio: when it returns, fut's done-callbacks and the tasks awaiting it
 * have run (a done future gets that one iteration).  Returns 0 when fut
 * is done (read its outcome with the accessors, unless that iteration
 * freed it), AC_EBUSY if this or another loop is already running on this
 * thread, AC_ESTALLED if nothing is left that could complete it (no ready
 * work, no timer, no live libuv handle: a post another thread has yet to
 * make does not count), AC_EREUSED if fut is a coroutine being awaited,
 * AC_EINVAL on NULL.  ac_loop_stop() does not end it. */
int ac_loop_run_until_complete(ac_loop *loop, ac_future *fut);
/* Make run_forever return after the current iteration (a request made
 * outside run_forever ends the next one after one iteration).  Loop thread
 * only; from another thread, ac_call_soon_threadsafe a callback that calls
 * it. */
void ac_loop_stop(ac_loop *loop);

/* The loop's monotonic clock, in seconds (asyncio's loop.time()).  Under the
 * virtual clock it starts at 0 and moves only when the loop would wait. */
double ac_loop_time(const ac_loop *loop);
/* Switch the virtual clock on (1) or off (0).  AC_EBUSY if timers are
 * scheduled.  On, a loop with nothing ready jumps straight to the next
 * timer instead of waiting for it; turning it on restarts it at 0. */
int ac_loop_set_virtual_clock(ac_loop *loop, int on);
int ac_loop_virtual_clock(const ac_loop *loop); /* 1 if on */

/* Schedule cb(arg) on the next loop iteration, FIFO.  AC_EINVAL on NULL
 * loop/h/cb, AC_EBUSY if h is already scheduled. */
int ac_call_soon(ac_loop *loop, ac_handle *h, ac_callback cb, void *arg);
/* Initialize caller-owned handle storage before its first use (as
 * uv_timer_init does); zeroing it is equivalent.  Never fails. */
void ac_handle_init(ac_handle *h);
/* Schedule cb(arg) after delay seconds (a negative delay counts as 0; NaN
 * is AC_EINVAL).  Callbacks with equal deadlines run in the order they were
 * scheduled.  Other errors as for ac_call_soon. */
int ac_call_later(ac_loop *loop, ac_handle *h, double delay, ac_callback cb,
                  void *arg);
/* Schedule cb(arg) at loop time `when` (see ac_loop_time); a time in the
 * past is due at once.  Errors as for ac_call_later. */
int ac_call_at(ac_loop *loop, ac_handle *h, double when, ac_callback cb,
               void *arg);
/* Cancel a scheduled handle.  Returns 0 if it was pending, AC_ESTATE if it
 * already ran, was cancelled, or was never scheduled; AC_EINVAL for NULL or
 * a handle posted with ac_call_soon_threadsafe. */
int ac_handle_cancel(ac_handle *h);
/* 1 while h is scheduled and has not run. */
int ac_handle_active(const ac_handle *h);
/* The loop time a timer handle is due at (0 for a call_soon handle). */
double ac_handle_when(const ac_handle *h);

/* Thread-safe: schedule cb(arg) on loop from any thread (uv_async).  h is
 * caller-owned storage and must stay alive until cb has run; it becomes
 * reusable (any thread may post it again) just before cb is called.  It
 * cannot be cancelled.  AC_EINVAL on NULL arguments, AC_EBUSY if h is in
 * use. */
int ac_call_soon_threadsafe(ac_loop *loop, ac_handle *h, ac_callback cb,
                            void *arg);

/* ------------------------------------------------------------------------ */
/* For the C that acc generates (not user API)                              */
/* ------------------------------------------------------------------------ */

/*
 * What a resume function returns.  A struct rather than an int so that a
 * `return x;` that a macro hides in an async function's body is a C type
 * error instead of a value the trampoline would take for "suspended".
 */
typedef struct ac__step {
  int done; /* 1: the frame has finished; 0: it parked or pushed a child */
} ac__step;
#define AC__SUSPEND ((ac__step){0}) /* a resume function parks */
#define AC__DONE ((ac__step){1})    /* ...or its frame has finished */
#define AC__YIELD ((ac__step){2})   /* ...or a generator frame yielded */

/* Frame flags given to ac__frame_new. */
#define AC__CO_INT_RESULT 0x1 /* `async int`: ac_run returns the result */

/*
 * Allocate a zeroed frame of size bytes (>= sizeof(ac_task)) whose resume
 * function is resume; name (static, borrowed) is the coroutine function's
 * name, for reports.  NULL on ENOMEM.  The result value, if any, must be
 * the member right after the ac_task header (acc asserts this).
 */
void *ac__frame_new(size_t size, ac__step (*resume)(ac_task *), unsigned flags,
                    const char *name);
/*
 * Begin `await aw` from the frame self.  Returns 1 if self goes on at once
 * (aw is already done, or cannot be awaited: ac__check then reports why),
 * or 0 if self must set its resume point and return AC__SUSPEND.
 */
int ac__await(ac_task *self, void *aw);
/*
 * After an await: 0 if it succeeded, or nonzero if self must unwind (aw
 * failed, was NULL, could not be awaited, or self's task is being
 * cancelled); the error is then recorded in self.
 */
int ac__check(ac_task *self, void *aw);
/* Let go of what *slot holds (frees a coroutine awaited inline) and clear
 * it.  *slot may be NULL.  slot must be the awaiting frame's own slot: a
 * coroutine is freed only through a slot inside the frame that awaited it,
 * never while it runs. */
void ac__release(void **slot);
/* Unwind: release the n slots (each object once, should two slots hold
 * the same one), and finish self with its recorded error.  Returns
 * AC__DONE. */
ac__step ac__fail(ac_task *self, void **slots, size_t n);
/* Called for a resume point that does not exist (corrupt frame). */
ac__step ac__bad_state(ac_task *self);

#ifdef __cplusplus
}
#endif
#endif /* AC_H */
