/*
 * post.c - ac_future_post: completing a loop's future from another thread
 * (asyncio's loop.call_soon_threadsafe(fut.set_result, value)).  The
 * completion travels as an ac_call_soon_threadsafe handle embedded in the
 * caller's ac_future_post, so posting allocates nothing; on the loop's
 * thread it becomes an ordinary ac_future_set_result / set_error.
 *
 * The post stays busy (p->busy, read and written with atomics, since any
 * thread may try to post it) from the post until its callback has read
 * it: ac_call_soon_threadsafe makes the handle reusable just before the
 * callback runs, and a second post then must not overwrite fut and value
 * before they are read.
 */
#include "internal.h"

/* Prepare caller-owned post storage. */
void ac_future_post_init(ac_future_post *p, void (*discard)(void *value)) {
  if (p == NULL)
    return;
  memset(p, 0, sizeof *p);
  p->discard = discard;
}

/* On the loop's thread: complete the future.  p is read first and freed
 * for reuse before the completion, and not touched after it (the
 * future's waiters may free p once it is done). */
static void ac__post_run(void *arg) {
  ac_future_post *p = arg;
  ac_future *fut = p->fut;
  void *value = p->value;
  const char *msg = p->msg;
  void (*discard)(void *value) = p->discard;
  int err = p->err;
  int r;

  __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
  if (err != 0) {
    ac_future_set_error(fut, err, msg);
    return;
  }
  r = ac_future_set_result(fut, value);
  if (r != 0 && discard != NULL)
    discard(value); /* already done (cancelled), or not a plain future */
}

/* Claim p, fill it and post it to loop.  0, AC_EINVAL, AC_EBUSY. */
static int ac__post(ac_loop *loop, ac_future *fut, void *value, int err,
                    const char *msg, ac_future_post *p) {
  int r;

  if (loop == NULL || fut == NULL || p == NULL)
    return AC_EINVAL;
  if (__atomic_exchange_n(&p->busy, 1, __ATOMIC_ACQ_REL) != 0)
    return AC_EBUSY;
  p->fut = fut;
  p->value = value;
  p->err = err;
  p->msg = msg;
  r = ac_call_soon_threadsafe(loop, &p->h, ac__post_run, p);
  if (r != 0)
    __atomic_store_n(&p->busy, 0, __ATOMIC_RELEASE);
  return r;
}

/* Thread-safe ac_future_set_result, applied on loop's thread. */
int ac_future_set_result_threadsafe(ac_loop *loop, ac_future *fut,
                                    void *value, ac_future_post *p) {
  return ac__post(loop, fut, value, 0, NULL, p);
}

/* Thread-safe ac_future_set_error, applied on loop's thread. */
int ac_future_set_error_threadsafe(ac_loop *loop, ac_future *fut, int err,
                                   const char *msg, ac_future_post *p) {
  if (err >= 0)
    return AC_EINVAL;
  return ac__post(loop, fut, NULL, err, msg, p);
}
