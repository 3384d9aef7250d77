/* unparse.h - source text of an expression, rebuilt from the syntax tree
 * (annotations are kept as strings, as with `from __future__ import
 * annotations`). */
#ifndef AIO_UNPARSE_H
#define AIO_UNPARSE_H

#include "ast.h"
#include "buf.h"

/* Appends e's text to out in Python's normal spelling (`dict[str, int]`,
 * `Optional['Node']`, `int | None`). Forms that annotations do not use come
 * out as `...`. */
void up_expr(Buf *out, const AstExpr *e);

#endif
