/* defassign.h - definite assignment: which reads of function locals may run
 * before the local is bound.
 *
 * Python raises UnboundLocalError when a function reads a local it has not
 * bound yet (or has deleted), and NameError for such a read of an enclosing
 * function's variable from a nested def, lambda, class or comprehension. A
 * Lua local would silently read nil, so the emitter checks those reads, and
 * only those: da_analyze walks the whole module once, tracking per function
 * the set of locals bound on every path to each point, and records the
 * EX_NAME nodes that need a check. Everything else compiles to a plain Lua
 * local read. */
#ifndef AIO_DEFASSIGN_H
#define AIO_DEFASSIGN_H

#include "arena.h"
#include "ast.h"

typedef struct DaResult DaResult;

enum {
    DA_BOUND = 0,   /* certainly bound here: no check */
    DA_LOCAL = 1,   /* may be unbound: UnboundLocalError */
    DA_FREE  = 2    /* an enclosing function's variable that may be unbound: NameError */
};

DaResult *da_analyze(Arena *a, const AstModule *m);
/* DA_BOUND, DA_LOCAL or DA_FREE for a name read (an EX_NAME node, or the
 * EX_NAME target of an augmented assignment). */
int da_check(const DaResult *r, const AstExpr *name);

#endif
