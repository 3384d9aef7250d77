/* ast.c - helpers for the syntax tree (see ast.h): the growable AstList and
 * the names a match pattern binds. */
#include "ast.h"
#include <string.h>

void ast_list_push(Arena *a, AstList *l, void *item)
{
    if (l->n == l->cap) {
        /* Lists live in the arena: grow by copying into a bigger block
         * (the old one is reclaimed with the arena). */
        int cap = l->cap ? l->cap * 2 : 4;
        void **items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (l->n) memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = item;
}

void ast_pattern_names(const AstPattern *p, void (*fn)(void *ctx, const char *name, const AstPattern *at),
                       void *ctx)
{
    if (!p) return;
    switch (p->kind) {
    case PAT_CAPTURE: case PAT_STAR:
        if (p->name) fn(ctx, p->name, p);
        return;
    case PAT_AS:
        ast_pattern_names(p->sub, fn, ctx);
        fn(ctx, p->name, p);
        return;
    case PAT_OR:
        if (p->items.n) ast_pattern_names(AST_AT(p->items, 0, AstPattern), fn, ctx);
        return;
    case PAT_SEQUENCE: case PAT_MAPPING: case PAT_CLASS:
        for (int i = 0; i < p->items.n; i++) ast_pattern_names(AST_AT(p->items, i, AstPattern), fn, ctx);
        for (int i = 0; i < p->kwitems.n; i++) ast_pattern_names(AST_AT(p->kwitems, i, AstPattern), fn, ctx);
        if (p->kind == PAT_MAPPING && p->name) fn(ctx, p->name, p);
        return;
    default:
        return;
    }
}

int ast_pattern_irrefutable(const AstPattern *p)
{
    switch (p->kind) {
    case PAT_WILDCARD: case PAT_CAPTURE: return 1;
    case PAT_AS: return ast_pattern_irrefutable(p->sub);
    case PAT_OR:
        for (int i = 0; i < p->items.n; i++)
            if (ast_pattern_irrefutable(AST_AT(p->items, i, AstPattern))) return 1;
        return 0;
    default: return 0;
    }
}
