/* emit.h - the Lua emitter: AstModule -> Lua 5.4 text (see docs/internals.md).
 *
 * Runs scope resolution (scope.h) first, then walks the tree once, writing
 * each node's code on the Lua line of its source line. Errors it can find
 * (nonlocal without a binding, ...) go into the Diag. */
#ifndef AIO_EMIT_H
#define AIO_EMIT_H

#include "arena.h"
#include "ast.h"
#include "buf.h"
#include "compiler.h"
#include "diag.h"

/* Appends the module's Lua text to *out. Returns the number of errors. */
int emit_module(Arena *a, const AstModule *m, const CompileOptions *opt, Buf *out, Diag *diag);

#endif
