/* defassign.c - definite assignment analysis (see defassign.h).
 *
 * One context (DaCtx) per scope, mirroring the emitter's scopes (scope.h):
 * a def or lambda, a class body, a comprehension, the module. A function
 * context tracks a state: for each of its variables (parameters, then
 * locals) whether it is bound on every path to the current point; "dead"
 * marks unreachable code (after return, raise, break, continue), where the
 * state is "everything". Joins intersect states. Loops are entered with the
 * state before the loop minus the names the loop body deletes (a lower bound
 * for every iteration); try handlers and with-statement exits use the
 * intersection of the states after every statement of the protected body.
 *
 * A nested scope keeps a snapshot of its parent's state when it was created:
 * a nested def can only run after that point, and a variable bound then
 * stays bound unless the enclosing function ever deletes it (del, or an
 * except-as name), so a read of it from the nested scope is safe. */
#include "defassign.h"

#include <stdint.h>
#include <string.h>

#include "scope.h"

struct DaResult {
    const AstExpr **keys;
    unsigned char *vals;
    size_t cap, n;
};

typedef struct DaState {
    unsigned char *v;   /* 1 = bound on every path */
    int dead;           /* unreachable: everything counts as bound */
} DaState;

typedef struct DaLoop {
    DaState brk;        /* meet of the states at each break */
    struct DaLoop *outer;
} DaLoop;

typedef struct DaAcc {  /* meet of the states after every statement */
    DaState st;
    struct DaAcc *outer;
} DaAcc;

typedef struct DaCtx {
    Scope *sc;
    struct DaCtx *parent;
    int n;                  /* SC_FUNC: parameters + locals */
    DaState st;
    DaState snap;           /* the parent's state when this scope was made */
    const char *self_name;  /* def/class name, bound right after this scope */
    NameSet unbinds;        /* SC_FUNC: names deleted or except-as anywhere */
    DaLoop *loop;
    DaAcc *acc;
} DaCtx;

typedef struct Da {
    Arena *a;
    DaResult *r;
} Da;

/* ---- the result: a pointer -> check map ---- */

static size_t res_slot(const DaResult *r, const AstExpr *e)
{
    size_t h = ((uintptr_t)e >> 4) * 0x9E3779B97F4A7C15u;
    size_t i = h & (r->cap - 1);
    while (r->keys[i] && r->keys[i] != e) i = (i + 1) & (r->cap - 1);
    return i;
}

static void res_put(Da *D, const AstExpr *e, int kind)
{
    DaResult *r = D->r;
    if (2 * (r->n + 1) > r->cap) {
        DaResult old = *r;
        r->cap = old.cap ? old.cap * 2 : 64;
        r->keys = arena_alloc(D->a, sizeof(*r->keys) * r->cap);
        r->vals = arena_alloc(D->a, r->cap);
        r->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i]) {
                size_t j = res_slot(r, old.keys[i]);
                r->keys[j] = old.keys[i];
                r->vals[j] = old.vals[i];
                r->n++;
            }
    }
    size_t i = res_slot(r, e);
    if (!r->keys[i]) { r->keys[i] = e; r->n++; }
    r->vals[i] = (unsigned char)kind;
}

int da_check(const DaResult *r, const AstExpr *name)
{
    if (!r || !r->cap) return DA_BOUND;
    size_t i = res_slot(r, name);
    return r->keys[i] ? r->vals[i] : DA_BOUND;
}

/* ---- states ---- */

static int var_index(const DaCtx *C, const char *name)
{
    const Scope *s = C->sc;
    for (int i = 0; i < s->params.n; i++)
        if (strcmp(s->params.v[i], name) == 0) return i;
    for (int i = 0; i < s->locals.n; i++)
        if (strcmp(s->locals.v[i], name) == 0) return s->params.n + i;
    return -1;
}

static DaState st_copy(Da *D, const DaCtx *C, DaState s)
{
    DaState c = { arena_alloc(D->a, (size_t)C->n + 1), s.dead };
    if (C->n) memcpy(c.v, s.v, (size_t)C->n);
    return c;
}

static DaState st_dead(Da *D, const DaCtx *C)
{
    DaState c = { arena_alloc(D->a, (size_t)C->n + 1), 1 };
    return c;
}

/* dst = dst meet src (bound on both) */
static void st_meet(const DaCtx *C, DaState *dst, DaState src)
{
    if (src.dead) return;
    if (dst->dead) {
        if (C->n) memcpy(dst->v, src.v, (size_t)C->n);
        dst->dead = 0;
        return;
    }
    for (int i = 0; i < C->n; i++) dst->v[i] &= src.v[i];
}

static void set_bound(DaCtx *C, const char *name, unsigned char bound)
{
    if (C->sc->kind != SC_FUNC || C->st.dead) return;
    int i = var_index(C, name);
    if (i >= 0) C->st.v[i] = bound;
}

static void accumulate(DaCtx *C)
{
    for (DaAcc *a = C->acc; a; a = a->outer) st_meet(C, &a->st, C->st);
}

/* ---- contexts ---- */

static void unbinds_stmts(Da *D, NameSet *out, const AstList *body);

static void unbinds_target(Da *D, NameSet *out, const AstExpr *t)
{
    if (!t) return;
    if (t->kind == EX_NAME) nameset_add(D->a, out, t->name);
    for (int i = 0; i < t->items.n; i++) unbinds_target(D, out, AST_AT(t->items, i, AstExpr));
    if (t->kind == EX_STARRED) unbinds_target(D, out, t->value);
}

/* Names a statement list deletes (del, except-as). nested: also inside
 * nested defs and classes (a nonlocal del there unbinds ours). */
static void unbinds_stmt(Da *D, NameSet *out, const AstStmt *s, int nested)
{
    if (s->kind == ST_DEL)
        for (int i = 0; i < s->targets.n; i++) unbinds_target(D, out, AST_AT(s->targets, i, AstExpr));
    if ((s->kind == ST_DEF || s->kind == ST_CLASS) && !nested) return;
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        if (h->name) nameset_add(D->a, out, h->name);
        for (int j = 0; j < h->body.n; j++) unbinds_stmt(D, out, AST_AT(h->body, j, AstStmt), nested);
    }
    const AstList *ls[3] = { &s->body, &s->orelse, &s->finalbody };
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < ls[k]->n; j++) unbinds_stmt(D, out, AST_AT(*ls[k], j, AstStmt), nested);
}

static void unbinds_stmts(Da *D, NameSet *out, const AstList *body)
{
    for (int i = 0; i < body->n; i++) unbinds_stmt(D, out, AST_AT(*body, i, AstStmt), 1);
}

static DaCtx *ctx_new(Da *D, DaCtx *parent, Scope *sc, const char *self_name)
{
    DaCtx *C = arena_alloc(D->a, sizeof *C);
    C->sc = sc;
    C->parent = parent;
    C->self_name = self_name;
    C->n = sc->kind == SC_FUNC ? sc->params.n + sc->locals.n : 0;
    C->st.v = arena_alloc(D->a, (size_t)C->n + 1);
    for (int i = 0; i < sc->params.n; i++) C->st.v[i] = 1;
    if (parent) C->snap = st_copy(D, parent, parent->st);
    return C;
}

/* ---- reads ---- */

/* The function context that binds a free name read from C, and the context
 * just below it on the way from C (whose snapshot tells what was bound). */
static DaCtx *free_owner(DaCtx *C, const char *name, DaCtx **child)
{
    DaCtx *below = C;
    for (DaCtx *p = C->parent; p; below = p, p = p->parent) {
        if (p->sc->kind == SC_CLASS) continue;
        if (p->sc->kind == SC_MODULE || nameset_has(&p->sc->globals, name)) return NULL;
        if (nameset_has(&p->sc->nonlocals, name)) continue;
        if (nameset_has(&p->sc->params, name) || nameset_has(&p->sc->locals, name)) {
            *child = below;
            return p;
        }
    }
    return NULL;
}

static void read_name(Da *D, DaCtx *C, const AstExpr *e)
{
    if (C->st.dead) return;
    const Scope *owner;
    NameRef r = scope_resolve(C->sc, e->name, &owner);
    if (r == NR_LOCAL) {
        if (C->sc->kind != SC_FUNC) return;
        int i = var_index(C, e->name);
        if (i >= 0 && !C->st.v[i]) res_put(D, e, DA_LOCAL);
        return;
    }
    if (r != NR_FREE) return;
    DaCtx *child = NULL, *O = free_owner(C, e->name, &child);
    if (!O || O->sc->kind != SC_FUNC) return;
    if (nameset_has(&O->unbinds, e->name)) { res_put(D, e, DA_FREE); return; }
    if (child->snap.dead) return;
    int i = var_index(O, e->name);
    if (i < 0 || child->snap.v[i]) return;
    /* a def's body runs after its name is bound; so do the methods of a class */
    if (child->self_name && strcmp(child->self_name, e->name) == 0 &&
        (child->sc->kind == SC_FUNC || child != C))
        return;
    res_put(D, e, DA_FREE);
}

/* ---- expressions ---- */

static void walk_expr(Da *D, DaCtx *C, const AstExpr *e);
static void walk_stmts(Da *D, DaCtx *C, const AstList *body);

static void walk_exprs(Da *D, DaCtx *C, const AstList *l)
{
    for (int i = 0; i < l->n; i++) walk_expr(D, C, AST_AT(*l, i, AstExpr));
}

/* Evaluates e, keeping none of the bindings it makes (a branch that may not run). */
static void walk_maybe(Da *D, DaCtx *C, const AstExpr *e)
{
    DaState saved = st_copy(D, C, C->st);
    walk_expr(D, C, e);
    C->st = saved;
}

static void walk_target(Da *D, DaCtx *C, const AstExpr *t)
{
    if (!t) return;
    switch (t->kind) {
    case EX_NAME: set_bound(C, t->name, 1); return;
    case EX_TUPLE: case EX_LIST:
        for (int i = 0; i < t->items.n; i++) walk_target(D, C, AST_AT(t->items, i, AstExpr));
        return;
    case EX_STARRED: walk_target(D, C, t->value); return;
    default: walk_expr(D, C, t); return;   /* a.x / a[i]: reads a, i */
    }
}

static void walk_params(Da *D, DaCtx *C, const AstList *params)
{
    for (int i = 0; i < params->n; i++) walk_expr(D, C, AST_AT(*params, i, AstParam)->deflt);
}

static void walk_lambda(Da *D, DaCtx *C, const AstExpr *e)
{
    walk_params(D, C, &e->params);
    Scope *sc = scope_new(D->a, SC_FUNC, C->sc);
    for (int i = 0; i < e->params.n; i++) nameset_add(D->a, &sc->params, AST_AT(e->params, i, AstParam)->name);
    scope_collect_expr(D->a, sc, e->value);
    DaCtx *L = ctx_new(D, C, sc, NULL);
    walk_expr(D, L, e->value);
}

/* The first iterable runs here; the rest in the comprehension's own scope,
 * whose variables (the for targets) are always bound where they are read. */
static void walk_comp(Da *D, DaCtx *C, const AstExpr *e)
{
    if (!e->generators.n) return;
    walk_expr(D, C, AST_AT(e->generators, 0, AstComp)->iter);
    Scope *sc = scope_new(D->a, SC_COMP, C->sc);
    for (int i = 0; i < e->generators.n; i++)
        scope_collect_target(D->a, sc, AST_AT(e->generators, i, AstComp)->target);
    DaCtx *K = ctx_new(D, C, sc, NULL);
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *g = AST_AT(e->generators, i, AstComp);
        if (i) walk_expr(D, K, g->iter);
        walk_target(D, K, g->target);
        walk_exprs(D, K, &g->ifs);
    }
    walk_expr(D, K, e->elt);
    walk_expr(D, K, e->value);
}

static void walk_expr(Da *D, DaCtx *C, const AstExpr *e)
{
    if (!e) return;
    switch (e->kind) {
    case EX_NAME: read_name(D, C, e); return;
    case EX_NAMEDEXPR:
        walk_expr(D, C, e->value);
        set_bound(C, e->name, 1);
        return;
    case EX_BOOLOP:
        walk_expr(D, C, e->left);
        walk_maybe(D, C, e->right);
        return;
    case EX_IFEXP: {
        walk_expr(D, C, e->test);
        DaState saved = st_copy(D, C, C->st);
        walk_expr(D, C, e->left);
        DaState then = C->st;
        C->st = saved;
        walk_expr(D, C, e->right);
        st_meet(C, &C->st, then);
        return;
    }
    case EX_COMPARE:
        walk_expr(D, C, e->left);
        for (int i = 0; i < e->items.n; i++) {
            if (i == 0) walk_expr(D, C, AST_AT(e->items, i, AstExpr));
            else walk_maybe(D, C, AST_AT(e->items, i, AstExpr));
        }
        return;
    case EX_LAMBDA: walk_lambda(D, C, e); return;
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP: walk_comp(D, C, e); return;
    case EX_DICT:
        for (int i = 0; i < e->items.n; i++) {
            walk_expr(D, C, AST_AT(e->keys, i, AstExpr));
            walk_expr(D, C, AST_AT(e->items, i, AstExpr));
        }
        return;
    case EX_CALL:
        walk_expr(D, C, e->left);
        for (int i = 0; i < e->args.n; i++) walk_expr(D, C, AST_AT(e->args, i, AstArg)->value);
        return;
    default: break;
    }
    walk_expr(D, C, e->value);
    walk_expr(D, C, e->left);
    walk_expr(D, C, e->right);
    walk_expr(D, C, e->test);
    walk_expr(D, C, e->index);
    walk_expr(D, C, e->lower);
    walk_expr(D, C, e->upper);
    walk_expr(D, C, e->step);
    walk_expr(D, C, e->spec);
    walk_exprs(D, C, &e->items);
}

/* ---- statements ---- */

static int const_true(const AstExpr *e)
{
    return e && (e->kind == EX_TRUE || (e->kind == EX_INT && e->ival != 0));
}

static void walk_def(Da *D, DaCtx *C, const AstStmt *s)
{
    walk_exprs(D, C, &s->decorators);
    walk_params(D, C, &s->params);
    Scope *sc = scope_new(D->a, SC_FUNC, C->sc);
    for (int i = 0; i < s->params.n; i++) nameset_add(D->a, &sc->params, AST_AT(s->params, i, AstParam)->name);
    scope_collect_body(D->a, sc, &s->body);
    DaCtx *F = ctx_new(D, C, sc, s->name);
    unbinds_stmts(D, &F->unbinds, &s->body);
    walk_stmts(D, F, &s->body);
    set_bound(C, s->name, 1);
}

static void walk_class(Da *D, DaCtx *C, const AstStmt *s)
{
    walk_exprs(D, C, &s->decorators);
    for (int i = 0; i < s->bases.n; i++) walk_expr(D, C, AST_AT(s->bases, i, AstArg)->value);
    Scope *sc = scope_new(D->a, SC_CLASS, C->sc);
    scope_collect_body(D->a, sc, &s->body);
    DaCtx *K = ctx_new(D, C, sc, s->name);
    walk_stmts(D, K, &s->body);
    set_bound(C, s->name, 1);
}

/* The loop entry state: the state before it minus what its body deletes. */
static void loop_entry(Da *D, DaCtx *C, const AstStmt *s)
{
    if (C->st.dead || C->sc->kind != SC_FUNC) return;
    NameSet del = { 0 };
    for (int i = 0; i < s->body.n; i++) unbinds_stmt(D, &del, AST_AT(s->body, i, AstStmt), 0);
    for (int i = 0; i < del.n; i++) set_bound(C, del.v[i], 0);
}

static void walk_loop(Da *D, DaCtx *C, const AstStmt *s)
{
    if (s->kind == ST_FOR) walk_expr(D, C, s->iter);
    loop_entry(D, C, s);
    DaLoop L = { st_dead(D, C), C->loop };
    C->loop = &L;
    if (s->kind == ST_WHILE) walk_expr(D, C, s->test);
    DaState entry = st_copy(D, C, C->st);
    if (s->kind == ST_FOR) walk_target(D, C, s->target);
    walk_stmts(D, C, &s->body);
    C->loop = L.outer;
    if (s->kind == ST_WHILE && const_true(s->test)) {
        C->st = L.brk;   /* only a break leaves `while True` (the else never runs) */
        return;
    }
    C->st = entry;
    walk_stmts(D, C, &s->orelse);
    st_meet(C, &C->st, L.brk);
}

static void walk_try(Da *D, DaCtx *C, const AstStmt *s)
{
    DaAcc all = { st_copy(D, C, C->st), C->acc };
    C->acc = &all;
    DaAcc body = { st_copy(D, C, C->st), C->acc };
    C->acc = &body;
    walk_stmts(D, C, &s->body);
    C->acc = body.outer;
    walk_stmts(D, C, &s->orelse);
    DaState ends = C->st;
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        C->st = st_copy(D, C, body.st);
        walk_expr(D, C, h->type);
        if (h->name) set_bound(C, h->name, 1);
        walk_stmts(D, C, &h->body);
        if (h->name) set_bound(C, h->name, 0);
        st_meet(C, &ends, C->st);
    }
    C->acc = all.outer;
    if (!s->finalbody.n) { C->st = ends; return; }
    /* finally also runs after an exception or a return anywhere above */
    C->st = st_copy(D, C, all.st);
    st_meet(C, &C->st, ends);
    walk_stmts(D, C, &s->finalbody);
    C->st = ends;
    walk_stmts(D, C, &s->finalbody);
}

static void walk_with(Da *D, DaCtx *C, const AstStmt *s)
{
    for (int i = 0; i < s->items.n; i++) {
        const AstWithItem *w = AST_AT(s->items, i, AstWithItem);
        walk_expr(D, C, w->context);
        walk_target(D, C, w->target);
    }
    /* __exit__ may swallow an exception from anywhere in the body */
    DaAcc acc = { st_copy(D, C, C->st), C->acc };
    C->acc = &acc;
    walk_stmts(D, C, &s->body);
    C->acc = acc.outer;
    st_meet(C, &acc.st, C->st);
    C->st = acc.st;
}

static void da_capture(void *ctx, const char *name, const AstPattern *at)
{
    (void)at;
    set_bound(ctx, name, 1);
}

/* The names a pattern reads: value patterns, classes, mapping keys. */
static void walk_pattern(Da *D, DaCtx *C, const AstPattern *pt)
{
    if (!pt) return;
    walk_expr(D, C, pt->value);
    walk_exprs(D, C, &pt->keys);
    walk_pattern(D, C, pt->sub);
    for (int i = 0; i < pt->items.n; i++) walk_pattern(D, C, AST_AT(pt->items, i, AstPattern));
    for (int i = 0; i < pt->kwitems.n; i++) walk_pattern(D, C, AST_AT(pt->kwitems, i, AstPattern));
}

/* Each case clause is a branch entered with the state after the subject
 * (a failed earlier case may or may not have bound its captures); without
 * an irrefutable unguarded case, no case running is one more path. */
static void walk_match(Da *D, DaCtx *C, const AstStmt *s)
{
    walk_expr(D, C, s->value);
    DaState entry = st_copy(D, C, C->st);
    DaState ends = st_dead(D, C);
    int covered = 0;
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        C->st = st_copy(D, C, entry);
        walk_pattern(D, C, h->pattern);
        ast_pattern_names(h->pattern, da_capture, C);
        walk_expr(D, C, h->guard);
        walk_stmts(D, C, &h->body);
        st_meet(C, &ends, C->st);
        if (!h->guard && ast_pattern_irrefutable(h->pattern)) covered = 1;
    }
    if (!covered) st_meet(C, &ends, entry);
    C->st = ends;
}

static void walk_import(DaCtx *C, const AstStmt *s)
{
    for (int i = 0; i < s->names.n; i++) {
        const AstAlias *al = AST_AT(s->names, i, AstAlias);
        if (al->asname) { set_bound(C, al->asname, 1); continue; }
        if (strcmp(al->name, "*") == 0) continue;
        const char *dot = s->kind == ST_IMPORT ? strchr(al->name, '.') : NULL;
        if (!dot) { set_bound(C, al->name, 1); continue; }
        if (C->sc->kind != SC_FUNC || C->st.dead) continue;
        for (int j = 0; j < C->sc->locals.n; j++) {
            const char *n = C->sc->locals.v[j];
            if (strlen(n) == (size_t)(dot - al->name) && strncmp(n, al->name, (size_t)(dot - al->name)) == 0)
                C->st.v[C->sc->params.n + j] = 1;
        }
    }
}

static void walk_jump(Da *D, DaCtx *C, const AstStmt *s)
{
    if (s->kind == ST_BREAK && C->loop) st_meet(C, &C->loop->brk, C->st);
    C->st = st_dead(D, C);
}

static void walk_stmt(Da *D, DaCtx *C, const AstStmt *s)
{
    switch (s->kind) {
    case ST_EXPR: walk_expr(D, C, s->value); break;
    case ST_ASSIGN:
        walk_expr(D, C, s->value);
        for (int i = 0; i < s->targets.n; i++) walk_target(D, C, AST_AT(s->targets, i, AstExpr));
        break;
    case ST_AUGASSIGN:
        if (s->target->kind == EX_NAME) read_name(D, C, s->target);
        else walk_expr(D, C, s->target);
        walk_expr(D, C, s->value);
        walk_target(D, C, s->target);
        break;
    case ST_ANNASSIGN:
        if (s->value) {
            walk_expr(D, C, s->value);
            walk_target(D, C, s->target);
        }
        break;
    case ST_IF: {
        walk_expr(D, C, s->test);
        DaState saved = st_copy(D, C, C->st);
        walk_stmts(D, C, &s->body);
        DaState then = C->st;
        C->st = saved;
        walk_stmts(D, C, &s->orelse);
        st_meet(C, &C->st, then);
        break;
    }
    case ST_WHILE: case ST_FOR: walk_loop(D, C, s); break;
    case ST_BREAK: case ST_CONTINUE: walk_jump(D, C, s); break;
    case ST_RETURN:
        walk_expr(D, C, s->value);
        C->st = st_dead(D, C);
        break;
    case ST_RAISE:
        walk_expr(D, C, s->exc);
        walk_expr(D, C, s->cause);
        C->st = st_dead(D, C);
        break;
    case ST_DEF: walk_def(D, C, s); break;
    case ST_CLASS: walk_class(D, C, s); break;
    case ST_ASSERT:
        walk_expr(D, C, s->test);
        walk_maybe(D, C, s->msg);
        break;
    case ST_DEL:
        for (int i = 0; i < s->targets.n; i++) {
            const AstExpr *t = AST_AT(s->targets, i, AstExpr);
            if (t->kind == EX_NAME) set_bound(C, t->name, 0);
            else walk_expr(D, C, t);
        }
        break;
    case ST_TRY: walk_try(D, C, s); break;
    case ST_WITH: walk_with(D, C, s); break;
    case ST_MATCH: walk_match(D, C, s); break;
    case ST_IMPORT: case ST_IMPORTFROM: walk_import(C, s); break;
    case ST_PASS: case ST_GLOBAL: case ST_NONLOCAL: break;
    }
}

static void walk_stmts(Da *D, DaCtx *C, const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        walk_stmt(D, C, AST_AT(*body, i, AstStmt));
        accumulate(C);
    }
}

DaResult *da_analyze(Arena *a, const AstModule *m)
{
    Da D = { a, arena_alloc(a, sizeof(DaResult)) };
    Scope *top = scope_new(a, SC_MODULE, NULL);
    scope_collect_body(a, top, &m->body);
    DaCtx *M = ctx_new(&D, NULL, top, NULL);
    walk_stmts(&D, M, &m->body);
    return D.r;
}
