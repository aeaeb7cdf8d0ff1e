/*
 * util.c - the arena, growable buffers and tree-sitter node helpers that
 * every pass shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acc.h"

/* Out of memory in a short-lived command-line tool: say so and stop. */
static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("acc: out of memory\n", stderr);
    exit(2);
  }
  return q;
}

void buf_put(Buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_vprintf(Buf *b, const char *fmt, va_list ap) {
  char small[256];
  va_list again;
  va_copy(again, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n >= 0 && (size_t)n < sizeof small) {
    buf_put(b, small, (size_t)n);
  } else if (n >= 0) {
    char *big = xrealloc(NULL, (size_t)n + 1);
    vsnprintf(big, (size_t)n + 1, fmt, again);
    buf_put(b, big, (size_t)n);
    free(big);
  }
  va_end(again);
}

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

void buf_free(Buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ---- arena: big blocks, bump allocation, one free at exit ---- */

typedef struct Block {
  struct Block *next; /* older block */
  size_t used;        /* bytes handed out */
  size_t cap;         /* bytes in data */
  max_align_t data[]; /* the memory */
} Block;

static Block *arena;

void *arena_alloc(size_t n) {
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  if (!arena || arena->used + n > arena->cap) {
    size_t cap = n > (1u << 20) ? n : (1u << 20);
    Block *b = xrealloc(NULL, sizeof *b + cap);
    b->next = arena;
    b->used = 0;
    b->cap = cap;
    arena = b;
  }
  void *p = (char *)arena->data + arena->used;
  arena->used += n;
  return p;
}

char *arena_strndup(const char *s, size_t n) {
  char *p = arena_alloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = arena_alloc((size_t)(n < 0 ? 0 : n) + 1);
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void *arena_grow(void *v, size_t n, size_t *cap, size_t elem) {
  if (n < *cap)
    return v;
  *cap = *cap ? 2 * *cap : 16;
  void *nv = arena_alloc(*cap * elem);
  if (n)
    memcpy(nv, v, n * elem);
  return nv;
}

void arena_free_all(void) {
  while (arena) {
    Block *next = arena->next;
    free(arena);
    arena = next;
  }
}

/* ---- nodes ---- */

Nodes node_children(TSNode n) {
  Nodes out = {NULL, NULL, 0};
  uint32_t count = ts_node_child_count(n);
  if (count == 0)
    return out;
  out.v = arena_alloc(count * sizeof *out.v);
  out.field = arena_alloc(count * sizeof *out.field);
  TSTreeCursor c = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&c)) {
    do {
      out.field[out.n] = ts_tree_cursor_current_field_name(&c);
      out.v[out.n++] = ts_tree_cursor_current_node(&c);
    } while (out.n < count && ts_tree_cursor_goto_next_sibling(&c));
  }
  ts_tree_cursor_delete(&c);
  return out;
}

TSNode node_arg(TSNode n, uint32_t i) {
  TSNode none = {{0}, NULL, NULL};
  if (ts_node_is_null(n))
    return none;
  Nodes kids = node_children(n);
  for (size_t k = 0; k < kids.n; k++)
    if (ts_node_is_named(kids.v[k]) && !ts_node_is_extra(kids.v[k]) && i-- == 0)
      return kids.v[k];
  return none;
}

uint32_t node_arg_count(TSNode n) {
  uint32_t count = 0;
  Nodes kids = node_children(n);
  for (size_t k = 0; k < kids.n; k++)
    count += ts_node_is_named(kids.v[k]) && !ts_node_is_extra(kids.v[k]);
  return count;
}

int node_is(TSNode n, const char *type) {
  return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

TSNode node_field(TSNode n, const char *field) {
  return ts_node_child_by_field_name(n, field, (uint32_t)strlen(field));
}

const char *node_text(const Source *src, TSNode n) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  return arena_strndup(src->text + a, b - a);
}

int node_text_is(const Source *src, TSNode n, const char *s) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  return strlen(s) == b - a && memcmp(src->text + a, s, b - a) == 0;
}

/* (((e))) -> e */
TSNode node_strip_parens(TSNode n) {
  while (node_is(n, "parenthesized_expression") && node_arg_count(n) == 1)
    n = node_arg(n, 0);
  return n;
}

/* The declarator inside a declarator node (pointer, array, function,
 * parenthesized, attributed), or a null node at the identifier. */
static TSNode inner_declarator(TSNode d) {
  TSNode in = node_field(d, "declarator");
  if (ts_node_is_null(in) && (node_is(d, "parenthesized_declarator") ||
                              node_is(d, "attributed_declarator")))
    in = node_arg(d, 0);
  return in;
}

TSNode decl_function(TSNode d) {
  for (; !ts_node_is_null(d); d = inner_declarator(d)) {
    if (node_is(d, "function_declarator") &&
        node_is(node_field(d, "declarator"), "identifier"))
      return d;
    if (node_is(d, "identifier"))
      break;
  }
  TSNode null = {{0}, NULL, NULL};
  return null;
}

TSNode decl_name_type(TSNode d) {
  while (!ts_node_is_null(d) && !node_is(d, "type_identifier"))
    d = inner_declarator(d);
  return d;
}

TSNode decl_name(TSNode d) {
  while (!ts_node_is_null(d) && !node_is(d, "identifier"))
    d = inner_declarator(d);
  return d;
}

int node_any(TSNode n, int (*pred)(TSNode node, void *ctx), void *ctx) {
  if (pred(n, ctx))
    return 1;
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    if (node_any(kids.v[i], pred, ctx))
      return 1;
  return 0;
}

int has_child_of_type(TSNode n, const char *type) {
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    if (node_is(kids.v[i], type))
      return 1;
  return 0;
}
