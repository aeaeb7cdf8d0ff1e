/*
 * alloc.c - the runtime allocator: frames, sleeps, loops and ac_future_new
 * all allocate here.  It counts live blocks so that ac_set_allocator can
 * refuse to switch while blocks of the old allocator are still out.
 */
#include "internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The default allocator: malloc, which may return NULL for size 0, so ask
 * for at least one byte. */
static void *ac__default_alloc(size_t size, void *ud) {
  (void)ud;
  return malloc(size ? size : 1);
}

/* The default free. */
static void ac__default_free(void *ptr, size_t size, void *ud) {
  (void)size;
  (void)ud;
  free(ptr);
}

static ac_allocator ac__allocator = {ac__default_alloc, ac__default_free,
                                     NULL}; /* the current allocator */
static atomic_size_t ac__live_blocks;        /* blocks allocated, not freed */

/* Install a (for NULL: the default) allocator; refuse while blocks from the
 * current one are live.  Not thread-safe against concurrent allocations:
 * call it before starting loops. */
int ac_set_allocator(const ac_allocator *a) {
  if (atomic_load(&ac__live_blocks) != 0)
    return AC_EBUSY;
  if (a == NULL) {
    ac__allocator.alloc = ac__default_alloc;
    ac__allocator.free = ac__default_free;
    ac__allocator.ud = NULL;
    return 0;
  }
  if (a->alloc == NULL || a->free == NULL)
    return AC_EINVAL;
  ac__allocator = *a;
  return 0;
}

/* Allocate through the current allocator and count the block. */
void *ac_alloc(size_t size) {
  void *p = ac__allocator.alloc(size, ac__allocator.ud);
  if (p != NULL)
    atomic_fetch_add(&ac__live_blocks, 1);
  return p;
}

/* Free a block from ac_alloc; size must be what was asked for. */
void ac_free(void *ptr, size_t size) {
  if (ptr == NULL)
    return;
  atomic_fetch_sub(&ac__live_blocks, 1);
  ac__allocator.free(ptr, size, ac__allocator.ud);
}

/* Allocate and zero (frames start zeroed so every field has a known value). */
void *ac__alloc_zeroed(size_t size) {
  void *p = ac_alloc(size);
  if (p != NULL)
    memset(p, 0, size);
  return p;
}
