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
#include <stdint.h> /* intptr_t, for AC_QUEUE_ITEM */
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
  XX(ENOSYS, "function not implemented")                                      \
  XX(EPROTO, "protocol error")                                                \
  XX(ECONNRESET, "connection reset by peer")

#define AC__OWN_ERRNO_MAP(XX)                                                 \
  XX(ESTATE, -5001, "invalid state for this operation")                       \
  XX(ENOLOOP, -5002, "no running event loop on this thread")                  \
  XX(ESTALLED, -5003, "the loop ran out of work before the task finished")    \
  XX(EREUSED, -5004, "coroutine was already awaited or spawned")            \
  XX(ECLOSED, -5005, "generator closed")                                      \
  XX(EFULL, -5006, "queue full")                                              \
  XX(EEMPTY, -5007, "queue empty")                                            \
  XX(ESHUTDOWN, -5008, "queue shut down")                                     \
  XX(EBROKEN, -5009, "barrier broken")                                        \
  XX(EGROUP, -5010, "several tasks of the group failed")

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
 * or coroutine is AC_EINVAL, and cancel is ac_task_cancel.
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
 * On a spawned task (asyncio's Task.cancel()): ac_task_cancel(), which
 * asks the task to cancel and also cancels what it awaits.  Returns 0 if
 * asked, AC_ESTATE if the task is done.  AC_EINVAL on a coroutine that is
 * not a task.
 */
int ac_future_cancel(ac_future *f);

int ac_future_done(const ac_future *f);      /* 1 if done or cancelled */
int ac_future_cancelled(const ac_future *f); /* 1 if cancelled */
/* The value; NULL while pending or if it failed.  On a done task, this
 * (like ac_future_error) retrieves its outcome: see
 * ac_set_unretrieved_handler. */
void *ac_future_result(const ac_future *f);
/* 0 while pending or on success, else the error (AC_ECANCELED if cancelled).
 * AC_EINVAL if f is NULL. */
int ac_future_error(const ac_future *f);
/* The message given with the error, or NULL. */
const char *ac_future_message(const ac_future *f);

/* An awaitable that has already failed with err (negative; if err >= 0,
 * AC_EINVAL with a message saying so) and msg (borrowed: it must outlive
 * the await; a literal is typical): `await ac_raise(AC_EPROTO, "bad
 * header");` fails the async function that runs it, as a throw would (its
 * frames unwind, its awaiter sees err and msg).  Meant to be awaited
 * at once: it is one future per thread, reset by every call, so keep no
 * pointer to it, add no done-callback to it.  Never fails; needs no loop
 * and allocates nothing. */
ac_future *ac_raise(int err, const char *msg);

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
  const char *file;              /* root: where it was spawned, or NULL */
  ac_future *waiting;            /* root: the future or task its wake waits
                                    on (asyncio's _fut_waiter), or NULL */
  const char *cancel_msg;        /* root: the last cancel request's message */
  int line;                      /* root: the line of file */
  unsigned cancels;              /* root: pending cancellation requests */
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
 *
 * ac_spawn records where it is called (__FILE__, __LINE__: in generated C,
 * the .ac file's line) as the task's creation site, for reports.
 * ac_task_spawn(co) records none; ac_task_spawn_at(co, file, line) records
 * file (static, borrowed; NULL: none) and line.  Spawning a task again
 * keeps its first site.
 */
#define ac_spawn(co) ac_task_spawn_at(AC_TASK(co), __FILE__, __LINE__)
ac_task *ac_task_spawn(ac_task *co);
ac_task *ac_task_spawn_at(ac_task *co, const char *file, int line);
/* Drop the caller's handle: t is freed once it is done and what its
 * completion queued (done-callbacks, wake-ups of tasks awaiting it) has
 * run - at once if that is already so.  The handle must not be used after
 * this, not even for a second release, except that releasing again while
 * the task is still pending is a no-op.  NULL is a no-op.  Returns
 * AC_ESTATE if t is not a task. */
int ac_task_release(ac_task *t);
int ac_task_done(const ac_task *t);  /* 1 once the task has finished */
/* 0 while pending or on success, else the error it finished with
 * (AC_ECANCELED if cancelled).  AC_EINVAL if t is NULL.  Reading the error
 * of a finished task retrieves it (see ac_set_unretrieved_handler). */
int ac_task_error(const ac_task *t);

/*
 * Cancellation (asyncio's Task.cancel, cancelling, uncancel).
 * ac_task_cancel(t) asks the task t to cancel and counts the request.  If
 * t is parked awaiting a plain future, that future is cancelled (it
 * completes with AC_ECANCELED, for all its waiters), which wakes t: its
 * await fails with AC_ECANCELED.  If t awaits another task, that task is
 * asked to cancel in the same way, and t keeps waiting for its outcome
 * (an inner task that catches the cancellation and returns a value gives
 * t that value).  Otherwise (sleeping, shielded, running, not started)
 * the request is flagged on t and t is woken: its current or next await
 * fails with AC_ECANCELED (a sleep's timer is cancelled; a task that has
 * not started finishes cancelled without running its body; one that
 * returns without awaiting again finishes cancelled).  The task is woken
 * on its own loop, so this works with no loop running.  Returns 0 if
 * asked, AC_ESTATE if t is done, AC_EINVAL if t is NULL or a coroutine
 * that is not a task.  ac_future_cancel(AC_FUTURE(t)) is ac_task_cancel.
 * ac_task_cancel_msg(t, msg) also gives the cancellation a message
 * (borrowed: it must outlive t and what t waits on), which the failed
 * await reports as its message.
 */
int ac_task_cancel(ac_task *t);
int ac_task_cancel_msg(ac_task *t, const char *msg);
/* 1 if t finished cancelled (0 for NULL). */
int ac_task_cancelled(const ac_task *t);
/* The number of cancellation requests made on t that ac_task_uncancel has
 * not taken back (asyncio 3.11's cancelling()).  0 for NULL.  A task that
 * catches AC_ECANCELED goes on running and keeps its count. */
int ac_task_cancelling(const ac_task *t);
/* Take back one request: decrements the count (not below 0) and returns
 * the new count; at 0, a request t has not seen yet is dropped.
 * AC_EINVAL if t is NULL or not a task. */
int ac_task_uncancel(ac_task *t);

/* The task's name: the coroutine function's name unless set (NULL for
 * NULL).  ac_task_set_name's name is borrowed: it must outlive t.  Both
 * work on any coroutine frame. */
const char *ac_task_name(const ac_task *t);
void ac_task_set_name(ac_task *t, const char *name);
/* Where the task was created (ac_spawn, ac_run, ac_shield, or
 * ac_task_spawn_at): the file, or NULL if unknown, and the line. */
const char *ac_task_file(const ac_task *t);
int ac_task_line(const ac_task *t);

/*
 * Unretrieved errors (asyncio's "Task exception was never retrieved").  A
 * task that finished with an error other than AC_ECANCELED, whose outcome
 * nobody retrieved, is reported when it is freed: once released and done,
 * or by its loop's close.  Retrieving means: an await of the task read its
 * outcome, ac_task_error / ac_future_error / ac_future_result was called
 * on it once it was done, or ac_run returned it.  The default report is
 * one line on stderr:
 *   acc: task 'NAME' created at FILE:LINE failed with ENAME (description):
 *   MSG, and the error was never retrieved
 * (without " created at FILE:LINE" if the site is unknown, without ": MSG"
 * if there is no message).  ac_set_unretrieved_handler replaces it with
 * fn(t, err, msg, ud) (NULL restores the default); fn may read t (its
 * name, file, line) but must not use it after returning, nor free it.
 * Not thread-safe: call it while no loop runs.
 */
typedef void (*ac_unretrieved_fn)(ac_task *t, int err, const char *msg,
                                  void *ud);
void ac_set_unretrieved_handler(ac_unretrieved_fn fn, void *ud);

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
#define ac_run(co) ac_run_task_at(AC_TASK(co), __FILE__, __LINE__)
int ac_run_task(ac_task *co);
/* ac_run_task, recording file:line as co's creation site (as ac_spawn). */
int ac_run_task_at(ac_task *co, const char *file, int line);

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

/*
 * ac_shield(aw): asyncio.shield().  An awaitable that completes with aw's
 * error, or with success, once aw finishes; `await ac_shield(aw)` has type
 * void (keep a task's typed handle to read its result).  aw is a typed
 * coroutine or task handle, an ac_task *, or an ac_future * (a plain
 * future); anything else does not compile.  An unspawned coroutine is
 * spawned at once, on the running loop, with the shield's file:line as its
 * site: the shield owns that task and releases it when the await ends, so
 * it is freed once it finishes (no loop running: the coroutine is
 * destroyed, and the await fails with AC_ENOLOOP; a coroutine being
 * awaited: AC_EREUSED).  If the awaiting task is cancelled, the await
 * fails with AC_ECANCELED at once, but aw is not cancelled and keeps
 * running; its outcome then counts as retrieved, as in asyncio.  NULL aw,
 * or no memory for the shield: NULL, which an await fails with AC_ENOMEM
 * (aw, if an unspawned coroutine, is destroyed).  Like any coroutine, the
 * shield is freed by the await that consumes it.  The frame is bigger than
 * sizeof(ac_shield_task).
 */
typedef struct ac_shield_task {
  ac_task ac_co; /* coroutine header; the rest of the frame is private */
} ac_shield_task;
#define ac_shield(aw) ac__shield(AC__AWAITABLE(aw), __FILE__, __LINE__)
ac_shield_task *ac__shield(void *aw, const char *file, int line);

/* ac_shield's compile-time check: aw as a void *, if it is a typed handle,
 * an ac_task * or an ac_future * (the unevaluated branch needs an ac_co
 * member, as AC_TASK's does). */
#define AC__AWAITABLE(aw)                                                     \
  (1 ? (void *)(aw) : (void *)&AC__AW_CHECK(aw)->ac_co)
#ifdef __cplusplus
extern "C++" {
template <class T> inline T *ac__aw_check(T *aw) { return aw; }
inline ac__task_co *ac__aw_check(ac_task *) { return 0; }
inline ac__task_co *ac__aw_check(ac_future *) { return 0; }
}
#define AC__AW_CHECK(aw) ac__aw_check(aw)
#else
#define AC__AW_CHECK(aw)                                                      \
  _Generic((aw), ac_task *: (struct ac__task_co *)0,                          \
           ac_future *: (struct ac__task_co *)0, default: (aw))
#endif

/* ------------------------------------------------------------------------ */
/* Synchronisation primitives (asyncio.Lock, Event, Condition, Semaphore,   */
/* BoundedSemaphore, Barrier)                                               */
/* ------------------------------------------------------------------------ */

/*
 * Common rules (docs/RUNTIME.md, "Synchronisation primitives"):
 *  - The objects live in caller-owned storage, initialised by ac_X_init,
 *    and must not move or be freed while a task waits on them.  They own
 *    no resources: there is nothing to destroy.  Loop thread only; the
 *    tasks that use one object may belong to different loops of the
 *    thread.
 *  - The awaitable operations return a coroutine, consumed and freed by
 *    the await, as ac_sleep: one allocation per await (the waiter node is
 *    in it).  NULL on ENOMEM, whose await fails with AC_ENOMEM.  When
 *    nothing has to be waited for, the await completes without suspending
 *    the task.  The object's own errors (AC_EINVAL for a NULL object, ...)
 *    are reported by the await.
 *  - Cancellation: a task cancelled while it waits fails its await with
 *    AC_ECANCELED, and nothing is lost (what it was being handed goes to
 *    the next in line).  A task with a cancellation request pending when
 *    it starts an operation fails it at once with AC_ECANCELED and takes
 *    nothing, even if the operation could complete without waiting.
 *  - Fairness: waiters are served first come, first served, and a
 *    newcomer cannot overtake tasks that were woken but have not run yet.
 */

/* asyncio.Lock.  The "async with" form:
 *     await ac_lock_acquire(&l);
 *     defer ac_lock_release(&l);
 * releases the lock however the block is left (error, cancellation). */
typedef struct ac_lock {
  ac__link waiters; /* private: the tasks in line, oldest first */
  int locked;       /* private: 1 while held */
} ac_lock;
/* The typed handle of ac_lock_acquire: `await` of it has no value. */
typedef struct ac_lock_acquire_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_lock_acquire_task;
/* Initialise l, unlocked.  AC_EINVAL if l is NULL. */
int ac_lock_init(ac_lock *l);
/* `await ac_lock_acquire(&l)`: take the lock, waiting in line if it is held
 * or tasks are already waiting for it (FIFO: a release hands it to the
 * first in line, and nobody can overtake that task).  The await fails with
 * AC_EINVAL if l is NULL, AC_ECANCELED if the task is cancelled (the lock
 * is then not held by it; had a release just handed it over, it passes to
 * the next in line), AC_ENOMEM if the call returned NULL. */
ac_lock_acquire_task *ac_lock_acquire(ac_lock *l);
/* Release l, and hand it to the first task in line, if any.  Any task may
 * release it (asyncio's locks have no owner).  AC_ESTATE if l is not
 * locked (asyncio's RuntimeError), AC_EINVAL if l is NULL. */
int ac_lock_release(ac_lock *l);
/* 1 if l is held (0 for NULL).  0 also between a release and the moment
 * the task it was handed to runs, as in asyncio; a newcomer must wait all
 * the same. */
int ac_lock_locked(const ac_lock *l);

/* asyncio.Event: a flag that tasks can wait for. */
typedef struct ac_event {
  ac__link waiters; /* private: the waiting tasks, oldest first */
  int set;          /* private: the flag */
} ac_event;
/* The typed handle of ac_event_wait: `await` of it has no value. */
typedef struct ac_event_wait_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_event_wait_task;
/* Initialise e, not set.  AC_EINVAL if e is NULL. */
int ac_event_init(ac_event *e);
/* Set the flag and wake every waiting task.  A task woken this way
 * completes its wait even if the flag is cleared before it runs; one that
 * is cancelled before it runs fails with AC_ECANCELED, as in asyncio.
 * Setting a set event does nothing.  AC_EINVAL if e is NULL. */
int ac_event_set(ac_event *e);
/* Clear the flag: later waits block until the next set.  AC_EINVAL if e
 * is NULL. */
int ac_event_clear(ac_event *e);
/* 1 if the flag is set (0 for NULL). */
int ac_event_is_set(const ac_event *e);
/* `await ac_event_wait(&e)`: return at once if the flag is set, else wait
 * until ac_event_set.  The await fails with AC_EINVAL if e is NULL,
 * AC_ECANCELED if the task is cancelled, AC_ENOMEM if the call returned
 * NULL. */
ac_event_wait_task *ac_event_wait(ac_event *e);

/* asyncio.Condition: tasks wait, holding a lock, until notified. */
typedef struct ac_condition {
  ac_lock own;      /* private: the lock, if ac_condition_init got none */
  ac_lock *lock;    /* private: the lock in use (&own, or the caller's) */
  ac__link waiters; /* private: the waiting tasks, oldest first */
} ac_condition;
/* The typed handles of ac_condition_wait (no value) and
 * ac_condition_wait_for (the predicate's last value). */
typedef struct ac_condition_wait_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_condition_wait_task;
typedef struct ac_condition_wait_for_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
  int ac_ret;    /* what the predicate returned last (nonzero) */
} ac_condition_wait_for_task;
/* Initialise c on lock (borrowed: it must outlive c, and may be shared by
 * several conditions), or on a lock of its own if lock is NULL.  AC_EINVAL
 * if c is NULL. */
int ac_condition_init(ac_condition *c, ac_lock *lock);
/* ac_lock_acquire / ac_lock_release / ac_lock_locked of c's lock (NULL c:
 * as a NULL lock). */
ac_lock_acquire_task *ac_condition_acquire(ac_condition *c);
int ac_condition_release(ac_condition *c);
int ac_condition_locked(const ac_condition *c);
/* `await ac_condition_wait(&c)`, with c's lock held: release the lock,
 * wait for a notify, then take the lock again before returning.  The lock
 * is taken again however the wait ends: a task cancelled while it waits
 * (or while it waits for the lock) fails with AC_ECANCELED only once it
 * holds the lock, as in asyncio; had a notify just chosen it, the
 * notification passes to another waiter.  The await fails with AC_ESTATE
 * if the lock is not held (nothing released), AC_EINVAL if c is NULL,
 * AC_ECANCELED as said (or at once, the lock still held, if the task was
 * being cancelled), AC_ENOMEM if the call returned NULL. */
ac_condition_wait_task *ac_condition_wait(ac_condition *c);
/* `int v = await ac_condition_wait_for(&c, pred, arg)`, with c's lock
 * held: while pred(arg) returns 0, ac_condition_wait; gives the nonzero
 * value pred returned last.  pred runs with the lock held (first at once,
 * then after each notify).  Errors as ac_condition_wait, and AC_EINVAL if
 * pred is NULL. */
ac_condition_wait_for_task *ac_condition_wait_for(ac_condition *c,
                                                  int (*pred)(void *arg),
                                                  void *arg);
/* Wake up to n tasks waiting on c (the oldest first; n <= 0: none); each
 * returns from its wait once it has the lock again.  The lock must be
 * held: AC_ESTATE if not; AC_EINVAL if c is NULL. */
int ac_condition_notify(ac_condition *c, int n);
/* Wake every task waiting on c.  Errors as ac_condition_notify. */
int ac_condition_notify_all(ac_condition *c);

/* asyncio.Semaphore and asyncio.BoundedSemaphore (one type; the init
 * function chooses). */
typedef struct ac_semaphore {
  ac__link waiters; /* private: the tasks in line, oldest first */
  int value;        /* private: permits left, net of those handed over */
  int bound;        /* private: the bounded one's initial value, or -1 */
} ac_semaphore;
/* The typed handle of ac_semaphore_acquire: `await` of it has no value. */
typedef struct ac_semaphore_acquire_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_semaphore_acquire_task;
/* Initialise s with value permits (asyncio.Semaphore(value)).  AC_EINVAL
 * if s is NULL or value < 0. */
int ac_semaphore_init(ac_semaphore *s, int value);
/* The same, bounded: a release that would take the value above the initial
 * one is AC_EINVAL (asyncio.BoundedSemaphore's ValueError). */
int ac_bounded_semaphore_init(ac_semaphore *s, int value);
/* `await ac_semaphore_acquire(&s)`: take a permit, waiting in line (FIFO)
 * while there is none or tasks are already in line.  The await fails with
 * AC_EINVAL if s is NULL, AC_ECANCELED if the task is cancelled (a permit
 * just handed to it goes back, to the next in line), AC_ENOMEM if the call
 * returned NULL. */
ac_semaphore_acquire_task *ac_semaphore_acquire(ac_semaphore *s);
/* Give a permit back, handing it to the first task in line, if any.
 * AC_EINVAL if s is NULL, if s is bounded and the value would go above its
 * initial value, or if the value would overflow an int. */
int ac_semaphore_release(ac_semaphore *s);
/* 1 if an acquire would have to wait: no permit left, or tasks in line
 * (asyncio's locked()); 0 for NULL. */
int ac_semaphore_locked(const ac_semaphore *s);
/* The permits left (those handed to woken tasks that have not run yet
 * already count as taken, as in asyncio); 0 for NULL. */
int ac_semaphore_value(const ac_semaphore *s);

/* asyncio.Barrier: parties tasks wait for each other. */
typedef struct ac_barrier {
  ac__link filling; /* private: counted in, waiting for the trip */
  ac__link blocked; /* private: arrived while it drained or reset */
  int parties;      /* private: tasks needed to trip it */
  int count;        /* private: tasks inside a wait */
  int state;        /* private: filling, draining, resetting, broken */
} ac_barrier;
/* The typed handle of ac_barrier_wait: `await` of it gives an int. */
typedef struct ac_barrier_wait_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
  int ac_ret;    /* the arrival index, 0 .. parties - 1 */
} ac_barrier_wait_task;
/* Initialise b for parties tasks.  AC_EINVAL if b is NULL or parties < 1. */
int ac_barrier_init(ac_barrier *b, int parties);
/* `int i = await ac_barrier_wait(&b)`: wait until parties tasks are
 * waiting, then all return, each with its arrival index (0 for the first;
 * the last to arrive, parties - 1, returns without waiting).  While the
 * tasks of a trip have not all returned, or during a reset, a new arrival
 * waits for that to end first.  The await fails with AC_EBROKEN if the
 * barrier is broken (ac_barrier_abort), or reset while the task waits;
 * AC_ECANCELED if the task is cancelled (it leaves the barrier, which
 * stays usable and needs one more arrival); AC_EINVAL if b is NULL;
 * AC_ENOMEM if the call returned NULL. */
ac_barrier_wait_task *ac_barrier_wait(ac_barrier *b);
/* Back to the initial state: tasks waiting for the trip fail with
 * AC_EBROKEN, and new arrivals wait until they have left.  Also
 * repairs a broken barrier.  AC_EINVAL if b is NULL. */
int ac_barrier_reset(ac_barrier *b);
/* Break b: every waiting task, and every later wait until
 * ac_barrier_reset, fails with AC_EBROKEN.  AC_EINVAL if b is NULL. */
int ac_barrier_abort(ac_barrier *b);
int ac_barrier_parties(const ac_barrier *b);   /* parties (0 for NULL) */
/* Tasks waiting for the trip (0 while it drains, resets, or is broken). */
int ac_barrier_n_waiting(const ac_barrier *b);
int ac_barrier_broken(const ac_barrier *b);    /* 1 if broken */

/* ------------------------------------------------------------------------ */
/* Queues (asyncio.Queue, LifoQueue, PriorityQueue)                         */
/* ------------------------------------------------------------------------ */

/*
 * One object, three kinds: FIFO (asyncio.Queue), LIFO (LifoQueue) and
 * PRIORITY (PriorityQueue: a min-heap ordered by the caller's comparison;
 * equal items come out in the order they were put, which asyncio's heapq
 * does not promise).  docs/RUNTIME.md, "Queues", has the details.
 *  - Storage is the caller's: an ac_queue initialised by ac_queue_init,
 *    which must not move while in use.  The queue allocates its buffer
 *    (a ring of pointers, or a heap), growing and shrinking with the
 *    number of items; ac_queue_destroy frees it.  Loop thread only.
 *  - Items are void pointers, borrowed: the queue never dereferences or
 *    frees them; the items still in it when it is destroyed (or drained by
 *    an immediate shutdown) remain the caller's.  Integers travel with
 *    AC_QUEUE_ITEM(n) and come back with AC_QUEUE_INT(item).
 *  - ac_queue_put, ac_queue_get and ac_queue_join return a coroutine,
 *    consumed and freed by its await, as ac_sleep (one allocation per
 *    await; the waiter node is in it).  NULL on ENOMEM, whose await fails
 *    with AC_ENOMEM.  An await that has nothing to wait for completes
 *    without suspending the task.  Errors of the queue itself (AC_EINVAL
 *    for a NULL or uninitialised queue, ...) are reported by the await.
 *  - Fairness: waiting getters are served first come, first served, and
 *    so are waiting putters.  An item put while getters wait is handed to
 *    the first of them at once (nobody else can take it); a slot freed
 *    while putters wait is promised to the first of them (nobody else can
 *    fill it).
 *  - Cancellation: a cancelled get takes no item and a cancelled put puts
 *    none.  A getter cancelled after an item was handed to it puts the
 *    item back (to the next waiting getter, else at the head of the
 *    queue: it comes out next), a putter cancelled after a slot was
 *    promised to it passes the promise on.  A task whose cancellation is
 *    pending when it starts an operation fails it at once.
 */
#define AC_QUEUE_FIFO 1     /* first in, first out (asyncio.Queue) */
#define AC_QUEUE_LIFO 2     /* last in, first out (asyncio.LifoQueue) */
#define AC_QUEUE_PRIORITY 3 /* smallest first (asyncio.PriorityQueue) */

/* A priority queue's order: negative if item a comes out before item b,
 * 0 if they tie (then the one put first comes out first), positive
 * otherwise.  It is given the items themselves, not pointers to them (as
 * qsort's would be). */
typedef int (*ac_queue_cmp)(const void *a, const void *b);

/* An integer as an item and back (through intptr_t, so any int value
 * fits): ac_queue_put_nowait(&q, AC_QUEUE_ITEM(42));
 * int n = (int)AC_QUEUE_INT(await ac_queue_get(&q)); */
#define AC_QUEUE_ITEM(n) ((void *)(intptr_t)(n))
#define AC_QUEUE_INT(item) ((intptr_t)(item))

typedef struct ac_queue {
  void *buf;              /* private: ring of void * or heap of entries */
  size_t cap;             /* private: slots in buf (a ring: a power of 2) */
  size_t head;            /* private: ring: index of the front item */
  size_t count;           /* private: items stored (qsize) */
  size_t maxsize;         /* private: the bound, 0 for none */
  size_t unfinished;      /* private: items put and not yet task_done */
  size_t handed;          /* private: items handed to woken getters */
  size_t promised;        /* private: slots promised to woken putters */
  size_t pending;         /* private: operations woken, not yet run */
  unsigned long long seq; /* private: insertion counter (stable order) */
  ac_queue_cmp cmp;       /* private: PRIORITY's order */
  ac__link getters;       /* private: waiting gets, oldest first */
  ac__link putters;       /* private: waiting puts, oldest first */
  ac__link joiners;       /* private: waiting joins */
  int kind;               /* private: AC_QUEUE_*; 0 once destroyed */
  int shutdown;           /* private: 1 once ac_queue_shutdown ran */
} ac_queue;

/* The typed handles: `await` of ac_queue_get gives the item (void *); the
 * awaits of ac_queue_put and ac_queue_join have no value. */
typedef struct ac_queue_get_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
  void *ac_ret;  /* the item, once the await succeeded */
} ac_queue_get_task;
typedef struct ac_queue_put_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_queue_put_task;
typedef struct ac_queue_join_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_queue_join_task;

/* Initialise q as an empty queue of the given kind (AC_QUEUE_FIFO, _LIFO
 * or _PRIORITY) holding at most maxsize items (0: no bound).  cmp is the
 * order of a PRIORITY queue and must be NULL for the others.  Allocates
 * nothing.  AC_EINVAL if q is NULL, kind is unknown, or cmp is NULL for a
 * priority queue or given for another kind. */
int ac_queue_init(ac_queue *q, int kind, size_t maxsize, ac_queue_cmp cmp);
/* Free q's buffer; q may then be initialised again.  The items still in it
 * are not touched (they are the caller's: take them out first with
 * ac_queue_get_nowait if they own memory).  AC_EBUSY, with no effect,
 * while an operation still refers to q: a task waits on it, or was woken
 * by it and has not run yet (let the loop run them first).  AC_EINVAL if
 * q is NULL or not initialised. */
int ac_queue_destroy(ac_queue *q);

/* `await ac_queue_put(&q, item)`: put item; while the queue is full (or
 * putters wait before this one), wait for a slot (backpressure).  The
 * await fails with AC_ESHUTDOWN if q is shut down, before or while it
 * waits (the item is not put); AC_ECANCELED if the task is cancelled (the
 * item is not put); AC_ENOMEM if the buffer cannot grow (not put);
 * AC_EINVAL if q is NULL or not initialised; AC_ENOMEM if the call
 * returned NULL. */
ac_queue_put_task *ac_queue_put(ac_queue *q, void *item);
/* `void *item = await ac_queue_get(&q)`: take the next item (FIFO: the
 * oldest; LIFO: the newest; PRIORITY: the smallest), waiting while the
 * queue is empty.  The await fails with AC_ESHUTDOWN once q is shut down
 * and empty (a waiting getter is woken to fail with it); AC_ECANCELED if
 * the task is cancelled (no item is taken); AC_EINVAL if q is NULL or not
 * initialised; AC_ENOMEM if the call returned NULL. */
ac_queue_get_task *ac_queue_get(ac_queue *q);
/* Put item without waiting.  AC_EFULL if a put would have to wait (see
 * ac_queue_full); AC_ESHUTDOWN if q is shut down; AC_ENOMEM if the buffer
 * cannot grow; AC_EINVAL if q is NULL or not initialised.  On error,
 * nothing is put. */
int ac_queue_put_nowait(ac_queue *q, void *item);
/* Take the next item without waiting, into *item.  AC_EEMPTY if q is
 * empty (AC_ESHUTDOWN if it is also shut down); AC_EINVAL if q or item is
 * NULL or q is not initialised.  On error, *item is not touched. */
int ac_queue_get_nowait(ac_queue *q, void **item);
/* The number of items in q (0 for NULL).  An item handed to a woken
 * getter has left the queue already. */
size_t ac_queue_qsize(const ac_queue *q);
/* 1 if q holds no item (a get would wait); 1 for NULL. */
int ac_queue_empty(const ac_queue *q);
/* 1 if a put would have to wait: q is bounded and its slots are all taken
 * or promised to woken putters, or putters are waiting already; 0 for
 * NULL or an unbounded queue. */
int ac_queue_full(const ac_queue *q);
/* The bound given to ac_queue_init (0: none; 0 for NULL). */
size_t ac_queue_maxsize(const ac_queue *q);
/* Say that an item taken from q has been processed (asyncio's
 * task_done): each successful put counts one unfinished item, each
 * task_done one less; when none is left, the joins waiting on q complete.
 * AC_ESTATE if called more times than items were put (asyncio's
 * ValueError); AC_EINVAL if q is NULL or not initialised. */
int ac_queue_task_done(ac_queue *q);
/* `await ac_queue_join(&q)`: wait until every item put in q has been
 * marked done with ac_queue_task_done; at once if none is unfinished.
 * A join woken this way completes even if items are put before it runs.
 * The await fails with AC_ECANCELED if the task is cancelled; AC_EINVAL
 * if q is NULL or not initialised; AC_ENOMEM if the call returned NULL. */
ac_queue_join_task *ac_queue_join(ac_queue *q);
/* Shut q down (Python 3.13): from now on puts fail with AC_ESHUTDOWN, and
 * so do gets once q is empty; waiting putters and getters are woken and
 * fail with it (a getter that was handed an item before keeps it).  With
 * immediate nonzero, the items still in q are dropped first (not freed:
 * they are the caller's) and each counts as done, which may release the
 * joins.  Calling it again is allowed (immediate then drops what is
 * left).  0; AC_EINVAL if q is NULL or not initialised. */
int ac_queue_shutdown(ac_queue *q, int immediate);

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
/* Threads: executors (asyncio's run_in_executor, to_thread) and completing */
/* futures from other threads                                               */
/* ------------------------------------------------------------------------ */

/*
 * Everything in libac runs on the loop's thread, except the functions that
 * say they are thread-safe: ac_call_soon_threadsafe, the two
 * ac_future_set_*_threadsafe below, the ac_executor_* functions, and
 * ac_alloc/ac_free (if the allocator's functions are).  Work functions
 * (ac_work_fn) run on other threads and must not call anything else of
 * libac's.
 */

/* A blocking function to run on a thread: takes arg, returns the value the
 * await gives. */
typedef void *(*ac_work_fn)(void *arg);
/* Called, on the loop's thread, for a call whose result nobody receives:
 * result is fn's return value, or NULL if fn never ran.  It may free arg
 * and result; it must not call into libac (ac_free aside). */
typedef void (*ac_discard_fn)(void *arg, void *result);

/* A pool of threads of your own (asyncio's ThreadPoolExecutor), opaque. */
typedef struct ac_executor ac_executor;

/* The typed handle of ac_run_in_executor and ac_to_thread: `await` of it
 * gives fn's result, a void *. */
typedef struct ac_work_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
  void *ac_ret;  /* fn's result, once the await succeeded */
} ac_work_task;

/*
 * `void *r = await ac_run_in_executor(ex, fn, arg);` runs fn(arg) on a
 * thread of ex, or of libuv's thread pool if ex is NULL, and gives its
 * result, without blocking the loop.  ac_to_thread(fn, arg) is
 * ac_run_in_executor(NULL, fn, arg) (asyncio.to_thread).  The call only
 * makes the coroutine (one allocation; NULL on ENOMEM, whose await fails
 * with AC_ENOMEM): the work is submitted when the await starts (or when
 * the task runs, if it is spawned), so keep a spawned handle to start it
 * early.  The loop stays alive while the work runs.  While fn runs, arg
 * must stay valid: it is borrowed until fn has returned.
 * The await fails with:
 *  - AC_EINVAL if fn is NULL; AC_ESHUTDOWN if ex was shut down; AC_ENOMEM
 *    if the work item cannot be allocated; a libuv error if libuv refuses
 *    the work.  fn does not run;
 *  - AC_ECANCELED if the task is cancelled, at once: work that has not
 *    started is taken off the queue and never runs; work that is running
 *    finishes on its thread, and its result is discarded (see
 *    ac_run_in_executor_ex) - so arg may still be in use after the await
 *    failed.  ac_executor_shutdown with AC_EXECUTOR_CANCEL_QUEUED also
 *    makes the awaits of work it takes off the queue fail with it.
 * ac_loop_close waits for work of its tasks still running on a thread.
 */
ac_work_task *ac_run_in_executor(ac_executor *ex, ac_work_fn fn, void *arg);
ac_work_task *ac_to_thread(ac_work_fn fn, void *arg);
/*
 * ac_run_in_executor, with a discard hook (NULL: none, as
 * ac_run_in_executor).  From this call on, the call owns arg and the
 * result: either an await of it succeeds (fn ran; the caller gets the
 * result, and arg back), or discard(arg, result) is called exactly once,
 * on the loop's thread, once fn has returned (result: its return value)
 * or once it is sure fn will never run (result: NULL).  That is: if the
 * call returns NULL (discard is called before it returns), if the await
 * fails for any reason (at once, or, if fn is running, once it returns),
 * and if the coroutine is destroyed without being awaited (ac_spawn with
 * no loop, a spawned work task cancelled before it ran, a loop close).
 * So a caller that frees arg and result in discard never leaks them and
 * never frees arg while fn uses it.
 */
ac_work_task *ac_run_in_executor_ex(ac_executor *ex, ac_work_fn fn, void *arg,
                                    ac_discard_fn discard);

/* ac_executor_shutdown flags. */
#define AC_EXECUTOR_WAIT 0x1          /* join the threads before returning */
#define AC_EXECUTOR_CANCEL_QUEUED 0x2 /* take queued work off the queue */

/*
 * Create an executor of nthreads threads (0: Python's default, min(32,
 * CPUs + 4)); they start at once and wait for work.  *out is set on
 * success.  Heap-allocated rather than caller-owned: its threads keep
 * using it until they are joined, and its work until its loops are done
 * with it.  AC_EINVAL if out is NULL or nthreads is negative or above
 * 1024; AC_ENOMEM; a libuv error if a thread cannot be created (the ones
 * already started are stopped).  Thread-safe.  Work runs in submission
 * order (FIFO), on whichever thread is free, for any number of loops.
 */
int ac_executor_new(ac_executor **out, int nthreads);
/*
 * asyncio's Executor.shutdown(wait, cancel_futures): no more work is
 * accepted (ac_run_in_executor's await fails with AC_ESHUTDOWN).  Work
 * already queued still runs, unless flags has AC_EXECUTOR_CANCEL_QUEUED:
 * then it is taken off the queue, never runs, and its awaits fail with
 * AC_ECANCELED.  With AC_EXECUTOR_WAIT (1, so that `wait` may be a
 * boolean), it returns once the threads finished the work and exited.
 * Results go to their loops as usual.  Calling it again is harmless (and
 * may wait).  0; AC_EINVAL if ex is NULL; AC_EBUSY, with no effect, if it
 * is asked to wait from one of ex's own threads.  Thread-safe.
 */
int ac_executor_shutdown(ac_executor *ex, int flags);
/*
 * Shut ex down and wait for its threads (ac_executor_shutdown(ex,
 * AC_EXECUTOR_WAIT)), then drop the handle: ex must not be used again.
 * Its memory goes once the loops have taken back the last results
 * (pending awaits on it still complete).  0; NULL is a no-op; AC_EBUSY,
 * with no effect, from one of ex's own threads.  Thread-safe.
 */
int ac_executor_free(ac_executor *ex);
/* The number of threads of ex (0 for NULL).  Thread-safe. */
int ac_executor_threads(const ac_executor *ex);

/*
 * Completing a future from another thread: caller-owned storage for one
 * completion, like an ac_handle.  Initialise it with ac_future_post_init
 * (or zero it: no discard hook) before its first use.  Its members are
 * private.
 */
typedef struct ac_future_post {
  ac_handle h;                  /* private: posted to the loop */
  ac_future *fut;               /* private: the future to complete */
  void *value;                  /* private: its value */
  const char *msg;              /* private: the error's message */
  int err;                      /* private: 0, or the error */
  int busy;                     /* private: posted, not yet applied */
  void (*discard)(void *value); /* private: for a value not delivered */
} ac_future_post;
/* Initialise p; discard (or NULL) is called with a value that could not
 * be delivered (see below).  Never fails; NULL p is ignored. */
void ac_future_post_init(ac_future_post *p, void (*discard)(void *value));
/*
 * Thread-safe (asyncio's loop.call_soon_threadsafe(fut.set_result, v)):
 * complete fut with value on loop's thread, from any thread, through
 * ac_call_soon_threadsafe.  fut belongs to loop's thread: it and its
 * waiters are touched only there.  The completion happens in a later
 * iteration of loop; if fut is then already done (a task awaiting it was
 * cancelled, which cancels it) or is no plain future, nothing happens,
 * and the value goes to p's discard hook (if any), on the loop's thread.
 * p must stay alive until then: it may be posted again (any thread) or
 * freed once fut is done, or once discard ran.  loop must outlive the
 * post (as for ac_call_soon_threadsafe): a loop close drops a post that
 * has not run, without discarding the value.  0; AC_EINVAL on NULL loop,
 * fut or p; AC_EBUSY if p is still posted.
 */
int ac_future_set_result_threadsafe(ac_loop *loop, ac_future *fut,
                                    void *value, ac_future_post *p);
/* The same with an error (negative, else AC_EINVAL) and an optional
 * message (borrowed: it must outlive fut), as ac_future_set_error;
 * AC_ECANCELED cancels fut.  discard is not called (there is no value). */
int ac_future_set_error_threadsafe(ac_loop *loop, ac_future *fut, int err,
                                   const char *msg, ac_future_post *p);

/* ------------------------------------------------------------------------ */
/* Combinators, timeouts and task groups (asyncio.gather, wait,             */
/* as_completed, wait_for, timeout, TaskGroup)                              */
/* ------------------------------------------------------------------------ */

/*
 * Common rules (docs/RUNTIME.md, "Combinators, timeouts and task groups"):
 *  - A list of awaitables is an array of ac_task * (AC_TASK(h) of each
 *    typed handle): spawned tasks, and coroutines not spawned yet, which
 *    the call spawns on the running loop (as ac_spawn: the call's file:line
 *    is their site).  The array is borrowed (copied by the call); a task
 *    may appear twice.  Afterwards every element is a task that the CALLER
 *    owns, exactly as if ac_spawn had returned it: read results through
 *    the typed handles, release them with ac_task_release (or leave them
 *    to the loop's close).  The coroutines are taken even when the
 *    operation cannot run (a NULL element, whose constructor ran out of
 *    memory, makes it fail with AC_ENOMEM; an element that is no task or
 *    coroutine, AC_EINVAL; a coroutine being awaited, AC_EREUSED): they are
 *    then spawned and cancelled at once, so they finish without running
 *    and nothing leaks; with no loop running they are destroyed (as
 *    ac_spawn does) and the await fails with AC_ENOLOOP.
 *  - Awaitable operations return a coroutine, consumed and freed by the
 *    await like ac_sleep's; NULL on ENOMEM, whose await fails with
 *    AC_ENOMEM.  Their errors are reported by the await.  When nothing has
 *    to be waited for, the await completes without suspending.
 *  - Timeouts are seconds on the loop's clock; a negative timeout means
 *    none (AC_NO_TIMEOUT), NaN is AC_EINVAL.  Unlike asyncio, a negative
 *    timeout does not expire at once: clamp computed ones to 0.
 *  - A deadline that passes (ac_wait_for, ac_timeout_enter) makes the
 *    pending await of the task it applies to fail with AC_ETIMEDOUT
 *    (whatever that await is: a sleep, a future, a lock...), and the frames
 *    unwind through their defers as for a cancellation.  It is no
 *    cancellation request: ac_task_cancelling does not count it, and
 *    catching AC_ETIMEDOUT lets the task go on.
 *  - Everything is loop-thread only.
 */

/* A negative timeout: none. */
#define AC_NO_TIMEOUT (-1.0)

/* ac_gather flags. */
#define AC_GATHER_RETURN_ERRORS 0x1 /* never fail: wait for every child */
#define AC_GATHER_RELEASE 0x2       /* release every task when it ends */

/* The typed handle of ac_gather: `await` of it has no value. */
typedef struct ac_gather_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_gather_task;

/*
 * asyncio.gather(): `await ac_gather(tasks, n, flags)` waits for the n
 * tasks of the list (see the common rules: coroutines are spawned, and the
 * caller owns every task afterwards).  It succeeds once all of them
 * succeeded; read the results from the typed handles, in whatever order:
 *     a_task *x = a(); b_task *y = b();
 *     await AC_GATHER(0, x, y);
 *     use(x->ac_ret, y->ac_ret);
 * The first child to fail (in completion order; among children already
 * done when the await starts, in argument order) fails the await at once
 * with its error and message, and the other children keep running, as in
 * asyncio (their later errors are theirs: read them, or they are reported
 * as unretrieved).  A child that is cancelled counts as failing with
 * AC_ECANCELED.  With AC_GATHER_RETURN_ERRORS, the await waits for every
 * child and never fails because of them: read each outcome with
 * ac_task_error (every child's counts as retrieved).  With
 * AC_GATHER_RELEASE, every task of the list is released when the await
 * ends (the results can then no longer be read: for lists of coroutines
 * whose results you do not need, such as AC_GATHER(AC_GATHER_RELEASE,
 * f(), g())).  Cancelling the awaiting task (or a deadline) cancels every
 * child still running, and the await waits for them to finish before it
 * fails with AC_ECANCELED (AC_ETIMEDOUT), whatever their outcomes.
 * Errors of the await: those of the common rules; AC_EINVAL for unknown
 * flags, for tasks NULL with n > 0, or if the awaiting task is in the
 * list.  n == 0 succeeds at once.  The result of the await is not a list:
 * it has no value.  ac_gather_at records file:line (NULL: none) as the
 * site of the coroutines it spawns; ac_gather passes the caller's.
 */
#define ac_gather(tasks, n, flags)                                            \
  ac_gather_at((tasks), (n), (flags), __FILE__, __LINE__)
ac_gather_task *ac_gather_at(ac_task *const *tasks, size_t n, int flags,
                             const char *file, int line);
/* ac_gather of a fixed list of 1 to 16 handles (typed, or ac_task *), in a
 * compound literal: `await AC_GATHER(0, a(), b("x"), t);`.  Each argument
 * is evaluated once and checked as AC_TASK checks it. */
#define AC_GATHER(flags, ...)                                                 \
  ac_gather_at((ac_task *[]){AC__TASKS(__VA_ARGS__)},                         \
               AC__NARGS(__VA_ARGS__), (flags), __FILE__, __LINE__)

/* AC_GATHER's helpers: the number of arguments (1 to 16), and AC_TASK of
 * each. */
#define AC__NARGS(...)                                                        \
  AC__NARGS_(__VA_ARGS__, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3,     \
             2, 1, 0)
#define AC__NARGS_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13,    \
                   a14, a15, a16, n, ...)                                     \
  n
#define AC__TASKS(...) AC__TCAT(AC__T, AC__NARGS(__VA_ARGS__))(__VA_ARGS__)
#define AC__TCAT(a, b) AC__TCAT_(a, b)
#define AC__TCAT_(a, b) a##b
#define AC__T1(a) AC_TASK(a)
#define AC__T2(a, ...) AC_TASK(a), AC__T1(__VA_ARGS__)
#define AC__T3(a, ...) AC_TASK(a), AC__T2(__VA_ARGS__)
#define AC__T4(a, ...) AC_TASK(a), AC__T3(__VA_ARGS__)
#define AC__T5(a, ...) AC_TASK(a), AC__T4(__VA_ARGS__)
#define AC__T6(a, ...) AC_TASK(a), AC__T5(__VA_ARGS__)
#define AC__T7(a, ...) AC_TASK(a), AC__T6(__VA_ARGS__)
#define AC__T8(a, ...) AC_TASK(a), AC__T7(__VA_ARGS__)
#define AC__T9(a, ...) AC_TASK(a), AC__T8(__VA_ARGS__)
#define AC__T10(a, ...) AC_TASK(a), AC__T9(__VA_ARGS__)
#define AC__T11(a, ...) AC_TASK(a), AC__T10(__VA_ARGS__)
#define AC__T12(a, ...) AC_TASK(a), AC__T11(__VA_ARGS__)
#define AC__T13(a, ...) AC_TASK(a), AC__T12(__VA_ARGS__)
#define AC__T14(a, ...) AC_TASK(a), AC__T13(__VA_ARGS__)
#define AC__T15(a, ...) AC_TASK(a), AC__T14(__VA_ARGS__)
#define AC__T16(a, ...) AC_TASK(a), AC__T15(__VA_ARGS__)

/* ac_wait modes (asyncio's return_when). */
enum {
  AC_FIRST_COMPLETED = 1, /* as soon as any task is done */
  AC_FIRST_EXCEPTION = 2, /* as soon as any task fails (an error other
                             than AC_ECANCELED), or all are done */
  AC_ALL_COMPLETED = 3    /* when all are done */
};

/* The typed handle of ac_wait: `await` of it gives the number of tasks
 * done. */
typedef struct ac_wait_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
  size_t ac_ret; /* tasks done (in done[]); n - ac_ret are pending */
} ac_wait_task;

/*
 * asyncio.wait(): `size_t nd = await ac_wait(tasks, n, mode, timeout,
 * done, pending)` waits until mode's condition holds for the n tasks of
 * the list (see the common rules: coroutines are spawned, the caller owns
 * every task) or until timeout seconds have passed (< 0: no timeout), then
 * writes the tasks that are done to done[0..nd-1] and the others to
 * pending[0..n-nd-1], each in argument order, and gives nd.  done and
 * pending are caller arrays of n elements (or NULL, if not wanted),
 * written only when the await succeeds, so they must stay valid until it
 * ends; either (not both) may be the tasks array itself.  Nothing is
 * cancelled, not on timeout (the await then succeeds with the partial
 * sets, maybe nd == 0), nor when the awaiting task is cancelled (the await
 * fails with AC_ECANCELED, or AC_ETIMEDOUT for a deadline, and writes
 * nothing).  A timeout of 0 gives the tasks one trip through the loop.
 * Errors of the await: those of the common rules; AC_EINVAL if n is 0
 * (as asyncio), tasks is NULL, mode is unknown, timeout is NaN, or the
 * awaiting task is in the list.  ac_wait_at records file:line as the site
 * of the coroutines it spawns.
 */
#define ac_wait(tasks, n, mode, timeout, done, pending)                      \
  ac_wait_at((tasks), (n), (mode), (timeout), (done), (pending), __FILE__,    \
             __LINE__)
ac_wait_task *ac_wait_at(ac_task *const *tasks, size_t n, int mode,
                         double timeout, ac_task **done, ac_task **pending,
                         const char *file, int line);

/*
 * asyncio.as_completed(): an iterator in caller storage that gives the
 * tasks of a list in the order they complete:
 *     ac_as_completed it;
 *     ac_as_completed_init(&it, tasks, n, 5.0);
 *     defer ac_as_completed_close(&it);
 *     for (ac_task *t; (t = await ac_as_completed_next(&it)) != NULL;)
 *         ... t is done: await t, ac_task_error(t) ...
 * Not all in caller storage: init allocates one block of n nodes (n is
 * the caller's choice), which the iterator frees when it is over.
 */
typedef struct ac_as_completed {
  ac__link done;         /* private: nodes of tasks done, not given out */
  void *nodes;           /* private: the block of n nodes, or NULL */
  size_t n;              /* private: tasks */
  size_t watching;       /* private: tasks not yet seen done */
  size_t timeouts;       /* private: AC_ETIMEDOUT still to give */
  struct ac_task *root;  /* private: the task parked in next, or NULL */
  ac_handle timer;       /* private: the timeout */
  int expired;           /* private: the timeout passed */
} ac_as_completed;

/* The typed handle of ac_as_completed_next: `await` of it gives the next
 * task (ac_task *), or NULL at the end. */
typedef struct ac_as_completed_next_task {
  ac_task ac_co;   /* coroutine header; the frame is bigger */
  ac_task *ac_ret; /* the task */
} ac_as_completed_next_task;

/*
 * Start iterating over the n tasks of the list (see the common rules:
 * coroutines are spawned, the caller owns every task; the tasks already
 * done come out first, in argument order; a task listed twice comes out
 * twice).  timeout (< 0: none) starts now, as asyncio's: when it passes,
 * the tasks still pending are no longer watched.  it is initialised
 * whatever it held.  0; AC_EINVAL (it untouched) if it is NULL, tasks is
 * NULL with n > 0, or timeout is NaN; otherwise, on an error (those of the
 * common rules, reported here: AC_ENOMEM, AC_EINVAL, AC_EREUSED,
 * AC_ENOLOOP; AC_ENOMEM for the block too) it is left empty (next gives
 * NULL) and the list was taken all the same (its coroutines spawned and
 * cancelled).  ac_as_completed_init_at records file:line as the site of
 * the coroutines it spawns.
 */
#define ac_as_completed_init(it, tasks, n, timeout)                           \
  ac_as_completed_init_at((it), (tasks), (n), (timeout), __FILE__, __LINE__)
int ac_as_completed_init_at(ac_as_completed *it, ac_task *const *tasks,
                            size_t n, double timeout, const char *file,
                            int line);
/*
 * `ac_task *t = await ac_as_completed_next(&it)`: the next task to have
 * completed, waiting for one if needed (a task already waiting in the
 * iterator comes at once, without suspending).  Once the timeout passed,
 * after the tasks that completed before it, the await fails with
 * AC_ETIMEDOUT once for each task cut off (as asyncio's iterator raises
 * TimeoutError).  At the end it gives NULL, and the iterator has freed its
 * block.  If the awaiting task is cancelled, the await fails with
 * AC_ECANCELED (or AC_ETIMEDOUT for a deadline) and takes nothing: the
 * next call gives what this one would have.  Errors of the await:
 * AC_EINVAL for NULL it; AC_EBUSY if another task is waiting in the same
 * iterator; AC_ENOMEM if the call returned NULL.
 */
ac_as_completed_next_task *ac_as_completed_next(ac_as_completed *it);
/* End the iteration early: stop watching the tasks, free the block (a task
 * waiting in next gets NULL).  Synchronous, for a defer; no effect on an
 * iterator that is over, or on NULL.  The tasks are not cancelled. */
void ac_as_completed_close(ac_as_completed *it);

/*
 * asyncio.wait_for(): `T v = await ac_wait_for(aw, seconds)` awaits aw
 * under a deadline of seconds (< 0: none) and gives aw's value, typed:
 * the macro's result has aw's type, so its await has aw's value type.
 * - aw a coroutine (typed handle, not spawned): it is awaited inline, in
 *   the awaiting task, as `await aw` would (Python 3.12's wait_for is
 *   `async with timeout(): return await aw`), and freed by the await.
 *   When the deadline passes, its pending await fails with AC_ETIMEDOUT
 *   and it unwinds (defers run); the wait_for then fails with
 *   AC_ETIMEDOUT.  If it catches that and returns a value, the value wins.
 *   A timeout of 0 lets it run until it first suspends.
 * - aw a task (or a plain ac_future *): it is waited for as `await aw`
 *   would (a cancel of the awaiting task reaches it, as in asyncio).  When
 *   the deadline passes, it is cancelled and waited for: the await fails
 *   with AC_ETIMEDOUT if it finishes cancelled, gives its value if it
 *   finishes with one anyway (Python 3.12), else fails with its error.  If
 *   the awaiting task is cancelled by a flag (a loop close, an enclosing
 *   deadline) the task is cancelled and the await fails at once.  The
 *   caller keeps owning the task.  A plain future's value (void *) is the
 *   await's.
 * Errors of the await: aw's own, AC_ETIMEDOUT, AC_ECANCELED; AC_EINVAL if
 * seconds is NaN, aw is not a coroutine, task or future (a generator), or
 * aw is the awaiting task; AC_EREUSED if aw is a coroutine being awaited;
 * AC_ENOLOOP outside a task.  NULL (aw NULL, or no memory; an unspawned
 * coroutine aw is then freed): the await fails with AC_ENOMEM.  aw is
 * evaluated once; anything but a typed handle, an ac_task * or an
 * ac_future * does not compile.
 */
#define ac_wait_for(aw, seconds)                                              \
  ((__typeof__(aw))ac__wait_for(AC__AWAITABLE(aw), sizeof(*(aw)), (seconds)))
/* ac_wait_for's frame: size is sizeof(*aw), whose bytes after the header
 * (the typed handle's ac_ret) receive aw's result. */
void *ac__wait_for(void *aw, size_t size, double seconds);

/*
 * Timeout scopes (asyncio.timeout, trio's cancel scopes): a deadline for
 * everything the task awaits between enter and exit, in caller storage:
 *     ac_timeout_scope ts;
 *     ac_timeout_enter(&ts, 1.5);
 *     defer ac_timeout_exit(&ts);
 *     await x(); await y();       // fail with AC_ETIMEDOUT at the deadline
 * When the deadline passes, the await the task is in fails with
 * AC_ETIMEDOUT, however deep in a chain of coroutines, and the frames
 * unwind through their defers; a combinator it is in (gather, task group)
 * cancels its children first.  The expiry is delivered once: a task that
 * catches it and goes on awaiting inside the scope is not interrupted
 * again.  Scopes nest: the first deadline to pass is delivered (two that
 * pass together, once).  Exit is synchronous, so that a defer can run it,
 * and must come before the task finishes and before ts's storage goes;
 * after it the deadline no longer applies.  Unlike asyncio, the error is
 * AC_ETIMEDOUT right at the await (no AC_ECANCELED inside the block), and
 * a task the block awaits directly (`await t`) is not cancelled: the
 * await of it fails and t runs on (use ac_wait_for to cancel it).  A scope
 * applies to its task: in an async generator, exit it before yielding.
 */
typedef struct ac_timeout_scope {
  ac_handle timer;      /* private: the deadline's timer */
  struct ac_task *task; /* private: the task it applies to */
  double when;          /* private: the deadline (loop time), or -1.0 */
  int state;            /* private: entered or exited */
  int expired;          /* private: the deadline passed */
} ac_timeout_scope;

/* Enter ts (any content: enter initialises it) for the running task, with
 * a deadline `seconds` from now (< 0: none; 0: at the next iteration).
 * AC_EINVAL if ts is NULL or seconds NaN; AC_ENOLOOP outside a task (a
 * sync generator, no loop).  A scope that could not be entered is marked
 * exited: exit then does nothing (AC_ESTATE). */
int ac_timeout_enter(ac_timeout_scope *ts, double seconds);
/* The same with a deadline at loop time `when` (asyncio.timeout_at; see
 * ac_loop_time; < 0: none; in the past: the next iteration). */
int ac_timeout_enter_at(ac_timeout_scope *ts, double when);
/* Leave ts: its deadline no longer applies.  0; AC_ESTATE if ts is not
 * entered (exited already, or its enter failed); AC_EINVAL for NULL. */
int ac_timeout_exit(ac_timeout_scope *ts);
/* Move the deadline to loop time `when` (< 0: none), from any code of the
 * loop's thread.  AC_ESTATE if ts is not entered or already expired (as
 * asyncio), AC_EINVAL for NULL or NaN. */
int ac_timeout_reschedule(ac_timeout_scope *ts, double when);
/* 1 once ts's deadline passed (it stays 1 after exit); 0 for NULL. */
int ac_timeout_expired(const ac_timeout_scope *ts);
/* ts's deadline (loop time), or -1.0 if it has none (or NULL). */
double ac_timeout_when(const ac_timeout_scope *ts);

/*
 * Task groups (asyncio.TaskGroup, trio's nurseries), in caller storage.
 * The C shape, since a deferred statement cannot await:
 *     ac_task_group g;
 *     ac_task_group_init(&g);
 *     defer ac_task_group_cancel(&g);   // the group's end, on every way out
 *     ac_task_group_spawn(&g, fetch(1));
 *     ac_task_group_spawn(&g, fetch(2));
 *     await ac_task_group_wait(&g);     // waits for all; fails as below
 * When a child fails (an error other than AC_ECANCELED), every other child
 * is cancelled, and the wait fails, once all of them are done, with that
 * error and its message if only one failed, or AC_EGROUP if several did
 * (ac_task_group_errors lists them).  If the waiting task is cancelled
 * (or a deadline passes), every child is cancelled and still awaited
 * before the wait fails with AC_ECANCELED (AC_ETIMEDOUT), unless children
 * failed (their error wins, as in asyncio).  The group owns its children:
 * their handles stay valid, so that results can be read, until
 * ac_task_group_cancel ends the group; on a way out that skipped the wait
 * (an error, a return), that deferred call cancels the children still
 * running but cannot await them: they finish on their own, released.
 * Unlike asyncio, the failure of a child does not cancel the body of the
 * block: the body runs on until its wait, which then fails.  A group keeps
 * every child until its end: for servers that spawn without end, end
 * groups regularly or use ac_spawn and ac_task_release.
 */
typedef struct ac_task_group {
  ac__link running;        /* private: nodes of children still running */
  ac__link finished;       /* private: nodes of finished children, in
                              completion order */
  struct ac_task *waiter;  /* private: the task in ac_task_group_wait */
  unsigned long pending;   /* private: children not seen finished */
  unsigned long nfailed;   /* private: children that failed */
  int state;               /* private: open, aborting, waited, closed */
  int err;                 /* private: the first failure's error */
  const char *msg;         /* private: ...and its message */
  int cancel_err;          /* private: the waiting task's cancellation */
  const char *cancel_msg;  /* private: ...and its message */
  int outcome;             /* private: the wait's outcome, once waited */
  const char *outcome_msg; /* private: ...and its message */
} ac_task_group;

/* The typed handle of ac_task_group_wait: `await` of it has no value. */
typedef struct ac_task_group_wait_task {
  ac_task ac_co; /* coroutine header; the frame is bigger */
} ac_task_group_wait_task;

/* Initialise g: open and empty.  Needs no loop.  NULL is ignored. */
void ac_task_group_init(ac_task_group *g);
/*
 * ac_task_group_spawn(g, co): spawn the coroutine co (typed handle or
 * ac_task *, not spawned) as a child of g on the running loop, with the
 * caller's file:line as its site (ac_task_group_spawn_at: file:line).  The
 * group owns the task: the handle (co itself) stays valid until
 * ac_task_group_cancel.  Allocates one node (besides co's frame).  0, or:
 * AC_ENOMEM if co is NULL; AC_EINVAL if co is not a coroutine or is
 * already a task, AC_EREUSED if it is being awaited (co untouched in
 * these three cases); otherwise co is destroyed, as ac_spawn does, on:
 * AC_EINVAL (g NULL), AC_ESTATE (a child failed, the waiting task was
 * cancelled, or the group was waited for or ended: asyncio's "shutting
 * down"), AC_ENOLOOP (no loop running), AC_ENOMEM (no memory for the
 * node).
 */
#define ac_task_group_spawn(g, co)                                            \
  ac_task_group_spawn_at((g), AC_TASK(co), __FILE__, __LINE__)
int ac_task_group_spawn_at(ac_task_group *g, ac_task *co, const char *file,
                           int line);
/*
 * `await ac_task_group_wait(&g)`: wait until no child of g runs (at once,
 * without suspending, if none does), then succeed, or fail as described
 * above.  Afterwards no child can be spawned (AC_ESTATE); waiting again
 * gives the same outcome at once.  Errors of the await: AC_EGROUP, a
 * child's error, AC_ECANCELED, AC_ETIMEDOUT; AC_EINVAL for NULL g, or if
 * the awaiting task is a child of g; AC_EBUSY if another task is waiting
 * on g; AC_ESTATE if the group was ended; AC_ENOLOOP outside a task;
 * AC_ENOMEM if the call returned NULL.
 */
ac_task_group_wait_task *ac_task_group_wait(ac_task_group *g);
/*
 * End the group (synchronous, for a defer): cancel every child still
 * running (not awaited: they finish on their own), release every child
 * (their handles become invalid; finished ones are freed now) and free
 * the nodes; the group is then closed (spawn and wait: AC_ESTATE).  If a
 * task is waiting on g (another task, since the waiting one is parked),
 * only the cancelling is done: the wait finishes once they are done (and
 * the cancelled children are no failures), and the group ends with the
 * next call.  Returns the number of children asked to cancel;
 * AC_EINVAL for NULL.
 */
int ac_task_group_cancel(ac_task_group *g);
/*
 * The errors of the children that failed (other than AC_ECANCELED), in
 * the order they failed: the first n go to out; returns how many there
 * are (may be more than n).  Readable until the group ends
 * (ac_task_group_cancel).  AC_EINVAL for NULL g, or out NULL with n > 0.
 */
int ac_task_group_errors(const ac_task_group *g, int *out, size_t n);

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
/*
 * `x = await E catch (err, msg)`: after ac__check(self, aw) returned
 * nonzero, err = ac__catch(self, &msg).  Returns the error recorded in
 * self (negative), stores its message (or NULL) in *msg if msg is not
 * NULL, and clears it, so that self goes on instead of unwinding.  A
 * caught AC_ECANCELED suppresses the cancellation: the task goes on
 * running (ac_task_cancelling still counts the request).  0 if nothing was
 * recorded; AC_EINVAL if self is NULL.
 */
int ac__catch(ac_task *self, const char **msg);
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

/* ------------------------------------------------------------------------ */
/* Generators                                                               */
/* ------------------------------------------------------------------------ */

/*
 * `generator(Y, S) T g(params)` is a generator function: calling it makes a
 * generator object and runs nothing.  Each ac_gen_next runs its body up to
 * the next `yield v` (which hands out v, of type Y) or to its end (it
 * returns a T).  ac_gen_send resumes it with a value of type S, which is
 * then the value of the paused `yield`; ac_gen_throw makes the paused
 * yield fail with an error; ac_gen_close finishes it, running its
 * cleanups.  `yield from h` delegates to the generator h until h finishes
 * (its values go straight to the consumer, sent values straight to h) and
 * gives h's return value.  An `async generator` may also await; the
 * consumer awaits ac_anext / ac_asend / ac_athrow instead.
 *
 * For g, acc emits the typed handle
 *     typedef struct g_gen { ac_gen ac_co; T ac_ret; Y ac_yield; S ac_send; } g_gen;
 * (each of ac_ret / ac_yield / ac_send absent when T / Y / S is void or
 * absent) and the constructor `g_gen *g(params)`, NULL on ENOMEM.
 *
 * Ownership: the caller owns a generator and frees it with ac_gen_free,
 * which closes it first if it is suspended.  `yield from h` consumes h (as
 * `await` consumes a coroutine): the delegating generator frees it at the
 * end of that statement, and h must not be used by the caller afterwards;
 * while it is delegated to, the functions below return AC_EBUSY on it.
 *
 * States: not started, suspended (at a yield), running (inside next / send
 * / throw / close, or, for an async generator, from the start of an
 * awaited ac_anext until it yields or finishes, including while it waits
 * on a future), finished (returned, or failed with an error).
 */
typedef struct ac_gen ac_gen;

/* The awaitable that ac_anext/ac_asend/ac_athrow return: it is embedded in
 * the generator (nothing is allocated) and lives as long as it.  `await`
 * of it gives ac_ret: 1 if the generator yielded (the value was copied to
 * out), 0 if it returned; an error it failed with fails the await. */
typedef struct ac_anext_task {
  ac_future fut; /* private: done when the step is over */
  int ac_ret;    /* 1: yielded, 0: returned */
} ac_anext_task;

struct ac_gen {
  ac_task ac_co;          /* frame header; ac_co.fut.err/msg: its error.
                             ac_co.caller: the generator delegating to it
                             (yield from), or the frame awaiting its
                             ac_anext while it runs in a task */
  ac_gen *inner;          /* private: root of a delegation chain: its
                             innermost generator (itself if none) */
  void *out;              /* private: async: where the armed step copies
                             the yielded value (or NULL) */
  const char *throw_msg;  /* private: async: the armed athrow's message */
  int throw_err;          /* private: async: the armed athrow's error */
  int arm_err;            /* private: async: the armed step's own error */
  unsigned yoff, ysize;   /* private: offset and size of ac_yield (0, 0) */
  unsigned soff, ssize;   /* private: offset and size of ac_send (0, 0) */
  unsigned gflags;        /* private: AC__G_* state bits */
  ac_anext_task anext;    /* private: what ac_gen_anext returns */
};

/* Any typed generator handle (g_gen *), or an ac_gen * itself, as an
 * ac_gen *, checked at compile time: anything else, a coroutine handle
 * included, does not compile.  g is evaluated once and may be NULL; a
 * pointer to const gives a pointer to const. */
#define AC_GEN(g) (1 ? (ac_gen *)(void *)(g) : &AC__GEN_CHECK(g)->ac_co AC__GEN_STRICT(g))

/* AC_GEN's check: g itself, or for an ac_gen *, a null pointer of a type
 * whose ac_co is an ac_gen (never evaluated); then the member must be an
 * ac_gen (C: _Generic; C++: the conditional operator refuses other
 * pointer types by itself). */
struct ac__gen_co {
  ac_gen ac_co; /* what AC_GEN checks for */
};
#ifdef __cplusplus
extern "C++" {
template <class T> inline T *ac__gen_check(T *g) { return g; }
inline ac__gen_co *ac__gen_check(ac_gen *) { return 0; }
inline const ac__gen_co *ac__gen_check(const ac_gen *) { return 0; }
}
#define AC__GEN_CHECK(g) ac__gen_check(g)
#define AC__GEN_STRICT(g)
#else
#define AC__GEN_CHECK(g)                                                      \
  _Generic((g), ac_gen *: (struct ac__gen_co *)0,                             \
           const ac_gen *: (const struct ac__gen_co *)0, default: (g))
#define AC__GEN_STRICT(g)                                                     \
  +0 * sizeof(_Generic(&AC__GEN_CHECK(g)->ac_co, ac_gen *: 1,                \
                       const ac_gen *: 1))
#endif

/*
 * Resume g until its next yield.  Returns 1 if it yielded: the value is
 * copied to out (out may be NULL to drop it; if it is not, size must be
 * sizeof(Y), else AC_EINVAL and nothing runs); 0 if it returned (its value
 * is AC_GEN_RESULT(g)); a negative error if it failed with one (its defers
 * ran).  A finished generator returns 0 again if it returned, its error
 * again if it failed (0 once closed, as Python's StopIteration).  The paused yield's value
 * is zeroed (Python's send(None)).  AC_EBUSY if g is running (called from
 * its own body) or delegated to; AC_EINVAL if g is NULL or an async
 * generator.
 */
int ac_gen_next(ac_gen *g, void *out, size_t size);
/*
 * Like ac_gen_next, but the paused yield's value is *in (copied; in_size
 * must be sizeof(S), else AC_EINVAL and nothing runs).  in NULL: exactly
 * ac_gen_next.  Sending a value to a generator that has not started is
 * AC_ESTATE and runs nothing (start it with ac_gen_next).  Sent values go
 * to the innermost generator of a `yield from` chain.
 */
int ac_gen_send(ac_gen *g, const void *in, size_t in_size, void *out,
                size_t out_size);
/*
 * Make the paused yield (of the innermost generator of a `yield from`
 * chain) fail with err (negative, else AC_EINVAL) and msg (optional,
 * borrowed; it must outlive g).  Unless the generator catches it, it
 * unwinds, running its defers, and so does each generator delegating to
 * it.  Returns as ac_gen_next: 1 if it yielded again, 0 if it returned,
 * the error it failed with (err if it did not catch it).  A generator that
 * has not started finishes with err at once, without running its body,
 * and err is returned.  AC_ESTATE if it is finished; other errors as for
 * ac_gen_next.
 */
int ac_gen_throw(ac_gen *g, int err, const char *msg, void *out,
                 size_t out_size);
/*
 * Finish g, running its cleanups (Python's close()): a generator that has
 * not started is just marked finished; one suspended at a yield gets
 * AC_ECLOSED at its innermost yield and unwinds.  While it closes, any
 * further yield fails at once with AC_ECLOSED, and so does any await that
 * would suspend: closing runs synchronously, with no loop (async
 * generators too).  Afterwards g is finished with AC_ECLOSED (or returned,
 * if it caught the error and returned).  Returns 0 if it returned or
 * failed with AC_ECLOSED, or the other error it failed with; 0 at once if
 * it was already finished.  AC_EBUSY if it is running (an async generator
 * waiting on a future inside a task counts) or delegated to; AC_EINVAL if
 * g is NULL.
 */
int ac_gen_close(ac_gen *g);
/* Close g (if it is not finished) and free it.  Returns what ac_gen_close
 * returned.  AC_EBUSY, nothing freed or closed, if g is running or
 * delegated to.  NULL is a no-op (0).  The handle is invalid afterwards. */
int ac_gen_free(ac_gen *g);
int ac_gen_done(const ac_gen *g); /* 1 once g is finished (0 for NULL) */
/* 0 while not finished or if it returned, else the error it failed with
 * (AC_ECLOSED if closed).  AC_EINVAL if g is NULL. */
int ac_gen_error(const ac_gen *g);
/* The return value of a typed handle, valid once g returned (ac_gen_next
 * gave 0 and ac_gen_error gives 0). */
#define AC_GEN_RESULT(g) ((g)->ac_ret)

/*
 * Async generators: prepare one step of g and return an awaitable for it
 * (await it at once: the next ac_gen_anext on g replaces a step that was
 * not awaited).  Awaiting it runs g inline in the awaiting task, until g
 * yields (the await gives 1, and the value is copied to out, which must
 * stay valid until then) or finishes (the await gives 0, or fails with
 * g's error).  While g awaits futures or sleeps, the task waits; if the
 * task is cancelled, g's pending await fails with AC_ECANCELED and g
 * unwinds, then the await of the step fails with it.  in / err / msg, and
 * the sizes, as for ac_gen_send / ac_gen_throw; these are reported by the
 * await: AC_EINVAL (sizes; g is not an async generator), AC_ESTATE
 * (ac_gen_asend of a value to a generator that has not started), AC_EBUSY
 * (g is running, e.g. another task awaits its step), AC_EREUSED (the step
 * was already awaited).  A finished generator gives 0 again, or its error.
 * Returns NULL, whose await fails with AC_ENOMEM, if g is NULL.  The
 * awaitable belongs to g: nothing to free.
 */
ac_anext_task *ac_gen_anext(ac_gen *g, void *out, size_t size);
ac_anext_task *ac_gen_asend(ac_gen *g, const void *in, size_t in_size,
                            void *out, size_t out_size);
ac_anext_task *ac_gen_athrow(ac_gen *g, int err, const char *msg, void *out,
                             size_t out_size);

/*
 * Typed forms: g is a typed handle, evaluated once; out is NULL or a
 * pointer to its yield type (checked through the conditional operator);
 * value is taken by value and converted to the send type.  They need the
 * ac_yield (and, for ac_send/ac_asend, ac_send) member: for a generator
 * that yields nothing, call the ac_gen_* function with out NULL.
 */
#define ac_next(g, out)                                                       \
  ac_gen_next(AC_GEN(g), AC__GEN_OUT(g, out), sizeof((g)->ac_yield))
#define ac_send(g, value, out)                                                \
  ac_gen_send(AC_GEN(g), AC__GEN_IN(g, value), sizeof((g)->ac_send),         \
              AC__GEN_OUT(g, out), sizeof((g)->ac_yield))
#define ac_throw(g, err, msg, out)                                            \
  ac_gen_throw(AC_GEN(g), (err), (msg), AC__GEN_OUT(g, out),                  \
               sizeof((g)->ac_yield))
#define ac_anext(g, out)                                                      \
  ac_gen_anext(AC_GEN(g), AC__GEN_OUT(g, out), sizeof((g)->ac_yield))
#define ac_asend(g, value, out)                                               \
  ac_gen_asend(AC_GEN(g), AC__GEN_IN(g, value), sizeof((g)->ac_send),        \
               AC__GEN_OUT(g, out), sizeof((g)->ac_yield))
#define ac_athrow(g, err, msg, out)                                           \
  ac_gen_athrow(AC_GEN(g), (err), (msg), AC__GEN_OUT(g, out),                 \
                sizeof((g)->ac_yield))
/* out as a Y * (g not evaluated); value in a one-element S array. */
#define AC__GEN_OUT(g, out) (1 ? (out) : &(g)->ac_yield)
#define AC__GEN_IN(g, value) ((__typeof__((g)->ac_send)[1]){value})

/* For generated code. */
#define AC__GEN_ASYNC 0x2 /* frame flag: an async generator */

/*
 * The constructor's allocation: a zeroed, unstarted generator frame of
 * size bytes (>= sizeof(ac_gen)) with its resume function; flags 0 or
 * AC__GEN_ASYNC; name as for ac__frame_new; yoff/ysize and soff/ssize:
 * offsetof and sizeof of the handle's ac_yield and ac_send (0, 0 when
 * absent).  NULL on ENOMEM or invalid arguments.
 */
void *ac__gen_new(size_t size, ac__step (*resume)(ac_task *), unsigned flags,
                  const char *name, size_t yoff, size_t ysize, size_t soff,
                  size_t ssize);
/*
 * After `ac_f->ac_pub.ac_yield = v; state = n; return AC__YIELD;` and its
 * label: 0 to go on (the sent value is in ac_pub.ac_send), nonzero if an
 * error was thrown in (ac_gen_throw) or the generator is being closed
 * (AC_ECLOSED); the error and message are then in self->fut.err/msg, and
 * the frame unwinds (or catches it by clearing them).
 */
int ac__yield_check(ac_task *self);
/*
 * Begin `yield from sub` in self.  Returns 0 if self must set its resume
 * point and return AC__SUSPEND (sub now runs as the innermost generator of
 * the chain), or 1 to go on at once: sub is already finished, or cannot
 * be delegated to, with the reason recorded in self: AC_ENOMEM (NULL),
 * AC_EINVAL (not a sync generator, its yield or send type differs, or
 * self is not a running sync generator), AC_EREUSED (already consumed by
 * a yield from), AC_EBUSY (running).  sub is consumed unless it was
 * AC_EREUSED or AC_EBUSY: ac__release of self's slot frees it.
 */
int ac__yield_from(ac_task *self, void *sub);
/* After `yield from sub`: 0 if sub returned (its value is sub->ac_ret),
 * nonzero if self must unwind: ac__yield_from's error, sub's own error
 * (with its message), or AC_ECLOSED if self is being closed. */
int ac__yield_from_check(ac_task *self, void *sub);
/* A for-each over g in a plain C function ended with g's error, and no
 * catch clause takes it: report it, one line on stderr, as an unretrieved
 * task error is ("acc: generator 'NAME' failed with ENAME (description):
 * MSG, and the error was not caught").  Nothing if g is NULL or did not
 * fail. */
void ac__gen_uncaught(ac_gen *g);

#ifdef __cplusplus
}
#endif
#endif /* AC_H */
