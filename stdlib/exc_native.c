/* exc_native.c - C fast paths of raising and catching exceptions (see
 * vm/native.h and docs/internals.md, "try, perf forms").
 *
 * aio.native.make_raise1(plain, shared, Tuple, fallback) returns the C
 * closure behind aio.raise1(cls, a, shared) (`raise E(a)` with a builtin
 * class; stdlib/40_call.lua): when plain[cls] is true (a builtin class that
 * keeps BaseException's constructor) it builds {args = (a,)} with metatable
 * cls and throws it, the args tuple taken from the weak cache `shared` when
 * `shared` is true (a str literal); any other class goes, unchanged, to the
 * Lua fallback. One C frame instead of a Lua function plus setmetatable and
 * error calls: raise+catch cost is dominated by frames (Lua frees half of
 * the spare call records after every caught error).
 *
 * aio.native.try(body, handler) is xpcall that also returns the error's
 * metatable on failure (false, err, nil, mt): a try's first except clause
 * tests its class without a getmetatable call. The traceback walk treats its
 * frame as it does xpcall's (stdlib/90_main.lua).
 *
 * aio.native.make_catch(slow) returns aio.catch(T1, ..., Tn): a C closure
 * used as a try's xpcall message handler when every except type is a
 * builtin class the module never rebinds (fixed values). An error whose
 * metatable is T1 is returned as is (no traceback: the first clause catches
 * it); anything else is handed to slow(err, T1, ..., Tn) (aio.tb_unless's
 * general part, which records the traceback unless a clause matches). */
#include "native.h"

#include <lauxlib.h>

#define CATCH_MAX 32   /* except types a C handler holds; more: a Lua handler */

/* The fallback may construct a user exception whose __init__ yields. */
static int ex_raise_done(lua_State *L, int status, lua_KContext ctx)
{
    (void)status;
    (void)ctx;
    return lua_gettop(L);
}

/* Pushes the args tuple (a,) for raise1: shared per literal when asked. */
static void ex_push_args(lua_State *L, int shared)
{
    if (shared) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) return;
        lua_pop(L, 1);
    }
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 0);
    lua_pushvalue(L, lua_upvalueindex(3));
    lua_setmetatable(L, -2);
    if (shared) {
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, lua_upvalueindex(2));
    }
}

/* Does raise1 build cls's exceptions itself (plain[cls] is true)? Upvalue 5
 * holds the last class found so (perf: a raise site repeats its class; one
 * compare instead of a table lookup); it starts as a table of its own. */
static int ex_plain(lua_State *L)
{
    if (lua_rawequal(L, 1, lua_upvalueindex(5))) return 1;
    if (lua_type(L, 1) != LUA_TTABLE) return 0;
    lua_pushvalue(L, 1);
    int plain = lua_rawget(L, lua_upvalueindex(1)) == LUA_TBOOLEAN && lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (plain) {
        lua_pushvalue(L, 1);
        lua_replace(L, lua_upvalueindex(5));
    }
    return plain;
}

/* raise1(cls, a[, shared]) */
static int ex_raise1(lua_State *L)
{
    if (!ex_plain(L)) {
        lua_settop(L, 3);
        lua_pushvalue(L, lua_upvalueindex(4));
        lua_insert(L, 1);
        lua_callk(L, 3, LUA_MULTRET, 0, ex_raise_done);
        return ex_raise_done(L, LUA_OK, 0);
    }
    int shared = lua_toboolean(L, 3);   /* before any push: there may be 2 arguments */
    lua_createtable(L, 0, 1);
    ex_push_args(L, shared);
    lua_setfield(L, -2, "args");
    lua_pushvalue(L, 1);
    lua_setmetatable(L, -2);
    return lua_error(L);
}

static int ex_make_raise1(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TFUNCTION);
    lua_settop(L, 4);
    lua_newtable(L);   /* upvalue 5: no class yet */
    lua_pushcclosure(L, ex_raise1, 5);
    return 1;
}

/* The message handler: upvalue 1 is slow, 2..n+1 the except types. */
static int ex_catch_handler(lua_State *L)
{
    /* Lua calls a message handler with exactly one argument */
    if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1) && lua_rawequal(L, -1, lua_upvalueindex(2))) {
        lua_pushvalue(L, 1);
        return 1;
    }
    int n = 1;
    while (n < CATCH_MAX && lua_type(L, lua_upvalueindex(n + 2)) != LUA_TNONE) n++;
    luaL_checkstack(L, n + 2, "too many except types");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    for (int i = 0; i < n; i++) lua_pushvalue(L, lua_upvalueindex(i + 2));
    lua_call(L, n + 1, 1);
    return 1;
}

/* catch(T1, ..., Tn): a message handler for these except types. */
static int ex_catch(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_argcheck(L, n >= 1 && n <= CATCH_MAX, 1, "1 to 32 except types expected");
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_pushcclosure(L, ex_catch_handler, n + 1);
    return 1;
}

static int ex_make_catch(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_pushcclosure(L, ex_catch, 1);
    return 1;
}

/* As xpcall's continuation; a failure also returns the error's metatable:
 * false, err, nil, getmetatable(err) (the nil stands for a body's value). */
static int ex_try_done(lua_State *L, int status, lua_KContext extra)
{
    if (status != LUA_OK && status != LUA_YIELD) {   /* body, handler, true, err */
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        lua_pushnil(L);
        if (!lua_getmetatable(L, -2)) lua_pushnil(L);
        return 4;
    }
    return lua_gettop(L) - (int)extra;
}

/* try(body, handler): xpcall(body, handler), plus the error's metatable on
 * failure, so that testing an except clause's class costs no further call. */
static int ex_try(lua_State *L)
{
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (lua_gettop(L) != 2) lua_settop(L, 2);   /* emitted code passes two */
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    int status = lua_pcallk(L, 0, LUA_MULTRET, 2, 2, ex_try_done);
    return ex_try_done(L, status, 2);
}

void native_exc_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"try", ex_try},
        {"make_raise1", ex_make_raise1},
        {"make_catch", ex_make_catch},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
