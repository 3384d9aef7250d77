/* vm_internal.h - the VM state struct shared by the files of vm/ (not public). */
#ifndef AIO_VM_INTERNAL_H
#define AIO_VM_INTERNAL_H

#include <lua.h>
#include <stdint.h>
#include "aio.h"
#include "buf.h"
#include "loop.h"

/* The Lua allocator's state (vm/mem.c). */
typedef struct MemState {
    uintptr_t heap_end;   /* brk heap end already given huge-page advice */
    int big_heap;         /* AioConfig.big_heap: malloc tuning + advice on */
    unsigned recheck;     /* allocations until the next sbrk(0) regardless */
} MemState;
/* Sets up the malloc settings; then mem_new_state makes a Lua state using m. */
void mem_init(MemState *m, int big_heap);
lua_State *mem_new_state(MemState *m);

struct AioVM {
    lua_State *L;       /* owned */
    MemState mem;       /* the allocator state of L */
    int rt_ref;         /* registry reference to the runtime table `aio` */
    AioConfig cfg;      /* argv points at argv_copy */
    char **argv_copy;   /* owned copies of the config's argv */
    int exit_status;
    LoopState loop;     /* the event loop (vm/loop.c); closed after the Lua state */
};

/* Writes through the configured write function. */
void vm_write(AioVM *vm, int is_error, const char *text, size_t len);
void vm_writef(AioVM *vm, int is_error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reads a whole file into *out. Returns 0, or -1 with errno set. */
int vm_read_file(const char *path, Buf *out);

/* Loads the runtime (stdlib/NN_*.lua files embedded in the binary) into a new state. */
int vm_load_runtime(AioVM *vm);

/* Compiles source to Lua text; writes diagnostics. Returns 0 or AIO_COMPILE_ERROR. */
int vm_compile(AioVM *vm, const char *path, const char *src, size_t len, int is_main, Buf *lua);

/* Bytecode files (vm/bytecode.c): the main chunk plus bundled modules. */
typedef struct BcChunk {
    const char *name, *path, *src, *code;   /* into the file's data when parsed */
    size_t namelen, pathlen, srclen, codelen;
    Buf own;                                /* owns code when writing (vm/modules.c) */
} BcChunk;
typedef struct BcFile {
    BcChunk main;
    BcChunk *mods;   /* owned array */
    int nmods;
} BcFile;
int  bc_is_compiled(const char *data, size_t len);
/* Appends a lua_dump of the function on top of the stack (kept) to *out. */
void bc_dump(lua_State *L, Buf *out);
int  bc_write(AioVM *vm, const char *out_path, const BcFile *f);
/* Parses a compiled file (checks the header); chunks point into data. */
int  bc_parse(AioVM *vm, const char *path, const char *data, size_t len, BcFile *f);
void bc_free(BcFile *f);

/* Loads Lua text (mode "t") or a verified aio bytecode body (mode "b") as a
 * function on the stack, chunk name "@path"; writes an internal error on failure. */
int vm_load_chunk(AioVM *vm, const char *code, size_t len, const char *path, const char *mode);

/* Modules (vm/modules.c): aio.host_load/host_compile; bundles in compiled files. */
void vm_modules_open(AioVM *vm);
int vm_install_bundle(AioVM *vm, const BcFile *f);
/* Writes the compiled file: main chunk (function on top of the stack, kept) + imported modules. */
AioResult vm_write_bundle(AioVM *vm, const char *out_path, const char *path, const Buf *src, const Buf *lua);

#endif
