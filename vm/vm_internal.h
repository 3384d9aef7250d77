/* vm_internal.h - the VM state struct shared by the files of vm/ (not public). */
#ifndef AIO_VM_INTERNAL_H
#define AIO_VM_INTERNAL_H

#include <lua.h>
#include "aio.h"
#include "buf.h"

struct AioVM {
    lua_State *L;       /* owned */
    int rt_ref;         /* registry reference to the runtime table `aio` */
    AioConfig cfg;      /* argv points at argv_copy */
    char **argv_copy;   /* owned copies of the config's argv */
    int exit_status;
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

/* Bytecode files (vm/bytecode.c). */
int  bc_is_compiled(const char *data, size_t len);
/* Writes header + source + Lua dump of the function on top of the stack. */
int  bc_write(AioVM *vm, const char *out_path, const char *src_name, const char *src, size_t srclen);
/* Parses a compiled file: checks the header, returns pointers into data. */
int  bc_parse(AioVM *vm, const char *path, const char *data, size_t len,
              const char **name, size_t *namelen, const char **src, size_t *srclen,
              const char **code, size_t *codelen);

#endif
