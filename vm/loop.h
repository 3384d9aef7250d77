/* loop.h - the VM's libuv event loop (vm/loop.c).
 *
 * Each VM owns one uv_loop_t (never uv_default_loop). The task scheduler is
 * written in Lua (stdlib/80_tasks.lua); C only tells the time, sleeps in
 * uv_run until the earliest timer deadline or until a handle has work, and
 * says whether any handle is still alive. Native functions reach the loop
 * through the registry (LOOP_REGISTRY_KEY) and hold it as an upvalue. */
#ifndef AIO_LOOP_H
#define AIO_LOOP_H

#include <lua.h>
#include <uv.h>

/* Registry field holding a light userdata pointing at the VM's LoopState. */
#define LOOP_REGISTRY_KEY "aio.loop"

typedef struct LoopState {
    uv_loop_t uv;
    uv_timer_t wake;    /* the one timer: armed for the scheduler's earliest deadline */
    uv_async_t intr;    /* Ctrl-C wakes a blocked uv_run through it (unref'd) */
    volatile int intr_ready;   /* intr may be signalled (cleared before closing) */
    int ready;          /* uv and wake are initialised */
} LoopState;

/* Initialises the loop and publishes it in L's registry (before native_open_all). */
int loop_init(LoopState *ls, lua_State *L);

/* Closes every handle still open and runs the loop until they are closed.
 * Call while the Lua state is still alive (close callbacks may use it). */
void loop_shutdown(LoopState *ls);

/* Ends a blocked loop_wait at once (Ctrl-C). Async-signal-safe: it only
 * calls uv_async_send. */
void loop_interrupt(LoopState *ls);

/* Releases the loop itself; call after lua_close. */
void loop_close(LoopState *ls);

#endif
