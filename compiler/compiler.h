/* compiler.h - the compiler's public contract: .aio source in, Lua 5.4 text out.
 *
 * Pipeline: lexer (lexer.re, re2c) -> parser (parser.c, builds the AST of
 * ast.h in an arena) -> scope resolution (scope.c) -> Lua emitter (emit.c).
 * Each source line's code lands on the same line of the Lua text, so Lua's
 * own line info (chunk name "@file.aio") names .aio lines.
 *
 * The compiler holds no state between calls and never prints: errors go
 * into the caller's Diag.
 */
#ifndef AIO_COMPILER_H
#define AIO_COMPILER_H

#include <stddef.h>
#include "buf.h"
#include "diag.h"

typedef struct CompileOptions {
    const char *filename;   /* shown in diagnostics and tracebacks */
    int is_main;            /* 1: the main script (top-level await allowed) */
} CompileOptions;

/* Appends the Lua translation of src to *lua. Returns 0 on success, or the
 * number of errors (formatted into diag->text; *lua is then unspecified). */
int aio_compile(const char *src, size_t len, const CompileOptions *opt, Buf *lua, Diag *diag);

#endif
