/*
 * emit.c - assemble the output file: the source passes through byte for
 * byte (comments, macros, #includes, formatting), except that each async
 * function definition or prototype is replaced by its lowering, with #line
 * directives so that C compilers and debuggers point into the .ac file.
 * ac.h is included (it has a guard) right before each item that uses it.
 */
#include "acc.h"

void emit_unit(const Source *src, const Unit *unit, const LowerOpts *opts,
               Buf *out) {
  if (opts->line_directives)
    emit_line_directive(out, src, 1);
  uint32_t pos = 0;
  for (size_t i = 0; i < unit->nitems; i++) {
    const Item *it = &unit->items[i];
    uint32_t a = ts_node_start_byte(it->node), b = ts_node_end_byte(it->node);
    buf_put(out, src->text + pos, a - pos);
    /* right before each item that needs it, not at the top: the file's
     * own feature-test macros (_POSIX_C_SOURCE...) come first, and an
     * item inside #if gets it whichever branch is compiled */
    if (it->runtime) {
      if (out->len && out->p[out->len - 1] != '\n')
        buf_puts(out, "\n");
      buf_puts(out, "#include <ac.h> /* added by acc: the lowered code uses it */\n");
    }
    lower_item(src, unit, it, opts, out);
    pos = b;
    /* what follows the item continues its last line */
    if (opts->line_directives)
      emit_line_directive(out, src, ts_node_end_point(it->node).row + 1);
  }
  buf_put(out, src->text + pos, src->len - pos);
}
