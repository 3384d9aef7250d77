/* parser_int.h - the parser's state and the helpers its parts share
 * (parser.c: the grammar of expressions and statements; parse_match.c: the
 * match statement). Not part of the compiler's public API. */
#ifndef AIO_PARSER_INT_H
#define AIO_PARSER_INT_H

#include <setjmp.h>
#include "ast.h"
#include "lexer.h"

/* What the code being parsed may contain; saved and restored around bodies. */
typedef struct PCtx {
    int func;           /* inside a def or lambda: return and yield allowed */
    int async_ok;       /* await, async for, async with allowed */
    int loop;           /* inside a loop of the current function */
    int toplevel;       /* at module level (not in a def or class) */
    int depth;          /* expression nesting, to bound the C recursion */
} PCtx;

enum { P_MAXDEPTH = 400 };

typedef struct Parser {
    Arena *a;
    Diag *diag;
    LexGate *gate;
    Lexer lx;
    Token tok;          /* the current (lookahead) token */
    int last_line;      /* last line of the last consumed real token */
    int is_main;
    PCtx ctx;
    jmp_buf jb;         /* where a syntax error goes: the statement loop */
    int recovering;     /* skipping tokens: T_ERROR does not jump */
    int stop;           /* unrecoverable (an unclosed bracket): stop parsing */
    const char *prefix; /* message prefix: "f-string: " inside fields */
} Parser;

/* parser.c: tokens and errors */
void p_next(Parser *p);
int p_accept(Parser *p, TokKind k);
void p_expect(Parser *p, TokKind k, const char *msg);   /* msg NULL: "invalid syntax" */
const char *p_expect_name(Parser *p);
int p_starts_expr(TokKind k);
/* A non-fatal error: reported, parsing goes on. */
void p_error_at(Parser *p, int line, int col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A fatal error: reported, then back to the statement loop (longjmp). */
void p_fail_at(Parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5), noreturn));
void p_syntax(Parser *p) __attribute__((noreturn));
void p_enter(Parser *p);
/* After an error: skips the rest of the logical line and a block after it. */
void p_recover(Parser *p);    /* one level deeper (bounded); the caller decrements ctx.depth */

/* parser.c: nodes and grammar pieces */
AstExpr *p_expr(Parser *p, AstExprKind k, int line, int col);
AstExpr *p_expr_at(Parser *p, AstExprKind k);
AstStmt *p_stmt(Parser *p, AstStmtKind k, int line, int col);
void p_check_not_starred(Parser *p, const AstExpr *e);
AstExpr *parse_atom(Parser *p);
AstExpr *parse_strings(Parser *p);
AstExpr *parse_star_named(Parser *p);
AstExpr *parse_named(Parser *p);
/* block after a header: ':' then simple statements or an indented block */
void parse_block(Parser *p, AstList *body, const char *what, int hdr_line);

/* parse_match.c */
int p_is_soft(const Token *t, const char *kw);      /* a NAME spelling the soft keyword kw */
/* At a `match` NAME starting a statement: is it the soft keyword? */
int p_match_ahead(Parser *p);
AstStmt *parse_match(Parser *p);

#endif
