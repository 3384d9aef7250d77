/* ast.h - the syntax tree: the contract between the parser and the emitter.
 *
 * The parser (parser.c) builds one tree per source file; every node lives in
 * an Arena (arena.h) owned by the caller and freed in one go with it. Nothing
 * in the tree owns anything: strings point into the arena too.
 *
 * Every node carries the 1-based line and column of its first token, so the
 * emitter can put each node's Lua code on the same line as its source and
 * diagnostics can point at it.
 *
 * Sequences are AstList: a growable array of node pointers (see ast_list_push).
 */
#ifndef AIO_AST_H
#define AIO_AST_H

#include <stddef.h>
#include <stdint.h>
#include "arena.h"

typedef struct AstExpr AstExpr;
typedef struct AstStmt AstStmt;

/* A growable array of pointers (AstExpr*, AstStmt*, AstParam*, ...). */
typedef struct AstList {
    void **items;
    int n, cap;
} AstList;

void ast_list_push(Arena *a, AstList *l, void *item);
#define AST_AT(list, i, T) ((T *)(list).items[(i)])

/* A byte string (may contain NUL bytes); always NUL-terminated as well. */
typedef struct AstStr {
    const char *s;
    size_t len;
} AstStr;

typedef enum {
    /* atoms */
    EX_NAME,        /* name */
    EX_INT,         /* ival (fits in int64) */
    EX_FLOAT,       /* fval */
    EX_STR,         /* str: the decoded bytes of a (possibly concatenated) literal */
    EX_BYTES,       /* str: b'...' literal bytes */
    EX_FSTRING,     /* parts: list of EX_STR and EX_FORMATTED */
    EX_FORMATTED,   /* one {field} of an f-string: value, conv ('r', 's', 'a' or 0), spec (EX_FSTRING or NULL) */
    EX_NONE, EX_TRUE, EX_FALSE, EX_ELLIPSIS,
    /* operators */
    EX_BINOP,       /* op, left, right */
    EX_UNARY,       /* op (OP_NEG, OP_POS, OP_INVERT, OP_NOT), operand = left */
    EX_BOOLOP,      /* op (OP_AND, OP_OR), left, right (a or b or c nests to the left) */
    EX_COMPARE,     /* left, then cmp_ops[i] with items[i] (i < items.n): a < b <= c */
    EX_IFEXP,       /* body if test else orelse: test, body = left, orelse = right */
    EX_NAMEDEXPR,   /* name := value: name, value */
    EX_LAMBDA,      /* params, value (the body expression) */
    EX_AWAIT,       /* await value */
    EX_YIELD,       /* yield value (value may be NULL) */
    EX_YIELD_FROM,  /* yield from value */
    /* postfix */
    EX_CALL,        /* func = left, args: list of AstArg* */
    EX_ATTR,        /* value.name */
    EX_SUBSCRIPT,   /* value[index]; index may be an EX_SLICE or an EX_TUPLE of them */
    EX_SLICE,       /* lower:upper:step, each may be NULL */
    /* displays */
    EX_LIST,        /* items (may hold EX_STARRED) */
    EX_TUPLE,       /* items (may hold EX_STARRED); parenthesised or bare a, b */
    EX_SET,         /* items */
    EX_DICT,        /* keys[i] : items[i]; a NULL key means **items[i] */
    EX_STARRED,     /* *value, in displays, call args and assignment targets */
    /* comprehensions: elt (and value for dicts) then generators (AstComp*) */
    EX_LISTCOMP, EX_SETCOMP, EX_DICTCOMP, EX_GENEXP
} AstExprKind;

typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW, OP_MATMUL,
    OP_LSHIFT, OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR,
    OP_NEG, OP_POS, OP_INVERT, OP_NOT,
    OP_AND, OP_OR,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOT_IN, OP_IS, OP_IS_NOT
} AstOp;

/* One "for target in iter if cond..." clause of a comprehension. */
typedef struct AstComp {
    AstExpr *target;
    AstExpr *iter;
    AstList ifs;            /* AstExpr* conditions */
    int is_async;           /* async for */
} AstComp;

/* One argument at a call site. */
typedef enum { ARG_POS, ARG_STAR, ARG_KEYWORD, ARG_DSTAR } AstArgKind;
typedef struct AstArg {
    AstArgKind kind;
    const char *name;       /* for ARG_KEYWORD */
    AstExpr *value;
    int line, col;
} AstArg;

/* One parameter of a def or lambda, in source order. */
typedef enum {
    PARAM_POS,      /* plain parameter (positional or keyword) */
    PARAM_VARARGS,  /* *args */
    PARAM_KWONLY,   /* after * or *args */
    PARAM_KWARGS    /* **kwargs */
} AstParamKind;
typedef struct AstParam {
    AstParamKind kind;
    const char *name;
    AstExpr *deflt;         /* default value or NULL */
    int line, col;
} AstParam;

struct AstExpr {
    AstExprKind kind;
    int line, col;
    AstOp op;
    const char *name;       /* EX_NAME, EX_ATTR, EX_NAMEDEXPR */
    int64_t ival;
    double fval;
    AstStr str;
    char conv;              /* EX_FORMATTED */
    AstExpr *value;         /* EX_ATTR/SUBSCRIPT/STARRED/AWAIT/YIELD/FORMATTED/NAMEDEXPR/LAMBDA body */
    AstExpr *left, *right;  /* BINOP, UNARY(left), BOOLOP, COMPARE(left), IFEXP(body=left, orelse=right), CALL(func=left) */
    AstExpr *test;          /* IFEXP */
    AstExpr *index;         /* SUBSCRIPT */
    AstExpr *lower, *upper, *step; /* SLICE */
    AstExpr *spec;          /* FORMATTED: format spec as an EX_FSTRING, or NULL */
    AstExpr *elt;           /* comprehensions: the element (the key for DICTCOMP) */
    AstList items;          /* LIST/TUPLE/SET/DICT values, COMPARE operands, FSTRING parts */
    AstList keys;           /* DICT keys (NULL entry = **mapping) */
    AstOp *cmp_ops;         /* COMPARE: items.n operators */
    AstList args;           /* CALL: AstArg* */
    AstList params;         /* LAMBDA: AstParam* */
    AstList generators;     /* comprehensions: AstComp* */
    int parenthesized;      /* written inside ( ) */
};

typedef enum {
    ST_EXPR,        /* value */
    ST_ASSIGN,      /* targets (a = b = value: targets [a, b]), value */
    ST_AUGASSIGN,   /* target op= value */
    ST_ANNASSIGN,   /* target: annotation [= value]; value may be NULL */
    ST_IF,          /* if test: body elif/else: orelse (an elif is an ST_IF alone in orelse) */
    ST_WHILE,       /* while test: body else: orelse */
    ST_FOR,         /* [async] for target in iter: body else: orelse */
    ST_BREAK, ST_CONTINUE, ST_PASS,
    ST_RETURN,      /* value may be NULL */
    ST_DEF,         /* [async] def name(params): body, with decorators */
    ST_CLASS,       /* class name(bases, keywords): body, with decorators; bases is AstArg* */
    ST_GLOBAL,      /* names: list of const char* */
    ST_NONLOCAL,    /* names */
    ST_ASSERT,      /* assert test, msg */
    ST_DEL,         /* targets */
    ST_RAISE,       /* raise exc from cause; both may be NULL */
    ST_TRY,         /* body, handlers (AstHandler*), orelse, finalbody */
    ST_WITH,        /* [async] with items (AstWithItem*): body */
    ST_IMPORT,      /* names (AstAlias*): import a.b as c, d */
    ST_IMPORTFROM,  /* from module import names (AstAlias*); level = leading dots; name "*" for star */
    ST_MATCH        /* match value: handlers = its case clauses (AstHandler with pattern, guard, body) */
} AstStmtKind;

/* A pattern of a match statement's case clause (PEP 634). */
typedef enum {
    PAT_VALUE,      /* value == subject: a literal (number, -number, string) or a dotted name */
    PAT_SINGLETON,  /* value (EX_NONE/EX_TRUE/EX_FALSE) is the subject */
    PAT_CAPTURE,    /* name: binds the subject */
    PAT_WILDCARD,   /* _ */
    PAT_STAR,       /* *name (name NULL for *_), only inside a PAT_SEQUENCE */
    PAT_SEQUENCE,   /* [items] / (items) / items,: at most one PAT_STAR */
    PAT_MAPPING,    /* {keys[i]: items[i], **name}: keys are literal/value expressions; name may be NULL */
    PAT_CLASS,      /* value(items, kwnames[i]=kwitems[i]): value is a name or dotted name */
    PAT_OR,         /* items[0] | items[1] | ... */
    PAT_AS          /* sub as name */
} AstPatternKind;

typedef struct AstPattern AstPattern;
struct AstPattern {
    AstPatternKind kind;
    int line, col;
    AstExpr *value;         /* VALUE, SINGLETON; CLASS: the class */
    const char *name;       /* CAPTURE, STAR, AS; MAPPING: the **rest name */
    AstPattern *sub;        /* AS */
    AstList items;          /* SEQUENCE, MAPPING values, CLASS positional, OR alternatives: AstPattern* */
    AstList keys;           /* MAPPING: AstExpr* */
    AstList kwnames;        /* CLASS: const char* */
    AstList kwitems;        /* CLASS: AstPattern* */
};

/* Calls fn for every name the pattern binds, in order (an or-pattern: the
 * names of its first alternative). */
void ast_pattern_names(const AstPattern *p, void (*fn)(void *ctx, const char *name, const AstPattern *at),
                       void *ctx);
/* 1 if the pattern matches every subject (a capture or wildcard, maybe in
 * an or-pattern or under `as`). */
int ast_pattern_irrefutable(const AstPattern *p);

/* An except clause of ST_TRY, or a case clause of ST_MATCH (pattern,
 * guard; type and name are NULL). */
typedef struct AstHandler {
    AstExpr *type;          /* NULL for a bare except: */
    AstPattern *pattern;    /* ST_MATCH: case pattern */
    AstExpr *guard;         /* ST_MATCH: if guard, or NULL */
    const char *name;       /* as name, or NULL */
    AstList body;
    int line, col;
} AstHandler;

typedef struct AstWithItem {
    AstExpr *context;
    AstExpr *target;        /* as target, or NULL */
} AstWithItem;

typedef struct AstAlias {
    const char *name;       /* dotted name, e.g. "os.path" */
    const char *asname;     /* or NULL */
    int line, col;
} AstAlias;

struct AstStmt {
    AstStmtKind kind;
    int line, col;
    int end_line;           /* last line of the statement (compound: of its body) */
    AstExpr *value;
    AstExpr *target;
    AstExpr *test;
    AstExpr *iter;
    AstExpr *annotation;
    AstExpr *exc, *cause, *msg;
    AstOp op;
    const char *name;       /* DEF, CLASS, IMPORTFROM (module) */
    int level;              /* IMPORTFROM */
    int is_async;
    AstList targets;        /* ASSIGN, DEL: AstExpr* */
    AstList body, orelse, finalbody;   /* AstStmt* */
    AstList handlers;       /* AstHandler* */
    AstList items;          /* WITH: AstWithItem* */
    AstList params;         /* DEF: AstParam* */
    AstList decorators;     /* DEF, CLASS: AstExpr* */
    AstList bases;          /* CLASS: AstArg* */
    AstList names;          /* GLOBAL/NONLOCAL: const char*; IMPORT/IMPORTFROM: AstAlias* */
};

/* A parsed file: the module body. */
typedef struct AstModule {
    AstList body;           /* AstStmt* */
    const char *filename;
} AstModule;

#endif
