/* scope.h - Python scope rules for the emitter.
 *
 * One Scope per module, def/lambda, class body and comprehension. A scope's
 * bindings are collected from its own body only (nested defs/classes/lambdas
 * get their own scope when the emitter reaches them), which is all Python's
 * rules need: a name bound in a function is local to it unless declared
 * global/nonlocal; a free name refers to the nearest enclosing function that
 * binds it (class bodies are skipped), else to the module globals. */
#ifndef AIO_SCOPE_H
#define AIO_SCOPE_H

#include "arena.h"
#include "ast.h"

typedef enum { SC_MODULE, SC_FUNC, SC_CLASS, SC_COMP } ScopeKind;

typedef struct NameSet {
    const char **v;
    int n, cap;
} NameSet;

int  nameset_has(const NameSet *s, const char *name);
void nameset_add(Arena *a, NameSet *s, const char *name);   /* no duplicates */

typedef struct Scope {
    ScopeKind kind;
    struct Scope *parent;
    NameSet params;     /* parameters (SC_FUNC) */
    NameSet locals;     /* other bound names, in first-binding order */
    NameSet globals;    /* declared global */
    NameSet nonlocals;  /* declared nonlocal */
    NameSet nonscalar;  /* names bound to something other than an immutable literal */
    /* SC_FUNC, perf (scope_collect_types): names bound to a list display or
     * comprehension, to a dict display or comprehension, and in any other way */
    NameSet ty_list, ty_dict, ty_other;
    /* SC_FUNC, perf: names with a binding that is not certainly an int, and
     * the candidate int bindings (solved by scope_collect_types) */
    NameSet ty_int_no;
    struct IntBind *ib;
    int nib, capib;
    int len_fixed, range_fixed;   /* `len` / `range` are the builtins here */
    /* SC_FUNC, perf: `for name in range(...)` statements (AstStmt*) whose
     * name is mentioned nowhere else in the function but as a plain load in
     * the loop body (see scope_loop_var_private) */
    AstList private_loops;
    const char *clsvar; /* SC_CLASS: the Lua local holding the class table */
    int has_yield;      /* SC_FUNC: the body yields (a generator) */
    int has_await;
} Scope;

typedef enum {
    NR_LOCAL,   /* a Lua local of this scope */
    NR_FREE,    /* a Lua local of an enclosing function (an upvalue) */
    NR_GLOBAL,  /* a module global (_ENV) */
    NR_CLASS    /* a class-body name: a field of scope->clsvar */
} NameRef;

Scope *scope_new(Arena *a, ScopeKind kind, Scope *parent);
/* Collects bindings of a statement list (module, def or class body). */
void scope_collect_body(Arena *a, Scope *s, const AstList *body);
/* Collects bindings made by an expression (walrus targets; comprehension
 * targets when s is the comprehension's own scope). */
void scope_collect_expr(Arena *a, Scope *s, const AstExpr *e);
/* Collects names bound by an assignment target. */
void scope_collect_target(Arena *a, Scope *s, const AstExpr *t);
void scope_bind(Arena *a, Scope *s, const char *name);
/* Binds a name that gets an immutable literal (int/float/str/bool). */
void scope_bind_scalar(Arena *a, Scope *s, const char *name);

/* SC_FUNC (perf): records, for every name the body binds, whether each
 * binding is a list display/comprehension, a dict display/comprehension or
 * anything else (walrus, for/with/except targets, del, augmented assignment,
 * def/class/import, nonlocal rebinding from nested defs). */
void scope_collect_types(Arena *a, Scope *s, const AstList *body, int len_fixed, int range_fixed);

/* 1 if st (a `for name in range(...)` of s) is in s->private_loops: the Lua
 * numeric for's own control variable can be the Python local itself. */
int scope_loop_var_private(const Scope *s, const AstStmt *st);

/* The same for generator gi of a comprehension: its name is mentioned
 * only as its target and as plain reads inside its loop (later clauses and
 * the element). */
int scope_comp_var_private(const AstExpr *comp, int gi);

typedef enum { CT_NONE, CT_LIST, CT_DICT } ContainerType;
/* CT_LIST / CT_DICT when name, seen from s, is a function local (of s or of
 * an enclosing function) that is only ever bound to a list / dict display or
 * comprehension: its value is then a plain aio list / dict, or nil while
 * unbound. */
ContainerType scope_container(const Scope *s, const char *name);

/* 1 if e certainly evaluates to an int (a Lua integer) or raises: int
 * literals, function locals whose every binding is such an expression (or a
 * `for` over the builtin range), len(...) of the builtin len, and + - * // %
 * & | ^ << >> and unary - ~ of such operands (ints are 64-bit in aio). */
int scope_int_expr(const Scope *s, const AstExpr *e);

NameRef scope_resolve(const Scope *s, const char *name, const Scope **owner);
/* 1 if an enclosing function (not s itself when it declares the name global)
 * has a Lua local of this name, so a global must be spelled _ENV.x. */
int scope_lua_shadowed(const Scope *s, const char *name);
/* 1 if some enclosing function scope binds name (for nonlocal checks). */
int scope_enclosing_binds(const Scope *s, const char *name);

#endif
