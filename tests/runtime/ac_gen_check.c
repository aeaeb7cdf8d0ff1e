/*
 * ac_gen_check.c - compiled, never run, by ctest (see CMakeLists.txt):
 * AC_GEN and the typed generator macros take a generator handle or an
 * ac_gen * without a warning under -std=c11 -pedantic, and AC_GEN rejects
 * anything else at compile time, a coroutine handle included.  Without
 * REJECT it must compile; -DREJECT=n selects a use that must not.
 */
#include "ac.h"

typedef struct g_gen {
  ac_gen ac_co;  /* header */
  int ac_ret;    /* result */
  int ac_yield;  /* yield type */
  long ac_send;  /* send type */
} g_gen;

typedef struct f_task {
  ac_task ac_co; /* a coroutine handle */
  int ac_ret;
} f_task;

#ifndef REJECT
/* Every accepted form, const included; 5 when all agree. */
int accepted(g_gen *g, ac_gen *a, const g_gen *cg, const ac_gen *ca);
int accepted(g_gen *g, ac_gen *a, const g_gen *cg, const ac_gen *ca) {
  ac_gen *b = AC_GEN(g);
  ac_gen *c = AC_GEN(a);
  const ac_gen *d = AC_GEN(cg);
  const ac_gen *e = AC_GEN(ca);
  ac_gen *n = AC_GEN((g_gen *)0);
  return (b == &g->ac_co) + (c == a) + (d == &cg->ac_co) + (e == ca) +
         (n == 0);
}
/* The typed macros, with out NULL too. */
int typed(g_gen *g);
int typed(g_gen *g) {
  int v;
  ac_anext_task *s = ac_anext(g, &v);
  return ac_next(g, &v) + ac_next(g, NULL) + ac_send(g, 3, &v) +
         ac_throw(g, AC_EPROTO, "m", &v) + (s != 0) +
         (ac_asend(g, 4L, NULL) != 0) +
         (ac_athrow(g, AC_EPROTO, NULL, &v) != 0) + AC_GEN_RESULT(g);
}
#elif REJECT == 1
void rejected(f_task *p) { (void)AC_GEN(p); } /* a coroutine handle */
#elif REJECT == 2
void rejected(ac_task *p) { (void)AC_GEN(p); } /* a task */
#elif REJECT == 3
void rejected(void *p) { (void)AC_GEN(p); } /* untyped pointer */
#elif REJECT == 4
void rejected(int *p) { (void)AC_GEN(p); } /* not a handle */
#endif
