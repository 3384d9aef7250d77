/* emit_tbneed.c - which except clauses look at the traceback of the
 * exception they handle (traceback.print_exc(), logger.exception(...),
 * sys.exc_info(), e.__traceback__, ...). A caught exception normally gets
 * no traceback (recording one costs a stack walk at every raise; see
 * try_handler in emit_stmt.c); a try statement with such a clause records
 * it, so the printed traceback shows the frames, as in Python. */
#include <string.h>

#include "emit_int.h"

static const char *const tb_names[] = {
    "print_exc", "format_exc", "print_exception", "format_exception", "exc_info", "exception",
    "__traceback__", "format_tb", "print_tb", "extract_tb", "TracebackException", NULL,
};

static int is_tb_name(const char *name)
{
    for (int i = 0; tb_names[i]; i++)
        if (strcmp(name, tb_names[i]) == 0) return 1;
    return 0;
}

static int expr_wants(const AstExpr *e);

static int exprs_want(const AstList *l)
{
    for (int i = 0; i < l->n; i++)
        if (expr_wants(AST_AT(*l, i, AstExpr))) return 1;
    return 0;
}

static int expr_wants(const AstExpr *e)
{
    if (!e || e->kind == EX_LAMBDA) return 0;
    if ((e->kind == EX_ATTR || e->kind == EX_NAME) && e->name && is_tb_name(e->name)) return 1;
    if (expr_wants(e->value) || expr_wants(e->left) || expr_wants(e->right) || expr_wants(e->test) ||
        expr_wants(e->index) || expr_wants(e->elt) || exprs_want(&e->items) || exprs_want(&e->keys))
        return 1;
    for (int i = 0; i < e->args.n; i++)
        if (expr_wants(AST_AT(e->args, i, AstArg)->value)) return 1;
    return 0;
}

int em_body_wants_traceback(const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *s = AST_AT(*body, i, AstStmt);
        if (s->kind == ST_DEF || s->kind == ST_CLASS) continue;
        if (expr_wants(s->value) || expr_wants(s->test) || expr_wants(s->iter) || expr_wants(s->exc) ||
            expr_wants(s->target) || exprs_want(&s->targets))
            return 1;
        for (int j = 0; j < s->items.n; j++)
            if (expr_wants(AST_AT(s->items, j, AstWithItem)->context)) return 1;
        if (em_body_wants_traceback(&s->body) || em_body_wants_traceback(&s->orelse) ||
            em_body_wants_traceback(&s->finalbody))
            return 1;
        for (int j = 0; j < s->handlers.n; j++)
            if (em_body_wants_traceback(&AST_AT(s->handlers, j, AstHandler)->body)) return 1;
    }
    return 0;
}
