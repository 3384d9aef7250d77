/* modules.c - the host side of `import`: compiling and loading module files
 * for the runtime's import machinery (stdlib/60_import.lua), and bundles of
 * modules inside compiled files (`aio compile`, format in vm/bytecode.c).
 *
 * The runtime table gets two functions (they reach the VM through an upvalue):
 *   aio.host_load(path)     -> chunk function, or nil, kind, message
 *   aio.host_compile(path)  -> Lua text, or nil, kind, message
 *   aio.host_stdlib(name[, load]) -> is stdlib/NAME.aio built in / its chunk
 * kind is "io" (unreadable file) or "syntax" (compile error; message is
 * Python's "msg (file, line N)"). Loading registers the source in aio.sources
 * so tracebacks show the module's lines. */
#include "vm_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "embedded.h"

/* Pushes nil, kind, message and returns 3. */
static int mod_fail(lua_State *L, const char *kind, const char *msg)
{
    lua_pushnil(L);
    lua_pushstring(L, kind);
    lua_pushstring(L, msg);
    return 3;
}

/* Turns the first diagnostic "file:line:col: error: msg" into Python's
 * SyntaxError text "msg (file, line N)". */
static void mod_syntax_message(const char *diag, const char *path, Buf *out)
{
    const char *nl = strchr(diag, '\n');
    size_t first = nl ? (size_t)(nl - diag) : strlen(diag);
    size_t plen = strlen(path);
    long line = 0;
    const char *msg = diag;
    size_t mlen = first;
    if (first > plen && strncmp(diag, path, plen) == 0 && diag[plen] == ':') {
        char *end;
        line = strtol(diag + plen + 1, &end, 10);
        const char *tag = strstr(end, "error: ");
        if (tag && tag < diag + first) {
            msg = tag + 7;
            mlen = first - (size_t)(msg - diag);
        }
    }
    buf_add(out, msg, mlen);
    buf_printf(out, " (%s, line %ld)", path, line);
}

static int mod_compile_src(lua_State *L, const char *path, const Buf *src, Buf *lua);

/* Reads and compiles a module file. Returns 0, or pushes the failure triple
 * and returns its count. */
static int mod_compile(lua_State *L, const char *path, Buf *src, Buf *lua)
{
    if (vm_read_file(path, src) != 0) {
        Buf m;
        buf_init(&m);
        buf_printf(&m, "[Errno %d] %s: '%s'", errno, strerror(errno), path);
        int n = mod_fail(L, "io", m.data);
        buf_free(&m);
        return n;
    }
    return mod_compile_src(L, path, src, lua);
}

/* Compiles module source src (named path in messages). */
static int mod_compile_src(lua_State *L, const char *path, const Buf *src, Buf *lua)
{
    CompileOptions opt = {.filename = path, .is_main = 0};
    Diag diag;
    diag_init(&diag, path, src->data, src->len);
    int nerr = aio_compile(src->data, src->len, &opt, lua, &diag);
    int n = 0;
    if (nerr) {
        Buf m;
        buf_init(&m);
        mod_syntax_message(diag.text.data ? diag.text.data : "invalid syntax", path, &m);
        n = mod_fail(L, "syntax", m.data);
        buf_free(&m);
    }
    diag_free(&diag);
    return n;
}

/* Stores src as aio.sources["@path"] (rt at index rt). */
static void mod_register_source(lua_State *L, int rt, const char *path, const char *src, size_t len)
{
    lua_getfield(L, rt, "sources");
    lua_pushfstring(L, "@%s", path);
    lua_pushlstring(L, src, len);
    lua_settable(L, -3);
    lua_pop(L, 1);
}

/* Loads compiled module text lua (source src, for tracebacks) as a chunk
 * function; returns the number of results pushed. */
static int mod_load_chunk(lua_State *L, AioVM *vm, const char *path, const Buf *src, const Buf *lua)
{
    /* L may be a coroutine's thread (the main module runs in a task), so
     * load onto L itself, not the VM's main thread. */
    lua_pushfstring(L, "@%s", path);
    int rc = luaL_loadbufferx(L, lua->data, lua->len, lua_tostring(L, -1), "t");
    lua_remove(L, -2);
    if (rc != LUA_OK) {
        lua_pushfstring(L, "internal compiler error: %s", lua_tostring(L, -1));
        return mod_fail(L, "syntax", lua_tostring(L, -1));
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->rt_ref);
    mod_register_source(L, lua_gettop(L), path, src->data, src->len);
    lua_pop(L, 1);
    return 1;
}

static int mod_host_load(lua_State *L)
{
    AioVM *vm = lua_touserdata(L, lua_upvalueindex(1));
    const char *path = luaL_checkstring(L, 1);
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    int n = mod_compile(L, path, &src, &lua);
    if (n == 0) n = mod_load_chunk(L, vm, path, &src, &lua);
    buf_free(&src);
    buf_free(&lua);
    return n;
}

/* The module `name` written in aio among the embedded stdlib files
 * (stdlib/NAME.aio), or NULL. */
static const AioEmbedded *mod_stdlib_find(const char *name)
{
    size_t n = strlen(name);
    for (const AioEmbedded *e = aio_embedded; e->name; e++)
        if (strncmp(e->name, name, n) == 0 && strcmp(e->name + n, ".aio") == 0) return e;
    return NULL;
}

/* aio.host_stdlib(name, load): without load, whether stdlib/NAME.aio is
 * built in; with it, that module compiled to a chunk function (as
 * host_load; tracebacks name it "<stdlib>/NAME.aio"). */
static int mod_host_stdlib(lua_State *L)
{
    AioVM *vm = lua_touserdata(L, lua_upvalueindex(1));
    const char *name = luaL_checkstring(L, 1);
    const AioEmbedded *e = mod_stdlib_find(name);
    if (!lua_toboolean(L, 2) || !e) {
        lua_pushboolean(L, e != NULL);
        return 1;
    }
    Buf src, lua, path;
    buf_init(&src);
    buf_init(&lua);
    buf_init(&path);
    buf_add(&src, e->data, e->len);
    buf_printf(&path, "<stdlib>/%s", e->name);
    int n = mod_compile_src(L, path.data, &src, &lua);
    if (n == 0) n = mod_load_chunk(L, vm, path.data, &src, &lua);
    buf_free(&src);
    buf_free(&lua);
    buf_free(&path);
    return n;
}

static int mod_host_compile(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    int n = mod_compile(L, path, &src, &lua);
    if (n == 0) {
        lua_pushlstring(L, lua.data ? lua.data : "", lua.len);
        n = 1;
    }
    buf_free(&src);
    buf_free(&lua);
    return n;
}

void vm_modules_open(AioVM *vm)
{
    lua_State *L = vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->rt_ref);
    lua_pushlightuserdata(L, vm);
    lua_pushcclosure(L, mod_host_load, 1);
    lua_setfield(L, -2, "host_load");
    lua_pushlightuserdata(L, vm);
    lua_pushcclosure(L, mod_host_stdlib, 1);
    lua_setfield(L, -2, "host_stdlib");
    lua_pushlightuserdata(L, vm);
    lua_pushcclosure(L, mod_host_compile, 1);
    lua_setfield(L, -2, "host_compile");
    lua_pushstring(L, AIO_VERSION);
    lua_setfield(L, -2, "version");
    lua_pop(L, 1);
}

/* ---- bundles ---- */

/* Installs the modules of a compiled file: each chunk is loaded (not run)
 * into aio.bundle[path] = {name=, fn=}, its source registered. */
int vm_install_bundle(AioVM *vm, const BcFile *f)
{
    lua_State *L = vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->rt_ref);
    int rt = lua_gettop(L);
    lua_newtable(L);
    int bundle = lua_gettop(L);
    int rc = 0;
    for (int i = 0; i < f->nmods && rc == 0; i++) {
        const BcChunk *c = &f->mods[i];
        char *path = strndup(c->path, c->pathlen);
        if (vm_load_chunk(vm, c->code, c->codelen, path, "b") != 0) {
            rc = -1;
        } else {
            lua_createtable(L, 0, 2);
            lua_insert(L, -2);
            lua_setfield(L, -2, "fn");
            lua_pushlstring(L, c->name, c->namelen);
            lua_setfield(L, -2, "name");
            lua_setfield(L, bundle, path);
            mod_register_source(L, rt, path, c->src, c->srclen);
        }
        free(path);
    }
    lua_setfield(L, rt, "bundle");
    lua_pop(L, 1);
    return rc;
}

/* Appends one chunk (its function on top of the stack, popped) to *chunks. */
static void mod_add_chunk(AioVM *vm, BcChunk *c, const char *name, const char *path,
                          const char *src, size_t srclen)
{
    Buf *code = &c->own;
    buf_init(code);
    bc_dump(vm->L, code);
    lua_pop(vm->L, 1);
    c->name = strdup(name);
    c->namelen = strlen(name);
    c->path = strdup(path);
    c->pathlen = strlen(path);
    c->src = memcpy(malloc(srclen + 1), src, srclen);
    c->srclen = srclen;
    c->code = code->data;
    c->codelen = code->len;
}

static void mod_free_chunk(BcChunk *c)
{
    free((char *)c->name);
    free((char *)c->path);
    free((char *)c->src);
    buf_free(&c->own);
}

/* Asks the runtime (aio.bundle_collect) which module files the program
 * imports; leaves a Lua array of {name=, path=} on the stack, or writes the
 * error and returns -1. */
static int mod_collect(AioVM *vm, const char *path, const Buf *lua)
{
    lua_State *L = vm->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, vm->rt_ref);
    lua_getfield(L, -1, "bundle_collect");
    lua_remove(L, -2);
    lua_pushstring(L, path);
    lua_pushlstring(L, lua->data ? lua->data : "", lua->len);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        vm_writef(vm, 1, "aio: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
        return -1;
    }
    return 0;
}

/* Loads one collected module (entry table at `idx`) into chunk c. */
static int mod_bundle_one(AioVM *vm, int idx, BcChunk *c)
{
    lua_State *L = vm->L;
    lua_getfield(L, idx, "name");
    lua_getfield(L, idx, "path");
    const char *name = lua_tostring(L, -2), *mpath = lua_tostring(L, -1);
    Buf src, lua;
    buf_init(&src);
    buf_init(&lua);
    int rc = -1;
    if (vm_read_file(mpath, &src) != 0) {
        vm_writef(vm, 1, "aio: can't open file '%s': %s\n", mpath, strerror(errno));
    } else if (vm_compile(vm, mpath, src.data, src.len, 0, &lua) == 0 &&
               vm_load_chunk(vm, lua.data, lua.len, mpath, "t") == 0) {
        mod_add_chunk(vm, c, name, mpath, src.data, src.len);
        rc = 0;
    }
    lua_pop(L, 2);
    buf_free(&src);
    buf_free(&lua);
    return rc;
}

/* `aio compile` with imports: the main chunk (function on top of the stack,
 * left there) plus every module file the program imports, resolved now. */
AioResult vm_write_bundle(AioVM *vm, const char *out_path, const char *path, const Buf *src,
                          const Buf *lua)
{
    lua_State *L = vm->L;
    BcFile f = {0};
    lua_pushvalue(L, -1);
    mod_add_chunk(vm, &f.main, "__main__", path, src->data ? src->data : "", src->len);
    AioResult r = AIO_OK;
    if (mod_collect(vm, path, lua) != 0) {
        r = AIO_COMPILE_ERROR;
    } else {
        int list = lua_gettop(L);
        int n = (int)lua_rawlen(L, list);
        f.mods = calloc((size_t)n + 1, sizeof *f.mods);
        for (int i = 1; i <= n && r == AIO_OK; i++) {
            lua_rawgeti(L, list, i);
            if (mod_bundle_one(vm, lua_gettop(L), &f.mods[f.nmods]) != 0) r = AIO_COMPILE_ERROR;
            else f.nmods++;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    if (r == AIO_OK && bc_write(vm, out_path, &f) != 0) r = AIO_IO_ERROR;
    mod_free_chunk(&f.main);
    for (int i = 0; i < f.nmods; i++) mod_free_chunk(&f.mods[i]);
    free(f.mods);
    return r;
}
