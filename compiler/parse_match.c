/* parse_match.c - the match statement (PEP 634): `match` and `case` as soft
 * keywords, the pattern grammar (ast.h AstPattern), and the checks CPython
 * makes at compile time (unreachable cases, names bound twice or by only
 * some alternatives, repeated keys and attributes, two stars).
 * The statement becomes an ST_MATCH whose handlers are the case clauses. */
#include "parser_int.h"
#include <string.h>

static AstPattern *parse_pattern(Parser *p);
static AstPattern *parse_pattern_after_name(Parser *p, const char *name, int line, int col);

static AstPattern *p_pat(Parser *p, AstPatternKind k, int line, int col)
{
    AstPattern *pt = arena_alloc(p->a, sizeof *pt);
    pt->kind = k;
    pt->line = line;
    pt->col = col;
    return pt;
}

/* A literal usable as a pattern or a mapping key: [-]number, strings,
 * None/True/False. NULL if the current token starts none. */
static AstExpr *parse_pattern_literal(Parser *p)
{
    switch (p->tok.kind) {
    case T_MINUS: {
        AstExpr *e = p_expr_at(p, EX_UNARY);
        p_next(p);
        if (p->tok.kind != T_INT && p->tok.kind != T_FLOAT) p_syntax(p);
        e->op = OP_NEG;
        e->left = parse_atom(p);
        return e;
    }
    case T_INT: case T_FLOAT: case T_NONE: case T_TRUE: case T_FALSE:
        return parse_atom(p);
    case T_STRING: {
        AstExpr *e = parse_strings(p);
        if (e->kind == EX_FSTRING)
            p_fail_at(p, e->line, e->col, "patterns may only match literals and attribute lookups");
        return e;
    }
    default:
        return NULL;
    }
}

/* name_or_attr after its first NAME: NAME ('.' NAME)* */
static AstExpr *parse_pattern_dotted(Parser *p, const char *name, int line, int col)
{
    AstExpr *e = p_expr(p, EX_NAME, line, col);
    e->name = name;
    while (p_accept(p, T_DOT)) {
        AstExpr *a = p_expr(p, EX_ATTR, line, col);
        a->value = e;
        a->name = p_expect_name(p);
        e = a;
    }
    return e;
}

/* class_pattern arguments after '(': positional patterns, then NAME '=' pattern. */
static void parse_class_args(Parser *p, AstPattern *c)
{
    while (p->tok.kind != T_RPAR) {
        AstPattern *sub;
        if (p->tok.kind == T_NAME) {
            const char *name = p->tok.name;
            int line = p->tok.line, col = p->tok.col;
            p_next(p);
            if (p_accept(p, T_EQUAL)) {
                for (int i = 0; i < c->kwnames.n; i++)
                    if (strcmp(AST_AT(c->kwnames, i, const char), name) == 0)
                        p_error_at(p, line, col, "attribute name repeated in class pattern: %s", name);
                ast_list_push(p->a, &c->kwnames, (void *)name);
                ast_list_push(p->a, &c->kwitems, parse_pattern(p));
                if (!p_accept(p, T_COMMA)) break;
                continue;
            }
            sub = parse_pattern_after_name(p, name, line, col);
        } else {
            sub = parse_pattern(p);
        }
        if (c->kwnames.n) p_fail_at(p, sub->line, sub->col, "positional patterns follow keyword patterns");
        ast_list_push(p->a, &c->items, sub);
        if (!p_accept(p, T_COMMA)) break;
    }
    p_expect(p, T_RPAR, NULL);
}

/* A closed pattern that starts with NAME (already consumed): capture,
 * wildcard, value pattern or class pattern. */
static AstPattern *parse_closed_after_name(Parser *p, const char *name, int line, int col)
{
    if (p->tok.kind != T_DOT && p->tok.kind != T_LPAR) {
        AstPattern *pt = p_pat(p, strcmp(name, "_") == 0 ? PAT_WILDCARD : PAT_CAPTURE, line, col);
        if (pt->kind == PAT_CAPTURE) pt->name = name;
        return pt;
    }
    AstExpr *v = parse_pattern_dotted(p, name, line, col);
    if (p_accept(p, T_LPAR)) {
        AstPattern *c = p_pat(p, PAT_CLASS, line, col);
        c->value = v;
        parse_class_args(p, c);
        return c;
    }
    AstPattern *pt = p_pat(p, PAT_VALUE, line, col);
    pt->value = v;
    return pt;
}

/* '[' or '(' sequence/group pattern contents up to close; a parenthesised
 * single pattern without a comma is a group. */
static AstPattern *parse_pattern_seq(Parser *p, TokKind close, int line, int col)
{
    AstPattern *s = p_pat(p, PAT_SEQUENCE, line, col);
    int comma = 0;
    while (p->tok.kind != close) {
        AstPattern *it;
        if (p->tok.kind == T_STAR) {
            it = p_pat(p, PAT_STAR, p->tok.line, p->tok.col);
            p_next(p);
            const char *n = p_expect_name(p);
            if (strcmp(n, "_") != 0) it->name = n;
        } else {
            it = parse_pattern(p);
        }
        ast_list_push(p->a, &s->items, it);
        if (!p_accept(p, T_COMMA)) break;
        comma = 1;
    }
    p_expect(p, close, NULL);
    if (close == T_RPAR && s->items.n == 1 && !comma && AST_AT(s->items, 0, AstPattern)->kind != PAT_STAR)
        return AST_AT(s->items, 0, AstPattern);
    return s;
}

/* mapping_pattern after '{' */
static AstPattern *parse_pattern_map(Parser *p, int line, int col)
{
    AstPattern *m = p_pat(p, PAT_MAPPING, line, col);
    while (p->tok.kind != T_RBRACE) {
        if (p_accept(p, T_DOUBLESTAR)) {
            int nl = p->tok.line, nc = p->tok.col;
            m->name = p_expect_name(p);
            if (strcmp(m->name, "_") == 0) p_fail_at(p, nl, nc, "invalid syntax");
            p_accept(p, T_COMMA);
            break;
        }
        AstExpr *k = parse_pattern_literal(p);
        if (!k) {
            if (p->tok.kind != T_NAME) p_syntax(p);
            const char *n = p->tok.name;
            int kl = p->tok.line, kc = p->tok.col;
            p_next(p);
            if (p->tok.kind != T_DOT) p_syntax(p);
            k = parse_pattern_dotted(p, n, kl, kc);
        }
        p_expect(p, T_COLON, NULL);
        ast_list_push(p->a, &m->keys, k);
        ast_list_push(p->a, &m->items, parse_pattern(p));
        if (!p_accept(p, T_COMMA)) break;
    }
    p_expect(p, T_RBRACE, NULL);
    return m;
}

static AstPattern *parse_closed_pattern(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    switch (p->tok.kind) {
    case T_NAME: {
        const char *name = p->tok.name;
        p_next(p);
        return parse_closed_after_name(p, name, line, col);
    }
    case T_LSQB: p_next(p); return parse_pattern_seq(p, T_RSQB, line, col);
    case T_LPAR: p_next(p); return parse_pattern_seq(p, T_RPAR, line, col);
    case T_LBRACE: p_next(p); return parse_pattern_map(p, line, col);
    default: break;
    }
    AstExpr *lit = parse_pattern_literal(p);
    if (!lit) p_syntax(p);
    AstPattern *pt = p_pat(p, PAT_VALUE, line, col);
    if (lit->kind == EX_NONE || lit->kind == EX_TRUE || lit->kind == EX_FALSE) pt->kind = PAT_SINGLETON;
    pt->value = lit;
    return pt;
}

/* or_pattern ['as' NAME], the first closed pattern given */
static AstPattern *parse_pattern_rest(Parser *p, AstPattern *first)
{
    AstPattern *pt = first;
    if (p->tok.kind == T_VBAR) {
        pt = p_pat(p, PAT_OR, first->line, first->col);
        ast_list_push(p->a, &pt->items, first);
        while (p_accept(p, T_VBAR)) ast_list_push(p->a, &pt->items, parse_closed_pattern(p));
    }
    if (p_accept(p, T_AS)) {
        AstPattern *as = p_pat(p, PAT_AS, pt->line, pt->col);
        int nl = p->tok.line, nc = p->tok.col;
        as->sub = pt;
        as->name = p_expect_name(p);
        if (strcmp(as->name, "_") == 0) p_fail_at(p, nl, nc, "cannot use '_' as a target");
        return as;
    }
    return pt;
}

static AstPattern *parse_pattern_after_name(Parser *p, const char *name, int line, int col)
{
    return parse_pattern_rest(p, parse_closed_after_name(p, name, line, col));
}

static AstPattern *parse_pattern(Parser *p)
{
    p_enter(p);
    AstPattern *pt = parse_pattern_rest(p, parse_closed_pattern(p));
    p->ctx.depth--;
    return pt;
}

/* patterns: open_sequence_pattern | pattern */
static AstPattern *parse_patterns(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    AstPattern *first;
    if (p->tok.kind == T_STAR) {
        first = p_pat(p, PAT_STAR, line, col);
        p_next(p);
        const char *n = p_expect_name(p);
        if (strcmp(n, "_") != 0) first->name = n;
        if (p->tok.kind != T_COMMA) p_syntax(p);
    } else {
        first = parse_pattern(p);
    }
    if (p->tok.kind != T_COMMA) return first;
    AstPattern *s = p_pat(p, PAT_SEQUENCE, line, col);
    ast_list_push(p->a, &s->items, first);
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind == T_COLON || p->tok.kind == T_IF) break;
        if (p->tok.kind == T_STAR) {
            AstPattern *st = p_pat(p, PAT_STAR, p->tok.line, p->tok.col);
            p_next(p);
            const char *n = p_expect_name(p);
            if (strcmp(n, "_") != 0) st->name = n;
            ast_list_push(p->a, &s->items, st);
        } else {
            ast_list_push(p->a, &s->items, parse_pattern(p));
        }
    }
    return s;
}

/* ---- pattern checks: names bound, unreachable cases ---- */

typedef struct PatNames {
    Parser *p;
    AstList names;      /* const char* */
} PatNames;

static void pat_name_dup(void *ctx, const char *name, const AstPattern *at)
{
    PatNames *pn = ctx;
    for (int i = 0; i < pn->names.n; i++)
        if (strcmp(AST_AT(pn->names, i, const char), name) == 0) {
            p_error_at(pn->p, at->line, at->col, "multiple assignments to name '%s' in pattern", name);
            return;
        }
    ast_list_push(pn->p->a, &pn->names, (void *)name);
}

static int pat_same_names(Parser *p, const AstPattern *a, const AstPattern *b)
{
    PatNames x = { p, {0} }, y = { p, {0} };
    ast_pattern_names(a, pat_name_dup, &x);
    ast_pattern_names(b, pat_name_dup, &y);
    if (x.names.n != y.names.n) return 0;
    for (int i = 0; i < x.names.n; i++) {
        int found = 0;
        for (int j = 0; j < y.names.n; j++)
            found |= strcmp(AST_AT(x.names, i, const char), AST_AT(y.names, j, const char)) == 0;
        if (!found) return 0;
    }
    return 1;
}

static void pat_unreachable(Parser *p, const AstPattern *pt)
{
    while (pt->kind == PAT_AS) pt = pt->sub;
    if (pt->kind == PAT_OR) {
        for (int i = 0; i < pt->items.n; i++) {
            const AstPattern *alt = AST_AT(pt->items, i, AstPattern);
            if (ast_pattern_irrefutable(alt)) {
                pat_unreachable(p, alt);
                return;
            }
        }
        return;
    }
    if (pt->kind == PAT_WILDCARD)
        p_error_at(p, pt->line, pt->col, "wildcard makes remaining patterns unreachable");
    else
        p_error_at(p, pt->line, pt->col, "name capture '%s' makes remaining patterns unreachable", pt->name);
}

/* Structural checks CPython makes at compile time. */
static void pat_check(Parser *p, const AstPattern *pt)
{
    int stars = 0;
    switch (pt->kind) {
    case PAT_AS: pat_check(p, pt->sub); return;
    case PAT_OR:
        for (int i = 0; i < pt->items.n; i++) {
            const AstPattern *alt = AST_AT(pt->items, i, AstPattern);
            pat_check(p, alt);
            if (i < pt->items.n - 1 && ast_pattern_irrefutable(alt)) pat_unreachable(p, alt);
            if (i && !pat_same_names(p, AST_AT(pt->items, 0, AstPattern), alt))
                p_error_at(p, alt->line, alt->col, "alternative patterns bind different names");
        }
        return;
    case PAT_SEQUENCE:
        for (int i = 0; i < pt->items.n; i++) {
            const AstPattern *it = AST_AT(pt->items, i, AstPattern);
            if (it->kind == PAT_STAR && ++stars == 2)
                p_error_at(p, pt->line, pt->col, "multiple starred names in sequence pattern");
            pat_check(p, it);
        }
        return;
    case PAT_MAPPING:
        for (int i = 0; i < pt->keys.n; i++) {
            const AstExpr *k = AST_AT(pt->keys, i, AstExpr);
            for (int j = 0; j < i; j++) {
                const AstExpr *o = AST_AT(pt->keys, j, AstExpr);
                if (o->kind != k->kind) continue;
                if (k->kind == EX_STR && o->str.len == k->str.len && memcmp(o->str.s, k->str.s, k->str.len) == 0)
                    p_error_at(p, pt->line, pt->col, "mapping pattern checks duplicate key ('%s')", k->str.s);
                else if (k->kind == EX_INT && o->ival == k->ival)
                    p_error_at(p, pt->line, pt->col, "mapping pattern checks duplicate key (%lld)", (long long)k->ival);
            }
            pat_check(p, AST_AT(pt->items, i, AstPattern));
        }
        return;
    case PAT_CLASS:
        for (int i = 0; i < pt->items.n; i++) pat_check(p, AST_AT(pt->items, i, AstPattern));
        for (int i = 0; i < pt->kwitems.n; i++) pat_check(p, AST_AT(pt->kwitems, i, AstPattern));
        return;
    default: return;
    }
}

int p_is_soft(const Token *t, const char *kw)
{
    return t->kind == T_NAME && strcmp(t->name, kw) == 0;
}

/* subject_expr: star_named_expression ',' star_named_expressions? | named_expression */
static AstExpr *parse_match_subject(Parser *p)
{
    AstExpr *first = parse_star_named(p);
    if (p->tok.kind != T_COMMA) {
        p_check_not_starred(p, first);
        return first;
    }
    AstExpr *t = p_expr(p, EX_TUPLE, first->line, first->col);
    ast_list_push(p->a, &t->items, first);
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind == T_COLON) break;
        ast_list_push(p->a, &t->items, parse_star_named(p));
    }
    return t;
}

/* Is the `match` NAME at the start of this statement the soft keyword?
 * It is when `match subject_expr ':' NEWLINE` parses (quietly). */
int p_match_ahead(Parser *p)
{
    Parser *snap = arena_alloc(p->a, sizeof *snap);
    *snap = *p;
    volatile int ok = 0;
    p->gate->quiet++;
    if (setjmp(p->jb) == 0) {
        p_next(p);
        if (p_starts_expr(p->tok.kind)) {
            (void)parse_match_subject(p);
            if (p->tok.kind == T_COLON) {
                p_next(p);
                ok = p->tok.kind == T_NEWLINE;
            }
        }
    }
    p->gate->quiet--;
    jmp_buf jb;
    memcpy(jb, snap->jb, sizeof jb);
    *p = *snap;
    memcpy(p->jb, jb, sizeof jb);
    return ok;
}

/* case_block: "case" patterns ['if' named_expression] ':' block */
static void parse_case(Parser *p, AstStmt *s)
{
    if (!p_is_soft(&p->tok, "case")) p_syntax(p);
    AstHandler *h = arena_alloc(p->a, sizeof *h);
    h->line = p->tok.line;
    h->col = p->tok.col;
    p_next(p);
    h->pattern = parse_patterns(p);
    pat_check(p, h->pattern);
    PatNames pn = { p, {0} };
    ast_pattern_names(h->pattern, pat_name_dup, &pn);
    if (p_accept(p, T_IF)) h->guard = parse_named(p);
    parse_block(p, &h->body, "'case' statement", h->line);
    ast_list_push(p->a, &s->handlers, h);
}

/* match_stmt: "match" subject_expr ':' NEWLINE INDENT case_block+ DEDENT */
AstStmt *parse_match(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_MATCH, p->tok.line, p->tok.col);
    p_next(p);
    s->value = parse_match_subject(p);
    p_expect(p, T_COLON, "expected ':'");
    p_expect(p, T_NEWLINE, NULL);
    if (p->tok.kind != T_INDENT)
        p_fail_at(p, p->tok.line, p->tok.col, "expected an indented block after 'match' statement on line %d", s->line);
    p_next(p);
    while (p->tok.kind != T_DEDENT && p->tok.kind != T_EOF && !p->stop) {
        if (p_accept(p, T_NEWLINE)) continue;
        /* a syntax error in one case skips that case and goes on with the next */
        jmp_buf saved;
        memcpy(saved, p->jb, sizeof saved);
        PCtx ctx = p->ctx;
        if (setjmp(p->jb) == 0) parse_case(p, s);
        else {
            p->ctx = ctx;
            p_recover(p);
        }
        memcpy(p->jb, saved, sizeof saved);
    }
    p_accept(p, T_DEDENT);
    for (int i = 0; i + 1 < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        if (!h->guard && ast_pattern_irrefutable(h->pattern)) pat_unreachable(p, h->pattern);
    }
    return s;
}
