/* astdump.c - debug printer for the syntax tree (see astdump.h). */
#include "astdump.h"
#include <stdio.h>

static const char *const dump_exprs[] = {
    "Name", "Int", "Float", "Str", "Bytes", "FString", "Formatted", "None", "True", "False",
    "Ellipsis", "BinOp", "Unary", "BoolOp", "Compare", "IfExp", "NamedExpr", "Lambda", "Await",
    "Yield", "YieldFrom", "Call", "Attr", "Subscript", "Slice", "List", "Tuple", "Set", "Dict",
    "Starred", "ListComp", "SetComp", "DictComp", "GenExp",
};
static const char *const dump_stmts[] = {
    "Expr", "Assign", "AugAssign", "AnnAssign", "If", "While", "For", "Break", "Continue",
    "Pass", "Return", "Def", "Class", "Global", "Nonlocal", "Assert", "Del", "Raise", "Try",
    "With", "Import", "ImportFrom", "Match",
};
static const char *const dump_ops[] = {
    "+", "-", "*", "/", "//", "%", "**", "@", "<<", ">>", "&", "|", "^",
    "neg", "pos", "~", "not", "and", "or",
    "==", "!=", "<", "<=", ">", ">=", "in", "not in", "is", "is not",
};
static const char *const dump_params[] = {"", "*", "kwonly ", "**"};
static const char *const dump_args[] = {"", "*", "kw ", "**"};

static void dump_indent(Buf *o, int d)
{
    for (int i = 0; i < d; i++) buf_puts(o, "  ");
}

static void dump_str(Buf *o, AstStr s)
{
    buf_putc(o, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.s[i];
        if (c == '"' || c == '\\') buf_printf(o, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) buf_printf(o, "\\x%02x", c);
        else buf_putc(o, (char)c);
    }
    buf_putc(o, '"');
}

static void dump_expr(Buf *o, const AstExpr *e, int d, const char *label);

static void dump_exprs_list(Buf *o, const AstList *l, int d, const char *label)
{
    for (int i = 0; i < l->n; i++) dump_expr(o, AST_AT(*l, i, AstExpr), d, label);
}

static void dump_params_list(Buf *o, const AstList *l, int d)
{
    for (int i = 0; i < l->n; i++) {
        const AstParam *p = AST_AT(*l, i, AstParam);
        dump_indent(o, d);
        buf_printf(o, "param %s%s @%d:%d\n", dump_params[p->kind], p->name, p->line, p->col);
        if (p->deflt) dump_expr(o, p->deflt, d + 1, "default");
    }
}

static void dump_comps(Buf *o, const AstList *l, int d)
{
    for (int i = 0; i < l->n; i++) {
        const AstComp *c = AST_AT(*l, i, AstComp);
        dump_indent(o, d);
        buf_printf(o, "%sfor\n", c->is_async ? "async " : "");
        dump_expr(o, c->target, d + 1, "target");
        dump_expr(o, c->iter, d + 1, "iter");
        dump_exprs_list(o, &c->ifs, d + 1, "if");
    }
}

static void dump_expr(Buf *o, const AstExpr *e, int d, const char *label)
{
    dump_indent(o, d);
    if (label) buf_printf(o, "%s: ", label);
    if (!e) {
        buf_puts(o, "NULL\n");
        return;
    }
    buf_printf(o, "%s", dump_exprs[e->kind]);
    switch (e->kind) {
    case EX_NAME: case EX_ATTR: case EX_NAMEDEXPR: buf_printf(o, " %s", e->name); break;
    case EX_INT: buf_printf(o, " %lld", (long long)e->ival); break;
    case EX_FLOAT: buf_printf(o, " %.17g", e->fval); break;
    case EX_STR: case EX_BYTES: buf_putc(o, ' '); dump_str(o, e->str); break;
    case EX_BINOP: case EX_UNARY: case EX_BOOLOP: buf_printf(o, " %s", dump_ops[e->op]); break;
    case EX_FORMATTED: if (e->conv) buf_printf(o, " !%c", e->conv); break;
    default: break;
    }
    if (e->parenthesized) buf_puts(o, " (paren)");
    buf_printf(o, " @%d:%d\n", e->line, e->col);
    d++;
    if (e->kind == EX_COMPARE) {
        dump_expr(o, e->left, d, NULL);
        for (int i = 0; i < e->items.n; i++) dump_expr(o, AST_AT(e->items, i, AstExpr), d, dump_ops[e->cmp_ops[i]]);
        return;
    }
    if (e->kind == EX_DICT) {
        for (int i = 0; i < e->items.n; i++) {
            const AstExpr *k = AST_AT(e->keys, i, AstExpr);
            if (k) dump_expr(o, k, d, "key");
            else { dump_indent(o, d); buf_puts(o, "**\n"); }
            dump_expr(o, AST_AT(e->items, i, AstExpr), d + 1, "value");
        }
        return;
    }
    if (e->kind == EX_CALL) {
        dump_expr(o, e->left, d, "func");
        for (int i = 0; i < e->args.n; i++) {
            const AstArg *a = AST_AT(e->args, i, AstArg);
            char lab[80];
            snprintf(lab, sizeof lab, "arg %s%s", dump_args[a->kind], a->name ? a->name : "");
            dump_expr(o, a->value, d, lab);
        }
        return;
    }
    if (e->kind == EX_IFEXP) {
        dump_expr(o, e->test, d, "test");
        dump_expr(o, e->left, d, "body");
        dump_expr(o, e->right, d, "orelse");
        return;
    }
    if (e->left) dump_expr(o, e->left, d, NULL);
    if (e->right) dump_expr(o, e->right, d, NULL);
    if (e->elt) dump_expr(o, e->elt, d, "elt");
    if (e->value) dump_expr(o, e->value, d, "value");
    if (e->index) dump_expr(o, e->index, d, "index");
    if (e->kind == EX_SLICE) {
        dump_expr(o, e->lower, d, "lower");
        dump_expr(o, e->upper, d, "upper");
        dump_expr(o, e->step, d, "step");
    }
    if (e->spec) dump_expr(o, e->spec, d, "spec");
    dump_exprs_list(o, &e->items, d, NULL);
    dump_params_list(o, &e->params, d);
    dump_comps(o, &e->generators, d);
}

static void dump_body(Buf *o, const AstList *l, int d, const char *label);

static void dump_stmt(Buf *o, const AstStmt *s, int d)
{
    dump_indent(o, d);
    buf_printf(o, "%s%s", s->is_async ? "async " : "", dump_stmts[s->kind]);
    if (s->name) buf_printf(o, " %s", s->name);
    if (s->kind == ST_AUGASSIGN) buf_printf(o, " %s=", dump_ops[s->op]);
    if (s->kind == ST_IMPORTFROM) buf_printf(o, " level=%d", s->level);
    buf_printf(o, " @%d:%d-%d\n", s->line, s->col, s->end_line);
    d++;
    dump_exprs_list(o, &s->decorators, d, "decorator");
    dump_params_list(o, &s->params, d);
    for (int i = 0; i < s->bases.n; i++) {
        const AstArg *a = AST_AT(s->bases, i, AstArg);
        dump_expr(o, a->value, d, a->name ? a->name : "base");
    }
    dump_exprs_list(o, &s->targets, d, "target");
    if (s->target) dump_expr(o, s->target, d, "target");
    if (s->annotation) dump_expr(o, s->annotation, d, "annotation");
    if (s->test) dump_expr(o, s->test, d, "test");
    if (s->iter) dump_expr(o, s->iter, d, "iter");
    if (s->value) dump_expr(o, s->value, d, "value");
    if (s->exc) dump_expr(o, s->exc, d, "exc");
    if (s->cause) dump_expr(o, s->cause, d, "cause");
    if (s->msg) dump_expr(o, s->msg, d, "msg");
    for (int i = 0; i < s->items.n; i++) {
        const AstWithItem *w = AST_AT(s->items, i, AstWithItem);
        dump_expr(o, w->context, d, "with");
        if (w->target) dump_expr(o, w->target, d + 1, "as");
    }
    for (int i = 0; i < s->names.n; i++) {
        dump_indent(o, d);
        if (s->kind == ST_GLOBAL || s->kind == ST_NONLOCAL) {
            buf_printf(o, "name %s\n", AST_AT(s->names, i, const char));
        } else {
            const AstAlias *al = AST_AT(s->names, i, AstAlias);
            buf_printf(o, "alias %s%s%s\n", al->name, al->asname ? " as " : "", al->asname ? al->asname : "");
        }
    }
    dump_body(o, &s->body, d, "body");
    for (int i = 0; i < s->handlers.n; i++) {
        const AstHandler *h = AST_AT(s->handlers, i, AstHandler);
        dump_indent(o, d);
        buf_printf(o, "%s%s%s @%d:%d\n", h->pattern ? "case" : "except", h->name ? " as " : "", h->name ? h->name : "", h->line, h->col);
        if (h->type) dump_expr(o, h->type, d + 1, "type");
        if (h->guard) dump_expr(o, h->guard, d + 1, "guard");
        dump_body(o, &h->body, d + 1, NULL);
    }
    dump_body(o, &s->orelse, d, "orelse");
    dump_body(o, &s->finalbody, d, "finally");
}

static void dump_body(Buf *o, const AstList *l, int d, const char *label)
{
    if (l->n == 0) return;
    if (label) {
        dump_indent(o, d);
        buf_printf(o, "%s:\n", label);
    }
    for (int i = 0; i < l->n; i++) dump_stmt(o, AST_AT(*l, i, AstStmt), d + (label != NULL));
}

void ast_dump_module(const AstModule *m, Buf *out)
{
    dump_body(out, &m->body, 0, NULL);
}
