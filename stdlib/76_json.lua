-- 76_json.lua - the built-in `json` module (registered lazily in
-- aio.builtin_modules): dumps/dump with Python's exact output format, and
-- loads/load through jansson (json_native.c), whose error reports are
-- translated into Python's JSONDecodeError messages and positions.
local aio = ...

local rawget, rawequal, getmetatable, setmetatable, type, tostring, select, pcall =
  rawget, rawequal, getmetatable, setmetatable, type, tostring, select, pcall
local math_type, huge = math.type, math.huge
local sfind, ssub, smatch, srep, sformat, sbyte, sgsub = string.find, string.sub, string.match, string.rep,
  string.format, string.byte, string.gsub
local concat, tsort = table.concat, table.sort
local None = aio.None
local native = aio.native

aio.builtin_modules = aio.builtin_modules or {}

local function absent(v) return v == nil or rawequal(v, None) end

-- json.decoder.JSONDecodeError(msg, doc, pos): a ValueError with msg, doc,
-- pos, lineno and colno; positions count characters, like Python's.
local JSONDecodeError = aio.class("JSONDecodeError", { aio.ValueError })
JSONDecodeError.__module__ = "json.decoder"
aio.exc_order[#aio.exc_order + 1] = JSONDecodeError

-- Number of UTF-8 characters in s[1..nbytes].
local function nchars(s, nbytes)
  local _, cont = sgsub(ssub(s, 1, nbytes), "[\128-\191]", "")
  return nbytes - cont
end

local function decode_error(msg, doc, bytepos)
  local pos = nchars(doc, bytepos)
  local before = ssub(doc, 1, bytepos)
  local _, nl = sgsub(before, "\n", "")
  local lastnl = smatch(before, ".*()\n")
  local colno = lastnl and pos - nchars(doc, lastnl) + 1 or pos + 1
  local full = sformat("%s: line %d column %d (char %d)", msg, nl + 1, colno, pos)
  local e = setmetatable({ args = aio.tuple({ [0] = full }) }, JSONDecodeError)
  e.msg, e.doc, e.pos, e.lineno, e.colno = msg, doc, pos, nl + 1, colno
  return e
end
JSONDecodeError.__init__ = aio.def(function(self, msg, doc, pos)
  local e = decode_error(msg, doc, pos)
  for k, v in pairs(e) do self[k] = v end
  return None
end, "JSONDecodeError.__init__", { name = "JSONDecodeError.__init__", params = { "self", "msg", "doc", "pos" } })

---------------------------------------------------------------------------
-- loads
---------------------------------------------------------------------------
-- Last non-space byte before byte offset i (0-based), or nil.
local function prev_char(doc, i)
  local head = ssub(doc, 1, i)
  return smatch(head, "(%S)%s*$")
end

-- Turns jansson's report (text, byte position just after the offending
-- token) into Python's message and the byte offset where Python points.
local function translate(doc, text, pos)
  local near = smatch(text, " near '(.*)'$")
  local start = pos
  if near and near ~= "end of file" then start = pos - #near end
  if near == "end of file" then near = nil end
  if sfind(text, "^unexpected token") then return "Expecting value", start end
  if sfind(text, "^invalid token") then
    -- a number followed by junk at the top level: Python parses the number
    local num = near and smatch(near, "^%-?%d+")
    if num and num ~= "-" and prev_char(doc, start) == nil then
      local n = smatch(near, "^%-?0") or num
      if sfind(near, "^%-?0%d") or #n < #near then return "Extra data", start + #n end
    end
    return "Expecting value", start
  end
  if sfind(text, "^']' expected") then
    local p = prev_char(doc, start)
    if p == "[" or p == "," then return "Expecting value", start end
    return "Expecting ',' delimiter", start
  end
  if sfind(text, "^'}' expected") then return "Expecting ',' delimiter", start end
  if sfind(text, "^string or '}' expected") then
    return "Expecting property name enclosed in double quotes", start
  end
  if sfind(text, "^':' expected") then return "Expecting ':' delimiter", start end
  if sfind(text, "^end of file expected") then return "Extra data", start end
  if sfind(text, "^premature end of input") then
    if near and ssub(near, 1, 1) == '"' then return "Unterminated string starting at", start end
    return "Expecting value", start
  end
  if sfind(text, "^unexpected newline") or sfind(text, "^control character") then
    return "Invalid control character at", pos
  end
  if sfind(text, "^invalid escape") or sfind(text, "^invalid Unicode") then
    local tok = near or ""
    local bs = smatch(tok, ".*()\\")
    if bs then
      if ssub(tok, bs + 1, bs + 1) == "u" then return "Invalid \\uXXXX escape", start + bs end
      return "Invalid \\escape", start + bs - 1
    end
    return "Invalid \\escape", start
  end
  if sfind(text, "^too big integer") or sfind(text, "^real number overflow") then
    local s = pos
    while s > 0 and sfind(ssub(doc, s, s), "[%d%-%+eE%.]") do s = s - 1 end
    return "Number out of range", s
  end
  return "Expecting value", start
end

-- NaN, Infinity and -Infinity (accepted by Python, not by jansson) are
-- rewritten outside string literals into marker strings, decoded, then
-- replaced. Only done after jansson rejects such a token.
local MARK = "\0aio-json-const:"
local JMARK = "\\u0000aio-json-const:"   -- MARK as written inside a JSON string
local function rewrite_consts(doc)
  local out, i, n = {}, 1, #doc
  while i <= n do
    local q = sfind(doc, '"', i, true)
    local chunk = ssub(doc, i, (q or n + 1) - 1)
    chunk = sgsub(chunk, "%-?%f[%w]Infinity%f[^%w]", function(w) return '"' .. JMARK .. w .. '"' end)
    chunk = sgsub(chunk, "%f[%w]NaN%f[^%w]", '"' .. JMARK .. 'NaN"')
    out[#out + 1] = chunk
    if not q then break end
    -- copy the string literal verbatim (up to its closing quote)
    local j = q + 1
    while j <= n do
      local c = sbyte(doc, j)
      if c == 92 then j = j + 2 elseif c == 34 then break else j = j + 1 end
    end
    out[#out + 1] = ssub(doc, q, j)
    i = j + 1
  end
  return concat(out)
end
local CONSTS = { [MARK .. "NaN"] = -(0.0 / 0.0), [MARK .. "Infinity"] = huge, [MARK .. "-Infinity"] = -huge }

local function fix_consts(v)
  if type(v) == "string" then
    local c = CONSTS[v]
    if c then return c end
    return v
  end
  local mt = type(v) == "table" and getmetatable(v)
  if mt == aio.List then
    for i = 0, aio.len(v) - 1 do rawset(v, i, fix_consts(rawget(v, i))) end
  elseif mt == aio.Dict then
    local pairs_ = {}
    for k, val in aio.dict_entries(v) do pairs_[#pairs_ + 1] = { k, val } end
    for _, kv in ipairs(pairs_) do aio.dict_set(v, kv[1], fix_consts(kv[2])) end
  end
  return v
end

local function decode(doc)
  local v, text, _, _, pos = native.json_decode(doc, aio.List, aio.dict, None)
  if text == nil then return v end
  if sfind(text, "^invalid token near '%-?[IN]") then
    local v2, text2 = native.json_decode(rewrite_consts(doc), aio.List, aio.dict, None)
    if text2 == nil then return fix_consts(v2) end
  end
  if sfind(text, "^maximum parsing depth") then
    -- jansson stops at 2048 levels; Python hits its recursion limit instead
    aio.throw(aio.RecursionError, "maximum recursion depth exceeded while decoding a JSON " ..
      (sfind(text, "'{'$") and "object" or "array") .. " from a unicode string")
  end
  local msg, at = translate(doc, text, pos)
  aio.raise(decode_error(msg, doc, at))
end

-- object_hook / object_pairs_hook: applied bottom-up to every decoded object.
local function apply_hooks(v, hook, pairs_hook)
  local mt = type(v) == "table" and getmetatable(v)
  if mt == aio.List then
    for i = 0, aio.len(v) - 1 do rawset(v, i, apply_hooks(rawget(v, i), hook, pairs_hook)) end
  elseif mt == aio.Dict then
    local items = {}
    for k, val in aio.dict_entries(v) do items[#items + 1] = { k, val } end
    for _, kv in ipairs(items) do kv[2] = apply_hooks(kv[2], hook, pairs_hook) end
    if pairs_hook then
      local lst = {}
      for i, kv in ipairs(items) do lst[i - 1] = aio.tuple({ [0] = kv[1], kv[2] }) end
      return aio.call(pairs_hook, { n = 1, setmetatable(lst, aio.List) })
    end
    for _, kv in ipairs(items) do aio.dict_set(v, kv[1], kv[2]) end
    return aio.call(hook, { n = 1, v })
  end
  return v
end

local function loads(s, object_hook, object_pairs_hook)
  if getmetatable(s) == aio.Bytes then s = aio.callm(s, "decode") end
  if type(s) ~= "string" then
    aio.throw(aio.TypeError, "the JSON object must be str, bytes or bytearray, not " .. aio.tname(s))
  end
  if ssub(s, 1, 3) == "\239\187\191" then
    aio.raise(decode_error("Unexpected UTF-8 BOM (decode using utf-8-sig)", s, 0))
  end
  local v = decode(s)
  if not absent(object_hook) or not absent(object_pairs_hook) then
    v = apply_hooks(v, not absent(object_hook) and object_hook or nil,
      not absent(object_pairs_hook) and object_pairs_hook or nil)
  end
  return v
end

---------------------------------------------------------------------------
-- dumps
---------------------------------------------------------------------------
local float_repr = aio.float_repr
-- native is filled by the host before the stdlib loads; plain-Lua runtime
-- tests have none, and never call the encoder.
local json_escape = native and native.json_escape

local function float_text(x, o)
  if x ~= x then
    if not o.allow_nan then aio.throw(aio.ValueError, "Out of range float values are not JSON compliant") end
    return "NaN"
  end
  if x == huge or x == -huge then
    if not o.allow_nan then aio.throw(aio.ValueError, "Out of range float values are not JSON compliant") end
    return x > 0 and "Infinity" or "-Infinity"
  end
  -- Fast path: when 15 significant digits read back (DBL_DIG guarantees
  -- they are then the shortest digits) and %g chose fixed notation, this is
  -- exactly repr(x); otherwise the runtime's general float repr.
  local s = sformat("%.15g", x)
  if tonumber(s) == x and not sfind(s, "e", 1, true) then
    if not sfind(s, ".", 1, true) then s = s .. ".0" end
    return s
  end
  return float_repr(x)
end

-- A dict key as JSON text, or nil to skip it (skipkeys).
local function key_text(k, o)
  local t = type(k)
  if t == "string" then return json_escape(k, o.ascii) end
  local s
  if t == "boolean" then s = k and "true" or "false"
  elseif math_type(k) == "integer" then s = sformat("%d", k)
  elseif t == "number" then s = float_text(k, o)
  elseif rawequal(k, None) then s = "null"
  elseif o.skipkeys then return nil
  else
    aio.throw(aio.TypeError, "keys must be str, int, float, bool or None, not " .. aio.tname(k))
  end
  return '"' .. s .. '"'
end

-- The encoder appends pieces to o.out, counting them in o.n (cheaper than
-- #out on big documents); scalars inside containers take an inlined path.
local encode

local function put(o, piece)
  local n = o.n + 1
  o.out[n] = piece
  o.n = n
end

local function enter(v, o)
  if o.seen[v] then aio.throw(aio.ValueError, "Circular reference detected") end
  o.seen[v] = true
end

-- Appends a scalar's text and returns true, or returns false for containers.
local function scalar(v, o)
  local t = type(v)
  local piece
  if t == "string" then piece = json_escape(v, o.ascii)
  elseif t == "number" then
    if math_type(v) == "integer" then piece = tostring(v) else piece = float_text(v, o) end
  elseif t == "boolean" then piece = v and "true" or "false"
  elseif rawequal(v, None) then piece = "null"
  else return false end
  local n = o.n + 1
  o.out[n] = piece
  o.n = n
  return true
end

local function encode_list(v, o, level)
  local n = aio.len(v)
  if n == 0 then put(o, "[]") return end
  enter(v, o)
  put(o, "[")
  local sep = o.item_sep
  if o.indent then
    local inner = "\n" .. srep(o.indent, level + 1)
    put(o, inner)
    sep = sep .. inner
  end
  for i = 0, n - 1 do
    if i > 0 then put(o, sep) end
    local item = rawget(v, i)
    if not scalar(item, o) then encode(item, o, level + 1) end
  end
  if o.indent then put(o, "\n" .. srep(o.indent, level)) end
  put(o, "]")
  o.seen[v] = nil
end

local function encode_dict(v, o, level)
  if aio.dict_len(v) == 0 then put(o, "{}") return end
  enter(v, o)
  local items = {}
  for k, val in aio.dict_entries(v) do items[#items + 1] = { k, val } end
  if o.sort_keys then tsort(items, function(a, b) return a[1] < b[1] end) end
  put(o, "{")
  local sep = o.item_sep
  if o.indent then
    local inner = "\n" .. srep(o.indent, level + 1)
    put(o, inner)
    sep = sep .. inner
  end
  local first = true
  for _, kv in ipairs(items) do
    local kt = key_text(kv[1], o)
    if kt then
      if not first then put(o, sep) end
      first = false
      put(o, kt)
      put(o, o.key_sep)
      local val = kv[2]
      if not scalar(val, o) then encode(val, o, level + 1) end
    end
  end
  if o.indent then put(o, "\n" .. srep(o.indent, level)) end
  put(o, "}")
  o.seen[v] = nil
end

encode = function(v, o, level)
  if scalar(v, o) then return end
  local mt = type(v) == "table" and getmetatable(v)
  if mt == aio.List or mt == aio.Tuple then return encode_list(v, o, level) end
  if mt == aio.Dict then return encode_dict(v, o, level) end
  -- subclasses of list / tuple / dict encode as their base
  local lay = mt and rawget(mt, "aio_layout")
  if lay == aio.List or lay == aio.Tuple then return encode_list(v, o, level) end
  if lay == aio.Dict then return encode_dict(v, o, level) end
  if o.default then
    enter(v, o)
    encode(aio.call(o.default, { n = 1, v }), o, level)
    o.seen[v] = nil
    return
  end
  aio.throw(aio.TypeError, "Object of type " .. aio.tname(v) .. " is not JSON serializable")
end

local function truthy_opt(v, dflt)
  if v == nil then return dflt end
  return aio.truthy(v)
end

local function dumps(obj, skipkeys, ensure_ascii, check_circular, allow_nan, cls, indent, separators, default,
                     sort_keys)
  local o = {
    skipkeys = truthy_opt(skipkeys, false), ascii = truthy_opt(ensure_ascii, true),
    allow_nan = truthy_opt(allow_nan, true), sort_keys = truthy_opt(sort_keys, false),
    default = not absent(default) and default or nil, seen = {},
  }
  if not absent(indent) then
    if math_type(indent) == "integer" then o.indent = srep(" ", indent)
    elseif type(indent) == "string" then o.indent = indent
    else aio.throw(aio.TypeError, "can't multiply sequence by non-int of type '" .. aio.tname(indent) .. "'") end
  end
  if absent(separators) then
    o.item_sep, o.key_sep = o.indent and "," or ", ", ": "
  else
    local a, n = aio.to_array(separators)
    if n ~= 2 then aio.throw(aio.ValueError, "too many values to unpack (expected 2)") end
    o.item_sep, o.key_sep = a[1], a[2]
  end
  o.out, o.n = {}, 0
  encode(obj, o, 0)
  return concat(o.out)
end

local DUMP_KW = { "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "cls", "indent", "separators",
  "default", "sort_keys" }

local function build()
  local m = aio.new_module("json")
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(f, name, spec)
  end
  fn("dumps", { "obj" }, dumps, { kwonly = DUMP_KW })
  fn("dump", { "obj", "fp" }, function(obj, fp, ...)
    aio.callm(fp, "write", dumps(obj, ...))
    return None
  end, { kwonly = DUMP_KW })
  local LOAD_KW = { "cls", "object_hook", "parse_float", "parse_int", "parse_constant", "object_pairs_hook" }
  fn("loads", { "s" }, function(s, _, hook, _, _, _, pairs_hook) return loads(s, hook, pairs_hook) end,
    { kwonly = LOAD_KW })
  fn("load", { "fp" }, function(fp, _, hook, _, _, _, pairs_hook)
    return loads(aio.callm(fp, "read"), hook, pairs_hook)
  end, { kwonly = LOAD_KW })
  m.JSONDecodeError = JSONDecodeError
  return m
end

aio.builtin_modules.json = build
