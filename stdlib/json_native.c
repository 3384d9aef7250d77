/* json_native.c - native helpers for the json module (see vm/native.h):
 * decoding JSON text with jansson into aio values, and escaping strings for
 * the encoder (stdlib/76_json.lua builds the rest of dumps' output in Lua). */
#include "native.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <lauxlib.h>

/* Stack slots of json_decode's arguments: the text, then what the runtime
 * passes in so this file needs no knowledge of its layouts. */
enum { JN_TEXT = 1, JN_LIST_MT = 2, JN_MKDICT = 3, JN_NONE = 4 };

static void jn_push(lua_State *L, json_t *v);

/* A JSON array becomes a list: items at 0..n-1, metatable aio.List. */
static void jn_push_array(lua_State *L, json_t *v)
{
    size_t n = json_array_size(v);
    lua_createtable(L, n > 0 ? (int)n - 1 : 0, 1);
    for (size_t i = 0; i < n; i++) {
        jn_push(L, json_array_get(v, i));
        lua_rawseti(L, -2, (lua_Integer)i);
    }
    lua_pushvalue(L, JN_LIST_MT);
    lua_setmetatable(L, -2);
}

/* A JSON object becomes a dict built by the runtime from a flat array
 * {k1, v1, k2, v2, ...}; jansson iterates in document order, and a repeated
 * key keeps its first position with the last value, as Python's dict does. */
static void jn_push_object(lua_State *L, json_t *v)
{
    lua_pushvalue(L, JN_MKDICT);
    lua_createtable(L, (int)json_object_size(v) * 2, 0);
    lua_Integer i = 0;
    const char *key;
    size_t klen;
    json_t *val;
    json_object_keylen_foreach(v, key, klen, val) {
        lua_pushlstring(L, key, klen);
        lua_rawseti(L, -2, ++i);
        jn_push(L, val);
        lua_rawseti(L, -2, ++i);
    }
    lua_call(L, 1, 1);
}

static void jn_push(lua_State *L, json_t *v)
{
    luaL_checkstack(L, 8, "JSON nested too deeply");
    switch (json_typeof(v)) {
    case JSON_OBJECT: jn_push_object(L, v); break;
    case JSON_ARRAY: jn_push_array(L, v); break;
    case JSON_STRING: lua_pushlstring(L, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: lua_pushinteger(L, (lua_Integer)json_integer_value(v)); break;
    case JSON_REAL: lua_pushnumber(L, json_real_value(v)); break;
    case JSON_TRUE: lua_pushboolean(L, 1); break;
    case JSON_FALSE: lua_pushboolean(L, 0); break;
    default: lua_pushvalue(L, JN_NONE); break;
    }
}

static int jn_build(lua_State *L)
{
    jn_push(L, (json_t *)lua_touserdata(L, JN_NONE + 1));
    return 1;
}

/* json_decode(text, List, mkdict, None) -> value, or
 * nil, message, line, column, byte position (jansson's error report). */
static int jn_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, JN_TEXT, &len);
    json_error_t err;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (root == NULL) {
        lua_pushnil(L);
        lua_pushstring(L, err.text);
        lua_pushinteger(L, err.line);
        lua_pushinteger(L, err.column);
        lua_pushinteger(L, err.position);
        return 5;
    }
    /* a Lua error while building (memory, stack depth) must not leak root,
     * so build inside a protected call with the same arguments */
    lua_settop(L, JN_NONE);
    lua_pushcfunction(L, jn_build);
    for (int i = 1; i <= JN_NONE; i++)
        lua_pushvalue(L, i);
    lua_pushlightuserdata(L, root);
    int status = lua_pcall(L, JN_NONE + 1, 1, 0);
    json_decref(root);
    if (status != LUA_OK)
        return lua_error(L);
    return 1;
}

/* Length of the UTF-8 sequence starting at s[i] (n bytes available) and its
 * code point, or 0 when the bytes there are not valid UTF-8. */
static int jn_utf8(const unsigned char *s, size_t i, size_t n, unsigned long *cp)
{
    unsigned char c = s[i];
    int len;
    unsigned long v, min;
    if (c < 0xC2) return 0;
    if (c < 0xE0) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c < 0xF0) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c < 0xF5) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (i + (size_t)len > n) return 0;
    for (int k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i + k] & 0x3F);
    }
    if (v < min || v > 0x10FFFF) return 0;
    *cp = v;
    return len;
}

static void jn_add_u(luaL_Buffer *b, unsigned long u)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, "\\u%04lx", u);
    luaL_addlstring(b, tmp, 6);
}

/* json_escape(s, ensure_ascii) -> the JSON string literal for s, quotes
 * included, escaped exactly as Python's json encoder does. Bytes that are
 * not valid UTF-8 are escaped as \u00XX when ensure_ascii is set. */
static int jn_escape(lua_State *L)
{
    size_t n;
    const unsigned char *s = (const unsigned char *)luaL_checklstring(L, 1, &n);
    int ascii = lua_toboolean(L, 2);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        switch (c) {
        case '"': luaL_addstring(&b, "\\\""); continue;
        case '\\': luaL_addstring(&b, "\\\\"); continue;
        case '\n': luaL_addstring(&b, "\\n"); continue;
        case '\r': luaL_addstring(&b, "\\r"); continue;
        case '\t': luaL_addstring(&b, "\\t"); continue;
        case '\b': luaL_addstring(&b, "\\b"); continue;
        case '\f': luaL_addstring(&b, "\\f"); continue;
        default: break;
        }
        if (c < 0x20 || (ascii && c == 0x7F)) {
            jn_add_u(&b, c);
        } else if (c < 0x80 || !ascii) {
            luaL_addchar(&b, (char)c);
        } else {
            unsigned long cp;
            int len = jn_utf8(s, i, n, &cp);
            if (len == 0) {
                jn_add_u(&b, c);
                continue;
            }
            i += (size_t)len - 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                jn_add_u(&b, 0xD800 | (cp >> 10));
                jn_add_u(&b, 0xDC00 | (cp & 0x3FF));
            } else {
                jn_add_u(&b, cp);
            }
        }
    }
    luaL_addchar(&b, '"');
    luaL_pushresult(&b);
    return 1;
}

void native_json_open(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"json_decode", jn_decode},
        {"json_escape", jn_escape},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
}
