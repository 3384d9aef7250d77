/* embed.c - embedding aio in a C program: two independent VMs in one
 * process, a custom writer for diagnostics, and the result codes.
 *
 *   make build/release/embed-example && build/release/embed-example
 */
#include <stdio.h>
#include <string.h>

#include "aio.h"

/* Collects tracebacks and diagnostics instead of printing them. */
static void collect(AioVM *vm, const char *text, size_t len, int is_error, void *user)
{
    (void)vm;
    (void)is_error;
    char *buf = user;
    size_t used = strlen(buf);
    if (used + len >= 4096) len = 4095 - used;
    memcpy(buf + used, text, len);
    buf[used + len] = 0;
}

int main(void)
{
    char errors[4096] = "";
    AioConfig cfg;
    aio_config_init(&cfg);
    cfg.write = collect;
    cfg.user = errors;

    AioVM *a = aio_new(&cfg);
    AioVM *b = aio_new(&cfg);
    if (!a || !b) return 1;

    /* Each VM has its own globals: x means different things in each. */
    const char *setup_a = "x = 'first VM'\nprint('a says', x)\n";
    const char *setup_b = "x = [n * n for n in range(4)]\nprint('b says', x)\n";
    AioResult ra = aio_run_source(a, "<a>", setup_a, strlen(setup_a));
    AioResult rb = aio_run_source(b, "<b>", setup_b, strlen(setup_b));
    printf("results: %d %d\n", ra, rb);

    /* Async code runs on the VM's own event loop. */
    const char *async_src = "async def f(n):\n    await sleep(0.01)\n    return n + 1\nprint(await f(41))\n";
    printf("async: %d\n", aio_run_source(a, "<async>", async_src, strlen(async_src)));

    /* A runtime error: the traceback goes to the writer, the status is 1. */
    const char *bad = "def f():\n    return 1 / 0\nf()\n";
    AioResult r = aio_run_source(b, "<bad>", bad, strlen(bad));
    fflush(stdout);
    printf("runtime error: result %d, exit status %d\n", r, aio_exit_status(b));
    /* A compile error: diagnostics go to the writer too. */
    const char *syntax = "x = (1,\n";
    printf("compile error: result %d\n", aio_run_source(a, "<syntax>", syntax, strlen(syntax)));
    printf("collected:\n%s", errors);

    aio_free(a);
    aio_free(b);
    return 0;
}
