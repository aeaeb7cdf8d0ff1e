/*
 * report.c - asyncio's "Task exception was never retrieved".  A task that
 * finished with an error other than AC_ECANCELED, and whose outcome nobody
 * retrieved (AC__F_RETRIEVED: an await read it, an accessor was called on
 * it, ac_run returned it), is reported when its frame is freed: released
 * and done, or by its loop's close.  The report goes to a handler, by
 * default one line on stderr.
 */
#include "internal.h"

#include <stdio.h>

static ac_unretrieved_fn ac__unretrieved_fn; /* NULL: ac__report_stderr */
static void *ac__unretrieved_ud;             /* its argument */

/* Replace the report (NULL: the default one). */
void ac_set_unretrieved_handler(ac_unretrieved_fn fn, void *ud) {
  ac__unretrieved_fn = fn;
  ac__unretrieved_ud = fn != NULL ? ud : NULL;
}

/* The default report: one line on stderr, in one call so that lines from
 * several threads do not interleave. */
static void ac__report_stderr(ac_task *t, int err, const char *msg,
                              void *ud) {
  const char *name = t->name != NULL ? t->name : "?";
  const char *sep = msg != NULL ? ": " : "";

  (void)ud;
  if (msg == NULL)
    msg = "";
  if (t->file != NULL)
    fprintf(stderr,
            "acc: task '%s' created at %s:%d failed with %s (%s)%s%s, "
            "and the error was never retrieved\n",
            name, t->file, t->line, ac_err_name(err), ac_strerror(err), sep,
            msg);
  else
    fprintf(stderr,
            "acc: task '%s' failed with %s (%s)%s%s, "
            "and the error was never retrieved\n",
            name, ac_err_name(err), ac_strerror(err), sep, msg);
}

/* Called as t is freed: report it if it failed and nobody looked. */
void ac__task_report(ac_task *t) {
  ac_unretrieved_fn fn = ac__unretrieved_fn;

  if (t->fut.state != AC__FUT_DONE || t->fut.err == 0 ||
      (t->fut.flags & AC__F_RETRIEVED))
    return;
  t->fut.flags |= AC__F_RETRIEVED; /* once */
  if (fn == NULL)
    fn = ac__report_stderr;
  fn(t, t->fut.err, t->fut.msg, ac__unretrieved_ud);
}
