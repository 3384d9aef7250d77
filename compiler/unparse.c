/* unparse.c - an expression's source text from the syntax tree (see
 * unparse.h): names, attributes, subscripts, literals, lists/tuples and the
 * binary `|`, which is what type annotations are made of. */
#include "unparse.h"

#include <inttypes.h>

static void up_str(Buf *out, const AstStr *s)
{
    buf_putc(out, '\'');
    for (size_t i = 0; i < s->len; i++) {
        char c = s->s[i];
        if (c == '\'' || c == '\\') buf_putc(out, '\\');
        buf_putc(out, c);
    }
    buf_putc(out, '\'');
}

static void up_items(Buf *out, const AstList *items)
{
    for (int i = 0; i < items->n; i++) {
        if (i) buf_puts(out, ", ");
        up_expr(out, AST_AT(*items, i, AstExpr));
    }
}

void up_expr(Buf *out, const AstExpr *e)
{
    switch (e->kind) {
    case EX_NAME: buf_puts(out, e->name); return;
    case EX_ATTR:
        up_expr(out, e->value);
        buf_printf(out, ".%s", e->name);
        return;
    case EX_SUBSCRIPT:
        up_expr(out, e->value);
        buf_putc(out, '[');
        if (e->index->kind == EX_TUPLE && !e->index->parenthesized) up_items(out, &e->index->items);
        else up_expr(out, e->index);
        buf_putc(out, ']');
        return;
    case EX_STR: up_str(out, &e->str); return;
    case EX_INT: buf_printf(out, "%" PRId64, e->ival); return;
    case EX_NONE: buf_puts(out, "None"); return;
    case EX_TRUE: buf_puts(out, "True"); return;
    case EX_FALSE: buf_puts(out, "False"); return;
    case EX_LIST:
        buf_putc(out, '[');
        up_items(out, &e->items);
        buf_putc(out, ']');
        return;
    case EX_TUPLE:
        buf_putc(out, '(');
        up_items(out, &e->items);
        if (e->items.n == 1) buf_putc(out, ',');
        buf_putc(out, ')');
        return;
    case EX_BINOP:
        if (e->op == OP_BITOR) {
            up_expr(out, e->left);
            buf_puts(out, " | ");
            up_expr(out, e->right);
            return;
        }
        break;
    default: break;
    }
    buf_puts(out, "...");
}
