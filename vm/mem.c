/* mem.c - the Lua allocator of a VM: the C library's realloc/free, plus
 * transparent-huge-page advice for the malloc heap.
 *
 * Programs with many live tasks allocate hundreds of MB in small blocks.
 * Faulting that in one 4 KB page at a time costs more than the interpreter's
 * own work (a page fault is slow, above all under virtualisation: 100k tasks
 * took 50k faults, about half the run time). So the heap grows in big steps
 * (M_TOP_PAD), blocks below 32 MB come from that heap (M_MMAP_THRESHOLD), and
 * each new stretch of the brk heap, as well as any bigger block, is advised
 * MADV_HUGEPAGE: the kernel then maps it in 2 MB pages (when transparent huge
 * pages are "madvise" or "always"; otherwise the advice changes nothing).
 * These malloc settings are process-wide, so they are on only when the host
 * asks (AioConfig.big_heap; the aio command does). Otherwise, and without
 * MADV_HUGEPAGE, this is plain realloc/free. */
#include "vm_internal.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define TOP_PAD (64 << 20)          /* heap growth step: many whole huge pages */
#define MMAP_THRESHOLD (32 << 20)   /* glibc's maximum */

#ifdef MADV_HUGEPAGE
/* Advises huge pages on [from, to), rounded inwards to whole huge pages. */
static void advise_range(uintptr_t from, uintptr_t to)
{
    from = (from + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    to &= ~(HUGE_PAGE - 1);
    if (to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
}

/* Advises the part of the brk heap that grew since the last call (the heap
 * also shrinks when malloc trims it). sbrk(0) only reads the current break. */
static void advise_heap(MemState *m)
{
    uintptr_t brk = (uintptr_t)sbrk(0);
    if (brk == (uintptr_t)-1 || brk == m->heap_end) return;
    if (brk > m->heap_end && m->heap_end != 0) advise_range(m->heap_end, brk);
    m->heap_end = brk;
}
#endif

static void *mem_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

/* As luaL_newstate's panic handler: an error outside any protected call. */
static int mem_panic(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "aio: PANIC: unprotected error in call to Lua API (%s)\n", msg ? msg : "error object is not a string");
    return 0;   /* then Lua aborts */
}

lua_State *mem_new_state(MemState *m)
{
    lua_State *L = lua_newstate(mem_lua_alloc, m);
    if (L) lua_atpanic(L, mem_panic);
    return L;
}

void mem_init(MemState *m, int big_heap)
{
    m->heap_end = 0;
    m->big_heap = big_heap;
#ifdef MADV_HUGEPAGE
    if (!big_heap) return;
    (void)mallopt(M_TOP_PAD, TOP_PAD);
    (void)mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD);
    advise_heap(m);
#endif
}

static void *mem_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    void *p = realloc(ptr, nsize);
#ifdef MADV_HUGEPAGE
    MemState *m = ud;
    if (!m->big_heap) return p;
    /* sbrk(0) only when the block reaches past the advised heap end, and
     * now and then in case malloc trimmed the heap since (perf: a syscall
     * per allocation was 2.5% of an allocation-heavy run) */
    if ((p && (uintptr_t)p + nsize > m->heap_end) || m->recheck-- == 0) {
        m->recheck = 4096;
        advise_heap(m);
    }
    if (p && nsize >= MMAP_THRESHOLD) advise_range((uintptr_t)p, (uintptr_t)p + nsize);
#else
    (void)ud;
#endif
    return p;
}
