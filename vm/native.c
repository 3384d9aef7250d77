/* native.c - fills aio.native with every native module's functions (native.h). */
#include "native.h"

void native_open_all(lua_State *L)
{
    native_os_open(L);
    native_time_open(L);
    native_json_open(L);
    native_loop_open(L);
    native_interrupt_open(L);
    native_net_open(L);
    native_seq_open(L);
    native_re_open(L);
    native_exc_open(L);
    native_inplace_open(L);
}
