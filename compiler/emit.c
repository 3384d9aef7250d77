/* emit.c - the emitter's driver: module-wide facts (known methods and data
 * attributes, names bound by import/class, whether `range` is rebound), the
 * prelude of helper locals, and small shared utilities. Expressions are in
 * emit_expr.c, statements in emit_stmt.c, the text writer in luaout.c and
 * scope rules in scope.c. See docs/internals.md for the contract. */
#include "emit.h"
#include "emit_int.h"
#include <stdio.h>
#include <string.h>

const char *em_fmt(Emitter *E, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(E->a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

const char *em_helper(Emitter *E, const char *name)
{
    nameset_add(E->a, &E->helpers, name);
    return em_fmt(E, "aio_%s", name);
}

const char *em_temp(Emitter *E)
{
    return em_fmt(E, "aio_t%d", ++E->ntemp);
}

void em_pre(Emitter *E, const char *code)
{
    if (E->pre->len) buf_putc(E->pre, ' ');
    buf_puts(E->pre, code);
    if (strncmp(code, "local ", 6) == 0) E->pre_local = 1;
}

const char *em_quote(Emitter *E, const char *s, size_t len)
{
    Buf b;
    buf_init(&b);
    lua_quote(&b, s, len);
    const char *r = em_fmt(E, "%s", b.data);
    buf_free(&b);
    return r;
}

const char *em_local_name(Emitter *E, const char *name)
{
    return lua_name_reserved(name) ? em_fmt(E, "aio_u_%s", name) : name;
}

/* Methods of builtin types: `o.m(...)` may use Lua's `o:m(...)`. */
static const char *const builtin_methods[] = {
    "append", "extend", "insert", "remove", "index", "count", "sort", "reverse",
    "upper", "lower", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
    "join", "replace", "find", "rfind", "rindex", "startswith", "endswith", "partition",
    "rpartition", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower",
    "isidentifier", "isnumeric", "isdecimal", "istitle", "title", "capitalize", "swapcase",
    "casefold", "zfill", "ljust", "rjust", "center", "format", "encode", "decode",
    "expandtabs", "add", "discard", "union", "intersection", "difference",
    "symmetric_difference", "issubset", "issuperset", "isdisjoint", "hex",
    NULL
};

/* Dict methods are always called through aio_callm: a dict's own table never
 * holds them, and `d:get()` would reach the dict's item lookup. */
static const char *const dict_methods[] = {
    "get", "keys", "values", "items", "pop", "popitem", "setdefault", "update", "copy", "clear", NULL
};

static int in_list(const char *const *l, const char *name)
{
    for (int i = 0; l[i]; i++)
        if (strcmp(l[i], name) == 0) return 1;
    return 0;
}

/* Builtin exception classes that are fields of the runtime table too
 * (aio.ValueError; stdlib/00_core.lua). */
static const char *const builtin_excs[] = {
    "BaseException", "Exception", "ArithmeticError", "ZeroDivisionError", "OverflowError",
    "FloatingPointError", "LookupError", "KeyError", "IndexError", "ValueError", "UnicodeError",
    "UnicodeDecodeError", "UnicodeEncodeError", "TypeError", "AttributeError", "NameError",
    "UnboundLocalError", "RuntimeError", "NotImplementedError", "RecursionError", "StopIteration",
    "StopAsyncIteration", "AssertionError", "OSError", "FileNotFoundError", "PermissionError",
    "FileExistsError", "IsADirectoryError", "NotADirectoryError", "TimeoutError", "ConnectionError",
    "ConnectionRefusedError", "ConnectionResetError", "ConnectionAbortedError", "BrokenPipeError",
    "BlockingIOError", "InterruptedError", "ProcessLookupError", "ChildProcessError", "EOFError",
    "ImportError", "ModuleNotFoundError", "MemoryError", "SyntaxError", "KeyboardInterrupt",
    "SystemExit", "GeneratorExit", NULL
};

int em_is_builtin_method(const char *name) { return in_list(builtin_methods, name); }
int em_is_builtin_exc(const char *name) { return in_list(builtin_excs, name); }
int em_is_dict_method(const char *name) { return in_list(dict_methods, name); }

/* ---- module-wide facts ---- */

static void facts_stmts(Emitter *E, const AstList *body);

static void facts_target(Emitter *E, const AstExpr *t)
{
    if (!t) return;
    if (t->kind == EX_ATTR) nameset_add(E->a, &E->dataattrs, t->name);
    if (t->kind == EX_TUPLE || t->kind == EX_LIST)
        for (int i = 0; i < t->items.n; i++) facts_target(E, AST_AT(t->items, i, AstExpr));
    if (t->kind == EX_STARRED) facts_target(E, t->value);
}

static void facts_stmt(Emitter *E, const AstStmt *s)
{
    switch (s->kind) {
    case ST_ASSIGN:
        for (int i = 0; i < s->targets.n; i++) facts_target(E, AST_AT(s->targets, i, AstExpr));
        break;
    case ST_AUGASSIGN: case ST_ANNASSIGN: case ST_FOR:
        facts_target(E, s->target);
        break;
    case ST_WITH:
        for (int i = 0; i < s->items.n; i++) facts_target(E, AST_AT(s->items, i, AstWithItem)->target);
        break;
    case ST_CLASS:
        nameset_add(E->a, &E->modnames, s->name);
        for (int i = 0; i < s->body.n; i++) {
            const AstStmt *d = AST_AT(s->body, i, AstStmt);
            if (d->kind == ST_DEF && d->decorators.n == 0) nameset_add(E->a, &E->methods, d->name);
            /* a staticmethod/classmethod/property named like a builtin method (add, count)
             * must not be called as o:m(), which would pass o */
            else if (d->kind == ST_DEF) nameset_add(E->a, &E->notfast, d->name);
            else if (d->kind == ST_ASSIGN)
                for (int j = 0; j < d->targets.n; j++) {
                    const AstExpr *t = AST_AT(d->targets, j, AstExpr);
                    if (t->kind == EX_NAME) nameset_add(E->a, &E->notfast, t->name);
                }
        }
        break;
    case ST_GLOBAL:
        for (int i = 0; i < s->names.n; i++) nameset_add(E->a, &E->globaldecl, AST_AT(s->names, i, const char));
        break;
    case ST_IMPORTFROM:
        for (int i = 0; i < s->names.n; i++) {
            const AstAlias *al = AST_AT(s->names, i, AstAlias);
            if (strcmp(al->name, "*") == 0) E->import_star = 1;
            else nameset_add(E->a, &E->fromnames, al->asname ? al->asname : al->name);
        }
        break;
    case ST_IMPORT:
        for (int i = 0; i < s->names.n; i++) {
            const AstAlias *al = AST_AT(s->names, i, AstAlias);
            const char *n = al->asname;
            if (!n) {
                const char *dot = strchr(al->name, '.');
                n = dot ? arena_strndup(E->a, al->name, (size_t)(dot - al->name)) : al->name;
            }
            nameset_add(E->a, &E->modnames, n);
        }
        break;
    default: break;
    }
    facts_stmts(E, &s->body);
    facts_stmts(E, &s->orelse);
    facts_stmts(E, &s->finalbody);
    for (int i = 0; i < s->handlers.n; i++) facts_stmts(E, &AST_AT(s->handlers, i, AstHandler)->body);
}

static void facts_stmts(Emitter *E, const AstList *body)
{
    for (int i = 0; i < body->n; i++) facts_stmt(E, AST_AT(*body, i, AstStmt));
}

static int module_binds(Emitter *E, const AstModule *m, const char *name)
{
    /* A scratch function scope sees module-level bindings as locals. */
    Scope *scratch = scope_new(E->a, SC_FUNC, NULL);
    scope_collect_body(E->a, scratch, &m->body);
    return nameset_has(&scratch->locals, name) || nameset_has(&scratch->globals, name);
}

/* A global `name` that the module never binds (no assignment, def, import,
 * `global` declaration or `import *`) always reads the builtin, so the emitter
 * may call the runtime's function directly (perf; see docs/internals.md). */
int em_builtin_fixed(Emitter *E, const char *name)
{
    if (E->import_star || !E->modbinds) return 0;
    if (nameset_has(&E->globaldecl, name)) return 0;
    return !nameset_has(&E->modbinds->locals, name) && !nameset_has(&E->modbinds->globals, name);
}

/* Module-level defs whose name the module binds nowhere else (perf): direct
 * calls use the Lua local aio_g_<name>, kept equal to the global after the
 * def runs; before that it is nil, and calling it raises NameError (the
 * runtime maps "upvalue 'aio_g_f'" errors). At most 60, to stay well under
 * Lua's 200 locals. */
static void find_fastdefs(Emitter *E, const AstModule *m)
{
    if (E->import_star) return;
    for (int i = 0; i < m->body.n && E->fastdefs.n < 60; i++) {
        const AstStmt *d = AST_AT(m->body, i, AstStmt);
        if (d->kind != ST_DEF || d->decorators.n || d->is_async) continue;
        if (nameset_has(&E->globaldecl, d->name) || nameset_has(&E->fastdefs, d->name)) continue;
        int nbind = 0;
        for (int j = 0; j < m->body.n && nbind < 2; j++) {
            AstList one = { .items = &m->body.items[j], .n = 1 };
            Scope *sc = scope_new(E->a, SC_FUNC, NULL);
            scope_collect_body(E->a, sc, &one);
            nbind += nameset_has(&sc->locals, d->name) || nameset_has(&sc->globals, d->name);
        }
        if (nbind == 1) nameset_add(E->a, &E->fastdefs, d->name);
    }
}

/* ---- the module ---- */

int emit_module(Arena *a, const AstModule *m, const CompileOptions *opt, Buf *out, Diag *diag)
{
    int errors0 = diag->nerrors;
    Emitter E;
    memset(&E, 0, sizeof E);
    E.a = a;
    E.diag = diag;
    E.opt = opt;
    facts_stmts(&E, &m->body);
    E.range_bound = module_binds(&E, m, "range");
    E.modbinds = scope_new(a, SC_FUNC, NULL);
    scope_collect_body(a, E.modbinds, &m->body);
    find_fastdefs(&E, m);
    E.da = da_analyze(a, m);

    Buf body;
    buf_init(&body);
    lo_init(&E.out, &body);
    Scope *top = scope_new(a, SC_MODULE, NULL);
    scope_collect_body(a, top, &m->body);     /* only for nonscalar facts */
    E.top = top;
    FuncCtx fc;
    memset(&fc, 0, sizeof fc);
    fc.scope = top;
    E.fn = &fc;
    E.scope = top;
    Buf pre;    /* never used at statement level, but expressions expect one */
    buf_init(&pre);
    E.pre = &pre;
    st_block(&E, &m->body, 0);
    buf_free(&pre);
    buf_putc(&body, '\n');

    /* Prelude: helpers as locals, all on line 1 before line 1's code. */
    buf_puts(out, "local aio = ...; local None");
    for (int i = 0; i < E.helpers.n; i++) buf_printf(out, ", aio_%s", E.helpers.v[i]);
    buf_puts(out, " = aio.None");
    for (int i = 0; i < E.helpers.n; i++) buf_printf(out, ", aio.%s", E.helpers.v[i]);
    buf_puts(out, "; ");
    for (int i = 0; i < E.fastdefs.n; i++) buf_printf(out, "%saio_g_%s", i ? ", " : "local ", E.fastdefs.v[i]);
    if (E.fastdefs.n) buf_puts(out, "; ");
    buf_add(out, body.data, body.len);
    buf_free(&body);
    return diag->nerrors - errors0;
}
