/*
 * ac_task_check.c - compiled, never run, by ctest (see CMakeLists.txt):
 * AC_TASK and AC_FUTURE take a typed handle or an ac_task * (ac_shield an
 * ac_future * too) without a warning under -std=c11 -pedantic, and reject
 * anything else at compile time.  Without REJECT it must compile;
 * -DREJECT=n selects a use that must not.
 */
#include "ac.h"

typedef struct f_task {
  ac_task ac_co; /* header */
  int ac_ret;    /* result */
} f_task;

#ifndef REJECT
/* Every accepted form, const included; 5 when all agree. */
int accepted(f_task *f, ac_task *t, const f_task *cf, const ac_task *ct);
int accepted(f_task *f, ac_task *t, const f_task *cf, const ac_task *ct) {
  ac_future *a = AC_FUTURE(f);
  ac_future *b = AC_FUTURE(t);
  const ac_task *c = AC_TASK(cf);
  const ac_task *d = AC_TASK(ct);
  ac_task *e = AC_TASK((f_task *)0);
  return (a == &f->ac_co.fut) + (b == &t->fut) + (c == &cf->ac_co) +
         (d == ct) + (e == 0);
}
/* ac_shield takes typed handles, ac_task * and ac_future * (never run). */
void shielded(f_task *f, ac_task *t, ac_future *fu, const f_task *cf);
void shielded(f_task *f, ac_task *t, ac_future *fu, const f_task *cf) {
  (void)ac_shield(f);
  (void)ac_shield(t);
  (void)ac_shield(fu);
  (void)ac_shield(cf);
  (void)ac_shield((f_task *)0);
}
#elif REJECT == 1
void rejected(int *p) { (void)AC_TASK(p); } /* not a handle */
#elif REJECT == 2
void rejected(void *p) { (void)AC_TASK(p); } /* untyped pointer */
#elif REJECT == 3
void rejected(ac_future *p) { (void)AC_FUTURE(p); } /* a plain future */
#elif REJECT == 4
void rejected(ac_task **p) { (void)AC_TASK(p); } /* one level too many */
#elif REJECT == 5
void rejected(int *p) { (void)ac_shield(p); } /* not an awaitable */
#elif REJECT == 6
void rejected(void *p) { (void)ac_shield(p); } /* untyped pointer */
#endif
