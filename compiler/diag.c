/*
 * diag.c - diagnostics in the form compilers use:
 *
 *   file.ac:3:13: error: await outside an async function
 *       int x = await f();
 *               ^
 *
 * Positions are byte offsets into the source (from ts_node_start_byte);
 * line and column are 1-based, columns count bytes as gcc does.
 */
#include <stdio.h>

#include "acc.h"

static int errors;
static DiagWarnings warnings = DIAG_WARN_ON;

void diag_set_warnings(DiagWarnings mode) { warnings = mode; }

/* Line number, column and the line's first byte for offset at. */
static void locate(const Source *src, uint32_t at, uint32_t *line,
                   uint32_t *col, uint32_t *bol) {
  if (at > src->len)
    at = (uint32_t)src->len;
  *line = 1;
  *bol = 0;
  for (uint32_t i = 0; i < at; i++)
    if (src->text[i] == '\n') {
      (*line)++;
      *bol = i + 1;
    }
  *col = at - *bol + 1;
}

/* The source line, then a caret under the column; tabs are kept so the
 * caret lines up in a terminal. */
static void show_line(const Source *src, uint32_t bol, uint32_t col) {
  uint32_t eol = bol;
  while (eol < src->len && src->text[eol] != '\n')
    eol++;
  fprintf(stderr, "%.*s\n", (int)(eol - bol), src->text + bol);
  for (uint32_t i = 0; i + 1 < col && bol + i < eol; i++)
    fputc(src->text[bol + i] == '\t' ? '\t' : ' ', stderr);
  fputs("^\n", stderr);
}

static void report(const Source *src, uint32_t at, const char *kind,
                   const char *fmt, va_list ap) {
  uint32_t line, col, bol;
  locate(src, at, &line, &col, &bol);
  fprintf(stderr, "%s:%u:%u: %s: ", src->path, line, col, kind);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  show_line(src, bol, col);
}

void diag_error(const Source *src, uint32_t at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(src, at, "error", fmt, ap);
  va_end(ap);
  errors++;
}

/* A warning, unless -w; with -Werror it is an error (counted). */
void diag_warning(const Source *src, uint32_t at, const char *fmt, ...) {
  va_list ap;
  if (warnings == DIAG_WARN_OFF)
    return;
  va_start(ap, fmt);
  report(src, at, warnings == DIAG_WARN_ERROR ? "error" : "warning", fmt, ap);
  va_end(ap);
  errors += warnings == DIAG_WARN_ERROR;
}

int diag_error_count(void) { return errors; }
