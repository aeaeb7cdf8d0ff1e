/* test_alloc.c - the runtime allocator: custom allocators, O(1) frames per
 * task, AC_EBUSY while blocks are live, running out of memory. */
#include "rt_test.h"

struct counting {
  long allocs;      /* successful allocations */
  long frees;       /* frees */
  long live_bytes;  /* bytes asked for minus bytes given back */
  long fail_after;  /* allocations allowed before failing (-1: never) */
};
static struct counting g_count;

static void *count_alloc(size_t size, void *ud) {
  struct counting *c = ud;
  if (c->fail_after >= 0 && c->allocs >= c->fail_after)
    return NULL;
  c->allocs++;
  c->live_bytes += (long)size;
  return malloc(size);
}

static void count_free(void *ptr, size_t size, void *ud) {
  struct counting *c = ud;
  assert_non_null(ptr);
  c->frees++;
  c->live_bytes -= (long)size;
  free(ptr);
}

/* Install the counting allocator, failing after fail_after blocks. */
static void use_counting(long fail_after) {
  ac_allocator a = {count_alloc, count_free, &g_count};
  memset(&g_count, 0, sizeof g_count);
  g_count.fail_after = fail_after;
  assert_int_equal(ac_set_allocator(&a), 0);
}

/* Everything went back, with the sizes it was asked with; restore malloc. */
static void check_balanced(void) {
  assert_int_equal(g_count.allocs, g_count.frees);
  assert_int_equal(g_count.live_bytes, 0);
  assert_int_equal(ac_set_allocator(NULL), 0);
}

#define MANY 64
static long g_delta; /* allocations made while spawning and awaiting */

/* async int many(void) {
 *   long before = allocations;
 *   for (i = 0; i < MANY; i++) t[i] = ac_spawn(one());
 *   for (i = 0; i < MANY; i++) sum += await t[i];
 *   g_delta = allocations - before; return sum;
 * } */
typedef struct many_task {
  ac_task ac_co;
  int ac_ret;
} many_task;
struct many_frame {
  ac_task ac_co;
  int ac_ret;
  long before;
  int i;
  int sum;
  one_task *t[MANY];
  void *ac_aw[1];
};
static ac__step many_resume(ac_task *ac_self) {
  struct many_frame *ac_f = (struct many_frame *)ac_self;
  RT_DISPATCH(RT_RESUME(1));
  ac_f->before = g_count.allocs;
  for (ac_f->i = 0; ac_f->i < MANY; ac_f->i++) {
    ac_f->t[ac_f->i] = one();
    ac_spawn(ac_f->t[ac_f->i]);
  }
  for (ac_f->i = 0; ac_f->i < MANY; ac_f->i++) {
    RT_AWAIT(1, ac_f->t[ac_f->i]);
    ac_f->sum += ((one_task *)ac_f->ac_aw[0])->ac_ret;
    ac__release(&ac_f->ac_aw[0]);
  }
  g_delta = g_count.allocs - ac_f->before;
  ac_f->ac_ret = ac_f->sum;
  return AC__DONE;
ac_fail:
  return ac__fail(ac_self, ac_f->ac_aw, 1);
}
static many_task *many(void) {
  struct many_frame *ac_f =
      ac__frame_new(sizeof *ac_f, many_resume, AC__CO_INT_RESULT, "many");
  return (many_task *)ac_f;
}

/* Spawning, awaiting and completing N tasks allocates exactly N blocks:
 * their frames.  Waiting, waking and completing allocate nothing. */
static void test_one_block_per_task(void **state) {
  (void)state;
  use_counting(-1);
  g_delta = -1;
  assert_int_equal(ac_run(many()), MANY);
  assert_int_equal(g_delta, MANY);
  /* the loop and the main frame besides */
  assert_int_equal(g_count.allocs, MANY + 2);
  check_balanced();
}

/* ac_set_allocator refuses while a block of the current one is live. */
static void test_set_while_live(void **state) {
  ac_allocator bad = {NULL, count_free, NULL};
  void *p;
  (void)state;
  use_counting(-1);
  p = ac_alloc(24);
  assert_non_null(p);
  assert_int_equal(g_count.live_bytes, 24);
  assert_int_equal(ac_set_allocator(NULL), AC_EBUSY);
  ac_free(p, 24);
  ac_free(NULL, 24);
  assert_int_equal(ac_set_allocator(&bad), AC_EINVAL);
  check_balanced();
}

/* A live loop and a live future count too. */
static void test_loop_and_future_are_blocks(void **state) {
  ac_loop *loop;
  ac_future *f;
  (void)state;
  use_counting(-1);
  assert_int_equal(ac_loop_new(&loop), 0);
  f = ac_future_new();
  assert_non_null(f);
  assert_int_equal(g_count.allocs, 2);
  assert_int_equal(ac_set_allocator(NULL), AC_EBUSY);
  assert_int_equal(ac_future_free(f), 0);
  assert_int_equal(ac_loop_close(loop), 0);
  check_balanced();
}

/* Out of memory: constructors return NULL, running NULL is AC_ENOMEM. */
static void test_out_of_memory(void **state) {
  ac_loop *loop = NULL;
  (void)state;
  use_counting(0);
  assert_null(ac_future_new());
  assert_null(one());
  assert_null(ac_sleep(1.0));
  assert_int_equal(ac_loop_new(&loop), AC_ENOMEM);
  assert_null(loop);
  assert_int_equal(ac_run(one()), AC_ENOMEM);
  check_balanced();
}

/* ac_sleep out of memory inside a task: `await ac_sleep(d)` fails with
 * AC_ENOMEM, and everything is given back. */
static void test_sleep_out_of_memory(void **state) {
  nap_task *t;
  (void)state;
  use_counting(2); /* the nap frame, the loop, then nothing */
  t = nap(1.0);
  assert_non_null(t);
  assert_int_equal(ac_run(t), AC_ENOMEM);
  check_balanced();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_block_per_task),
      cmocka_unit_test(test_set_while_live),
      cmocka_unit_test(test_loop_and_future_are_blocks),
      cmocka_unit_test(test_out_of_memory),
      cmocka_unit_test(test_sleep_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
