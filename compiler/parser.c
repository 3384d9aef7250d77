/* parser.c - recursive-descent parser: tokens (lexer.h) -> AST (ast.h).
 *
 * Owns: the grammar (the match statement: parse_match.c), the context checks of parser.h (break outside a loop,
 * return/yield/await placement, assignment targets), f-string splitting, and
 * error recovery. A syntax error longjmps to the innermost statement loop
 * (parse_stmts), which skips to the next logical line and carries on, so one
 * run reports several errors; LexGate keeps it to one error per line.
 * Binary operators use precedence climbing (parse_binary).
 */
#include "parser.h"
#include "parser_int.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static AstExpr *parse_expression(Parser *p);
static AstExpr *parse_star_expressions(Parser *p);
static AstExpr *parse_disjunction(Parser *p);
static AstExpr *parse_binary(Parser *p, int minprec);
static AstExpr *parse_factor(Parser *p);
static AstExpr *parse_yield(Parser *p);
static void parse_stmts(Parser *p, AstList *out, int in_block);
static void parse_statement(Parser *p, AstList *out);
static void parse_fstring(Parser *p, const Token *t, AstList *parts);

/* ---- tokens and errors ---- */

static void p_report(Parser *p, int line, int col, const char *fmt, va_list ap)
{
    char msg[400];
    vsnprintf(msg, sizeof msg, fmt, ap);
    lex_report(p->diag, p->gate, line, col, "%s%s", p->prefix ? p->prefix : "", msg);
}

/* A non-fatal error: reported, parsing goes on. */
__attribute__((format(printf, 4, 5)))
void p_error_at(Parser *p, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    p_report(p, line, col, fmt, ap);
    va_end(ap);
}

/* Inside brackets, a syntax error is usually a bracket that is never closed:
 * lex the rest of the file quietly and, if one stays open, report that. */
static int p_unclosed(Parser *p)
{
    if (p->lx.depth == 0 || p->lx.field) return 0;
    Lexer *copy = arena_alloc(p->a, sizeof *copy);
    *copy = p->lx;
    Token t;
    p->gate->quiet++;
    do lex_next(copy, &t); while (t.kind != T_EOF);
    p->gate->quiet--;
    if (!copy->unclosed) return 0;
    lex_report(p->diag, p->gate, copy->unclosed_line, copy->unclosed_col,
               "'%c' was never closed", copy->unclosed);
    p->stop = 1;
    return 1;
}

/* A fatal error: reported, then back to the statement loop. */
__attribute__((format(printf, 4, 5), noreturn))
void p_fail_at(Parser *p, int line, int col, const char *fmt, ...)
{
    if (p->tok.kind != T_ERROR && !p_unclosed(p)) {
        va_list ap;
        va_start(ap, fmt);
        p_report(p, line, col, fmt, ap);
        va_end(ap);
    }
    longjmp(p->jb, 1);
}

__attribute__((noreturn))
void p_syntax(Parser *p)
{
    p_fail_at(p, p->tok.line, p->tok.col, "invalid syntax");
}

void p_next(Parser *p)
{
    TokKind k = p->tok.kind;
    if (k != T_NEWLINE && k != T_INDENT && k != T_DEDENT && k != T_EOF && k != T_ERROR &&
        p->tok.line > 0)
        p->last_line = p->tok.end_line;
    lex_next(&p->lx, &p->tok);
    if (p->tok.kind == T_ERROR && !p->recovering) longjmp(p->jb, 1);
}

int p_accept(Parser *p, TokKind k)
{
    if (p->tok.kind != k) return 0;
    p_next(p);
    return 1;
}

void p_expect(Parser *p, TokKind k, const char *msg)
{
    if (p->tok.kind != k) {
        if (msg) p_fail_at(p, p->tok.line, p->tok.col, "%s", msg);
        p_syntax(p);
    }
    p_next(p);
}

const char *p_expect_name(Parser *p)
{
    if (p->tok.kind != T_NAME) p_syntax(p);
    const char *n = p->tok.name;
    p_next(p);
    return n;
}

/* Can this token start an expression? */
int p_starts_expr(TokKind k)
{
    switch (k) {
    case T_NAME: case T_INT: case T_FLOAT: case T_STRING: case T_LPAR: case T_LSQB:
    case T_LBRACE: case T_MINUS: case T_PLUS: case T_TILDE: case T_NOT: case T_LAMBDA:
    case T_AWAIT: case T_TRUE: case T_FALSE: case T_NONE: case T_ELLIPSIS: case T_STAR:
        return 1;
    default:
        return 0;
    }
}

/* Two expressions side by side inside brackets: a missing comma. */
static void p_expect_close(Parser *p, TokKind close, const AstExpr *last)
{
    if (p->tok.kind == close) {
        p_next(p);
        return;
    }
    if (last && p_starts_expr(p->tok.kind) && p->tok.kind != T_MINUS && p->tok.kind != T_PLUS &&
        p->tok.kind != T_STAR && p->tok.kind != T_NOT)
        p_fail_at(p, last->line, last->col, "invalid syntax. Perhaps you forgot a comma?");
    p_syntax(p);
}

/* ---- node construction ---- */

AstExpr *p_expr(Parser *p, AstExprKind k, int line, int col)
{
    AstExpr *e = arena_alloc(p->a, sizeof *e);
    e->kind = k;
    e->line = line;
    e->col = col;
    return e;
}

AstExpr *p_expr_at(Parser *p, AstExprKind k) { return p_expr(p, k, p->tok.line, p->tok.col); }

AstStmt *p_stmt(Parser *p, AstStmtKind k, int line, int col)
{
    AstStmt *s = arena_alloc(p->a, sizeof *s);
    s->kind = k;
    s->line = line;
    s->col = col;
    s->end_line = line;
    return s;
}

/* ---- assignment targets ---- */

/* How an expression is named in "cannot assign to ..." messages. */
static const char *p_describe(const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: case EX_FLOAT: case EX_STR: case EX_BYTES: case EX_ELLIPSIS: return "literal";
    case EX_FSTRING: return "f-string expression";
    case EX_NONE: return "None";
    case EX_TRUE: return "True";
    case EX_FALSE: return "False";
    case EX_COMPARE: return "comparison";
    case EX_IFEXP: return "conditional expression";
    case EX_NAMEDEXPR: return "named expression";
    case EX_LAMBDA: return "lambda";
    case EX_AWAIT: return "await expression";
    case EX_YIELD: case EX_YIELD_FROM: return "yield expression";
    case EX_CALL: return "function call";
    case EX_DICT: return "dict literal";
    case EX_SET: return "set display";
    case EX_LISTCOMP: return "list comprehension";
    case EX_SETCOMP: return "set comprehension";
    case EX_DICTCOMP: return "dict comprehension";
    case EX_GENEXP: return "generator expression";
    case EX_TUPLE: return "tuple";
    case EX_LIST: return "list";
    default: return "expression";
    }
}

/* Checks that e can be assigned to (del_: deleted). Errors are not fatal. */
static void p_check_target(Parser *p, const AstExpr *e, int del_)
{
    switch (e->kind) {
    case EX_NAME: case EX_ATTR: case EX_SUBSCRIPT:
        return;
    case EX_TUPLE: case EX_LIST: {
        int nstar = 0;
        for (int i = 0; i < e->items.n; i++) {
            const AstExpr *it = AST_AT(e->items, i, AstExpr);
            if (it->kind == EX_STARRED) {
                if (del_) {
                    p_error_at(p, it->line, it->col, "cannot delete starred");
                    return;
                }
                if (++nstar == 2)
                    p_error_at(p, e->line, e->col, "multiple starred expressions in assignment");
                p_check_target(p, it->value, del_);
            } else {
                p_check_target(p, it, del_);
            }
        }
        return;
    }
    case EX_STARRED:
        if (del_) p_error_at(p, e->line, e->col, "cannot delete starred");
        else p_error_at(p, e->line, e->col, "starred assignment target must be in a list or tuple");
        return;
    default:
        p_error_at(p, e->line, e->col, "cannot %s %s", del_ ? "delete" : "assign to", p_describe(e));
    }
}

void p_check_not_starred(Parser *p, const AstExpr *e)
{
    if (e && e->kind == EX_STARRED) p_error_at(p, e->line, e->col, "can't use starred expression here");
}

/* ---- atoms ---- */

/* Appends a string part, merging it into a preceding string part. */
static void p_add_str_part(Parser *p, AstList *parts, AstExpr *s)
{
    if (s->str.len == 0) return;
    if (parts->n > 0) {
        AstExpr *last = AST_AT(*parts, parts->n - 1, AstExpr);
        if (last->kind == EX_STR) {
            char *buf = arena_alloc(p->a, last->str.len + s->str.len + 1);
            memcpy(buf, last->str.s, last->str.len);
            memcpy(buf + last->str.len, s->str.s, s->str.len);
            last->str.s = buf;
            last->str.len += s->str.len;
            return;
        }
    }
    ast_list_push(p->a, parts, s);
}

/* strings: STRING+ (adjacent literals concatenate) */
AstExpr *parse_strings(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    int any_f = 0, any_bytes = 0, any_str = 0;
    AstList parts = {0};
    while (p->tok.kind == T_STRING) {
        Token t = p->tok;
        if (t.is_bytes) any_bytes = 1;
        else any_str = 1;
        if (any_bytes && any_str) p_fail_at(p, line, col, "cannot mix bytes and nonbytes literals");
        if (t.is_fstr) {
            any_f = 1;
            parse_fstring(p, &t, &parts);
        } else {
            AstExpr *s = p_expr(p, EX_STR, t.line, t.col);
            s->str = t.str;
            p_add_str_part(p, &parts, s);
        }
        p_next(p);
    }
    if (any_f) {
        AstExpr *e = p_expr(p, EX_FSTRING, line, col);
        e->items = parts;
        return e;
    }
    AstExpr *e = p_expr(p, any_bytes ? EX_BYTES : EX_STR, line, col);
    if (parts.n > 0) e->str = AST_AT(parts, 0, AstExpr)->str;
    else e->str.s = "";
    return e;
}

/* for_if_clauses: (['async'] 'for' star_targets 'in' disjunction ('if' disjunction)*)+ */
static AstExpr *parse_target_list(Parser *p);
static void parse_comp_for(Parser *p, AstList *gens)
{
    while (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
        AstComp *c = arena_alloc(p->a, sizeof *c);
        if (p->tok.kind == T_ASYNC) {
            if (!p->ctx.async_ok)
                p_error_at(p, p->tok.line, p->tok.col,
                           "asynchronous comprehension outside of an asynchronous function");
            p_next(p);
            c->is_async = 1;
            if (p->tok.kind != T_FOR) p_syntax(p);
        }
        p_next(p);
        c->target = parse_target_list(p);
        p_check_target(p, c->target, 0);
        p_expect(p, T_IN, NULL);
        c->iter = parse_disjunction(p);
        while (p->tok.kind == T_IF) {
            p_next(p);
            ast_list_push(p->a, &c->ifs, parse_disjunction(p));
        }
        ast_list_push(p->a, gens, c);
    }
}

static AstExpr *p_comp(Parser *p, AstExprKind k, AstExpr *elt)
{
    if (elt->kind == EX_STARRED)
        p_fail_at(p, elt->line, elt->col, "iterable unpacking cannot be used in comprehension");
    AstExpr *e = p_expr(p, k, elt->line, elt->col);
    e->elt = elt;
    parse_comp_for(p, &e->generators);
    return e;
}

/* star_named_expression: '*' bitwise_or | named_expression */
AstExpr *parse_star_named(Parser *p)
{
    if (p->tok.kind == T_STAR) {
        AstExpr *e = p_expr_at(p, EX_STARRED);
        p_next(p);
        e->value = parse_binary(p, 1);
        return e;
    }
    return parse_named(p);
}

/* Fills e->items with star_named_expressions up to the closing token. */
static void parse_display_items(Parser *p, AstExpr *e, TokKind close)
{
    AstExpr *last = AST_AT(e->items, e->items.n - 1, AstExpr);
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind == close) break;
        last = parse_star_named(p);
        ast_list_push(p->a, &e->items, last);
    }
    p_expect_close(p, close, last);
}

/* group/tuple/genexp: '(' [yield_expr | named_expression for_if_clauses | star_named_expressions] ')' */
static AstExpr *parse_paren(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    p_next(p);
    if (p->tok.kind == T_RPAR) {
        p_next(p);
        AstExpr *e = p_expr(p, EX_TUPLE, line, col);
        e->parenthesized = 1;
        return e;
    }
    if (p->tok.kind == T_YIELD) {
        AstExpr *e = parse_yield(p);
        p_expect(p, T_RPAR, NULL);
        e->parenthesized = 1;
        return e;
    }
    AstExpr *first = parse_star_named(p);
    if (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
        AstExpr *e = p_comp(p, EX_GENEXP, first);
        e->line = line, e->col = col;
        p_expect(p, T_RPAR, NULL);
        e->parenthesized = 1;
        return e;
    }
    if (p->tok.kind == T_COMMA) {
        AstExpr *e = p_expr(p, EX_TUPLE, line, col);
        ast_list_push(p->a, &e->items, first);
        parse_display_items(p, e, T_RPAR);
        e->parenthesized = 1;
        return e;
    }
    p_expect_close(p, T_RPAR, first);
    p_check_not_starred(p, first);
    first->parenthesized = 1;
    return first;
}

/* list: '[' [star_named_expressions | named_expression for_if_clauses] ']' */
static AstExpr *parse_list(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    p_next(p);
    AstExpr *e = p_expr(p, EX_LIST, line, col);
    if (p_accept(p, T_RSQB)) return e;
    AstExpr *first = parse_star_named(p);
    if (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
        AstExpr *c = p_comp(p, EX_LISTCOMP, first);
        c->line = line, c->col = col;
        p_expect(p, T_RSQB, NULL);
        return c;
    }
    ast_list_push(p->a, &e->items, first);
    parse_display_items(p, e, T_RSQB);
    return e;
}

/* One dict display entry: '**' bitwise_or | expression ':' expression. */
static AstExpr *parse_dict_entry(Parser *p, AstExpr *d)
{
    if (p_accept(p, T_DOUBLESTAR)) {
        AstExpr *v = parse_binary(p, 1);
        ast_list_push(p->a, &d->keys, NULL);
        ast_list_push(p->a, &d->items, v);
        return v;
    }
    AstExpr *k = parse_expression(p);
    if (p->tok.kind != T_COLON) p_fail_at(p, k->line, k->col, "':' expected after dictionary key");
    p_next(p);
    AstExpr *v = parse_expression(p);
    ast_list_push(p->a, &d->keys, k);
    ast_list_push(p->a, &d->items, v);
    return v;
}

/* The rest of a dict display after its first entry. */
static AstExpr *parse_dict_rest(Parser *p, AstExpr *d, AstExpr *last)
{
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind == T_RBRACE) break;
        last = parse_dict_entry(p, d);
    }
    p_expect_close(p, T_RBRACE, last);
    return d;
}

/* dict/set: '{' [double_starred_kvpairs | dict comprehension | star_named_expressions | set comprehension] '}' */
static AstExpr *parse_brace(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    p_next(p);
    if (p_accept(p, T_RBRACE)) return p_expr(p, EX_DICT, line, col);
    if (p->tok.kind == T_DOUBLESTAR) {
        AstExpr *d = p_expr(p, EX_DICT, line, col);
        return parse_dict_rest(p, d, parse_dict_entry(p, d));
    }
    AstExpr *first = parse_star_named(p);
    if (p->tok.kind == T_COLON && first->kind != EX_STARRED) {
        if (first->kind == EX_NAMEDEXPR && !first->parenthesized) p_syntax(p);
        p_next(p);
        AstExpr *v = parse_expression(p);
        if (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
            AstExpr *c = p_expr(p, EX_DICTCOMP, line, col);
            c->elt = first;
            c->value = v;
            parse_comp_for(p, &c->generators);
            p_expect(p, T_RBRACE, NULL);
            return c;
        }
        AstExpr *d = p_expr(p, EX_DICT, line, col);
        ast_list_push(p->a, &d->keys, first);
        ast_list_push(p->a, &d->items, v);
        return parse_dict_rest(p, d, v);
    }
    if (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
        AstExpr *c = p_comp(p, EX_SETCOMP, first);
        c->line = line, c->col = col;
        p_expect(p, T_RBRACE, NULL);
        return c;
    }
    AstExpr *s = p_expr(p, EX_SET, line, col);
    ast_list_push(p->a, &s->items, first);
    parse_display_items(p, s, T_RBRACE);
    return s;
}

/* atom: NAME | 'True' | 'False' | 'None' | '...' | NUMBER | strings | paren | list | brace */
AstExpr *parse_atom(Parser *p)
{
    AstExpr *e;
    switch (p->tok.kind) {
    case T_NAME:
        e = p_expr_at(p, EX_NAME);
        e->name = p->tok.name;
        break;
    case T_INT:
        e = p_expr_at(p, EX_INT);
        if (p->tok.overflow || p->tok.uval > (uint64_t)INT64_MAX)
            p_error_at(p, p->tok.line, p->tok.col, "integer literal too large");
        else
            e->ival = (int64_t)p->tok.uval;
        break;
    case T_FLOAT:
        e = p_expr_at(p, EX_FLOAT);
        e->fval = p->tok.fval;
        break;
    case T_TRUE: e = p_expr_at(p, EX_TRUE); break;
    case T_FALSE: e = p_expr_at(p, EX_FALSE); break;
    case T_NONE: e = p_expr_at(p, EX_NONE); break;
    case T_ELLIPSIS: e = p_expr_at(p, EX_ELLIPSIS); break;
    case T_STRING: return parse_strings(p);
    case T_LPAR: return parse_paren(p);
    case T_LSQB: return parse_list(p);
    case T_LBRACE: return parse_brace(p);
    default:
        p_syntax(p);
    }
    p_next(p);
    return e;
}

/* arguments: arg (',' arg)* [',']
 * arg: '*' expression | '**' expression | NAME '=' expression | named_expression [for_if_clauses] */
static void parse_call_args(Parser *p, AstList *args)
{
    int seen_kw = 0, seen_dstar = 0;
    AstExpr *last = NULL;
    while (p->tok.kind != T_RPAR) {
        AstArg *arg = arena_alloc(p->a, sizeof *arg);
        arg->line = p->tok.line;
        arg->col = p->tok.col;
        if (p_accept(p, T_STAR)) {
            if (seen_dstar)
                p_error_at(p, arg->line, arg->col, "iterable argument unpacking follows keyword argument unpacking");
            arg->kind = ARG_STAR;
            arg->value = last = parse_expression(p);
        } else if (p_accept(p, T_DOUBLESTAR)) {
            arg->kind = ARG_DSTAR;
            arg->value = last = parse_expression(p);
            seen_dstar = 1;
        } else {
            AstExpr *e = last = parse_named(p);
            if (p->tok.kind == T_EQUAL) {
                if (e->kind == EX_TRUE || e->kind == EX_FALSE || e->kind == EX_NONE)
                    p_fail_at(p, e->line, e->col, "cannot assign to %s", p_describe(e));
                if (e->kind != EX_NAME || e->parenthesized)
                    p_fail_at(p, e->line, e->col, "expression cannot contain assignment, perhaps you meant \"==\"?");
                p_next(p);
                for (int i = 0; i < args->n; i++) {
                    const AstArg *o = AST_AT(*args, i, AstArg);
                    if (o->kind == ARG_KEYWORD && strcmp(o->name, e->name) == 0)
                        p_error_at(p, e->line, e->col, "keyword argument repeated: %s", e->name);
                }
                arg->kind = ARG_KEYWORD;
                arg->name = e->name;
                arg->value = last = parse_expression(p);
                seen_kw = 1;
            } else {
                if (p->tok.kind == T_FOR || p->tok.kind == T_ASYNC) {
                    e = last = p_comp(p, EX_GENEXP, e);
                    if (args->n > 0 || p->tok.kind != T_RPAR)
                        p_error_at(p, e->line, e->col, "Generator expression must be parenthesized");
                }
                if (seen_dstar)
                    p_error_at(p, e->line, e->col, "positional argument follows keyword argument unpacking");
                else if (seen_kw)
                    p_error_at(p, e->line, e->col, "positional argument follows keyword argument");
                arg->kind = ARG_POS;
                arg->value = e;
            }
        }
        ast_list_push(p->a, args, arg);
        if (!p_accept(p, T_COMMA)) break;
    }
    p_expect_close(p, T_RPAR, last);
}

/* slice: [expression] ':' [expression] [':' [expression]] | star_named_expression */
static AstExpr *parse_slice(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    AstExpr *lower = NULL;
    if (p->tok.kind != T_COLON) {
        lower = parse_star_named(p);
        if (p->tok.kind != T_COLON) return lower;
        if (lower->kind == EX_STARRED || (lower->kind == EX_NAMEDEXPR && !lower->parenthesized))
            p_syntax(p);
    }
    AstExpr *s = p_expr(p, EX_SLICE, line, col);
    s->lower = lower;
    p_next(p);
    if (p->tok.kind != T_COLON && p->tok.kind != T_COMMA && p->tok.kind != T_RSQB)
        s->upper = parse_expression(p);
    if (p_accept(p, T_COLON) && p->tok.kind != T_COMMA && p->tok.kind != T_RSQB)
        s->step = parse_expression(p);
    return s;
}

/* slices: slice (',' slice)* [','] */
static AstExpr *parse_slices(Parser *p)
{
    AstExpr *first = parse_slice(p);
    if (p->tok.kind != T_COMMA) {
        p_expect_close(p, T_RSQB, first);
        return first;
    }
    AstExpr *t = p_expr(p, EX_TUPLE, first->line, first->col);
    ast_list_push(p->a, &t->items, first);
    AstExpr *last = first;
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind == T_RSQB) break;
        last = parse_slice(p);
        ast_list_push(p->a, &t->items, last);
    }
    p_expect_close(p, T_RSQB, last);
    return t;
}

/* primary: atom ('.' NAME | '(' [arguments] ')' | '[' slices ']')*  (e: an atom already parsed, or NULL) */
static AstExpr *parse_primary(Parser *p, AstExpr *e)
{
    if (!e) e = parse_atom(p);
    for (;;) {
        AstExpr *t;
        if (p->tok.kind == T_DOT) {
            p_next(p);
            t = p_expr(p, EX_ATTR, e->line, e->col);
            t->value = e;
            t->name = p_expect_name(p);
        } else if (p->tok.kind == T_LPAR) {
            p_next(p);
            t = p_expr(p, EX_CALL, e->line, e->col);
            t->left = e;
            parse_call_args(p, &t->args);
        } else if (p->tok.kind == T_LSQB) {
            p_next(p);
            t = p_expr(p, EX_SUBSCRIPT, e->line, e->col);
            t->value = e;
            if (p->tok.kind == T_RSQB) p_syntax(p);
            t->index = parse_slices(p);
        } else {
            return e;
        }
        e = t;
    }
}

/* power: await_primary ['**' factor]
 * await_primary: 'await' primary | primary */
static AstExpr *parse_power(Parser *p, AstExpr *atom)
{
    AstExpr *e;
    if (!atom && p->tok.kind == T_AWAIT) {
        e = p_expr_at(p, EX_AWAIT);
        if (!p->ctx.async_ok)
            p_error_at(p, e->line, e->col, p->ctx.func ? "'await' outside async function"
                                                       : "'await' outside function");
        p_next(p);
        e->value = parse_primary(p, NULL);
    } else {
        e = parse_primary(p, atom);
    }
    if (p->tok.kind == T_DOUBLESTAR) {
        p_next(p);
        AstExpr *b = p_expr(p, EX_BINOP, e->line, e->col);
        b->op = OP_POW;
        b->left = e;
        b->right = parse_factor(p);
        e = b;
    }
    return e;
}

/* Guards the recursive expression rules against absurd nesting. */
void p_enter(Parser *p)
{
    if (++p->ctx.depth > P_MAXDEPTH)
        p_fail_at(p, p->tok.line, p->tok.col, "expression too deeply nested");
}

/* factor: ('+' | '-' | '~') factor | power */
static AstExpr *parse_factor_1(Parser *p);
static AstExpr *parse_factor(Parser *p)
{
    p_enter(p);
    AstExpr *e = parse_factor_1(p);
    p->ctx.depth--;
    return e;
}

static AstExpr *parse_factor_1(Parser *p)
{
    AstOp op;
    switch (p->tok.kind) {
    case T_PLUS: op = OP_POS; break;
    case T_MINUS: op = OP_NEG; break;
    case T_TILDE: op = OP_INVERT; break;
    default: return parse_power(p, NULL);
    }
    AstExpr *e = p_expr_at(p, EX_UNARY);
    e->op = op;
    p_next(p);
    if (op == OP_NEG && p->tok.kind == T_INT && !p->tok.overflow &&
        p->tok.uval == (uint64_t)INT64_MAX + 1) {
        /* -9223372036854775808: the one literal that only fits negated */
        AstExpr *lit = p_expr(p, EX_INT, e->line, e->col);
        lit->ival = INT64_MIN;
        p_next(p);
        return parse_power(p, lit);
    }
    e->left = parse_factor(p);
    return e;
}

/* Binding power of a binary operator token (0: not one). */
static int p_binprec(TokKind k, AstOp *op)
{
    switch (k) {
    case T_VBAR: *op = OP_BITOR; return 1;
    case T_CIRCUMFLEX: *op = OP_BITXOR; return 2;
    case T_AMP: *op = OP_BITAND; return 3;
    case T_LSHIFT: *op = OP_LSHIFT; return 4;
    case T_RSHIFT: *op = OP_RSHIFT; return 4;
    case T_PLUS: *op = OP_ADD; return 5;
    case T_MINUS: *op = OP_SUB; return 5;
    case T_STAR: *op = OP_MUL; return 6;
    case T_SLASH: *op = OP_DIV; return 6;
    case T_DOUBLESLASH: *op = OP_FLOORDIV; return 6;
    case T_PERCENT: *op = OP_MOD; return 6;
    case T_AT: *op = OP_MATMUL; return 6;
    default: return 0;
    }
}

/* bitwise_or .. term: factor (binop factor)*, by precedence climbing
 * (| < ^ < & < shifts < + - < * / // % @), all left-associative. */
static AstExpr *parse_binary(Parser *p, int minprec)
{
    AstExpr *left = parse_factor(p);
    for (;;) {
        AstOp op;
        int prec = p_binprec(p->tok.kind, &op);
        if (prec == 0 || prec < minprec) return left;
        p_next(p);
        AstExpr *e = p_expr(p, EX_BINOP, left->line, left->col);
        e->op = op;
        e->left = left;
        e->right = parse_binary(p, prec + 1);
        left = e;
    }
}

/* Reads a comparison operator (consuming it); returns 0 if there is none. */
static int p_compop(Parser *p, AstOp *op)
{
    switch (p->tok.kind) {
    case T_LESS: *op = OP_LT; break;
    case T_GREATER: *op = OP_GT; break;
    case T_EQEQUAL: *op = OP_EQ; break;
    case T_NOTEQUAL: *op = OP_NE; break;
    case T_LESSEQUAL: *op = OP_LE; break;
    case T_GREATEREQUAL: *op = OP_GE; break;
    case T_IN: *op = OP_IN; break;
    case T_NOT:
        p_next(p);
        if (p->tok.kind != T_IN) p_syntax(p);
        *op = OP_NOT_IN;
        break;
    case T_IS:
        p_next(p);
        if (p->tok.kind == T_NOT) {
            *op = OP_IS_NOT;
            break;
        }
        *op = OP_IS;
        return 1;
    default:
        return 0;
    }
    p_next(p);
    return 1;
}

/* comparison: bitwise_or (compare_op bitwise_or)* */
static AstExpr *parse_comparison(Parser *p)
{
    AstExpr *left = parse_binary(p, 1);
    AstOp op;
    if (!p_compop(p, &op)) return left;
    AstExpr *e = p_expr(p, EX_COMPARE, left->line, left->col);
    e->left = left;
    int cap = 4;
    e->cmp_ops = arena_alloc(p->a, (size_t)cap * sizeof *e->cmp_ops);
    do {
        if (e->items.n == cap) {
            AstOp *ops = arena_alloc(p->a, (size_t)cap * 2 * sizeof *ops);
            memcpy(ops, e->cmp_ops, (size_t)cap * sizeof *ops);
            e->cmp_ops = ops;
            cap *= 2;
        }
        e->cmp_ops[e->items.n] = op;
        ast_list_push(p->a, &e->items, parse_binary(p, 1));
    } while (p_compop(p, &op));
    return e;
}

/* inversion: 'not' inversion | comparison */
static AstExpr *parse_inversion(Parser *p)
{
    if (p->tok.kind != T_NOT) return parse_comparison(p);
    AstExpr *e = p_expr_at(p, EX_UNARY);
    e->op = OP_NOT;
    p_next(p);
    p_enter(p);
    e->left = parse_inversion(p);
    p->ctx.depth--;
    return e;
}

/* conjunction: inversion ('and' inversion)*
 * disjunction: conjunction ('or' conjunction)* */
static AstExpr *parse_boolop(Parser *p, int is_or)
{
    AstExpr *left = is_or ? parse_boolop(p, 0) : parse_inversion(p);
    TokKind k = is_or ? T_OR : T_AND;
    while (p->tok.kind == k) {
        p_next(p);
        AstExpr *e = p_expr(p, EX_BOOLOP, left->line, left->col);
        e->op = is_or ? OP_OR : OP_AND;
        e->left = left;
        e->right = is_or ? parse_boolop(p, 0) : parse_inversion(p);
        left = e;
    }
    return left;
}

static AstExpr *parse_disjunction(Parser *p) { return parse_boolop(p, 1); }

/* parameters: param (',' param)* [',']
 * param: NAME [':' expression] ['=' expression] | '*' [NAME [':' expression]] | '**' NAME [':' expression] | '/'
 * (annotations only when !lambda; they are parsed and dropped) */
static void parse_params(Parser *p, AstList *out, TokKind close, int lambda)
{
    int seen_star = 0, seen_kwargs = 0, seen_default = 0, seen_slash = 0;
    int bare_line = 0, bare_col = 0, n_after_bare = 0;
    while (p->tok.kind != close) {
        int line = p->tok.line, col = p->tok.col;
        if (seen_kwargs) p_fail_at(p, line, col, "arguments cannot follow var-keyword argument");
        if (p->tok.kind == T_SLASH) {
            if (out->n == 0) p_fail_at(p, line, col, "at least one argument must precede /");
            if (seen_star) p_fail_at(p, line, col, "/ must be ahead of *");
            if (seen_slash) p_fail_at(p, line, col, "/ may appear only once");
            seen_slash = 1;
            p_next(p);
            if (!p_accept(p, T_COMMA)) break;
            continue;
        }
        AstParam *prm = arena_alloc(p->a, sizeof *prm);
        prm->line = line;
        prm->col = col;
        if (p_accept(p, T_STAR)) {
            if (seen_star) p_fail_at(p, line, col, "* argument may appear only once");
            seen_star = 1;
            if (p->tok.kind != T_NAME) {
                if (p->tok.kind != T_COMMA && p->tok.kind != close) p_syntax(p);
                bare_line = line, bare_col = col;
                if (!p_accept(p, T_COMMA)) break;
                continue;
            }
            prm->kind = PARAM_VARARGS;
        } else if (p_accept(p, T_DOUBLESTAR)) {
            prm->kind = PARAM_KWARGS;
            seen_kwargs = 1;
        } else {
            prm->kind = seen_star ? PARAM_KWONLY : PARAM_POS;
            if (bare_line) n_after_bare++;
        }
        prm->line = p->tok.line;
        prm->col = p->tok.col;
        prm->name = p_expect_name(p);
        for (int i = 0; i < out->n; i++)
            if (strcmp(AST_AT(*out, i, AstParam)->name, prm->name) == 0)
                p_error_at(p, prm->line, prm->col, "duplicate argument '%s' in function definition", prm->name);
        if (!lambda && p_accept(p, T_COLON)) (void)parse_expression(p);
        if (p->tok.kind == T_EQUAL) {
            if (prm->kind == PARAM_VARARGS)
                p_fail_at(p, p->tok.line, p->tok.col, "var-positional argument cannot have default value");
            if (prm->kind == PARAM_KWARGS)
                p_fail_at(p, p->tok.line, p->tok.col, "var-keyword argument cannot have default value");
            p_next(p);
            prm->deflt = parse_expression(p);
            if (prm->kind == PARAM_POS) seen_default = 1;
        } else if (prm->kind == PARAM_POS && seen_default) {
            p_error_at(p, prm->line, prm->col, "non-default argument follows default argument");
        }
        ast_list_push(p->a, out, prm);
        if (!p_accept(p, T_COMMA)) break;
    }
    if (bare_line && n_after_bare == 0)
        p_error_at(p, bare_line, bare_col, "named arguments must follow bare *");
}

/* lambdef: 'lambda' [lambda_params] ':' expression */
static AstExpr *parse_lambda(Parser *p)
{
    AstExpr *e = p_expr_at(p, EX_LAMBDA);
    p_next(p);
    parse_params(p, &e->params, T_COLON, 1);
    p_expect(p, T_COLON, NULL);
    PCtx saved = p->ctx;
    p->ctx.func = 1;
    p->ctx.async_ok = 0;
    p->ctx.loop = 0;
    p->ctx.toplevel = 0;
    e->value = parse_expression(p);
    p->ctx = saved;
    return e;
}

/* expression: disjunction ['if' disjunction 'else' expression] | lambdef */
static AstExpr *parse_expression_1(Parser *p);
static AstExpr *parse_expression(Parser *p)
{
    p_enter(p);
    AstExpr *e = parse_expression_1(p);
    p->ctx.depth--;
    return e;
}

static AstExpr *parse_expression_1(Parser *p)
{
    if (p->tok.kind == T_LAMBDA) return parse_lambda(p);
    AstExpr *body = parse_disjunction(p);
    if (p->tok.kind != T_IF) return body;
    p_next(p);
    AstExpr *e = p_expr(p, EX_IFEXP, body->line, body->col);
    e->left = body;
    e->test = parse_disjunction(p);
    if (p->tok.kind != T_ELSE) p_fail_at(p, body->line, body->col, "expected 'else' after 'if' expression");
    p_next(p);
    e->right = parse_expression(p);
    return e;
}

/* named_expression: NAME ':=' expression | expression */
AstExpr *parse_named(Parser *p)
{
    AstExpr *e = parse_expression(p);
    if (p->tok.kind != T_COLONEQUAL) return e;
    if (e->kind != EX_NAME || e->parenthesized)
        p_fail_at(p, e->line, e->col, "cannot use assignment expressions with %s", p_describe(e));
    p_next(p);
    AstExpr *n = p_expr(p, EX_NAMEDEXPR, e->line, e->col);
    n->name = e->name;
    n->value = parse_expression(p);
    return n;
}

/* star_expression: '*' bitwise_or | expression */
static AstExpr *parse_star_expr(Parser *p)
{
    if (p->tok.kind != T_STAR) return parse_expression(p);
    AstExpr *e = p_expr_at(p, EX_STARRED);
    p_next(p);
    e->value = parse_binary(p, 1);
    return e;
}

/* star_expressions: star_expression (',' star_expression)* [','] */
static AstExpr *parse_star_expressions(Parser *p)
{
    AstExpr *first = parse_star_expr(p);
    if (p->tok.kind != T_COMMA) return first;
    AstExpr *t = p_expr(p, EX_TUPLE, first->line, first->col);
    ast_list_push(p->a, &t->items, first);
    while (p_accept(p, T_COMMA)) {
        if (!p_starts_expr(p->tok.kind)) break;
        ast_list_push(p->a, &t->items, parse_star_expr(p));
    }
    return t;
}

/* star_targets: star_target (',' star_target)* [',']; star_target: ['*'] bitwise_or
 * (checked afterwards with p_check_target) */
static AstExpr *parse_target_list(Parser *p)
{
    AstExpr *first = p->tok.kind == T_STAR ? parse_star_named(p) : parse_binary(p, 1);
    if (p->tok.kind != T_COMMA) return first;
    AstExpr *t = p_expr(p, EX_TUPLE, first->line, first->col);
    ast_list_push(p->a, &t->items, first);
    while (p_accept(p, T_COMMA)) {
        if (p->tok.kind != T_STAR && !p_starts_expr(p->tok.kind)) break;
        ast_list_push(p->a, &t->items, p->tok.kind == T_STAR ? parse_star_named(p) : parse_binary(p, 1));
    }
    return t;
}

/* yield_expr: 'yield' 'from' expression | 'yield' [star_expressions] */
static AstExpr *parse_yield(Parser *p)
{
    AstExpr *e = p_expr_at(p, EX_YIELD);
    if (!p->ctx.func) p_error_at(p, e->line, e->col, "'yield' outside function");
    p_next(p);
    if (p_accept(p, T_FROM)) {
        if (p->ctx.func && p->ctx.async_ok) p_error_at(p, e->line, e->col, "'yield from' inside async function");
        e->kind = EX_YIELD_FROM;
        e->value = parse_expression(p);
    } else if (p_starts_expr(p->tok.kind)) {
        e->value = parse_star_expressions(p);
        p_check_not_starred(p, e->value);
    }
    return e;
}

/* The right-hand side of an assignment: yield_expr | star_expressions */
static AstExpr *parse_rhs(Parser *p)
{
    if (p->tok.kind == T_YIELD) return parse_yield(p);
    AstExpr *e = parse_star_expressions(p);
    p_check_not_starred(p, e);
    return e;
}

/* ---- f-strings ----
 * The lexer hands over the raw body; here it is split into literal text and
 * replacement fields. Each field's expression is parsed by a sub-parser
 * over that piece of the file, so its errors point into the original. */

typedef struct FsCur {
    const char *s, *end;
    int line, col;
} FsCur;

static void fs_adv(FsCur *c, int n)
{
    for (; n > 0 && c->s < c->end; n--, c->s++) {
        if (*c->s == '\n') c->line++, c->col = 1;
        else c->col++;
    }
}

static void fs_literal(Parser *p, AstList *parts, const char *s, size_t n, int raw, int line, int col)
{
    if (n == 0) return;
    char *out = arena_alloc(p->a, n + 1);
    long len = (long)n;
    if (raw) memcpy(out, s, n);
    else len = lex_unescape(s, n, 0, out, p->diag, p->gate, line, col);
    if (len < 0) longjmp(p->jb, 1);
    out[len] = 0;
    AstExpr *e = p_expr(p, EX_STR, line, col);
    e->str.s = out;
    e->str.len = (size_t)len;
    p_add_str_part(p, parts, e);
}

/* The expression of a field, parsed as if in parentheses. */
static AstExpr *fs_expr(Parser *p, const char *s, size_t n, int line, int col)
{
    Parser subp;                    /* on the stack: fields are many, nesting is shallow */
    Parser *sub = &subp;
    memset(sub, 0, sizeof *sub);
    sub->a = p->a;
    sub->diag = p->diag;
    sub->gate = p->gate;
    sub->is_main = p->is_main;
    sub->ctx = p->ctx;
    sub->prefix = "f-string: ";
    memcpy(sub->jb, p->jb, sizeof(jmp_buf));
    lex_init_field(&sub->lx, p->a, p->diag, p->gate, s, n, line, col);
    p_next(sub);
    AstExpr *e = sub->tok.kind == T_YIELD ? parse_yield(sub) : parse_star_expressions(sub);
    if (sub->tok.kind != T_EOF) p_expect_close(sub, T_EOF, e);
    p_check_not_starred(sub, e);
    return e;
}

__attribute__((noreturn))
static void fs_fail(Parser *p, int line, int col, const char *msg)
{
    lex_report(p->diag, p->gate, line, col, "f-string: %s", msg);
    longjmp(p->jb, 1);
}

static void fs_parts(Parser *p, FsCur *c, int raw, int in_spec, int depth, AstList *parts);

/* replacement_field: '{' (yield_expr | star_expressions) ['='] ['!' NAME] [':' format_spec] '}' */
static void fs_field(Parser *p, FsCur *c, int raw, int depth, AstList *parts)
{
    int fline = c->line, fcol = c->col;
    fs_adv(c, 1);
    FsCur e0 = *c;
    int nest = 0;
    const char *eq = NULL;
    char q = 0;
    int tq = 0;
    for (;;) {
        if (c->s >= c->end) fs_fail(p, fline, fcol, "expecting '}'");
        char ch = *c->s;
        if (q) {
            if (ch == '\\') fs_fail(p, c->line, c->col, "expression part cannot include a backslash");
            if (ch == q && (!tq || (c->s + 2 < c->end && c->s[1] == q && c->s[2] == q))) {
                fs_adv(c, tq ? 3 : 1);
                q = 0;
            } else {
                fs_adv(c, 1);
            }
            continue;
        }
        if (ch == '\'' || ch == '"') {
            q = ch;
            tq = c->s + 2 < c->end && c->s[1] == ch && c->s[2] == ch;
            fs_adv(c, tq ? 3 : 1);
            continue;
        }
        if (ch == '\\') fs_fail(p, c->line, c->col, "expression part cannot include a backslash");
        if (ch == '#') fs_fail(p, c->line, c->col, "expression part cannot include '#'");
        if (ch == '(' || ch == '[' || ch == '{') {
            nest++;
        } else if (ch == ')' || ch == ']' || ch == '}') {
            if (nest == 0) {
                if (ch == '}') break;
                char msg[40];
                snprintf(msg, sizeof msg, "unmatched '%c'", ch);
                fs_fail(p, c->line, c->col, msg);
            }
            nest--;
        } else if (nest == 0 && c->s + 1 < c->end && (ch == '=' || ch == '!' || ch == '<' || ch == '>') &&
                   c->s[1] == '=') {
            fs_adv(c, 2);
            continue;
        } else if (nest == 0 && (ch == '!' || ch == ':')) {
            break;
        } else if (nest == 0 && ch == '=') {
            eq = c->s;
            break;
        }
        fs_adv(c, 1);
    }
    const char *es = e0.s, *ee = c->s;
    while (es < ee && (*es == ' ' || *es == '\t' || *es == '\n' || *es == '\r')) es++;
    if (es == ee) fs_fail(p, fline, fcol, "empty expression not allowed");
    AstExpr *value = fs_expr(p, e0.s, (size_t)(ee - e0.s), e0.line, e0.col);
    if (eq) {
        /* f"{x = }": the text up to and including '=' and the spaces after it */
        fs_adv(c, 1);
        while (c->s < c->end && (*c->s == ' ' || *c->s == '\t')) fs_adv(c, 1);
        AstExpr *t = p_expr(p, EX_STR, e0.line, e0.col);
        t->str.len = (size_t)(c->s - e0.s);
        t->str.s = arena_strndup(p->a, e0.s, t->str.len);
        p_add_str_part(p, parts, t);
    }
    AstExpr *f = p_expr(p, EX_FORMATTED, fline, fcol);
    f->value = value;
    if (c->s < c->end && *c->s == '!') {
        fs_adv(c, 1);
        char k = c->s < c->end ? *c->s : 0;
        if (k != 'r' && k != 's' && k != 'a') {
            if (k == ':' || k == '}' || k == 0)
                fs_fail(p, c->line, c->col, "invalid conversion character: expected 's', 'r', or 'a'");
            char msg[80];
            snprintf(msg, sizeof msg, "invalid conversion character '%c': expected 's', 'r', or 'a'", k);
            fs_fail(p, c->line, c->col, msg);
        }
        f->conv = k;
        fs_adv(c, 1);
    }
    if (c->s < c->end && *c->s == ':') {
        int sline = c->line, scol = c->col;
        fs_adv(c, 1);
        AstList sp = {0};
        fs_parts(p, c, raw, 1, depth + 1, &sp);
        if (sp.n > 0) {
            f->spec = p_expr(p, EX_FSTRING, sline, scol);
            f->spec->items = sp;
        }
    }
    if (c->s >= c->end || *c->s != '}') fs_fail(p, fline, fcol, "expecting '}'");
    fs_adv(c, 1);
    if (eq && !f->conv && !f->spec) f->conv = 'r';
    ast_list_push(p->a, parts, f);
}

/* fstring_middle: (literal | '{{' | '}}' | replacement_field)*
 * in_spec: a format spec, which ends at an unmatched '}'. */
static void fs_parts(Parser *p, FsCur *c, int raw, int in_spec, int depth, AstList *parts)
{
    const char *lit = c->s;
    int lline = c->line, lcol = c->col;
    while (c->s < c->end) {
        char ch = *c->s;
        if (ch == '{' || ch == '}') {
            int dbl = (!in_spec || ch == '{') && c->s + 1 < c->end && c->s[1] == ch;
            fs_literal(p, parts, lit, (size_t)(c->s - lit) + (size_t)dbl, raw, lline, lcol);
            if (dbl) {
                fs_adv(c, 2);
            } else if (ch == '{') {
                if (depth >= 2) fs_fail(p, c->line, c->col, "expressions nested too deeply");
                fs_field(p, c, raw, depth, parts);
            } else if (in_spec) {
                return;
            } else {
                fs_fail(p, c->line, c->col, "single '}' is not allowed");
            }
            lit = c->s;
            lline = c->line, lcol = c->col;
            continue;
        }
        fs_adv(c, ch == '\\' && !raw && c->s + 1 < c->end && c->s[1] != '{' && c->s[1] != '}' ? 2 : 1);
    }
    fs_literal(p, parts, lit, (size_t)(c->s - lit), raw, lline, lcol);
}

static void parse_fstring(Parser *p, const Token *t, AstList *parts)
{
    FsCur c = {t->body, t->body + t->body_len, t->body_line, t->body_col};
    fs_parts(p, &c, t->is_raw, 0, 0, parts);
}

/* ---- simple statements ---- */

static AstOp p_augop(TokKind k)
{
    static const AstOp ops[] = {
        OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
        OP_BITOR, OP_BITAND, OP_BITXOR, OP_LSHIFT, OP_RSHIFT, OP_MATMUL,
    };
    return ops[k - T_PLUSEQUAL];
}

/* expr_stmt: star_expressions
 *          | star_targets ('=' star_targets)* '=' (yield_expr | star_expressions)
 *          | single_target augassign (yield_expr | star_expressions)
 *          | single_target ':' expression ['=' (yield_expr | star_expressions)] */
static AstStmt *parse_expr_stmt(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    AstExpr *first = p->tok.kind == T_YIELD ? parse_yield(p) : parse_star_expressions(p);
    if (p->tok.kind == T_EQUAL) {
        AstStmt *s = p_stmt(p, ST_ASSIGN, line, col);
        AstExpr *e = first;
        while (p_accept(p, T_EQUAL)) {
            ast_list_push(p->a, &s->targets, e);
            e = parse_rhs(p);
        }
        s->value = e;
        AstExprKind k = first->kind;
        if (s->targets.n == 1 && k != EX_NAME && k != EX_ATTR && k != EX_SUBSCRIPT && k != EX_TUPLE &&
            k != EX_LIST && k != EX_STARRED && k != EX_TRUE && k != EX_FALSE && k != EX_NONE) {
            /* x + 1 = y: probably meant as a comparison */
            p_error_at(p, first->line, first->col, "cannot assign to %s here. Maybe you meant '==' instead of '='?",
                       p_describe(first));
            return s;
        }
        for (int i = 0; i < s->targets.n; i++) p_check_target(p, AST_AT(s->targets, i, AstExpr), 0);
        return s;
    }
    if (p->tok.kind >= T_PLUSEQUAL && p->tok.kind <= T_ATEQUAL) {
        AstStmt *s = p_stmt(p, ST_AUGASSIGN, line, col);
        if (first->kind != EX_NAME && first->kind != EX_ATTR && first->kind != EX_SUBSCRIPT)
            p_error_at(p, first->line, first->col, "'%s' is an illegal expression for augmented assignment",
                       p_describe(first));
        s->op = p_augop(p->tok.kind);
        p_next(p);
        s->target = first;
        s->value = parse_rhs(p);
        return s;
    }
    if (p->tok.kind == T_COLON) {
        AstStmt *s = p_stmt(p, ST_ANNASSIGN, line, col);
        if (first->kind == EX_TUPLE || first->kind == EX_LIST)
            p_error_at(p, first->line, first->col, "only single target (not %s) can be annotated",
                       first->kind == EX_TUPLE ? "tuple" : "list");
        else if (first->kind != EX_NAME && first->kind != EX_ATTR && first->kind != EX_SUBSCRIPT)
            p_error_at(p, first->line, first->col, "illegal target for annotation");
        p_next(p);
        s->target = first;
        s->annotation = parse_expression(p);
        if (p_accept(p, T_EQUAL)) s->value = parse_rhs(p);
        return s;
    }
    AstStmt *s = p_stmt(p, ST_EXPR, line, col);
    p_check_not_starred(p, first);
    s->value = first;
    return s;
}

/* dotted_name: NAME ('.' NAME)* */
static const char *parse_dotted(Parser *p)
{
    const char *name = p_expect_name(p);
    while (p_accept(p, T_DOT)) {
        const char *more = p_expect_name(p);
        size_t a = strlen(name), b = strlen(more);
        char *s = arena_alloc(p->a, a + b + 2);
        memcpy(s, name, a);
        s[a] = '.';
        memcpy(s + a + 1, more, b + 1);
        name = s;
    }
    return name;
}

static AstAlias *p_alias(Parser *p, int dotted)
{
    AstAlias *al = arena_alloc(p->a, sizeof *al);
    al->line = p->tok.line;
    al->col = p->tok.col;
    al->name = dotted ? parse_dotted(p) : p_expect_name(p);
    if (p_accept(p, T_AS)) al->asname = p_expect_name(p);
    return al;
}

/* import_name: 'import' dotted_name ['as' NAME] (',' dotted_name ['as' NAME])* */
static AstStmt *parse_import(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_IMPORT, p->tok.line, p->tok.col);
    p_next(p);
    do ast_list_push(p->a, &s->names, p_alias(p, 1));
    while (p_accept(p, T_COMMA));
    return s;
}

/* import_from: 'from' ('.' | '...')* [dotted_name] 'import' ('*' | '(' import_as_names [','] ')' | import_as_names) */
static AstStmt *parse_from(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_IMPORTFROM, p->tok.line, p->tok.col);
    p_next(p);
    for (;;) {
        if (p_accept(p, T_DOT)) s->level++;
        else if (p_accept(p, T_ELLIPSIS)) s->level += 3;
        else break;
    }
    s->name = "";
    if (p->tok.kind == T_NAME || s->level == 0) s->name = parse_dotted(p);
    p_expect(p, T_IMPORT, NULL);
    if (p->tok.kind == T_STAR) {
        AstAlias *al = arena_alloc(p->a, sizeof *al);
        al->line = p->tok.line;
        al->col = p->tok.col;
        al->name = "*";
        if (!p->ctx.toplevel) p_error_at(p, al->line, al->col, "import * only allowed at module level");
        p_next(p);
        ast_list_push(p->a, &s->names, al);
        return s;
    }
    int paren = p_accept(p, T_LPAR);
    for (;;) {
        ast_list_push(p->a, &s->names, p_alias(p, 0));
        if (!p_accept(p, T_COMMA)) break;
        if (paren && p->tok.kind == T_RPAR) break;
        if (!paren && p->tok.kind == T_NEWLINE)
            p_fail_at(p, p->tok.line, p->tok.col, "trailing comma not allowed without surrounding parentheses");
    }
    if (paren) p_expect(p, T_RPAR, NULL);
    return s;
}

/* global_stmt: 'global' NAME (',' NAME)*; nonlocal_stmt likewise */
static AstStmt *parse_names_stmt(Parser *p, AstStmtKind k)
{
    AstStmt *s = p_stmt(p, k, p->tok.line, p->tok.col);
    if (k == ST_NONLOCAL && p->ctx.toplevel)
        p_error_at(p, s->line, s->col, "nonlocal declaration not allowed at module level");
    p_next(p);
    do ast_list_push(p->a, &s->names, (void *)p_expect_name(p));
    while (p_accept(p, T_COMMA));
    return s;
}

/* small_stmt: pass | break | continue | return_stmt | raise_stmt | global_stmt | nonlocal_stmt
 *           | del_stmt | assert_stmt | import_name | import_from | expr_stmt */
static AstStmt *parse_small_stmt(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    AstStmt *s;
    switch (p->tok.kind) {
    case T_PASS:
        p_next(p);
        return p_stmt(p, ST_PASS, line, col);
    case T_BREAK:
        if (!p->ctx.loop) p_error_at(p, line, col, "'break' outside loop");
        p_next(p);
        return p_stmt(p, ST_BREAK, line, col);
    case T_CONTINUE:
        if (!p->ctx.loop) p_error_at(p, line, col, "'continue' not properly in loop");
        p_next(p);
        return p_stmt(p, ST_CONTINUE, line, col);
    case T_RETURN:
        /* return_stmt: 'return' [star_expressions] */
        if (!p->ctx.func) p_error_at(p, line, col, "'return' outside function");
        p_next(p);
        s = p_stmt(p, ST_RETURN, line, col);
        if (p_starts_expr(p->tok.kind)) {
            s->value = parse_star_expressions(p);
            p_check_not_starred(p, s->value);
        }
        return s;
    case T_RAISE:
        /* raise_stmt: 'raise' [expression ['from' expression]] */
        p_next(p);
        s = p_stmt(p, ST_RAISE, line, col);
        if (p_starts_expr(p->tok.kind)) {
            s->exc = parse_expression(p);
            if (p_accept(p, T_FROM)) s->cause = parse_expression(p);
        }
        return s;
    case T_GLOBAL: return parse_names_stmt(p, ST_GLOBAL);
    case T_NONLOCAL: return parse_names_stmt(p, ST_NONLOCAL);
    case T_DEL: {
        /* del_stmt: 'del' del_targets */
        p_next(p);
        s = p_stmt(p, ST_DEL, line, col);
        AstExpr *t = parse_target_list(p);
        if (t->kind == EX_TUPLE && !t->parenthesized) s->targets = t->items;
        else ast_list_push(p->a, &s->targets, t);
        for (int i = 0; i < s->targets.n; i++) p_check_target(p, AST_AT(s->targets, i, AstExpr), 1);
        return s;
    }
    case T_ASSERT:
        /* assert_stmt: 'assert' expression [',' expression] */
        p_next(p);
        s = p_stmt(p, ST_ASSERT, line, col);
        s->test = parse_expression(p);
        if (p_accept(p, T_COMMA)) s->msg = parse_expression(p);
        return s;
    case T_IMPORT: return parse_import(p);
    case T_FROM: return parse_from(p);
    default:
        return parse_expr_stmt(p);
    }
}

/* simple_stmts: small_stmt (';' small_stmt)* [';'] NEWLINE */
static void parse_simple_stmts(Parser *p, AstList *out)
{
    for (;;) {
        AstStmt *s = parse_small_stmt(p);
        s->end_line = p->last_line;
        ast_list_push(p->a, out, s);
        if (p->tok.kind == T_NEWLINE) break;
        if (!p_accept(p, T_SEMI)) {
            if (s->kind == ST_EXPR && s->value->kind == EX_NAME &&
                (strcmp(s->value->name, "print") == 0 || strcmp(s->value->name, "exec") == 0) &&
                p_starts_expr(p->tok.kind))
                p_fail_at(p, s->line, s->col, "Missing parentheses in call to '%s'. Did you mean %s(...)?",
                          s->value->name, s->value->name);
            p_syntax(p);
        }
        if (p->tok.kind == T_NEWLINE) break;
    }
    p_next(p);
}

/* ---- compound statements ---- */

/* block: NEWLINE INDENT statements DEDENT | simple_stmts  (after the header's ':')
 * what names the header in "expected an indented block after ..." */
void parse_block(Parser *p, AstList *body, const char *what, int hdr_line)
{
    p_expect(p, T_COLON, "expected ':'");
    if (p->tok.kind != T_NEWLINE) {
        parse_simple_stmts(p, body);
        return;
    }
    p_next(p);
    if (p->tok.kind != T_INDENT) {
        int line = p->tok.line, col = p->tok.col;
        if (p->tok.kind == T_EOF) {
            /* at the end of the file: point just below the header, like CPython */
            if (line > p->last_line + 1) line = p->last_line + 1;
            col = 1;
        }
        p_error_at(p, line, col, "expected an indented block after %s on line %d", what, hdr_line);
        return;
    }
    p_next(p);
    parse_stmts(p, body, 1);
    if (p->tok.kind == T_DEDENT) p_next(p);
}

/* A loop body: break and continue allowed inside. */
static void parse_loop_block(Parser *p, AstList *body, const char *what, int hdr_line)
{
    int saved = p->ctx.loop;
    p->ctx.loop = 1;
    parse_block(p, body, what, hdr_line);
    p->ctx.loop = saved;
}

/* ['else' ':' block] */
static void parse_else(Parser *p, AstList *orelse)
{
    if (p->tok.kind != T_ELSE) return;
    int line = p->tok.line;
    p_next(p);
    parse_block(p, orelse, "'else' statement", line);
}

/* A condition: named_expression, with a hint for '=' written for '=='. */
static AstExpr *parse_condition(Parser *p)
{
    AstExpr *e = parse_named(p);
    if (p->tok.kind == T_EQUAL)
        p_fail_at(p, e->line, e->col, "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
    return e;
}

/* if_stmt: 'if' named_expression ':' block ('elif' named_expression ':' block)* ['else' ':' block] */
static AstStmt *parse_if(Parser *p)
{
    int is_elif = p->tok.kind == T_ELIF;
    AstStmt *s = p_stmt(p, ST_IF, p->tok.line, p->tok.col);
    p_next(p);
    s->test = parse_condition(p);
    parse_block(p, &s->body, is_elif ? "'elif' statement" : "'if' statement", s->line);
    if (p->tok.kind == T_ELIF) {
        AstStmt *e = parse_if(p);
        ast_list_push(p->a, &s->orelse, e);
    } else {
        parse_else(p, &s->orelse);
    }
    s->end_line = p->last_line;
    return s;
}

/* while_stmt: 'while' named_expression ':' block ['else' ':' block] */
static AstStmt *parse_while(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_WHILE, p->tok.line, p->tok.col);
    p_next(p);
    s->test = parse_condition(p);
    parse_loop_block(p, &s->body, "'while' statement", s->line);
    parse_else(p, &s->orelse);
    return s;
}

/* for_stmt: ['async'] 'for' star_targets 'in' star_expressions ':' block ['else' ':' block] */
static AstStmt *parse_for(Parser *p, int line, int col, int is_async)
{
    AstStmt *s = p_stmt(p, ST_FOR, line, col);
    s->is_async = is_async;
    p_next(p);
    s->target = parse_target_list(p);
    p_check_target(p, s->target, 0);
    p_expect(p, T_IN, NULL);
    s->iter = parse_star_expressions(p);
    p_check_not_starred(p, s->iter);
    parse_loop_block(p, &s->body, "'for' statement", s->line);
    parse_else(p, &s->orelse);
    return s;
}

/* try_stmt: 'try' ':' block (except_block+ ['else' ':' block] ['finally' ':' block] | 'finally' ':' block)
 * except_block: 'except' [expression ['as' NAME]] ':' block */
static AstStmt *parse_try(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_TRY, p->tok.line, p->tok.col);
    p_next(p);
    parse_block(p, &s->body, "'try' statement", s->line);
    int bare_line = 0, bare_col = 0;
    while (p->tok.kind == T_EXCEPT) {
        AstHandler *h = arena_alloc(p->a, sizeof *h);
        h->line = p->tok.line;
        h->col = p->tok.col;
        if (bare_line) p_error_at(p, bare_line, bare_col, "default 'except:' must be last");
        p_next(p);
        if (p->tok.kind == T_STAR) p_fail_at(p, p->tok.line, p->tok.col, "except* is not supported");
        if (p->tok.kind != T_COLON) {
            h->type = parse_expression(p);
            if (p->tok.kind == T_COMMA)
                p_fail_at(p, h->type->line, h->type->col, "multiple exception types must be parenthesized");
            if (p_accept(p, T_AS)) h->name = p_expect_name(p);
        } else {
            bare_line = h->line, bare_col = h->col;
        }
        parse_block(p, &h->body, "'except' statement", h->line);
        ast_list_push(p->a, &s->handlers, h);
    }
    if (s->handlers.n > 0) parse_else(p, &s->orelse);
    if (p->tok.kind == T_FINALLY) {
        int line = p->tok.line;
        p_next(p);
        parse_block(p, &s->finalbody, "'finally' statement", line);
    } else if (s->handlers.n == 0) {
        p_fail_at(p, p->tok.line, p->tok.col, "expected 'except' or 'finally' block");
    }
    return s;
}

/* with_item: expression ['as' star_target] */
static AstWithItem *parse_with_item(Parser *p)
{
    AstWithItem *w = arena_alloc(p->a, sizeof *w);
    w->context = parse_expression(p);
    if (p_accept(p, T_AS)) {
        w->target = p->tok.kind == T_STAR ? parse_star_named(p) : parse_binary(p, 1);
        p_check_target(p, w->target, 0);
    }
    return w;
}

/* with_stmt: ['async'] 'with' ( '(' with_item (',' with_item)* [','] ')' | with_item (',' with_item)* ) ':' block
 * The parenthesised form is tried first, quietly; if it does not fit
 * (with (a, b) as c:), the plain form is parsed instead. */
static AstStmt *parse_with(Parser *p, int line, int col, int is_async)
{
    AstStmt *s = p_stmt(p, ST_WITH, line, col);
    s->is_async = is_async;
    p_next(p);
    volatile int done = 0;
    if (p->tok.kind == T_LPAR) {
        Parser *snap = arena_alloc(p->a, sizeof *snap);
        *snap = *p;
        p->gate->quiet++;
        if (setjmp(p->jb) == 0) {
            p_next(p);
            for (;;) {
                ast_list_push(p->a, &s->items, parse_with_item(p));
                if (!p_accept(p, T_COMMA) || p->tok.kind == T_RPAR) break;
            }
            p_expect(p, T_RPAR, NULL);
            if (p->tok.kind != T_COLON) p_syntax(p);
            done = 1;
        }
        p->gate->quiet--;
        if (!done) {
            *p = *snap;
            s->items.n = 0;
        } else {
            memcpy(p->jb, snap->jb, sizeof(jmp_buf));
        }
    }
    if (!done) {
        do ast_list_push(p->a, &s->items, parse_with_item(p));
        while (p_accept(p, T_COMMA));
    }
    parse_block(p, &s->body, "'with' statement", line);
    return s;
}

/* Parses a def or class body in a fresh context. */
static void parse_body_ctx(Parser *p, AstList *body, const char *what, int line, int func, int async_ok)
{
    PCtx saved = p->ctx;
    p->ctx.func = func;
    p->ctx.async_ok = async_ok;
    p->ctx.loop = 0;
    p->ctx.toplevel = 0;
    parse_block(p, body, what, line);
    p->ctx = saved;
}

/* function_def: ['async'] 'def' NAME '(' [parameters] ')' ['->' expression] ':' block */
static AstStmt *parse_def(Parser *p, int line, int col, int is_async)
{
    AstStmt *s = p_stmt(p, ST_DEF, line, col);
    s->is_async = is_async;
    p_next(p);
    s->name = p_expect_name(p);
    p_expect(p, T_LPAR, "expected '('");
    parse_params(p, &s->params, T_RPAR, 0);
    p_expect(p, T_RPAR, NULL);
    if (p_accept(p, T_RARROW)) (void)parse_expression(p);
    parse_body_ctx(p, &s->body, "function definition", line, 1, is_async);
    return s;
}

/* class_def: 'class' NAME ['(' [arguments] ')'] ':' block */
static AstStmt *parse_class(Parser *p)
{
    AstStmt *s = p_stmt(p, ST_CLASS, p->tok.line, p->tok.col);
    p_next(p);
    s->name = p_expect_name(p);
    if (p_accept(p, T_LPAR)) parse_call_args(p, &s->bases);
    parse_body_ctx(p, &s->body, "class definition", s->line, 0, 0);
    return s;
}

/* async_stmt: 'async' (function_def | for_stmt | with_stmt) */
static AstStmt *parse_async(Parser *p)
{
    int line = p->tok.line, col = p->tok.col;
    p_next(p);
    switch (p->tok.kind) {
    case T_DEF:
        return parse_def(p, line, col, 1);
    case T_FOR:
        if (!p->ctx.async_ok) p_error_at(p, line, col, "'async for' outside async function");
        return parse_for(p, line, col, 1);
    case T_WITH:
        if (!p->ctx.async_ok) p_error_at(p, line, col, "'async with' outside async function");
        return parse_with(p, line, col, 1);
    default:
        p_syntax(p);
    }
}

/* decorated: ('@' named_expression NEWLINE)+ (class_def | function_def) */
static AstStmt *parse_decorated(Parser *p)
{
    AstList decos = {0};
    while (p_accept(p, T_AT)) {
        ast_list_push(p->a, &decos, parse_named(p));
        p_expect(p, T_NEWLINE, NULL);
    }
    AstStmt *s;
    if (p->tok.kind == T_CLASS) s = parse_class(p);
    else if (p->tok.kind == T_DEF) s = parse_def(p, p->tok.line, p->tok.col, 0);
    else if (p->tok.kind == T_ASYNC) s = parse_async(p);
    else p_syntax(p);
    if (s->kind != ST_DEF && s->kind != ST_CLASS) p_syntax(p);
    s->decorators = decos;
    return s;
}

/* statement: compound_stmt | simple_stmts */
static void parse_statement(Parser *p, AstList *out)
{
    AstStmt *s;
    switch (p->tok.kind) {
    case T_IF: s = parse_if(p); break;
    case T_WHILE: s = parse_while(p); break;
    case T_FOR: s = parse_for(p, p->tok.line, p->tok.col, 0); break;
    case T_TRY: s = parse_try(p); break;
    case T_WITH: s = parse_with(p, p->tok.line, p->tok.col, 0); break;
    case T_DEF: s = parse_def(p, p->tok.line, p->tok.col, 0); break;
    case T_CLASS: s = parse_class(p); break;
    case T_AT: s = parse_decorated(p); break;
    case T_ASYNC: s = parse_async(p); break;
    case T_INDENT: p_fail_at(p, p->tok.line, p->tok.col, "unexpected indent");
    case T_NAME:
        if (p_is_soft(&p->tok, "match") && p_match_ahead(p)) { s = parse_match(p); break; }
        /* fall through */
    default:
        parse_simple_stmts(p, out);
        return;
    }
    s->end_line = p->last_line;
    ast_list_push(p->a, out, s);
}

/* ---- error recovery ---- */

/* Skips an indented block (the current token is its INDENT). */
static void p_skip_block(Parser *p)
{
    int depth = 0;
    do {
        if (p->tok.kind == T_INDENT) depth++;
        else if (p->tok.kind == T_DEDENT) depth--;
        else if (p->tok.kind == T_EOF) return;
        p_next(p);
    } while (depth > 0);
}

/* After an error: skip the rest of the logical line, a block that follows
 * it, and any elif/else/except/finally clauses of a broken statement. */
void p_recover(Parser *p)
{
    if (p->stop) return;
    p->recovering = 1;
    for (;;) {
        TokKind k = p->tok.kind;
        if (k == T_EOF || k == T_DEDENT) break;
        if (k == T_INDENT) {
            p_skip_block(p);
            continue;
        }
        p_next(p);
        if (k != T_NEWLINE) continue;
        if (p->tok.kind == T_INDENT) p_skip_block(p);
        k = p->tok.kind;
        if (k != T_ELIF && k != T_ELSE && k != T_EXCEPT && k != T_FINALLY) break;
    }
    p->recovering = 0;
}

/* statements: statement* (until DEDENT in a block, or EOF) */
static void parse_stmts(Parser *p, AstList *out, int in_block)
{
    while (!p->stop) {
        TokKind k = p->tok.kind;
        if (k == T_EOF || (in_block && k == T_DEDENT)) break;
        if (k == T_NEWLINE || (k == T_DEDENT && !in_block)) {
            p_next(p);
            continue;
        }
        jmp_buf saved;
        memcpy(saved, p->jb, sizeof saved);
        PCtx ctx = p->ctx;
        if (k != T_ERROR) {
            if (setjmp(p->jb) == 0) {
                parse_statement(p, out);
                memcpy(p->jb, saved, sizeof saved);
                continue;
            }
        }
        p->ctx = ctx;
        memcpy(p->jb, saved, sizeof saved);
        p_recover(p);
    }
}

AstModule *parse_module(Arena *a, const char *src, size_t len, const char *filename,
                        int is_main, Diag *diag)
{
    AstModule *m = arena_alloc(a, sizeof *m);
    m->filename = filename;
    Parser *p = arena_alloc(a, sizeof *p);
    p->a = a;
    p->diag = diag;
    p->gate = arena_alloc(a, sizeof *p->gate);
    p->is_main = is_main;
    p->ctx.async_ok = is_main;
    p->ctx.toplevel = 1;
    lex_init(&p->lx, a, diag, p->gate, src ? src : "", src ? len : 0);
    p->recovering = 1;              /* a T_ERROR first token is handled by parse_stmts */
    p_next(p);
    p->recovering = 0;
    if (setjmp(p->jb) != 0) return m;   /* only reached from outside any statement */
    parse_stmts(p, &m->body, 0);
    return m;
}
