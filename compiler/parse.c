/*
 * parse.c - run the tree-sitter parser over the .ac source and turn its
 * ERROR and MISSING nodes into diagnostics that name the construct the
 * error is in and the token it is near, as Lua's "near 'tok'" does, rather
 * than tree-sitter's bare "ERROR".
 */
#include <string.h>

#include "acc.h"

#define MAX_SYNTAX_ERRORS 8

/* A reader's name for the construct a node is, or NULL. */
static const char *construct_name(const char *type) {
  static const char *const names[][2] = {
      {"function_definition", "function definition"},
      {"declaration", "declaration"},
      {"parameter_list", "parameter list"},
      {"argument_list", "argument list"},
      {"compound_statement", "block"},
      {"expression_statement", "expression statement"},
      {"if_statement", "if statement"},
      {"while_statement", "while loop"},
      {"for_statement", "for loop"},
      {"do_statement", "do-while loop"},
      {"switch_statement", "switch statement"},
      {"case_statement", "case"},
      {"return_statement", "return statement"},
      {"initializer_list", "initializer list"},
      {"struct_specifier", "struct definition"},
      {"union_specifier", "union definition"},
      {"enum_specifier", "enum definition"},
      {"field_declaration_list", "struct body"},
      {"enumerator_list", "enum body"},
      {"parenthesized_expression", "parenthesized expression"},
      {"call_expression", "call"},
      {"binary_expression", "expression"},
      {"conditional_expression", "conditional expression"},
      {"assignment_expression", "assignment"},
      {"await_expression", "await expression"},
      {"yield_expression", "yield expression"},
      {"subscript_expression", "subscript"},
      {"cast_expression", "cast"},
      {"type_definition", "typedef"},
      {"preproc_if", "#if block"},
      {"preproc_ifdef", "#ifdef block"},
      {"preproc_def", "#define"},
      {"preproc_function_def", "#define"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(type, names[i][0]) == 0)
      return names[i][1];
  return NULL;
}

/* The nearest construct with a name, from p outwards. */
static const char *enclosing(TSNode p) {
  for (; !ts_node_is_null(p); p = ts_node_parent(p)) {
    const char *name = construct_name(ts_node_type(p));
    if (name)
      return name;
  }
  return NULL;
}

/* The first leaf of n that has text. */
static TSNode first_leaf(TSNode n) {
  while (ts_node_child_count(n) > 0)
    n = ts_node_child(n, 0);
  return n;
}

/* The first token that starts at or after byte `at`, or a null node. */
static TSNode token_at(TSNode root, uint32_t at) {
  TSNode n = root;
  for (;;) {
    TSNode c = ts_node_first_child_for_byte(n, at);
    if (ts_node_is_null(c))
      return ts_node_child_count(n) == 0 && n.id != root.id ? n : c;
    if (ts_node_child_count(c) == 0 && !ts_node_is_missing(c))
      return c;
    n = c;
  }
}

/* Quote at most 24 bytes of a token for a message. */
static const char *quote(const Source *src, TSNode tok) {
  uint32_t a = ts_node_start_byte(tok), b = ts_node_end_byte(tok);
  uint32_t e = a;
  while (e < b && e - a < 24 && src->text[e] != '\n')
    e++;
  return arena_printf("'%.*s'", (int)(e - a), src->text + a);
}

/* expected ';' before 'tok' (in <construct>).  The parent comes from the
 * walk: ts_node_parent() is unreliable for zero-width MISSING nodes. */
static void report_missing(const Source *src, TSNode root, TSNode parent_node,
                           TSNode n) {
  const char *what = ts_node_type(n);
  const char *parent = ts_node_type(parent_node);
  size_t plen = strlen(parent);
  /* tree-sitter recovers a missing operand as a missing identifier */
  if (strcmp(what, "identifier") == 0 && plen > 11 &&
      strcmp(parent + plen - 11, "_expression") == 0)
    what = "expression";
  const char *shown = ts_node_is_named(n) ? arena_printf("%s", what)
                                          : arena_printf("'%s'", what);
  const char *ctx = enclosing(parent_node);
  uint32_t at = ts_node_start_byte(n);
  TSNode next = token_at(root, at);
  if (!ts_node_is_null(next) && ts_node_start_byte(next) >= at)
    diag_error(src, at, "expected %s before %s%s%s", shown, quote(src, next),
               ctx ? " in " : "", ctx ? ctx : "");
  else
    diag_error(src, at, "expected %s at end of input", shown);
}

/* unexpected 'tok' in <construct> */
static void report_error(const Source *src, TSNode n) {
  TSNode tok = first_leaf(n);
  const char *ctx = enclosing(ts_node_parent(n));
  uint32_t at = ts_node_start_byte(tok);
  if (at >= src->len)
    diag_error(src, at, "unexpected end of input%s%s", ctx ? " in " : "",
               ctx ? ctx : "");
  else if (!ctx || strcmp(ctx, "top level") == 0)
    diag_error(src, at, "syntax error near %s", quote(src, tok));
  else
    diag_error(src, at, "syntax error in %s near %s", ctx, quote(src, tok));
}

/* 1 if n is something of the dialect: an async or generator specifier,
 * await, yield. */
static int is_dialect(TSNode n, void *ctx) {
  static const char *const kinds[] = {"async_specifier", "generator_specifier",
                                      "await_expression", "yield_expression",
                                      "yield_from_expression", "async", "await",
                                      "yield", "generator"};
  (void)ctx;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (strcmp(ts_node_type(n), kinds[i]) == 0)
      return 1;
  return 0;
}

/*
 * Report each outermost ERROR and every MISSING node, in source order, that
 * acc must understand: inside an async function or prototype, or around
 * the dialect's keywords.  Elsewhere the text passes through to the C
 * compiler, which judges it after preprocessing (`API int f(void);` with
 * an export macro is not C to tree-sitter, but is to gcc).
 */
static void report_syntax(const Source *src, TSNode root, TSNode parent,
                          TSNode n, int in_async, int *count) {
  if (*count >= MAX_SYNTAX_ERRORS || !ts_node_has_error(n))
    return;
  if (ts_node_is_missing(n)) {
    if (in_async) {
      report_missing(src, root, parent, n);
      (*count)++;
    }
    return;
  }
  if (node_is(n, "ERROR")) {
    if (in_async || node_any(n, is_dialect, NULL)) {
      report_error(src, n);
      (*count)++;
    }
    return;
  }
  in_async = in_async || has_child_of_type(n, "async_specifier") ||
             has_child_of_type(n, "generator_specifier");
  Nodes kids = node_children(n);
  for (size_t i = 0; i < kids.n; i++)
    report_syntax(src, root, n, kids.v[i], in_async, count);
}

TSTree *parse_source(const Source *src) {
  TSParser *parser = ts_parser_new();
  if (!parser || !ts_parser_set_language(parser, tree_sitter_ac())) {
    if (parser)
      ts_parser_delete(parser);
    return NULL;
  }
  TSTree *tree = ts_parser_parse_string(parser, NULL, src->text, (uint32_t)src->len);
  ts_parser_delete(parser);
  if (!tree)
    return NULL;
  int count = 0;
  TSNode root = ts_tree_root_node(tree);
  report_syntax(src, root, root, root, 0, &count);
  return tree;
}
