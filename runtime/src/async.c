/*
 * async.c - ac_call_soon_threadsafe: handles posted from any thread onto a
 * mutex-protected list, and a uv_async_t that wakes the loop.  The loop
 * moves them to its ready queue (from the async callback, and at every
 * iteration, since the async handle is unref'd outside run_forever and
 * libuv polls it only when something else keeps the loop alive).
 */
#include "internal.h"

/* Post cb(arg) to loop from any thread. */
int ac_call_soon_threadsafe(ac_loop *loop, ac_handle *h, ac_callback cb,
                            void *arg) {
  if (loop == NULL || h == NULL || cb == NULL)
    return AC_EINVAL;
  uv_mutex_lock(&loop->ts_mutex);
  if (h->flags & AC__H_ACTIVE) {
    uv_mutex_unlock(&loop->ts_mutex);
    return AC_EBUSY;
  }
  h->w.loop = loop;
  h->w.from = NULL;
  h->cb = cb;
  h->arg = arg;
  h->when = 0;
  h->seq = 0;
  h->flags = AC__H_ACTIVE | AC__H_TS;
  h->w.run = ac__async_run;
  ac__link_insert_tail(&loop->ts_list, &h->w.link);
  uv_mutex_unlock(&loop->ts_mutex);
  uv_async_send(&loop->async); /* cannot fail on an initialised handle */
  return 0;
}

/* Move posted handles to the ready queue, in posting order. */
void ac__async_drain(ac_loop *loop) {
  uv_mutex_lock(&loop->ts_mutex);
  ac__link_move(&loop->ts_list, &loop->ready);
  uv_mutex_unlock(&loop->ts_mutex);
}

/* uv_async_t callback. */
void ac__async_cb(uv_async_t *a) { ac__async_drain(a->data); }

/* Forget posted handles that have not reached the ready queue. */
void ac__async_drop(ac_loop *loop) {
  uv_mutex_lock(&loop->ts_mutex);
  while (!ac__link_empty(&loop->ts_list)) {
    ac_handle *h = ac__container_of(loop->ts_list.next, ac_handle, w.link);
    ac__link_remove(&h->w.link);
    h->flags = 0;
  }
  uv_mutex_unlock(&loop->ts_mutex);
}

/* Run a posted handle; it becomes reusable (under the mutex, since the
 * poster may test it) just before its callback runs.  cb and arg are read
 * before that: once the flags are clear, another thread may post h again
 * and overwrite them, so h is not touched after the unlock. */
void ac__async_run(ac_waiter *w) {
  ac_handle *h = ac__container_of(w, ac_handle, w);
  ac_loop *loop = h->w.loop;
  ac_callback cb;
  void *arg;

  uv_mutex_lock(&loop->ts_mutex);
  cb = h->cb;
  arg = h->arg;
  h->flags = 0;
  uv_mutex_unlock(&loop->ts_mutex);
  cb(arg);
}
