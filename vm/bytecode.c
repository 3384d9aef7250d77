/* bytecode.c - the compiled-file format written by `aio compile`:
 *
 *   "\x1bAIO " AIO_VERSION "\n"          header: refuses other versions
 *   u32 little-endian length + source file name
 *   u32 little-endian length + source text   (for tracebacks)
 *   the rest: a Lua 5.4 binary chunk (lua_dump, with line info)
 *
 * Only files with this header are ever loaded in binary mode, so arbitrary Lua
 * bytecode (which the Lua VM does not verify) is never run. */
#include "vm_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BC_MAGIC "\x1b" "AIO "
#define BC_HEADER BC_MAGIC AIO_VERSION "\n"

int bc_is_compiled(const char *data, size_t len)
{
    return len >= 5 && memcmp(data, BC_MAGIC, 5) == 0;
}

static void bc_put_u32(Buf *b, size_t v)
{
    unsigned char c[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_add(b, (const char *)c, 4);
}

static int bc_dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    buf_add(ud, p, sz);
    return 0;
}

int bc_write(AioVM *vm, const char *out_path, const char *src_name, const char *src, size_t srclen)
{
    Buf b;
    buf_init(&b);
    buf_puts(&b, BC_HEADER);
    bc_put_u32(&b, strlen(src_name));
    buf_puts(&b, src_name);
    bc_put_u32(&b, srclen);
    buf_add(&b, src, srclen);
    lua_dump(vm->L, bc_dump_writer, &b, 0);
    FILE *f = fopen(out_path, "wb");
    int ok = f && fwrite(b.data, 1, b.len, f) == b.len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) vm_writef(vm, 1, "aio: can't write '%s': %s\n", out_path, strerror(errno));
    buf_free(&b);
    return ok ? 0 : -1;
}

static int bc_get_u32(const char **p, const char *end, size_t *v)
{
    if (end - *p < 4) return -1;
    const unsigned char *u = (const unsigned char *)*p;
    *v = (size_t)u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16 | (size_t)u[3] << 24;
    *p += 4;
    return (size_t)(end - *p) < *v ? -1 : 0;
}

int bc_parse(AioVM *vm, const char *path, const char *data, size_t len, const char **name,
             size_t *namelen, const char **src, size_t *srclen, const char **code, size_t *codelen)
{
    size_t hl = strlen(BC_HEADER);
    if (len < hl || memcmp(data, BC_HEADER, hl) != 0) {
        const char *nl = memchr(data, '\n', len < 64 ? len : 64);
        int vl = nl ? (int)(nl - data - 5) : 0;
        vm_writef(vm, 1, "aio: '%s' was compiled by aio %.*s; this is aio %s (recompile it)\n", path,
                  vl > 0 ? vl : 1, vl > 0 ? data + 5 : "?", AIO_VERSION);
        return -1;
    }
    const char *p = data + hl, *end = data + len;
    if (bc_get_u32(&p, end, namelen) != 0) goto bad;
    *name = p;
    p += *namelen;
    if (bc_get_u32(&p, end, srclen) != 0) goto bad;
    *src = p;
    p += *srclen;
    *code = p;
    *codelen = (size_t)(end - p);
    if (*codelen < 4 || memcmp(p, LUA_SIGNATURE, 4) != 0) goto bad;
    return 0;
bad:
    vm_writef(vm, 1, "aio: '%s' is a damaged compiled file (recompile it)\n", path);
    return -1;
}
