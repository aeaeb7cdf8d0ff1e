/*
 * analyze.c - find the async functions of a translation unit and check the
 * rules of the dialect that need no lowering:
 *   - `await` only inside the body of an async function;
 *   - `yield` / `yield from` only inside a generator;
 *   - `async` only on functions, at file scope; no variadic or K&R async;
 *   - no alloca in an async function (its frame outlives the C stack);
 *   - generator functions are recognised but not lowered yet.
 * It also records where every await starts, so the lowering can ask "does
 * this subtree await?" in O(log n).
 */
#include <stdlib.h>
#include <string.h>

#include "acc.h"

/* Where the walk is. */
typedef enum Ctx {
  CTX_PLAIN, /* file scope or a plain function */
  CTX_ASYNC, /* inside the body of an async function */
  CTX_GEN    /* inside a generator (already reported) */
} Ctx;

typedef struct Walk {
  const Source *src; /* the input */
  Unit *unit;        /* what we fill in */
  size_t cap_items;  /* allocated items */
  size_t cap_awaits; /* allocated awaits */
  size_t cap_returns; /* allocated returns */
} Walk;

static void walk(Walk *w, TSNode n, Ctx ctx, int top);

static void add_item(Walk *w, ItemKind kind, TSNode node) {
  Unit *u = w->unit;
  u->items = arena_grow(u->items, u->nitems, &w->cap_items, sizeof *u->items);
  u->items[u->nitems].kind = kind;
  u->items[u->nitems].node = node;
  u->nitems++;
}

/* Append to a sorted position list (the walk visits nodes in order). */
static void add_pos(uint32_t **v, size_t *n, size_t *cap, uint32_t at) {
  *v = arena_grow(*v, *n, cap, sizeof **v);
  (*v)[(*n)++] = at;
}

/* The first child of type `type`, for pointing a diagnostic at it. */
static TSNode child_of_type(TSNode n, const char *type) {
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    if (node_is(kids.v[i], type))
      return kids.v[i];
  TSNode null = {{0}, NULL, NULL};
  return null;
}

/* An async function's parameters: no `...`, no K&R identifier lists. */
static void check_params(Walk *w, TSNode fdecl) {
  TSNode params = node_field(fdecl, "parameters");
  Nodes kids = node_children(params);
  for (size_t i = 0; i < kids.n; i++)
    if (node_is(kids.v[i], "variadic_parameter"))
      diag_error(w->src, ts_node_start_byte(kids.v[i]),
                 "an async function cannot be variadic");
    else if (node_is(kids.v[i], "identifier"))
      diag_error(w->src, ts_node_start_byte(kids.v[i]),
                 "an async function needs a prototype-style parameter list");
}

/*
 * function_definition with async or generator among its specifiers.
 * Returns the context its body is walked in.
 */
static Ctx function_definition(Walk *w, TSNode n, int top) {
  TSNode as = child_of_type(n, "async_specifier");
  TSNode gen = child_of_type(n, "generator_specifier");
  if (!ts_node_is_null(gen)) {
    diag_error(w->src, ts_node_start_byte(gen),
               "generator functions are not supported yet");
    return CTX_GEN;
  }
  if (ts_node_is_null(as))
    return CTX_PLAIN;
  TSNode fdecl = decl_function(node_field(n, "declarator"));
  if (has_child_of_type(n, "declaration") || ts_node_is_null(fdecl)) {
    diag_error(w->src, ts_node_start_byte(n),
               "an async function needs a prototype-style parameter list");
    return CTX_ASYNC;
  }
  check_params(w, fdecl);
  if (top)
    add_item(w, ITEM_ASYNC_DEF, n);
  return CTX_ASYNC;
}

/* declaration with async: every declarator must declare a function. */
static void async_declaration(Walk *w, TSNode n, TSNode spec, int top) {
  Nodes kids = node_children(n);
  int ok = 1;
  for (size_t i = 0; i < kids.n; i++) {
    const char *field = kids.field[i];
    if (!field || strcmp(field, "declarator") != 0)
      continue;
    TSNode f = decl_function(kids.v[i]);
    if (ts_node_is_null(f) || node_is(kids.v[i], "init_declarator")) {
      diag_error(w->src, ts_node_start_byte(spec),
                 "'async' applies only to functions");
      return;
    }
    check_params(w, f);
  }
  if (!top) {
    diag_error(w->src, ts_node_start_byte(spec),
               "async functions must be declared at file scope");
    ok = 0;
  }
  if (ok)
    add_item(w, ITEM_ASYNC_PROTO, n);
}

/* A call to alloca in an async function: its memory would vanish at the
 * first suspension. */
static void check_alloca(Walk *w, TSNode call) {
  TSNode fn = node_field(call, "function");
  if (node_is(fn, "identifier") &&
      (node_text_is(w->src, fn, "alloca") ||
       node_text_is(w->src, fn, "__builtin_alloca")))
    diag_error(w->src, ts_node_start_byte(fn),
               "alloca cannot be used in an async function");
}

/* Children of the translation unit are at file scope, and so are the
 * children of #if / #ifdef / #else blocks that are (include guards).
 * Passed down rather than asked of ts_node_parent(), which tree-sitter
 * answers by searching down from the root. */
static void walk_children(Walk *w, TSNode n, Ctx ctx, int top) {
  int kids_top = node_is(n, "translation_unit") ||
                 (top && strncmp(ts_node_type(n), "preproc_", 8) == 0);
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    walk(w, kids.v[i], ctx, kids_top);
}

/* top: n is at file scope. */
static void walk(Walk *w, TSNode n, Ctx ctx, int top) {
  const char *t = ts_node_type(n);
  if (strcmp(t, "function_definition") == 0) {
    Ctx body = function_definition(w, n, top);
    walk_children(w, n, body, 0);
    return;
  }
  if (strcmp(t, "declaration") == 0 || strcmp(t, "field_declaration") == 0 ||
      strcmp(t, "parameter_declaration") == 0 ||
      strcmp(t, "type_definition") == 0) {
    TSNode as = child_of_type(n, "async_specifier");
    TSNode gen = child_of_type(n, "generator_specifier");
    if (!ts_node_is_null(gen))
      diag_error(w->src, ts_node_start_byte(gen),
                 "generator functions are not supported yet");
    else if (!ts_node_is_null(as) && strcmp(t, "declaration") == 0)
      async_declaration(w, n, as, top);
    else if (!ts_node_is_null(as))
      diag_error(w->src, ts_node_start_byte(as),
                 "'async' applies only to functions");
  } else if (strcmp(t, "await_expression") == 0) {
    add_pos(&w->unit->awaits, &w->unit->nawaits, &w->cap_awaits,
            ts_node_start_byte(n));
    if (ctx == CTX_PLAIN)
      diag_error(w->src, ts_node_start_byte(n),
                 "await outside an async function");
  } else if (strcmp(t, "yield_expression") == 0 ||
             strcmp(t, "yield_from_expression") == 0) {
    if (ctx != CTX_GEN)
      diag_error(w->src, ts_node_start_byte(n), "yield outside a generator");
  } else if (strcmp(t, "return_statement") == 0 && ctx == CTX_ASYNC) {
    add_pos(&w->unit->returns, &w->unit->nreturns, &w->cap_returns,
            ts_node_start_byte(n));
  } else if (strcmp(t, "call_expression") == 0 && ctx == CTX_ASYNC) {
    check_alloca(w, n);
  }
  walk_children(w, n, ctx, top);
}

void analyze_unit(const Source *src, TSNode root, Unit *unit) {
  Walk w = {src, unit, 0, 0, 0};
  memset(unit, 0, sizeof *unit);
  walk(&w, root, CTX_PLAIN, 0);
}

/* 1 if some position in the sorted list v lies in [start, end) of n. */
static int any_in(const uint32_t *v, size_t count, TSNode n) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  size_t lo = 0, hi = count; /* first position >= a */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (v[mid] < a)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < count && v[lo] < b;
}

int unit_has_await(const Unit *u, TSNode n) {
  return any_in(u->awaits, u->nawaits, n);
}

int unit_has_return(const Unit *u, TSNode n) {
  return any_in(u->returns, u->nreturns, n);
}
