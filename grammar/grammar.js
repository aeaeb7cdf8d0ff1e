/**
 * @file tree-sitter grammar for acc's `.ac` language: C (tree-sitter-c 0.24.1)
 *       extended with `async` / `generator(...)` function specifiers and the
 *       `await`, `yield` and `yield from` expressions.
 * @license MIT
 *
 * Every C construct keeps the node names of tree-sitter-c; this file only adds
 * the eight nodes below (see README.md for precedence and limits):
 *   async_specifier        `async`
 *   generator_specifier    `generator` [ `(` yield_type [`,` send_type] `)` ]
 *   await_expression       `await` argument [catch]
 *   yield_expression       `yield` [argument] [catch]
 *   yield_from_expression  `yield` `from` argument [catch]
 *   catch_clause           `catch` `(` error [`,` message] `)`
 *   defer_statement        `defer` body
 *   for_each_statement     `for` [`await`] `(` specifiers declarator `:` right
 *                          [catch] `)` body
 */

/// <reference types="tree-sitter-cli/dsl" />
// @ts-check

const C = require('tree-sitter-c/grammar');

const {PREC, commaSep1} = C;

// `async` and `generator` are keywords only where the specifiers of a
// function definition or declaration can appear (a block item, a top-level
// item, a `for` initializer, after a label) and, there, only before the type
// specifier.  Everywhere an operand or a label can also appear, the same
// tokens are accepted as plain identifiers, so `async = 1;`, `generator(x);`
// and `async:` keep their C meaning.  The alias makes them ordinary leaf
// `identifier` / `statement_identifier` nodes.
const CONTEXTUAL_KEYWORDS = ['async', 'generator'];

module.exports = grammar(C, {
  name: 'ac',

  conflicts: ($, original) => original.concat([
    // At the start of a block item, `generator (` opens either a
    // generator_specifier (`generator(int) void g(void) {...}`) or a call of a
    // function named generator (`generator(x);`): GLR decides on what follows
    // the `)`.
    [$.generator_specifier, $.expression],
    // After `for (`, a type starts either the declaration of a C `for`
    // initializer (`for (int i = 0; ...)`, whose specifiers are
    // _ac_declaration_specifiers) or the element declaration of a for-each
    // loop (`for (int x : gen())`, whose specifiers are tree-sitter-c's
    // _declaration_specifiers, as in parameter_declaration).  Which one is only
    // known at the `:` (or `=`, `;`, `,`) after the declarator, but the
    // specifiers must be reduced before it: GLR keeps both until then.
    [$._ac_declaration_specifiers, $._declaration_specifiers],
  ]),

  rules: {
    // --- function specifiers --------------------------------------------

    // The declaration specifiers of function definitions and declarations
    // (prototypes included).  `async` and `generator(...)` may be mixed freely
    // with the storage classes, qualifiers and attributes that come *before*
    // the type specifier; after the type only the C modifiers are accepted.
    // Keeping them out of the post-type position is what lets `int async;`,
    // `int generator = 0;` and the like still declare ordinary variables.
    // Field and parameter declarations and typedefs keep C's own specifiers.
    // The three rules after this one are tree-sitter-c's, with
    // `_declaration_specifiers` replaced by this rule.
    _ac_declaration_specifiers: $ => prec.right(seq(
      repeat(choice(
        $._declaration_modifiers,
        $.async_specifier,
        $.generator_specifier,
      )),
      field('type', $.type_specifier),
      repeat($._declaration_modifiers),
    )),

    async_specifier: _ => 'async',

    // `generator`, `generator(Y)` or `generator(Y, S)`: Y is the type of the
    // values yielded, S the type of the values sent back into the generator.
    generator_specifier: $ => seq(
      'generator',
      optional(seq(
        '(',
        field('yield_type', $.type_descriptor),
        optional(seq(',', field('send_type', $.type_descriptor))),
        ')',
      )),
    ),

    function_definition: $ => seq(
      optional($.ms_call_modifier),
      $._ac_declaration_specifiers,
      optional($.ms_call_modifier),
      field('declarator', $._declarator),
      field('body', $.compound_statement),
    ),

    _old_style_function_definition: $ => seq(
      optional($.ms_call_modifier),
      $._ac_declaration_specifiers,
      field('declarator', alias($._old_style_function_declarator, $.function_declarator)),
      repeat1($.declaration),
      field('body', $.compound_statement),
    ),

    declaration: $ => seq(
      $._ac_declaration_specifiers,
      commaSep1(field('declarator', choice(
        seq(
          optional($.ms_call_modifier),
          $._declaration_declarator,
          optional($.gnu_asm_expression),
        ),
        $.init_declarator,
      ))),
      ';',
    ),

    // --- expressions ----------------------------------------------------

    // `await` and `yield` on the other hand are reserved wherever an
    // expression can start (see README.md, "Limits").
    _expression_not_binary: ($, original) => choice(
      original,
      alias(choice(...CONTEXTUAL_KEYWORDS), $.identifier),
      $.await_expression,
      $.yield_expression,
      $.yield_from_expression,
    ),

    _assignment_left_expression: ($, original) => choice(
      original,
      alias(choice(...CONTEXTUAL_KEYWORDS), $.identifier),
    ),

    // A label may be named like any of the new keywords: `async: ...`,
    // `yield: ...` (`goto yield;` needs nothing special: a goto label is never
    // an expression).  For `defer:` see _defer_labeled_statement.
    labeled_statement: $ => seq(
      field('label', choice(
        $._statement_identifier,
        alias(choice(...CONTEXTUAL_KEYWORDS, 'await', 'yield'), $.statement_identifier),
      )),
      ':',
      choice($.declaration, $.statement),
    ),

    // Same precedence as C's prefix operators `!`, `-`, `~`, `++x`:
    //   await a + b      -> (await a) + b
    //   await f(x)->y    -> await (f(x)->y)
    //   -await x, !await x, *await p, await await x
    // Right associativity makes the postfix operators of the same level bind
    // first, as in C: `await x++` is `await (x++)`.
    // The optional catch clause comes right after the operand and belongs to
    // this await (right associativity makes shifting `catch` win over reducing
    // the await for an enclosing yield or for-each loop):
    //   await f() catch (e) + 1   -> (await f() catch (e)) + 1
    //   await a + b catch (e)     -> syntax error (write (await a catch (e)) + b)
    //   await await x catch (e)   -> await (await x catch (e))
    await_expression: $ => prec.right(PREC.UNARY, seq(
      'await',
      field('argument', $.expression),
      optional(field('catch', $.catch_clause)),
    )),

    // Like assignment (and Python), `yield` takes the whole expression to its
    // right: `yield x + 1` yields x + 1.  Without an operand (`yield;`,
    // `x = yield;`, `2 * (yield)`) it is a bare yield; when the next token can
    // start an expression, it is always taken as the operand.  A catch clause
    // may follow the operand, or the bare `yield`: `yield x catch (e)`,
    // `yield catch (e)` (`catch` right after `yield` is always the clause).
    yield_expression: $ => prec.right(PREC.ASSIGNMENT, seq(
      'yield',
      optional(field('argument', $.expression)),
      optional(field('catch', $.catch_clause)),
    )),

    yield_from_expression: $ => prec.right(PREC.ASSIGNMENT, seq(
      'yield',
      'from',
      field('argument', $.expression),
      optional(field('catch', $.catch_clause)),
    )),

    // `catch (ERR)` or `catch (ERR, MSG)`, after the operand of await / yield /
    // yield from, a bare yield, or the iterable of a for-each loop.  `catch`
    // is a keyword only in those positions (where, but for the bare yield, no
    // identifier could follow anyway), so it remains an ordinary identifier
    // everywhere else.
    catch_clause: $ => seq(
      'catch',
      '(',
      field('error', $.expression),
      optional(seq(',', field('message', $.expression))),
      ')',
    ),

    // --- statements -----------------------------------------------------

    // defer_statement and for_each_statement are statements wherever C's
    // statements are (block items, bodies of if / loops / labels / case).
    // `defer` is deliberately not added to the top-level statements that
    // tree-sitter-c accepts for macro-heavy code, so at file scope `defer`
    // stays an identifier.
    _non_case_statement: ($, original) => choice(
      original,
      $.defer_statement,
      $.for_each_statement,
      alias($._defer_labeled_statement, $.labeled_statement),
    ),

    // A label named `defer` (`defer: ...`), where `defer` is a keyword.  Kept
    // out of labeled_statement, which is also a top-level statement: there it
    // would make `defer` a keyword at file scope too.
    _defer_labeled_statement: $ => seq(
      field('label', alias('defer', $.statement_identifier)),
      ':',
      choice($.declaration, $.statement),
    ),

    _top_level_statement: ($, original) => choice(
      original,
      $.for_each_statement,
    ),

    // `defer STATEMENT` (the C defer TS, N3199): `defer free(p);`,
    // `defer { a(); b(); }`.  `defer` is a keyword only at the start of a
    // statement, the one place where this rule can begin; there `defer(x);`
    // is a defer of `(x);`.
    defer_statement: $ => seq(
      'defer',
      field('body', $.statement),
    ),

    // `for [await] (SPECIFIERS DECLARATOR : EXPR [catch (...)]) STATEMENT`.
    // The element is declared as a parameter is (tree-sitter-c's
    // _declaration_specifiers, so `type` is a field and qualifiers are plain
    // children); the iterable is one expression, not a comma expression.
    for_each_statement: $ => seq(
      'for',
      optional('await'),
      '(',
      $._declaration_specifiers,
      field('declarator', $._declarator),
      ':',
      field('right', $.expression),
      optional(field('catch', $.catch_clause)),
      ')',
      field('body', $.statement),
    ),
  },
});
