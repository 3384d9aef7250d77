/* compiler.c - the compiler pipeline: parse, then emit (see compiler.h). */
#include "compiler.h"
#include "arena.h"
#include "emit.h"
#include "parser.h"

int aio_compile(const char *src, size_t len, const CompileOptions *opt, Buf *lua, Diag *diag)
{
    Arena arena;
    arena_init(&arena);
    AstModule *m = parse_module(&arena, src, len, opt->filename, opt->is_main, diag);
    if (diag->nerrors == 0)
        emit_module(&arena, m, opt, lua, diag);
    arena_free(&arena);
    return diag->nerrors;
}
