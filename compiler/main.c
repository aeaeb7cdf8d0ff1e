/*
 * main.c - the acc command: read a .ac file, translate it, and write the C
 * only if everything succeeded, through a temporary file renamed into
 * place, so a failed run never leaves a half-written output behind.
 *
 *   acc [--no-line] INPUT [-o OUTPUT]     INPUT/OUTPUT may be '-'
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acc.h"

static const char usage[] =
    "usage: acc [options] INPUT [-o OUTPUT]\n"
    "Translate a .ac file (C with async/await) into C.\n"
    "\n"
    "  -o OUTPUT    write the C here ('-' for stdout); default: INPUT with\n"
    "               .ac replaced by .c (.ah by .h), or stdout for stdin\n"
    "  --no-line    do not write #line directives\n"
    "  -w           do not print warnings\n"
    "  -Werror      treat warnings as errors (no output is written)\n"
    "  --help       show this help\n"
    "  --version    show the version\n"
    "\n"
    "INPUT '-' reads stdin.  Errors go to stderr as file:line:col: error: ...\n"
    "and leave no output file.\n";

typedef struct Options {
  const char *input;   /* path or "-" */
  const char *output;  /* path, "-", or NULL for the default */
  int line_directives; /* write #line */
} Options;

/* Returns 0 to go on, 1 to exit 0 (help, version), 2 on a usage error. */
static int parse_args(int argc, char **argv, Options *o) {
  o->line_directives = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(usage, stdout);
      return 1;
    } else if (strcmp(a, "--version") == 0) {
      printf("acc %s\n", ACC_VERSION);
      return 1;
    } else if (strcmp(a, "--no-line") == 0) {
      o->line_directives = 0;
    } else if (strcmp(a, "-w") == 0) {
      diag_set_warnings(DIAG_WARN_OFF);
    } else if (strcmp(a, "-Werror") == 0) {
      diag_set_warnings(DIAG_WARN_ERROR);
    } else if (strcmp(a, "-o") == 0 && i + 1 < argc) {
      o->output = argv[++i];
    } else if (a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "acc: error: unknown option '%s'\n%s", a, usage);
      return 2;
    } else if (!o->input) {
      o->input = a;
    } else {
      fprintf(stderr, "acc: error: more than one input ('%s')\n", a);
      return 2;
    }
  }
  if (!o->input) {
    fprintf(stderr, "acc: error: no input file\n%s", usage);
    return 2;
  }
  return 0;
}

/* The whole of a stream, NUL-terminated. */
static char *slurp(FILE *fp, size_t *len) {
  Buf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
    buf_put(&b, chunk, n);
  if (ferror(fp)) {
    buf_free(&b);
    return NULL;
  }
  if (!b.p)
    buf_put(&b, "", 0);
  *len = b.len;
  return b.p;
}

static char *read_input(const char *path, size_t *len) {
  if (strcmp(path, "-") == 0)
    return slurp(stdin, len);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "acc: error: cannot open '%s': %s\n", path, strerror(errno));
    return NULL;
  }
  char *text = slurp(fp, len);
  if (!text)
    fprintf(stderr, "acc: error: cannot read '%s': %s\n", path, strerror(errno));
  fclose(fp);
  return text;
}

/* INPUT.ac -> INPUT.c, INPUT.ah -> INPUT.h, else INPUT.c */
static const char *default_output(const char *in) {
  size_t n = strlen(in);
  if (strcmp(in, "-") == 0)
    return "-";
  if (n > 3 && strcmp(in + n - 3, ".ac") == 0)
    return arena_printf("%.*s.c", (int)(n - 3), in);
  if (n > 3 && strcmp(in + n - 3, ".ah") == 0)
    return arena_printf("%.*s.h", (int)(n - 3), in);
  return arena_printf("%s.c", in);
}

/* An existing output that is not a regular file (/dev/null, a FIFO) is
 * written in place: renaming over it would replace the device itself. */
static int write_in_place(const char *path, const Buf *out) {
  FILE *fp = fopen(path, "wb");
  int ok = fp && fwrite(out->p, 1, out->len, fp) == out->len;
  if (fp && fclose(fp) != 0)
    ok = 0;
  if (!ok)
    fprintf(stderr, "acc: error: cannot write '%s': %s\n", path, strerror(errno));
  return ok ? 0 : -1;
}

/* The mode a new output gets: the old file's, else 0666 less the umask
 * (mkstemp's 0600 would make generated sources private). */
static mode_t output_mode(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0)
    return st.st_mode & 07777;
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

/* Write through OUTPUT.tmp.XXXXXX and rename, so OUTPUT is whole or absent.
 * A symlink is followed: the file it names is replaced, not the link. */
static int write_output(const char *path, const Buf *out) {
  struct stat st;
  if (strcmp(path, "-") == 0)
    return fwrite(out->p, 1, out->len, stdout) == out->len && fflush(stdout) == 0 ? 0 : -1;
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return write_in_place(path, out);
  char *real = realpath(path, NULL);
  const char *target = real ? arena_strndup(real, strlen(real)) : path;
  free(real);
  char *tmp = arena_printf("%s.tmp.XXXXXX", target);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    fprintf(stderr, "acc: error: cannot create '%s': %s\n", tmp, strerror(errno));
    return -1;
  }
  FILE *fp = fdopen(fd, "wb");
  int ok = fp && fchmod(fd, output_mode(target)) == 0 &&
           fwrite(out->p, 1, out->len, fp) == out->len;
  ok = fp ? (fclose(fp) == 0 && ok) : (close(fd), 0);
  if (ok && rename(tmp, target) == 0)
    return 0;
  fprintf(stderr, "acc: error: cannot write '%s': %s\n", path, strerror(errno));
  unlink(tmp);
  return -1;
}

/* parse -> analyze -> lower/emit; the C is in out unless errors were
 * reported. */
static void translate(const Source *src, const LowerOpts *opts, Buf *out) {
  TSTree *tree = parse_source(src);
  if (!tree) {
    diag_error(src, 0, "the parser could not run");
    return;
  }
  if (diag_error_count() == 0) {
    Unit unit;
    analyze_unit(src, ts_tree_root_node(tree), &unit);
    if (diag_error_count() == 0)
      emit_unit(src, &unit, opts, out);
  }
  ts_tree_delete(tree);
}

int main(int argc, char **argv) {
  Options o = {0};
  int r = parse_args(argc, argv, &o);
  if (r)
    return r == 1 ? 0 : 2;
  Source src = {strcmp(o.input, "-") == 0 ? "<stdin>" : o.input, NULL, 0};
  char *text = read_input(o.input, &src.len);
  if (!text)
    return 1;
  src.text = text;
  LowerOpts opts = {o.line_directives};
  Buf out = {0};
  translate(&src, &opts, &out);
  int status = 1;
  if (diag_error_count() == 0) {
    if (!out.p)
      buf_put(&out, "", 0);
    status = write_output(o.output ? o.output : default_output(o.input), &out) ? 1 : 0;
  }
  buf_free(&out);
  free(text);
  arena_free_all();
  return status;
}
