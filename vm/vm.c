/* vm.c - the VM life cycle and running code: creating the Lua state, loading
 * the runtime, compiling and running a main module (see aio.h). */
#include "vm_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "embedded.h"
#include "native.h"

static void vm_default_write(AioVM *vm, const char *text, size_t len, int is_error, void *user)
{
    FILE *f = is_error ? stderr : stdout;
    if (is_error) fflush(stdout);
    fwrite(text, 1, len, f);
}

void aio_config_init(AioConfig *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->write = vm_default_write;
}

void vm_write(AioVM *vm, int is_error, const char *text, size_t len)
{
    vm->cfg.write(vm, text, len, is_error, vm->cfg.user);
}

void vm_writef(AioVM *vm, int is_error, const char *fmt, ...)
{
    Buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    vm_write(vm, is_error, b.data ? b.data : "", b.len);
    buf_free(&b);
}

int vm_read_file(const char *path, Buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(out, chunk, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        errno = EIO;
        return -1;
    }
    if (!out->data) buf_add(out, "", 0);
    return 0;
}

/* Pushes the runtime table. */
static void vm_push_rt(AioVM *vm) { lua_rawgeti(vm->L, LUA_REGISTRYINDEX, vm->rt_ref); }

/* Loads embedded chunk e as a function (chunk name as in tracebacks). */
static int vm_load_embedded(lua_State *L, const AioEmbedded *e)
{
    char name[128];
    snprintf(name, sizeof name, "=[aio runtime %s]", e->name);
    return luaL_loadbufferx(L, e->data, e->len, name, "b");
}

/* run(aio): runs a lazily-loaded runtime file (upvalue: its AioEmbedded)
 * on first use; load errors are runtime bugs, raised as Lua errors. */
static int vm_lua_run_lazy(lua_State *L)
{
    const AioEmbedded *e = lua_touserdata(L, lua_upvalueindex(1));
    if (vm_load_embedded(L, e) != LUA_OK) return lua_error(L);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 0);
    return 0;
}

/* Files named in aio.lazy_files (01_modreg.lua) are not run at start-up:
 * aio.register_lazy(name, module, run) installs a loader that runs them on
 * first import. Returns 1 if e was registered lazily, 0 to run it now. */
static int vm_defer_runtime_file(AioVM *vm, const AioEmbedded *e)
{
    lua_State *L = vm->L;
    vm_push_rt(vm);
    int rt = lua_gettop(L);
    if (lua_getfield(L, rt, "lazy_files") != LUA_TTABLE || lua_getfield(L, -1, e->name) != LUA_TSTRING) {
        lua_settop(L, rt - 1);
        return 0;
    }
    lua_getfield(L, rt, "register_lazy");
    lua_pushstring(L, e->name);
    lua_pushvalue(L, -3);
    lua_pushlightuserdata(L, (void *)e);
    lua_pushcclosure(L, vm_lua_run_lazy, 1);
    lua_call(L, 3, 0);
    lua_settop(L, rt - 1);
    return 1;
}

int vm_load_runtime(AioVM *vm)
{
    lua_State *L = vm->L;
    for (const AioEmbedded *e = aio_embedded; e->name; e++) {
        size_t n = strlen(e->name);
        if (n > 4 && strcmp(e->name + n - 4, ".aio") == 0) continue;   /* modules.c: on import */
        if (vm_defer_runtime_file(vm, e)) continue;
        if (vm_load_embedded(L, e) != LUA_OK) goto fail;
        vm_push_rt(vm);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) goto fail;
    }
    return 0;
fail:
    vm_writef(vm, 1, "aio: internal error while loading the runtime: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    return -1;
}

static void vm_set_argv(AioVM *vm)
{
    lua_State *L = vm->L;
    vm_push_rt(vm);
    lua_createtable(L, vm->cfg.argc, 0);
    for (int i = 0; i < vm->cfg.argc; i++) {
        lua_pushstring(L, vm->cfg.argv[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "argv");
    lua_newtable(L);
    lua_setfield(L, -2, "sources");
    lua_pop(L, 1);
}

/* aio.native.write_error(text, ...): tracebacks and warnings from the
 * runtime go through the embedder's writer, not straight to stderr. */
static int vm_lua_write_error(lua_State *L)
{
    AioVM *vm = lua_touserdata(L, lua_upvalueindex(1));
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_checklstring(L, i, &len);
        vm_write(vm, 1, s, len);
    }
    return 0;
}

AioVM *aio_new(const AioConfig *cfg)
{
    AioVM *vm = calloc(1, sizeof *vm);
    if (!vm) return NULL;
    vm->cfg = *cfg;
    if (!vm->cfg.write) vm->cfg.write = vm_default_write;
    vm->argv_copy = calloc((size_t)cfg->argc + 1, sizeof(char *));
    for (int i = 0; i < cfg->argc; i++) vm->argv_copy[i] = strdup(cfg->argv[i]);
    vm->cfg.argv = (const char *const *)vm->argv_copy;
    mem_init(&vm->mem, cfg->big_heap);
    vm->L = mem_new_state(&vm->mem);
    if (!vm->L) {
        aio_free(vm);
        return NULL;
    }
    luaL_openlibs(vm->L);
    if (loop_init(&vm->loop, vm->L) != 0) {
        aio_free(vm);
        return NULL;
    }
    lua_newtable(vm->L);
    lua_newtable(vm->L);
    native_open_all(vm->L);
    lua_pushlightuserdata(vm->L, vm);
    lua_pushcclosure(vm->L, vm_lua_write_error, 1);
    lua_setfield(vm->L, -2, "write_error");
    lua_setfield(vm->L, -2, "native");
    vm->rt_ref = luaL_ref(vm->L, LUA_REGISTRYINDEX);
    vm_set_argv(vm);
    vm_modules_open(vm);
    if (vm_load_runtime(vm) != 0) {
        aio_free(vm);
        return NULL;
    }
    return vm;
}

void aio_free(AioVM *vm)
{
    if (!vm) return;
    loop_shutdown(&vm->loop);
    if (vm->L) lua_close(vm->L);
    loop_close(&vm->loop);
    if (vm->argv_copy) {
        for (int i = 0; i < vm->cfg.argc; i++) free(vm->argv_copy[i]);
        free(vm->argv_copy);
    }
    free(vm);
}

int aio_exit_status(const AioVM *vm) { return vm->exit_status; }

int vm_compile(AioVM *vm, const char *path, const char *src, size_t len, int is_main, Buf *lua)
{
    CompileOptions opt = {.filename = path, .is_main = is_main};
    Diag diag;
    diag_init(&diag, path, src, len);
    int nerr = aio_compile(src, len, &opt, lua, &diag);
    if (nerr) {
        vm_write(vm, 1, diag.text.data ? diag.text.data : "", diag.text.len);
        if (nerr > DIAG_MAX) vm_writef(vm, 1, "%d more errors not shown\n", nerr - DIAG_MAX);
    }
    diag_free(&diag);
    return nerr ? AIO_COMPILE_ERROR : 0;
}

/* Loads Lua text (mode "t") or an aio bytecode body (mode "b") as a function. */
int vm_load_chunk(AioVM *vm, const char *code, size_t len, const char *path, const char *mode)
{
    Buf chunkname;
    buf_init(&chunkname);
    buf_printf(&chunkname, "@%s", path);
    int rc = luaL_loadbufferx(vm->L, code, len, chunkname.data, mode);
    buf_free(&chunkname);
    if (rc != LUA_OK) {
        /* The compiler's output failed to load: a compiler bug, never the user's. */
        vm_writef(vm, 1, "aio: internal compiler error in %s: %s\n", path, lua_tostring(vm->L, -1));
        lua_pop(vm->L, 1);
        return -1;
    }
    return 0;
}

/* Runs the function on top of the stack as the main module via aio.run_main. */
static AioResult vm_run_main_fn(AioVM *vm, const char *path, const char *src, size_t srclen)
{
    lua_State *L = vm->L;
    int fn = lua_gettop(L);
    vm_push_rt(vm);
    int rt = lua_gettop(L);
    lua_getfield(L, rt, "sources");
    lua_pushfstring(L, "@%s", path);
    lua_pushlstring(L, src, srclen);
    lua_settable(L, -3);
    lua_pop(L, 1);
    lua_getfield(L, rt, "new_module");
    lua_pushstring(L, "__main__");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) goto internal;
    if (!lua_setupvalue(L, fn, 1)) lua_pop(L, 1);
    lua_getfield(L, rt, "run_main");
    lua_pushvalue(L, fn);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) goto internal;
    vm->exit_status = (int)lua_tointeger(L, -1);
    lua_settop(L, fn - 1);
    fflush(stdout);
    return vm->exit_status == 0 ? AIO_OK : AIO_RUNTIME_ERROR;
internal:
    vm_writef(vm, 1, "aio: internal error: %s\n", lua_tostring(L, -1));
    lua_settop(L, fn - 1);
    vm->exit_status = 1;
    return AIO_RUNTIME_ERROR;
}

AioResult aio_run_source(AioVM *vm, const char *name, const char *src, size_t len)
{
    Buf lua;
    buf_init(&lua);
    AioResult r = AIO_COMPILE_ERROR;
    if (vm_compile(vm, name, src, len, 1, &lua) == 0 &&
        vm_load_chunk(vm, lua.data, lua.len, name, "t") == 0)
        r = vm_run_main_fn(vm, name, src, len);
    else
        vm->exit_status = 2;
    buf_free(&lua);
    return r;
}

static AioResult vm_open_error(AioVM *vm, const char *path)
{
    vm_writef(vm, 1, "aio: can't open file '%s': %s\n", path, strerror(errno));
    vm->exit_status = 2;
    return AIO_IO_ERROR;
}

AioResult aio_run_file(AioVM *vm, const char *path)
{
    Buf data;
    buf_init(&data);
    if (vm_read_file(path, &data) != 0) {
        buf_free(&data);
        return vm_open_error(vm, path);
    }
    AioResult r;
    if (bc_is_compiled(data.data, data.len)) {
        BcFile bf;
        r = AIO_IO_ERROR;
        vm->exit_status = 2;
        if (bc_parse(vm, path, data.data, data.len, &bf) == 0) {
            const BcChunk *m = &bf.main;
            char *n = strndup(m->path, m->pathlen);
            /* the bundled modules are loaded (not run) before the main chunk */
            if (vm_install_bundle(vm, &bf) == 0 && vm_load_chunk(vm, m->code, m->codelen, n, "b") == 0)
                r = vm_run_main_fn(vm, n, m->src, m->srclen);
            free(n);
            bc_free(&bf);
        }
    } else {
        r = aio_run_source(vm, path, data.data, data.len);
    }
    buf_free(&data);
    return r;
}

/* Reads and compiles a file to Lua text in *lua. */
static AioResult vm_compile_file(AioVM *vm, const char *path, Buf *src, Buf *lua)
{
    if (vm_read_file(path, src) != 0) return vm_open_error(vm, path);
    if (vm_compile(vm, path, src->data, src->len, 1, lua) != 0) {
        vm->exit_status = 2;
        return AIO_COMPILE_ERROR;
    }
    return AIO_OK;
}

AioResult aio_emit_lua(AioVM *vm, const char *path)
{
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    AioResult r = vm_compile_file(vm, path, &src, &lua);
    if (r == AIO_OK) {
        vm_write(vm, 0, lua.data ? lua.data : "", lua.len);
        if (lua.len && lua.data[lua.len - 1] != '\n') vm_write(vm, 0, "\n", 1);
    }
    buf_free(&src);
    buf_free(&lua);
    return r;
}

AioResult aio_check_file(AioVM *vm, const char *path)
{
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    AioResult r = vm_compile_file(vm, path, &src, &lua);
    /* A successful check also proves the generated Lua loads. */
    if (r == AIO_OK && vm_load_chunk(vm, lua.data, lua.len, path, "t") == 0) lua_pop(vm->L, 1);
    buf_free(&src);
    buf_free(&lua);
    return r;
}

AioResult aio_compile_file(AioVM *vm, const char *path, const char *out_path)
{
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    AioResult r = vm_compile_file(vm, path, &src, &lua);
    if (r == AIO_OK) {
        if (vm_load_chunk(vm, lua.data, lua.len, path, "t") != 0) {
            r = AIO_COMPILE_ERROR;
        } else {
            r = vm_write_bundle(vm, out_path, path, &src, &lua);
            lua_pop(vm->L, 1);
        }
    }
    buf_free(&src);
    buf_free(&lua);
    return r;
}
