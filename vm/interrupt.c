/* interrupt.c - Ctrl-C: aio_interrupt() (safe in a signal handler) makes the
 * running Lua code raise KeyboardInterrupt at its next instruction.
 *
 * Lua hooks are per thread, and scripts run inside coroutines (the main task,
 * generators), so the VM must know which thread is executing. The runtime's
 * coroutine.resume is replaced by interrupt_resume, which records the thread
 * it resumes in an InterruptState. A pointer to that state sits in the main
 * thread's LUA_EXTRASPACE, so the signal handler reaches it with pointer
 * arithmetic only. aio_interrupt sets a one-shot hook on the main thread and
 * on the running one; whichever fires first removes both and calls the Lua
 * function the runtime registered (aio.native.set_interrupt) to raise
 * KeyboardInterrupt. lua_sethook is documented as safe from a signal.
 *
 * While the event loop waits in uv_run, no Lua code runs: aio_interrupt
 * also wakes the loop (loop_interrupt), so the hook fires in the scheduler
 * right after. A hook firing on the main thread first asks the runtime's
 * defer function (aio.native.set_interrupt_defer) whether the scheduler takes
 * the interrupt; if so it raises nothing there, and the scheduler delivers
 * KeyboardInterrupt to the main task with interrupt_arm(thread), which hooks
 * that task's thread so the error is raised at its pending await. */
#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <string.h>

#include "native.h"
#include "vm_internal.h"

typedef struct InterruptState {
    lua_State *main;
    lua_State *volatile running;  /* the thread executing Lua code now */
    lua_State *volatile hooked;   /* the other thread hooked by aio_interrupt */
    int raise_ref;                /* registry ref of the raising function */
    int defer_ref;                /* registry ref of the defer function (or LUA_NOREF) */
} InterruptState;

static InterruptState *interrupt_state(lua_State *L)
{
    return *(InterruptState **)lua_getextraspace(L);
}

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    InterruptState *st = interrupt_state(L);
    lua_sethook(st->main, NULL, 0, 0);
    if (st->hooked) lua_sethook(st->hooked, NULL, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    st->hooked = NULL;
    if (L == st->main && st->defer_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->defer_ref);
        lua_call(L, 0, 1);
        int deferred = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (deferred) return;
    }
    if (st->raise_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->raise_ref);
        lua_call(L, 0, 0);   /* raises */
    }
    lua_pushliteral(L, "KeyboardInterrupt");
    lua_error(L);
}

void aio_interrupt(AioVM *vm)
{
    if (!vm || !vm->L) return;
    InterruptState *st = interrupt_state(vm->L);
    if (!st) return;
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT;
    lua_State *run = st->running;
    if (run && run != st->main) {
        st->hooked = run;
        lua_sethook(run, interrupt_hook, mask, 1);
    }
    lua_sethook(st->main, interrupt_hook, mask, 1);
    loop_interrupt(&vm->loop);
}

/* coroutine.resume, recording the running thread (same results as Lua's). */
static int interrupt_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int narg = lua_gettop(L) - 1;
    int status = lua_status(co);
    lua_Debug ar;
    if ((status == LUA_OK && lua_gettop(co) == 0 && lua_getstack(co, 0, &ar) == 0) ||
        (status != LUA_OK && status != LUA_YIELD)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "cannot resume dead coroutine");
        return 2;
    }
    if (co == L || (status == LUA_OK && lua_getstack(co, 0, &ar) > 0)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "cannot resume non-suspended coroutine");
        return 2;
    }
    if (!lua_checkstack(co, narg)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    lua_xmove(L, co, narg);
    InterruptState *st = interrupt_state(L);
    lua_State *prev = st->running;
    st->running = co;
    int nres;
    status = lua_resume(co, L, narg, &nres);
    st->running = prev;
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushboolean(L, 0);
            lua_pushliteral(L, "too many results to resume");
            return 2;
        }
        lua_pushboolean(L, 1);
        lua_xmove(co, L, nres);
        return nres + 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);   /* the error object */
    return 2;
}

/* Makes *ref a registry reference to the function argument 1, releasing
 * the one it held. */
static int interrupt_keep_fn(lua_State *L, int *ref)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    if (*ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, *ref);
    lua_pushvalue(L, 1);
    *ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* aio.native.set_interrupt(fn): fn raises KeyboardInterrupt. */
static int interrupt_set(lua_State *L)
{
    return interrupt_keep_fn(L, &interrupt_state(L)->raise_ref);
}

/* aio.native.set_interrupt_defer(fn): fn() -> true when the scheduler takes
 * an interrupt that hooked the main thread. */
static int interrupt_set_defer(lua_State *L)
{
    return interrupt_keep_fn(L, &interrupt_state(L)->defer_ref);
}

/* aio.native.interrupt_arm(thread): KeyboardInterrupt is raised in thread
 * (a suspended task) as soon as it runs again. */
static int interrupt_arm(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    InterruptState *st = interrupt_state(L);
    st->hooked = co;
    lua_sethook(co, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    return 0;
}

void native_interrupt_open(lua_State *L)
{
    /* the state lives in a userdata anchored in the registry */
    InterruptState *st = lua_newuserdatauv(L, sizeof *st, 0);
    memset(st, 0, sizeof *st);
    lua_rawsetp(L, LUA_REGISTRYINDEX, (void *)interrupt_state);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    st->main = lua_tothread(L, -1);
    lua_pop(L, 1);
    st->running = st->main;
    st->raise_ref = LUA_NOREF;
    st->defer_ref = LUA_NOREF;
    *(InterruptState **)lua_getextraspace(st->main) = st;
    lua_pushcfunction(L, interrupt_set);
    lua_setfield(L, -2, "set_interrupt");
    lua_pushcfunction(L, interrupt_set_defer);
    lua_setfield(L, -2, "set_interrupt_defer");
    lua_pushcfunction(L, interrupt_arm);
    lua_setfield(L, -2, "interrupt_arm");
    /* every coroutine the runtime resumes goes through interrupt_resume */
    lua_getglobal(L, "coroutine");
    lua_pushcfunction(L, interrupt_resume);
    lua_setfield(L, -2, "resume");
    lua_pop(L, 1);
}
