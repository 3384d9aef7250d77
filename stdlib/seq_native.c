/* seq_native.c - C fast paths over strings, lists and tuples (see
 * vm/native.h): len(), str.join and list/tuple concatenation.
 *
 * aio.native.make_len(List, Tuple, fallback) returns a C closure that answers
 * for str, list and tuple itself (a string's byte length; a list's items sit
 * at raw keys 0..n-1, so n is #t + 1 unless the list has fewer than two
 * items) and hands every other call, unchanged, to the Lua fallback
 * (stdlib/50_builtins.lua), which knows dicts, user __len__ and the errors.
 * One C call instead of a Lua call plus a getmetatable call. */
#include <limits.h>
#include "native.h"

#include <lauxlib.h>

/* The fallback may run a user __len__ that awaits (it may yield): the call
 * gets a continuation so the yield crosses this C function. */
static int ln_len_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return 1;
}

static int ln_len(lua_State *L)
{
    if (lua_gettop(L) == 1) {
        if (lua_type(L, 1) == LUA_TSTRING) {
            lua_pushinteger(L, (lua_Integer)lua_rawlen(L, 1));
            return 1;
        }
        if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
            int seq = lua_rawequal(L, -1, lua_upvalueindex(1)) || lua_rawequal(L, -1, lua_upvalueindex(2));
            lua_pop(L, 1);
            if (seq) {
                lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
                if (n == 0) n = lua_rawgeti(L, 1, 0) == LUA_TNIL ? -1 : 0;
                lua_pushinteger(L, n + 1);
                return 1;
            }
        }
    }
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, 1, 0, ln_len_done);
    return 1;
}

/* join_seq(t, sep, n): items 0..n-1 of t (raw) joined with sep, or nil and
 * the index of the first item that is not a string (stdlib/15_str.lua raises
 * Python's TypeError for it). */
static int ln_join_seq(lua_State *L)
{
    size_t seplen;
    const char *sep = luaL_checklstring(L, 2, &seplen);
    lua_Integer n = luaL_checkinteger(L, 3);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (lua_Integer i = 0; i < n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TSTRING) {
            lua_pushnil(L);
            lua_pushinteger(L, i);
            return 2;
        }
        luaL_addvalue(&b);
        if (i + 1 < n) luaL_addlstring(&b, sep, seplen);
    }
    luaL_pushresult(&b);
    return 1;
}

/* Length of a 0-based list/tuple table: its items are t[0..n-1], t[0] in the
 * hash part and the rest a Lua sequence. */
static lua_Integer ln_seqlen(lua_State *L, int t)
{
    int empty = lua_rawgeti(L, t, 0) == LUA_TNIL;
    lua_pop(L, 1);
    return empty ? 0 : (lua_Integer)lua_rawlen(L, t) + 1;
}

/* concat_seq(a, b, mt): a new table with a's items then b's, metatable mt.
 * perf: sized once (a Lua loop rehashes the new table as it grows). */
static int ln_concat_seq(lua_State *L)
{
    lua_Integer na = ln_seqlen(L, 1), nb = ln_seqlen(L, 2), n = na + nb;
    luaL_argcheck(L, n < INT_MAX, 1, "too long");
    lua_createtable(L, n > 1 ? (int)(n - 1) : 0, 1);
    for (lua_Integer i = 0; i < na; i++) {
        lua_rawgeti(L, 1, i);
        lua_rawseti(L, -2, i);
    }
    for (lua_Integer i = 0; i < nb; i++) {
        lua_rawgeti(L, 2, i);
        lua_rawseti(L, -2, na + i);
    }
    lua_pushvalue(L, 3);
    lua_setmetatable(L, -2);
    return 1;
}

static int ln_make_len(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_settop(L, 3);
    lua_pushcclosure(L, ln_len, 3);
    return 1;
}

void native_seq_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"make_len", ln_make_len},
        {"join_seq", ln_join_seq},
        {"concat_seq", ln_concat_seq},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
