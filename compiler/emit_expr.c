/* emit_expr.c - expressions to Lua text (see docs/internals.md, Expressions).
 *
 * An expression compiles to one line of Lua text (an LExpr). Code that must
 * run first (temporaries for `a or b` as a value, chained comparisons, walrus,
 * lambda defaults) is appended to E->pre, which the statement emitter places
 * before the statement. When a later operand hoists code, earlier operands
 * are spilled into temporaries first so Python's left-to-right evaluation
 * order is kept. */
#include "emit_int.h"
#include <string.h>

static LExpr mk(const char *s, int prec, unsigned flags)
{
    LExpr x = { s, prec, flags };
    return x;
}

const char *ex_paren(Emitter *E, LExpr x, int prec)
{
    return x.prec < prec ? em_fmt(E, "(%s)", x.s) : x.s;
}

const char *ex_prefix(Emitter *E, LExpr x)
{
    return (x.flags & LX_PREFIX) ? x.s : em_fmt(E, "(%s)", x.s);
}

LExpr ex_spill(Emitter *E, LExpr x)
{
    if (x.flags & (LX_SIMPLE | LX_TEMP)) return x;
    const char *t = em_temp(E);
    em_pre(E, em_fmt(E, "local %s = %s", t, x.s));
    return mk(t, P_ATOM, LX_PREFIX | LX_SIMPLE | LX_TEMP | (x.flags & LX_BOOL));
}

/* ---- static facts ---- */

int ex_is_simple(const AstExpr *e)
{
    switch (e->kind) {
    case EX_NAME: case EX_INT: case EX_FLOAT: case EX_STR: case EX_NONE:
    case EX_TRUE: case EX_FALSE:
        return 1;
    default:
        return 0;
    }
}

int ex_static_bool(const AstExpr *e)
{
    switch (e->kind) {
    case EX_COMPARE: case EX_TRUE: case EX_FALSE: return 1;
    case EX_UNARY: return e->op == OP_NOT;
    case EX_BOOLOP: return ex_static_bool(e->left) && ex_static_bool(e->right);
    default: return 0;
    }
}

/* Never false or nil in Lua, so `t and B or C` is safe. */
static int lua_truthy_literal(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: case EX_STR: case EX_BYTES: case EX_FSTRING:
    case EX_NONE: case EX_TRUE: case EX_LIST: case EX_TUPLE: case EX_DICT:
    case EX_SET: case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP:
    case EX_GENEXP: case EX_LAMBDA:
        return 1;
    default:
        return 0;
    }
}

static int nonzero_number(const AstExpr *e)
{
    if (e->kind == EX_UNARY && e->op == OP_NEG) e = e->left;
    return (e->kind == EX_INT && e->ival != 0) || (e->kind == EX_FLOAT && e->fval != 0.0);
}

static int list_hoists(const AstList *l)
{
    for (int i = 0; i < l->n; i++)
        if (l->items[i] && ex_hoists(AST_AT(*l, i, AstExpr))) return 1;
    return 0;
}

/* 1 if compiling e as a value may append code to E->pre. */
int ex_hoists(const AstExpr *e)
{
    if (!e) return 0;
    switch (e->kind) {
    case EX_BOOLOP:
        return !ex_static_bool(e->left) || ex_hoists(e->left) || ex_hoists(e->right);
    case EX_IFEXP:
        return !lua_truthy_literal(e->left) || ex_hoists(e->test) || ex_hoists(e->left) ||
               ex_hoists(e->right);
    case EX_COMPARE:
        if (ex_hoists(e->left) || list_hoists(&e->items)) return 1;
        for (int i = 0; i + 1 < e->items.n; i++)
            if (!ex_is_simple(AST_AT(e->items, i, AstExpr))) return 1;
        return 0;
    case EX_NAMEDEXPR:
        return 1;
    case EX_LAMBDA:
        for (int i = 0; i < e->params.n; i++)
            if (AST_AT(e->params, i, AstParam)->deflt) return 1;
        return 0;
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP:
        return e->generators.n && ex_hoists(AST_AT(e->generators, 0, AstComp)->iter);
    case EX_CALL:
        if (ex_hoists(e->left)) return 1;
        for (int i = 0; i < e->args.n; i++)
            if (ex_hoists(AST_AT(e->args, i, AstArg)->value)) return 1;
        return 0;
    default:
        break;
    }
    return ex_hoists(e->value) || ex_hoists(e->left) || ex_hoists(e->right) ||
           ex_hoists(e->test) || ex_hoists(e->index) || ex_hoists(e->lower) ||
           ex_hoists(e->upper) || ex_hoists(e->step) || ex_hoists(e->spec) ||
           list_hoists(&e->items) || list_hoists(&e->keys);
}

/* Compiles n expressions left to right; operands before the last one that
 * hoists code are spilled so they are still evaluated first. */
static void compile_seq(Emitter *E, const AstExpr **xs, int n, LExpr *out)
{
    int last = -1;
    for (int i = 0; i < n; i++)
        if (xs[i] && ex_hoists(xs[i])) last = i;
    for (int i = 0; i < n; i++) {
        if (!xs[i]) { out[i] = mk("nil", P_ATOM, LX_SIMPLE); continue; }
        out[i] = ex_value(E, xs[i]);
        if (i < last) out[i] = ex_spill(E, out[i]);
    }
}

/* ---- names ---- */

static const char *field_ref(Emitter *E, const char *obj, const char *name)
{
    return lua_is_keyword(name) ? em_fmt(E, "%s[\"%s\"]", obj, name) : em_fmt(E, "%s.%s", obj, name);
}

static const char *name_ref(Emitter *E, const char *name)
{
    const Scope *owner;
    switch (scope_resolve(E->scope, name, &owner)) {
    case NR_LOCAL: case NR_FREE:
        return em_local_name(E, name);
    case NR_CLASS:
        return field_ref(E, owner->clsvar, name);
    case NR_GLOBAL:
    default:
        /* perf: builtin len is the runtime's aio.len itself (same function value) */
        if (strcmp(name, "len") == 0 && em_builtin_fixed(E, name)) return em_helper(E, "len");
        /* perf: so is a builtin exception class (one upvalue read, not two lookups) */
        if (em_is_builtin_exc(name) && em_builtin_fixed(E, name)) return em_helper(E, name);
        if (lua_name_reserved(name)) return em_fmt(E, "_ENV[\"%s\"]", name);
        if (scope_lua_shadowed(E->scope, name)) return em_fmt(E, "_ENV.%s", name);
        return name;
    }
}

const char *ex_name_load(Emitter *E, const char *name) { return name_ref(E, name); }

/* A read of a local that may be unbound here (defassign.h): `(x or
 * aio_unbound(x, "x"))` costs one test when x is bound; aio_unbound returns
 * a false x and raises UnboundLocalError (NameError for an enclosing
 * function's variable) for nil. */
const char *ex_name_checked(Emitter *E, const AstExpr *e)
{
    const char *n = name_ref(E, e->name);
    return em_fmt(E, "(%s or %s(%s, \"%s\"%s))", n, em_helper(E, "unbound"), n, e->name,
                  da_check(E->da, e) == DA_FREE ? ", true" : "");
}
const char *ex_name_store(Emitter *E, const char *name) { return name_ref(E, name); }

/* ---- typed containers (perf) ----
 * A function local only ever bound to a list / dict display or comprehension
 * (scope_container) holds a plain aio list / dict (or nil while unbound, which
 * Lua reports as "(local 'x')" and the runtime maps to UnboundLocalError), so
 * a few operations read the runtime's layout directly (docs/internals.md,
 * "Typed containers"). Only simple operands are used: nothing is hoisted. */

static ContainerType container_of(Emitter *E, const AstExpr *e)
{
    return e && e->kind == EX_NAME ? scope_container(E->scope, e->name) : CT_NONE;
}

static int is_constant(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: case EX_STR: case EX_NONE: case EX_TRUE: case EX_FALSE: return 1;
    default: return 0;
    }
}

/* len(x): a list's items sit at 0..n-1 with no holes, so #x is n-1 when
 * n >= 2; a dict keeps its live count under a private key. */
static const char *typed_len(Emitter *E, const AstExpr *x)
{
    ContainerType ct = container_of(E, x);
    const char *n = ct == CT_NONE ? NULL : ex_name_load(E, x->name);
    switch (ct) {
    case CT_LIST: return em_fmt(E, "(#%s > 0 and #%s + 1 or %s(%s))", n, n, em_helper(E, "seqlen"), n);
    case CT_DICT: return em_fmt(E, "%s[%s]", n, em_helper(E, "dict_LEN"));
    default: return NULL;
    }
}

/* xs.append(v) on a typed list: the list method itself, skipping the lookup;
 * d.get(k[, c]) on a typed dict with a simple key and a constant default:
 * the value table first, the real method on a miss (or a false value). */
static const char *typed_method(Emitter *E, const AstExpr *e)
{
    const AstExpr *fn = e->left;
    ContainerType ct = container_of(E, fn->value);
    int n = e->args.n;
    if (ct == CT_NONE || n < 1 || n > 2) return NULL;
    for (int i = 0; i < n; i++) {
        const AstArg *a = AST_AT(e->args, i, AstArg);
        if (a->kind != ARG_POS || a->value->kind == EX_STARRED) return NULL;
    }
    const char *obj = ex_name_load(E, fn->value->name);
    const AstExpr *a0 = AST_AT(e->args, 0, AstArg)->value;
    if (ct == CT_LIST && n == 1 && strcmp(fn->name, "append") == 0)
        /* #xs is read after v (which may change xs); a nil (unbound) xs fails there, naming xs */
        return em_fmt(E, "%s(%s, %s, #%s)", em_helper(E, "list_append"), obj, ex_value(E, a0).s, obj);
    if (ct == CT_DICT && strcmp(fn->name, "get") == 0 && ex_is_simple(a0) &&
        (n == 1 || is_constant(AST_AT(e->args, 1, AstArg)->value))) {
        const char *k = ex_value(E, a0).s;
        const char *d = n == 2 ? em_fmt(E, ", %s", ex_value(E, AST_AT(e->args, 1, AstArg)->value).s) : "";
        return em_fmt(E, "(%s[%s][%s] or %s(%s, %s%s))", obj, em_helper(E, "dict_HV"), k,
                      em_helper(E, "callm_get"), obj, k, d);
    }
    return NULL;
}

/* The statement `xs.append(v)` on a typed list: a raw store at slot n when
 * the list has n >= 2 items (#xs is n-1), with v in a temporary unless
 * simple; NULL when e is not such a call. */
const char *ex_typed_append_stmt(Emitter *E, const AstExpr *e)
{
    if (e->kind != EX_CALL || e->left->kind != EX_ATTR || strcmp(e->left->name, "append") != 0 ||
        e->args.n != 1 || container_of(E, e->left->value) != CT_LIST)
        return NULL;
    const AstArg *a = AST_AT(e->args, 0, AstArg);
    if (a->kind != ARG_POS || a->value->kind == EX_STARRED) return NULL;
    const char *xs = ex_name_load(E, e->left->value->name);
    LExpr v = ex_spill(E, ex_value(E, a->value));
    return em_fmt(E, "if #%s > 0 then %s(%s, #%s + 1, %s) else %s(%s, %s, #%s) end", xs, em_helper(E, "rawset"),
                  xs, xs, v.s, em_helper(E, "list_append"), xs, v.s, xs);
}

/* d[k] (load) on a typed dict with a simple key. */
static const char *typed_getitem(Emitter *E, const AstExpr *e)
{
    if (container_of(E, e->value) != CT_DICT || !ex_is_simple(e->index)) return NULL;
    const char *obj = ex_name_load(E, e->value->name);
    const char *k = ex_value(E, e->index).s;
    return em_fmt(E, "(%s[%s][%s] or %s[%s])", obj, em_helper(E, "dict_HV"), k, obj, k);
}

/* k in d on a typed dict with a simple k. */
static const char *typed_contains(Emitter *E, const AstExpr *dn, LExpr k)
{
    if (container_of(E, dn) != CT_DICT || !(k.flags & LX_SIMPLE)) return NULL;
    const char *obj = ex_name_load(E, dn->name);
    return em_fmt(E, "(%s[%s][%s] ~= nil or %s(%s, %s))", obj, em_helper(E, "dict_HV"), k.s,
                  em_helper(E, "contains"), obj, k.s);
}

/* d[k] = v on a typed dict (v and k simple): an existing key's value is
 * replaced in the value table; a new key goes through the dict's __newindex.
 * A statement declaring a local (the caller wraps it in do ... end). */
const char *ex_typed_setitem(Emitter *E, const AstExpr *t, LExpr k, LExpr v)
{
    if (container_of(E, t->value) != CT_DICT || !(k.flags & LX_SIMPLE) || !(v.flags & LX_SIMPLE)) return NULL;
    const char *obj = ex_name_load(E, t->value->name);
    const char *h = em_temp(E);
    return em_fmt(E, "local %s = %s[%s] if %s[%s] ~= nil then %s[%s] = %s else %s[%s] = %s end", h, obj,
                  em_helper(E, "dict_HV"), h, k.s, h, k.s, v.s, obj, k.s, v.s);
}

/* ---- operators ---- */

static LExpr infix(Emitter *E, LExpr l, const char *op, LExpr r, int prec, int right_assoc)
{
    const char *ls = ex_paren(E, l, right_assoc ? prec + 1 : prec);
    const char *rs = ex_paren(E, r, right_assoc ? prec : prec + 1);
    return mk(em_fmt(E, "%s %s %s", ls, op, rs), prec, 0);
}

static LExpr call2(Emitter *E, const char *helper, LExpr l, LExpr r)
{
    return mk(em_fmt(E, "%s(%s, %s)", em_helper(E, helper), l.s, r.s), P_ATOM, LX_PREFIX | LX_CALL);
}

static int is_str_literal(const AstExpr *e)
{
    return e && (e->kind == EX_STR || e->kind == EX_FSTRING);
}

LExpr ex_binop(Emitter *E, AstOp op, LExpr l, LExpr r, const AstExpr *rnode, const AstExpr *lnode)
{
    int lit = rnode && nonzero_number(rnode);
    /* perf: int // int and int % int are Lua's own operators (a zero divisor
     * raises Lua's "n//0" / "n%0" error, which the runtime maps to
     * ZeroDivisionError with Python's message) */
    if ((op == OP_FLOORDIV || op == OP_MOD) && lnode && rnode && scope_int_expr(E->scope, lnode) &&
        scope_int_expr(E->scope, rnode))
        lit = 1;
    switch (op) {
    case OP_ADD: return infix(E, l, "+", r, P_ADD, 0);
    case OP_SUB: return infix(E, l, "-", r, P_ADD, 0);
    case OP_MUL: return infix(E, l, "*", r, P_MUL, 0);
    case OP_DIV: return lit ? infix(E, l, "/", r, P_MUL, 0) : call2(E, "div", l, r);
    case OP_FLOORDIV: return lit ? infix(E, l, "//", r, P_MUL, 0) : call2(E, "floordiv", l, r);
    case OP_MOD:
        return lit && !is_str_literal(lnode) ? infix(E, l, "%", r, P_MUL, 0) : call2(E, "mod", l, r);
    case OP_POW: return call2(E, "pow", l, r);
    case OP_MATMUL: return call2(E, "matmul", l, r);
    case OP_LSHIFT: return call2(E, "lshift", l, r);   /* negative counts raise */
    case OP_RSHIFT: return call2(E, "rshift", l, r);
    case OP_BITAND: return infix(E, l, "&", r, P_BAND, 0);
    case OP_BITOR: return infix(E, l, "|", r, P_BOR, 0);
    case OP_BITXOR: return infix(E, l, "~", r, P_BXOR, 0);
    default: return call2(E, "binop_bad", l, r);
    }
}

static int is_singleton(const AstExpr *e)
{
    return e->kind == EX_NONE || e->kind == EX_TRUE || e->kind == EX_FALSE;
}

static LExpr cmp2(Emitter *E, AstOp op, LExpr l, LExpr r, const AstExpr *ln, const AstExpr *rn)
{
    LExpr x;
    /* 1 == True: Lua's == never equates a boolean and a number */
    int boollit = (ln && (ln->kind == EX_TRUE || ln->kind == EX_FALSE) && !(r.flags & LX_BOOL)) ||
                  (rn && (rn->kind == EX_TRUE || rn->kind == EX_FALSE) && !(l.flags & LX_BOOL));
    if ((op == OP_EQ || op == OP_NE) && boollit) {
        x = call2(E, "eq", l, r);
        if (op == OP_NE) x = mk(em_fmt(E, "not %s", x.s), P_UNARY, 0);
        x.flags |= LX_BOOL;
        return x;
    }
    switch (op) {
    case OP_EQ: x = infix(E, l, "==", r, P_CMP, 0); break;
    case OP_NE: x = infix(E, l, "~=", r, P_CMP, 0); break;
    case OP_LT: x = infix(E, l, "<", r, P_CMP, 0); break;
    case OP_LE: x = infix(E, l, "<=", r, P_CMP, 0); break;
    case OP_GT: x = infix(E, l, ">", r, P_CMP, 0); break;
    case OP_GE: x = infix(E, l, ">=", r, P_CMP, 0); break;
    case OP_IN: case OP_NOT_IN: {
        const char *tc = typed_contains(E, rn, l);
        x = tc ? mk(tc, P_ATOM, 0) : call2(E, "contains", r, l);
        if (op == OP_NOT_IN) x = mk(em_fmt(E, "not %s", x.s), P_UNARY, 0);
        break;
    }
    case OP_IS: case OP_IS_NOT:
        if (is_singleton(ln) || is_singleton(rn)) {
            x = infix(E, l, op == OP_IS ? "==" : "~=", r, P_CMP, 0);
        } else {
            x = call2(E, "rawequal", l, r);
            if (op == OP_IS_NOT) x = mk(em_fmt(E, "not %s", x.s), P_UNARY, 0);
        }
        break;
    default: x = mk("false", P_ATOM, 0); break;
    }
    x.flags |= LX_BOOL;
    return x;
}

static LExpr compare(Emitter *E, const AstExpr *e)
{
    int n = e->items.n;
    if (n == 1) {
        const AstExpr *xs[2] = { e->left, AST_AT(e->items, 0, AstExpr) };
        LExpr v[2];
        compile_seq(E, xs, 2, v);
        return cmp2(E, e->cmp_ops[0], v[0], v[1], xs[0], xs[1]);
    }
    if (!ex_hoists(e)) {
        /* a < b < c with simple middle operands: (a < b and b < c) */
        LExpr prev = ex_value(E, e->left);
        const AstExpr *prevn = e->left;
        const char *acc = NULL;
        for (int i = 0; i < n; i++) {
            const AstExpr *cn = AST_AT(e->items, i, AstExpr);
            LExpr cur = ex_value(E, cn);
            LExpr c = cmp2(E, e->cmp_ops[i], prev, cur, prevn, cn);
            const char *cs = ex_paren(E, c, P_AND + 1);
            acc = acc ? em_fmt(E, "%s and %s", acc, cs) : cs;
            prev = cur;
            prevn = cn;
        }
        return mk(acc, P_AND, LX_BOOL);
    }
    /* General case: nested ifs so later operands run only while true. */
    const char *r = em_temp(E);
    em_pre(E, em_fmt(E, "local %s = false", r));
    LExpr prev = ex_spill(E, ex_value(E, e->left));
    const AstExpr *prevn = e->left;
    int open = 0;
    for (int i = 0; i < n; i++) {
        const AstExpr *cn = AST_AT(e->items, i, AstExpr);
        LExpr cur = ex_value(E, cn);
        if (i + 1 < n) {
            cur = ex_spill(E, cur);
            em_pre(E, em_fmt(E, "if %s then", cmp2(E, e->cmp_ops[i], prev, cur, prevn, cn).s));
            open++;
        } else {
            em_pre(E, em_fmt(E, "%s = %s", r, cmp2(E, e->cmp_ops[i], prev, cur, prevn, cn).s));
        }
        prev = cur;
        prevn = cn;
    }
    while (open--) em_pre(E, "end");
    return mk(r, P_ATOM, LX_PREFIX | LX_SIMPLE | LX_TEMP | LX_BOOL);
}

/* ---- tests ---- */

static LExpr test_l(Emitter *E, const AstExpr *e)
{
    switch (e->kind) {
    case EX_TRUE: return mk("true", P_ATOM, LX_BOOL | LX_SIMPLE);
    case EX_FALSE: case EX_NONE: return mk("false", P_ATOM, LX_BOOL | LX_SIMPLE);
    case EX_UNARY:
        if (e->op == OP_NOT) {
            LExpr x = test_l(E, e->left);
            return mk(em_fmt(E, "not %s", ex_paren(E, x, P_UNARY)), P_UNARY, LX_BOOL);
        }
        break;
    case EX_BOOLOP: {
        int is_and = e->op == OP_AND;
        LExpr l = test_l(E, e->left);
        if (!ex_hoists(e->right)) {
            LExpr r = test_l(E, e->right);
            return infix(E, l, is_and ? "and" : "or", r, is_and ? P_AND : P_OR, 0);
        }
        const char *t = em_temp(E);
        em_pre(E, em_fmt(E, "local %s = %s if %s%s then", t, l.s, is_and ? "" : "not ", t));
        LExpr r = test_l(E, e->right);
        em_pre(E, em_fmt(E, "%s = %s end", t, r.s));
        return mk(t, P_ATOM, LX_PREFIX | LX_SIMPLE | LX_TEMP | LX_BOOL);
    }
    default: break;
    }
    LExpr v = ex_value(E, e);
    if (v.flags & LX_BOOL) return v;
    return mk(em_fmt(E, "%s(%s)", em_helper(E, "truthy"), v.s), P_ATOM, LX_PREFIX | LX_CALL | LX_BOOL);
}

const char *ex_test(Emitter *E, const AstExpr *e) { return test_l(E, e).s; }

const char *ex_test_not(Emitter *E, const AstExpr *e)
{
    if (e->kind == EX_UNARY && e->op == OP_NOT) return test_l(E, e->left).s;
    return em_fmt(E, "not %s", ex_paren(E, test_l(E, e), P_UNARY));
}

static LExpr boolop_value(Emitter *E, const AstExpr *e)
{
    int is_and = e->op == OP_AND;
    if (ex_static_bool(e->left) && !ex_hoists(e->right)) {
        LExpr l = ex_value(E, e->left);
        LExpr r = ex_value(E, e->right);
        LExpr x = infix(E, l, is_and ? "and" : "or", r, is_and ? P_AND : P_OR, 0);
        if (r.flags & LX_BOOL) x.flags |= LX_BOOL;
        return x;
    }
    LExpr l = ex_value(E, e->left);
    const char *t = l.s;
    if (!(l.flags & LX_TEMP)) {
        t = em_temp(E);
        em_pre(E, em_fmt(E, "local %s = %s", t, l.s));
    }
    const char *cond = (l.flags & LX_BOOL) ? t : em_fmt(E, "%s(%s)", em_helper(E, "truthy"), t);
    em_pre(E, em_fmt(E, "if %s%s then", is_and ? "" : "not ", cond));
    LExpr r = ex_value(E, e->right);
    em_pre(E, em_fmt(E, "%s = %s end", t, r.s));
    return mk(t, P_ATOM, LX_PREFIX | LX_SIMPLE | LX_TEMP);
}

static LExpr ifexp_value(Emitter *E, const AstExpr *e)
{
    LExpr t = test_l(E, e->test);
    if (lua_truthy_literal(e->left) && !ex_hoists(e->left) && !ex_hoists(e->right)) {
        LExpr b = ex_value(E, e->left), c = ex_value(E, e->right);
        LExpr tb = infix(E, t, "and", b, P_AND, 0);
        return infix(E, tb, "or", c, P_OR, 0);
    }
    const char *r = em_temp(E);
    em_pre(E, em_fmt(E, "local %s if %s then", r, t.s));
    LExpr b = ex_value(E, e->left);
    em_pre(E, em_fmt(E, "%s = %s else", r, b.s));
    LExpr c = ex_value(E, e->right);
    em_pre(E, em_fmt(E, "%s = %s end", r, c.s));
    return mk(r, P_ATOM, LX_PREFIX | LX_SIMPLE | LX_TEMP);
}

/* ---- displays ---- */

static int has_starred(const AstList *l)
{
    for (int i = 0; i < l->n; i++)
        if (AST_AT(*l, i, AstExpr)->kind == EX_STARRED) return 1;
    return 0;
}

/* "{[0]=a, b, c}" from compiled items. */
static const char *table0(Emitter *E, LExpr *v, int n)
{
    Buf b;
    buf_init(&b);
    buf_putc(&b, '{');
    for (int i = 0; i < n; i++) {
        if (i) buf_puts(&b, ", ");
        else buf_puts(&b, "[0]=");
        buf_puts(&b, v[i].s);
    }
    buf_putc(&b, '}');
    const char *s = em_fmt(E, "%s", b.data);
    buf_free(&b);
    return s;
}

/* Is e a call `name(a, b)` with only plain positional arguments? */
static int is_plain_name_call(const AstExpr *e)
{
    if (e->kind != EX_CALL || e->left->kind != EX_NAME || e->args.n > 8) return 0;
    for (int i = 0; i < e->args.n; i++) {
        const AstArg *a = AST_AT(e->args, i, AstArg);
        if (a->kind != ARG_POS || a->value->kind == EX_STARRED) return 0;
    }
    return 1;
}

/* `await f(a, b)` is aio_afix[f](a, b): when f is an `async def` the runtime
 * runs its body directly, creating no coroutine object (docs/async.md). */
static LExpr await_call(Emitter *E, const AstExpr *call)
{
    int n = call->args.n;
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)(n + 1));
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)(n + 1));
    xs[0] = call->left;
    for (int i = 0; i < n; i++) xs[i + 1] = AST_AT(call->args, i, AstArg)->value;
    compile_seq(E, xs, n + 1, v);
    Buf b;
    buf_init(&b);
    /* perf: aio_afix[f] is f's raw body when f is an async def (one table
     * read, one call); anything else gets a closure that awaits f(...) */
    buf_printf(&b, "%s[%s](", em_helper(E, "afix"), v[0].s);
    for (int i = 1; i <= n; i++) buf_printf(&b, "%s%s", i > 1 ? ", " : "", v[i].s);
    buf_putc(&b, ')');
    const char *s = em_fmt(E, "%s", b.data);
    buf_free(&b);
    return mk(s, P_ATOM, LX_PREFIX | LX_CALL);
}

static LExpr seq_display(Emitter *E, const AstExpr *e, const char *kind)
{
    int n = e->items.n;
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)(n + 1));
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        const AstExpr *it = AST_AT(e->items, i, AstExpr);
        xs[i] = it->kind == EX_STARRED ? it->value : it;
    }
    compile_seq(E, xs, n, v);
    if (!has_starred(&e->items))
        return mk(em_fmt(E, "%s(%s)", em_helper(E, kind), table0(E, v, n)), P_ATOM, LX_PREFIX | LX_CALL);
    /* Runs of plain items become tuples; starred items are passed as is. */
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s(\"%s\"", em_helper(E, "starred"), kind);
    for (int i = 0; i < n;) {
        if (AST_AT(e->items, i, AstExpr)->kind == EX_STARRED) {
            buf_printf(&b, ", %s", v[i].s);
            i++;
            continue;
        }
        int j = i;
        while (j < n && AST_AT(e->items, j, AstExpr)->kind != EX_STARRED) j++;
        buf_printf(&b, ", %s(%s)", em_helper(E, "tuple"), table0(E, v + i, j - i));
        i = j;
    }
    buf_putc(&b, ')');
    LExpr x = mk(em_fmt(E, "%s", b.data), P_ATOM, LX_PREFIX | LX_CALL);
    buf_free(&b);
    return x;
}

static LExpr dict_display(Emitter *E, const AstExpr *e)
{
    int n = e->items.n;
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)(2 * n + 1));
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)(2 * n + 1));
    int has_dstar = 0;
    for (int i = 0; i < n; i++) {
        xs[2 * i] = AST_AT(e->keys, i, AstExpr);
        xs[2 * i + 1] = AST_AT(e->items, i, AstExpr);
        if (!xs[2 * i]) has_dstar = 1;
    }
    compile_seq(E, xs, 2 * n, v);
    Buf b;
    buf_init(&b);
    if (has_dstar) buf_printf(&b, "%s(", em_helper(E, "dict_merge"));
    int open = 0, first = 1;
    for (int i = 0; i < n; i++) {
        if (!xs[2 * i]) {
            if (open) buf_puts(&b, "})");
            open = 0;
            buf_printf(&b, "%s%s", first ? "" : ", ", v[2 * i + 1].s);
            first = 0;
            continue;
        }
        if (!open) {
            buf_printf(&b, "%s%s({", first ? "" : ", ", em_helper(E, "dict"));
            open = 1;
            first = 0;
        } else {
            buf_puts(&b, ", ");
        }
        buf_printf(&b, "%s, %s", v[2 * i].s, v[2 * i + 1].s);
    }
    if (open) buf_puts(&b, "})");
    if (first) buf_printf(&b, "%s({})", em_helper(E, "dict"));
    if (has_dstar) buf_putc(&b, ')');
    LExpr x = mk(em_fmt(E, "%s", b.data), P_ATOM, LX_PREFIX | LX_CALL);
    buf_free(&b);
    return x;
}

/* ---- f-strings ---- */

static LExpr fstring(Emitter *E, const AstExpr *e)
{
    int n = e->items.n;
    if (n == 0) return mk("\"\"", P_ATOM, LX_SIMPLE);
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)n);
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)n);
    for (int i = 0; i < n; i++) {
        const AstExpr *p = AST_AT(e->items, i, AstExpr);
        xs[i] = p->kind == EX_FORMATTED ? p->value : p;
    }
    compile_seq(E, xs, n, v);
    const char *acc = NULL;
    for (int i = 0; i < n; i++) {
        const AstExpr *p = AST_AT(e->items, i, AstExpr);
        const char *part = v[i].s;
        if (p->kind == EX_FORMATTED) {
            const char *val = v[i].s;
            if (p->conv == 'r') val = em_fmt(E, "%s(%s)", em_helper(E, "repr"), val);
            else if (p->conv == 'a') val = em_fmt(E, "%s(%s)", em_helper(E, "ascii"), val);
            else if (p->conv == 's' || !p->spec) val = em_fmt(E, "%s(%s)", em_helper(E, "str"), val);
            if (p->spec) {
                LExpr spec = fstring(E, p->spec);
                val = em_fmt(E, "%s(%s, %s)", em_helper(E, "format"), val, spec.s);
            }
            part = val;
        } else if (n > 1 && p->str.len == 0) {
            continue;
        }
        acc = acc ? em_fmt(E, "%s .. %s", acc, part) : part;
    }
    return mk(acc ? acc : "\"\"", n == 1 ? P_ATOM : P_CONCAT, n == 1 ? LX_PREFIX : 0);
}

/* ---- calls ---- */

static int is_super_call(const AstExpr *e)
{
    return e->kind == EX_CALL && e->left->kind == EX_NAME && strcmp(e->left->name, "super") == 0 &&
           e->args.n == 0;
}

static int is_modname(Emitter *E, const AstExpr *e)
{
    return e->kind == EX_NAME && nameset_has(&E->modnames, e->name);
}

/* A builtin type's name (the module never rebinds it): `dict.keys(d)` and
 * `list.append(xs, v)` call the class's function with an explicit self. */
static int is_builtin_type(Emitter *E, const AstExpr *e)
{
    static const char *const types[] = {"dict", "list", "str", "set", "tuple", "int", "float", "bool",
                                        "bytes", "object", "type", NULL};
    if (e->kind != EX_NAME) return 0;
    for (int i = 0; types[i]; i++)
        if (strcmp(e->name, types[i]) == 0) return em_builtin_fixed(E, e->name);
    return 0;
}

/* `a.b` where `a` is bound by import or class (e.g. os.path), or is a
 * builtin type: its methods are plain functions, so `os.path.join(x)` must
 * not become `os.path:join(x)`. */
static int is_modattr(Emitter *E, const AstExpr *e)
{
    while (e->kind == EX_ATTR) e = e->value;
    return is_modname(E, e) || (e->kind == EX_NAME && nameset_has(&E->fromnames, e->name)) ||
           is_builtin_type(E, e);
}

static const char *kwkey(Emitter *E, const char *name)
{
    return lua_is_keyword(name) ? em_fmt(E, "[\"%s\"]", name) : name;
}

/* Builds the argument part of a call. *simple is set when the arguments can
 * be passed as plain Lua arguments (text in *plain); otherwise *pos and *kw
 * hold the positional table and keyword table (or "nil"). */
typedef struct CallArgs {
    int simple;
    const char *plain, *pos, *kw;
} CallArgs;

static CallArgs call_args(Emitter *E, const AstList *args, LExpr *v)
{
    CallArgs ca = { 1, "", "", "nil" };
    int n = args->n, nstar = 0, nkw = 0, npos = 0;
    for (int i = 0; i < n; i++) {
        const AstArg *a = AST_AT(*args, i, AstArg);
        if (a->kind == ARG_STAR) { nstar++; if (i != n - 1) ca.simple = 0; }
        else if (a->kind == ARG_KEYWORD || a->kind == ARG_DSTAR) { nkw++; ca.simple = 0; }
        else npos++;
    }
    if (npos > 200) ca.simple = 0;   /* Lua caps the registers of one call */
    Buf b;
    buf_init(&b);
    if (ca.simple) {
        for (int i = 0; i < n; i++) {
            const AstArg *a = AST_AT(*args, i, AstArg);
            if (i) buf_puts(&b, ", ");
            if (a->kind == ARG_STAR) buf_printf(&b, "%s(%s)", em_helper(E, "unpack_all"), v[i].s);
            else buf_puts(&b, v[i].s);
        }
        ca.plain = em_fmt(E, "%s", b.data ? b.data : "");
        buf_free(&b);
        return ca;
    }
    /* positional table */
    if (nstar) {
        /* {unpack_all(starred("tuple", ...))}: values are never nil, so #pos is n */
        buf_printf(&b, "{%s(%s(\"tuple\"", em_helper(E, "unpack_all"), em_helper(E, "starred"));
        for (int i = 0; i < n;) {
            const AstArg *a = AST_AT(*args, i, AstArg);
            if (a->kind == ARG_STAR) { buf_printf(&b, ", %s", v[i].s); i++; continue; }
            if (a->kind != ARG_POS) { i++; continue; }
            buf_printf(&b, ", %s({[0]=", em_helper(E, "tuple"));
            int first = 1;
            while (i < n && AST_AT(*args, i, AstArg)->kind != ARG_STAR) {
                if (AST_AT(*args, i, AstArg)->kind == ARG_POS) {
                    buf_printf(&b, "%s%s", first ? "" : ", ", v[i].s);
                    first = 0;
                }
                i++;
            }
            if (first) buf_puts(&b, "nil");
            buf_puts(&b, "})");
        }
        buf_puts(&b, "))}");
    } else {
        buf_printf(&b, "{n=%d", npos);
        for (int i = 0; i < n; i++)
            if (AST_AT(*args, i, AstArg)->kind == ARG_POS) buf_printf(&b, ", %s", v[i].s);
        buf_putc(&b, '}');
    }
    ca.pos = em_fmt(E, "%s", b.data);
    buf_free(&b);
    if (nkw) {
        buf_init(&b);
        int ndstar = 0;
        for (int i = 0; i < n; i++) ndstar += AST_AT(*args, i, AstArg)->kind == ARG_DSTAR;
        if (ndstar) buf_printf(&b, "%s(", em_helper(E, "kwmerge"));
        /* names in call order at [1..n] (for **kwargs order), then name=value */
        buf_putc(&b, '{');
        int first = 1;
        for (int i = 0; i < n; i++) {
            const AstArg *a = AST_AT(*args, i, AstArg);
            if (a->kind != ARG_KEYWORD) continue;
            buf_printf(&b, "%s\"%s\"", first ? "" : ", ", a->name);
            first = 0;
        }
        for (int i = 0; i < n; i++) {
            const AstArg *a = AST_AT(*args, i, AstArg);
            if (a->kind != ARG_KEYWORD) continue;
            buf_printf(&b, "%s%s=%s", first ? "" : ", ", kwkey(E, a->name), v[i].s);
            first = 0;
        }
        buf_putc(&b, '}');
        for (int i = 0; i < n; i++)
            if (AST_AT(*args, i, AstArg)->kind == ARG_DSTAR) buf_printf(&b, ", %s", v[i].s);
        if (ndstar) buf_putc(&b, ')');
        ca.kw = em_fmt(E, "%s", b.data);
        buf_free(&b);
    }
    return ca;
}

/* `await o.m(a, b)` with up to 3 plain positional arguments is
 * aio_acallmN(o, "m", a, b): an async method found on o's class runs its body
 * directly, creating no coroutine object (docs/async.md). 0 when e is not
 * such a call. */
static const char *await_method_call(Emitter *E, const AstExpr *e)
{
    if (e->kind != EX_CALL || e->left->kind != EX_ATTR || e->args.n > 3) return NULL;
    const AstExpr *fn = e->left;
    if (is_super_call(fn->value) || is_modname(E, fn->value)) return NULL;
    int n = e->args.n;
    for (int i = 0; i < n; i++) {
        const AstArg *a = AST_AT(e->args, i, AstArg);
        if (a->kind != ARG_POS || a->value->kind == EX_STARRED) return NULL;
    }
    const AstExpr *xs[4];
    LExpr v[4];
    xs[0] = fn->value;
    for (int i = 0; i < n; i++) xs[i + 1] = AST_AT(e->args, i, AstArg)->value;
    compile_seq(E, xs, n + 1, v);
    static const char *const names[] = {"acallm0", "acallm1", "acallm2", "acallm3"};
    Buf b;
    buf_init(&b);
    buf_printf(&b, "%s(%s, \"%s\"", em_helper(E, names[n]), v[0].s, fn->name);
    for (int i = 1; i <= n; i++) buf_printf(&b, ", %s", v[i].s);
    buf_putc(&b, ')');
    const char *s = em_fmt(E, "%s", b.data);
    buf_free(&b);
    return s;
}

static LExpr call_expr(Emitter *E, const AstExpr *e)
{
    const AstExpr *fn = e->left;
    int n = e->args.n;
    const AstExpr **xs = arena_alloc(E->a, sizeof(*xs) * (size_t)(n + 1));
    LExpr *v = arena_alloc(E->a, sizeof(*v) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) xs[i + 1] = AST_AT(e->args, i, AstArg)->value;
    unsigned fl = LX_PREFIX | LX_CALL;

    if (fn->kind == EX_ATTR && is_super_call(fn->value) && E->fn->clsvar && E->fn->self) {
        compile_seq(E, xs + 1, n, v + 1);
        const char *m = em_fmt(E, "%s(%s, %s, \"%s\")", em_helper(E, "super_method"), E->fn->clsvar,
                               em_local_name(E, E->fn->self), fn->name);
        CallArgs ca = call_args(E, &e->args, v + 1);
        const char *self = em_local_name(E, E->fn->self);
        if (ca.simple)
            return mk(em_fmt(E, "%s(%s%s%s)", m, self, n ? ", " : "", ca.plain), P_ATOM, fl);
        /* prepend self to the positional table */
        return mk(em_fmt(E, "%s(%s, %s, %s, %s)", em_helper(E, "call_fn"), m, self, ca.pos, ca.kw), P_ATOM, fl);
    }
    const char *tm = fn->kind == EX_ATTR ? typed_method(E, e) : NULL;
    if (tm) return mk(tm, P_ATOM, tm[0] == '(' ? 0 : fl);
    if (fn->kind == EX_ATTR && !is_modname(E, fn->value)) {
        const char *m = fn->name;
        xs[0] = fn->value;
        compile_seq(E, xs, n + 1, v);
        const char *obj = ex_prefix(E, v[0]);
        CallArgs ca = call_args(E, &e->args, v + 1);
        if (!ca.simple)
            return mk(em_fmt(E, "%s(%s, \"%s\", %s, %s)", em_helper(E, "callmkw"), v[0].s, m, ca.pos, ca.kw),
                      P_ATOM, fl);
        int fast = (nameset_has(&E->methods, m) || em_is_builtin_method(m)) &&
                   !nameset_has(&E->dataattrs, m) && !nameset_has(&E->notfast, m) && !is_modattr(E, fn->value) &&
                   !em_is_dict_method(m) && !lua_is_keyword(m);
        if (fast) return mk(em_fmt(E, "%s:%s(%s)", obj, m, ca.plain), P_ATOM, fl);
        if (em_is_dict_method(m) && !(n > 2 && strcmp(m, "get") == 0))
            /* perf: aio.callm_get etc. try a plain dict first (callm_get takes at most 2 args) */
            return mk(em_fmt(E, "%s(%s%s%s)", em_helper(E, em_fmt(E, "callm_%s", m)), v[0].s, n ? ", " : "",
                             ca.plain), P_ATOM, fl);
        return mk(em_fmt(E, "%s(%s, \"%s\"%s%s)", em_helper(E, "callm"), v[0].s, m, n ? ", " : "", ca.plain),
                  P_ATOM, fl);
    }
    const Scope *owner;
    if (fn->kind == EX_NAME && n == 1 && AST_AT(e->args, 0, AstArg)->kind == ARG_POS &&
        strcmp(fn->name, "len") == 0 && scope_resolve(E->scope, "len", &owner) == NR_GLOBAL &&
        em_builtin_fixed(E, "len")) {
        const char *tl = typed_len(E, xs[1]);
        if (tl) return mk(tl, P_ATOM, 0);
    }
    if (fn->kind == EX_NAME && n == 1 && AST_AT(e->args, 0, AstArg)->kind == ARG_POS &&
        strcmp(fn->name, "str") == 0 && scope_resolve(E->scope, "str", &owner) == NR_GLOBAL &&
        em_builtin_fixed(E, "str")) {
        /* perf: str(x) with one argument is aio.str(x), skipping type.__call */
        compile_seq(E, xs + 1, 1, v + 1);
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "str"), v[1].s), P_ATOM, fl);
    }
    xs[0] = fn;
    compile_seq(E, xs, n + 1, v);
    const char *f = ex_prefix(E, v[0]);
    if (fn->kind == EX_NAME && nameset_has(&E->fastdefs, fn->name) &&
        scope_resolve(E->scope, fn->name, &owner) == NR_GLOBAL)
        f = em_fmt(E, "aio_g_%s", fn->name);   /* module def bound once: its Lua local */
    CallArgs ca = call_args(E, &e->args, v + 1);
    if (ca.simple) return mk(em_fmt(E, "%s(%s)", f, ca.plain), P_ATOM, fl);
    return mk(em_fmt(E, "%s(%s, %s, %s)", em_helper(E, "call"), v[0].s, ca.pos, ca.kw), P_ATOM, fl);
}

/* ---- attributes and subscripts ---- */

static LExpr attr_load(Emitter *E, const AstExpr *e)
{
    LExpr o = ex_value(E, e->value);
    const char *name = e->name;
    if (is_modname(E, e->value) ||
        (nameset_has(&E->dataattrs, name) && !nameset_has(&E->methods, name) && !em_is_builtin_method(name)))
        return mk(field_ref(E, ex_prefix(E, o), name), P_ATOM, LX_PREFIX);
    return mk(em_fmt(E, "%s(%s, \"%s\")", em_helper(E, "getattr"), o.s, name), P_ATOM, LX_PREFIX | LX_CALL);
}

/* Compiles value, and index or slice bounds; v gets 4 entries. */
void ex_subscript_parts(Emitter *E, const AstExpr *e, LExpr *v, int *is_slice);
void ex_subscript_parts(Emitter *E, const AstExpr *e, LExpr *v, int *is_slice)
{
    const AstExpr *ix = e->index;
    *is_slice = ix->kind == EX_SLICE;
    if (*is_slice) {
        const AstExpr *xs[4] = { e->value, ix->lower, ix->upper, ix->step };
        compile_seq(E, xs, 4, v);
    } else {
        const AstExpr *xs[2] = { e->value, ix };
        compile_seq(E, xs, 2, v);
    }
}

static LExpr subscript_load(Emitter *E, const AstExpr *e)
{
    const char *tg = typed_getitem(E, e);
    if (tg) return mk(tg, P_ATOM, 0);
    LExpr v[4];
    int sl;
    ex_subscript_parts(E, e, v, &sl);
    if (sl)
        return mk(em_fmt(E, "%s(%s, %s, %s, %s)", em_helper(E, "getslice"), v[0].s, v[1].s, v[2].s, v[3].s),
                  P_ATOM, LX_PREFIX | LX_CALL);
    return mk(em_fmt(E, "%s[%s]", ex_prefix(E, v[0]), v[1].s), P_ATOM, LX_PREFIX);
}

/* ---- functions and comprehensions (the bodies are in emit_stmt.c) ---- */

LExpr ex_comprehension(Emitter *E, const AstExpr *e);

/* ---- the dispatcher ---- */

LExpr ex_value(Emitter *E, const AstExpr *e)
{
    Buf b;
    switch (e->kind) {
    case EX_NAME:
        if (da_check(E->da, e)) return mk(ex_name_checked(E, e), P_ATOM, LX_PREFIX);
        return mk(ex_name_load(E, e->name), P_ATOM, LX_PREFIX | LX_SIMPLE);
    case EX_INT:
        buf_init(&b);
        lua_number_int(&b, e->ival);
        {
            LExpr x = mk(em_fmt(E, "%s", b.data), e->ival < 0 ? P_UNARY : P_ATOM, LX_SIMPLE);
            buf_free(&b);
            return x;
        }
    case EX_FLOAT:
        buf_init(&b);
        lua_number_float(&b, e->fval);
        {
            LExpr x = mk(em_fmt(E, "%s", b.data), b.data[0] == '(' ? P_ATOM : P_ATOM, LX_SIMPLE);
            buf_free(&b);
            return x;
        }
    case EX_STR:
        return mk(em_quote(E, e->str.s, e->str.len), P_ATOM, LX_SIMPLE);
    case EX_BYTES:
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "bytes"), em_quote(E, e->str.s, e->str.len)), P_ATOM,
                  LX_PREFIX | LX_CALL);
    case EX_FSTRING:
        return fstring(E, e);
    case EX_NONE: return mk("None", P_ATOM, LX_PREFIX | LX_SIMPLE);
    case EX_TRUE: return mk("true", P_ATOM, LX_SIMPLE | LX_BOOL);
    case EX_FALSE: return mk("false", P_ATOM, LX_SIMPLE | LX_BOOL);
    case EX_ELLIPSIS: return mk(em_helper(E, "Ellipsis"), P_ATOM, LX_PREFIX | LX_SIMPLE);
    case EX_BINOP: {
        const AstExpr *xs[2] = { e->left, e->right };
        LExpr v[2];
        compile_seq(E, xs, 2, v);
        return ex_binop(E, e->op, v[0], v[1], e->right, e->left);
    }
    case EX_UNARY: {
        if (e->op == OP_NOT) return test_l(E, e);
        if (e->op == OP_NEG && e->left->kind == EX_INT && e->left->ival > 0)
            return mk(em_fmt(E, "-%lld", (long long)e->left->ival), P_UNARY, LX_SIMPLE);
        LExpr x = ex_value(E, e->left);
        const char *s = ex_paren(E, x, P_UNARY);
        if (e->op == OP_NEG) return mk(em_fmt(E, s[0] == '-' ? "- %s" : "-%s", s), P_UNARY, 0);
        if (e->op == OP_INVERT) return mk(em_fmt(E, s[0] == '~' ? "~ %s" : "~%s", s), P_UNARY, 0);
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "pos"), x.s), P_ATOM, LX_PREFIX | LX_CALL);
    }
    case EX_BOOLOP: return boolop_value(E, e);
    case EX_COMPARE: return compare(E, e);
    case EX_IFEXP: return ifexp_value(E, e);
    case EX_NAMEDEXPR: {
        LExpr v = ex_value(E, e->value);
        const char *n = ex_name_store(E, e->name);
        em_pre(E, em_fmt(E, "%s = %s", n, v.s));
        return mk(n, P_ATOM, LX_PREFIX | LX_SIMPLE);
    }
    case EX_LAMBDA:
        return mk(ex_lambda(E, e), P_ATOM, LX_PREFIX | LX_CALL);
    case EX_AWAIT: {
        if (is_plain_name_call(e->value)) return await_call(E, e->value);
        const char *am = await_method_call(E, e->value);
        if (am) return mk(am, P_ATOM, LX_PREFIX | LX_CALL);
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "await"), ex_value(E, e->value).s), P_ATOM, LX_PREFIX | LX_CALL);
    }
    case EX_YIELD:
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "yield"), e->value ? ex_value(E, e->value).s : "None"),
                  P_ATOM, LX_PREFIX | LX_CALL);
    case EX_YIELD_FROM:
        return mk(em_fmt(E, "%s(%s)", em_helper(E, "yield_from"), ex_value(E, e->value).s), P_ATOM,
                  LX_PREFIX | LX_CALL);
    case EX_CALL: return call_expr(E, e);
    case EX_ATTR: return attr_load(E, e);
    case EX_SUBSCRIPT: return subscript_load(E, e);
    case EX_SLICE:
        diag_error(E->diag, e->line, e->col, "slice is only allowed inside []");
        return mk("nil", P_ATOM, 0);
    case EX_LIST: return seq_display(E, e, "list");
    case EX_TUPLE: return seq_display(E, e, "tuple");
    case EX_SET: return seq_display(E, e, "set");
    case EX_DICT: return dict_display(E, e);
    case EX_STARRED:
        diag_error(E->diag, e->line, e->col, "can't use starred expression here");
        return mk("nil", P_ATOM, 0);
    case EX_FORMATTED:
        return ex_value(E, e->value);
    case EX_LISTCOMP: case EX_SETCOMP: case EX_DICTCOMP: case EX_GENEXP:
        return ex_comprehension(E, e);
    }
    return mk("nil", P_ATOM, 0);
}
