/* ac_comb_check.c - compiled, not run (see CMakeLists.txt): AC_GATHER,
 * ac_wait_for and ac_task_group_spawn take typed handles and ac_task *
 * (ac_wait_for also an ac_future *) cleanly under -pedantic, and the typed
 * value of ac_wait_for's await has the inner handle's type; with
 * -DREJECT=n, one bad use that must not compile. */
#include "ac.h"

typedef struct f_task {
  ac_task ac_co;
  int ac_ret;
} f_task;
f_task *f(void);

int use(ac_task *t, f_task *x, ac_future *fu, ac_task_group *g);
int use(ac_task *t, f_task *x, ac_future *fu, ac_task_group *g) {
  int *p = 0;
  void *v = 0;
  (void)p;
  (void)v;
  (void)AC_GATHER(0, x, t, f());
  (void)AC_GATHER(AC_GATHER_RETURN_ERRORS, x, x, x, x, x, x, x, x, x, x, x,
                  x, x, x, x, x);
  (void)ac_wait_for(t, 1.0);
  (void)ac_wait_for(fu, AC_NO_TIMEOUT);
  (void)ac_task_group_spawn(g, f());
  (void)ac_task_group_spawn(g, t);
#if REJECT == 1
  (void)AC_GATHER(0, x, p);
#elif REJECT == 2
  (void)AC_GATHER(0, v);
#elif REJECT == 3
  (void)ac_wait_for(v, 1.0);
#elif REJECT == 4
  (void)ac_wait_for(p, 1.0);
#elif REJECT == 5
  (void)ac_task_group_spawn(g, fu);
#endif
  return ac_wait_for(x, 1.0)->ac_ret; /* typed: an f_task * */
}
