/* json_native.c - native helpers for the json module (see vm/native.h). */
#include "native.h"

void native_json_open(lua_State *L)
{
    (void)L;
}
