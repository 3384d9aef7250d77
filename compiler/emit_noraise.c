/* emit_noraise.c - which except-clause bodies certainly cannot raise, so
 * that the emitter can leave out their to-be-closed __context__ marker
 * (perf: the marker costs a call each time the clause runs; see
 * handler_body in emit_stmt.c).
 *
 * Such a body holds only pass/break/continue, a literal stored into a
 * function local, and `n += 1` (also -= and *=, with a number literal) on a
 * "number local": a local of the current function, not a parameter, bound
 * nowhere in the function but by `n = <number literal>` and such updates
 * (never nonlocal in a nested def, never a walrus target), and assigned a
 * number literal by a statement at the function body's top level before the
 * statement holding the try, so it is always bound to a number there
 * (integers wrap, so the update cannot raise). */
#include <string.h>

#include "emit_int.h"

static int is_num_literal(const AstExpr *e)
{
    if (!e) return 0;
    if (e->kind == EX_INT || e->kind == EX_FLOAT) return 1;
    return e->kind == EX_UNARY && e->op == OP_NEG && e->left &&
           (e->left->kind == EX_INT || e->left->kind == EX_FLOAT);
}

static int is_literal(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: case EX_STR: case EX_TRUE: case EX_FALSE: case EX_NONE: return 1;
    default: return is_num_literal(e);
    }
}

static int is_name(const AstExpr *e, const char *name)
{
    return e && e->kind == EX_NAME && strcmp(e->name, name) == 0;
}

static int exprs_walrus(const AstList *l, const char *name);

/* Does e (or anything inside it) bind `name` with := ? */
static int expr_walrus(const AstExpr *e, const char *name)
{
    if (!e) return 0;
    if (e->kind == EX_NAMEDEXPR && strcmp(e->name, name) == 0) return 1;
    if (expr_walrus(e->value, name) || expr_walrus(e->left, name) || expr_walrus(e->right, name) ||
        expr_walrus(e->test, name) || expr_walrus(e->index, name) || expr_walrus(e->lower, name) ||
        expr_walrus(e->upper, name) || expr_walrus(e->step, name) || expr_walrus(e->spec, name) ||
        expr_walrus(e->elt, name) || exprs_walrus(&e->items, name))
        return 1;
    for (int i = 0; i < e->keys.n; i++)
        if (expr_walrus(AST_AT(e->keys, i, AstExpr), name)) return 1;
    for (int i = 0; i < e->args.n; i++)
        if (expr_walrus(AST_AT(e->args, i, AstArg)->value, name)) return 1;
    for (int i = 0; i < e->params.n; i++)
        if (expr_walrus(AST_AT(e->params, i, AstParam)->deflt, name)) return 1;
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *c = AST_AT(e->generators, i, AstComp);
        if (expr_walrus(c->target, name) || expr_walrus(c->iter, name) || exprs_walrus(&c->ifs, name)) return 1;
    }
    return 0;
}

static int exprs_walrus(const AstList *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (expr_walrus(AST_AT(*l, i, AstExpr), name)) return 1;
    return 0;
}

static int stmts_keep_number(const AstList *body, const char *name, int nested);

/* Does statement st (and what it contains) only ever bind `name` to a
 * number? `nested`: st is inside a nested def/class, where only a nonlocal
 * declaration could rebind the function's local. */
static int stmt_keeps_number(const AstStmt *st, const char *name, int nested)
{
    if (st->kind == ST_NONLOCAL || st->kind == ST_GLOBAL) {
        for (int i = 0; i < st->names.n; i++)
            if (strcmp(AST_AT(st->names, i, const char), name) == 0) return 0;
    }
    if (expr_walrus(st->value, name) || expr_walrus(st->test, name) || expr_walrus(st->iter, name) ||
        expr_walrus(st->exc, name) || expr_walrus(st->cause, name) || expr_walrus(st->msg, name) ||
        expr_walrus(st->target, name) || exprs_walrus(&st->targets, name))
        return 0;
    for (int i = 0; i < st->items.n; i++)
        if (expr_walrus(AST_AT(st->items, i, AstWithItem)->context, name)) return 0;
    if (!nested) {
        if (st->kind == ST_ASSIGN)
            for (int i = 0; i < st->targets.n; i++)
                if (is_name(AST_AT(st->targets, i, AstExpr), name) && !is_num_literal(st->value)) return 0;
        if (st->kind == ST_AUGASSIGN && is_name(st->target, name) &&
            ((st->op != OP_ADD && st->op != OP_SUB && st->op != OP_MUL) || !is_num_literal(st->value)))
            return 0;
        if (st->kind == ST_ANNASSIGN && is_name(st->target, name) && !is_num_literal(st->value)) return 0;
    }
    int inner = nested || st->kind == ST_DEF || st->kind == ST_CLASS;
    if (!stmts_keep_number(&st->body, name, inner) || !stmts_keep_number(&st->orelse, name, inner) ||
        !stmts_keep_number(&st->finalbody, name, inner))
        return 0;
    for (int i = 0; i < st->handlers.n; i++)
        if (!stmts_keep_number(&AST_AT(st->handlers, i, AstHandler)->body, name, inner)) return 0;
    return 1;
}

static int stmts_keep_number(const AstList *body, const char *name, int nested)
{
    for (int i = 0; i < body->n; i++)
        if (!stmt_keeps_number(AST_AT(*body, i, AstStmt), name, nested)) return 0;
    return 1;
}

/* Is `target` st itself or inside it (not inside a nested def/class)? */
static int contains(const AstStmt *st, const AstStmt *target)
{
    if (st == target) return 1;
    if (st->kind == ST_DEF || st->kind == ST_CLASS) return 0;
    const AstList *ls[3] = { &st->body, &st->orelse, &st->finalbody };
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < ls[k]->n; i++)
            if (contains(AST_AT(*ls[k], i, AstStmt), target)) return 1;
    for (int j = 0; j < st->handlers.n; j++) {
        const AstList *h = &AST_AT(st->handlers, j, AstHandler)->body;
        for (int i = 0; i < h->n; i++)
            if (contains(AST_AT(*h, i, AstStmt), target)) return 1;
    }
    return 0;
}

/* Is `name` a number local wherever the statement `at` runs? */
static int number_local(Emitter *E, const char *name, const AstStmt *at)
{
    const AstList *body = E->fn->body;
    if (!body || E->scope != E->fn->scope || E->scope->kind != SC_FUNC) return 0;
    const Scope *owner;
    if (scope_resolve(E->scope, name, &owner) != NR_LOCAL || owner != E->scope) return 0;
    if (nameset_has(&owner->params, name) || nameset_has(&owner->nonscalar, name)) return 0;
    if (!stmts_keep_number(body, name, 0)) return 0;
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (contains(st, at)) return 0;   /* no binding before it */
        if (st->kind != ST_ASSIGN || !is_num_literal(st->value)) continue;
        for (int j = 0; j < st->targets.n; j++)
            if (is_name(AST_AT(st->targets, j, AstExpr), name)) return 1;
    }
    return 0;
}

int em_body_cannot_raise(Emitter *E, const AstList *body, const AstStmt *at)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        switch (st->kind) {
        case ST_PASS: case ST_BREAK: case ST_CONTINUE: continue;
        case ST_ASSIGN: {
            /* a literal into a local: a Lua local store */
            const Scope *owner;
            const AstExpr *t = AST_AT(st->targets, 0, AstExpr);
            if (st->targets.n == 1 && t->kind == EX_NAME && is_literal(st->value) &&
                E->scope->kind == SC_FUNC && scope_resolve(E->scope, t->name, &owner) == NR_LOCAL)
                continue;
            return 0;
        }
        case ST_AUGASSIGN:
            if (st->target->kind == EX_NAME && (st->op == OP_ADD || st->op == OP_SUB || st->op == OP_MUL) &&
                is_num_literal(st->value) && number_local(E, st->target->name, at))
                continue;
            return 0;
        default: return 0;
        }
    }
    return 1;
}
