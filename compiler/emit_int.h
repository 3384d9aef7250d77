/* emit_int.h - state shared by the emitter's parts (emit.c: driver, prelude,
 * module-wide facts; emit_expr.c: expressions; emit_stmt.c: statements).
 * Not part of the compiler's public API. */
#ifndef AIO_EMIT_INT_H
#define AIO_EMIT_INT_H

#include "arena.h"
#include "ast.h"
#include "buf.h"
#include "compiler.h"
#include "diag.h"
#include "luaout.h"
#include "defassign.h"
#include "scope.h"

/* Lua operator precedence levels, low to high (Lua manual 3.4.8). */
enum {
    P_OR = 1, P_AND, P_CMP, P_BOR, P_BXOR, P_BAND, P_SHIFT, P_CONCAT,
    P_ADD, P_MUL, P_UNARY, P_POW, P_ATOM
};

/* Facts about a compiled expression. */
enum {
    LX_PREFIX = 1,  /* a Lua prefixexp: can be called/indexed without parens */
    LX_CALL   = 2,  /* a function call: valid as a statement */
    LX_BOOL   = 4,  /* always a Lua boolean */
    LX_SIMPLE = 8,  /* a name or constant: may be duplicated */
    LX_TEMP   = 16  /* a temporary of the current statement */
};

typedef struct LExpr {
    const char *s;
    int prec;
    unsigned flags;
} LExpr;

/* One enclosing loop, for break/continue. */
typedef struct Loop {
    int id;             /* label number */
    int brk_goto;       /* break must be `goto aio_brk<id>` (loop has an else) */
    int used_cont;      /* continue was emitted */
    struct Loop *outer;
} Loop;

/* One function being emitted (the module chunk is one too). */
typedef struct FuncCtx {
    Scope *scope;
    Loop *loop;
    const char *self;       /* first parameter (for super()) */
    const char *clsvar;     /* Lua variable of the class the def sits in */
    const char *clsname;    /* while emitting a class body: its name */
    const char *handler_exc;/* variable of the exception being handled (bare raise) */
    int in_protected;       /* inside a pcall'd body: return/break/continue are codes */
    const AstList *body;    /* a def's statements (NULL for the module, lambdas) */
    Scope *saved_scope;     /* E->scope when this function was entered */
    struct FuncCtx *outer;
} FuncCtx;

typedef struct Emitter {
    Arena *a;
    Diag *diag;
    const CompileOptions *opt;
    LuaOut out;
    Buf *pre;           /* code hoisted before the current statement/expression */
    int pre_local;      /* E->pre declares a local (the statement needs do ... end) */
    FuncCtx *fn;
    Scope *scope;       /* current scope (differs from fn->scope in comprehensions) */
    Scope *top;         /* the module scope */
    const DaResult *da; /* reads that may find their local unbound (defassign.h) */
    int ntemp, nlabel, ncls;
    NameSet helpers;    /* helper names used ("truthy" for aio_truthy) */
    NameSet methods;    /* names def'd directly in class bodies */
    NameSet dataattrs;  /* names stored as X.name = ... */
    NameSet notfast;    /* decorated defs and assignments in class bodies: never o:m() */
    NameSet modnames;   /* names bound by import or class */
    NameSet fromnames;  /* names bound by from-import: may be modules, so never o:m() */
    int range_bound;    /* the module binds `range` somewhere */
    NameSet globaldecl; /* names declared `global` anywhere (perf: builtin fast paths) */
    int import_star;    /* the module has `from m import *` (may rebind any builtin) */
    Scope *modbinds;    /* scratch scope: names the module body binds */
    NameSet fastdefs;   /* module-level defs bound once: also the Lua local aio_g_<name> */
    /* perf: try statements in a loop whose xpcall message handler closure is
     * made once, before the outermost loop (a stack, popped as loops end) */
    int th_n;
    const AstStmt *th_try[32];
    const char *th_name[32];
    /* perf: try statements in a loop whose body closure is made on the first
     * pass and kept in a local declared before the outermost loop */
    int tb_n;
    const AstStmt *tb_try[32];
    const char *tb_name[32];
} Emitter;

/* emit.c */
const char *em_fmt(Emitter *E, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *em_helper(Emitter *E, const char *name);    /* "truthy" -> "aio_truthy" */
const char *em_temp(Emitter *E);
void em_pre(Emitter *E, const char *code);              /* appends to E->pre */
const char *em_quote(Emitter *E, const char *s, size_t len);
const char *em_local_name(Emitter *E, const char *name);
int em_is_builtin_method(const char *name);
int em_is_dict_method(const char *name);
int em_is_builtin_exc(const char *name);    /* "ValueError": a builtin exception class */
/* 1 if a global load of `name` is certainly the builtin (the module never binds it). */
int em_builtin_fixed(Emitter *E, const char *name);

/* emit_noraise.c: 1 if the statements (an except clause's body, of the try
 * statement `at`) certainly cannot raise */
int em_body_cannot_raise(Emitter *E, const AstList *body, const AstStmt *at);

/* emit_tbneed.c: 1 if an except clause's body looks at the handled
 * exception's traceback (traceback.print_exc(), logger.exception(), ...) */
int em_body_wants_traceback(const AstList *body);

/* emit_expr.c */
LExpr ex_value(Emitter *E, const AstExpr *e);
const char *ex_test(Emitter *E, const AstExpr *e);     /* a Lua boolean */
const char *ex_test_not(Emitter *E, const AstExpr *e); /* its negation */
const char *ex_paren(Emitter *E, LExpr x, int prec);   /* text at least at prec */
const char *ex_prefix(Emitter *E, LExpr x);            /* text usable as prefixexp */
int ex_hoists(const AstExpr *e);
int ex_is_simple(const AstExpr *e);
int ex_static_bool(const AstExpr *e);
const char *ex_name_load(Emitter *E, const char *name);
const char *ex_name_store(Emitter *E, const char *name);
/* a read of e (an EX_NAME) that raises if its local is unbound (defassign.h) */
const char *ex_name_checked(Emitter *E, const AstExpr *e);
LExpr ex_binop(Emitter *E, AstOp op, LExpr l, LExpr r, const AstExpr *rnode, const AstExpr *lnode);
/* "aio_def(function(...) return <body> end, "<lambda>", spec)" (emit_stmt.c) */
const char *ex_lambda(Emitter *E, const AstExpr *e);
LExpr ex_spill(Emitter *E, LExpr x);   /* into a temporary unless simple */
/* `d[k] = v` for a typed dict name with simple k and v (perf), else NULL */
/* statement text for `xs.append(v)` on a typed list (perf), else NULL */
const char *ex_typed_append_stmt(Emitter *E, const AstExpr *call);
const char *ex_typed_setitem(Emitter *E, const AstExpr *target, LExpr k, LExpr v);

/* emit_match.c: a match statement */
void st_match(Emitter *E, const AstStmt *s);

/* emit_stmt.c */
void st_block(Emitter *E, const AstList *body, int tail_free);
/* Appends Lua statements storing `value` into target to E->pre. */
void st_store(Emitter *E, const AstExpr *target, LExpr value);

#endif
