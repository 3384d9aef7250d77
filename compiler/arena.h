/* arena.h - bump allocator for the compiler: every AST node, string and list
 * of one compilation lives in one Arena and is freed with arena_free. */
#ifndef AIO_ARENA_H
#define AIO_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
    ArenaBlock *head;
} Arena;

void  arena_init(Arena *a);
void  arena_free(Arena *a);
/* Zeroed, 16-byte aligned memory; aborts on out-of-memory. */
void *arena_alloc(Arena *a, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);

#endif
