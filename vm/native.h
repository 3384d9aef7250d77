/* native.h - C functions the Lua half of the runtime calls (aio.native.*).
 *
 * The host creates the table `aio.native` before loading stdlib/NN_*.lua; each
 * native_X_open adds its functions to the table on top of the stack (use
 * luaL_setfuncs). They are internal: only stdlib Lua code calls them, and it
 * presents them to scripts with Python's names and errors. A native function
 * reports expected failures by returning nil plus a message (or errno), and
 * raises only for misuse by the runtime itself. */
#ifndef AIO_NATIVE_H
#define AIO_NATIVE_H

#include <lua.h>

void native_open_all(lua_State *L);   /* pushes nothing; fills the table at the top */

void native_os_open(lua_State *L);    /* stdlib/os_native.c: listdir, stat, getcwd, remove, ... */
void native_time_open(lua_State *L);  /* stdlib/time_native.c: monotonic clocks, strftime, ... */
void native_json_open(lua_State *L);  /* stdlib/json_native.c: decode via jansson */
void native_loop_open(lua_State *L);  /* vm/loop.c: loop_now, loop_wait, loop_alive (the VM's libuv loop) */
void native_interrupt_open(lua_State *L); /* vm/interrupt.c: set_interrupt; wraps coroutine.resume */
void native_net_open(lua_State *L);   /* stdlib/net_native.c: TCP/pipe/UDP handles, getaddrinfo (net_*) */
void native_re_open(lua_State *L);    /* stdlib/re_native.c: re_compile, re_find (PCRE2) */
void native_exc_open(lua_State *L);   /* stdlib/exc_native.c: make_raise1 (raise E(a)), make_catch (try message handlers) */
void native_inplace_open(lua_State *L); /* stdlib/inplace_native.c: inplace_of (is this __add an `x += y`?) */
void native_seq_open(lua_State *L);   /* stdlib/seq_native.c: make_len (builtin len), join_seq (str.join) */

#endif
