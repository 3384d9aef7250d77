/* bytecode.c - the compiled-file format written by `aio compile`:
 *
 *   "\x1bAIO " AIO_VERSION " (format 2)\n"   header: refuses other versions
 *   u32 little-endian count of chunks (>= 1): the main script, then every
 *   module file it imports (see vm/modules.c); each chunk is
 *     u32 length + module name ("__main__" for the first)
 *     u32 length + source file path  (chunk name, for tracebacks and imports)
 *     u32 length + source text       (for tracebacks)
 *     u32 length + a Lua 5.4 binary chunk (lua_dump, with line info)
 *
 * Only files with this header are ever loaded in binary mode, so arbitrary Lua
 * bytecode (which the Lua VM does not verify) is never run. */
#include "vm_internal.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define BC_MAGIC "\x1b" "AIO "
#define BC_VERSION AIO_VERSION " (format 2)"
#define BC_HEADER BC_MAGIC BC_VERSION "\n"

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

void bc_dump(lua_State *L, Buf *out) { lua_dump(L, bc_dump_writer, out, 0); }

static void bc_put_str(Buf *b, const char *s, size_t len)
{
    bc_put_u32(b, len);
    buf_add(b, s, len);
}

static void bc_put_chunk(Buf *b, const BcChunk *c)
{
    bc_put_str(b, c->name, c->namelen);
    bc_put_str(b, c->path, c->pathlen);
    bc_put_str(b, c->src, c->srclen);
    bc_put_str(b, c->code, c->codelen);
}

int bc_write(AioVM *vm, const char *out_path, const BcFile *bf)
{
    Buf b;
    buf_init(&b);
    buf_puts(&b, BC_HEADER);
    bc_put_u32(&b, (size_t)bf->nmods + 1);
    bc_put_chunk(&b, &bf->main);
    for (int i = 0; i < bf->nmods; i++) bc_put_chunk(&b, &bf->mods[i]);
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

/* Reads one length-prefixed string. */
static int bc_get_str(const char **p, const char *end, const char **s, size_t *len)
{
    if (bc_get_u32(p, end, len) != 0) return -1;
    *s = *p;
    *p += *len;
    return 0;
}

static int bc_get_chunk(const char **p, const char *end, BcChunk *c)
{
    memset(c, 0, sizeof *c);
    if (bc_get_str(p, end, &c->name, &c->namelen) != 0 || bc_get_str(p, end, &c->path, &c->pathlen) != 0 ||
        bc_get_str(p, end, &c->src, &c->srclen) != 0 || bc_get_str(p, end, &c->code, &c->codelen) != 0)
        return -1;
    return c->codelen >= 4 && memcmp(c->code, LUA_SIGNATURE, 4) == 0 ? 0 : -1;
}

int bc_parse(AioVM *vm, const char *path, const char *data, size_t len, BcFile *bf)
{
    memset(bf, 0, sizeof *bf);
    size_t hl = strlen(BC_HEADER);
    if (len < hl || memcmp(data, BC_HEADER, hl) != 0) {
        const char *nl = memchr(data, '\n', len < 64 ? len : 64);
        int vl = nl ? (int)(nl - data - 5) : 0;
        vm_writef(vm, 1, "aio: '%s' was compiled by aio %.*s; this is aio %s (recompile it)\n", path,
                  vl > 0 ? vl : 1, vl > 0 ? data + 5 : "?", BC_VERSION);
        return -1;
    }
    const char *p = data + hl, *end = data + len;
    size_t n;
    if (end - p < 4) goto bad;
    bc_get_u32(&p, end, &n);
    if (n < 1 || n > (size_t)(end - p) / 16) goto bad;
    if (bc_get_chunk(&p, end, &bf->main) != 0) goto bad;
    bf->mods = calloc(n, sizeof *bf->mods);
    if (!bf->mods) goto bad;
    for (size_t i = 1; i < n; i++) {
        if (bc_get_chunk(&p, end, &bf->mods[bf->nmods]) != 0) goto bad;
        bf->nmods++;
    }
    if (p != end) goto bad;
    return 0;
bad:
    bc_free(bf);
    vm_writef(vm, 1, "aio: '%s' is a damaged compiled file (recompile it)\n", path);
    return -1;
}

void bc_free(BcFile *bf)
{
    free(bf->mods);
    bf->mods = NULL;
    bf->nmods = 0;
}
