/* time_native.c - native helpers for the time module (see vm/native.h):
 * clocks (clock_gettime), a blocking sleep (nanosleep), and the broken-down
 * time conversions localtime/gmtime/mktime/strftime. stdlib/72_time.lua wraps
 * them with Python's names, argument checks and struct_time. */
#include "native.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

static double tn_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static lua_Integer tn_nanos(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (lua_Integer)ts.tv_sec * 1000000000 + (lua_Integer)ts.tv_nsec;
}

static int tn_time(lua_State *L) { lua_pushnumber(L, tn_seconds(CLOCK_REALTIME)); return 1; }
static int tn_monotonic(lua_State *L) { lua_pushnumber(L, tn_seconds(CLOCK_MONOTONIC)); return 1; }
static int tn_process_time(lua_State *L) { lua_pushnumber(L, tn_seconds(CLOCK_PROCESS_CPUTIME_ID)); return 1; }
static int tn_time_ns(lua_State *L) { lua_pushinteger(L, tn_nanos(CLOCK_REALTIME)); return 1; }
static int tn_monotonic_ns(lua_State *L) { lua_pushinteger(L, tn_nanos(CLOCK_MONOTONIC)); return 1; }

/* time_sleep(secs): blocks the whole process; restarts after signals so the
 * full interval elapses, as Python's time.sleep does. */
static int tn_sleep(lua_State *L)
{
    double secs = luaL_checknumber(L, 1);
    if (secs <= 0)
        return 0;
    struct timespec req;
    req.tv_sec = (time_t)secs;
    req.tv_nsec = (long)((secs - (double)req.tv_sec) * 1e9);
    if (req.tv_nsec >= 1000000000L)
        req.tv_nsec = 999999999L;
    struct timespec rem;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
    return 0;
}

/* Pushes the fields of tm as a Lua table {year=, mon=, ...} in Python's
 * conventions (month 1-12, Monday = 0, yday 1-366). */
static void tn_push_tm(lua_State *L, const struct tm *tm)
{
    lua_createtable(L, 0, 11);
    lua_pushinteger(L, tm->tm_year + 1900); lua_setfield(L, -2, "year");
    lua_pushinteger(L, tm->tm_mon + 1);     lua_setfield(L, -2, "mon");
    lua_pushinteger(L, tm->tm_mday);        lua_setfield(L, -2, "mday");
    lua_pushinteger(L, tm->tm_hour);        lua_setfield(L, -2, "hour");
    lua_pushinteger(L, tm->tm_min);         lua_setfield(L, -2, "min");
    lua_pushinteger(L, tm->tm_sec);         lua_setfield(L, -2, "sec");
    lua_pushinteger(L, (tm->tm_wday + 6) % 7); lua_setfield(L, -2, "wday");
    lua_pushinteger(L, tm->tm_yday + 1);    lua_setfield(L, -2, "yday");
    lua_pushinteger(L, tm->tm_isdst);       lua_setfield(L, -2, "isdst");
    lua_pushstring(L, tm->tm_zone ? tm->tm_zone : ""); lua_setfield(L, -2, "zone");
    lua_pushinteger(L, (lua_Integer)tm->tm_gmtoff); lua_setfield(L, -2, "gmtoff");
}

/* localtime(secs) / gmtime(secs) -> table, or nil + message when the time
 * does not fit the platform's time_t / struct tm. */
static int tn_convert(lua_State *L, int local)
{
    double secs = luaL_checknumber(L, 1);
    if (!isfinite(secs) || secs > 1e17 || secs < -1e17) {
        lua_pushnil(L);
        lua_pushliteral(L, "timestamp out of range for platform time_t");
        return 2;
    }
    time_t t = (time_t)floor(secs);
    struct tm tm;
    if ((local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)) == NULL) {
        lua_pushnil(L);
        lua_pushliteral(L, "timestamp out of range for platform time_t");
        return 2;
    }
    tn_push_tm(L, &tm);
    return 1;
}

static int tn_localtime(lua_State *L) { return tn_convert(L, 1); }
static int tn_gmtime(lua_State *L) { return tn_convert(L, 0); }

/* Reads a table in tn_push_tm's layout back into a struct tm. */
static void tn_read_tm(lua_State *L, int idx, struct tm *tm)
{
    memset(tm, 0, sizeof *tm);
    static const char *const names[] = {"year", "mon", "mday", "hour", "min", "sec", "wday", "yday", "isdst"};
    lua_Integer v[9];
    for (int i = 0; i < 9; i++) {
        lua_getfield(L, idx, names[i]);
        v[i] = lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    tm->tm_year = (int)(v[0] - 1900);
    tm->tm_mon = (int)(v[1] - 1);
    tm->tm_mday = (int)v[2];
    tm->tm_hour = (int)v[3];
    tm->tm_min = (int)v[4];
    tm->tm_sec = (int)v[5];
    tm->tm_wday = (int)((v[6] + 1) % 7);
    tm->tm_yday = (int)(v[7] - 1);
    tm->tm_isdst = (int)v[8];
    lua_getfield(L, idx, "gmtoff");
    tm->tm_gmtoff = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
}

/* strftime(fmt, tm_table): the zone name, if any, must stay alive while
 * strftime runs, so it is read from the table (kept on the Lua stack). */
static int tn_strftime(lua_State *L)
{
    size_t flen;
    const char *fmt = luaL_checklstring(L, 1, &flen);
    luaL_checktype(L, 2, LUA_TTABLE);
    struct tm tm;
    tn_read_tm(L, 2, &tm);
    lua_getfield(L, 2, "zone");
    const char *zone = lua_tostring(L, -1);
    tm.tm_zone = zone;
    if (flen == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    /* an empty result is ambiguous in C; grow the buffer a few times */
    for (size_t cap = 256; cap <= 256 * 1024; cap *= 4) {
        luaL_Buffer b;
        char *out = luaL_buffinitsize(L, &b, cap);
        size_t n = strftime(out, cap, fmt, &tm);
        if (n > 0 || cap >= flen * 64) {
            luaL_pushresultsize(&b, n);
            return 1;
        }
        luaL_pushresultsize(&b, 0);
        lua_pop(L, 1);
    }
    lua_pushliteral(L, "");
    return 1;
}

/* mktime(tm_table) -> seconds, or nil + message. */
static int tn_mktime(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    struct tm tm;
    tn_read_tm(L, 1, &tm);
    tm.tm_wday = -1;  /* sentinel: mktime sets it on success */
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && tm.tm_wday == -1) {
        lua_pushnil(L);
        lua_pushliteral(L, "mktime argument out of range");
        return 2;
    }
    lua_pushnumber(L, (double)t);
    return 1;
}

void native_time_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"time_time", tn_time},
        {"time_monotonic", tn_monotonic},
        {"time_process_time", tn_process_time},
        {"time_time_ns", tn_time_ns},
        {"time_monotonic_ns", tn_monotonic_ns},
        {"time_sleep", tn_sleep},
        {"time_localtime", tn_localtime},
        {"time_gmtime", tn_gmtime},
        {"time_strftime", tn_strftime},
        {"time_mktime", tn_mktime},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
