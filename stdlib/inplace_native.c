/* inplace_native.c - tells an __add metamethod whether it runs for `x += y`.
 *
 * The emitter compiles `x += y` (x possibly a list or an object with
 * __iadd__) as `local aio_ipN = x  x = aio_ipN + y`: numbers add in the VM
 * with no extra instruction. A metamethod that cares (list +, objects with
 * __iadd__) calls inplace_of(a, level): true when the Lua function `level`
 * frames up is executing an in-place add on a, i.e. its last active named
 * local is an aio_ip temporary holding a. The right side is evaluated before
 * that local is declared, so no other operator runs while it is the last. */
#include <string.h>

#include <lauxlib.h>

#include "native.h"

/* Is local n of frame ar a named one? Pushes nothing. */
static int ip_named(lua_State *L, lua_Debug *ar, int n)
{
    const char *name = lua_getlocal(L, ar, n);
    if (!name) return 0;
    lua_pop(L, 1);
    return name[0] != '(';
}

/* Named locals are a prefix 1..m of the frame's slots; find m. */
static int ip_last_named(lua_State *L, lua_Debug *ar)
{
    int lo = 0, hi = 1;   /* lo: known named (0 = none); hi: probe */
    while (ip_named(L, ar, hi)) {
        lo = hi;
        if (hi > 250) return lo;
        hi *= 2;
    }
    while (hi - lo > 1) {   /* lo named, hi not */
        int mid = lo + (hi - lo) / 2;
        if (ip_named(L, ar, mid)) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* inplace_of(a, level) -> boolean */
static int ip_inplace_of(lua_State *L)
{
    lua_Debug ar;
    int level = (int)luaL_checkinteger(L, 2);
    if (!lua_getstack(L, level, &ar)) return lua_pushboolean(L, 0), 1;
    int m = ip_last_named(L, &ar);
    if (m == 0) return lua_pushboolean(L, 0), 1;
    const char *name = lua_getlocal(L, &ar, m);
    int yes = name && strncmp(name, "aio_ip", 6) == 0 && lua_rawequal(L, 1, -1);
    if (name) lua_pop(L, 1);
    lua_pushboolean(L, yes);
    return 1;
}

void native_inplace_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"inplace_of", ip_inplace_of},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
