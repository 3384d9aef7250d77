/* aio.h - the embedding API: run aio scripts from a C program.
 *
 * The life cycle is: fill an AioConfig (aio_config_init gives the defaults),
 * create a VM with aio_new, run code with aio_run_file / aio_run_source, then
 * aio_free. A VM holds everything it needs (the Lua state, the runtime, the
 * loaded modules); the library has no global state, so several VMs can live
 * side by side in one process, each used by one thread at a time.
 *
 * The `aio` command (vm/main.c) is a thin client of exactly this API.
 */
#ifndef AIO_H
#define AIO_H

#include <stddef.h>

#define AIO_VERSION "0.1.0"

typedef struct AioVM AioVM;

/* Writes text produced by the VM. `is_error` is 1 for diagnostics and
 * tracebacks (stderr in the aio command), 0 for compile-only output such as
 * --emit-lua. Scripts' print() goes to the C stdout stream. */
typedef void (*AioWriteFn)(AioVM *vm, const char *text, size_t len, int is_error, void *user);

typedef struct AioConfig {
    /* Receives diagnostics and tracebacks. If NULL, defaults to writing to
     * stderr (is_error) or stdout. */
    AioWriteFn write;
    /* Handed back to `write`; never touched by the VM. Default NULL. */
    void *user;
    /* The script's sys.argv: argc strings, copied by aio_new. argv[0] is the
     * script name. Default: none. */
    int argc;
    const char *const *argv;
    /* 1: tune the process's malloc for programs with many live objects (the
     * heap grows in 64 MB steps advised as transparent huge pages; far fewer
     * page faults with 100k tasks). The settings are process-wide, so this is
     * for hosts that own the process, like the aio command. Default 0. */
    int big_heap;
} AioConfig;

/* Result of running or compiling code. */
typedef enum {
    AIO_OK = 0,
    AIO_RUNTIME_ERROR = 1,  /* an uncaught exception; its traceback was written */
    AIO_COMPILE_ERROR = 2,  /* diagnostics were written */
    AIO_IO_ERROR = 3        /* a file could not be read or written; one line was written */
} AioResult;

void aio_config_init(AioConfig *cfg);

/* Creates a VM with the runtime loaded. Returns NULL only when out of memory.
 * The config is copied. */
AioVM *aio_new(const AioConfig *cfg);
void aio_free(AioVM *vm);

/* Runs a script file (source, or bytecode written by aio_compile_file) as
 * the main module. On AIO_RUNTIME_ERROR, aio_exit_status tells the process
 * exit status the script asked for (1 for an uncaught exception). */
AioResult aio_run_file(AioVM *vm, const char *path);

/* Runs source text as the main module; `name` appears in tracebacks
 * (e.g. "<string>"). `src` is borrowed for the duration of the call. */
AioResult aio_run_source(AioVM *vm, const char *name, const char *src, size_t len);

/* Exit status of the last run: 0, 1 after an uncaught exception, or the
 * status passed to sys.exit. */
int aio_exit_status(const AioVM *vm);

/* Compiles a source file and writes the Lua translation through `write`
 * (is_error 0). */
AioResult aio_emit_lua(AioVM *vm, const char *path);

/* Compiles a source file only, writing diagnostics. */
AioResult aio_check_file(AioVM *vm, const char *path);

/* Compiles a source file to a bytecode file that aio_run_file can run. The
 * file starts with a header naming this aio version; other versions refuse it. */
AioResult aio_compile_file(AioVM *vm, const char *path, const char *out_path);

/* Makes the script raise KeyboardInterrupt at its next instruction (Ctrl-C).
 * Async-signal-safe: call it from a SIGINT handler. An uncaught
 * KeyboardInterrupt ends the run with exit status 130. */
void aio_interrupt(AioVM *vm);

#endif
