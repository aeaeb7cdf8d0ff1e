/* test_timer.c - call_soon/call_later/call_at, cancellation, the timer heap,
 * the virtual clock and the real clock. */
#include "rt_test.h"

#include <math.h>

static int g_order[64]; /* ids of callbacks in the order they ran */
static int g_n;         /* callbacks run */
static double g_when[64]; /* loop time each callback saw */
static ac_loop *g_loop;   /* the loop under test */

/* Record the id arg and the loop time. */
static void record_cb(void *arg) {
  g_when[g_n] = ac_loop_time(g_loop);
  g_order[g_n++] = (int)(intptr_t)arg;
}

static void reset(int virtual_clock) {
  memset(g_order, 0, sizeof g_order);
  g_n = 0;
  g_loop = new_loop(virtual_clock);
}

/* Run until every timer has run: stop from a timer far in the future. */
static void run_all(double until) {
  static ac_handle stop;
  memset(&stop, 0, sizeof stop);
  assert_int_equal(ac_call_later(g_loop, &stop, until, stop_cb, g_loop), 0);
  assert_int_equal(ac_loop_run_forever(g_loop), 0);
}

/* Timers run by deadline; equal deadlines in scheduling order; call_soon
 * before all of them. */
static void test_call_later_order(void **state) {
  ac_handle h[7];
  (void)state;
  memset(h, 0, sizeof h);
  reset(1);
  assert_int_equal(ac_call_later(g_loop, &h[0], 3.0, record_cb, (void *)0), 0);
  assert_int_equal(ac_call_later(g_loop, &h[1], 1.0, record_cb, (void *)1), 0);
  assert_int_equal(ac_call_later(g_loop, &h[2], 2.0, record_cb, (void *)2), 0);
  assert_int_equal(ac_call_later(g_loop, &h[3], 1.0, record_cb, (void *)3), 0);
  assert_int_equal(ac_call_later(g_loop, &h[4], 1.0, record_cb, (void *)4), 0);
  assert_int_equal(ac_call_later(g_loop, &h[5], 0.0, record_cb, (void *)5), 0);
  assert_int_equal(ac_call_soon(g_loop, &h[6], record_cb, (void *)6), 0);
  run_all(100.0);
  assert_int_equal(g_n, 7);
  assert_int_equal(g_order[0], 6);
  assert_int_equal(g_order[1], 5);
  assert_int_equal(g_order[2], 1);
  assert_int_equal(g_order[3], 3);
  assert_int_equal(g_order[4], 4);
  assert_int_equal(g_order[5], 2);
  assert_int_equal(g_order[6], 0);
  assert_true(g_when[2] == 1.0 && g_when[4] == 1.0);
  assert_true(g_when[5] == 2.0 && g_when[6] == 3.0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* call_at takes an absolute loop time; a past time is due at once. */
static void test_call_at(void **state) {
  ac_handle h[3];
  (void)state;
  memset(h, 0, sizeof h);
  reset(1);
  assert_int_equal(ac_call_at(g_loop, &h[0], 5.0, record_cb, (void *)0), 0);
  assert_int_equal(ac_call_at(g_loop, &h[1], 2.5, record_cb, (void *)1), 0);
  assert_int_equal(ac_call_at(g_loop, &h[2], -1.0, record_cb, (void *)2), 0);
  assert_true(ac_handle_when(&h[0]) == 5.0);
  assert_true(ac_handle_when(&h[2]) == 0.0);
  run_all(10.0);
  assert_int_equal(g_n, 3);
  assert_int_equal(g_order[0], 2);
  assert_int_equal(g_order[1], 1);
  assert_true(g_when[1] == 2.5);
  assert_int_equal(g_order[2], 0);
  assert_true(g_when[2] == 5.0);
  assert_true(ac_loop_time(g_loop) == 10.0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Cancel before run: it never runs; after run or twice: AC_ESTATE.  A
 * handle can be reused once it ran or was cancelled. */
static void test_cancel(void **state) {
  ac_handle a = {0};
  ac_handle b = {0};
  ac_handle c = {0};
  ac_handle never = {0};
  (void)state;
  reset(1);
  assert_int_equal(ac_handle_cancel(&never), AC_ESTATE);
  assert_int_equal(ac_handle_cancel(NULL), AC_EINVAL);
  assert_int_equal(ac_call_later(g_loop, &a, 1.0, record_cb, (void *)1), 0);
  assert_int_equal(ac_call_later(g_loop, &b, 2.0, record_cb, (void *)2), 0);
  assert_int_equal(ac_call_soon(g_loop, &c, record_cb, (void *)3), 0);
  assert_true(ac_handle_active(&a));
  assert_int_equal(ac_call_later(g_loop, &a, 1.0, record_cb, NULL), AC_EBUSY);
  assert_int_equal(ac_call_soon(g_loop, &c, record_cb, NULL), AC_EBUSY);
  assert_int_equal(ac_handle_cancel(&a), 0);
  assert_int_equal(ac_handle_cancel(&c), 0);
  assert_false(ac_handle_active(&a));
  assert_int_equal(ac_handle_cancel(&a), AC_ESTATE);
  run_all(5.0);
  assert_int_equal(g_n, 1);
  assert_int_equal(g_order[0], 2);
  assert_false(ac_handle_active(&b));
  assert_int_equal(ac_handle_cancel(&b), AC_ESTATE);
  /* reuse */
  assert_int_equal(ac_call_later(g_loop, &b, 1.0, record_cb, (void *)4), 0);
  run_all(5.0);
  assert_int_equal(g_n, 2);
  assert_int_equal(g_order[1], 4);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* A timer that is due but has not run yet (on the ready queue) can still
 * be cancelled, by a callback of the same iteration. */
static ac_handle g_victim;
static void cancel_victim_cb(void *arg) {
  (void)arg;
  assert_int_equal(ac_handle_cancel(&g_victim), 0);
}

static void test_cancel_due_timer(void **state) {
  ac_handle killer = {0};
  (void)state;
  memset(&g_victim, 0, sizeof g_victim);
  reset(1);
  assert_int_equal(ac_call_later(g_loop, &killer, 1.0, cancel_victim_cb, NULL),
                   0);
  assert_int_equal(ac_call_later(g_loop, &g_victim, 1.0, record_cb, NULL), 0);
  run_all(2.0);
  assert_int_equal(g_n, 0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Argument checks. */
static void test_arguments(void **state) {
  ac_handle h = {0};
  (void)state;
  reset(1);
  assert_int_equal(ac_call_soon(NULL, &h, record_cb, NULL), AC_EINVAL);
  assert_int_equal(ac_call_soon(g_loop, NULL, record_cb, NULL), AC_EINVAL);
  assert_int_equal(ac_call_soon(g_loop, &h, NULL, NULL), AC_EINVAL);
  assert_int_equal(ac_call_later(g_loop, &h, NAN, record_cb, NULL), AC_EINVAL);
  assert_int_equal(ac_call_at(g_loop, &h, NAN, record_cb, NULL), AC_EINVAL);
  assert_false(ac_handle_active(&h));
  assert_false(ac_handle_active(NULL));
  assert_true(ac_handle_when(NULL) == 0.0);
  assert_int_equal(ac_call_soon(g_loop, &h, record_cb, NULL), 0);
  assert_true(ac_handle_when(&h) == 0.0);
  /* a negative delay counts as 0; an infinite one never comes */
  assert_int_equal(ac_handle_cancel(&h), 0);
  assert_int_equal(ac_call_later(g_loop, &h, -3.0, record_cb, NULL), 0);
  assert_true(ac_handle_when(&h) == 0.0);
  assert_int_equal(ac_handle_cancel(&h), 0);
  assert_int_equal(ac_call_later(g_loop, &h, INFINITY, record_cb, NULL), 0);
  assert_true(ac_handle_when(&h) > 1e9);
  assert_int_equal(ac_loop_close(g_loop), 0); /* dropped, not run */
  assert_false(ac_handle_active(&h));
  assert_int_equal(g_n, 0);
}

/* The heap against a reference: many timers with colliding deadlines,
 * half of them cancelled in random order; the rest run sorted by
 * (deadline, scheduling order). */
#define HEAP_N 2000
static ac_handle g_heap_h[HEAP_N];
static int g_heap_ran[HEAP_N];
static int g_heap_seq[HEAP_N];  /* run order */
static double g_heap_due[HEAP_N];
static int g_heap_n;

static void heap_cb(void *arg) {
  int i = (int)(intptr_t)arg;
  assert_true(ac_loop_time(g_loop) == g_heap_due[i]);
  g_heap_ran[i]++;
  g_heap_seq[g_heap_n++] = i;
}

static void test_heap_stress(void **state) {
  int i;
  unsigned rnd = 12345;
  int cancelled = 0;
  (void)state;
  memset(g_heap_h, 0, sizeof g_heap_h);
  memset(g_heap_ran, 0, sizeof g_heap_ran);
  g_heap_n = 0;
  reset(1);
  for (i = 0; i < HEAP_N; i++) {
    rnd = rnd * 1103515245u + 12345u;
    g_heap_due[i] = (double)((rnd >> 16) % 50); /* many equal deadlines */
    assert_int_equal(ac_call_at(g_loop, &g_heap_h[i], g_heap_due[i], heap_cb,
                                (void *)(intptr_t)i),
                     0);
  }
  for (i = 0; i < HEAP_N; i++) {
    rnd = rnd * 1103515245u + 12345u;
    if ((rnd >> 16) & 1) {
      assert_int_equal(ac_handle_cancel(&g_heap_h[i]), 0);
      g_heap_ran[i] = -1;
      cancelled++;
    }
  }
  run_all(100.0);
  assert_int_equal(g_heap_n, HEAP_N - cancelled);
  for (i = 0; i < HEAP_N; i++)
    assert_int_equal(g_heap_ran[i], g_heap_ran[i] < 0 ? -1 : 1);
  for (i = 1; i < g_heap_n; i++) {
    int a = g_heap_seq[i - 1];
    int b = g_heap_seq[i];
    assert_true(g_heap_due[a] < g_heap_due[b] ||
                (g_heap_due[a] == g_heap_due[b] && a < b));
  }
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Virtual clock: a 1000 s sleep finishes at once, and the loop reads
 * exactly 1000.0; turned on through the environment. */
static void test_virtual_sleep(void **state) {
  ac_loop *loop = NULL;
  nap_task *t = nap(1000.0);
  double t0 = wall_now();
  (void)state;
  setenv("AC_VIRTUAL_CLOCK", "1", 1);
  assert_int_equal(ac_loop_new(&loop), 0);
  unsetenv("AC_VIRTUAL_CLOCK");
  assert_true(ac_loop_virtual_clock(loop));
  assert_true(ac_loop_time(loop) == 0.0);
  assert_int_equal(ac_loop_run_until_complete(loop, AC_FUTURE(t)), 0);
  assert_int_equal(ac_task_error(AC_TASK(t)), 0);
  assert_true(ac_loop_time(loop) == 1000.0);
  assert_true(wall_now() - t0 < 5.0);
  assert_int_equal(ac_loop_close(loop), 0);
}

/* The clock cannot change while timers are scheduled. */
static void test_virtual_switch(void **state) {
  ac_handle h = {0};
  (void)state;
  reset(0);
  assert_false(ac_loop_virtual_clock(g_loop));
  assert_true(ac_loop_time(g_loop) > 0.0);
  assert_int_equal(ac_call_later(g_loop, &h, 1.0, record_cb, NULL), 0);
  assert_int_equal(ac_loop_set_virtual_clock(g_loop, 1), AC_EBUSY);
  assert_int_equal(ac_handle_cancel(&h), 0);
  assert_int_equal(ac_loop_set_virtual_clock(g_loop, 1), 0);
  assert_true(ac_loop_virtual_clock(g_loop));
  assert_true(ac_loop_time(g_loop) == 0.0);
  assert_int_equal(ac_loop_set_virtual_clock(NULL, 1), AC_EINVAL);
  assert_false(ac_loop_virtual_clock(NULL));
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Real clock: short timers run in deadline order, not early. */
static void test_real_clock_order(void **state) {
  ac_handle h[3];
  double start;
  (void)state;
  memset(h, 0, sizeof h);
  reset(0);
  start = ac_loop_time(g_loop);
  assert_int_equal(ac_call_later(g_loop, &h[0], 0.050, record_cb, (void *)50),
                   0);
  assert_int_equal(ac_call_later(g_loop, &h[1], 0.010, record_cb, (void *)10),
                   0);
  assert_int_equal(ac_call_later(g_loop, &h[2], 0.030, record_cb, (void *)30),
                   0);
  run_all(0.060);
  assert_int_equal(g_n, 3);
  assert_int_equal(g_order[0], 10);
  assert_int_equal(g_order[1], 30);
  assert_int_equal(g_order[2], 50);
  assert_true(g_when[0] - start >= 0.010);
  assert_true(g_when[1] - start >= 0.030);
  assert_true(g_when[2] - start >= 0.050);
  assert_true(ac_loop_time(g_loop) - start < 5.0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

/* Real clock: concurrent sleeping tasks finish in order of their sleeps. */
static void test_real_clock_sleeps(void **state) {
  nap_task *a = nap(0.040);
  nap_task *b = nap(0.010);
  nap_task *c = nap(0.025);
  ac_handle h[3];
  double t0 = wall_now();
  (void)state;
  memset(h, 0, sizeof h);
  reset(0);
  assert_int_equal(ac_call_soon(g_loop, &h[0], spawn_cb, a), 0);
  assert_int_equal(ac_call_soon(g_loop, &h[1], spawn_cb, b), 0);
  assert_int_equal(ac_call_soon(g_loop, &h[2], spawn_cb, c), 0);
  assert_int_equal(ac_loop_run_until_complete(g_loop, AC_FUTURE(b)), 0);
  assert_false(ac_task_done(AC_TASK(c)));
  assert_int_equal(ac_loop_run_until_complete(g_loop, AC_FUTURE(c)), 0);
  assert_false(ac_task_done(AC_TASK(a)));
  assert_int_equal(ac_loop_run_until_complete(g_loop, AC_FUTURE(a)), 0);
  assert_true(wall_now() - t0 >= 0.039);
  assert_true(wall_now() - t0 < 5.0);
  assert_int_equal(ac_loop_close(g_loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_later_order),
      cmocka_unit_test(test_call_at),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_cancel_due_timer),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_heap_stress),
      cmocka_unit_test(test_virtual_sleep),
      cmocka_unit_test(test_virtual_switch),
      cmocka_unit_test(test_real_clock_order),
      cmocka_unit_test(test_real_clock_sleeps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
