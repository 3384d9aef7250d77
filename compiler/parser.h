/* parser.h - recursive-descent parser: source text -> AstModule (ast.h).
 *
 * Tokens come from the re2c lexer (lexer.h). The parser reports syntax errors
 * into the Diag, recovers at the next statement, and keeps going, so one run
 * reports several errors. The tree is allocated in the caller's arena.
 * Checks done here: break/continue outside a loop, return/yield outside a
 * function, await/async for/async with outside an async function (allowed at
 * the top level of the main script), assignment to a literal, call or
 * operator expression. */
#ifndef AIO_PARSER_H
#define AIO_PARSER_H

#include <stddef.h>
#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Never returns NULL; check diag->nerrors for failure. is_main allows
 * top-level await. */
AstModule *parse_module(Arena *a, const char *src, size_t len, const char *filename,
                        int is_main, Diag *diag);

#endif
