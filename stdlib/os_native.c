/* os_native.c - native helpers for the os module (see vm/native.h). */
#include "native.h"

void native_os_open(lua_State *L)
{
    (void)L;
}
