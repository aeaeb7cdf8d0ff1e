/*
 * lower.c - lower one async function into plain C, the way Vala does:
 *
 *   typedef struct f_task { ac_task ac_co; T ac_ret; } f_task;  typed handle
 *   struct f_frame { f_task ac_pub; params; locals; void *ac_aw[K]; temps };
 *   static int ac__f_resume(ac_task *ac_self) { dispatch; body }
 *   f_task *f(params) { allocate the frame, store the parameters }
 *
 * The resume function opens with a switch that only does `goto ac_LN`; the
 * body keeps the user's own control flow (loops, switch, goto) and each
 * await becomes "store the awaitable, set state, return, label".  Since a
 * goto may enter a block but locals of such blocks would lose their values,
 * every local of a block that contains an await lives in the frame; blocks
 * without an await keep ordinary C locals.
 *
 * An await's value is read through the awaitable itself after it finished:
 *     ((__typeof__(E))ac_f->ac_aw[k])->ac_ret
 * so the transpiler never needs to know a C type: the C compiler works it
 * out.  The awaitable stays in its slot until the end of the statement
 * (values of several awaits in one expression all stay readable), then the
 * slot is released, which frees a coroutine that was awaited inline.
 */
#include <stdlib.h>
#include <string.h>

#include "acc.h"

/* A name in scope inside the async function. */
typedef struct Local {
  const char *name;  /* the name in the source */
  const char *field; /* "ac_f->x": lives in the frame; NULL: a C name */
} Local;

/* A defer statement: its text, run when its block is left, and the
 * landing pad `ac_DN` that runs it when the frame unwinds. */
typedef struct Defer {
  const char *text;  /* the deferred statement, lowered */
  int prev;          /* the defer in force when it was reached, or -1 */
  int used;          /* something jumps to its pad */
  uint32_t row;      /* its line */
  uint32_t start;    /* its start byte */
  TSNode block;      /* the block it belongs to */
  const char *guard; /* #if directives around it, or NULL */
  int guard_depth;   /* how many #endif close them */
} Defer;

/* A loop or switch that break (and continue, for loops) can leave. */
typedef struct Target {
  size_t height; /* f->nactive when its body began */
  int loop;      /* 1 for loops, 0 for a switch */
} Target;

/* The state of lowering one async function. */
typedef struct Fn {
  const Source *src;     /* the input */
  const Unit *unit;      /* await positions */
  const LowerOpts *opts; /* output options */
  const char *name;      /* the function's name */
  Local *locals;         /* scope stack, innermost last */
  size_t nlocals;        /* entries in use */
  size_t caplocals;      /* entries allocated */
  const char **fields;   /* frame member names taken so far */
  size_t nfields;        /* entries in use */
  size_t capfields;      /* entries allocated */
  Buf decls;             /* member declarations of the frame struct */
  Buf body;              /* the resume function's body */
  int nslots;            /* ac_aw slots in use by the current statement */
  int maxslots;          /* size of ac_aw */
  int nlabels;           /* suspension points */
  int ntemps;            /* int temporaries ac_tN */
  int nlits;             /* compound literals kept in the frame, ac_litN */
  int plain_depth;       /* inside a statement copied as plain C */
  const char **body_types; /* typedef names and tags declared in the body */
  size_t nbody_types;    /* entries in use */
  size_t capbody_types;  /* entries allocated */
  const char *guard;     /* #if directives around the current statement */
  int guard_depth;       /* how many #endif close them */
  const char **label_guard; /* guard of suspension point N at N - 1, or NULL */
  size_t caplabels;      /* entries allocated in label_guard */
  int nlocal_ids;        /* names for C locals of the resume function */
  TSNode *verbatim;      /* declarator names being copied as they are */
  size_t nverbatim;      /* entries in use */
  size_t capverbatim;    /* entries allocated */
  int is_void;           /* async void f(...) */
  unsigned fn;           /* FN_ASYNC / FN_GEN bits; 0: a plain function */
  int plain;             /* a plain C function (defer, for-each): no frame */
  const char *handle;    /* "f_task" or "g_gen": the typed handle */
  const char *plain_ret; /* plain function: "T ac_r", its result; NULL: void */
  int has_yield;         /* a generator with a yield type */
  int has_send;          /* a generator with a send type */
  Defer *defers;         /* every defer statement seen, by index */
  size_t ndefers;        /* entries in use */
  size_t capdefers;      /* entries allocated */
  int *active;           /* indices of the defers in force, innermost last */
  size_t nactive;        /* entries in use */
  size_t capactive;      /* entries allocated */
  Target *targets;       /* enclosing loops and switches, innermost last */
  size_t ntargets;       /* entries in use */
  size_t captargets;     /* entries allocated */
  TSNode block;          /* the innermost block being lowered */
  TSNode fbody;          /* the function's body, where goto labels are */
  int fail_used;         /* something jumps to ac_fail */
  int guarded_jumps;     /* a jump to a pad or ac_fail sits inside #if */
  int nforeach;          /* generator members ac_gN of for-each loops */
  int nyields;           /* yield values kept in the frame, ac_yN */
  uint32_t stmt_line;    /* line of the statement being lowered */
  size_t line_end;       /* body length after the last #line */
  uint32_t line_row;     /* the line that #line named */
} Fn;

static void stmt(Fn *f, TSNode s);
static void stmt_plain(Fn *f, TSNode s);
static char *lower_expr(Fn *f, TSNode e);
static void discard(Fn *f, TSNode e, int top);
static void rewrite(Fn *f, TSNode n, Buf *b);
static const char *init_size(Fn *f, TSNode init);
static int names_frame_local(Fn *f, TSNode n);
static int init_is_constant(Fn *f, TSNode init);

/* ---- names and scopes ---- */

static void push_local(Fn *f, const char *name, const char *field) {
  f->locals = arena_grow(f->locals, f->nlocals, &f->caplocals, sizeof *f->locals);
  f->locals[f->nlocals].name = name;
  f->locals[f->nlocals].field = field;
  f->nlocals++;
}

/* The local `name` refers to, innermost first, or NULL. */
static const Local *lookup(Fn *f, const char *s, size_t n) {
  for (size_t i = f->nlocals; i-- > 0;)
    if (strlen(f->locals[i].name) == n && memcmp(f->locals[i].name, s, n) == 0)
      return &f->locals[i];
  return NULL;
}

static int field_taken(Fn *f, const char *name) {
  for (size_t i = 0; i < f->nfields; i++)
    if (strcmp(f->fields[i], name) == 0)
      return 1;
  return 0;
}

/* A frame member name for `name`: itself if free, else name_2, name_3...
 * Names in acc's reserved ac_ space get a `u` in front. */
static const char *new_field(Fn *f, const char *name) {
  if (strncmp(name, "ac_", 3) == 0) /* acc's own namespace: u + name */
    name = arena_printf("u%s", name);
  const char *field = name;
  for (int i = 2; field_taken(f, field); i++)
    field = arena_printf("%s_%d", name, i);
  f->fields = arena_grow(f->fields, f->nfields, &f->capfields, sizeof *f->fields);
  f->fields[f->nfields++] = field;
  return field;
}

/* 1 if n contains a suspension point: await, yield, yield from, for
 * await. */
static int has_await(Fn *f, TSNode n) {
  return !ts_node_is_null(n) && unit_has(f->unit, POS_SUSPEND, n);
}

static int has_pos(Fn *f, PosKind k, TSNode n) {
  return !ts_node_is_null(n) && unit_has(f->unit, k, n);
}

/* ---- output helpers ---- */

/* #line for `row`, unless the body already ends with that directive. */
static void directive(Fn *f, uint32_t row) {
  if (!f->opts->line_directives || (f->body.len == f->line_end && row == f->line_row))
    return;
  if (f->body.len == 0)
    buf_puts(&f->body, "\n");
  emit_line_directive(&f->body, f->src, row);
  f->line_end = f->body.len;
  f->line_row = row;
}

static void line(Fn *f, TSNode n) {
  f->stmt_line = ts_node_start_point(n).row + 1;
  directive(f, f->stmt_line);
}

/* After an await's glue, point back at the statement, so diagnostics about
 * the user's own expression carry its line. */
static void reline(Fn *f) {
  if (f->stmt_line)
    directive(f, f->stmt_line);
}

/*
 * Generated code.  With #line on, the newlines of acc's own text become
 * spaces: the glue of a statement stays on that statement's line, so no
 * other .ac line has code of it (a breakpoint on a line stops only in the
 * user's code there).  Text from the source, passed as %s arguments, keeps
 * its newlines.
 */
static void vglue(Buf *b, int oneline, const char *fmt, va_list ap) {
  while (oneline && *fmt == ' ') /* indentation, at the start of a line only */
    fmt++;
  if (oneline && strchr(fmt, '\n')) {
    char *flat = arena_alloc(strlen(fmt) + 1), *o = flat;
    for (const char *c = fmt; *c; c++) {
      if (*c != '\n') {
        *o++ = *c;
        continue;
      }
      *o++ = ' ';
      while (c[1] == ' ') /* and the indentation that followed */
        c++;
    }
    *o = '\0';
    fmt = flat;
  }
  buf_vprintf(b, fmt, ap);
}

static void glue_to(Buf *b, int oneline, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void glue_to(Buf *b, int oneline, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vglue(b, oneline, fmt, ap);
  va_end(ap);
}

static void glue(Fn *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void glue(Fn *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vglue(&f->body, f->opts->line_directives, fmt, ap);
  va_end(ap);
}

/* Generated text without arguments, newlines treated as in glue(). */
static void put(Fn *f, const char *s) {
  if (!f->opts->line_directives) {
    buf_puts(&f->body, s);
    return;
  }
  for (; *s; s++)
    buf_put(&f->body, *s == '\n' ? " " : s, 1);
}

/* Release every slot the statement used: end of a full expression. */
static void release_slots(Fn *f) {
  for (int k = 0; k < f->nslots; k++)
    glue(f, "ac__release(&ac_f->ac_aw[%d]);\n", k);
  f->nslots = 0;
}

static char *rewrite_str(Fn *f, TSNode n) {
  Buf b = {0};
  rewrite(f, n, &b);
  char *s = arena_strndup(b.p ? b.p : "", b.len);
  buf_free(&b);
  return s;
}

/* ---- rewrite: source text with frame locals renamed ---- */

static int is_verbatim(Fn *f, TSNode n) {
  for (size_t i = 0; i < f->nverbatim; i++)
    if (ts_node_eq(f->verbatim[i], n))
      return 1;
  return 0;
}

static void rewrite_identifier(Fn *f, TSNode n, Buf *b) {
  uint32_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (node_text_is(f->src, n, "__func__")) { /* the user's function, not ours */
    buf_printf(b, "\"%s\"", f->name);
    return;
  }
  const Local *l = is_verbatim(f, n) ? NULL : lookup(f, f->src->text + a, e - a);
  if (l && l->field)
    buf_printf(b, "ac_f->%s", l->field);
  else
    buf_put(b, f->src->text + a, e - a);
}

/* Children with field `declarator` of these nodes declare a name. */
static int declares(TSNode parent) {
  return node_is(parent, "declaration") || node_is(parent, "init_declarator") ||
         node_is(parent, "parameter_declaration");
}

/* Copy child c of parent; a declarator's own name is copied as it is, and
 * a name declared in a block of plain C shadows frame locals from then on. */
static void rewrite_child(Fn *f, TSNode parent, TSNode c, const char *field,
                          Buf *b) {
  if (!field || strcmp(field, "declarator") != 0 || !declares(parent)) {
    rewrite(f, c, b);
    return;
  }
  TSNode name = decl_name(c);
  if (ts_node_is_null(name)) {
    rewrite(f, c, b);
    return;
  }
  f->verbatim = arena_grow(f->verbatim, f->nverbatim, &f->capverbatim,
                           sizeof *f->verbatim);
  f->verbatim[f->nverbatim++] = name;
  rewrite(f, c, b);
  f->nverbatim--;
  if (!node_is(parent, "parameter_declaration") && !node_is(c, "init_declarator"))
    push_local(f, node_text(f->src, name), NULL);
}

/* 1 if n names something or calls: what keeps an initializer from being
 * made of constants only (numbers, strings, characters, braces,
 * operators), which can be typed at file scope. */
static int not_constant(TSNode n, void *ctx) {
  (void)ctx;
  return node_is(n, "identifier") || node_is(n, "call_expression") ||
         node_is(n, "type_identifier");
}

/* 1 if n is a call (not a constant expression, even unevaluated). */
static int is_call(TSNode n, void *ctx) {
  (void)ctx;
  return node_is(n, "call_expression");
}

/* The type of a compound literal as a complete type name for a frame
 * member.  Only an unsized array needs its initializer: the C compiler
 * sizes it when the initializer is made of constants; else acc counts. */
static const char *literal_type(Fn *f, TSNode type, TSNode value) {
  TSNode d = node_field(type, "declarator"), last = {{0}, NULL, NULL};
  for (; !ts_node_is_null(d); d = node_field(d, "declarator"))
    last = d;
  if (!node_is(last, "abstract_array_declarator") ||
      !ts_node_is_null(node_field(last, "size")))
    return node_text(f->src, type);
  if (!node_any(value, not_constant, NULL) && !has_await(f, value)) /* not `yield 1` */
    return arena_printf("(%s)%s", node_text(f->src, type), node_text(f->src, value));
  const char *size = init_size(f, value);
  if (!size) {
    diag_error(f->src, ts_node_start_byte(type),
               "give the size of this array type: acc cannot count its "
               "initializer");
    return node_text(f->src, type);
  }
  uint32_t a = ts_node_start_byte(type), e = ts_node_end_byte(type);
  uint32_t at = ts_node_end_byte(last) - 1; /* its ']' */
  return arena_printf("%.*s%s%.*s", (int)(at - a), f->src->text + a, size,
                      (int)(e - at), f->src->text + at);
}

/* 1 if n is the name of a type declared inside the async function,
 * which a frame member at file scope cannot use. */
static int is_body_type(TSNode n, void *ctx) {
  Fn *f = ctx;
  if (!node_is(n, "type_identifier"))
    return 0;
  for (size_t i = 0; i < f->nbody_types; i++)
    if (node_text_is(f->src, n, f->body_types[i]))
      return 1;
  return 0;
}

/* Record the typedef names and tags the body declares. */
static void collect_body_types(Fn *f, TSNode n) {
  TSNode name = {{0}, NULL, NULL};
  if (node_is(n, "type_definition"))
    name = decl_name_type(node_field(n, "declarator"));
  else if ((node_is(n, "struct_specifier") || node_is(n, "union_specifier") ||
            node_is(n, "enum_specifier")) && !ts_node_is_null(node_field(n, "body")))
    name = node_field(n, "name");
  if (!ts_node_is_null(name)) {
    f->body_types = arena_grow(f->body_types, f->nbody_types, &f->capbody_types,
                               sizeof *f->body_types);
    f->body_types[f->nbody_types++] = node_text(f->src, name);
  }
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    collect_body_types(f, kids.v[i]);
}

/*
 * A compound literal in a block that awaits: C says it lives to the end of
 * the enclosing block, across the awaits, so it lives in the frame.  It is
 * still initialized where it stands and is still an lvalue:
 *   (*(__typeof__(&m))memcpy((void *)&m, &(T){init}, sizeof m))
 */
static char *hoist_literal(Fn *f, TSNode e, const char *init) {
  TSNode type = node_field(e, "type");
  if (node_any(type, is_body_type, f)) /* see LANGUAGE.md: stays C */
    return arena_printf("(%s)%s", rewrite_str(f, type), init);
  const char *m = arena_printf("ac_lit%d", ++f->nlits);
  buf_printf(&f->decls, "    __typeof__(%s) %s; /* compound literal */\n",
             literal_type(f, type, node_field(e, "value")), m);
  return arena_printf("(*(__typeof__(&ac_f->%s))memcpy((void *)&ac_f->%s, &(%s)%s, "
                      "sizeof ac_f->%s))", m, m, rewrite_str(f, type), init, m);
}

/* Statements that are blocks in C99: what they declare, compound literals
 * included, ends with them. */
static int c_block(TSNode n) {
  static const char *const kinds[] = {"compound_statement", "for_statement",
                                      "while_statement", "do_statement",
                                      "if_statement", "switch_statement"};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (node_is(n, kinds[i]))
      return 1;
  return 0;
}

/*
 * Copy n's source text, renaming references to frame locals.  Used for
 * everything that contains no await.  Blocks and for loops open scopes.
 */
static void rewrite(Fn *f, TSNode n, Buf *b) {
  if (node_is(n, "identifier")) {
    rewrite_identifier(f, n, b);
    return;
  }
  if (node_is(n, "compound_literal_expression") && f->plain_depth == 0) {
    buf_puts(b, hoist_literal(f, n, rewrite_str(f, node_field(n, "value"))));
    return;
  }
  uint32_t pos = ts_node_start_byte(n);
  Nodes kids = node_children(n);
  size_t mark = f->nlocals;
  int block = c_block(n);
  f->plain_depth += block;
  for (size_t i = 0; i < kids.n; i++) {
    uint32_t a = ts_node_start_byte(kids.v[i]);
    if (a > pos)
      buf_put(b, f->src->text + pos, a - pos);
    rewrite_child(f, n, kids.v[i], kids.field[i], b);
    pos = ts_node_end_byte(kids.v[i]);
  }
  f->plain_depth -= block;
  uint32_t end = ts_node_end_byte(n);
  if (end > pos)
    buf_put(b, f->src->text + pos, end - pos);
  if (node_is(n, "compound_statement") || node_is(n, "for_statement"))
    f->nlocals = mark;
}

/* ---- expressions ---- */

/* A new int member of the frame for a condition that must survive an
 * await. */
static const char *new_temp(Fn *f) {
  return arena_printf("ac_f->ac_t%d", ++f->ntemps);
}

/* ---- defers: what runs when a block is left ---- */

/* Mark pad d, and the pads it chains to, as jumped to. */
static void use_pad(Fn *f, int d) {
  for (; d >= 0 && !f->defers[d].used; d = f->defers[d].prev)
    f->defers[d].used = 1;
  if (d < 0)
    f->fail_used = 1;
}

/* Where a failed suspension point goes: the pad of the innermost defer in
 * force, which runs it and chains to the next, or ac_fail. */
static const char *unwind(Fn *f) {
  f->guarded_jumps |= f->guard_depth > 0;
  if (f->nactive == 0) {
    f->fail_used = 1;
    return "ac_fail";
  }
  int d = f->active[f->nactive - 1];
  use_pad(f, d);
  return arena_printf("ac_D%d", d);
}

/* Put a defer in force (text already lowered). */
static void push_defer(Fn *f, const char *text, TSNode at, TSNode block) {
  f->defers = arena_grow(f->defers, f->ndefers, &f->capdefers, sizeof *f->defers);
  Defer *d = &f->defers[f->ndefers];
  d->text = text;
  d->prev = f->nactive ? f->active[f->nactive - 1] : -1;
  d->used = 0;
  d->row = ts_node_start_point(at).row + 1;
  d->start = ts_node_start_byte(at);
  d->block = block;
  d->guard = f->guard_depth ? f->guard : NULL;
  d->guard_depth = f->guard_depth;
  f->active = arena_grow(f->active, f->nactive, &f->capactive, sizeof *f->active);
  f->active[f->nactive++] = (int)f->ndefers++;
}

/* Start a line (directives must begin one; the body may follow the
 * dispatch's last line). */
static void newline(Fn *f) {
  if (f->body.len == 0 || f->body.p[f->body.len - 1] != '\n')
    buf_puts(&f->body, "\n");
}

/* Emit the text of defer d where a block is left, on its own line, inside
 * the #if the defer is in: a defer the preprocessor removes does not run
 * (nor does one of another branch of the same #if). */
static void run_defer(Fn *f, int d) {
  const Defer *df = &f->defers[d];
  if (df->guard) {
    newline(f);
    buf_puts(&f->body, df->guard);
  }
  directive(f, df->row);
  glue(f, "%s\n", df->text);
  for (int g = 0; g < df->guard_depth; g++) {
    newline(f);
    buf_puts(&f->body, "#endif\n");
  }
  reline(f);
}

/* Leaving blocks by a jump: run the defers in force above `height`,
 * innermost first (they stay in force for the code after the jump). */
static void run_defers_to(Fn *f, size_t height) {
  for (size_t i = f->nactive; i-- > height;)
    run_defer(f, f->active[i]);
}

/* Falling off the end of a block: run its defers and take them out of
 * force. */
static void exit_block(Fn *f, size_t height) {
  run_defers_to(f, height);
  f->nactive = height;
}

/* ---- suspension points ---- */

/* A new resume point, with the #if guard it sits in for the dispatch. */
static int new_label(Fn *f) {
  int label = ++f->nlabels;
  f->label_guard = arena_grow(f->label_guard, (size_t)label - 1, &f->caplabels,
                              sizeof *f->label_guard);
  f->label_guard[label - 1] =
      f->guard_depth ? arena_printf("%s%d", f->guard, f->guard_depth) : NULL;
  return label;
}

/* A new ac_aw slot for the current statement. */
static int new_slot(Fn *f) {
  int k = f->nslots++;
  if (f->nslots > f->maxslots)
    f->maxslots = f->nslots;
  return k;
}

/*
 * After a suspension point: `fails` is the C test that it failed.  With
 * no catch clause the frame unwinds; with `catch (err[, msg])` the error
 * goes to err (0 on success) and msg, and `caught` runs.
 */
static void check(Fn *f, const char *fails, TSNode catch_, const char *caught) {
  if (ts_node_is_null(catch_) && f->nactive == 0) {
    glue(f, "if (%s) goto %s;\n", fails, unwind(f));
    return;
  }
  if (ts_node_is_null(catch_)) {
    /* the statement lets go of what it awaited before the defers run: a
     * defer may free what a slot points into (ac_gen_free of a generator
     * whose ac_anext step is in the slot) */
    glue(f, "if (%s) {", fails);
    for (int k = 0; k < f->nslots; k++)
      glue(f, " ac__release(&ac_f->ac_aw[%d]);", k);
    glue(f, " goto %s; }\n", unwind(f));
    return;
  }
  TSNode err = node_field(catch_, "error"), msg = node_field(catch_, "message");
  if (has_await(f, catch_))
    diag_error(f->src, ts_node_start_byte(catch_), "suspension in a catch clause");
  const char *e = rewrite_str(f, err);
  const char *m = ts_node_is_null(msg) ? NULL : rewrite_str(f, msg);
  glue(f, "if (%s) { (%s) = ac__catch(ac_self, %s%s%s); %s} else { (%s) = 0; ", fails, e,
       m ? "&(" : "NULL", m ? m : "", m ? ")" : "", caught, e);
  if (m)
    glue(f, "(%s) = NULL; ", m);
  put(f, "}\n");
}

/* await_expression: store, suspend, check; the value is read later (a
 * caught failure reads a zero value of the type). */
static char *lower_await(Fn *f, TSNode e) {
  char *arg = lower_expr(f, node_field(e, "argument"));
  int k = new_slot(f), label = new_label(f);
  TSNode catch_ = node_field(e, "catch");
  glue(f,
       "ac_f->ac_aw[%d] = (void *)(%s);\n"
       "if (!ac__await(ac_self, ac_f->ac_aw[%d])) { ac_self->state = %d; "
       "return AC__SUSPEND; }\n"
       "ac_L%d:\n", k, arg, k, label, label);
  check(f, arena_printf("ac__check(ac_self, ac_f->ac_aw[%d])", k), catch_,
        arena_printf("ac__release(&ac_f->ac_aw[%d]); ", k));
  if (!ts_node_is_null(catch_))
    return arena_printf("(ac_f->ac_aw[%d] ? ((__typeof__(%s))ac_f->ac_aw[%d])->ac_ret : "
                        "(__typeof__(((__typeof__(%s))0)->ac_ret)){0})", k, arg, k, arg);
  /* an rvalue, as a call's value is: (await f()) = 1 does not compile */
  return arena_printf("((void)0, ((__typeof__(%s))ac_f->ac_aw[%d])->ac_ret)", arg, k);
}

/* yield_from_expression: delegate to a sub-generator until it returns;
 * its return value is the value. */
static char *lower_yield_from(Fn *f, TSNode e) {
  char *arg = lower_expr(f, node_field(e, "argument"));
  int k = new_slot(f), label = new_label(f);
  TSNode catch_ = node_field(e, "catch");
  glue(f,
       "ac_f->ac_aw[%d] = (void *)(%s);\n"
       "if (!ac__yield_from(ac_self, ac_f->ac_aw[%d])) { ac_self->state = %d; "
       "return AC__SUSPEND; }\n"
       "ac_L%d:\n", k, arg, k, label, label);
  check(f, arena_printf("ac__yield_from_check(ac_self, ac_f->ac_aw[%d])", k), catch_,
        arena_printf("ac__release(&ac_f->ac_aw[%d]); ", k));
  if (!ts_node_is_null(catch_))
    return arena_printf("(ac_f->ac_aw[%d] ? ((__typeof__(%s))ac_f->ac_aw[%d])->ac_ret : "
                        "(__typeof__(((__typeof__(%s))0)->ac_ret)){0})", k, arg, k, arg);
  return arena_printf("((void)0, ((__typeof__(%s))ac_f->ac_aw[%d])->ac_ret)", arg, k);
}

/* yield_expression: hand the value out, suspend; the value of the
 * expression is what the consumer sent (kept in the frame: another yield
 * of the same statement overwrites ac_send). */
static char *lower_yield(Fn *f, TSNode e) {
  TSNode arg = node_field(e, "argument"), catch_ = node_field(e, "catch");
  char *v = ts_node_is_null(arg) ? NULL : lower_expr(f, arg);
  int label = new_label(f);
  if (v && !f->has_yield)
    diag_error(f->src, ts_node_start_byte(arg),
               "yield with a value in a generator without a yield type; declare "
               "it generator(TYPE)");
  else if (v)
    glue(f, "ac_f->ac_pub.ac_yield = %s;\n", v);
  else if (f->has_yield)
    put(f, "memset(&ac_f->ac_pub.ac_yield, 0, sizeof ac_f->ac_pub.ac_yield);\n");
  glue(f, "ac_self->state = %d; return AC__YIELD;\nac_L%d:\n", label, label);
  if (!f->has_send) {
    check(f, "ac__yield_check(ac_self)", catch_, "");
    return "((void)0)";
  }
  const char *y = arena_printf("ac_y%d", ++f->nyields);
  buf_printf(&f->decls, "    __typeof__(((%s *)0)->ac_send) %s; /* a yield's value */\n",
             f->handle, y);
  glue(f, "ac_f->%s = ac_f->ac_pub.ac_send;\n", y);
  check(f, "ac__yield_check(ac_self)", catch_,
        arena_printf("memset(&ac_f->%s, 0, sizeof ac_f->%s); ", y, y));
  return arena_printf("((void)0, ac_f->%s)", y);
}

/* A && B, A || B with an await in B: B runs only when C would run it. */
static char *lower_logical(Fn *f, TSNode e, int is_and) {
  char *l = lower_expr(f, node_field(e, "left"));
  const char *t = new_temp(f);
  glue(f, "%s = !!(%s);\nif (%s%s) {\n", t, l, is_and ? "" : "!", t);
  char *r = lower_expr(f, node_field(e, "right"));
  glue(f, "%s = !!(%s);\n}\n", t, r);
  return (char *)t;
}

/* C ? A : B with an await in A or B: only the chosen branch awaits. */
static char *lower_conditional(Fn *f, TSNode e) {
  TSNode cons = node_field(e, "consequence");
  if (ts_node_is_null(cons)) {
    diag_error(f->src, ts_node_start_byte(e),
               "await in the operands of '?:' without a middle operand (a GNU "
               "extension) is not supported; write 'a ? a : b'");
    return "0";
  }
  char *c = lower_expr(f, node_field(e, "condition"));
  const char *t = new_temp(f);
  glue(f, "%s = !!(%s);\nif (%s) {\n", t, c, t);
  char *a = lower_expr(f, cons);
  put(f, "} else {\n");
  char *b = lower_expr(f, node_field(e, "alternative"));
  put(f, "}\n");
  return arena_printf("(%s ? (%s) : (%s))", t, a, b);
}

/* A, B: A is finished, side effects and all, before B starts; its value
 * is discarded (it may be a void await). */
static char *lower_comma(Fn *f, TSNode e) {
  discard(f, node_field(e, "left"), 0);
  return lower_expr(f, node_field(e, "right"));
}

/* Any other expression: its awaits run left to right, then the rest is
 * evaluated.  C leaves the order of these operands unspecified, so this is
 * one of the orders C allows. */
static char *lower_generic(Fn *f, TSNode e) {
  Buf b = {0};
  uint32_t pos = ts_node_start_byte(e);
  Nodes kids = node_children(e);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    uint32_t a = ts_node_start_byte(c);
    if (a > pos)
      buf_put(&b, f->src->text + pos, a - pos);
    if (has_await(f, c))
      buf_puts(&b, lower_expr(f, c));
    else
      rewrite(f, c, &b);
    pos = ts_node_end_byte(c);
  }
  if (ts_node_end_byte(e) > pos)
    buf_put(&b, f->src->text + pos, ts_node_end_byte(e) - pos);
  char *s = arena_strndup(b.p ? b.p : "", b.len);
  buf_free(&b);
  return s;
}

/*
 * expression: emit the statements that must run first (the awaits) into
 * the body and return C text for the value, valid right after them.
 */
static char *lower_expr(Fn *f, TSNode e) {
  if (!has_await(f, e))
    return rewrite_str(f, e);
  if (node_is(e, "await_expression"))
    return lower_await(f, e);
  if (node_is(e, "yield_expression"))
    return lower_yield(f, e);
  if (node_is(e, "yield_from_expression"))
    return lower_yield_from(f, e);
  if (node_is(e, "sizeof_expression") || node_is(e, "alignof_expression") ||
      node_is(e, "generic_expression")) {
    diag_error(f->src, ts_node_start_byte(e),
               "await in an operand that is not evaluated");
    return "0";
  }
  if (node_is(e, "binary_expression")) {
    TSNode op = node_field(e, "operator");
    int is_and = node_is(op, "&&"), is_or = node_is(op, "||");
    if ((is_and || is_or) && has_await(f, node_field(e, "right")))
      return lower_logical(f, e, is_and);
  }
  if (node_is(e, "conditional_expression") &&
      (has_await(f, node_field(e, "consequence")) ||
       has_await(f, node_field(e, "alternative"))))
    return lower_conditional(f, e);
  if (node_is(e, "comma_expression"))
    return lower_comma(f, e);
  if (node_is(e, "compound_literal_expression"))
    return hoist_literal(f, e, lower_expr(f, node_field(e, "value")));
  return lower_generic(f, e);
}

/* A condition with awaits, evaluated into a C local of the resume function
 * (it is used before any further suspension), slots released.  Returns the
 * local's name. */
static const char *lower_cond(Fn *f, TSNode cond) {
  cond = node_strip_parens(cond);
  char *text = lower_expr(f, cond);
  const char *name = arena_printf("ac_c%d", ++f->nlocal_ids);
  reline(f);
  glue(f, "int %s = !!(%s);\n", name, text);
  release_slots(f);
  return name;
}

/* ---- declarations ---- */

/* The text of a declaration's specifiers, for a frame member: no storage
 * class (auto, register), no `const` if strip_const (the member is
 * assigned). */
static char *specifiers(Fn *f, TSNode decl, int strip_const) {
  Buf b = {0};
  Nodes kids = node_children(decl);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    if (kids.field[i] && strcmp(kids.field[i], "declarator") == 0)
      break;
    if (!ts_node_is_named(c) || node_is(c, "storage_class_specifier") ||
        node_is(c, "async_specifier") || node_is(c, "comment"))
      continue;
    if (strip_const && node_is(c, "type_qualifier") && node_text_is(f->src, c, "const"))
      continue;
    rewrite(f, c, &b);
    buf_puts(&b, " ");
  }
  char *s = arena_strndup(b.p ? b.p : "", b.len);
  buf_free(&b);
  return s;
}

/* 1 if the declarator puts an array or plain name right at the top, so
 * that a `const` among the specifiers qualifies the member itself. */
static int direct_declarator(TSNode d) {
  while (node_is(d, "array_declarator") || node_is(d, "parenthesized_declarator"))
    d = node_is(d, "array_declarator") ? node_field(d, "declarator")
                                       : node_arg(d, 0);
  return node_is(d, "identifier");
}

/* Member declarator text: the name replaced by the member name.  The
 * derivation right next to the name is the outermost of the type (C reads
 * declarators inside out), so that is where a `* const` is dropped (the
 * member is assigned), where an unsized array gets its size from the
 * initializer, and where a parameter of array or function type becomes a
 * pointer: `char *argv[]` -> `char *(*argv)`, `int m[2][2]` ->
 * `int (*m)[2]`. */
typedef struct DeclOut {
  TSNode name;       /* the identifier being declared */
  const char *field; /* its member name */
  const char *size;  /* size for an unsized array, or NULL */
  int param;         /* adjust array/function parameters */
} DeclOut;

/* 1 if child c of declarator d is the declarator inside it: the field
 * `declarator`, or the one named child of a parenthesized declarator. */
static int is_inner_declarator(TSNode d, TSNode c, const char *field) {
  if (field && strcmp(field, "declarator") == 0)
    return 1;
  return node_is(d, "parenthesized_declarator") && ts_node_is_named(c) &&
         !ts_node_is_extra(c);
}

static void member_declarator(Fn *f, TSNode d, const DeclOut *o, Buf *b) {
  if (ts_node_eq(d, o->name)) {
    buf_puts(b, o->field);
    return;
  }
  int at_name = ts_node_eq(node_field(d, "declarator"), o->name);
  if (o->param && at_name && node_is(d, "array_declarator")) {
    buf_printf(b, "(*%s)", o->field);
    return;
  }
  if (o->param && at_name && node_is(d, "function_declarator")) {
    buf_printf(b, "(*%s)", o->field);
    rewrite(f, node_field(d, "parameters"), b);
    return;
  }
  uint32_t pos = ts_node_start_byte(d);
  Nodes kids = node_children(d);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    uint32_t a = ts_node_start_byte(c);
    if (a > pos)
      buf_put(b, f->src->text + pos, a - pos);
    pos = ts_node_end_byte(c);
    if (at_name && node_is(d, "pointer_declarator") && node_is(c, "type_qualifier") &&
        node_text_is(f->src, c, "const"))
      continue;
    if (at_name && node_is(d, "array_declarator") && o->size && node_is(c, "]") &&
        ts_node_is_null(node_field(d, "size")))
      buf_puts(b, o->size);
    if (is_inner_declarator(d, c, kids.field[i]))
      member_declarator(f, c, o, b);
    else
      rewrite(f, c, b);
  }
  if (ts_node_end_byte(d) > pos)
    buf_put(b, f->src->text + pos, ts_node_end_byte(d) - pos);
}

/* The declarator inside d whose own declarator is the name. */
static TSNode at_name(TSNode d, TSNode name) {
  while (!ts_node_is_null(d) && !ts_node_eq(node_field(d, "declarator"), name))
    d = node_is(d, "parenthesized_declarator") ? node_arg(d, 0) : node_field(d, "declarator");
  return d;
}

/* A VLA's size would have to be known when the frame is allocated. */
static void check_vla(Fn *f, TSNode d) {
  for (; !ts_node_is_null(d); d = node_field(d, "declarator")) {
    if (!node_is(d, "array_declarator"))
      continue;
    TSNode size = node_field(d, "size");
    if (ts_node_is_null(size))
      continue;
    if (has_await(f, size))
      diag_error(f->src, ts_node_start_byte(size), "await in an array size");
    else if (names_frame_local(f, size))
      diag_error(f->src, ts_node_start_byte(d),
                 "variable length array in an async function");
  }
}

/* 1 if n is a name of a local or parameter that lives in the frame. */
static int is_frame_local(TSNode n, void *ctx) {
  Fn *f = ctx;
  if (!node_is(n, "identifier"))
    return 0;
  uint32_t a = ts_node_start_byte(n), e = ts_node_end_byte(n);
  const Local *l = lookup(f, f->src->text + a, e - a);
  return l && l->field;
}

/* 1 if n refers to a local or parameter that lives in the frame. */
static int names_frame_local(Fn *f, TSNode n) {
  return node_any(n, is_frame_local, f);
}

/* 1 if the C compiler can work out the type of `(T)init` at file scope:
 * the initializer names no frame local and awaits nothing. */
static int init_is_constant(Fn *f, TSNode init) {
  return !has_await(f, init) && !names_frame_local(f, init);
}

/* Number of elements an unsized array gets from its initializer, as C
 * text, or NULL if acc cannot tell without C's types: designators, or a
 * lone string in braces ({"abc"}: 4 chars, or one pointer?). */
static const char *init_size(Fn *f, TSNode init) {
  if (node_is(init, "string_literal") || node_is(init, "concatenated_string"))
    return arena_printf("sizeof(%s)", node_text(f->src, init));
  if (!node_is(init, "initializer_list"))
    return NULL;
  uint32_t n = node_arg_count(init);
  TSNode first = node_arg(init, 0);
  if (n == 1 && (node_is(first, "string_literal") || node_is(first, "concatenated_string")))
    return NULL;
  for (uint32_t i = 0; i < n; i++)
    if (node_is(node_arg(init, i), "initializer_pair"))
      return NULL;
  return arena_printf("%u", n);
}

/* Declare the frame member for one declarator; returns its name. */
static const char *add_member(Fn *f, TSNode decl, TSNode d, TSNode init, int param) {
  DeclOut o = {decl_name(d), NULL, NULL, param};
  if (ts_node_is_null(o.name))
    return NULL;
  check_vla(f, d);
  const char *name = node_text(f->src, o.name);
  o.field = new_field(f, name);
  TSNode inner = at_name(d, o.name);
  int unsized = !ts_node_is_null(init) && node_is(inner, "array_declarator") &&
                ts_node_is_null(node_field(inner, "size"));
  /* A top-level const goes (the member is assigned); an array parameter's
   * const qualifies the elements it points to, and stays. */
  const char *spec = specifiers(f, decl, param ? node_is(d, "identifier") : direct_declarator(d));
  Buf b = {0};
  if (f->opts->line_directives) /* errors about the member name its line */
    emit_line_directive(&f->decls, f->src, ts_node_start_point(d).row + 1);
  if (param && node_is(d, "identifier") && node_is(node_field(decl, "type"), "type_identifier")) {
    /* A typedef may hide an array or function type (va_list): the member
     * takes the adjusted type, as the comma operator decays it. */
    buf_printf(&f->decls, "    __typeof__((void)0, *(__typeof__(%s) *)0) %s;\n", spec, o.field);
    return o.field;
  }
  if (unsized && init_is_constant(f, init) && !node_any(init, is_call, NULL)) {
    /* the C compiler sizes it: __typeof__((T []){init}) x; at file scope,
     * where a call is no constant (acc counts those below) */
    DeclOut abstract = o;
    abstract.field = "";
    member_declarator(f, d, &abstract, &b);
    int brace = node_is(init, "initializer_list");
    buf_printf(&f->decls, "    __typeof__((%s%s)%s%s%s) %s;\n", spec, b.p, brace ? "" : "{",
               node_text(f->src, init), brace ? "" : "}", o.field);
    buf_free(&b);
    return o.field;
  }
  if (unsized && !(o.size = init_size(f, init)))
    diag_error(f->src, ts_node_start_byte(d),
               "give the size of this array: its initializer uses locals and "
               "acc cannot count it");
  buf_puts(&b, spec);
  member_declarator(f, d, &o, &b);
  buf_printf(&f->decls, "    %s;\n", b.p);
  buf_free(&b);
  return o.field;
}

/*
 * `T x = init;` on a frame member: an assignment at the same place.  Braces
 * and strings go through a compound literal of the member's own type,
 * copied: that works whether T is an array (perhaps through a typedef, as
 * `typedef char name_t[16]; name_t n = "x";`), a struct or a scalar.
 */
static void init_member(Fn *f, const char *field, TSNode d, TSNode init) {
  int brace = node_is(init, "initializer_list");
  int string = node_is(init, "string_literal") || node_is(init, "concatenated_string");
  int pointer = node_is(at_name(d, decl_name(d)), "pointer_declarator");
  char *value = lower_expr(f, init);
  reline(f);
  if (brace || (string && !pointer))
    glue(f, "memcpy(&ac_f->%s, &(__typeof__(ac_f->%s))%s%s%s, sizeof ac_f->%s);\n",
         field, field, brace ? "" : "{", value, brace ? "" : "}", field);
  else
    glue(f, "ac_f->%s = %s;\n", field, value);
}

/* A block-scope declaration that is not a variable of automatic storage
 * stays C: static, extern, function prototypes, and types declared alone. */
static int stays_c(Fn *f, TSNode decl) {
  Nodes kids = node_children(decl);
  int declarators = 0;
  for (size_t i = 0; i < kids.n; i++)
    declarators += kids.field[i] && strcmp(kids.field[i], "declarator") == 0;
  if (declarators == 0) /* a type alone: struct s {...}; enum {...}; */
    return 1;
  for (size_t i = 0; i < kids.n; i++) {
    if (node_is(kids.v[i], "storage_class_specifier") &&
        (node_text_is(f->src, kids.v[i], "static") ||
         node_text_is(f->src, kids.v[i], "extern")))
      return 1;
    if (kids.field[i] && strcmp(kids.field[i], "declarator") == 0 &&
        !ts_node_is_null(decl_function(kids.v[i])))
      return 1;
  }
  return 0;
}

/*
 * declaration, in a block that awaits: each variable becomes a frame
 * member and its initializer an assignment at the same place.
 */
static void declaration(Fn *f, TSNode decl) {
  if (stays_c(f, decl)) {
    if (has_await(f, decl))
      diag_error(f->src, ts_node_start_byte(decl),
                 "await in a static or extern declaration");
    line(f, decl);
    rewrite(f, decl, &f->body);
    put(f, "\n");
    return;
  }
  int open = has_await(f, decl);
  line(f, decl);
  if (open)
    put(f, "{\n");
  Nodes kids = node_children(decl);
  for (size_t i = 0; i < kids.n; i++) {
    if (!kids.field[i] || strcmp(kids.field[i], "declarator") != 0)
      continue;
    TSNode d = kids.v[i], init = {{0}, NULL, NULL};
    if (node_is(d, "init_declarator")) {
      init = node_field(d, "value");
      d = node_field(d, "declarator");
    }
    const char *field = add_member(f, decl, d, init, 0);
    if (field) /* in scope in its own initializer: T *p = malloc(sizeof *p) */
      push_local(f, node_text(f->src, decl_name(d)), field);
    if (field && !ts_node_is_null(init))
      init_member(f, field, d, init);
  }
  release_slots(f);
  if (open)
    put(f, "}\n");
}

/* ---- statements ---- */

/* e without parentheses and (void) casts: the same effects. */
static TSNode strip_discard(Fn *f, TSNode e) {
  for (;;) {
    e = node_strip_parens(e);
    if (!node_is(e, "cast_expression") ||
        !node_text_is(f->src, node_field(e, "type"), "void"))
      return e;
    e = node_field(e, "value");
  }
}

/*
 * e evaluated for its effects only; top: e is a whole statement, which
 * without an await is emitted as written (a statement macro such as
 * do {...} while (0) cannot be cast to void).  A discarded await's value is never
 * read (it may have none: void functions, untyped tasks, ac_sleep), and
 * the operands of `,` and `?:` are discarded in turn, so `c ? await f() :
 * (void)0;` and `i++, await g()` work with void awaitables as C allows.
 */
static void discard(Fn *f, TSNode e, int top) {
  if (top && !has_await(f, e)) { /* as written: it may be a macro */
    reline(f);
    glue(f, "%s;\n", rewrite_str(f, e));
    return;
  }
  e = strip_discard(f, e);
  TSNode cons = node_field(e, "consequence");
  if (!has_await(f, e)) {
    reline(f);
    glue(f, "(void)(%s);\n", rewrite_str(f, e));
  } else if (node_is(e, "await_expression") || node_is(e, "yield_expression") ||
             node_is(e, "yield_from_expression")) {
    lower_expr(f, e);
  } else if (node_is(e, "comma_expression")) {
    discard(f, node_field(e, "left"), 0);
    discard(f, node_field(e, "right"), 0);
  } else if (node_is(e, "conditional_expression") && !ts_node_is_null(cons)) {
    const char *t = new_temp(f);
    glue(f, "%s = !!(%s);\nif (%s) {\n", t, lower_expr(f, node_field(e, "condition")), t);
    discard(f, cons, 0);
    put(f, "} else {\n");
    discard(f, node_field(e, "alternative"), 0);
    put(f, "}\n");
  } else {
    char *text = lower_expr(f, e);
    reline(f);
    glue(f, "%s;\n", text);
  }
}

/* A full expression evaluated for its effects, its slots released. */
static void eval_discard(Fn *f, TSNode e) {
  put(f, "{\n");
  discard(f, e, 1);
  release_slots(f);
  put(f, "}\n");
}

/* expression_statement */
static void stmt_expr(Fn *f, TSNode s) {
  line(f, s);
  if (node_arg_count(s) == 0)
    put(f, ";\n");
  else
    eval_discard(f, node_arg(s, 0));
}

/* return_statement in a plain function with defers: the value is
 * computed, then the defers run, then it is returned. */
static void plain_return(Fn *f, TSNode e) {
  put(f, "{\n");
  if (!ts_node_is_null(e) && f->plain_ret)
    glue(f, "%s = %s;\n", f->plain_ret, rewrite_str(f, e));
  else if (!ts_node_is_null(e))
    glue(f, "%s;\n", rewrite_str(f, e));
  run_defers_to(f, 0);
  glue(f, "return%s;\n}\n", !ts_node_is_null(e) && f->plain_ret ? " ac_r" : "");
}

/* return_statement: the result goes into the handle, the defers of every
 * enclosing block run, the frame is done. */
static void stmt_return(Fn *f, TSNode s) {
  TSNode e = node_arg(s, 0);
  line(f, s);
  if (f->plain) {
    plain_return(f, e);
    return;
  }
  put(f, "{\n");
  if (!ts_node_is_null(e) && f->is_void) {
    discard(f, e, 1); /* reported by analyze.c */
  } else if (!ts_node_is_null(e)) {
    char *text = lower_expr(f, e);
    reline(f);
    glue(f, "ac_f->ac_pub.ac_ret = %s;\n", text);
  }
  release_slots(f);
  run_defers_to(f, 0);
  put(f, "return AC__DONE;\n}\n");
}

/* break_statement, continue_statement: the defers of the blocks left run
 * first. */
static void stmt_break(Fn *f, TSNode s) {
  int is_break = node_is(s, "break_statement");
  size_t i = f->ntargets;
  while (i > 0 && !is_break && !f->targets[i - 1].loop)
    i--; /* continue: the innermost loop, not a switch */
  line(f, s);
  put(f, "{\n");
  if (i > 0)
    run_defers_to(f, f->targets[i - 1].height);
  glue(f, "%s;\n}\n", is_break ? "break" : "continue");
}

/* The labeled_statement named `name` inside n, or a null node. */
static TSNode find_label(Fn *f, TSNode n, TSNode name) {
  if (node_is(n, "labeled_statement") &&
      node_text_is(f->src, node_field(n, "label"), node_text(f->src, name)))
    return n;
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode l = find_label(f, kids.v[i], name);
    if (!ts_node_is_null(l))
      return l;
  }
  return (TSNode){{0}, NULL, NULL};
}

static int contains(TSNode outer, TSNode n) {
  return ts_node_start_byte(outer) <= ts_node_start_byte(n) &&
         ts_node_end_byte(n) <= ts_node_end_byte(outer);
}

/* goto_statement: a defer runs if the jump leaves its block, or goes back
 * to before it within its block (out of its scope, as C's defer TS
 * says). */
static void stmt_goto(Fn *f, TSNode s) {
  TSNode label = node_field(s, "label");
  TSNode target = find_label(f, f->fbody, label);
  line(f, s);
  put(f, "{\n");
  for (size_t i = f->nactive; i-- > 0;) {
    const Defer *d = &f->defers[f->active[i]];
    if (ts_node_is_null(target) || !contains(d->block, target) ||
        ts_node_start_byte(target) < d->start)
      run_defer(f, f->active[i]);
  }
  glue(f, "goto %s;\n}\n", node_text(f->src, label));
}

static void substmt(Fn *f, TSNode s);

/* A deferred statement that holds a defer or a for-each is lowered like
 * any statement (a block of its own), into text of its own; its jumps
 * stay inside it (analyze.c), and it never suspends. */
static char *lower_deferred(Fn *f, TSNode body) {
  Buf saved = f->body;
  size_t line_end = f->line_end;
  uint32_t line_row = f->line_row, stmt_line = f->stmt_line;
  f->body = (Buf){0};
  f->line_end = f->line_row = 0;
  substmt(f, body);
  char *text = arena_strndup(f->body.p ? f->body.p : "", f->body.len);
  buf_free(&f->body);
  f->body = saved;
  f->line_end = line_end;
  f->line_row = line_row;
  f->stmt_line = stmt_line;
  return text;
}

/* defer_statement: nothing runs here; its statement is lowered now (names
 * resolve where it stands) and runs when the block is left. */
static void stmt_defer(Fn *f, TSNode s) {
  Buf b = {0};
  TSNode body = node_field(s, "body");
  int saved = f->plain_depth;
  f->plain_depth = 1; /* its compound literals are C's: it never suspends */
  if (has_pos(f, POS_SCOPED, body))
    buf_puts(&b, lower_deferred(f, body));
  else
    rewrite(f, body, &b);
  f->plain_depth = saved;
  push_defer(f, arena_strndup(b.p ? b.p : "", b.len), s, f->block);
  buf_free(&b);
}

/* 1 if the last statement of the block is a jump (return, break,
 * continue, goto): its end is unreachable. */
static int ends_in_jump(TSNode block) {
  static const char *const jumps[] = {"return_statement", "break_statement",
                                      "continue_statement", "goto_statement"};
  Nodes kids = node_children(block);
  size_t i = kids.n;
  while (i > 0 && (!ts_node_is_named(kids.v[i - 1]) || node_is(kids.v[i - 1], "comment")))
    i--;
  for (size_t j = 0; i > 0 && j < sizeof jumps / sizeof *jumps; j++)
    if (node_is(kids.v[i - 1], jumps[j]))
      return 1;
  return 0;
}

/* The end of a block: its defers run there, unless it ends in a jump,
 * which ran them (a copy after `return` or `break` would be dead code,
 * and gcc would take it for a fall-through into the next case). */
static void end_block(Fn *f, TSNode block, size_t height) {
  if (ends_in_jump(block))
    f->nactive = height;
  else
    exit_block(f, height);
}

/* compound_statement: its names go out of scope and its defers run at its
 * end. */
static void stmt_block(Fn *f, TSNode s) {
  size_t mark = f->nlocals, height = f->nactive;
  TSNode saved = f->block;
  f->block = s;
  put(f, "{\n");
  Nodes kids = node_children(s);
  for (size_t i = 0; i < kids.n; i++)
    if (ts_node_is_named(kids.v[i]))
      stmt(f, kids.v[i]);
  end_block(f, s, height);
  put(f, "}\n");
  f->block = saved;
  f->nlocals = mark;
}

/* The statement of an if, else or loop: a block of its own (C99), so a
 * defer there runs at its end. */
static void substmt(Fn *f, TSNode s) {
  if (node_is(s, "compound_statement")) { /* already one */
    stmt(f, s);
    return;
  }
  size_t height = f->nactive;
  TSNode saved = f->block;
  f->block = s;
  put(f, "{\n");
  stmt(f, s);
  exit_block(f, height);
  put(f, "}\n");
  f->block = saved;
}

/* The body of a loop (loop = 1) or switch: break and continue leave it. */
static void body(Fn *f, TSNode s, int loop) {
  f->targets = arena_grow(f->targets, f->ntargets, &f->captargets, sizeof *f->targets);
  f->targets[f->ntargets].height = f->nactive;
  f->targets[f->ntargets].loop = loop;
  f->ntargets++;
  substmt(f, s);
  f->ntargets--;
}

/* if_statement */
static void stmt_if(Fn *f, TSNode s) {
  TSNode cond = node_field(s, "condition");
  TSNode alt = node_field(s, "alternative");
  line(f, s);
  if (has_await(f, cond)) {
    put(f, "{\n");
    glue(f, "if (%s)\n", lower_cond(f, cond));
  } else {
    glue(f, "if %s\n", rewrite_str(f, cond));
  }
  substmt(f, node_field(s, "consequence"));
  if (!ts_node_is_null(alt)) {
    put(f, "else\n");
    substmt(f, node_arg(alt, 0));
  }
  if (has_await(f, cond))
    put(f, "}\n");
}

/* `if (!cond) break;` for a condition with awaits, inside for (;;) */
static void break_unless(Fn *f, TSNode cond) {
  put(f, "{\n");
  glue(f, "if (!%s) break;\n", lower_cond(f, cond));
  put(f, "}\n");
}

/* while_statement */
static void stmt_while(Fn *f, TSNode s) {
  TSNode cond = node_field(s, "condition");
  line(f, s);
  if (!has_await(f, cond)) {
    glue(f, "while %s\n", rewrite_str(f, cond));
    body(f, node_field(s, "body"), 1);
    return;
  }
  put(f, "for (;;) {\n"); /* continue: back to the top, to the condition */
  break_unless(f, cond);
  body(f, node_field(s, "body"), 1);
  put(f, "}\n");
}


/*
 * do_statement.  With an await in the condition, the condition moves to
 * the top of a for (;;), skipped the first time: a `continue` anywhere in
 * the body (even one hidden in a macro) then reaches it as in C.
 */
static void stmt_do(Fn *f, TSNode s) {
  TSNode cond = node_field(s, "condition");
  line(f, s);
  if (!has_await(f, cond)) {
    put(f, "do\n");
    body(f, node_field(s, "body"), 1);
    glue(f, "while %s;\n", rewrite_str(f, cond));
    return;
  }
  const char *again = new_temp(f);
  glue(f, "for (%s = 0;; %s = 1) {\nif (%s) {\n", again, again, again);
  line(f, cond);
  break_unless(f, cond);
  put(f, "}\n");
  body(f, node_field(s, "body"), 1);
  put(f, "}\n");
}


/*
 * for_statement: the initializer's variables are frame members (the loop
 * awaits).  With an await in the condition or the update, both move to
 * the top of a for (;;), the update skipped the first time, so that a
 * `continue` anywhere in the body (even in a macro) runs them as in C.
 */
static void stmt_for(Fn *f, TSNode s) {
  TSNode init = node_field(s, "initializer"), cond = node_field(s, "condition");
  TSNode upd = node_field(s, "update");
  size_t mark = f->nlocals;
  line(f, s);
  put(f, "{\n");
  if (f->plain && node_is(init, "declaration"))
    stmt_plain(f, init); /* stays a C local: in scope until the } */
  else if (node_is(init, "declaration"))
    declaration(f, init);
  else if (!ts_node_is_null(init))
    eval_discard(f, init);
  if (!has_await(f, cond) && !has_await(f, upd)) {
    glue(f, "for (; %s; %s)\n", ts_node_is_null(cond) ? "" : rewrite_str(f, cond),
         ts_node_is_null(upd) ? "" : rewrite_str(f, upd));
    body(f, node_field(s, "body"), 1);
  } else {
    const char *again = new_temp(f);
    glue(f, "for (%s = 0;; %s = 1) {\n", again, again);
    if (!ts_node_is_null(upd)) {
      glue(f, "if (%s) ", again);
      line(f, upd);
      eval_discard(f, upd);
    }
    if (!ts_node_is_null(cond))
      break_unless(f, cond);
    body(f, node_field(s, "body"), 1);
    put(f, "}\n");
  }
  put(f, "}\n");
  f->nlocals = mark;
}


/* switch_statement: a condition with awaits is computed first into a C
 * local of its own type. */
static void stmt_switch(Fn *f, TSNode s) {
  TSNode cond = node_field(s, "condition");
  line(f, s);
  if (!has_await(f, cond)) {
    glue(f, "switch %s\n", rewrite_str(f, cond));
    body(f, node_field(s, "body"), 0);
    return;
  }
  put(f, "{\n");
  char *text = lower_expr(f, node_strip_parens(cond));
  const char *name = arena_printf("ac_sw%d", ++f->nlocal_ids);
  glue(f, "__typeof__(%s) %s = %s;\n", text, name, text);
  release_slots(f);
  glue(f, "switch (%s)\n", name);
  body(f, node_field(s, "body"), 0);
  put(f, "}\n");
}

/* case_statement: `case V:` then its statements, which are its children.
 * No #line before the label: gcc's fall-through comment must come right
 * before it. */
static void stmt_case(Fn *f, TSNode s) {
  TSNode value = node_field(s, "value");
  if (has_await(f, value))
    diag_error(f->src, ts_node_start_byte(value), "await in a case label");
  if (f->ntargets && !f->targets[f->ntargets - 1].loop &&
      f->nactive > f->targets[f->ntargets - 1].height)
    diag_error(f->src, ts_node_start_byte(s), "this case label jumps past a defer");
  if (ts_node_is_null(value))
    put(f, "default:;\n");
  else
    glue(f, "case %s:;\n", rewrite_str(f, value));
  Nodes kids = node_children(s);
  for (size_t i = 0; i < kids.n; i++)
    if (ts_node_is_named(kids.v[i]) && !ts_node_eq(kids.v[i], value))
      stmt(f, kids.v[i]);
}

/* The loop variable of a for-each, given its value: a frame member (in a
 * coroutine), or a C declaration at the top of the body. */
static void foreach_var(Fn *f, TSNode s, const char *value) {
  TSNode d = node_field(s, "declarator");
  if (f->plain) { /* used or not, like a frame member: no C warning */
    glue(f, "%s", specifiers(f, s, 0));
    rewrite_child(f, s, d, "declarator", &f->body);
    glue(f, " = %s;\n(void)%s;\n", value, node_text(f->src, decl_name(d)));
    return;
  }
  const char *field = add_member(f, s, d, (TSNode){{0}, NULL, NULL}, 0);
  if (!field)
    return;
  glue(f, "ac_f->%s = %s;\n", field, value);
  push_local(f, node_text(f->src, decl_name(d)), field);
}

/* A generator's error that ends a for-each: caught into the catch
 * clause, else propagated (a coroutine unwinds) or reported (plain C). */
static void foreach_error(Fn *f, TSNode catch_, const char *g, const char *r) {
  if (!ts_node_is_null(catch_)) {
    TSNode msg = node_field(catch_, "message");
    glue(f, "(%s) = %s; ", rewrite_str(f, node_field(catch_, "error")), r);
    if (!ts_node_is_null(msg))
      glue(f, "(%s) = ac_future_message((ac_future *)%s); ", rewrite_str(f, msg), g);
  } else if (f->plain) {
    glue(f, "ac__gen_uncaught((ac_gen *)%s); ", g);
  } else {
    glue(f, "ac_self->fut.err = %s; ac_self->fut.msg = ac_future_message((ac_future *)%s); "
            "goto %s; ", r, g, unwind(f));
  }
}

/* The head of a for-each over a generator: the next value, or the end
 * of the loop.  Returns the C text of the value. */
static const char *foreach_next(Fn *f, TSNode s, const char *g, const char *type) {
  TSNode catch_ = node_field(s, "catch");
  const char *r = arena_printf("ac_r%d", ++f->nlocal_ids);
  if (!has_child_of_type(s, "await")) {
    const char *v = arena_printf("ac_v%d", f->nlocal_ids);
    glue(f, "__typeof__(((%s)0)->ac_yield) %s; int %s = ac_gen_next((ac_gen *)%s, &%s, "
            "sizeof %s);\nif (%s <= 0) { if (%s < 0) { ", type, v, r, g, v, v, r, r);
    foreach_error(f, catch_, g, r);
    put(f, "} break; }\n");
    return v;
  }
  int k = new_slot(f), label = new_label(f);
  glue(f, "ac_f->ac_aw[%d] = (void *)ac_anext((%s)%s, NULL);\n"
          "if (!ac__await(ac_self, ac_f->ac_aw[%d])) { ac_self->state = %d; "
          "return AC__SUSPEND; }\nac_L%d:\n", k, type, g, k, label, label);
  check(f, arena_printf("ac__check(ac_self, ac_f->ac_aw[%d])", k), catch_,
        arena_printf("ac__release(&ac_f->ac_aw[%d]); ", k));
  glue(f, "int %s = ac_f->ac_aw[%d] ? ((ac_anext_task *)ac_f->ac_aw[%d])->ac_ret : 0;\n",
       r, k, k);
  release_slots(f);
  glue(f, "if (%s <= 0) break;\n", r);
  return arena_printf("((%s)%s)->ac_yield", type, g);
}

/*
 * for_each_statement:  for [await] (T x : E [catch (err[, msg])]) body
 * The generator E is closed and freed when the loop is left, however it
 * is left: an implicit defer around the loop.
 */
static void stmt_foreach(Fn *f, TSNode s) {
  size_t mark = f->nlocals, height = f->nactive;
  TSNode right = node_field(s, "right"), catch_ = node_field(s, "catch");
  line(f, s);
  put(f, "{\n");
  char *e = lower_expr(f, right);
  const char *type = arena_printf("__typeof__(%s)", e);
  const char *g = arena_printf("ac_g%d", ++f->nforeach);
  if (f->plain) {
    glue(f, "void *%s = (void *)(%s);\n", g, e);
  } else {
    buf_printf(&f->decls, "    void *%s; /* a for-each's generator */\n", g);
    g = arena_printf("ac_f->%s", g);
    glue(f, "%s = (void *)(%s);\n", g, e);
  }
  release_slots(f);
  push_defer(f, arena_printf("ac_gen_free((ac_gen *)%s);", g), s, s);
  if (!ts_node_is_null(catch_)) { /* no error unless the generator fails */
    TSNode msg = node_field(catch_, "message");
    glue(f, "(%s) = 0;\n", rewrite_str(f, node_field(catch_, "error")));
    if (!ts_node_is_null(msg))
      glue(f, "(%s) = NULL;\n", rewrite_str(f, msg));
  }
  put(f, "for (;;) {\n");
  foreach_var(f, s, foreach_next(f, s, g, type));
  body(f, node_field(s, "body"), 1);
  put(f, "}\n");
  exit_block(f, height);
  put(f, "}\n");
  f->nlocals = mark;
}

/*
 * #if / #ifdef / #elif / #else around statements in a body that awaits.
 * Directives go on lines of their own.  prefix holds the directives of the
 * branches before this one ("#if A\n" for the #elif that follows it); with
 * it, f->guard holds what the dispatch must repeat around the `case` of
 * each suspension point inside, so a label the preprocessor removes is not
 * jumped to.
 */
static void stmt_preproc(Fn *f, TSNode s, const char *prefix) {
  Nodes kids = node_children(s);
  Buf head = {0};
  TSNode alt = {{0}, NULL, NULL};
  for (size_t i = 0; i < kids.n; i++) {
    const char *field = kids.field[i], *type = ts_node_type(kids.v[i]);
    if (!ts_node_is_named(kids.v[i]) && type[0] == '#' && strcmp(type, "#endif") != 0)
      buf_puts(&head, type);
    else if (field && (strcmp(field, "condition") == 0 || strcmp(field, "name") == 0))
      buf_printf(&head, " %s", node_text(f->src, kids.v[i]));
    else if (field && strcmp(field, "alternative") == 0)
      alt = kids.v[i];
  }
  newline(f);
  buf_printf(&f->body, "%s\n", head.p);
  const char *opening = arena_printf("%s%s\n", prefix, head.p);
  const char *saved = f->guard;
  f->guard = arena_printf("%s%s", saved, opening);
  f->guard_depth++;
  for (size_t i = 0; i < kids.n; i++) {
    const char *field = kids.field[i];
    if (ts_node_is_named(kids.v[i]) && !(field && (strcmp(field, "condition") == 0 ||
                                                   strcmp(field, "name") == 0 ||
                                                   strcmp(field, "alternative") == 0)))
      stmt(f, kids.v[i]);
  }
  f->guard = saved;
  f->guard_depth--;
  if (!ts_node_is_null(alt))
    stmt_preproc(f, alt, opening);
  if (node_is(s, "preproc_if") || node_is(s, "preproc_ifdef")) {
    newline(f);
    buf_puts(&f->body, "#endif\n");
  }
  buf_free(&head);
}


/* A comment between statements (a // comment needs its newline). */
static void stmt_comment(Fn *f, TSNode s) {
  buf_printf(&f->body, "%s\n", node_text(f->src, s));
}

/* `enum {...};` alone in a block: tree-sitter-c makes the ';' a sibling. */
static void stmt_type(Fn *f, TSNode s) {
  line(f, s);
  rewrite(f, s, &f->body);
  put(f, ";\n");
}

/* label: statement -- braced together, since they may be a braceless loop
 * body. */
static void stmt_labeled(Fn *f, TSNode s) {
  line(f, s);
  glue(f, "{ %s:;\n", node_text(f->src, node_field(s, "label")));
  stmt(f, node_arg(s, 1));
  put(f, "}\n");
}

/* #define, #include, ... inside a body: on lines of their own. */
static void stmt_directive(Fn *f, TSNode s) {
  buf_printf(&f->body, "\n%s\n", node_text(f->src, s));
}

static void stmt_if_chain(Fn *f, TSNode s) { stmt_preproc(f, s, ""); }

/* Plain C: copied with frame locals renamed. */
static void stmt_plain(Fn *f, TSNode s) {
  line(f, s);
  rewrite(f, s, &f->body);
  put(f, "\n");
}

static void stmt_attributed(Fn *f, TSNode s) {
  stmt(f, node_arg(s, node_arg_count(s) - 1));
}

/* How a statement is lowered, by node type. */
typedef struct StmtRule {
  const char *type;               /* node type */
  void (*lower)(Fn *f, TSNode s); /* its lowering */
} StmtRule;

/* Statements that need acc whether or not they await. */
static const StmtRule always[] = {
    {"defer_statement", stmt_defer}, {"for_each_statement", stmt_foreach},
    {"comment", stmt_comment},       {"declaration", declaration},
    {"struct_specifier", stmt_type}, {"union_specifier", stmt_type},
    {"enum_specifier", stmt_type},
    {"case_statement", stmt_case},   {"labeled_statement", stmt_labeled},
    {"preproc_if", stmt_if_chain},   {"preproc_ifdef", stmt_if_chain},
};

/* Statements that need acc when they await or return. */
static const StmtRule awaiting[] = {
    {"compound_statement", stmt_block}, {"expression_statement", stmt_expr},
    {"return_statement", stmt_return},  {"if_statement", stmt_if},
    {"while_statement", stmt_while},    {"do_statement", stmt_do},
    {"for_statement", stmt_for},        {"switch_statement", stmt_switch},
    {"attributed_statement", stmt_attributed},
    {"break_statement", stmt_break},    {"continue_statement", stmt_break},
    {"goto_statement", stmt_goto},
};

static const StmtRule *find_rule(const StmtRule *rules, size_t n, const char *t) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(rules[i].type, t) == 0)
      return &rules[i];
  return NULL;
}

/* 1 if s can be copied as C: it does not suspend, holds no defer or
 * for-each, and leaves no block whose defers must run (a return in a
 * coroutine, which becomes the frame's end, counts). */
static int stays_plain(Fn *f, TSNode s) {
  if (has_await(f, s) || has_pos(f, POS_SCOPED, s))
    return 0;
  if (has_pos(f, POS_RETURN, s) && (!f->plain || f->nactive))
    return 0;
  return !(f->nactive && has_pos(f, POS_JUMP, s));
}

/*
 * statement: the ones that stay plain C are copied, renamed; the others
 * are lowered.
 */
static void stmt(Fn *f, TSNode s) {
  const char *t = ts_node_type(s);
  if (f->plain && strcmp(t, "declaration") == 0)
    return stmt_plain(f, s); /* a plain function's locals stay C */
  const StmtRule *r = find_rule(always, sizeof always / sizeof *always, t);
  if (r)
    return r->lower(f, s);
  if (strncmp(t, "preproc_", 8) == 0 && !has_await(f, s) && !has_pos(f, POS_SCOPED, s))
    return stmt_directive(f, s);
  if (stays_plain(f, s))
    return stmt_plain(f, s);
  r = find_rule(awaiting, sizeof awaiting / sizeof *awaiting, t);
  if (r)
    return r->lower(f, s);
  if (has_await(f, s))
    diag_error(f->src, ts_node_start_byte(s), "await in this statement is not supported");
  else
    stmt_plain(f, s);
}

/* ---- the function ---- */

/* What the declaration of an async function says. */
typedef struct Sig {
  const char *name;    /* the function's name */
  const char *storage; /* "static " or "" */
  const char *ret;     /* "T ac_ret" member declaration, NULL for void */
  const char *params;  /* the parameter list as written, "(...)" */
  const char *int_flag; /* C text: AC__CO_INT_RESULT if the result is an int */
  const char *ret_fn;  /* `T AC__RET_f(void)`: the return type, checked by C */
  TSNode fdecl;        /* the function_declarator */
  unsigned fn;         /* FN_ASYNC / FN_GEN */
  const char *handle;  /* "f_task" or, for a generator, "f_gen" */
  const char *yield_t; /* a generator's yield type, or NULL */
  const char *send_t;  /* a generator's send type, or NULL */
  const char *ret_r;   /* "T ac_r": a local for the result, NULL for void */
} Sig;

/* The result member's declarator: d with the function declarator replaced
 * by `ac_ret`, less a `* const` right next to it (the member is assigned;
 * a const on a returned value means nothing in C anyway). */
static void ret_declarator(const Source *src, TSNode d, TSNode fdecl, Buf *b,
                           const char *name) {
  if (ts_node_eq(d, fdecl)) {
    buf_puts(b, name);
    return;
  }
  int next_to = ts_node_eq(node_field(d, "declarator"), fdecl);
  uint32_t pos = ts_node_start_byte(d);
  Nodes kids = node_children(d);
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    buf_put(b, src->text + pos, ts_node_start_byte(c) - pos);
    pos = ts_node_end_byte(c);
    if (next_to && node_is(d, "pointer_declarator") && node_is(c, "type_qualifier") &&
        node_text_is(src, c, "const"))
      continue;
    if (is_inner_declarator(d, c, kids.field[i]))
      ret_declarator(src, c, fdecl, b, name);
    else
      buf_put(b, src->text + ts_node_start_byte(c), ts_node_end_byte(c) - ts_node_start_byte(c));
  }
  buf_put(b, src->text + pos, ts_node_end_byte(d) - pos);
}

/* Read the signature of the function that declarator d of item declares. */
static Sig signature(const Source *src, TSNode item, TSNode d) {
  Sig sg = {0};
  sg.fdecl = decl_function(d);
  sg.name = node_text(src, node_field(sg.fdecl, "declarator"));
  sg.params = node_text(src, node_field(sg.fdecl, "parameters"));
  sg.storage = "";
  int direct = ts_node_eq(d, sg.fdecl);
  Buf spec = {0};
  Nodes kids = node_children(item);
  TSNode type = node_field(item, "type");
  for (size_t i = 0; i < kids.n; i++) {
    TSNode c = kids.v[i];
    if (kids.field[i] && strcmp(kids.field[i], "declarator") == 0)
      break;
    if (node_is(c, "storage_class_specifier") && node_text_is(src, c, "static"))
      sg.storage = "static ";
    if (node_is(c, "generator_specifier")) {
      TSNode y = node_field(c, "yield_type"), sd = node_field(c, "send_type");
      sg.yield_t = ts_node_is_null(y) ? NULL : node_text(src, y);
      sg.send_t = ts_node_is_null(sd) ? NULL : node_text(src, sd);
      sg.fn |= FN_GEN;
    }
    if (node_is(c, "async_specifier"))
      sg.fn |= FN_ASYNC;
    if (!ts_node_is_named(c) || node_is(c, "storage_class_specifier") ||
        node_is(c, "async_specifier") || node_is(c, "comment") ||
        node_is(c, "generator_specifier") || node_is(c, "attribute_specifier") ||
        (direct && node_is(c, "type_qualifier")))
      continue;
    buf_printf(&spec, "%s ", node_text(src, c));
  }
  int is_void = direct && node_is(type, "primitive_type") && node_text_is(src, type, "void");
  sg.handle = arena_printf("%s_%s", sg.name, sg.fn & FN_GEN ? "gen" : "task");
  sg.int_flag = is_void || (sg.fn & FN_GEN) ? "0" : arena_printf(
      "_Generic(((%s_task *)0)->ac_ret, int: AC__CO_INT_RESULT, default: 0)", sg.name);
  Buf decl = {0};
  ret_declarator(src, d, sg.fdecl, &decl, arena_printf("AC__RET_%s(void)", sg.name));
  sg.ret_fn = arena_printf("%s%s", spec.p, decl.p);
  decl.len = 0;
  ret_declarator(src, d, sg.fdecl, &decl, "ac_ret");
  if (!is_void)
    sg.ret = arena_printf("%s%s", spec.p, decl.p);
  decl.len = 0;
  ret_declarator(src, d, sg.fdecl, &decl, "ac_r");
  if (!is_void)
    sg.ret_r = arena_printf("%s%s", spec.p, decl.p);
  buf_free(&decl);
  buf_free(&spec);
  return sg;
}

/* The typed task handle, once per translation unit however often the
 * function is declared (header and definition); then the constructor's
 * prototype, and AC__RET_f, a function declared with the async
 * function's return type, never defined: a prototype and a definition
 * that disagree on it conflict in C as the functions themselves would.
 * With #line, the lines that can draw errors name the declaration's line. */
static void emit_handle(Buf *out, const Sig *sg, const Source *src, uint32_t row,
                        int lines) {
  buf_printf(out, "#ifndef AC__TASK_%s\n#define AC__TASK_%s\n", sg->name, sg->name);
  buf_printf(out, "typedef struct %s {\n    %s ac_co;\n", sg->handle,
             sg->fn & FN_GEN ? "ac_gen" : "ac_task");
  if ((sg->ret || sg->yield_t || sg->send_t) && lines)
    emit_line_directive(out, src, row);
  if (sg->ret)
    buf_printf(out, "    %s;\n", sg->ret);
  if (sg->yield_t)
    buf_printf(out, "    __typeof__(%s) ac_yield;\n", sg->yield_t);
  if (sg->send_t)
    buf_printf(out, "    __typeof__(%s) ac_send;\n", sg->send_t);
  buf_printf(out, "} %s;\n", sg->handle);
  if (sg->ret && !(sg->fn & FN_GEN))
    buf_printf(out,
               "_Static_assert(offsetof(%s, ac_ret) == sizeof(ac_task) || "
               "!%s, \"ac_run reads an int result right after the header\");\n",
               sg->handle, sg->int_flag);
  buf_puts(out, "#endif\n");
  if (lines)
    emit_line_directive(out, src, row);
  buf_printf(out, "%s%s *%s%s; %s;\n", sg->storage, sg->handle, sg->name, sg->params,
             sg->ret_fn);
}

/* A prototype: `async int f(int);` declares the handle and constructor. */
static void lower_proto(const Source *src, TSNode item, const LowerOpts *opts, Buf *out) {
  Nodes kids = node_children(item);
  for (size_t i = 0; i < kids.n; i++) {
    if (!kids.field[i] || strcmp(kids.field[i], "declarator") != 0)
      continue;
    Sig sg = signature(src, item, kids.v[i]);
    uint32_t row = ts_node_start_point(kids.v[i]).row + 1;
    if (opts->line_directives)
      emit_line_directive(out, src, row);
    emit_handle(out, &sg, src, row, opts->line_directives);
  }
}

/* Parameters become frame members and names in the outermost scope;
 * returns the constructor's stores. */
static char *store_params(Fn *f, TSNode fdecl) {
  Buf b = {0};
  Nodes kids = node_children(node_field(fdecl, "parameters"));
  for (size_t i = 0; i < kids.n; i++) {
    TSNode p = kids.v[i];
    if (!node_is(p, "parameter_declaration"))
      continue;
    TSNode d = node_field(p, "declarator");
    if (ts_node_is_null(d) || ts_node_is_null(decl_name(d)))
      continue;
    const char *name = node_text(f->src, decl_name(d));
    if (strcmp(name, "ac_f") == 0) /* the constructor's frame pointer */
      diag_error(f->src, ts_node_start_byte(decl_name(d)),
                 "'ac_f' is reserved by acc; rename this parameter");
    const char *field = add_member(f, p, d, (TSNode){{0}, NULL, NULL}, 1);
    push_local(f, name, field);
    buf_printf(&b, "        ac_f->%s = %s;%s", field, name,
               f->opts->line_directives ? " " : "\n");
  }
  char *s = arena_strndup(b.p ? b.p : "", b.len);
  buf_free(&b);
  return s;
}

/* switch (state) { case N: goto ac_LN; } */
static void emit_dispatch(Buf *out, const Fn *f, int one) {
  glue_to(out, one, "    switch (ac_self->state) {\n    case 0: break;\n");
  for (int i = 1; i <= f->nlabels; i++) {
    const char *g = f->label_guard[i - 1];
    if (!g) {
      glue_to(out, one, "    case %d: goto ac_L%d;\n", i, i);
      continue;
    }
    /* the label is inside #if: so is its case (g ends with the depth) */
    size_t n = strlen(g), k = n;
    while (k > 0 && g[k - 1] >= '0' && g[k - 1] <= '9')
      k--;
    if (out->len && out->p[out->len - 1] != '\n')
      buf_puts(out, "\n");
    buf_printf(out, "%.*scase %d: goto ac_L%d;\n", (int)k, g, i, i);
    for (int d = atoi(g + k); d > 0; d--)
      buf_puts(out, "#endif\n");
  }
  glue_to(out, one, "    default: return ac__bad_state(ac_self);\n    }\n");
}

/* struct f_frame { f_task ac_pub; members; void *ac_aw[K]; int ac_tN; } */
static void emit_frame(Buf *out, const Fn *f) {
  buf_printf(out, "struct %s_frame {\n    %s ac_pub; /* header and result */\n",
             f->name, f->handle);
  if (f->decls.len)
    buf_puts(out, f->decls.p);
  if (f->maxslots)
    buf_printf(out, "    void *ac_aw[%d]; /* what the current statement awaits */\n",
               f->maxslots);
  for (int i = 1; i <= f->ntemps; i++)
    buf_printf(out, "    int ac_t%d;\n", i);
  buf_puts(out, "};\n");
}

/* The landing pads of the defers that a failure can unwind through:
 * `ac_DN: statement; goto <the pad of the defer in force before it>;`.
 * Only the statement is inside the #if that the defer is in: the chain
 * may pass through defers of other branches of an #if, or ones that the
 * preprocessor removes, and its labels must exist whichever it keeps. */
static void emit_pads(Buf *out, const Fn *f) {
  int one = f->opts->line_directives;
  for (size_t i = 0; i < f->ndefers; i++) {
    const Defer *d = &f->defers[i];
    if (!d->used)
      continue;
    if (out->len && out->p[out->len - 1] != '\n')
      buf_puts(out, "\n");
    buf_printf(out, "ac_D%zu: ;\n%s", i, d->guard ? d->guard : "");
    if (one)
      emit_line_directive(out, f->src, d->row);
    buf_printf(out, "%s\n", d->text);
    for (int g = 0; g < d->guard_depth; g++)
      buf_puts(out, "#endif\n");
    if (d->prev < 0)
      glue_to(out, one, "goto ac_fail;\n");
    else
      glue_to(out, one, "goto ac_D%d;\n", d->prev);
  }
}

/* When the jumps to the pads or to ac_fail are inside #if, the
 * preprocessor may remove them all: unreachable gotos (after the body's
 * return) keep those labels used. */
static void emit_label_uses(Buf *out, const Fn *f) {
  if (!f->guarded_jumps)
    return;
  for (size_t i = 0; i < f->ndefers; i++)
    if (f->defers[i].used)
      glue_to(out, f->opts->line_directives, "goto ac_D%zu;\n", i);
  if (f->fail_used)
    glue_to(out, f->opts->line_directives, "goto ac_fail;\n");
}

/* The resume function: its prologue on the definition's line, its
 * epilogue on the line of the closing brace (see glue()). */
static void emit_resume(Buf *out, const Fn *f, uint32_t row, uint32_t end_row) {
  int one = f->opts->line_directives;
  if (one)
    emit_line_directive(out, f->src, row);
  glue_to(out, one, "static ac__step ac__%s_resume(ac_task *ac_self)\n{\n", f->name);
  glue_to(out, one, "    struct %s_frame *ac_f = (struct %s_frame *)(void *)ac_self;\n"
                    "    (void)ac_f;\n", f->name, f->name);
  emit_dispatch(out, f, one);
  if (f->body.len)
    buf_puts(out, f->body.p);
  if (one)
    emit_line_directive(out, f->src, end_row);
  glue_to(out, one, "return AC__DONE;\n");
  emit_label_uses(out, f);
  emit_pads(out, f);
  if (f->fail_used)
    glue_to(out, one, "ac_fail:\n    return ac__fail(ac_self, %s, %d);\n",
            f->maxslots ? "ac_f->ac_aw" : "NULL", f->maxslots);
  buf_puts(out, "}\n");
}

static void emit_constructor(Buf *out, const Fn *f, const Sig *sg, const char *stores,
                             uint32_t row) {
  int one = f->opts->line_directives;
  if (one)
    emit_line_directive(out, f->src, row);
  glue_to(out, one, "%s%s *%s%s\n{\n", sg->storage, sg->handle, f->name, sg->params);
  if (sg->fn & FN_GEN)
    glue_to(out, one, "    struct %s_frame *ac_f = ac__gen_new(sizeof *ac_f, ac__%s_resume, "
                      "%s, \"%s\", %s, %s);\n", f->name, f->name,
            sg->fn & FN_ASYNC ? "AC__GEN_ASYNC" : "0", f->name,
            sg->yield_t ? arena_printf("offsetof(%s, ac_yield), sizeof(((%s *)0)->ac_yield)",
                                       sg->handle, sg->handle) : "0, 0",
            sg->send_t ? arena_printf("offsetof(%s, ac_send), sizeof(((%s *)0)->ac_send)",
                                      sg->handle, sg->handle) : "0, 0");
  else
    glue_to(out, one, "    struct %s_frame *ac_f = ac__frame_new(sizeof *ac_f, "
                      "ac__%s_resume, %s, \"%s\");\n", f->name, f->name, sg->int_flag,
            f->name);
  if (*stores)
    glue_to(out, one, "    if (ac_f) {\n%s    }\n", stores);
  glue_to(out, one, "    return (%s *)(void *)ac_f;\n", sg->handle);
  buf_puts(out, "}\n");
}

/* An async function definition. */
static void lower_def(const Source *src, const Unit *unit, TSNode item,
                      const LowerOpts *opts, Buf *out) {
  TSNode d = node_field(item, "declarator");
  Sig sg = signature(src, item, d);
  Fn f = {0};
  f.guard = "";
  f.src = src;
  f.unit = unit;
  f.opts = opts;
  f.name = sg.name;
  f.is_void = sg.ret == NULL;
  f.fn = sg.fn;
  f.handle = sg.handle;
  f.has_yield = sg.yield_t != NULL;
  f.has_send = sg.send_t != NULL;
  f.fbody = f.block = node_field(item, "body");
  uint32_t row = ts_node_start_point(item).row + 1;
  char *stores = store_params(&f, sg.fdecl);
  collect_body_types(&f, f.fbody);
  Nodes kids = node_children(f.fbody);
  for (size_t i = 0; i < kids.n; i++)
    if (ts_node_is_named(kids.v[i]) && !node_is(kids.v[i], "comment"))
      stmt(&f, kids.v[i]);
  end_block(&f, f.fbody, 0);
  if (opts->line_directives)
    emit_line_directive(out, src, row);
  emit_handle(out, &sg, src, row, opts->line_directives);
  emit_frame(out, &f);
  emit_resume(out, &f, row, ts_node_end_point(item).row + 1);
  emit_constructor(out, &f, &sg, stores, row);
  buf_free(&f.decls);
  buf_free(&f.body);
}

/*
 * A plain C function with a defer or a for-each: its signature as written,
 * its body lowered with C locals and no frame.
 */
static void lower_plain_def(const Source *src, const Unit *unit, TSNode item,
                            const LowerOpts *opts, Buf *out) {
  TSNode d = node_field(item, "declarator");
  Sig sg = signature(src, item, d);
  Fn f = {0};
  f.guard = "";
  f.src = src;
  f.unit = unit;
  f.opts = opts;
  f.name = sg.name;
  f.plain = 1;
  f.plain_depth = 1; /* no frame: compound literals stay C */
  f.plain_ret = sg.ret_r;
  f.fbody = f.block = node_field(item, "body");
  uint32_t a = ts_node_start_byte(item), b = ts_node_start_byte(f.fbody);
  if (opts->line_directives)
    emit_line_directive(out, src, ts_node_start_point(item).row + 1);
  buf_put(out, src->text + a, b - a);
  stmt(&f, f.fbody);
  buf_puts(out, f.body.p ? f.body.p : "{}");
  buf_puts(out, "\n");
  buf_free(&f.decls);
  buf_free(&f.body);
}

void lower_item(const Source *src, const Unit *unit, const Item *item,
                const LowerOpts *opts, Buf *out) {
  if (item->kind == ITEM_ASYNC_DEF)
    lower_def(src, unit, item->node, opts, out);
  else if (item->kind == ITEM_PLAIN_DEF)
    lower_plain_def(src, unit, item->node, opts, out);
  else
    lower_proto(src, item->node, opts, out);
}

void emit_line_directive(Buf *out, const Source *src, uint32_t line) {
  if (out->len && out->p[out->len - 1] != '\n')
    buf_puts(out, "\n");
  buf_printf(out, "#line %u \"", line);
  for (const char *p = src->path; *p; p++) {
    if (*p == '"' || *p == '\\')
      buf_puts(out, "\\");
    buf_put(out, p, 1);
  }
  buf_puts(out, "\"\n");
}
