/* len_native.c - the C fast path of the builtin len() (see vm/native.h):
 * aio.native.make_len(List, Tuple, fallback) returns a C closure that answers
 * for str, list and tuple itself (a string's byte length; a list's items sit
 * at raw keys 0..n-1, so n is #t + 1 unless the list has fewer than two
 * items) and hands every other call, unchanged, to the Lua fallback
 * (stdlib/50_builtins.lua), which knows dicts, user __len__ and the errors.
 * One C call instead of a Lua call plus a getmetatable call. */
#include "native.h"

#include <lauxlib.h>

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
    lua_call(L, lua_gettop(L) - 1, 1);
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

void native_len_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"make_len", ln_make_len},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
