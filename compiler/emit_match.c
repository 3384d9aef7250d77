/* emit_match.c - the match statement (PEP 634) to Lua (docs/internals.md,
 * "match").
 *
 * Owns: compiling case patterns into Lua tests, locals and capture stores,
 * and the statement's shape. The subject goes into a local `aio_mN` inside
 * `do ... end`. When every case is plain tests (no pattern local, no guard
 * that needs captures first) the cases are one if/elseif/else chain;
 * otherwise each case is its own nest of ifs whose body ends with
 * `goto aio_mendN` (the label closes the statement). Sequence, mapping and
 * class checks are runtime calls (stdlib/45_match.lua). */
#include "emit_int.h"
#include <string.h>

/* One pattern being compiled: Lua text for the case's header line. */
typedef struct Pm {
    Emitter *E;
    Buf code;       /* statements written so far: locals, opened ifs */
    Buf tests;      /* pending tests, joined with `and` */
    Buf binds;      /* capture stores, written after the last test */
    int opens;      /* blocks opened in code (each closed by one `end`) */
    int plain;      /* only tests and binds: fits an if/elseif chain */
} Pm;

static void pm_init(Pm *P, Emitter *E)
{
    P->E = E;
    buf_init(&P->code);
    buf_init(&P->tests);
    buf_init(&P->binds);
    P->opens = 0;
    P->plain = 1;
}

static void pm_free(Pm *P)
{
    buf_free(&P->code);
    buf_free(&P->tests);
    buf_free(&P->binds);
}

static void pm_test(Pm *P, const char *t)
{
    if (P->tests.len) buf_puts(&P->tests, " and ");
    buf_puts(&P->tests, t);
}

/* Opens an `if` for the pending tests. */
static void pm_flush(Pm *P)
{
    if (!P->tests.len) return;
    buf_printf(&P->code, "if %s then ", P->tests.data);
    P->tests.len = 0;
    P->tests.data[0] = 0;
    P->opens++;
}

static const char *pm_local(Pm *P, const char *value)
{
    pm_flush(P);
    const char *v = em_fmt(P->E, "aio_p%d", ++P->E->nlabel);
    buf_printf(&P->code, "local %s = %s ", v, value);
    P->plain = 0;
    return v;
}

static void pm_bind(Pm *P, const char *name, const char *value)
{
    buf_printf(&P->binds, "%s = %s ", ex_name_store(P->E, name), value);
}

static void pm_pat(Pm *P, const AstPattern *pt, const char *subj);

static void pm_sequence(Pm *P, const AstPattern *pt, const char *subj)
{
    Emitter *E = P->E;
    int star = -1, n = pt->items.n;
    for (int i = 0; i < n; i++)
        if (AST_AT(pt->items, i, AstPattern)->kind == PAT_STAR) star = i;
    pm_test(P, em_fmt(E, "%s(%s, %d, %s)", em_helper(E, "match_seq"), subj, star < 0 ? n : n - 1,
                      star < 0 ? "false" : "true"));
    for (int i = 0; i < n; i++) {
        const AstPattern *it = AST_AT(pt->items, i, AstPattern);
        if (i == star) {
            if (it->name)
                pm_bind(P, it->name, em_fmt(E, "%s(%s, %d, %d)", em_helper(E, "match_rest"), subj, star, n - 1 - star));
            continue;
        }
        pm_pat(P, it, star < 0 || i < star ? em_fmt(E, "%s[%d]", subj, i) : em_fmt(E, "%s[-%d]", subj, n - i));
    }
}

/* The keys of a mapping pattern / keyword names of a class pattern, as
 * trailing call arguments (", k1, k2"). */
static const char *pm_keys(Pm *P, const AstList *keys)
{
    Buf b;
    buf_init(&b);
    for (int i = 0; i < keys->n; i++) buf_printf(&b, ", %s", ex_value(P->E, AST_AT(*keys, i, AstExpr)).s);
    const char *s = em_fmt(P->E, "%s", b.len ? b.data : "");
    buf_free(&b);
    return s;
}

static void pm_mapping(Pm *P, const AstPattern *pt, const char *subj)
{
    Emitter *E = P->E;
    const char *call = em_fmt(E, "%s(%s%s)", em_helper(E, "match_map"), subj, pm_keys(P, &pt->keys));
    if (!pt->items.n && !pt->name) {
        pm_test(P, call);
        return;
    }
    const char *t = pm_local(P, call);
    pm_test(P, t);
    for (int i = 0; i < pt->items.n; i++) pm_pat(P, AST_AT(pt->items, i, AstPattern), em_fmt(E, "%s[%d]", t, i + 1));
    if (pt->name) pm_bind(P, pt->name, em_fmt(E, "%s(%s, %s)", em_helper(E, "match_maprest"), subj, t));
}

static void pm_class(Pm *P, const AstPattern *pt, const char *subj)
{
    Emitter *E = P->E;
    const char *cls = ex_value(E, pt->value).s;
    int npos = pt->items.n, nkw = pt->kwitems.n;
    if (!npos && !nkw) {
        pm_test(P, em_fmt(E, "%s(%s, %s)", em_helper(E, "match_class"), subj, cls));
        return;
    }
    Buf kw;
    buf_init(&kw);
    for (int i = 0; i < nkw; i++) buf_printf(&kw, ", \"%s\"", AST_AT(pt->kwnames, i, const char));
    const char *t = pm_local(P, em_fmt(E, "%s(%s, %s, %d%s)", em_helper(E, "match_class"), subj, cls, npos,
                                       kw.len ? kw.data : ""));
    buf_free(&kw);
    pm_test(P, t);
    for (int i = 0; i < npos; i++) pm_pat(P, AST_AT(pt->items, i, AstPattern), em_fmt(E, "%s[%d]", t, i + 1));
    for (int i = 0; i < nkw; i++)
        pm_pat(P, AST_AT(pt->kwitems, i, AstPattern), em_fmt(E, "%s[%d]", t, npos + i + 1));
}

/* a | b: one `(t1 or t2)` test when no alternative binds or needs a local;
 * else each alternative runs in turn (until one sets the flag local) and
 * stores its own captures. */
static void pm_or(Pm *P, const AstPattern *pt, const char *subj)
{
    Emitter *E = P->E;
    int n = pt->items.n, simple = 1;
    Pm *alts = arena_alloc(E->a, sizeof(Pm) * (size_t)n);
    for (int i = 0; i < n; i++) {
        pm_init(&alts[i], E);
        pm_pat(&alts[i], AST_AT(pt->items, i, AstPattern), subj);
        if (!alts[i].plain || alts[i].binds.len || !alts[i].tests.len) simple = 0;
    }
    if (simple) {
        Buf b;
        buf_init(&b);
        for (int i = 0; i < n; i++) buf_printf(&b, "%s%s", i ? " or " : "(", alts[i].tests.data);
        buf_puts(&b, ")");
        pm_test(P, em_fmt(E, "%s", b.data));
        buf_free(&b);
    } else {
        const char *flag = pm_local(P, "false");
        for (int i = 0; i < n; i++) {
            Pm *A = &alts[i];
            int opens = A->opens + (A->tests.len ? 1 : 0);
            buf_printf(&P->code, "%sdo %s", i ? em_fmt(E, "if not %s then ", flag) : "", A->code.len ? A->code.data : "");
            if (A->tests.len) buf_printf(&P->code, "if %s then ", A->tests.data);
            buf_printf(&P->code, "%s%s = true ", A->binds.len ? A->binds.data : "", flag);
            for (int j = 0; j < opens; j++) buf_puts(&P->code, "end ");
            buf_puts(&P->code, i ? "end end " : "end ");
        }
        pm_test(P, flag);
    }
    for (int i = 0; i < n; i++) pm_free(&alts[i]);
}

static void pm_pat(Pm *P, const AstPattern *pt, const char *subj)
{
    Emitter *E = P->E;
    switch (pt->kind) {
    case PAT_WILDCARD: case PAT_STAR: return;
    case PAT_CAPTURE: pm_bind(P, pt->name, subj); return;
    case PAT_VALUE: {
        const AstExpr *v = pt->value;
        const char *x = ex_paren(E, ex_value(E, v), P_CONCAT);
        /* Lua's == never equates a boolean and a number: False matches 0 */
        int num = v->kind == EX_INT || v->kind == EX_FLOAT;
        double d = v->kind == EX_INT ? (double)v->ival : v->fval;
        if (num && (d == 0 || d == 1))
            pm_test(P, em_fmt(E, "(%s == %s or %s == %s)", subj, x, subj, d == 0 ? "false" : "true"));
        else
            pm_test(P, em_fmt(E, "%s == %s", subj, x));
        return;
    }
    case PAT_SINGLETON:
        if (pt->value->kind == EX_NONE) pm_test(P, em_fmt(E, "%s(%s, None)", em_helper(E, "rawequal"), subj));
        else pm_test(P, em_fmt(E, "%s == %s", subj, pt->value->kind == EX_TRUE ? "true" : "false"));
        return;
    case PAT_SEQUENCE: pm_sequence(P, pt, subj); return;
    case PAT_MAPPING: pm_mapping(P, pt, subj); return;
    case PAT_CLASS: pm_class(P, pt, subj); return;
    case PAT_OR: pm_or(P, pt, subj); return;
    case PAT_AS:
        pm_pat(P, pt->sub, subj);
        pm_bind(P, pt->name, subj);
        return;
    }
}

/* The guard's test, with any code it hoists in *pre. */
static const char *guard_test(Emitter *E, const AstExpr *g, const char **pre)
{
    Buf b, *saved = E->pre;
    int saved_local = E->pre_local;
    buf_init(&b);
    E->pre = &b;
    const char *t = ex_test(E, g);
    E->pre = saved;
    E->pre_local = saved_local;
    *pre = b.len ? em_fmt(E, "%s ", b.data) : "";
    buf_free(&b);
    return t;
}

static void case_body(Emitter *E, const AstHandler *h, int tail_free)
{
    lo_indent(&E->out, 1);
    st_block(E, &h->body, tail_free);
    lo_indent(&E->out, -1);
}

/* if T1 then ... elseif T2 then ... else ... end */
static void match_chain(Emitter *E, const AstStmt *s, Pm *pm)
{
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        Pm *P = &pm[i];
        lo_line(&E->out, h->line);
        if (h->guard) {
            const char *pre;
            pm_test(P, guard_test(E, h->guard, &pre));
        }
        const char *binds = P->binds.len ? em_fmt(E, " %.*s", (int)P->binds.len - 1, P->binds.data) : "";
        if (!P->tests.len) lo_putf(&E->out, "%s%s", i ? "else" : "do", binds);
        else lo_putf(&E->out, "%s %s then%s", i ? "elseif" : "if", P->tests.data, binds);
        case_body(E, h, 1);
    }
    lo_line(&E->out, s->end_line);
    lo_put(&E->out, "end");
}

/* Each case its own nest of ifs, leaving with goto aio_mendN. */
static void match_goto(Emitter *E, const AstStmt *s, Pm *pm, int id)
{
    int n = s->handlers.n;
    for (int i = 0; i < n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        Pm *P = &pm[i];
        lo_line(&E->out, h->line);
        if (!P->plain) {
            /* the case's pattern locals stay inside it (Lua's 200-locals limit) */
            Buf c;
            buf_init(&c);
            buf_printf(&c, "do %s", P->code.len ? P->code.data : "");
            buf_free(&P->code);
            P->code = c;
            P->opens++;
        }
        pm_flush(P);
        if (P->binds.len) buf_add(&P->code, P->binds.data, P->binds.len);
        if (h->guard) {
            const char *pre, *t = guard_test(E, h->guard, &pre);
            if (*pre) { buf_printf(&P->code, "do %s", pre); P->opens++; }
            buf_printf(&P->code, "if %s then ", t);
            P->opens++;
        }
        if (P->code.len) lo_putf(&E->out, "%.*s", (int)P->code.len - 1, P->code.data);
        case_body(E, h, i == n - 1 && P->opens > 0);
        lo_line(&E->out, i + 1 < n ? AST_AT(s->handlers, i + 1, AstHandler)->line : s->end_line);
        if (i + 1 < n && P->opens) lo_putf(&E->out, "goto aio_mend%d", id);
        for (int j = 0; j < P->opens; j++) lo_put(&E->out, "end");
    }
    lo_putf(&E->out, "::aio_mend%d::", id);
}

void st_match(Emitter *E, const AstStmt *s)
{
    lo_line(&E->out, s->line);
    const char *pre;
    Buf b, *saved = E->pre;
    int saved_local = E->pre_local;
    buf_init(&b);
    E->pre = &b;
    LExpr subj = ex_value(E, s->value);
    E->pre = saved;
    E->pre_local = saved_local;
    pre = b.len ? em_fmt(E, "%s ", b.data) : "";
    buf_free(&b);
    int id = ++E->nlabel;
    const char *m = em_fmt(E, "aio_m%d", id);
    lo_putf(&E->out, "do %slocal %s = %s", pre, m, subj.s);

    int n = s->handlers.n, chain = 1;
    Pm *pm = arena_alloc(E->a, sizeof(Pm) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        pm_init(&pm[i], E);
        /* value patterns are literals and dotted names: nothing should be
         * hoisted, but if something is, it runs first inside the case */
        Buf hb, *hsaved = E->pre;
        int hlocal = E->pre_local;
        buf_init(&hb);
        E->pre = &hb;
        pm_pat(&pm[i], h->pattern, m);
        E->pre = hsaved;
        E->pre_local = hlocal;
        if (hb.len) {
            Buf c;
            buf_init(&c);
            buf_printf(&c, "do %s %s", hb.data, pm[i].code.len ? pm[i].code.data : "");
            buf_free(&pm[i].code);
            pm[i].code = c;
            pm[i].opens++;
            pm[i].plain = 0;
        }
        buf_free(&hb);
        if (!pm[i].plain || (h->guard && (pm[i].binds.len || ex_hoists(h->guard)))) chain = 0;
    }
    if (chain) match_chain(E, s, pm);
    else match_goto(E, s, pm, id);
    lo_line(&E->out, s->end_line);
    lo_put(&E->out, "end");
    for (int i = 0; i < n; i++) pm_free(&pm[i]);
}
