/* time_native.c - native helpers for the time module (see vm/native.h). */
#include "native.h"

void native_time_open(lua_State *L)
{
    (void)L;
}
