/* re_native.c - the regular-expression engine behind the re module
 * (stdlib/re.aio), through PCRE2 (Debian's libpcre2-8): compiling a Python
 * pattern, and finding the next match with Python's rules for empty
 * matches. Everything else (Match and Pattern objects, sub templates,
 * split, the cache) is aio code. Positions are byte offsets, as aio strings
 * are UTF-8 bytes. */
#include "native.h"

#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <lauxlib.h>
#include <pcre2.h>

#define RE_MT "aio.re.code"

/* Python's flag values (re.I, re.M, ...). */
enum { PY_I = 2, PY_M = 8, PY_S = 16, PY_X = 64, PY_A = 256 };

typedef struct ReCode {
    pcre2_code *code;
    pcre2_match_data *md;
} ReCode;

static int re_gc(lua_State *L)
{
    ReCode *c = luaL_checkudata(L, 1, RE_MT);
    if (c->md) pcre2_match_data_free(c->md);
    if (c->code) pcre2_code_free(c->code);
    c->md = NULL;
    c->code = NULL;
    return 0;
}

/* Python spellings PCRE2 reads differently: \Z (end of string only) is
 * PCRE2's \z, and a{,n} is a{0,n}. */
static void re_translate(luaL_Buffer *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            luaL_addchar(b, '\\');
            luaL_addchar(b, p[i + 1] == 'Z' ? 'z' : p[i + 1]);
            i++;
            continue;
        }
        if (p[i] == '{' && i + 1 < n && p[i + 1] == ',') {
            size_t j = i + 2;
            while (j < n && p[j] >= '0' && p[j] <= '9') j++;
            if (j > i + 2 && j < n && p[j] == '}') {
                luaL_addstring(b, "{0");
                continue;
            }
        }
        luaL_addchar(b, p[i]);
    }
}

/* Replaces the 3 values on top of the stack by one tuple of them (the
 * tuple metatable is argument 3). */
static int re_pack3(lua_State *L)
{
    lua_createtable(L, 3, 0);
    lua_insert(L, -4);
    lua_rawseti(L, -4, 2);
    lua_rawseti(L, -3, 1);
    lua_rawseti(L, -2, 0);
    lua_pushvalue(L, 3);
    lua_setmetatable(L, -2);
    return 1;
}

/* re_compile(pattern, flags, tuple_mt, none) -> (code, ngroups, names) or
 * (None, message, offset), as one tuple. names is a tuple name1, index1,
 * name2, index2, ... */
static int re_compile(lua_State *L)
{
    size_t plen;
    const char *pat = luaL_checklstring(L, 1, &plen);
    lua_Integer flags = luaL_checkinteger(L, 2);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    re_translate(&b, pat, plen);
    luaL_pushresult(&b);
    size_t tlen;
    const char *tpat = lua_tolstring(L, -1, &tlen);
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    if (!(flags & PY_A)) opts |= PCRE2_UCP;
    if (flags & PY_I) opts |= PCRE2_CASELESS;
    if (flags & PY_M) opts |= PCRE2_MULTILINE;
    if (flags & PY_S) opts |= PCRE2_DOTALL;
    if (flags & PY_X) opts |= PCRE2_EXTENDED;
    int err;
    PCRE2_SIZE erroff;
    lua_settop(L, 5);   /* 5: the compiled pattern text */
    ReCode *c = lua_newuserdatauv(L, sizeof *c, 0);
    c->code = NULL;
    c->md = NULL;
    luaL_setmetatable(L, RE_MT);
    c->code = pcre2_compile((PCRE2_SPTR)tpat, tlen, opts, &err, &erroff, NULL);
    if (!c->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        lua_pushvalue(L, 4);
        lua_pushstring(L, (const char *)msg);
        lua_pushinteger(L, (lua_Integer)erroff);
        return re_pack3(L);
    }
    /* the JIT makes matching several times faster; where it is not
     * available (or fails) pcre2_match interprets as before. AIO_PCRE2_JIT=0
     * turns it off (make valgrind: memcheck cannot follow JIT code and
     * reports its reads as uninitialised) */
    const char *jit = getenv("AIO_PCRE2_JIT");
    if (!jit || strcmp(jit, "0") != 0) (void)pcre2_jit_compile(c->code, PCRE2_JIT_COMPLETE);
    c->md = pcre2_match_data_create_from_pattern(c->code, NULL);
    if (!c->md) return luaL_error(L, "re: out of memory");
    uint32_t ngroups = 0, nnames = 0, esize = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(c->code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMECOUNT, &nnames);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
    pcre2_pattern_info(c->code, PCRE2_INFO_NAMETABLE, &table);
    lua_pushinteger(L, (lua_Integer)ngroups);
    lua_createtable(L, (int)nnames * 2, 0);
    for (uint32_t i = 0; i < nnames; i++) {
        PCRE2_SPTR e = table + (size_t)i * esize;
        lua_pushstring(L, (const char *)e + 2);
        lua_rawseti(L, -2, (lua_Integer)i * 2);
        lua_pushinteger(L, (e[0] << 8) | e[1]);
        lua_rawseti(L, -2, (lua_Integer)i * 2 + 1);
    }
    lua_pushvalue(L, 3);
    lua_setmetatable(L, -2);
    return re_pack3(L);
}

/* The offset just past the UTF-8 character at pos (one byte if invalid). */
static size_t re_next_char(const char *s, size_t len, size_t pos)
{
    size_t i = pos + 1;
    while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    return i;
}

static int re_exec(ReCode *c, const char *s, size_t endpos, size_t pos, uint32_t opts)
{
    return pcre2_match(c->code, (PCRE2_SPTR)s, endpos, pos, opts, c->md, NULL);
}

/* One match attempt from *pos (see re_find for prev_empty); *pos moves on
 * when an empty match had to be skipped. Returns pcre2_match's code, after
 * raising for errors other than no match. */
static int re_next(lua_State *L, ReCode *c, const char *s, lua_Integer endpos, lua_Integer *pos, int mode,
                   int prev_empty)
{
    uint32_t opts = mode == 1 ? PCRE2_ANCHORED : mode == 2 ? PCRE2_ANCHORED | PCRE2_ENDANCHORED : 0;
    int rc;
    if (prev_empty) {
        rc = re_exec(c, s, (size_t)endpos, (size_t)*pos, opts | PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED);
        if (rc == PCRE2_ERROR_NOMATCH && mode == 0 && *pos < endpos) {
            *pos = (lua_Integer)re_next_char(s, (size_t)endpos, (size_t)*pos);
            rc = re_exec(c, s, (size_t)endpos, (size_t)*pos, opts);
        }
    } else {
        rc = re_exec(c, s, (size_t)endpos, (size_t)*pos, opts);
    }
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(rc, msg, sizeof msg);
        return luaL_error(L, "re: %s", (const char *)msg);
    }
    return rc;
}

/* The checked (code, s, pos, endpos) arguments; pos > endpos means no match. */
static ReCode *re_args(lua_State *L, const char **s, lua_Integer *pos, lua_Integer *endpos)
{
    ReCode *c = luaL_checkudata(L, 1, RE_MT);
    size_t len;
    *s = luaL_checklstring(L, 2, &len);
    *pos = luaL_checkinteger(L, 3);
    *endpos = luaL_checkinteger(L, 4);
    if (!c->code) luaL_error(L, "re: pattern was freed");
    if (*endpos > (lua_Integer)len) *endpos = (lua_Integer)len;
    if (*pos < 0) *pos = 0;
    return c;
}

/* re_find(code, s, pos, endpos, mode, prev_empty, tuple_mt, none) -> tuple
 * (start0, end0, start1, end1, ...; None for a group that did not take part)
 * or None. mode: 0 search, 1 match at pos, 2 fullmatch. prev_empty: the
 * previous match (of finditer/sub/split) was empty and ended at pos, so a
 * match there must not be empty, and failing that the search moves on one
 * character, as Python does. */
static int re_find(lua_State *L)
{
    const char *s;
    lua_Integer pos, endpos;
    ReCode *c = re_args(L, &s, &pos, &endpos);
    lua_Integer mode = luaL_checkinteger(L, 5);
    int prev_empty = lua_toboolean(L, 6);
    if (pos > endpos || re_next(L, c, s, endpos, &pos, (int)mode, prev_empty) < 0) {
        lua_pushvalue(L, 8);
        return 1;
    }
    uint32_t n = pcre2_get_ovector_count(c->md);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    lua_createtable(L, (int)n * 2, 0);
    for (uint32_t i = 0; i < 2 * n; i++) {
        if (ov[i] == PCRE2_UNSET) lua_pushvalue(L, 8);
        else lua_pushinteger(L, (lua_Integer)ov[i]);
        lua_rawseti(L, -2, (lua_Integer)i);
    }
    lua_pushvalue(L, 7);
    lua_setmetatable(L, -2);
    return 1;
}

/* Pushes group g of the last match as a string ("" when it took no part). */
static void re_push_group(lua_State *L, ReCode *c, const char *s, uint32_t g)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    if (ov[2 * g] == PCRE2_UNSET) lua_pushliteral(L, "");
    else lua_pushlstring(L, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* re_findall(code, s, pos, endpos, ngroups, list_mt, tuple_mt) -> list, as
 * Pattern.findall: the whole matches, group 1's texts, or tuples of all
 * groups' texts. */
static int re_findall(lua_State *L)
{
    const char *s;
    lua_Integer pos, endpos;
    ReCode *c = re_args(L, &s, &pos, &endpos);
    uint32_t ng = (uint32_t)luaL_checkinteger(L, 5);
    lua_settop(L, 7);
    lua_newtable(L);
    lua_Integer n = 0;
    int prev_empty = 0;
    while (pos <= endpos && re_next(L, c, s, endpos, &pos, 0, prev_empty) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        if (ng <= 1) {
            re_push_group(L, c, s, ng);
        } else {
            lua_createtable(L, (int)ng, 0);
            for (uint32_t g = 1; g <= ng; g++) {
                re_push_group(L, c, s, g);
                lua_rawseti(L, -2, (lua_Integer)g - 1);
            }
            lua_pushvalue(L, 7);
            lua_setmetatable(L, -2);
        }
        lua_rawseti(L, -2, n++);
        prev_empty = ov[0] == ov[1];
        pos = (lua_Integer)ov[1];
    }
    lua_pushvalue(L, 6);
    lua_setmetatable(L, -2);
    return 1;
}

/* re_sub(code, s, 0, 0, pieces, count, tuple_mt) -> tuple (text, n):
 * Pattern.subn with a template already split into pieces: a tuple of
 * strings (copied) and group numbers (the group's text). */
static int re_sub(lua_State *L)
{
    const char *s;
    lua_Integer pos, endpos;
    lua_settop(L, 7);
    lua_pushinteger(L, (lua_Integer)luaL_len(L, 2));
    lua_replace(L, 4);
    ReCode *c = re_args(L, &s, &pos, &endpos);
    lua_Integer count = luaL_checkinteger(L, 6);
    luaL_checktype(L, 5, LUA_TTABLE);
    lua_Integer npieces = 0;
    while (lua_rawgeti(L, 5, npieces) != LUA_TNIL) { lua_pop(L, 1); npieces++; }
    lua_pop(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Integer n = 0, last = 0;
    int prev_empty = 0;
    while ((count == 0 || n < count) && pos <= endpos && re_next(L, c, s, endpos, &pos, 0, prev_empty) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
        luaL_addlstring(&b, s + last, ov[0] - (size_t)last);
        for (lua_Integer i = 0; i < npieces; i++) {
            if (lua_rawgeti(L, 5, i) == LUA_TNUMBER) {
                lua_Integer g = lua_tointeger(L, -1);
                lua_pop(L, 1);
                if (ov[2 * g] != PCRE2_UNSET) luaL_addlstring(&b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            } else {
                luaL_addvalue(&b);
            }
        }
        n++;
        last = (lua_Integer)ov[1];
        prev_empty = ov[0] == ov[1];
        pos = (lua_Integer)ov[1];
    }
    luaL_addlstring(&b, s + last, (size_t)endpos - (size_t)last);
    luaL_pushresult(&b);
    lua_createtable(L, 2, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 0);
    lua_pushinteger(L, n);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 7);
    lua_setmetatable(L, -2);
    return 1;
}

void native_re_open(lua_State *L)
{
    if (luaL_newmetatable(L, RE_MT)) {
        lua_pushcfunction(L, re_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"re_compile", re_compile},
        {"re_find", re_find},
        {"re_findall", re_findall},
        {"re_sub", re_sub},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
