/* emit_stmt.c - statements, functions, classes, comprehensions and
 * try/with to Lua (see docs/internals.md).
 *
 * Each statement is written on its source line. Code hoisted out of its
 * expressions (E->pre) goes first; when that code declares temporaries the
 * statement is wrapped in `do ... end` so the temporaries do not pile up
 * against Lua's 200-locals limit. Python locals are declared once at the top
 * of their Lua function. */
#include "emit_int.h"
#include "unparse.h"
#include <string.h>

void ex_subscript_parts(Emitter *E, const AstExpr *e, LExpr *v, int *is_slice);
LExpr ex_comprehension(Emitter *E, const AstExpr *e);

enum { MAX_LOCALS = 180 };  /* of Lua's 200, leaving room for temporaries */
enum { CODE_RETURN = 1, CODE_BREAK = 2, CODE_CONTINUE = 3 };

/* A return value that cannot be a call once emitted. */
static int ret_is_atom(const AstExpr *e)
{
    switch (e->kind) {
    case EX_NAME: case EX_INT: case EX_FLOAT: case EX_STR: case EX_NONE: case EX_TRUE: case EX_FALSE:
        return 1;
    default:
        return 0;
    }
}


static LExpr mk(const char *s, int prec, unsigned flags)
{
    LExpr x = { s, prec, flags };
    return x;
}

/* ---- statement framing ---- */

typedef struct Frame {
    Buf pre;
    Buf *saved;
    int saved_local;
    int local;      /* after frame_end: the hoisted code declares locals */
} Frame;

static void frame_begin(Emitter *E, Frame *f)
{
    buf_init(&f->pre);
    f->saved = E->pre;
    f->saved_local = E->pre_local;
    E->pre = &f->pre;
    E->pre_local = 0;
}

/* Text of the hoisted code ("" if none, else ending in a space); restores E->pre. */
static const char *frame_end(Emitter *E, Frame *f)
{
    E->pre = f->saved;
    f->local = E->pre_local;
    E->pre_local = f->saved_local;
    const char *s = f->pre.len ? em_fmt(E, "%s ", f->pre.data) : "";
    buf_free(&f->pre);
    return s;
}

/* Writes hoisted code + statement on the current line. */
static void put_simple(Emitter *E, const char *pre, int local, const char *stmt)
{
    if (!*pre) { lo_put(&E->out, stmt); return; }
    if (!*stmt) {
        size_t n = strlen(pre);
        pre = em_fmt(E, "%.*s", (int)(n - 1), pre);  /* drop the trailing space */
    }
    if (local || strncmp(stmt, "return", 6) == 0)
        lo_putf(&E->out, "do %s%s end", pre, stmt);
    else
        lo_putf(&E->out, "%s%s", pre, stmt);
}

/* ---- stores ---- */

static int all_names(const AstList *l)
{
    for (int i = 0; i < l->n; i++)
        if (AST_AT(*l, i, AstExpr)->kind != EX_NAME) return 0;
    return 1;
}

static const char *field(Emitter *E, const char *obj, const char *name)
{
    return lua_is_keyword(name) ? em_fmt(E, "%s[\"%s\"]", obj, name) : em_fmt(E, "%s.%s", obj, name);
}

/* perf: `d[k] = v` on a typed dict (see ex_typed_setitem); v, then k, are
 * evaluated into temporaries first, as Python evaluates them. */
static int st_typed_setitem(Emitter *E, const AstExpr *t, LExpr v)
{
    if (t->index->kind == EX_SLICE || t->value->kind != EX_NAME ||
        scope_container(E->scope, t->value->name) != CT_DICT)
        return 0;
    v = ex_spill(E, v);
    LExpr k = ex_spill(E, ex_value(E, t->index));
    em_pre(E, ex_typed_setitem(E, t, k, v));
    return 1;
}

/* A global name the module binds by a class statement or an import. */
static int names_class_or_module(Emitter *E, const AstExpr *e)
{
    const Scope *owner;
    return e->kind == EX_NAME && nameset_has(&E->modnames, e->name) &&
           scope_resolve(E->scope, e->name, &owner) == NR_GLOBAL;
}

void st_store(Emitter *E, const AstExpr *t, LExpr v)
{
    switch (t->kind) {
    case EX_NAME:
        em_pre(E, em_fmt(E, "%s = %s", ex_name_store(E, t->name), v.s));
        return;
    case EX_ATTR: {
        LExpr o = ex_value(E, t->value);
        if (names_class_or_module(E, t->value)) {
            /* C.m = f on a class: the runtime rewires what derives from it */
            em_pre(E, em_fmt(E, "%s(%s, \"%s\", %s)", em_helper(E, "setattr"), o.s, t->name, v.s));
            return;
        }
        em_pre(E, em_fmt(E, "%s = %s", field(E, ex_prefix(E, o), t->name), v.s));
        return;
    }
    case EX_SUBSCRIPT: {
        LExpr p[4];
        int sl;
        if (st_typed_setitem(E, t, v)) return;
        ex_subscript_parts(E, t, p, &sl);
        if (sl)
            em_pre(E, em_fmt(E, "%s(%s, %s, %s, %s, %s)", em_helper(E, "setslice"), p[0].s, p[1].s, p[2].s,
                              p[3].s, v.s));
        else
            em_pre(E, em_fmt(E, "%s[%s] = %s", ex_prefix(E, p[0]), p[1].s, v.s));
        return;
    }
    case EX_TUPLE: case EX_LIST: {
        int n = t->items.n, star = -1;
        for (int i = 0; i < n; i++)
            if (AST_AT(t->items, i, AstExpr)->kind == EX_STARRED) {
                if (star >= 0) diag_error(E->diag, t->line, t->col, "multiple starred expressions in assignment");
                star = i;
            }
        const char *call = star < 0
            ? em_fmt(E, "%s(%s, %d)", em_helper(E, "unpack"), v.s, n)
            : em_fmt(E, "%s(%s, %d, %d)", em_helper(E, "unpack_star"), v.s, star, n - star - 1);
        if (star < 0 && all_names(&t->items)) {
            Buf b;
            buf_init(&b);
            for (int i = 0; i < n; i++)
                buf_printf(&b, "%s%s", i ? ", " : "", ex_name_store(E, AST_AT(t->items, i, AstExpr)->name));
            em_pre(E, em_fmt(E, "%s = %s", b.data ? b.data : "", call));
            buf_free(&b);
            return;
        }
        const char **tmp = arena_alloc(E->a, sizeof(*tmp) * (size_t)(n + 1));
        Buf b;
        buf_init(&b);
        for (int i = 0; i < n; i++) {
            tmp[i] = em_temp(E);
            buf_printf(&b, "%s%s", i ? ", " : "", tmp[i]);
        }
        em_pre(E, em_fmt(E, "local %s = %s", b.data ? b.data : "aio_t0", call));
        buf_free(&b);
        for (int i = 0; i < n; i++) {
            const AstExpr *it = AST_AT(t->items, i, AstExpr);
            if (it->kind == EX_STARRED) it = it->value;
            st_store(E, it, mk(tmp[i], P_ATOM, LX_SIMPLE | LX_TEMP | LX_PREFIX));
        }
        return;
    }
    case EX_STARRED:
        diag_error(E->diag, t->line, t->col, "starred assignment target must be in a list or tuple");
        return;
    default:
        diag_error(E->diag, t->line, t->col, "cannot assign to expression");
        return;
    }
}

static void st_assign(Emitter *E, const AstStmt *s)
{
    const AstExpr *t0 = AST_AT(s->targets, 0, AstExpr);
    const AstExpr *val = s->value;
    /* a, b = b, a: a Lua multiple assignment evaluates the right side first */
    if (s->targets.n == 1 && (t0->kind == EX_TUPLE || t0->kind == EX_LIST) && all_names(&t0->items) &&
        (val->kind == EX_TUPLE || val->kind == EX_LIST) && !val->parenthesized + 1 &&
        val->items.n == t0->items.n) {
        int ok = 1;
        for (int i = 0; i < val->items.n; i++)
            if (AST_AT(val->items, i, AstExpr)->kind == EX_STARRED) ok = 0;
        if (ok) {
            int n = val->items.n;
            LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)n);
            int last = -1;
            for (int i = 0; i < n; i++)
                if (ex_hoists(AST_AT(val->items, i, AstExpr))) last = i;
            Buf l, r;
            buf_init(&l);
            buf_init(&r);
            for (int i = 0; i < n; i++) {
                v[i] = ex_value(E, AST_AT(val->items, i, AstExpr));
                if (i < last) v[i] = ex_spill(E, v[i]);
                buf_printf(&l, "%s%s", i ? ", " : "", ex_name_store(E, AST_AT(t0->items, i, AstExpr)->name));
                buf_printf(&r, "%s%s", i ? ", " : "", v[i].s);
            }
            em_pre(E, em_fmt(E, "%s = %s", l.data, r.data));
            buf_free(&l);
            buf_free(&r);
            return;
        }
    }
    LExpr v = ex_value(E, val);
    if (s->targets.n > 1) v = ex_spill(E, v);
    for (int i = 0; i < s->targets.n; i++) st_store(E, AST_AT(s->targets, i, AstExpr), v);
}

static int numeric_rhs(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: return 1;
    case EX_UNARY: return e->op == OP_NEG;
    case EX_BINOP:
        return e->op != OP_ADD && e->op != OP_MUL && e->op != OP_MOD && e->op != OP_BITOR &&
               e->op != OP_BITAND && e->op != OP_BITXOR;
    default: return 0;
    }
}

/* A container display, comprehension or string: never a number. */
static int nonnumeric_rhs(const AstExpr *e)
{
    switch (e->kind) {
    case EX_LIST: case EX_TUPLE: case EX_SET: case EX_DICT: case EX_STR: case EX_FSTRING:
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP: return 1;
    default: return 0;
    }
}

/* Does `t op= v` use the plain binary operator? Yes for a name only ever
 * bound to immutable literals (int/float/str/bool). A parameter may hold
 * anything, but perf: numeric code (`n -= 1` on a parameter) stays plain
 * Lua arithmetic, so only a right side that is never a number (`acc +=
 * [x]`, `s |= {x}`) takes the in-place path there. With v NULL a parameter
 * is never scalar. */
static int scalar_name(Emitter *E, const AstExpr *t, const AstExpr *v)
{
    if (t->kind != EX_NAME) return 0;
    const Scope *owner;
    NameRef r = scope_resolve(E->scope, t->name, &owner);
    if (r == NR_GLOBAL) owner = E->top;
    if (nameset_has(&owner->params, t->name)) return v && !nonnumeric_rhs(v);
    return !nameset_has(&owner->nonscalar, t->name);
}

/* x += y where x may be a list or an object with __iadd__:
 * `local aio_ipN = x  x = aio_ipN + y`. Numbers add in the VM (perf: no type
 * check, no call, no store); an __add metamethod that cares asks
 * inplace_of (stdlib/inplace_native.c) whether its caller's last active
 * local is an aio_ip temporary holding its left operand, and then does the
 * in-place add. The target is read before the right side is evaluated, as in
 * Python; the right side is evaluated before aio_ipN is declared, so no other
 * operator runs while it is the last local. */
static LExpr inplace_add(Emitter *E, LExpr cur, LExpr r)
{
    if (!(r.flags & LX_SIMPLE)) {
        cur = ex_spill(E, mk(cur.s, cur.prec, cur.flags & ~LX_SIMPLE));
        r = ex_spill(E, r);
    }
    const char *ip = em_fmt(E, "aio_ip%d", ++E->ntemp);
    em_pre(E, em_fmt(E, "local %s = %s", ip, cur.s));
    return mk(em_fmt(E, "%s + %s", ip, r.s), P_ADD, 0);
}

/* The runtime helper for `x op= v` (aio_isub for -=, ...), or NULL. */
static const char *inplace_helper(AstOp op)
{
    switch (op) {
    case OP_ADD: return "iadd";
    case OP_SUB: return "isub";
    case OP_MUL: return "imul";
    case OP_DIV: return "itruediv";
    case OP_FLOORDIV: return "ifloordiv";
    case OP_MOD: return "imod";
    case OP_POW: return "ipow";
    case OP_MATMUL: return "imatmul";
    case OP_LSHIFT: return "ilshift";
    case OP_RSHIFT: return "irshift";
    case OP_BITAND: return "iand";
    case OP_BITOR: return "ior";
    case OP_BITXOR: return "ixor";
    default: return NULL;
    }
}

/* Does ex_binop emit `l op r` as a raw Lua operator (no helper call)? For
 * / // % that is when the right side is a non-zero number literal. */
static int raw_lua_op(AstOp op, const AstExpr *rhs)
{
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_BITAND: case OP_BITOR: case OP_BITXOR: return 1;
    case OP_DIV: case OP_FLOORDIV: case OP_MOD:
        if (rhs->kind == EX_UNARY && rhs->op == OP_NEG) rhs = rhs->left;
        return (rhs->kind == EX_INT && rhs->ival != 0) || (rhs->kind == EX_FLOAT && rhs->fval != 0.0);
    default: return 0;
    }
}

/* The new value of `cur op= r`. A name only ever bound to immutable literals
 * gets the plain binary operator. Anything else may hold an object with
 * __iop__ (or a list/set/dict that changes in place), so it goes through
 * aio_iop, which tries __iop__ and then the binary operator; perf: when the
 * right side is simple or numeric and the operator is a raw Lua one, numbers
 * are computed inline (`type(cur) == "number" and cur - r or aio_isub(cur, r)`).
 * The target is read before the right side is evaluated, as in Python. */
static LExpr aug_value(Emitter *E, const AstStmt *s, LExpr cur, LExpr r)
{
    const char *h = inplace_helper(s->op);
    if (!h) return ex_binop(E, s->op, cur, r, s->value, NULL);
    /* += on anything but a literal-only local: the aio_ip local (free for
     * numbers, exact for parameters holding lists/objects too) */
    if (s->op == OP_ADD && !scalar_name(E, s->target, NULL)) return inplace_add(E, cur, r);
    if (scalar_name(E, s->target, s->value)) return ex_binop(E, s->op, cur, r, s->value, NULL);
    if (((r.flags & LX_SIMPLE) || numeric_rhs(s->value)) && raw_lua_op(s->op, s->value)) {
        if (!(cur.flags & LX_SIMPLE)) cur = ex_spill(E, cur);
        if (!(r.flags & LX_SIMPLE)) r = ex_spill(E, r);
        LExpr b = ex_binop(E, s->op, cur, r, s->value, NULL);
        return mk(em_fmt(E, "%s(%s) == \"number\" and %s or %s(%s, %s)", em_helper(E, "type"), cur.s,
                         ex_paren(E, b, P_CMP), em_helper(E, h), cur.s, r.s),
                  P_OR, 0);
    }
    return mk(em_fmt(E, "%s(%s, %s)", em_helper(E, h), cur.s, r.s), P_ATOM, LX_PREFIX | LX_CALL);
}

static void st_augassign(Emitter *E, const AstStmt *s)
{
    const AstExpr *t = s->target;
    switch (t->kind) {
    case EX_NAME: {
        const char *n = ex_name_load(E, t->name);
        LExpr cur = da_check(E->da, t) ? mk(ex_name_checked(E, t), P_ATOM, LX_PREFIX)
                                       : mk(n, P_ATOM, LX_SIMPLE | LX_PREFIX);
        LExpr r = ex_value(E, s->value);
        em_pre(E, em_fmt(E, "%s = %s", n, aug_value(E, s, cur, r).s));
        return;
    }
    case EX_ATTR: {
        LExpr o = ex_spill(E, ex_value(E, t->value));
        const char *f = field(E, o.s, t->name);
        int raw = nameset_has(&E->dataattrs, t->name) && !nameset_has(&E->methods, t->name);
        const char *cur = raw ? f : em_fmt(E, "%s(%s, \"%s\")", em_helper(E, "getattr"), o.s, t->name);
        LExpr r = ex_value(E, s->value);
        em_pre(E, em_fmt(E, "%s = %s", f, aug_value(E, s, mk(cur, P_ATOM, LX_PREFIX), r).s));
        return;
    }
    case EX_SUBSCRIPT: {
        LExpr p[4];
        int sl;
        ex_subscript_parts(E, t, p, &sl);
        for (int i = 0; i < (sl ? 4 : 2); i++) p[i] = ex_spill(E, p[i]);
        LExpr r = ex_value(E, s->value);
        if (sl) {
            const char *cur = em_fmt(E, "%s(%s, %s, %s, %s)", em_helper(E, "getslice"), p[0].s, p[1].s, p[2].s,
                                     p[3].s);
            LExpr nv = aug_value(E, s, mk(cur, P_ATOM, LX_PREFIX), r);
            em_pre(E, em_fmt(E, "%s(%s, %s, %s, %s, %s)", em_helper(E, "setslice"), p[0].s, p[1].s, p[2].s,
                              p[3].s, nv.s));
        } else {
            const char *cell = em_fmt(E, "%s[%s]", p[0].s, p[1].s);
            em_pre(E, em_fmt(E, "%s = %s", cell, aug_value(E, s, mk(cell, P_ATOM, LX_PREFIX), r).s));
        }
        return;
    }
    default:
        diag_error(E->diag, t->line, t->col, "illegal expression for augmented assignment");
    }
}

static void st_del_target(Emitter *E, const AstExpr *t)
{
    switch (t->kind) {
    case EX_NAME: em_pre(E, em_fmt(E, "%s = nil", ex_name_store(E, t->name))); return;
    case EX_ATTR: {
        LExpr o = ex_value(E, t->value);
        em_pre(E, em_fmt(E, "%s(%s, \"%s\")", em_helper(E, "delattr"), o.s, t->name));
        return;
    }
    case EX_SUBSCRIPT: {
        LExpr p[4];
        int sl;
        ex_subscript_parts(E, t, p, &sl);
        if (sl)
            em_pre(E, em_fmt(E, "%s(%s, %s, %s, %s)", em_helper(E, "delslice"), p[0].s, p[1].s, p[2].s, p[3].s));
        else
            em_pre(E, em_fmt(E, "%s(%s, %s)", em_helper(E, "delitem"), p[0].s, p[1].s));
        return;
    }
    case EX_TUPLE: case EX_LIST:
        for (int i = 0; i < t->items.n; i++) st_del_target(E, AST_AT(t->items, i, AstExpr));
        return;
    default:
        diag_error(E->diag, t->line, t->col, "cannot delete expression");
    }
}

/* ---- loops and jumps ---- */

static int uses_continue(const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *s = AST_AT(*body, i, AstStmt);
        switch (s->kind) {
        case ST_CONTINUE: return 1;
        case ST_DEF: case ST_CLASS: break;
        case ST_WHILE: case ST_FOR:
            if (uses_continue(&s->orelse)) return 1;
            break;
        default:
            if (uses_continue(&s->body) || uses_continue(&s->orelse) || uses_continue(&s->finalbody)) return 1;
            for (int j = 0; j < s->handlers.n; j++)
                if (uses_continue(&AST_AT(s->handlers, j, AstHandler)->body)) return 1;
        }
    }
    return 0;
}

static int loop_depth_prot(const Loop *l) { return l->id >> 16; }

/* The Lua text of a break/continue/return in the current context. */
static const char *jump_text(Emitter *E, int code, const char *retval)
{
    FuncCtx *fn = E->fn;
    if (code == CODE_RETURN)
        return fn->in_protected ? em_fmt(E, "return %d, %s", CODE_RETURN, retval) : em_fmt(E, "return %s", retval);
    Loop *l = fn->loop;
    if (!l) return "";
    if (loop_depth_prot(l) != fn->in_protected) return em_fmt(E, "return %d", code);
    int id = l->id & 0xffff;
    if (code == CODE_CONTINUE) {
        l->used_cont = 1;
        return em_fmt(E, "goto aio_cont%d", id);
    }
    return l->brk_goto ? em_fmt(E, "goto aio_brk%d", id) : "break";
}

/* Writes a return/jump: `return` must end a Lua block. */
static void put_jump(Emitter *E, const char *pre, int local, const char *text, int last)
{
    int is_ret = strncmp(text, "return", 6) == 0;
    if (is_ret && (!last || *pre)) lo_putf(&E->out, "do %s%s end", pre, text);
    else put_simple(E, pre, local, text);
}

static void loop_begin(Emitter *E, Loop *l, int has_else)
{
    l->id = (++E->nlabel) | (E->fn->in_protected << 16);
    l->brk_goto = has_else;
    l->used_cont = 0;
    l->outer = E->fn->loop;
    E->fn->loop = l;
}

static void loop_body(Emitter *E, const AstList *body, Loop *l)
{
    int cont = uses_continue(body);
    lo_indent(&E->out, 1);
    st_block(E, body, !cont);
    E->fn->loop = l->outer;
    if (cont) lo_putf(&E->out, "::aio_cont%d::", l->id & 0xffff);
    lo_indent(&E->out, -1);
}

static void loop_else(Emitter *E, const AstStmt *s, Loop *l, int wrapped)
{
    if (s->orelse.n) {
        st_block(E, &s->orelse, 0);
        lo_putf(&E->out, "::aio_brk%d::", l->id & 0xffff);
    }
    if (wrapped) {
        lo_indent(&E->out, -1);
        lo_put(&E->out, "end");
    }
}

static void st_while(Emitter *E, const AstStmt *s)
{
    Loop l;
    int has_else = s->orelse.n > 0;
    lo_line(&E->out, s->line);
    if (has_else) { lo_put(&E->out, "do"); lo_indent(&E->out, 1); }
    loop_begin(E, &l, has_else);
    Frame f;
    frame_begin(E, &f);
    int hoists = ex_hoists(s->test);
    const char *t = hoists ? ex_test_not(E, s->test) : ex_test(E, s->test);
    const char *pre = frame_end(E, &f);
    if (hoists) lo_putf(&E->out, "while true do %sif %s then break end", pre, t);
    else lo_putf(&E->out, "while %s do", t);
    loop_body(E, &s->body, &l);
    lo_line(&E->out, s->orelse.n ? AST_AT(s->orelse, 0, AstStmt)->line : s->end_line);
    lo_put(&E->out, "end");
    loop_else(E, s, &l, has_else);
}

static int is_range_call(Emitter *E, const AstExpr *it)
{
    if (it->kind != EX_CALL || it->left->kind != EX_NAME || strcmp(it->left->name, "range") != 0) return 0;
    if (E->range_bound) return 0;
    const Scope *owner;
    if (scope_resolve(E->scope, "range", &owner) != NR_GLOBAL) return 0;
    int n = it->args.n;
    if (n < 1 || n > 3) return 0;
    for (int i = 0; i < n; i++)
        if (AST_AT(it->args, i, AstArg)->kind != ARG_POS) return 0;
    if (n == 3) {
        const AstExpr *st = AST_AT(it->args, 2, AstArg)->value;
        if (st->kind == EX_UNARY && st->op == OP_NEG && st->left->kind == EX_INT) return st->left->ival != 0;
        return st->kind == EX_INT && st->ival != 0;
    }
    return 1;
}

static int64_t range_step(const AstExpr *it)
{
    if (it->args.n < 3) return 1;
    const AstExpr *st = AST_AT(it->args, 2, AstArg)->value;
    return st->kind == EX_INT ? st->ival : -st->left->ival;
}

/* `x.split()` with no arguments, x not an imported module (aio.iter_split
 * falls back to the ordinary method call for anything but a str). */
static int is_plain_split_call(Emitter *E, const AstExpr *e)
{
    if (e->kind != EX_CALL || e->args.n != 0 || e->left->kind != EX_ATTR) return 0;
    if (strcmp(e->left->name, "split") != 0) return 0;
    const AstExpr *o = e->left->value;
    if (o->kind == EX_CALL && o->left->kind == EX_NAME && strcmp(o->left->name, "super") == 0) return 0;
    return !(o->kind == EX_NAME && nameset_has(&E->modnames, o->name));
}

/* Lua `for` header ("for ... do <target store>"). Code to evaluate the
 * iterable goes to E->pre. `given` (may be NULL) replaces the iterable (used
 * for a comprehension's first iterable, evaluated outside its function); for
 * a range fast path given[0..1] are the start and stop. */
const char *st_for_header(Emitter *E, const AstExpr *target, const AstExpr *iter, const char **given,
                          int is_async, int private_var);
const char *st_for_header(Emitter *E, const AstExpr *target, const AstExpr *iter, const char **given,
                          int is_async, int private_var)
{
    const char *var = "aio_v", *head;
    if (!is_async && is_range_call(E, iter)) {
        int64_t step = range_step(iter);
        const char *start, *stop;
        const AstExpr *stopx = AST_AT(iter->args, iter->args.n == 1 ? 0 : 1, AstArg)->value;
        if (given) {
            start = given[0];
            stop = given[1];
        } else {
            LExpr v[2];
            if (iter->args.n == 1) {
                v[0] = mk("0", P_ATOM, LX_SIMPLE);
                v[1] = ex_value(E, stopx);
            } else {
                v[0] = ex_value(E, AST_AT(iter->args, 0, AstArg)->value);
                if (ex_hoists(stopx)) v[0] = ex_spill(E, v[0]);
                v[1] = ex_value(E, stopx);
            }
            start = v[0].s;
            stop = ex_paren(E, v[1], P_ADD);
        }
        const char *limit;
        if (!given && stopx->kind == EX_INT && stopx->ival > INT64_MIN + 1 && stopx->ival < INT64_MAX)
            limit = em_fmt(E, "%lld", (long long)(stopx->ival + (step > 0 ? -1 : 1)));
        else
            limit = em_fmt(E, "%s %s 1", stop, step > 0 ? "-" : "+");
        /* perf: a variable only read in the body (scope_loop_var_private) is
         * the control variable itself: no `i = aio_i` store per pass */
        var = private_var ? em_local_name(E, target->name) : "aio_i";
        head = step == 1 ? em_fmt(E, "for %s = %s, %s do", var, start, limit)
                         : em_fmt(E, "for %s = %s, %s, %lld do", var, start, limit, (long long)step);
        if (private_var) return head;
    } else if (!given && !is_async && is_plain_split_call(E, iter)) {
        /* perf: `for w in s.split()` walks a str without building the list */
        head = em_fmt(E, "for aio_v in %s(%s) do", em_helper(E, "iter_split"), ex_value(E, iter->left->value).s);
    } else {
        const char *src = given ? given[0] : ex_value(E, iter).s;
        head = em_fmt(E, "for aio_v in %s(%s) do", em_helper(E, is_async ? "aiter" : "iter"), src);
    }
    Frame f;
    frame_begin(E, &f);
    st_store(E, target, mk(var, P_ATOM, LX_SIMPLE | LX_PREFIX));
    const char *store = frame_end(E, &f);
    return em_fmt(E, "%s %s", head, store);
}

static void st_for(Emitter *E, const AstStmt *s)
{
    Loop l;
    int has_else = s->orelse.n > 0;
    lo_line(&E->out, s->line);
    Frame f;
    frame_begin(E, &f);
    int private_var = E->scope->kind == SC_FUNC && scope_loop_var_private(E->scope, s);
    const char *head = st_for_header(E, s->target, s->iter, NULL, s->is_async, private_var);
    const char *pre = frame_end(E, &f);
    int wrap = has_else || f.local;
    if (wrap) { lo_put(&E->out, "do"); lo_indent(&E->out, 1); }
    if (*pre) lo_put(&E->out, pre);
    loop_begin(E, &l, has_else);
    lo_put(&E->out, head);
    loop_body(E, &s->body, &l);
    lo_line(&E->out, s->orelse.n ? AST_AT(s->orelse, 0, AstStmt)->line : s->end_line);
    lo_put(&E->out, "end");
    loop_else(E, s, &l, wrap);
}

/* ---- if ---- */

static void st_if(Emitter *E, const AstStmt *s, int tail_free)
{
    lo_line(&E->out, s->line);
    Frame f;
    frame_begin(E, &f);
    const char *t = ex_test(E, s->test);
    const char *pre = frame_end(E, &f);
    int wrap = *pre != 0;
    if (wrap) lo_putf(&E->out, "do %s", pre);
    lo_putf(&E->out, "if %s then", t);
    lo_indent(&E->out, 1);
    st_block(E, &s->body, 1);
    lo_indent(&E->out, -1);
    const AstList *orelse = &s->orelse;
    int opened = 0;     /* extra `end`s for elifs that needed hoisting */
    while (orelse->n) {
        const AstStmt *e0 = AST_AT(*orelse, 0, AstStmt);
        lo_line(&E->out, e0->line);
        if (orelse->n == 1 && e0->kind == ST_IF && !ex_hoists(e0->test)) {
            frame_begin(E, &f);
            t = ex_test(E, e0->test);
            frame_end(E, &f);
            lo_putf(&E->out, "elseif %s then", t);
            lo_indent(&E->out, 1);
            st_block(E, &e0->body, 1);
            lo_indent(&E->out, -1);
            orelse = &e0->orelse;
            continue;
        }
        if (orelse->n == 1 && e0->kind == ST_IF) {
            /* elif whose test hoists code: else + nested if */
            frame_begin(E, &f);
            t = ex_test(E, e0->test);
            pre = frame_end(E, &f);
            lo_putf(&E->out, "else do %sif %s then", pre, t);
            opened += 2;
            lo_indent(&E->out, 1);
            st_block(E, &e0->body, 1);
            lo_indent(&E->out, -1);
            orelse = &e0->orelse;
            continue;
        }
        lo_put(&E->out, "else");
        lo_indent(&E->out, 1);
        st_block(E, orelse, 1);
        lo_indent(&E->out, -1);
        break;
    }
    lo_line(&E->out, s->end_line);
    lo_put(&E->out, "end");
    while (opened--) lo_put(&E->out, "end");
    if (wrap) lo_put(&E->out, "end");
    (void)tail_free;
}

/* ---- functions ---- */

static void spec_names(Buf *b, const char *key, const AstList *params, AstParamKind kind)
{
    int n = 0;
    for (int i = 0; i < params->n; i++)
        if (AST_AT(*params, i, AstParam)->kind == kind) n++;
    if (!n) return;
    buf_printf(b, ", %s={", key);
    int first = 1;
    for (int i = 0; i < params->n; i++) {
        const AstParam *p = AST_AT(*params, i, AstParam);
        if (p->kind != kind) continue;
        buf_printf(b, "%s\"%s\"", first ? "" : ", ", p->name);
        first = 0;
    }
    buf_putc(b, '}');
}

/* Builds "function(<sig>) <prologue> local <locals>" into *head and the spec
 * table into *spec. Defaults are evaluated now, into temporaries in E->pre. */
static void fn_header(Emitter *E, const AstList *params, const char *qual, Scope *sc, const char **head,
                      const char **spec, int line, int col)
{
    int n = params->n, vararg = 0, kwargs = 0, nkwonly = 0;
    const char **dflt = arena_alloc(E->a, sizeof(*dflt) * (size_t)(n + 1));
    /* defaults in source order, in the enclosing scope */
    for (int i = 0; i < n; i++) {
        const AstParam *p = AST_AT(*params, i, AstParam);
        if (p->deflt) {
            /* evaluated now: a name must be captured, not looked up at call time */
            LExpr d = ex_value(E, p->deflt);
            if (p->deflt->kind == EX_NAME) d.flags &= ~(unsigned)(LX_SIMPLE | LX_TEMP);
            dflt[i] = ex_spill(E, d).s;
        }
        if (p->kind == PARAM_VARARGS) vararg = 1;
        if (p->kind == PARAM_KWARGS) kwargs = 1;
        if (p->kind == PARAM_KWONLY) nkwonly++;
        nameset_add(E->a, &sc->params, p->name);
    }
    Buf b;
    buf_init(&b);
    buf_puts(&b, "function(");
    int first = 1;
    for (int i = 0; i < n; i++) {
        const AstParam *p = AST_AT(*params, i, AstParam);
        if (p->kind == PARAM_POS || (!vararg && p->kind != PARAM_VARARGS)) {
            buf_printf(&b, "%s%s", first ? "" : ", ", em_local_name(E, p->name));
            first = 0;
        }
    }
    if (vararg) buf_printf(&b, "%s...", first ? "" : ", ");
    buf_puts(&b, ")");
    if (vararg) {
        const char *va = NULL;
        for (int i = 0; i < n; i++)
            if (AST_AT(*params, i, AstParam)->kind == PARAM_VARARGS) va = AST_AT(*params, i, AstParam)->name;
        if (nkwonly || kwargs) {
            buf_printf(&b, " local %s, aio_kw = %s(...)", em_local_name(E, va), em_helper(E, "varargs"));
            buf_puts(&b, " local ");
            int k = 0;
            for (int i = 0; i < n; i++) {
                const AstParam *p = AST_AT(*params, i, AstParam);
                if (p->kind == PARAM_KWONLY || p->kind == PARAM_KWARGS)
                    buf_printf(&b, "%s%s", k++ ? ", " : "", em_local_name(E, p->name));
            }
            buf_puts(&b, " = ");
            k = 0;
            for (int i = 0; i < n; i++) {
                const AstParam *p = AST_AT(*params, i, AstParam);
                if (p->kind == PARAM_KWONLY)
                    buf_printf(&b, "%saio_kw%s", k++ ? ", " : "",
                               lua_is_keyword(p->name) ? em_fmt(E, "[\"%s\"]", p->name) : em_fmt(E, ".%s", p->name));
                else if (p->kind == PARAM_KWARGS)
                    buf_printf(&b, "%saio_kw.aio_kwargs", k++ ? ", " : "");
            }
        } else {
            buf_printf(&b, " local %s = %s(...)", em_local_name(E, va), em_helper(E, "varargs"));
        }
    }
    /* One nil check, on the last required positional parameter, covers them
     * all: a positional call cannot leave an earlier one nil while a later one
     * is set (aio has no nil values), and the keyword path (aio.call_fn)
     * reports holes itself before calling. aio_missing then names every
     * missing one. */
    int last_req = -1;
    for (int i = 0; i < n; i++)
        if (AST_AT(*params, i, AstParam)->kind == PARAM_POS && !AST_AT(*params, i, AstParam)->deflt) last_req = i;
    for (int i = 0; i < n; i++) {
        const AstParam *p = AST_AT(*params, i, AstParam);
        const char *ln = em_local_name(E, p->name);
        if (p->kind == PARAM_POS && !p->deflt && i != last_req)
            continue;
        else if (p->kind == PARAM_KWARGS)
            buf_printf(&b, " if %s == nil then %s = %s({}) end", ln, ln, em_helper(E, "dict"));
        else if (p->kind == PARAM_VARARGS)
            continue;
        else if (p->deflt)
            buf_printf(&b, " if %s == nil then %s = %s end", ln, ln, dflt[i]);
        else
            /* perf: `not x` is an inline test; `x == nil` alone is a C call (EQK) */
            buf_printf(&b, " if not %s and %s == nil then %s(\"%s\", \"%s\"%s) end", ln, ln, em_helper(E, "missing"),
                       qual, p->name,
                       p->kind == PARAM_KWONLY ? ", true" : "");
    }
    if (sc->locals.n) {
        if (sc->locals.n + sc->params.n > MAX_LOCALS)
            diag_error(E->diag, line, col, "too many local variables in function '%s' (aio allows %d)", qual,
                       MAX_LOCALS);
        buf_puts(&b, " local ");
        for (int i = 0; i < sc->locals.n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", em_local_name(E, sc->locals.v[i]));
    }
    *head = em_fmt(E, "%s", b.data);
    buf_free(&b);
    buf_init(&b);
    buf_printf(&b, "{name=\"%s\"", qual);
    spec_names(&b, "params", params, PARAM_POS);
    if (!strstr(b.data, "params=")) buf_puts(&b, ", params={}");
    spec_names(&b, "kwonly", params, PARAM_KWONLY);
    if (vararg) buf_puts(&b, ", vararg=true");
    if (kwargs) buf_puts(&b, ", kwargs=true");
    /* aio_missing names every missing required positional, as Python does */
    int nreq = 0;
    for (int i = 0; i < n; i++)
        if (AST_AT(*params, i, AstParam)->kind == PARAM_POS && !AST_AT(*params, i, AstParam)->deflt) nreq++;
    if (nreq > 1) buf_printf(&b, ", nreq=%d", nreq);
    buf_putc(&b, '}');
    *spec = em_fmt(E, "%s", b.data);
    buf_free(&b);
}

static void fn_enter(Emitter *E, FuncCtx *fc, Scope *sc)
{
    memset(fc, 0, sizeof *fc);
    fc->scope = sc;
    fc->saved_scope = E->scope;
    fc->outer = E->fn;
    E->fn = fc;
    E->scope = sc;
}

static void fn_leave(Emitter *E, FuncCtx *fc)
{
    E->fn = fc->outer;
    E->scope = fc->saved_scope;
}

const char *ex_lambda(Emitter *E, const AstExpr *e)
{
    Scope *sc = scope_new(E->a, SC_FUNC, E->scope);
    for (int i = 0; i < e->params.n; i++) nameset_add(E->a, &sc->params, AST_AT(e->params, i, AstParam)->name);
    scope_collect_expr(E->a, sc, e->value);
    const char *head, *spec;
    fn_header(E, &e->params, "<lambda>", sc, &head, &spec, e->line, e->col);
    FuncCtx fc;
    fn_enter(E, &fc, sc);
    Frame f;
    frame_begin(E, &f);
    LExpr body = ex_value(E, e->value);
    const char *pre = frame_end(E, &f);
    fn_leave(E, &fc);
    if (sc->has_yield)
        return em_fmt(E, "%s(%s return %s(function() %sreturn %s end, \"<lambda>\") end, \"<lambda>\", %s)",
                      em_helper(E, "def"), head, em_helper(E, "generator"), pre, body.s, spec);
    /* (...) keeps Lua from making a tail call that would drop the lambda's frame. */
    return em_fmt(E, ret_is_atom(e->value) ? "%s(%s %sreturn %s end, \"<lambda>\", %s)"
                                           : "%s(%s %sreturn (%s) end, \"<lambda>\", %s)",
                  em_helper(E, "def"), head, pre, body.s, spec);
}

static int ends_with_return(const AstList *body)
{
    return body->n && AST_AT(*body, body->n - 1, AstStmt)->kind == ST_RETURN;
}

static const char *decorate_open(Emitter *E, const AstList *decos, int *ndeco)
{
    Buf b;
    buf_init(&b);
    for (int i = 0; i < decos->n; i++)
        buf_printf(&b, "%s(", ex_prefix(E, ex_value(E, AST_AT(*decos, i, AstExpr))));
    *ndeco = decos->n;
    const char *s = em_fmt(E, "%s", b.data ? b.data : "");
    buf_free(&b);
    return s;
}

static void st_def(Emitter *E, const AstStmt *s)
{
    lo_line(&E->out, s->line);
    const char *qual = s->name;
    if (E->scope->kind == SC_CLASS && E->fn->clsname)
        qual = em_fmt(E, "%s.%s", E->fn->clsname, s->name);
    Scope *sc = scope_new(E->a, SC_FUNC, E->scope);
    for (int i = 0; i < s->params.n; i++) nameset_add(E->a, &sc->params, AST_AT(s->params, i, AstParam)->name);
    scope_collect_body(E->a, sc, &s->body);
    scope_collect_types(E->a, sc, &s->body, em_builtin_fixed(E, "len"), !E->range_bound);
    Frame f;
    frame_begin(E, &f);
    int ndeco;
    const char *deco = decorate_open(E, &s->decorators, &ndeco);
    const char *head, *spec;
    fn_header(E, &s->params, qual, sc, &head, &spec, s->line, s->col);
    const char *target = ex_name_store(E, s->name);
    const char *pre = frame_end(E, &f);
    int wrap = *pre != 0;
    if (wrap) lo_putf(&E->out, "do %s", pre);
    const char *wrapper = NULL;
    /* async def (not a generator): aio_async_def(function(params) body end, ...);
     * the runtime wraps it in a function returning coroutine objects. */
    const char *defn = s->is_async && !sc->has_yield ? "async_def" : "def";
    if (s->is_async) wrapper = sc->has_yield ? "async_generator" : NULL;
    else if (sc->has_yield) wrapper = "generator";
    lo_putf(&E->out, "%s = %s%s(%s", target, deco, em_helper(E, defn), head);
    if (wrapper) lo_putf(&E->out, "return %s(function()", em_helper(E, wrapper));
    FuncCtx fc;
    const char *clsvar = E->scope->kind == SC_CLASS ? E->scope->clsvar : NULL;
    fn_enter(E, &fc, sc);
    fc.body = &s->body;
    fc.clsvar = clsvar;
    if (clsvar && s->params.n && AST_AT(s->params, 0, AstParam)->kind == PARAM_POS)
        fc.self = AST_AT(s->params, 0, AstParam)->name;
    lo_indent(&E->out, 1);
    int tail = ends_with_return(&s->body);
    st_block(E, &s->body, tail);
    lo_line(&E->out, s->end_line);
    if (!tail) lo_put(&E->out, "return None");
    lo_indent(&E->out, -1);
    fn_leave(E, &fc);
    if (wrapper) lo_putf(&E->out, "end, \"%s\")", s->name);
    Buf close;
    buf_init(&close);
    buf_printf(&close, "end, \"%s\", %s)", qual, spec);
    for (int i = 0; i < ndeco; i++) buf_putc(&close, ')');
    if (E->scope->kind == SC_MODULE && nameset_has(&E->fastdefs, s->name))
        buf_printf(&close, " aio_g_%s = %s", s->name, target);   /* perf: see find_fastdefs */
    lo_put(&E->out, close.data);
    buf_free(&close);
    if (wrap) lo_put(&E->out, "end");
}

/* ---- classes ---- */

/* `name: T` in a class body: the class's __annotations__ maps name to the
 * annotation's text (PEP 563 strings: never evaluated; dataclasses reads
 * them), built before the body runs. */
static void class_annotations(Emitter *E, const char *clsvar, const AstList *body)
{
    Buf b;
    buf_init(&b);
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (st->kind != ST_ANNASSIGN || st->target->kind != EX_NAME || !st->annotation) continue;
        Buf text;
        buf_init(&text);
        up_expr(&text, st->annotation);
        buf_printf(&b, "%s%s, %s", b.len ? ", " : "", em_quote(E, st->target->name, strlen(st->target->name)),
                   em_quote(E, text.data, text.len));
        buf_free(&text);
    }
    if (b.len) lo_putf(&E->out, " %s.__annotations__ = %s({%s})", clsvar, em_helper(E, "dict"), b.data);
    buf_free(&b);
}

static void st_class(Emitter *E, const AstStmt *s)
{
    lo_line(&E->out, s->line);
    Frame f;
    frame_begin(E, &f);
    int ndeco;
    const char *deco = decorate_open(E, &s->decorators, &ndeco);
    int n = s->bases.n;
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)(n + 1));
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) xs[i] = AST_AT(s->bases, i, AstArg)->value;
    for (int i = 0; i < n; i++) {
        v[i] = ex_value(E, xs[i]);
        v[i] = ex_spill(E, v[i]);
    }
    Buf bases, kw;
    buf_init(&bases);
    buf_init(&kw);
    buf_putc(&bases, '{');
    int nb = 0, nk = 0;
    for (int i = 0; i < n; i++) {
        const AstArg *a = AST_AT(s->bases, i, AstArg);
        if (a->kind == ARG_KEYWORD) {
            buf_printf(&kw, "%s%s=%s", nk++ ? ", " : "{", a->name, v[i].s);
        } else {
            buf_printf(&bases, "%s%s", nb++ ? ", " : "", v[i].s);
        }
    }
    buf_putc(&bases, '}');
    if (nk) buf_putc(&kw, '}');
    const char *target = ex_name_store(E, s->name);
    const char *pre = frame_end(E, &f);
    int depth = ++E->ncls;
    const char *clsvar = depth == 1 ? "aio_cls" : em_fmt(E, "aio_cls%d", depth);
    lo_putf(&E->out, "do %slocal %s = %s(\"%s\", %s, %s)", pre, clsvar, em_helper(E, "class"), s->name, bases.data,
            nk ? kw.data : "nil");
    buf_free(&bases);
    buf_free(&kw);
    class_annotations(E, clsvar, &s->body);
    Scope *sc = scope_new(E->a, SC_CLASS, E->scope);
    sc->clsvar = clsvar;
    scope_collect_body(E->a, sc, &s->body);
    Scope *saved_scope = E->scope;
    const char *saved_cls = E->fn->clsvar, *saved_name = E->fn->clsname;
    E->scope = sc;
    E->fn->clsvar = clsvar;
    E->fn->clsname = s->name;  /* for the qualnames of methods */
    lo_indent(&E->out, 1);
    st_block(E, &s->body, 0);
    lo_indent(&E->out, -1);
    E->scope = saved_scope;
    E->fn->clsvar = saved_cls;
    E->fn->clsname = saved_name;
    E->ncls--;
    lo_line(&E->out, s->end_line);
    Buf close;
    buf_init(&close);
    buf_printf(&close, "%s = %s%s(%s)", target, deco, em_helper(E, "class_done"), clsvar);
    for (int i = 0; i < ndeco; i++) buf_putc(&close, ')');
    buf_puts(&close, " end");
    lo_put(&E->out, close.data);
    buf_free(&close);
}

/* ---- try / with ---- */

static int jumps_out(const AstList *body, int in_loop);

enum { J_RETURN = 1, J_BREAK = 2, J_CONTINUE = 4 };

static int stmt_jumps(const AstStmt *s, int in_loop)
{
    int m = 0;
    switch (s->kind) {
    case ST_RETURN: return J_RETURN;
    case ST_BREAK: return in_loop ? 0 : J_BREAK;
    case ST_CONTINUE: return in_loop ? 0 : J_CONTINUE;
    case ST_DEF: case ST_CLASS: return 0;
    case ST_WHILE: case ST_FOR: return jumps_out(&s->body, 1) | jumps_out(&s->orelse, in_loop);
    default:
        m = jumps_out(&s->body, in_loop) | jumps_out(&s->orelse, in_loop) | jumps_out(&s->finalbody, in_loop);
        for (int j = 0; j < s->handlers.n; j++) m |= jumps_out(&AST_AT(s->handlers, j, AstHandler)->body, in_loop);
        return m;
    }
}

/* Which of return/break/continue the statements may do out of a protected
 * body (a J_* mask). */
static int jumps_out(const AstList *body, int in_loop)
{
    int m = 0;
    for (int i = 0; i < body->n; i++) m |= stmt_jumps(AST_AT(*body, i, AstStmt), in_loop);
    return m;
}

/* After a protected call returned codes in aio_c/aio_v: re-issue them here. */
static void put_dispatch(Emitter *E, int mask)
{
    Buf b;
    buf_init(&b);
    const char *kw = "if";
    if (mask & J_RETURN) {
        buf_printf(&b, "%s aio_c == %d then %s", kw, CODE_RETURN, jump_text(E, CODE_RETURN, "aio_v"));
        kw = " elseif";
    }
    if ((mask & J_BREAK) && E->fn->loop) {
        buf_printf(&b, "%s aio_c == %d then %s", kw, CODE_BREAK, jump_text(E, CODE_BREAK, NULL));
        kw = " elseif";
    }
    if ((mask & J_CONTINUE) && E->fn->loop) {
        buf_printf(&b, "%s aio_c == %d then %s", kw, CODE_CONTINUE, jump_text(E, CODE_CONTINUE, NULL));
        kw = " elseif";
    }
    if (b.len) {
        buf_puts(&b, " end");
        lo_put(&E->out, b.data);
    }
    buf_free(&b);
}

static void protected_body(Emitter *E, const AstList *body)
{
    E->fn->in_protected++;
    lo_indent(&E->out, 1);
    st_block(E, body, 0);
    lo_indent(&E->out, -1);
    E->fn->in_protected--;
}

static int first_line(const AstList *l, int dflt)
{
    return l->n ? AST_AT(*l, 0, AstStmt)->line : dflt;
}

/* An except clause's body. One that may raise holds a to-be-closed marker:
 * when an exception escapes the body, Lua calls the marker's __close with
 * it, which sets the handled exception as its __context__ (aio_handling).
 * No closure and no protected call, and the escaping exception keeps
 * unwinding from where it was raised, so its traceback is intact. */
static void handler_body(Emitter *E, const AstStmt *try, const AstHandler *h, const char *ev)
{
    if (!em_body_cannot_raise(E, &h->body, try))
        lo_putf(&E->out, "local aio_h <close> = %s(%s)", em_helper(E, "handling"), ev);
    st_block(E, &h->body, 0);
    /* Python unbinds the `as` name when the handler ends */
    if (h->name) lo_putf(&E->out, "%s = nil", ex_name_store(E, h->name));
}

/* Does a body contain a raise statement (not counting nested def/class)? */
static int has_raise(const AstList *body)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (st->kind == ST_RAISE) return 1;
        if (st->kind == ST_DEF || st->kind == ST_CLASS) continue;
        if (has_raise(&st->body) || has_raise(&st->orelse) || has_raise(&st->finalbody)) return 1;
        for (int j = 0; j < st->handlers.n; j++)
            if (has_raise(&AST_AT(st->handlers, j, AstHandler)->body)) return 1;
    }
    return 0;
}

/* An except type that can be evaluated early without side effects: a name,
 * a dotted name, or a tuple of those. */
static int static_type(const AstExpr *t)
{
    if (t->kind == EX_NAME) return 1;
    if (t->kind == EX_ATTR) return static_type(t->value);
    if (t->kind == EX_TUPLE) {
        for (int i = 0; i < t->items.n; i++)
            if (!static_type(AST_AT(t->items, i, AstExpr))) return 0;
        return 1;
    }
    return 0;
}

static void types_list(Emitter *E, const AstExpr *t, Buf *b)
{
    if (t->kind == EX_TUPLE) {
        for (int i = 0; i < t->items.n; i++) types_list(E, AST_AT(t->items, i, AstExpr), b);
        return;
    }
    buf_printf(b, ", %s", ex_value(E, t).s);
}

/* Counts the classes of an except type made only of builtin exception
 * names the module never binds (fixed values); -1 if it has anything else. */
static int fixed_types(Emitter *E, const AstExpr *t)
{
    if (t->kind == EX_TUPLE) {
        int n = 0;
        for (int i = 0; i < t->items.n; i++) {
            int k = fixed_types(E, AST_AT(t->items, i, AstExpr));
            if (k < 0) return -1;
            n += k;
        }
        return n;
    }
    const Scope *owner;
    if (t->kind != EX_NAME || !em_is_builtin_exc(t->name) || !em_builtin_fixed(E, t->name) ||
        scope_resolve(E->scope, t->name, &owner) != NR_GLOBAL)
        return -1;
    return 1;
}

/* How a try body is called. Tracebacks cost a stack walk, so they are
 * recorded only for an exception that may leave the try: plain pcall when a
 * bare `except:` catches everything; aio_tb_unless(e, T...) (no traceback
 * for exceptions the clauses catch) when no clause can re-raise; else the
 * full aio_traceback_handler (needed for `raise` in a handler: the handled
 * exception's traceback shows in the chain, a bare raise keeps its origin). */
static const char *try_handler(Emitter *E, const AstStmt *s)
{
    for (int i = E->th_n - 1; i >= 0; i--)
        if (E->th_try[i] == s) return E->th_name[i];
    int bare = 0, simple = 1;
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        if (has_raise(&h->body) || em_body_wants_traceback(&h->body)) return em_helper(E, "traceback_handler");
        if (!h->type) bare = 1;
        else if (!static_type(h->type)) simple = 0;
    }
    if (bare) return NULL;
    if (!simple) return em_helper(E, "traceback_handler");
    Buf b;
    buf_init(&b);
    for (int i = 0; i < s->handlers.n; i++) types_list(E, AST_AT(s->handlers, i, AstHandler)->type, &b);
    /* perf: builtin classes are fixed values, so a C handler made from them
     * (stdlib/exc_native.c) answers for them; one class: made once per run */
    int nfixed = 0;
    for (int i = 0; i < s->handlers.n && nfixed >= 0; i++) {
        int k = fixed_types(E, AST_AT(s->handlers, i, AstHandler)->type);
        nfixed = k < 0 ? -1 : nfixed + k;
    }
    if (nfixed >= 1 && nfixed <= 32) {
        const char *r = nfixed == 1 ? em_fmt(E, "%s[%s]", em_helper(E, "catchers"), b.data + 2)
                                    : em_fmt(E, "%s(%s)", em_helper(E, "catch"), b.data + 2);
        buf_free(&b);
        return r;
    }
    /* parenthesised: not a tail call, the walk counts this frame */
    /* perf: an exception of exactly the first clause's class returns at once */
    const AstExpr *t0 = AST_AT(s->handlers, 0, AstHandler)->type;
    LExpr v0 = t0->kind == EX_NAME ? ex_value(E, t0) : mk("", P_ATOM, 0);
    const char *fast = v0.flags & LX_SIMPLE ? em_fmt(E, "if %s(aio_x) == %s then return aio_x end ",
                                                     em_helper(E, "getmetatable"), v0.s) : "";
    const char *r = em_fmt(E, "function(aio_x) %sreturn (%s(aio_x%s)) end", fast, em_helper(E, "tb_unless"), b.data);
    buf_free(&b);
    return r;
}

/* Can an except type be read by a closure made before the enclosing loop?
 * Python locals are Lua locals declared at the function top, so function
 * locals, upvalues and globals can; class-body names cannot. */
static int th_hoistable(Emitter *E, const AstExpr *t)
{
    if (t->kind == EX_NAME) {
        const Scope *owner;
        NameRef r = scope_resolve(E->scope, t->name, &owner);
        return r == NR_LOCAL || r == NR_FREE || r == NR_GLOBAL;
    }
    if (t->kind == EX_ATTR) return th_hoistable(E, t->value);
    if (t->kind == EX_TUPLE) {
        for (int i = 0; i < t->items.n; i++)
            if (!th_hoistable(E, AST_AT(t->items, i, AstExpr))) return 0;
        return 1;
    }
    return 0;
}

/* The local holding a try body's closure made before the loop, or NULL. */
static const char *try_body_var(Emitter *E, const AstStmt *s)
{
    for (int i = E->tb_n - 1; i >= 0; i--)
        if (E->tb_try[i] == s) return E->tb_name[i];
    return NULL;
}

/* Finds the try statements of a loop body (not of nested defs/classes)
 * whose message handler is an aio_tb_unless closure, and names one local
 * per try for it (perf: one closure per loop, not per pass). Also names a
 * local for each try body closure that may be kept from pass to pass
 * (`body_ok`): one outside every except and finally body within the loop,
 * so that it refers only to Lua locals declared before the loop (Python
 * locals are declared at the function top) and never to the aio_e<N> or
 * aio_ok/aio_c of an enclosing clause, which are new on each pass. */
static void th_collect(Emitter *E, const AstList *body, Buf *decl, int body_ok)
{
    for (int i = 0; i < body->n; i++) {
        const AstStmt *st = AST_AT(*body, i, AstStmt);
        if (st->kind == ST_DEF || st->kind == ST_CLASS) continue;
        if (st->kind == ST_TRY && !st->finalbody.n && E->th_n < 32) {
            int ok = 1;
            for (int j = 0; j < st->handlers.n && ok; j++) {
                const AstHandler *h = AST_AT(st->handlers, j, AstHandler);
                ok = h->type && th_hoistable(E, h->type);
            }
            const char *th = NULL;
            if (ok) {
                Frame f;
                frame_begin(E, &f);
                th = try_handler(E, st);
                if (*frame_end(E, &f)) th = NULL;
            }
            if (th && (strncmp(th, "function(", 9) == 0 || strncmp(th, "aio_catch", 9) == 0)) {
                const char *nm = em_fmt(E, "aio_th%d", ++E->nlabel);
                buf_printf(decl, "%slocal %s = %s", decl->len ? " " : "", nm, th);
                E->th_try[E->th_n] = st;
                E->th_name[E->th_n++] = nm;
            }
        }
        if (st->kind == ST_TRY && body_ok && E->tb_n < 32 && E->scope->kind != SC_CLASS) {
            const char *nm = em_fmt(E, "aio_tb%d", ++E->nlabel);
            buf_printf(decl, "%slocal %s", decl->len ? " " : "", nm);
            E->tb_try[E->tb_n] = st;
            E->tb_name[E->tb_n++] = nm;
        }
        int in_try = st->kind == ST_TRY;
        th_collect(E, &st->body, decl, body_ok);
        th_collect(E, &st->orelse, decl, body_ok);
        th_collect(E, &st->finalbody, decl, body_ok && !in_try);
        for (int j = 0; j < st->handlers.n; j++)
            th_collect(E, &AST_AT(st->handlers, j, AstHandler)->body, decl, body_ok && !in_try);
    }
}

/* An outermost loop: its tries' handler closures are made before it. */
static void st_loop(Emitter *E, const AstStmt *s)
{
    int n0 = E->th_n, tb0 = E->tb_n;
    Buf decl;
    buf_init(&decl);
    if (!E->fn->loop) th_collect(E, &s->body, &decl, 1);
    if (decl.len) {
        lo_line(&E->out, s->line);
        lo_putf(&E->out, "do %s", decl.data);
    }
    if (s->kind == ST_WHILE) st_while(E, s);
    else st_for(E, s);
    if (decl.len) lo_put(&E->out, "end");
    buf_free(&decl);
    E->th_n = n0;
    E->tb_n = tb0;
}

/* try/except/else (no finally; or the part of a try/finally inside its
 * body closure, `in_finally`). */
static void st_try_except(Emitter *E, const AstStmt *s, int in_finally)
{
    int jumps = jumps_out(&s->body, 0);
    const char *th = try_handler(E, s);
    const AstHandler *h0 = AST_AT(s->handlers, 0, AstHandler);
    int id = ++E->nlabel;
    const char *ev = em_fmt(E, "aio_e%d", id);
    /* perf: an exception of exactly the first clause's class (a plain name)
     * is used as caught, without the aio_exc call converting Lua errors (the
     * message handler has converted them already; not with a bare pcall,
     * which leaves Lua's error strings, whose metatable is str's). The body
     * then runs under aio_try (xpcall that also returns the error's
     * metatable, stdlib/exc_native.c) into aio_m<N>. */
    const char *mv = NULL, *t0 = NULL;
    if (th && h0->type && h0->type->kind == EX_NAME) {
        Frame f;
        frame_begin(E, &f);
        LExpr t = ex_value(E, h0->type);
        if (!*frame_end(E, &f) && (t.flags & LX_SIMPLE)) t0 = t.s, mv = em_fmt(E, "aio_m%d", id);
    }
    const char *pc = em_helper(E, mv ? "try" : th ? "xpcall" : "pcall");
    const char *res = mv ? em_fmt(E, "aio_ok, aio_c, aio_v, %s", mv) : "aio_ok, aio_c, aio_v";
    const char *keep = in_finally ? NULL : try_body_var(E, s);   /* kept: the finally's closure */
    if (keep) lo_putf(&E->out, "do if not %s then %s = function()", keep, keep);
    else lo_putf(&E->out, "do local %s = %s(function()", res, pc);
    protected_body(E, &s->body);
    lo_line(&E->out, h0->line);
    const char *call = keep ? em_fmt(E, "end end local %s = %s(%s%s%s)", res, pc, keep, th ? ", " : "",
                                     th ? th : "")
                            : em_fmt(E, "end%s%s)", th ? ", " : "", th ? th : "");
    if (mv)
        lo_putf(&E->out, "%s if not aio_ok then local %s = %s == %s and aio_c or %s(aio_c)", call, ev, mv, t0,
                em_helper(E, "exc"));
    else
        lo_putf(&E->out, "%s if not aio_ok then local %s = %s(aio_c)", call, ev, em_helper(E, "exc"));
    const char *saved = E->fn->handler_exc;
    E->fn->handler_exc = ev;
    int bare = 0;
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        lo_line(&E->out, h->line);
        if (h->type) {
            Frame f;
            frame_begin(E, &f);
            LExpr t = ex_value(E, h->type);
            const char *pre = frame_end(E, &f);
            /* Hoisted code of an except type (rare) runs when the clause is reached. */
            /* perf: an exception of exactly the named class matches without a call */
            const char *fast = i == 0 && mv ? em_fmt(E, "%s == %s or ", mv, t.s)
                               : h->type->kind == EX_NAME && (t.flags & LX_SIMPLE)
                                   ? em_fmt(E, "%s(%s) == %s or ", em_helper(E, "getmetatable"), ev, t.s) : "";
            lo_putf(&E->out, "%s%sif %s%s(%s, %s) then", i ? "else" : "", *pre ? em_fmt(E, " %s", pre) : "",
                    fast, em_helper(E, "match"), ev, t.s);
        } else {
            bare = 1;
            lo_put(&E->out, i ? "else" : "do");
        }
        lo_indent(&E->out, 1);
        if (h->name) {
            Frame f;
            frame_begin(E, &f);
            AstExpr nm = { .kind = EX_NAME, .name = h->name, .line = h->line, .col = h->col };
            st_store(E, &nm, mk(ev, P_ATOM, LX_SIMPLE));
            lo_put(&E->out, frame_end(E, &f));
        }
        handler_body(E, s, h, ev);
        lo_indent(&E->out, -1);
        if (!h->type) break;
    }
    E->fn->handler_exc = saved;
    if (!bare) lo_putf(&E->out, "else %s(%s)", em_helper(E, "rethrow"), ev);
    lo_put(&E->out, "end");   /* the if/elseif chain (or the bare clause's do) */
    if (jumps || s->orelse.n) {
        lo_line(&E->out, first_line(&s->orelse, E->out.line));
        lo_put(&E->out, "else");
        lo_indent(&E->out, 1);
        if (jumps) put_dispatch(E, jumps);
        st_block(E, &s->orelse, 0);
        lo_indent(&E->out, -1);
    }
    lo_put(&E->out, "end end");
}

static void st_try(Emitter *E, const AstStmt *s)
{
    lo_line(&E->out, s->line);
    if (!s->finalbody.n) {
        st_try_except(E, s, 0);
        return;
    }
    int jumps = jumps_out(&s->body, 0) | jumps_out(&s->orelse, 0);
    for (int i = 0; i < s->handlers.n; i++)
        jumps |= jumps_out(&AST_AT(s->handlers, i, AstHandler)->body, 0);
    const char *keep = try_body_var(E, s);
    if (keep) lo_putf(&E->out, "do if not %s then %s = function()", keep, keep);
    else lo_putf(&E->out, "do local aio_ok, aio_c, aio_v = %s(function()", em_helper(E, "xpcall"));
    E->fn->in_protected++;
    lo_indent(&E->out, 1);
    if (s->handlers.n) {
        st_try_except(E, s, 1);
    } else {
        st_block(E, &s->body, 0);
    }
    lo_indent(&E->out, -1);
    E->fn->in_protected--;
    lo_line(&E->out, first_line(&s->finalbody, E->out.line));
    if (keep)
        lo_putf(&E->out, "end end local aio_ok, aio_c, aio_v = %s(%s, %s)", em_helper(E, "xpcall"), keep,
                em_helper(E, "traceback_handler"));
    else
        lo_putf(&E->out, "end, %s)", em_helper(E, "traceback_handler"));
    lo_indent(&E->out, 1);
    /* a raise in the finally body has the pending exception as context */
    const char *saved = E->fn->handler_exc;
    E->fn->handler_exc = em_fmt(E, "%s(aio_ok, aio_c)", em_helper(E, "pending"));
    st_block(E, &s->finalbody, 0);
    E->fn->handler_exc = saved;
    lo_indent(&E->out, -1);
    lo_putf(&E->out, "if not aio_ok then %s(aio_c) end", em_helper(E, "rethrow"));
    if (jumps) put_dispatch(E, jumps);
    lo_put(&E->out, "end");
}

static void st_with(Emitter *E, const AstStmt *s, int idx)
{
    if (idx == 0) lo_line(&E->out, s->line);
    const AstWithItem *w = AST_AT(s->items, idx, AstWithItem);
    int id = ++E->nlabel;
    const char *mv = em_fmt(E, "aio_w%d", id);
    Frame f;
    frame_begin(E, &f);
    LExpr ctx = ex_value(E, w->context);
    em_pre(E, em_fmt(E, "local %s = %s", mv, ctx.s));
    const char *ent = em_fmt(E, "%s(%s)", em_helper(E, s->is_async ? "aenter" : "enter"), mv);
    if (w->target) st_store(E, w->target, mk(ent, P_ATOM, LX_CALL));
    else em_pre(E, ent);
    const char *pre = frame_end(E, &f);
    lo_putf(&E->out, "do %slocal aio_ok, aio_c, aio_v = %s(function()", pre, em_helper(E, "xpcall"));
    int jumps = jumps_out(&s->body, 0);
    E->fn->in_protected++;
    lo_indent(&E->out, 1);
    if (idx + 1 < s->items.n) st_with(E, s, idx + 1);
    else st_block(E, &s->body, 0);
    lo_indent(&E->out, -1);
    E->fn->in_protected--;
    lo_line(&E->out, s->end_line);
    /* the with's line: where Python reports an exception raised by __exit__ */
    lo_putf(&E->out, "end, %s) %s(%s, aio_ok, aio_c, %d)", em_helper(E, "traceback_handler"),
            em_helper(E, s->is_async ? "aexit" : "exit"), mv, s->line);
    if (jumps) put_dispatch(E, jumps);
    lo_put(&E->out, "end");
}

/* ---- imports ---- */

static void st_import(Emitter *E, const AstStmt *s)
{
    for (int i = 0; i < s->names.n; i++) {
        const AstAlias *al = AST_AT(s->names, i, AstAlias);
        const char *bind = al->asname;
        int top = 0;
        if (!bind) {
            const char *dot = strchr(al->name, '.');
            bind = dot ? arena_strndup(E->a, al->name, (size_t)(dot - al->name)) : al->name;
            top = dot != NULL;
        }
        em_pre(E, em_fmt(E, "%s = %s(\"%s\"%s)", ex_name_store(E, bind), em_helper(E, "import"), al->name,
                          top ? ", true" : ""));
    }
}

static void st_importfrom(Emitter *E, const AstStmt *s)
{
    const char *mod = s->name ? s->name : "";
    const char *m = em_temp(E);
    em_pre(E, em_fmt(E, "local %s = %s(\"%s\", false, %d)", m, em_helper(E, "import"), mod, s->level));
    for (int i = 0; i < s->names.n; i++) {
        const AstAlias *al = AST_AT(s->names, i, AstAlias);
        if (strcmp(al->name, "*") == 0) {
            em_pre(E, em_fmt(E, "%s(%s, _ENV)", em_helper(E, "importstar"), m));
            continue;
        }
        em_pre(E, em_fmt(E, "%s = %s(%s, \"%s\")", ex_name_store(E, al->asname ? al->asname : al->name),
                          em_helper(E, "importfrom"), m, al->name));
    }
}

/* ---- the statement dispatcher ---- */

static void st_simple(Emitter *E, const AstStmt *s, int last)
{
    Frame f;
    frame_begin(E, &f);
    const char *text = "";
    int jump = 0;
    switch (s->kind) {
    case ST_EXPR: {
        const AstExpr *v = s->value;
        if (v->kind == EX_STR || v->kind == EX_INT || v->kind == EX_FLOAT || v->kind == EX_NONE ||
            v->kind == EX_TRUE || v->kind == EX_FALSE || v->kind == EX_ELLIPSIS)
            break;  /* docstrings and other constants do nothing */
        const char *ta = ex_typed_append_stmt(E, v);
        if (ta) { text = ta; break; }
        LExpr x = ex_value(E, v);
        if (x.flags & LX_CALL) text = x.s;
        else if (!(x.flags & LX_TEMP)) text = em_fmt(E, "do local _ = %s end", x.s);
        break;
    }
    case ST_ASSIGN: st_assign(E, s); break;
    case ST_AUGASSIGN: st_augassign(E, s); break;
    case ST_ANNASSIGN:
        if (s->value) st_store(E, s->target, ex_value(E, s->value));
        break;
    case ST_PASS: case ST_GLOBAL: break;
    case ST_NONLOCAL:
        for (int i = 0; i < s->names.n; i++) {
            const char *n = AST_AT(s->names, i, const char);
            if (E->scope->kind == SC_MODULE)
                diag_error(E->diag, s->line, s->col, "nonlocal declaration not allowed at module level");
            else if (!scope_enclosing_binds(E->scope, n))
                diag_error(E->diag, s->line, s->col, "no binding for nonlocal '%s' found", n);
        }
        break;
    case ST_BREAK: case ST_CONTINUE:
        if (!E->fn->loop) {
            diag_error(E->diag, s->line, s->col, "'%s' outside loop", s->kind == ST_BREAK ? "break" : "continue");
            break;
        }
        text = jump_text(E, s->kind == ST_BREAK ? CODE_BREAK : CODE_CONTINUE, NULL);
        jump = 1;
        break;
    case ST_RETURN:
        if (!s->value)
            text = jump_text(E, CODE_RETURN, "None");
        else if (!ret_is_atom(s->value))
            /* Parenthesised so Lua makes no tail call (calls hide in operators
             * too): Python keeps the frame, so tracebacks show it and deep
             * recursion raises RecursionError instead of looping forever. */
            text = jump_text(E, CODE_RETURN, em_fmt(E, "(%s)", ex_value(E, s->value).s));
        else
            text = jump_text(E, CODE_RETURN, ex_value(E, s->value).s);
        jump = 1;
        break;
    case ST_ASSERT: {
        const char *t = ex_test_not(E, s->test);
        Frame g;
        frame_begin(E, &g);
        const char *msg = s->msg ? ex_value(E, s->msg).s : "";
        const char *mpre = frame_end(E, &g);
        text = em_fmt(E, "if %s then %s%s(%s) end", t, mpre, em_helper(E, "assert_fail"), msg);
        break;
    }
    case ST_DEL:
        for (int i = 0; i < s->targets.n; i++) st_del_target(E, AST_AT(s->targets, i, AstExpr));
        break;
    case ST_RAISE: {
        const char *ctx = E->fn->handler_exc;
        if (!s->exc) {
            text = ctx ? em_fmt(E, "%s(%s)", em_helper(E, "rethrow"), ctx) : em_fmt(E, "%s()", em_helper(E, "raise"));
            break;
        }
        const AstExpr *ex = s->exc;
        if (!ctx && !s->cause && ex->kind == EX_CALL && ex->left->kind == EX_NAME && ex->args.n == 1 &&
            AST_AT(ex->args, 0, AstArg)->kind == ARG_POS && !ex_hoists(AST_AT(ex->args, 0, AstArg)->value)) {
            /* perf: raise E(x) builds a builtin exception without Type.__call;
             * with a str literal, the args tuple may be shared (`, true`) */
            LExpr cls = ex_value(E, ex->left);
            const AstExpr *a0 = AST_AT(ex->args, 0, AstArg)->value;
            LExpr arg = ex_value(E, a0);
            text = em_fmt(E, "%s(%s, %s%s)", em_helper(E, "raise1"), cls.s, arg.s, a0->kind == EX_STR ? ", true" : "");
            break;
        }
        LExpr x = ex_value(E, s->exc);
        const char *c = s->cause ? ex_value(E, s->cause).s : (ctx ? "nil" : NULL);
        if (ctx) text = em_fmt(E, "%s(%s, %s, %s)", em_helper(E, "raise"), x.s, c, ctx);
        else if (c) text = em_fmt(E, "%s(%s, %s)", em_helper(E, "raise"), x.s, c);
        else text = em_fmt(E, "%s(%s)", em_helper(E, "raise"), x.s);
        break;
    }
    case ST_IMPORT: st_import(E, s); break;
    case ST_IMPORTFROM: st_importfrom(E, s); break;
    default: break;
    }
    const char *pre = frame_end(E, &f);
    lo_line(&E->out, s->line);
    if (jump) put_jump(E, pre, f.local, text, last);
    else put_simple(E, pre, f.local, text);
}

static void st_stmt(Emitter *E, const AstStmt *s, int last)
{
    switch (s->kind) {
    case ST_IF: st_if(E, s, last); break;
    case ST_WHILE: case ST_FOR: st_loop(E, s); break;
    case ST_DEF: st_def(E, s); break;
    case ST_CLASS: st_class(E, s); break;
    case ST_TRY: st_try(E, s); break;
    case ST_WITH: st_with(E, s, 0); break;
    case ST_MATCH: st_match(E, s); break;
    default: st_simple(E, s, last); break;
    }
}

void st_block(Emitter *E, const AstList *body, int tail_free)
{
    for (int i = 0; i < body->n; i++) st_stmt(E, AST_AT(*body, i, AstStmt), tail_free && i == body->n - 1);
}

/* ---- comprehensions ---- */

LExpr ex_comprehension(Emitter *E, const AstExpr *e)
{
    const AstComp *g0 = AST_AT(e->generators, 0, AstComp);
    /* The first iterable runs in the enclosing scope. */
    const char *args[2] = { NULL, NULL };
    const char *params, *callargs;
    int range = !g0->is_async && is_range_call(E, g0->iter);
    if (range) {
        const AstExpr *it = g0->iter;
        LExpr a, b;
        if (it->args.n == 1) {
            a = mk("0", P_ATOM, LX_SIMPLE);
            b = ex_value(E, AST_AT(it->args, 0, AstArg)->value);
        } else {
            a = ex_value(E, AST_AT(it->args, 0, AstArg)->value);
            if (ex_hoists(AST_AT(it->args, 1, AstArg)->value)) a = ex_spill(E, a);
            b = ex_value(E, AST_AT(it->args, 1, AstArg)->value);
        }
        args[0] = "aio_a";
        args[1] = "aio_b";
        params = "aio_a, aio_b";
        callargs = em_fmt(E, "%s, %s", a.s, b.s);
    } else {
        args[0] = "aio_it";
        params = "aio_it";
        callargs = ex_value(E, g0->iter).s;
    }
    Scope *sc = scope_new(E->a, SC_COMP, E->scope);
    for (int i = 0; i < e->generators.n; i++)
        scope_collect_target(E->a, sc, AST_AT(e->generators, i, AstComp)->target);
    Scope *saved_scope = E->scope;
    E->scope = sc;
    Buf b;
    buf_init(&b);
    buf_printf(&b, "(function(%s)", params);
    if (sc->locals.n) {
        buf_puts(&b, " local ");
        for (int i = 0; i < sc->locals.n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", em_local_name(E, sc->locals.v[i]));
    }
    int gen = e->kind == EX_GENEXP;
    if (gen) buf_printf(&b, " return %s(function()", em_helper(E, "generator"));
    else if (e->kind == EX_DICTCOMP) buf_printf(&b, " local aio_r = %s({})", em_helper(E, "dict"));
    else buf_puts(&b, " local aio_r, aio_n = {}, 0");
    int ends = 0;
    for (int i = 0; i < e->generators.n; i++) {
        const AstComp *g = AST_AT(e->generators, i, AstComp);
        Frame f;
        frame_begin(E, &f);
        const char *head = st_for_header(E, g->target, g->iter, i == 0 ? args : NULL, g->is_async,
                                         scope_comp_var_private(e, i));
        const char *pre = frame_end(E, &f);
        buf_printf(&b, " %s%s", pre, head);
        ends++;
        for (int j = 0; j < g->ifs.n; j++) {
            frame_begin(E, &f);
            const char *t = ex_test(E, AST_AT(g->ifs, j, AstExpr));
            pre = frame_end(E, &f);
            buf_printf(&b, " %sif %s then", pre, t);
            ends++;
        }
    }
    Frame f;
    frame_begin(E, &f);
    if (e->kind == EX_DICTCOMP) {
        const AstExpr *xs[2] = { e->elt, e->value };
        LExpr k = ex_spill(E, ex_value(E, xs[0]));
        LExpr v = ex_value(E, xs[1]);
        em_pre(E, em_fmt(E, "aio_r[%s] = %s", k.s, v.s));
    } else if (gen) {
        em_pre(E, em_fmt(E, "%s(%s)", em_helper(E, "yield"), ex_value(E, e->elt).s));
    } else {
        em_pre(E, em_fmt(E, "aio_r[aio_n] = %s aio_n = aio_n + 1", ex_value(E, e->elt).s));
    }
    const char *inner = frame_end(E, &f);
    buf_printf(&b, " %s", inner);
    for (int i = 0; i < ends; i++) buf_puts(&b, i ? " end" : "end");
    E->scope = saved_scope;
    if (gen) buf_puts(&b, " end, \"<genexpr>\")");
    else if (e->kind == EX_DICTCOMP) buf_puts(&b, " return aio_r");
    else buf_printf(&b, " return %s(aio_r)", em_helper(E, e->kind == EX_SETCOMP ? "set" : "list"));
    buf_printf(&b, " end)(%s)", callargs);
    LExpr x = mk(em_fmt(E, "%s", b.data), P_ATOM, LX_PREFIX | LX_CALL);
    buf_free(&b);
    return x;
}
