/* os_native.c - native helpers for the os and sys modules and the import
 * machinery (see vm/native.h): file kinds (stat), directory listing, cwd,
 * remove/mkdir/rmdir/rename, realpath, environment, platform name, pid.
 * stdlib/64_os.lua wraps them with Python's names; failures come back as
 * nil, errno, strerror so the Lua side raises FileNotFoundError/OSError. */
#include "native.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <lauxlib.h>

extern char **environ;

/* Pushes nil, errno, strerror(errno): the failure convention of this file. */
static int on_fail(lua_State *L)
{
    int e = errno;
    lua_pushnil(L);
    lua_pushinteger(L, e);
    lua_pushstring(L, strerror(e));
    return 3;
}

/* os_kind(path) -> "file" | "dir" | "other", or nil, errno, strerror. */
static int on_kind(lua_State *L)
{
    struct stat st;
    if (stat(luaL_checkstring(L, 1), &st) != 0) return on_fail(L);
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : "other");
    return 1;
}

/* os_stat(path) -> {size=, mtime=, mode=}, or nil, errno, strerror. */
static int on_stat(lua_State *L)
{
    struct stat st;
    if (stat(luaL_checkstring(L, 1), &st) != 0) return on_fail(L);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)st.st_size);
    lua_setfield(L, -2, "size");
    lua_pushnumber(L, (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec * 1e-9);
    lua_setfield(L, -2, "mtime");
    lua_pushinteger(L, (lua_Integer)st.st_mode);
    lua_setfield(L, -2, "mode");
    return 1;
}

/* os_listdir(path) -> Lua array of names (no "." or ".."), unsorted like
 * Python's; or nil, errno, strerror. */
static int on_listdir(lua_State *L)
{
    DIR *d = opendir(luaL_checkstring(L, 1));
    if (!d) return on_fail(L);
    lua_newtable(L);
    lua_Integer n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *nm = ent->d_name;
        if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0) continue;
        lua_pushstring(L, nm);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

static int on_getcwd(lua_State *L)
{
    char buf[PATH_MAX];
    if (!getcwd(buf, sizeof buf)) return on_fail(L);
    lua_pushstring(L, buf);
    return 1;
}

static int on_getpid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

static int on_realpath(lua_State *L)
{
    char *p = realpath(luaL_checkstring(L, 1), NULL);
    if (!p) return on_fail(L);
    lua_pushstring(L, p);
    free(p);
    return 1;
}

/* Pushes true or the failure triple for a call's result rc. */
static int on_result(lua_State *L, int rc)
{
    if (rc != 0) return on_fail(L);
    lua_pushboolean(L, 1);
    return 1;
}

/* remove(path): like Python's os.remove, refuses directories (unlink does). */
static int on_remove(lua_State *L) { return on_result(L, unlink(luaL_checkstring(L, 1))); }
static int on_rmdir(lua_State *L) { return on_result(L, rmdir(luaL_checkstring(L, 1))); }
static int on_mkdir(lua_State *L)
{
    return on_result(L, mkdir(luaL_checkstring(L, 1), (mode_t)luaL_optinteger(L, 2, 0777)));
}
static int on_rename(lua_State *L)
{
    return on_result(L, rename(luaL_checkstring(L, 1), luaL_checkstring(L, 2)));
}

static int on_getenv(lua_State *L)
{
    const char *v = getenv(luaL_checkstring(L, 1));
    if (v) lua_pushstring(L, v);
    else lua_pushnil(L);
    return 1;
}

/* os_environ() -> Lua array {name1, value1, name2, value2, ...} in the
 * order of the process environment. */
static int on_environ(lua_State *L)
{
    lua_newtable(L);
    lua_Integer n = 0;
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        lua_pushlstring(L, *e, (size_t)(eq - *e));
        lua_rawseti(L, -2, ++n);
        lua_pushstring(L, eq + 1);
        lua_rawseti(L, -2, ++n);
    }
    return 1;
}

static int on_setenv(lua_State *L)
{
    return on_result(L, setenv(luaL_checkstring(L, 1), luaL_checkstring(L, 2), 1));
}

static int on_unsetenv(lua_State *L) { return on_result(L, unsetenv(luaL_checkstring(L, 1))); }

/* os_platform() -> Python's sys.platform: the lower-cased kernel name. */
static int on_platform(lua_State *L)
{
    struct utsname u;
    if (uname(&u) != 0) {
        lua_pushliteral(L, "unknown");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (const char *p = u.sysname; *p; p++)
        luaL_addchar(&b, (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
    luaL_pushresult(&b);
    return 1;
}

void native_os_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"os_kind", on_kind},
        {"os_stat", on_stat},
        {"os_listdir", on_listdir},
        {"os_getcwd", on_getcwd},
        {"os_getpid", on_getpid},
        {"os_realpath", on_realpath},
        {"os_remove", on_remove},
        {"os_rmdir", on_rmdir},
        {"os_mkdir", on_mkdir},
        {"os_rename", on_rename},
        {"os_getenv", on_getenv},
        {"os_environ", on_environ},
        {"os_setenv", on_setenv},
        {"os_unsetenv", on_unsetenv},
        {"os_platform", on_platform},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
