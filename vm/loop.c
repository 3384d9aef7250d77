/* loop.c - owns the VM's libuv loop and the native functions the Lua
 * scheduler (stdlib/80_tasks.lua) uses: aio.native.loop_now,
 * loop_wait(timeout_ms) and loop_alive. Timers are a Lua heap; libuv only
 * ever sees one timer, armed for the earliest deadline, so 100k sleeping
 * tasks cost no libuv handles at all. An unreferenced uv_async_t lets
 * Ctrl-C (loop_interrupt, from the signal handler) end a blocked uv_run.
 * Also aio.native.async_method, the method lookup of `await o.m(...)`. */
#include "loop.h"
#include "native.h"

#include <lauxlib.h>

/* Nothing to do: waking uv_run is all an interrupt needs; the interrupt
 * hook (vm/interrupt.c) raises KeyboardInterrupt once Lua code runs. */
static void loop_intr_cb(uv_async_t *a) { (void)a; }

int loop_init(LoopState *ls, lua_State *L)
{
    if (uv_loop_init(&ls->uv) != 0) return -1;
    uv_timer_init(&ls->uv, &ls->wake);
    if (uv_async_init(&ls->uv, &ls->intr, loop_intr_cb) != 0) {
        uv_close((uv_handle_t *)&ls->wake, NULL);
        uv_run(&ls->uv, UV_RUN_DEFAULT);
        uv_loop_close(&ls->uv);
        return -1;
    }
    uv_unref((uv_handle_t *)&ls->intr);   /* never keeps the program alive */
    ls->intr_ready = 1;
    ls->ready = 1;
    lua_pushlightuserdata(L, ls);
    lua_setfield(L, LUA_REGISTRYINDEX, LOOP_REGISTRY_KEY);
    return 0;
}

static void loop_close_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

void loop_interrupt(LoopState *ls)
{
    if (ls->ready && ls->intr_ready) uv_async_send(&ls->intr);
}

void loop_shutdown(LoopState *ls)
{
    if (!ls->ready) return;
    ls->intr_ready = 0;
    uv_walk(&ls->uv, loop_close_cb, NULL);
    while (uv_run(&ls->uv, UV_RUN_DEFAULT) != 0) {
    }
}

void loop_close(LoopState *ls)
{
    if (!ls->ready) return;
    loop_shutdown(ls);
    uv_loop_close(&ls->uv);
    ls->ready = 0;
}

static LoopState *loop_of(lua_State *L) { return lua_touserdata(L, lua_upvalueindex(1)); }

/* loop_now() -> monotonic milliseconds as a float (nanosecond resolution). */
static int loop_now(lua_State *L)
{
    lua_pushnumber(L, (double)uv_hrtime() / 1e6);
    return 1;
}

/* The wake timer's only job is to end the uv_run call. */
static void loop_wake_cb(uv_timer_t *t) { (void)t; }

/* loop_wait(timeout_ms): runs one libuv iteration, blocking at most
 * timeout_ms (< 0: until some handle has work; 0: poll only). Returns
 * whether handles remain alive afterwards. */
static int loop_wait(lua_State *L)
{
    LoopState *ls = loop_of(L);
    double ms = luaL_optnumber(L, 1, -1);
    if (ms == 0) {
        uv_run(&ls->uv, UV_RUN_NOWAIT);
    } else {
        if (ms > 0) {
            uv_update_time(&ls->uv);
            uint64_t t = ms > 9e15 ? (uint64_t)9e15 : (uint64_t)ms;
            if ((double)t < ms) t++;   /* round up: waking early only spins */
            uv_timer_start(&ls->wake, loop_wake_cb, t, 0);
        }
        uv_run(&ls->uv, UV_RUN_ONCE);
        uv_timer_stop(&ls->wake);
    }
    lua_pushboolean(L, uv_loop_alive(&ls->uv));
    return 1;
}

/* loop_alive() -> true while some libuv handle or request is active. */
static int loop_alive(lua_State *L)
{
    lua_pushboolean(L, uv_loop_alive(&loop_of(L)->uv));
    return 1;
}

/* async_method(o, name, fixed) -> the raw body fixed[f] when o is a table
 * whose class (metatable) itself holds f = cls[name], f is in fixed (async
 * defs without *args: function -> raw body) and o has no attribute `name`
 * of its own; else nothing. One C call where the Lua version took three
 * (debug.getmetatable and two rawget): it runs on every `await o.m()`. */
static int loop_async_method(lua_State *L)
{
    lua_settop(L, 3);
    if (!lua_istable(L, 1) || !lua_getmetatable(L, 1)) return 0;   /* cls: 4 */
    if (!lua_istable(L, 3)) return 0;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, 4) == LUA_TNIL) return 0;                    /* f: 5 */
    if (lua_rawget(L, 3) == LUA_TNIL) return 0;                    /* raw: 5 */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, 1) != LUA_TNIL) return 0;                    /* own attribute */
    lua_pop(L, 1);
    return 1;
}

void native_loop_open(lua_State *L)
{
    lua_pushcfunction(L, loop_async_method);
    lua_setfield(L, -2, "async_method");
    static const luaL_Reg fns[] = {
        {"loop_now", loop_now},
        {"loop_wait", loop_wait},
        {"loop_alive", loop_alive},
        {NULL, NULL},
    };
    lua_getfield(L, LUA_REGISTRYINDEX, LOOP_REGISTRY_KEY);
    luaL_setfuncs(L, fns, 1);
}
