/* ast.c - helpers for the syntax tree (see ast.h): the growable AstList. */
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
