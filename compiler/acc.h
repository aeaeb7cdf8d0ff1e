/*
 * acc.h - the one internal header of acc, the .ac -> C transpiler.
 *
 * The passes, one per file, in the order they run:
 *   main.c     command line, reading the input, writing the output
 *   parse.c    tree-sitter parse; syntax errors as diagnostics
 *   analyze.c  finds async functions and checks the rules of the dialect
 *   lower.c    turns each async function into frame + resume + constructor
 *   emit.c     stitches pass-through text, lowered code and #line together
 *   diag.c     file:line:col diagnostics with the source line and a caret
 *   util.c     arena, growable buffers, node helpers
 */
#ifndef ACC_H
#define ACC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#define ACC_VERSION "0.1.0"

/* ---- util.c ------------------------------------------------------------ */

/* A growable byte buffer; always NUL-terminated when len > 0. */
typedef struct Buf {
  char *p;    /* the bytes */
  size_t len; /* bytes used */
  size_t cap; /* bytes allocated */
} Buf;

void buf_put(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(Buf *b, const char *fmt, va_list ap);
void buf_free(Buf *b);

/* Every string the passes make lives in one arena, freed at exit. */
void *arena_alloc(size_t n);
char *arena_strndup(const char *s, size_t n);
char *arena_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void arena_free_all(void);
/* Room for element n of an arena array of elem-byte elements with *cap
 * allocated: returns v, or a copy twice as large when n == *cap. */
void *arena_grow(void *v, size_t n, size_t *cap, size_t elem);

/* The input file being translated. */
typedef struct Source {
  const char *path; /* as given on the command line ("<stdin>" for -) */
  const char *text; /* whole file, NUL-terminated */
  size_t len;       /* bytes */
} Source;

/* Node helpers: tree-sitter's ts_node_child(i) is O(i), so children are
 * walked with a cursor into an array. */
typedef struct Nodes {
  TSNode *v;          /* children, in order */
  const char **field; /* each child's field name, or NULL */
  size_t n;           /* count */
} Nodes;

Nodes node_children(TSNode n);       /* all children (arena) */
/* The i-th named child that is not a comment (comments are named children
 * wherever they appear), or a null node; and how many there are. */
TSNode node_arg(TSNode n, uint32_t i);
uint32_t node_arg_count(TSNode n);
int node_is(TSNode n, const char *type);
TSNode node_field(TSNode n, const char *field);
const char *node_text(const Source *src, TSNode n); /* arena copy */
int node_text_is(const Source *src, TSNode n, const char *s);
TSNode node_strip_parens(TSNode n);
/* The function_declarator that declares a function's own name inside a
 * declarator (looking through pointers and parentheses), or a null node if
 * the declarator does not declare a function. */
TSNode decl_function(TSNode declarator);
/* The identifier a declarator declares, or a null node (abstract). */
TSNode decl_name(TSNode declarator);
/* The type_identifier a typedef's declarator declares, or a null node. */
TSNode decl_name_type(TSNode declarator);
/* 1 if pred(node, ctx) holds for n or any node below it. */
int node_any(TSNode n, int (*pred)(TSNode node, void *ctx), void *ctx);
/* 1 if the declaration / definition node has a child of this type. */
int has_child_of_type(TSNode n, const char *type);

/* ---- diag.c ------------------------------------------------------------ */

/* Print "path:line:col: error: msg", the source line and a caret at byte
 * offset `at`, and count the error. */
void diag_error(const Source *src, uint32_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_warning(const Source *src, uint32_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int diag_error_count(void);
/* What diag_warning does: print (default), nothing (-w), or an error
 * (-Werror). */
typedef enum DiagWarnings { DIAG_WARN_ON, DIAG_WARN_OFF, DIAG_WARN_ERROR } DiagWarnings;
void diag_set_warnings(DiagWarnings mode);

/* ---- parse.c ----------------------------------------------------------- */

const TSLanguage *tree_sitter_ac(void);
/* Parse src; report every syntax error.  Returns the tree (caller deletes),
 * or NULL if the parser could not run. */
TSTree *parse_source(const Source *src);

/* ---- analyze.c --------------------------------------------------------- */

/* What a top-level item of the translation unit is, for emit.c. */
typedef enum ItemKind {
  ITEM_PLAIN_DEF,   /* plain function with a defer or for-each: lowered */
  ITEM_ASYNC_DEF,   /* async function or generator definition: lowered */
  ITEM_ASYNC_PROTO  /* their prototypes: typed handle + constructor */
} ItemKind;

/* Item.fn: what kind of function (both bits: an async generator). */
enum { FN_ASYNC = 1, FN_GEN = 2 };

typedef struct Item {
  ItemKind kind; /* see above */
  unsigned fn;   /* FN_* bits; 0 for a plain function */
  int runtime;   /* its lowering uses ac.h */
  TSNode node;   /* function_definition or declaration */
} Item;

/* Positions the lowering asks about, each a sorted list of start bytes. */
typedef enum PosKind {
  POS_SUSPEND, /* await, yield, yield from, for await: suspension points */
  POS_RETURN,  /* return statements */
  POS_JUMP,    /* break, continue, goto */
  POS_SCOPED,  /* defer statements and for-each loops */
  POS_KINDS
} PosKind;

typedef struct Unit {
  Item *items;              /* top-level items that need lowering, in order */
  size_t nitems;            /* count */
  uint32_t *pos[POS_KINDS]; /* sorted start bytes, per kind */
  size_t npos[POS_KINDS];   /* counts */
} Unit;

/* Find the functions to lower and check every rule of the dialect that
 * does not need lowering; errors go through diag.c. */
void analyze_unit(const Source *src, TSNode root, Unit *unit);
/* 1 if some position of kind k starts inside n (binary search). */
int unit_has(const Unit *unit, PosKind k, TSNode n);

/* ---- lower.c ----------------------------------------------------------- */

typedef struct LowerOpts {
  int line_directives; /* emit #line pointing into the .ac file */
} LowerOpts;

/* Append the C for one async function definition or prototype to out. */
void lower_item(const Source *src, const Unit *unit, const Item *item,
                const LowerOpts *opts, Buf *out);
/* Append `#line N "path"` (escaped) and a newline. */
void emit_line_directive(Buf *out, const Source *src, uint32_t line);

/* ---- emit.c ------------------------------------------------------------ */

/* The whole output file: pass-through text with lowered items spliced in. */
void emit_unit(const Source *src, const Unit *unit, const LowerOpts *opts,
               Buf *out);

#endif /* ACC_H */
