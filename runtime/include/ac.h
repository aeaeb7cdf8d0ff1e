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
