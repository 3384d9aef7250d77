/* seq_native.c - C fast paths over strings, lists and tuples (see
 * vm/native.h): len() and str.join.
 *
 * aio.native.make_len(List, Tuple, fallback) returns a C closure that answers
 * for str, list and tuple itself (a string's byte length; a list's items sit
 * at raw keys 0..n-1, so n is #t + 1 unless the list has fewer than two
 * items) and hands every other call, unchanged, to the Lua fallback
 * (stdlib/50_builtins.lua), which knows dicts, user __len__ and the errors.
 * One C call instead of a Lua call plus a getmetatable call. */
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
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
