/* scope.c - collects Python bindings per scope and resolves names
 * (see scope.h). */
#include "scope.h"
#include <string.h>

int nameset_has(const NameSet *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0) return 1;
    return 0;
}

void nameset_add(Arena *a, NameSet *s, const char *name)
{
    if (nameset_has(s, name)) return;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        const char **v = arena_alloc(a, sizeof(*v) * (size_t)cap);
        if (s->n) memcpy(v, s->v, sizeof(*v) * (size_t)s->n);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = name;
}

Scope *scope_new(Arena *a, ScopeKind kind, Scope *parent)
{
    Scope *s = arena_alloc(a, sizeof *s);
    s->kind = kind;
    s->parent = parent;
    return s;
}

void scope_bind(Arena *a, Scope *s, const char *name)
{
    nameset_add(a, &s->nonscalar, name);
    scope_bind_scalar(a, s, name);
}

void scope_bind_scalar(Arena *a, Scope *s, const char *name)
{
    if (s->kind == SC_MODULE) return;   /* module names are globals */
    if (nameset_has(&s->globals, name) || nameset_has(&s->nonlocals, name) ||
        nameset_has(&s->params, name))
        return;
    nameset_add(a, &s->locals, name);
}

void scope_collect_target(Arena *a, Scope *s, const AstExpr *t)
{
    if (!t) return;
    switch (t->kind) {
    case EX_NAME: scope_bind(a, s, t->name); break;
    case EX_TUPLE: case EX_LIST:
        for (int i = 0; i < t->items.n; i++)
            scope_collect_target(a, s, AST_AT(t->items, i, AstExpr));
        break;
    case EX_STARRED: scope_collect_target(a, s, t->value); break;
    default: scope_collect_expr(a, s, t); break;  /* a[i := 1] = ... */
    }
}

static void collect_exprs(Arena *a, Scope *s, const AstList *l)
{
    for (int i = 0; i < l->n; i++) scope_collect_expr(a, s, AST_AT(*l, i, AstExpr));
}

static void collect_walrus(Arena *a, Scope *s, const AstExpr *e);

static void collect_walrus_list(Arena *a, Scope *s, const AstList *l)
{
    for (int i = 0; i < l->n; i++) collect_walrus(a, s, AST_AT(*l, i, AstExpr));
}

/* The := targets inside a comprehension's element, conditions and later
 * iterables (not inside lambdas): they bind in the scope around it. */
static void collect_comp_walrus(Arena *a, Scope *s, const AstExpr *e)
{
    while (s->kind == SC_COMP && s->parent) s = s->parent;
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *g = AST_AT(e->generators, i, AstComp);
        if (i) collect_walrus(a, s, g->iter);
        collect_walrus_list(a, s, &g->ifs);
    }
    collect_walrus(a, s, e->elt);
    collect_walrus(a, s, e->value);
}

static void collect_walrus(Arena *a, Scope *s, const AstExpr *e)
{
    if (!e || e->kind == EX_LAMBDA) return;
    if (e->kind == EX_NAMEDEXPR) scope_bind(a, s, e->name);
    switch (e->kind) {
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP:
        if (e->generators.n) collect_walrus(a, s, AST_AT(e->generators, 0, AstComp)->iter);
        collect_comp_walrus(a, s, e);
        return;
    default: break;
    }
    collect_walrus(a, s, e->value);
    collect_walrus(a, s, e->left);
    collect_walrus(a, s, e->right);
    collect_walrus(a, s, e->test);
    collect_walrus(a, s, e->index);
    collect_walrus(a, s, e->lower);
    collect_walrus(a, s, e->upper);
    collect_walrus(a, s, e->step);
    collect_walrus(a, s, e->spec);
    collect_walrus_list(a, s, &e->items);
    for (int i = 0; i < e->keys.n; i++) collect_walrus(a, s, AST_AT(e->keys, i, AstExpr));
    for (int i = 0; i < e->args.n; i++) collect_walrus(a, s, AST_AT(e->args, i, AstArg)->value);
}

/* Walrus targets bind in the enclosing function, even from inside a
 * comprehension; lambdas have their own scope. */
void scope_collect_expr(Arena *a, Scope *s, const AstExpr *e)
{
    if (!e) return;
    switch (e->kind) {
    case EX_NAMEDEXPR:
        scope_bind(a, s->kind == SC_COMP ? s->parent : s, e->name);
        scope_collect_expr(a, s, e->value);
        return;
    case EX_LAMBDA:
        for (int i = 0; i < e->params.n; i++)
            scope_collect_expr(a, s, AST_AT(e->params, i, AstParam)->deflt);
        return;
    case EX_YIELD: case EX_YIELD_FROM:
        if (s->kind == SC_FUNC) s->has_yield = 1;
        scope_collect_expr(a, s, e->value);
        return;
    case EX_AWAIT:
        if (s->kind == SC_FUNC) s->has_await = 1;
        scope_collect_expr(a, s, e->value);
        return;
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP:
        /* Only the first iterable runs in this scope; walrus targets deeper
         * in still bind here (in the nearest non-comprehension scope). */
        if (e->generators.n)
            scope_collect_expr(a, s, AST_AT(e->generators, 0, AstComp)->iter);
        collect_comp_walrus(a, s, e);
        return;
    default: break;
    }
    scope_collect_expr(a, s, e->value);
    scope_collect_expr(a, s, e->left);
    scope_collect_expr(a, s, e->right);
    scope_collect_expr(a, s, e->test);
    scope_collect_expr(a, s, e->index);
    scope_collect_expr(a, s, e->lower);
    scope_collect_expr(a, s, e->upper);
    scope_collect_expr(a, s, e->step);
    scope_collect_expr(a, s, e->spec);
    collect_exprs(a, s, &e->items);
    for (int i = 0; i < e->keys.n; i++) scope_collect_expr(a, s, AST_AT(e->keys, i, AstExpr));
    for (int i = 0; i < e->args.n; i++) scope_collect_expr(a, s, AST_AT(e->args, i, AstArg)->value);
}

static void bind_dotted_first(Arena *a, Scope *s, const char *dotted)
{
    const char *dot = strchr(dotted, '.');
    scope_bind(a, s, dot ? arena_strndup(a, dotted, (size_t)(dot - dotted)) : dotted);
}

/* global/nonlocal declarations first: they apply to the whole body. */
static void collect_decls(Arena *a, Scope *s, const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (st->kind == ST_GLOBAL || st->kind == ST_NONLOCAL) {
            for (int j = 0; j < st->names.n; j++)
                nameset_add(a, st->kind == ST_GLOBAL ? &s->globals : &s->nonlocals,
                            AST_AT(st->names, j, const char));
        }
        if (st->kind == ST_DEF || st->kind == ST_CLASS) continue;  /* their own scopes */
        collect_decls(a, s, &st->body);
        collect_decls(a, s, &st->orelse);
        collect_decls(a, s, &st->finalbody);
        for (int j = 0; j < st->handlers.n; j++)
            collect_decls(a, s, &AST_AT(st->handlers, j, AstHandler)->body);
    }
}

static void collect_stmts(Arena *a, Scope *s, const AstList *body);

typedef struct PatBind { Arena *a; Scope *s; } PatBind;

static void bind_capture(void *ctx, const char *name, const AstPattern *at)
{
    PatBind *pb = ctx;
    (void)at;
    scope_bind(pb->a, pb->s, name);
}

/* A match statement's case clauses: pattern captures, guards, bodies. */
static void collect_cases(Arena *a, Scope *s, const AstStmt *st)
{
    for (int i = 0; i < st->handlers.n; i++) {
        const AstHandler *h = AST_AT(st->handlers, i, AstHandler);
        PatBind pb = { a, s };
        ast_pattern_names(h->pattern, bind_capture, &pb);
        scope_collect_expr(a, s, h->guard);
        collect_stmts(a, s, &h->body);
    }
}

/* An immutable literal: a name only ever bound to these (and updated with
 * augmented assignment) can use Lua's own `+` for `+=`. */
static int scalar_literal(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: case EX_STR: case EX_TRUE: case EX_FALSE: case EX_FSTRING: return 1;
    case EX_UNARY: return e->op == OP_NEG && (e->left->kind == EX_INT || e->left->kind == EX_FLOAT);
    default: return 0;
    }
}

static void collect_stmt(Arena *a, Scope *s, const AstStmt *st)
{
    scope_collect_expr(a, s, st->value);
    scope_collect_expr(a, s, st->test);
    scope_collect_expr(a, s, st->iter);
    scope_collect_expr(a, s, st->exc);
    scope_collect_expr(a, s, st->cause);
    scope_collect_expr(a, s, st->msg);
    switch (st->kind) {
    case ST_ASSIGN:
        for (int i = 0; i < st->targets.n; i++) {
            const AstExpr *t = AST_AT(st->targets, i, AstExpr);
            if (t->kind == EX_NAME && scalar_literal(st->value)) scope_bind_scalar(a, s, t->name);
            else scope_collect_target(a, s, t);
        }
        break;
    case ST_AUGASSIGN:
        if (st->target->kind == EX_NAME) scope_bind_scalar(a, s, st->target->name);
        else scope_collect_target(a, s, st->target);
        break;
    case ST_ANNASSIGN: case ST_FOR:
        if (st->kind != ST_ANNASSIGN || st->value || st->target->kind != EX_NAME ||
            s->kind != SC_MODULE)
            scope_collect_target(a, s, st->target);
        break;
    case ST_DEL:
        for (int i = 0; i < st->targets.n; i++)
            scope_collect_target(a, s, AST_AT(st->targets, i, AstExpr));
        break;
    case ST_DEF: case ST_CLASS:
        scope_bind(a, s, st->name);
        collect_exprs(a, s, &st->decorators);
        for (int i = 0; i < st->params.n; i++)
            scope_collect_expr(a, s, AST_AT(st->params, i, AstParam)->deflt);
        for (int i = 0; i < st->bases.n; i++)
            scope_collect_expr(a, s, AST_AT(st->bases, i, AstArg)->value);
        return;     /* the body is another scope */
    case ST_IMPORT:
        for (int i = 0; i < st->names.n; i++) {
            const AstAlias *al = AST_AT(st->names, i, AstAlias);
            if (al->asname) scope_bind(a, s, al->asname);
            else bind_dotted_first(a, s, al->name);
        }
        break;
    case ST_IMPORTFROM:
        for (int i = 0; i < st->names.n; i++) {
            const AstAlias *al = AST_AT(st->names, i, AstAlias);
            if (strcmp(al->name, "*") != 0) scope_bind(a, s, al->asname ? al->asname : al->name);
        }
        break;
    case ST_WITH:
        for (int i = 0; i < st->items.n; i++) {
            const AstWithItem *w = AST_AT(st->items, i, AstWithItem);
            scope_collect_expr(a, s, w->context);
            scope_collect_target(a, s, w->target);
        }
        break;
    case ST_TRY:
        for (int i = 0; i < st->handlers.n; i++) {
            const AstHandler *h = AST_AT(st->handlers, i, AstHandler);
            scope_collect_expr(a, s, h->type);
            if (h->name) scope_bind(a, s, h->name);
            collect_stmts(a, s, &h->body);
        }
        break;
    case ST_MATCH: collect_cases(a, s, st); break;
    default: break;
    }
    collect_stmts(a, s, &st->body);
    collect_stmts(a, s, &st->orelse);
    collect_stmts(a, s, &st->finalbody);
}

static void collect_stmts(Arena *a, Scope *s, const AstList *body)
{
    for (int i = 0; i < body->n; i++) collect_stmt(a, s, AST_AT(*body, i, AstStmt));
}

void scope_collect_body(Arena *a, Scope *s, const AstList *body)
{
    collect_decls(a, s, body);
    collect_stmts(a, s, body);
}

static int binds(const Scope *s, const char *name)
{
    return nameset_has(&s->locals, name) || nameset_has(&s->params, name) ||
           nameset_has(&s->nonlocals, name);
}

NameRef scope_resolve(const Scope *s, const char *name, const Scope **owner)
{
    *owner = s;
    if (s->kind == SC_MODULE || nameset_has(&s->globals, name)) return NR_GLOBAL;
    if (nameset_has(&s->nonlocals, name)) return NR_FREE;
    if (nameset_has(&s->locals, name) || nameset_has(&s->params, name))
        return s->kind == SC_CLASS ? NR_CLASS : NR_LOCAL;
    for (const Scope *p = s->parent; p; p = p->parent) {
        if (p->kind == SC_CLASS) continue;
        if (p->kind == SC_MODULE || nameset_has(&p->globals, name)) break;
        if (binds(p, name)) { *owner = p; return NR_FREE; }
    }
    return NR_GLOBAL;
}

int scope_lua_shadowed(const Scope *s, const char *name)
{
    for (const Scope *p = s; p; p = p->parent) {
        if (p->kind == SC_CLASS || p->kind == SC_MODULE) continue;
        if (nameset_has(&p->locals, name) || nameset_has(&p->params, name)) return 1;
    }
    return 0;
}

int scope_enclosing_binds(const Scope *s, const char *name)
{
    for (const Scope *p = s->parent; p; p = p->parent) {
        if (p->kind == SC_CLASS) continue;
        if (p->kind == SC_MODULE) return 0;
        if (nameset_has(&p->globals, name)) return 0;
        if (binds(p, name)) return 1;
    }
    return 0;
}

/* ---- container types of function locals (perf; see scope.h) ---- */

static void ty_expr(Arena *a, Scope *s, const AstExpr *e);

static void ty_untyped(Arena *a, Scope *s, const char *name)
{
    nameset_add(a, &s->ty_other, name);
    nameset_add(a, &s->ty_int_no, name);
}

/* A binding that may keep name an int: name = value, name op= value, or a
 * `for name in range(...)` (value NULL). */
typedef struct IntBind {
    const char *name;
    const AstExpr *value;
    int aug;
    AstOp op;
} IntBind;

static void ty_int_bind(Arena *a, Scope *s, const char *name, const AstExpr *value, int aug, AstOp op)
{
    if (s->nib == s->capib) {
        int cap = s->capib ? s->capib * 2 : 16;
        IntBind *v = arena_alloc(a, sizeof(*v) * (size_t)cap);
        if (s->nib) memcpy(v, s->ib, sizeof(*v) * (size_t)s->nib);
        s->ib = v;
        s->capib = cap;
    }
    s->ib[s->nib++] = (IntBind){ name, value, aug, op };
}

static int is_builtin_call(const Scope *s, const AstExpr *e, const char *fn, int fixed)
{
    const Scope *owner;
    return fixed && e->kind == EX_CALL && e->left->kind == EX_NAME && strcmp(e->left->name, fn) == 0 &&
           scope_resolve(s, fn, &owner) == NR_GLOBAL;
}

static int int_op(AstOp op)
{
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_FLOORDIV: case OP_MOD:
    case OP_BITAND: case OP_BITOR: case OP_BITXOR: case OP_LSHIFT: case OP_RSHIFT:
        return 1;
    default:
        return 0;
    }
}

int scope_int_expr(const Scope *s, const AstExpr *e)
{
    if (!e) return 0;
    switch (e->kind) {
    case EX_INT: return 1;
    case EX_NAME: {
        const Scope *owner;
        NameRef r = scope_resolve(s, e->name, &owner);
        return (r == NR_LOCAL || r == NR_FREE) && owner->kind == SC_FUNC && nameset_has(&owner->locals, e->name) &&
               !nameset_has(&owner->params, e->name) && !nameset_has(&owner->nonlocals, e->name) &&
               !nameset_has(&owner->ty_int_no, e->name);
    }
    case EX_BINOP: return int_op(e->op) && scope_int_expr(s, e->left) && scope_int_expr(s, e->right);
    case EX_UNARY: return (e->op == OP_NEG || e->op == OP_INVERT) && scope_int_expr(s, e->left);
    case EX_CALL:
        /* len() always returns an int (a user __len__ result is checked) */
        return is_builtin_call(s, e, "len", s->len_fixed) && e->args.n == 1 &&
               AST_AT(e->args, 0, AstArg)->kind == ARG_POS;
    default: return 0;
    }
}

/* Optimistic fixpoint: drop names with a binding that is not an int given
 * the names still standing, until nothing changes. */
static void ty_solve_ints(Arena *a, Scope *s)
{
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < s->nib; i++) {
            const IntBind *b = &s->ib[i];
            if (nameset_has(&s->ty_int_no, b->name) || !b->value) continue;
            int ok = b->aug ? int_op(b->op) && scope_int_expr(s, b->value) : scope_int_expr(s, b->value);
            if (!ok) {
                nameset_add(a, &s->ty_int_no, b->name);
                changed = 1;
            }
        }
    }
}

/* Every name inside an assignment/for/with/del target. */
static void ty_target(Arena *a, Scope *s, const AstExpr *t)
{
    if (!t) return;
    switch (t->kind) {
    case EX_NAME: ty_untyped(a, s, t->name); break;
    case EX_TUPLE: case EX_LIST:
        for (int i = 0; i < t->items.n; i++) ty_target(a, s, AST_AT(t->items, i, AstExpr));
        break;
    case EX_STARRED: ty_target(a, s, t->value); break;
    default: ty_expr(a, s, t); break;
    }
}

/* Walrus targets anywhere in e (comprehensions included: they bind in the
 * enclosing function; lambda bodies excluded: they bind in the lambda). */
static void ty_expr(Arena *a, Scope *s, const AstExpr *e)
{
    if (!e) return;
    if (e->kind == EX_NAMEDEXPR) ty_untyped(a, s, e->name);
    if (e->kind == EX_LAMBDA) {
        for (int i = 0; i < e->params.n; i++) ty_expr(a, s, AST_AT(e->params, i, AstParam)->deflt);
        return;
    }
    ty_expr(a, s, e->value);
    ty_expr(a, s, e->left);
    ty_expr(a, s, e->right);
    ty_expr(a, s, e->test);
    ty_expr(a, s, e->index);
    ty_expr(a, s, e->lower);
    ty_expr(a, s, e->upper);
    ty_expr(a, s, e->step);
    ty_expr(a, s, e->spec);
    ty_expr(a, s, e->elt);
    for (int i = 0; i < e->items.n; i++) ty_expr(a, s, AST_AT(e->items, i, AstExpr));
    for (int i = 0; i < e->keys.n; i++) ty_expr(a, s, AST_AT(e->keys, i, AstExpr));
    for (int i = 0; i < e->args.n; i++) ty_expr(a, s, AST_AT(e->args, i, AstArg)->value);
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *c = AST_AT(e->generators, i, AstComp);
        ty_expr(a, s, c->iter);
        for (int j = 0; j < c->ifs.n; j++) ty_expr(a, s, AST_AT(c->ifs, j, AstExpr));
    }
}

/* nonlocal declarations in nested defs (at any depth) may rebind our names. */
static void ty_nested_nonlocals(Arena *a, Scope *s, const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (st->kind == ST_NONLOCAL)
            for (int j = 0; j < st->names.n; j++) ty_untyped(a, s, AST_AT(st->names, j, const char));
        ty_nested_nonlocals(a, s, &st->body);
        ty_nested_nonlocals(a, s, &st->orelse);
        ty_nested_nonlocals(a, s, &st->finalbody);
        for (int j = 0; j < st->handlers.n; j++)
            ty_nested_nonlocals(a, s, &AST_AT(st->handlers, j, AstHandler)->body);
    }
}

static ContainerType ty_of_value(const AstExpr *v)
{
    if (!v) return CT_NONE;
    if (v->kind == EX_LISTCOMP) return CT_LIST;
    if (v->kind == EX_DICT || v->kind == EX_DICTCOMP) return CT_DICT;   /* {**m} is a new dict too */
    if (v->kind == EX_LIST) {
        for (int i = 0; i < v->items.n; i++)
            if (AST_AT(v->items, i, AstExpr)->kind == EX_STARRED) return CT_NONE;
        return CT_LIST;
    }
    return CT_NONE;
}

static void ty_bind_value(Arena *a, Scope *s, const char *name, const AstExpr *v)
{
    ty_int_bind(a, s, name, v, 0, OP_ADD);
    switch (ty_of_value(v)) {
    case CT_LIST: nameset_add(a, &s->ty_list, name); break;
    case CT_DICT: nameset_add(a, &s->ty_dict, name); break;
    default: nameset_add(a, &s->ty_other, name); break;
    }
}

static void ty_stmts(Arena *a, Scope *s, const AstList *body);

static void ty_capture(void *ctx, const char *name, const AstPattern *at)
{
    PatBind *pb = ctx;
    (void)at;
    ty_untyped(pb->a, pb->s, name);
}

static void ty_stmt(Arena *a, Scope *s, const AstStmt *st)
{
    ty_expr(a, s, st->value);
    ty_expr(a, s, st->test);
    ty_expr(a, s, st->iter);
    ty_expr(a, s, st->exc);
    ty_expr(a, s, st->cause);
    ty_expr(a, s, st->msg);
    switch (st->kind) {
    case ST_ASSIGN:
        for (int i = 0; i < st->targets.n; i++) {
            const AstExpr *t = AST_AT(st->targets, i, AstExpr);
            if (t->kind == EX_NAME) ty_bind_value(a, s, t->name, st->value);
            else ty_target(a, s, t);
        }
        break;
    case ST_ANNASSIGN:
        if (st->target->kind == EX_NAME && st->value) ty_bind_value(a, s, st->target->name, st->value);
        else ty_target(a, s, st->target);
        break;
    case ST_AUGASSIGN:
        if (st->target->kind == EX_NAME) {
            nameset_add(a, &s->ty_other, st->target->name);
            ty_int_bind(a, s, st->target->name, st->value, 1, st->op);
        } else {
            ty_target(a, s, st->target);
        }
        break;
    case ST_FOR:
        if (st->target->kind == EX_NAME && !st->is_async && is_builtin_call(s, st->iter, "range", s->range_fixed)) {
            nameset_add(a, &s->ty_other, st->target->name);
            ty_int_bind(a, s, st->target->name, NULL, 0, OP_ADD);
        } else {
            ty_target(a, s, st->target);
        }
        break;
    case ST_DEL:
        for (int i = 0; i < st->targets.n; i++) ty_target(a, s, AST_AT(st->targets, i, AstExpr));
        break;
    case ST_DEF: case ST_CLASS:
        ty_untyped(a, s, st->name);
        for (int i = 0; i < st->decorators.n; i++) ty_expr(a, s, AST_AT(st->decorators, i, AstExpr));
        for (int i = 0; i < st->params.n; i++) ty_expr(a, s, AST_AT(st->params, i, AstParam)->deflt);
        for (int i = 0; i < st->bases.n; i++) ty_expr(a, s, AST_AT(st->bases, i, AstArg)->value);
        ty_nested_nonlocals(a, s, &st->body);
        return;
    case ST_IMPORT: case ST_IMPORTFROM:
        for (int i = 0; i < st->names.n; i++) {
            const AstAlias *al = AST_AT(st->names, i, AstAlias);
            const char *n = al->asname ? al->asname : al->name;
            const char *dot = strchr(n, '.');
            ty_untyped(a, s, dot ? arena_strndup(a, n, (size_t)(dot - n)) : n);
        }
        break;
    case ST_GLOBAL: case ST_NONLOCAL:
        for (int i = 0; i < st->names.n; i++) ty_untyped(a, s, AST_AT(st->names, i, const char));
        break;
    case ST_WITH:
        for (int i = 0; i < st->items.n; i++) {
            const AstWithItem *w = AST_AT(st->items, i, AstWithItem);
            ty_expr(a, s, w->context);
            ty_target(a, s, w->target);
        }
        break;
    case ST_TRY:
        for (int i = 0; i < st->handlers.n; i++) {
            const AstHandler *h = AST_AT(st->handlers, i, AstHandler);
            ty_expr(a, s, h->type);
            if (h->name) ty_untyped(a, s, h->name);
            ty_stmts(a, s, &h->body);
        }
        break;
    case ST_MATCH:
        for (int i = 0; i < st->handlers.n; i++) {
            const AstHandler *h = AST_AT(st->handlers, i, AstHandler);
            PatBind pb = { a, s };
            ast_pattern_names(h->pattern, ty_capture, &pb);
            ty_expr(a, s, h->guard);
            ty_stmts(a, s, &h->body);
        }
        break;
    default: break;
    }
    ty_stmts(a, s, &st->body);
    ty_stmts(a, s, &st->orelse);
    ty_stmts(a, s, &st->finalbody);
}

static void ty_stmts(Arena *a, Scope *s, const AstList *body)
{
    for (int i = 0; i < body->n; i++) ty_stmt(a, s, AST_AT(*body, i, AstStmt));
}

/* ---- range loops with a private variable (perf; see scope.h) ----
 * `for i in range(n)` would store the Lua control variable into the Python
 * local on every pass (`i = aio_i`). When i is mentioned nowhere in the
 * function but as a plain read in such loops' bodies (not in a nested scope,
 * whose closures would capture a per-pass variable, nor in a try/with body,
 * which may be a closure kept across passes), no one can tell the two apart,
 * so the control variable is i itself. */

static int mentions_stmts(const AstList *b, const char *name);

static int is_name(const char *a, const char *name)
{
    return a && strcmp(a, name) == 0;
}

static int mentions_params(const AstList *ps, const char *name);

/* Every mention of name in e, nested scopes included. */
static int mentions_expr(const AstExpr *e, const char *name)
{
    if (!e) return 0;
    int n = (e->kind == EX_NAME || e->kind == EX_NAMEDEXPR) && is_name(e->name, name);
    n += mentions_expr(e->value, name) + mentions_expr(e->left, name) + mentions_expr(e->right, name) +
         mentions_expr(e->test, name) + mentions_expr(e->index, name) + mentions_expr(e->lower, name) +
         mentions_expr(e->upper, name) + mentions_expr(e->step, name) + mentions_expr(e->spec, name) +
         mentions_expr(e->elt, name);
    for (int i = 0; i < e->items.n; i++) n += mentions_expr(AST_AT(e->items, i, AstExpr), name);
    for (int i = 0; i < e->keys.n; i++) n += mentions_expr(AST_AT(e->keys, i, AstExpr), name);
    for (int i = 0; i < e->args.n; i++) n += mentions_expr(AST_AT(e->args, i, AstArg)->value, name);
    n += mentions_params(&e->params, name);
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *c = AST_AT(e->generators, i, AstComp);
        n += mentions_expr(c->target, name) + mentions_expr(c->iter, name);
        for (int j = 0; j < c->ifs.n; j++) n += mentions_expr(AST_AT(c->ifs, j, AstExpr), name);
    }
    return n;
}

static int mentions_params(const AstList *ps, const char *name)
{
    int n = 0;
    for (int i = 0; i < ps->n; i++) {
        const AstParam *p = AST_AT(*ps, i, AstParam);
        n += is_name(p->name, name) + mentions_expr(p->deflt, name);
    }
    return n;
}

static int mentions_list(const AstList *l, const char *name)
{
    int n = 0;
    for (int i = 0; i < l->n; i++) n += mentions_expr(AST_AT(*l, i, AstExpr), name);
    return n;
}

static int mentions_stmt(const AstStmt *st, const char *name)
{
    int n = is_name(st->name, name);
    n += mentions_expr(st->value, name) + mentions_expr(st->target, name) + mentions_expr(st->test, name) +
         mentions_expr(st->iter, name) + mentions_expr(st->annotation, name) + mentions_expr(st->exc, name) +
         mentions_expr(st->cause, name) + mentions_expr(st->msg, name);
    n += mentions_list(&st->targets, name) + mentions_list(&st->decorators, name) + mentions_params(&st->params, name);
    for (int i = 0; i < st->bases.n; i++) n += mentions_expr(AST_AT(st->bases, i, AstArg)->value, name);
    for (int i = 0; i < st->items.n; i++) {
        const AstWithItem *w = AST_AT(st->items, i, AstWithItem);
        n += mentions_expr(w->context, name) + mentions_expr(w->target, name);
    }
    for (int i = 0; i < st->names.n; i++) {
        if (st->kind == ST_GLOBAL || st->kind == ST_NONLOCAL) {
            n += is_name(AST_AT(st->names, i, const char), name);
        } else {
            /* import: count any alias that could bind name (conservative) */
            const AstAlias *al = AST_AT(st->names, i, AstAlias);
            n += strstr(al->name, name) != NULL || (al->asname && is_name(al->asname, name)) || is_name(al->name, "*");
        }
    }
    for (int i = 0; i < st->handlers.n; i++) {
        const AstHandler *h = AST_AT(st->handlers, i, AstHandler);
        n += is_name(h->name, name) + mentions_expr(h->type, name) + mentions_stmts(&h->body, name);
    }
    return n + mentions_stmts(&st->body, name) + mentions_stmts(&st->orelse, name) +
           mentions_stmts(&st->finalbody, name);
}

static int mentions_stmts(const AstList *b, const char *name)
{
    int n = 0;
    for (int i = 0; i < b->n; i++) n += mentions_stmt(AST_AT(*b, i, AstStmt), name);
    return n;
}

/* Reads of name in e outside nested scopes (lambdas, comprehensions). */
static int plain_loads(const AstExpr *e, const char *name)
{
    if (!e) return 0;
    switch (e->kind) {
    case EX_LAMBDA: case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP: case EX_NAMEDEXPR:
        return 0;
    case EX_NAME:
        return is_name(e->name, name);
    default: break;
    }
    int n = plain_loads(e->value, name) + plain_loads(e->left, name) + plain_loads(e->right, name) +
            plain_loads(e->test, name) + plain_loads(e->index, name) + plain_loads(e->lower, name) +
            plain_loads(e->upper, name) + plain_loads(e->step, name) + plain_loads(e->spec, name);
    for (int i = 0; i < e->items.n; i++) n += plain_loads(AST_AT(e->items, i, AstExpr), name);
    for (int i = 0; i < e->keys.n; i++) n += plain_loads(AST_AT(e->keys, i, AstExpr), name);
    for (int i = 0; i < e->args.n; i++) n += plain_loads(AST_AT(e->args, i, AstArg)->value, name);
    return n;
}

/* Reads inside an assignment target (a[i] = v reads i); a bare name is a store. */
static int plain_target_loads(const AstExpr *t, const char *name)
{
    if (!t || t->kind == EX_NAME) return 0;
    if (t->kind == EX_TUPLE || t->kind == EX_LIST) {
        int n = 0;
        for (int i = 0; i < t->items.n; i++) n += plain_target_loads(AST_AT(t->items, i, AstExpr), name);
        return n;
    }
    if (t->kind == EX_STARRED) return plain_target_loads(t->value, name);
    return plain_loads(t, name);
}

static int plain_stmts(const AstList *b, const char *name);

static int plain_stmt(const AstStmt *st, const char *name)
{
    switch (st->kind) {
    case ST_EXPR: case ST_RETURN: case ST_IF: case ST_WHILE: case ST_ASSERT: case ST_RAISE:
    case ST_BREAK: case ST_CONTINUE: case ST_PASS:
        break;
    case ST_ASSIGN: case ST_DEL: {
        int n = plain_loads(st->value, name);
        for (int i = 0; i < st->targets.n; i++) n += plain_target_loads(AST_AT(st->targets, i, AstExpr), name);
        return n;
    }
    case ST_AUGASSIGN: case ST_ANNASSIGN:
        return plain_loads(st->value, name) + plain_target_loads(st->target, name);
    case ST_FOR:
        return plain_loads(st->iter, name) + plain_target_loads(st->target, name) + plain_stmts(&st->body, name) +
               plain_stmts(&st->orelse, name);
    default:   /* def, class, try, with, global, nonlocal, import */
        return 0;
    }
    return plain_loads(st->value, name) + plain_loads(st->test, name) + plain_loads(st->exc, name) +
           plain_loads(st->cause, name) + plain_loads(st->msg, name) + plain_stmts(&st->body, name) +
           plain_stmts(&st->orelse, name);
}

static int plain_stmts(const AstList *b, const char *name)
{
    int n = 0;
    for (int i = 0; i < b->n; i++) n += plain_stmt(AST_AT(*b, i, AstStmt), name);
    return n;
}

static void find_private_loops(Arena *a, Scope *s, const AstList *fbody, const AstList *b)
{
    for (int i = 0; i < b->n; i++) {
        const AstStmt *st = AST_AT(*b, i, AstStmt);
        if (st->kind == ST_DEF || st->kind == ST_CLASS) continue;
        if (st->kind == ST_FOR && !st->is_async && st->target->kind == EX_NAME &&
            is_builtin_call(s, st->iter, "range", s->range_fixed)) {
            const char *name = st->target->name;
            if (!nameset_has(&s->params, name) && mentions_stmt(st, name) == 1 + plain_stmts(&st->body, name))
                ast_list_push(a, &s->private_loops, (void *)st);
        }
        for (int j = 0; j < st->handlers.n; j++)
            find_private_loops(a, s, fbody, &AST_AT(st->handlers, j, AstHandler)->body);
        find_private_loops(a, s, fbody, &st->body);
        find_private_loops(a, s, fbody, &st->orelse);
        find_private_loops(a, s, fbody, &st->finalbody);
    }
}

int scope_comp_var_private(const AstExpr *comp, int gi)
{
    const AstComp *g = AST_AT(comp->generators, gi, AstComp);
    if (g->is_async || g->target->kind != EX_NAME) return 0;
    const char *name = g->target->name;
    int all = mentions_expr(comp->elt, name) + mentions_expr(comp->value, name);
    int plain = plain_loads(comp->elt, name) + plain_loads(comp->value, name);
    for (int i = 0; i < comp->generators.n; i++) {
        const AstComp *c = AST_AT(comp->generators, i, AstComp);
        all += mentions_expr(c->target, name) + mentions_expr(c->iter, name);
        for (int j = 0; j < c->ifs.n; j++) all += mentions_expr(AST_AT(c->ifs, j, AstExpr), name);
        if (i < gi) continue;   /* outside the loop */
        if (i > gi) plain += plain_loads(c->iter, name) + plain_target_loads(c->target, name);
        for (int j = 0; j < c->ifs.n; j++) plain += plain_loads(AST_AT(c->ifs, j, AstExpr), name);
    }
    return all == 1 + plain;
}

int scope_loop_var_private(const Scope *s, const AstStmt *st)
{
    for (int i = 0; i < s->private_loops.n; i++)
        if (AST_AT(s->private_loops, i, const AstStmt) == st) return 1;
    return 0;
}

void scope_collect_types(Arena *a, Scope *s, const AstList *body, int len_fixed, int range_fixed)
{
    if (s->kind != SC_FUNC) return;
    s->len_fixed = len_fixed;
    s->range_fixed = range_fixed;
    ty_stmts(a, s, body);
    ty_solve_ints(a, s);
    /* candidates: loops whose own mentions of the name are the target and
     * plain reads in the body; kept when those loops hold every mention */
    find_private_loops(a, s, body, body);
    AstList cand = s->private_loops;
    memset(&s->private_loops, 0, sizeof s->private_loops);
    for (int i = 0; i < cand.n; i++) {
        const char *name = AST_AT(cand, i, const AstStmt)->target->name;
        int in_loops = 0;
        for (int j = 0; j < cand.n; j++) {
            const AstStmt *o = AST_AT(cand, j, const AstStmt);
            if (strcmp(o->target->name, name) == 0) in_loops += mentions_stmt(o, name);
        }
        if (in_loops == mentions_stmts(body, name)) ast_list_push(a, &s->private_loops, cand.items[i]);
    }
}

ContainerType scope_container(const Scope *s, const char *name)
{
    const Scope *owner;
    NameRef r = scope_resolve(s, name, &owner);
    if ((r != NR_LOCAL && r != NR_FREE) || owner->kind != SC_FUNC) return CT_NONE;
    if (!nameset_has(&owner->locals, name) || nameset_has(&owner->params, name) ||
        nameset_has(&owner->nonlocals, name) || nameset_has(&owner->ty_other, name))
        return CT_NONE;
    int l = nameset_has(&owner->ty_list, name), d = nameset_has(&owner->ty_dict, name);
    return l && !d ? CT_LIST : d && !l ? CT_DICT : CT_NONE;
}
