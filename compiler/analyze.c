/*
 * analyze.c - find the functions that need lowering and check the rules of
 * the dialect that need no lowering:
 *   - `await` only in async functions and async generators (and
 *     `await ac_raise(...)`, which never suspends, in any generator);
 *   - `yield` / `yield from` only in generators; no `yield from` in an
 *     async generator (as in Python);
 *   - `return EXPR;` only where the result is not void, `return;` only
 *     where it is;
 *   - a deferred statement neither suspends nor jumps out of the defer;
 *   - a goto enters neither the scope of a defer nor a for-each loop;
 *   - `async` only on functions, at file scope; no variadic or K&R async;
 *   - no alloca in an async function (its frame outlives the C stack);
 *   - a call of an async function or generator as a whole statement,
 *     whose coroutine nobody awaits, spawns or keeps, is warned about.
 * It also records where every suspension point, jump, defer and for-each
 * starts, so the lowering can ask "does this subtree ...?" in O(log n).
 */
#include <stdlib.h>
#include <string.h>

#include "acc.h"

/* What kind of function body the walk is in. */
typedef enum Ctx {
  CTX_PLAIN,     /* file scope or a plain function */
  CTX_ASYNC,     /* an async function */
  CTX_GEN,       /* a generator */
  CTX_ASYNC_GEN  /* an async generator */
} Ctx;

typedef struct Walk {
  const Source *src;   /* the input */
  Unit *unit;          /* what we fill in */
  size_t cap_items;    /* allocated items */
  size_t cap[POS_KINDS]; /* allocated positions, per kind */
  const char **names;  /* async functions and generators of this file */
  unsigned *kinds;     /* FN_* of each name */
  size_t cap_kinds;    /* allocated */
  size_t nnames;       /* count */
  size_t cap_names;    /* allocated */
  int ret_void;        /* the function being walked returns void */
  int in_defer;        /* inside a deferred statement */
  int loops;           /* loops entered inside the defer */
  int switches;        /* switches entered inside the defer */
  int foreach_seen;    /* a for-each in the plain function being walked */
  TSNode fbody;        /* body of the function being walked */
} Walk;

static void walk(Walk *w, TSNode n, Ctx ctx, int top);

static void add_item(Walk *w, ItemKind kind, unsigned fn, TSNode node) {
  Unit *u = w->unit;
  u->items = arena_grow(u->items, u->nitems, &w->cap_items, sizeof *u->items);
  u->items[u->nitems].kind = kind;
  u->items[u->nitems].fn = fn;
  u->items[u->nitems].node = node;
  u->items[u->nitems].runtime = kind != ITEM_PLAIN_DEF || w->foreach_seen;
  u->nitems++;
}

/* Append to a sorted position list (the walk visits nodes in order). */
static void add_pos(Walk *w, PosKind k, TSNode n) {
  Unit *u = w->unit;
  u->pos[k] = arena_grow(u->pos[k], u->npos[k], &w->cap[k], sizeof *u->pos[k]);
  u->pos[k][u->npos[k]++] = ts_node_start_byte(n);
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

/* FN_ASYNC / FN_GEN bits of a definition's or declaration's specifiers. */
static unsigned fn_kind(TSNode n) {
  return (ts_node_is_null(child_of_type(n, "async_specifier")) ? 0 : FN_ASYNC) |
         (ts_node_is_null(child_of_type(n, "generator_specifier")) ? 0 : FN_GEN);
}

static Ctx ctx_of(unsigned fn) {
  static const Ctx ctx[] = {CTX_PLAIN, CTX_ASYNC, CTX_GEN, CTX_ASYNC_GEN};
  return ctx[fn & 3];
}

/* 1 if a function definition's declarator and specifiers say void. */
static int returns_void(const Source *src, TSNode n) {
  TSNode type = node_field(n, "type");
  TSNode d = node_field(n, "declarator");
  return ts_node_eq(decl_function(d), d) && node_is(type, "primitive_type") &&
         node_text_is(src, type, "void");
}

/*
 * function_definition: async, generator, or plain (which still needs
 * lowering if it has a defer or a for-each).  Returns its body's context.
 */
static Ctx function_definition(Walk *w, TSNode n, int top) {
  unsigned fn = fn_kind(n);
  w->ret_void = returns_void(w->src, n);
  if (fn == 0)
    return CTX_PLAIN; /* walk_function adds it if it needs lowering */
  TSNode fdecl = decl_function(node_field(n, "declarator"));
  if (has_child_of_type(n, "declaration") || ts_node_is_null(fdecl)) {
    diag_error(w->src, ts_node_start_byte(n),
               "an async function needs a prototype-style parameter list");
    return ctx_of(fn);
  }
  check_params(w, fdecl);
  if (top)
    add_item(w, ITEM_ASYNC_DEF, fn, n);
  return ctx_of(fn);
}

/* declaration with async or generator: every declarator must declare a
 * function. */
static void async_declaration(Walk *w, TSNode n, TSNode spec, unsigned fn, int top) {
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++) {
    const char *field = kids.field[i];
    if (!field || strcmp(field, "declarator") != 0)
      continue;
    TSNode f = decl_function(kids.v[i]);
    if (ts_node_is_null(f) || node_is(kids.v[i], "init_declarator")) {
      diag_error(w->src, ts_node_start_byte(spec), "'%s' applies only to functions",
                 node_is(spec, "async_specifier") ? "async" : "generator");
      return;
    }
    check_params(w, f);
  }
  if (!top) {
    diag_error(w->src, ts_node_start_byte(spec),
               "async functions and generators must be declared at file scope");
    return;
  }
  add_item(w, ITEM_ASYNC_PROTO, fn, n);
}

/* 1 if the call's callee is the plain identifier `name`. */
static int calls(Walk *w, TSNode call, const char *name) {
  TSNode fn = node_field(call, "function");
  return node_is(call, "call_expression") && node_is(fn, "identifier") &&
         node_text_is(w->src, fn, name);
}

/* A call to alloca in an async function: its memory would vanish at the
 * first suspension. */
static void check_alloca(Walk *w, TSNode call) {
  if (calls(w, call, "alloca") || calls(w, call, "__builtin_alloca"))
    diag_error(w->src, ts_node_start_byte(call),
               "alloca cannot be used in an async function");
}

/* await_expression: where it may stand.  `await ac_raise(...)` never
 * suspends, so a plain generator may fail on purpose with it. */
static void check_await(Walk *w, TSNode n, Ctx ctx) {
  if (w->in_defer)
    diag_error(w->src, ts_node_start_byte(n), "await in a deferred statement");
  else if (ctx == CTX_PLAIN)
    diag_error(w->src, ts_node_start_byte(n), "await outside an async function");
  else if (ctx == CTX_GEN &&
           !calls(w, node_strip_parens(node_field(n, "argument")), "ac_raise"))
    diag_error(w->src, ts_node_start_byte(n),
               "await in a generator that is not async");
}

/* for await: where an await may stand, and no `ac_raise` exception; the
 * message names the loop. */
static void check_for_await(Walk *w, TSNode n, Ctx ctx) {
  if (w->in_defer)
    diag_error(w->src, ts_node_start_byte(n), "await in a deferred statement");
  else if (ctx == CTX_PLAIN)
    diag_error(w->src, ts_node_start_byte(n), "'for await' outside an async function");
  else if (ctx == CTX_GEN)
    diag_error(w->src, ts_node_start_byte(n),
               "'for await' in a generator that is not async");
}

/* yield_expression / yield_from_expression: where they may stand. */
static void check_yield(Walk *w, TSNode n, Ctx ctx) {
  int from = node_is(n, "yield_from_expression");
  if (w->in_defer)
    diag_error(w->src, ts_node_start_byte(n), "yield in a deferred statement");
  else if (ctx != CTX_GEN && ctx != CTX_ASYNC_GEN)
    diag_error(w->src, ts_node_start_byte(n), "yield in a function that is not a generator");
  else if (from && ctx == CTX_ASYNC_GEN)
    diag_error(w->src, ts_node_start_byte(n),
               "yield from in an async generator; iterate with 'for await' and "
               "yield each value");
}

/* return_statement: the value must match the result type; never out of a
 * deferred statement. */
static void check_return(Walk *w, TSNode n, Ctx ctx) {
  int value = node_arg_count(n) > 0;
  if (w->in_defer) {
    diag_error(w->src, ts_node_start_byte(n), "return jumps out of a deferred statement");
    return;
  }
  if (ctx == CTX_PLAIN)
    return; /* the C compiler's business */
  if (value && w->ret_void)
    diag_error(w->src, ts_node_start_byte(n),
               "return with a value in a%s returning void",
               ctx == CTX_ASYNC ? "n async function" : " generator");
  else if (!value && !w->ret_void)
    diag_error(w->src, ts_node_start_byte(n),
               "return without a value in a%s returning non-void",
               ctx == CTX_ASYNC ? "n async function" : " generator");
}

/* break / continue / goto inside a deferred statement: only to a loop or
 * switch that is itself inside it (continue: a loop; a switch inside the
 * defer does not keep it in). */
static void check_jump(Walk *w, TSNode n) {
  if (!w->in_defer)
    return;
  int inside = node_is(n, "continue_statement") ? w->loops : w->loops + w->switches;
  if (node_is(n, "goto_statement") || inside == 0)
    diag_error(w->src, ts_node_start_byte(n), "%s jumps out of a deferred statement",
               node_is(n, "goto_statement") ? "goto"
               : node_is(n, "break_statement") ? "break" : "continue");
}

/* The labeled_statement named `name` inside n, or a null node. */
static TSNode find_label(Walk *w, TSNode n, const char *name) {
  if (node_is(n, "labeled_statement") && node_text_is(w->src, node_field(n, "label"), name))
    return n;
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode l = find_label(w, kids.v[i], name);
    if (!ts_node_is_null(l))
      return l;
  }
  return (TSNode){{0}, NULL, NULL};
}

/* 1 if a defer statement of block b (or of an #if in it, or labeled)
 * starts in [from, to). */
static int defer_between(TSNode b, uint32_t from, uint32_t to) {
  Nodes kids = node_children(b);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    while (node_is(c, "labeled_statement"))
      c = node_arg(c, 1);
    uint32_t at = ts_node_start_byte(c);
    if ((node_is(c, "defer_statement") && at >= from && at < to) ||
        (strncmp(ts_node_type(c), "preproc_", 8) == 0 && defer_between(c, from, to)))
      return 1;
  }
  return 0;
}

/* goto: C's defer TS forbids a jump into the scope of a defer (past the
 * defer statement, into its block), which would run a defer never
 * reached; a jump into a for-each would skip the start of the loop. */
static void check_goto(Walk *w, TSNode go) {
  TSNode target = find_label(w, w->fbody, node_text(w->src, node_field(go, "label")));
  uint32_t from = ts_node_start_byte(go), to = ts_node_start_byte(target);
  for (TSNode b = target; !ts_node_is_null(target) && !ts_node_eq(b, w->fbody);) {
    b = ts_node_parent(b);
    int inside = ts_node_start_byte(b) <= from && from < ts_node_end_byte(b);
    if (node_is(b, "for_each_statement") && !inside)
      diag_error(w->src, from, "goto jumps into a for-each loop");
    else if (node_is(b, "compound_statement") && defer_between(b, inside ? from : 0, to))
      diag_error(w->src, from, "goto jumps into the scope of a defer");
    else
      continue;
    return;
  }
}

/* Every goto of n, outside deferred statements (which may not jump). */
static void check_gotos(Walk *w, TSNode n) {
  if (node_is(n, "goto_statement"))
    check_goto(w, n);
  else if (!node_is(n, "defer_statement")) {
    Nodes kids = node_children(n);
    for (size_t i = 0; i < kids.n; i++)
      check_gotos(w, kids.v[i]);
  }
}

/* An expression statement that is only a call of an async function or a
 * generator of this file: the coroutine is made and then lost. */
static void check_unawaited(Walk *w, TSNode s) {
  TSNode e = node_arg(s, 0);
  if (!node_is(e, "call_expression"))
    return;
  TSNode fn = node_field(e, "function");
  if (!node_is(fn, "identifier"))
    return;
  for (size_t i = 0; i < w->nnames; i++) {
    if (!node_text_is(w->src, fn, w->names[i]))
      continue;
    if (w->kinds[i] == FN_GEN)
      diag_warning(w->src, ts_node_start_byte(e),
                   "generator '%s()' is never iterated or stored; cast the "
                   "call to (void) if that is intended", w->names[i]);
    else
      diag_warning(w->src, ts_node_start_byte(e),
                   "coroutine '%s()' is never awaited, spawned or stored; cast "
                   "the call to (void) if that is intended", w->names[i]);
    return;
  }
}

/* defer_statement: its body is walked with the defer's own rules. */
static void defer_statement(Walk *w, TSNode n, Ctx ctx) {
  int saved_in = w->in_defer, saved_loops = w->loops, saved_switches = w->switches;
  add_pos(w, POS_SCOPED, n);
  w->in_defer = 1;
  w->loops = w->switches = 0;
  walk(w, node_field(n, "body"), ctx, 0);
  w->in_defer = saved_in;
  w->loops = saved_loops;
  w->switches = saved_switches;
}

static void add_name(Walk *w, const char *name, unsigned kind) {
  w->names = arena_grow(w->names, w->nnames, &w->cap_names, sizeof *w->names);
  w->kinds = arena_grow(w->kinds, w->nnames, &w->cap_kinds, sizeof *w->kinds);
  w->names[w->nnames] = name;
  w->kinds[w->nnames++] = kind;
}

/* Record the name of every async function and generator declared or
 * defined at file scope (in #if blocks too), for check_unawaited. */
static void collect_names(Walk *w, TSNode n) {
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    if (strncmp(ts_node_type(c), "preproc_", 8) == 0) {
      collect_names(w, c);
      continue;
    }
    if (!(node_is(c, "function_definition") || node_is(c, "declaration")) ||
        fn_kind(c) == 0)
      continue;
    Nodes parts = node_children(c);
    for (size_t j = 0; j < parts.n; j++) {
      TSNode fd = parts.field[j] && strcmp(parts.field[j], "declarator") == 0
                      ? decl_function(parts.v[j]) : (TSNode){{0}, NULL, NULL};
      if (ts_node_is_null(fd) || !node_is(node_field(fd, "declarator"), "identifier"))
        continue;
      add_name(w, node_text(w->src, node_field(fd, "declarator")), fn_kind(c));
    }
  }
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

/* A function definition: its body in its own context; a plain function
 * with a defer or a for-each is lowered too.  Its gotos are checked
 * against its defers and for-each loops, if it has any. */
static void walk_function(Walk *w, TSNode n, int top) {
  size_t scoped = w->unit->npos[POS_SCOPED];
  w->foreach_seen = 0;
  w->fbody = node_field(n, "body");
  Ctx body = function_definition(w, n, top);
  walk_children(w, n, body, 0);
  if (w->unit->npos[POS_SCOPED] > scoped)
    check_gotos(w, w->fbody);
  if (body == CTX_PLAIN && top && w->unit->npos[POS_SCOPED] > scoped)
    add_item(w, ITEM_PLAIN_DEF, 0, n);
}

/* Declarations that may carry async / generator specifiers. */
static void walk_declaration(Walk *w, TSNode n, int top) {
  TSNode as = child_of_type(n, "async_specifier");
  TSNode gen = child_of_type(n, "generator_specifier");
  TSNode spec = ts_node_is_null(as) ? gen : as;
  if (ts_node_is_null(spec))
    return;
  if (node_is(n, "declaration"))
    async_declaration(w, n, spec, fn_kind(n), top);
  else
    diag_error(w->src, ts_node_start_byte(spec), "'%s' applies only to functions",
               ts_node_is_null(as) ? "generator" : "async");
}

/* Statements and expressions inside function bodies. */
static void walk_body_node(Walk *w, TSNode n, const char *t, Ctx ctx) {
  if (strcmp(t, "await_expression") == 0) {
    add_pos(w, POS_SUSPEND, n);
    check_await(w, n, ctx);
  } else if (strcmp(t, "yield_expression") == 0 ||
             strcmp(t, "yield_from_expression") == 0) {
    add_pos(w, POS_SUSPEND, n);
    check_yield(w, n, ctx);
  } else if (strcmp(t, "for_each_statement") == 0) {
    add_pos(w, POS_SCOPED, n);
    w->foreach_seen = 1;
    if (!ts_node_is_null(child_of_type(n, "await"))) {
      add_pos(w, POS_SUSPEND, n);
      check_for_await(w, n, ctx);
    }
  } else if (strcmp(t, "return_statement") == 0) {
    add_pos(w, POS_RETURN, n);
    check_return(w, n, ctx);
  } else if (strcmp(t, "break_statement") == 0 || strcmp(t, "continue_statement") == 0 ||
             strcmp(t, "goto_statement") == 0) {
    add_pos(w, POS_JUMP, n);
    check_jump(w, n);
  } else if (strcmp(t, "expression_statement") == 0) {
    check_unawaited(w, n);
  } else if (strcmp(t, "call_expression") == 0 && ctx != CTX_PLAIN) {
    check_alloca(w, n);
  }
}

/* top: n is at file scope. */
static void walk(Walk *w, TSNode n, Ctx ctx, int top) {
  const char *t = ts_node_type(n);
  if (strcmp(t, "function_definition") == 0) {
    walk_function(w, n, top);
    return;
  }
  if (strcmp(t, "defer_statement") == 0) {
    defer_statement(w, n, ctx);
    return;
  }
  if (strcmp(t, "declaration") == 0 || strcmp(t, "field_declaration") == 0 ||
      strcmp(t, "parameter_declaration") == 0 || strcmp(t, "type_definition") == 0)
    walk_declaration(w, n, top);
  else
    walk_body_node(w, n, t, ctx);
  int loop = w->in_defer && (strcmp(t, "for_statement") == 0 ||
                             strcmp(t, "while_statement") == 0 ||
                             strcmp(t, "do_statement") == 0 ||
                             strcmp(t, "for_each_statement") == 0);
  int sw = w->in_defer && strcmp(t, "switch_statement") == 0;
  w->loops += loop;
  w->switches += sw;
  walk_children(w, n, ctx, top);
  w->loops -= loop;
  w->switches -= sw;
}

void analyze_unit(const Source *src, TSNode root, Unit *unit) {
  Walk w = {0};
  w.src = src;
  w.unit = unit;
  memset(unit, 0, sizeof *unit);
  /* the runtime's own coroutine constructors */
  static const char *const runtime[] = {"ac_sleep", "ac_shield"};
  for (size_t i = 0; i < sizeof runtime / sizeof *runtime; i++)
    add_name(&w, runtime[i], FN_ASYNC);
  collect_names(&w, root);
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

int unit_has(const Unit *u, PosKind k, TSNode n) {
  return any_in(u->pos[k], u->npos[k], n);
}
