/*
 * corpus_test: runs tree-sitter corpus tests against the `ac` grammar through
 * libtree-sitter's C API, without the tree-sitter CLI.
 *
 *   corpus_test PATH...        PATH: a corpus file, or a directory whose files
 *                              (recursively, sorted, dot-files skipped) are
 *                              corpus files
 *   corpus_test -p FILE...     print the tree of each source FILE (`-` is
 *                              stdin), formatted as in a corpus file; a helper
 *                              for writing expected outputs
 *
 * Corpus format (as tree-sitter 0.20.7's `tree-sitter test` reads it):
 *
 *   ==================
 *   name of the case
 *   ==================
 *   source text
 *   ---
 *   (expected (s-expression))
 *
 * Header lines are three or more `=`, the divider is the longest line of three
 * or more `-` between two headers (an optional suffix after the `=`/`-` run
 * must equal the first header's suffix in the file).  The newline before the
 * divider is not part of the source.  In the expected text, lines starting
 * with `;` are comments, whitespace runs become one space and " )" becomes
 * ")".  The actual tree is `ts_node_string(root)`, which prints fields as
 * `name: (node ...)`; the comparison always includes field names.
 *
 * Prints one line per case, `ok NAME` or `FAIL NAME` followed by a line diff of
 * the indented expected (-) and actual (+) trees, then `N passed, N failed`.
 * Exit status: 0 if all passed, 1 if any failed, 2 on usage or I/O errors or
 * when no case was found.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_ac(void);

/* ---------------------------------------------------------------- utils -- */

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("corpus_test: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("corpus_test: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n) {
    char *r = xmalloc(n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}

/* A growable string. */
typedef struct {
    char *s;
    size_t len, cap;
} Buf;

static void buf_putn(Buf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_putc(Buf *b, char c) { buf_putn(b, &c, 1); }

static char *buf_take(Buf *b) {
    if (!b->s) buf_putn(b, "", 0);
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads a whole file ("-" is stdin); NULL with a message on error. */
static char *read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "corpus_test: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    Buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_putn(&b, chunk, n);
    bool err = ferror(f);
    if (f != stdin) fclose(f);
    if (err) {
        fprintf(stderr, "corpus_test: %s: read error\n", path);
        free(b.s);
        return NULL;
    }
    *len = b.len;
    return buf_take(&b);
}

/* ------------------------------------------------------- s-expressions -- */

/* Whitespace-normalises an expected tree the way tree-sitter 0.20.7 does:
 * drops `;` comment lines, trims, collapses whitespace runs to one space and
 * turns " )" into ")". */
static char *normalize_sexp(const char *s, size_t n) {
    Buf nocomments = {0};
    for (size_t i = 0; i < n;) {
        size_t e = i;
        while (e < n && s[e] != '\n') e++;
        size_t j = i;
        while (j < e && is_space(s[j])) j++;
        if (!(j < e && s[j] == ';')) buf_putn(&nocomments, s + i, e - i);
        if (e < n) buf_putc(&nocomments, '\n');
        i = e + 1;
    }
    char *t = buf_take(&nocomments);
    Buf out = {0};
    bool pending_space = false;
    for (const char *p = t; *p; p++) {
        if (is_space(*p)) {
            pending_space = out.len > 0;
            continue;
        }
        if (pending_space && *p != ')') buf_putc(&out, ' ');
        pending_space = false;
        buf_putc(&out, *p);
    }
    free(t);
    return buf_take(&out);
}

/* Splits a one-line s-expression into lines, one node (with its field name,
 * if any) per line, indented two spaces per level.  Returns the line count;
 * *lines receives xmalloc'd strings. */
static size_t sexp_lines(const char *s, char ***lines) {
    size_t count = 0, cap = 0;
    char **v = NULL;
    int depth = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ') p++;
        if (!*p) break;
        /* A line runs from here to just before the next " (" or " name: ("
         * that opens a child node. */
        const char *start = p;
        int line_depth = depth;
        const char *q = p;
        for (; *q; q++) {
            if (*q == '(') depth++;
            else if (*q == ')') depth--;
            if (q[0] == ' ' && q > start && q[-1] != ':') {
                const char *r = q + 1;
                while (*r && *r != ' ' && *r != '(' && *r != ')' && *r != ':') r++;
                if (r[0] == ':' && r[1] == ' ' && r[2] == '(') break;
                if (q[1] == '(') break;
            }
        }
        Buf line = {0};
        for (int i = 0; i < line_depth; i++) buf_putn(&line, "  ", 2);
        buf_putn(&line, start, (size_t)(q - start));
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            v = xrealloc(v, cap * sizeof *v);
        }
        v[count++] = buf_take(&line);
        p = q;
    }
    *lines = v;
    return count;
}

static void free_lines(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Prints a line diff (LCS) of the indented expected and actual trees. */
static void print_diff(const char *expected, const char *actual) {
    char **a, **b;
    size_t n = sexp_lines(expected, &a), m = sexp_lines(actual, &b);
    size_t *lcs = xmalloc((n + 1) * (m + 1) * sizeof *lcs);
#define L(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
    for (size_t i = n + 1; i-- > 0;)
        for (size_t j = m + 1; j-- > 0;) {
            if (i == n || j == m) L(i, j) = 0;
            else if (strcmp(a[i], b[j]) == 0) L(i, j) = L(i + 1, j + 1) + 1;
            else L(i, j) = L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
        }
    printf("    --- expected\n    +++ actual\n");
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && strcmp(a[i], b[j]) == 0) {
            printf("      %s\n", a[i]);
            i++, j++;
        } else if (i < n && (j == m || L(i + 1, j) >= L(i, j + 1))) {
            printf("    - %s\n", a[i++]);
        } else {
            printf("    + %s\n", b[j++]);
        }
    }
#undef L
    free(lcs);
    free_lines(a, n);
    free_lines(b, m);
}

/* -------------------------------------------------------------- corpus -- */

typedef struct {
    TSParser *parser;
    int passed, failed;
} Runner;

/* Returns the length of the line at s[0..end) (without its newline) and
 * stores the offset just past the newline in *next. */
static size_t line_at(const char *s, size_t i, size_t end, size_t *next) {
    size_t e = i;
    while (e < end && s[e] != '\n') e++;
    *next = e < end ? e + 1 : end;
    size_t len = e - i;
    if (len > 0 && s[i + len - 1] == '\r') len--;
    return len;
}

/* If s[i..i+len) is a run of three or more `c` followed by an optional suffix
 * that does not start with `c`, stores the suffix and returns true. */
static bool delimiter_line(const char *s, size_t len, char c, const char **suffix,
                           size_t *suffix_len) {
    size_t k = 0;
    while (k < len && s[k] == c) k++;
    if (k < 3) return false;
    *suffix = s + k;
    *suffix_len = len - k;
    return true;
}

static bool same_suffix(const char *a, size_t an, const char *b, size_t bn) {
    return an == bn && memcmp(a, b, an) == 0;
}

typedef struct {
    size_t start, end;   /* whole header */
    size_t name_start, name_end;
} Header;

/* Finds the test headers of a corpus file; the first header's suffix is
 * required on every other header and divider, as tree-sitter does. */
static size_t find_headers(const char *s, size_t n, Header **out, const char **fsuf,
                           size_t *fsuf_len) {
    size_t count = 0, cap = 0;
    Header *v = NULL;
    bool have_first = false;
    *fsuf = "";
    *fsuf_len = 0;
    size_t i = 0;
    while (i < n) {
        size_t next, len = line_at(s, i, n, &next);
        const char *suf;
        size_t suf_len;
        if (delimiter_line(s + i, len, '=', &suf, &suf_len) &&
            (!have_first || same_suffix(suf, suf_len, *fsuf, *fsuf_len))) {
            /* one or more name lines, then the closing === line */
            size_t j = next, name_start = next, name_end = next;
            int names = 0;
            while (j < n) {
                size_t jn, jl = line_at(s, j, n, &jn);
                if (jl > 0 && s[j] == '=') break;
                if (jl == 0) { names = 0; break; }
                names++;
                name_end = j + jl;
                j = jn;
            }
            const char *suf2;
            size_t suf2_len, jn;
            size_t jl = j < n ? line_at(s, j, n, &jn) : 0;
            if (names > 0 && j < n && delimiter_line(s + j, jl, '=', &suf2, &suf2_len) &&
                same_suffix(suf, suf_len, suf2, suf2_len)) {
                if (!have_first) {
                    have_first = true;
                    *fsuf = suf;
                    *fsuf_len = suf_len;
                }
                if (count == cap) {
                    cap = cap ? cap * 2 : 16;
                    v = xrealloc(v, cap * sizeof *v);
                }
                while (name_end > name_start && is_space(s[name_end - 1])) name_end--;
                v[count++] = (Header){i, jn, name_start, name_end};
                i = jn;
                continue;
            }
        }
        i = next;
    }
    *out = v;
    return count;
}

static void run_case(Runner *r, const char *name, const char *input, size_t input_len,
                     const char *expected_raw, size_t expected_len) {
    char *expected = normalize_sexp(expected_raw, expected_len);
    TSTree *tree = ts_parser_parse_string(r->parser, NULL, input, (uint32_t)input_len);
    char *actual = NULL;
    if (tree) {
        actual = ts_node_string(ts_tree_root_node(tree));
        ts_tree_delete(tree);
    }
    if (actual && strcmp(actual, expected) == 0) {
        printf("ok %s\n", name);
        r->passed++;
    } else {
        printf("FAIL %s\n", name);
        print_diff(expected, actual ? actual : "(no tree)");
        r->failed++;
    }
    free(actual);
    free(expected);
}

static int run_file(Runner *r, const char *path) {
    size_t n;
    char *s = read_file(path, &n);
    if (!s) return -1;
    const char *fsuf;
    size_t fsuf_len;
    Header *h;
    size_t count = find_headers(s, n, &h, &fsuf, &fsuf_len);
    printf("# %s\n", path);
    for (size_t k = 0; k < count; k++) {
        size_t body = h[k].end, end = k + 1 < count ? h[k + 1].start : n;
        /* the longest divider line between the two headers */
        size_t div_start = 0, div_end = 0, best = 0;
        for (size_t i = body; i < end;) {
            size_t next, len = line_at(s, i, end, &next);
            const char *suf;
            size_t suf_len;
            if (delimiter_line(s + i, len, '-', &suf, &suf_len) &&
                same_suffix(suf, suf_len, fsuf, fsuf_len) && next - i > best) {
                best = next - i;
                div_start = i;
                div_end = next;
            }
            i = next;
        }
        char *name = xstrndup(s + h[k].name_start, h[k].name_end - h[k].name_start);
        if (best == 0) {
            printf("FAIL %s\n    no `---` divider in this case\n", name);
            r->failed++;
        } else {
            size_t input_len = div_start - body;
            /* the newline before the divider is not part of the input */
            if (input_len > 0 && s[body + input_len - 1] == '\n') input_len--;
            if (input_len > 0 && s[body + input_len - 1] == '\r') input_len--;
            run_case(r, name, s + body, input_len, s + div_end, end - div_end);
        }
        free(name);
    }
    free(h);
    free(s);
    return (int)count;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs a file, or every file below a directory; returns the number of cases
 * found, or -1 on error. */
static int run_path(Runner *r, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "corpus_test: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return run_file(r, path);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "corpus_test: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t count = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[count++] = xstrndup(e->d_name, strlen(e->d_name));
    }
    closedir(d);
    qsort(names, count, sizeof *names, cmp_str);
    int total = 0;
    for (size_t i = 0; i < count; i++) {
        Buf child = {0};
        buf_putn(&child, path, strlen(path));
        if (child.len && child.s[child.len - 1] != '/') buf_putc(&child, '/');
        buf_putn(&child, names[i], strlen(names[i]));
        int k = run_path(r, child.s);
        free(child.s);
        free(names[i]);
        if (k < 0) total = -1;
        else if (total >= 0) total += k;
    }
    free(names);
    return total;
}

/* ----------------------------------------------------------------- main -- */

static int print_trees(TSParser *parser, int argc, char **argv) {
    int status = 0;
    for (int i = 0; i < argc; i++) {
        size_t n;
        char *src = read_file(argv[i], &n);
        if (!src) {
            status = 2;
            continue;
        }
        TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)n);
        char *sexp = ts_node_string(ts_tree_root_node(tree));
        char **lines;
        size_t count = sexp_lines(sexp, &lines);
        for (size_t k = 0; k < count; k++) printf("%s\n", lines[k]);
        free_lines(lines, count);
        free(sexp);
        ts_tree_delete(tree);
        free(src);
    }
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: %s CORPUS_FILE_OR_DIR...\n"
                        "       %s -p SOURCE_FILE...   (print trees)\n",
                argv[0], argv[0]);
        return 2;
    }
    TSParser *parser = ts_parser_new();
    if (!ts_parser_set_language(parser, tree_sitter_ac())) {
        fputs("corpus_test: incompatible language version\n", stderr);
        ts_parser_delete(parser);
        return 2;
    }
    int status;
    if (strcmp(argv[1], "-p") == 0) {
        status = print_trees(parser, argc - 2, argv + 2);
    } else {
        Runner r = {parser, 0, 0};
        bool error = false, any = false;
        for (int i = 1; i < argc; i++) {
            int k = run_path(&r, argv[i]);
            if (k < 0) error = true;
            else if (k > 0) any = true;
        }
        if (!any) fputs("corpus_test: no test cases found\n", stderr);
        printf("%d passed, %d failed\n", r.passed, r.failed);
        status = r.failed ? 1 : (error || !any) ? 2 : 0;
    }
    ts_parser_delete(parser);
    return status;
}
