-- 32_bytes.lua - the bytes methods network programs need (upper, strip,
-- split, join, find, startswith, replace, ...) and `bytes * int`. A bytes
-- object holds a Lua string (30_iter.lua); each method here runs the str
-- method of the same name on the raw strings (which are byte strings too) and
-- wraps string results back into bytes. Arguments must be bytes, as in Python.
local aio = ...

local getmetatable, type, rawget, rawequal = getmetatable, type, rawget, rawequal
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local Bytes, Str, BS = aio.Bytes, aio.Str, aio.BYTES_KEY
local None, throw = aio.None, aio.throw

local function need_bytes(x)
  if getmetatable(x) == Bytes then return x[BS] end
  throw(aio.TypeError, "a bytes-like object is required, not '" .. aio.tname(x) .. "'")
end

-- argument conversion: bytes -> string; tuples of bytes (startswith) too
local function arg_in(x)
  if x == nil or rawequal(x, None) or type(x) == "number" or type(x) == "boolean" then return x end
  if getmetatable(x) == aio.Tuple then
    local t = {}
    for i = 0, aio.seqlen(x) - 1 do t[i] = need_bytes(x[i]) end
    return aio.tuple_raw(t)
  end
  return need_bytes(x)
end

local function result_out(v)
  if type(v) == "string" then return aio.bytes(v) end
  local mt = getmetatable(v)
  if mt == aio.List or mt == aio.Tuple then
    for i = 0, aio.seqlen(v) - 1 do
      if type(v[i]) == "string" then v[i] = aio.bytes(v[i]) end
    end
  end
  return v
end

-- name -> number of leading arguments that are bytes (the rest pass as is)
local wrapped = {
  upper = 0, lower = 0, swapcase = 0, title = 0, capitalize = 0,
  strip = 1, lstrip = 1, rstrip = 1,
  split = 1, rsplit = 1, splitlines = 0, partition = 1, rpartition = 1,
  find = 1, rfind = 1, index = 1, rindex = 1, count = 1,
  startswith = 1, endswith = 1, replace = 2,
  removeprefix = 1, removesuffix = 1,
  isdigit = 0, isalpha = 0, isalnum = 0, isspace = 0, isupper = 0, islower = 0, istitle = 0, isascii = 0,
  zfill = 0, ljust = 0, rjust = 0, center = 0, expandtabs = 0,
}

for name, nb in pairs(wrapped) do
  local f = rawget(Str, name)
  if type(f) == "function" then
    Bytes[name] = aio.def(function(self, a, b, c, d)
      local s = self[BS]
      if nb >= 1 then a = arg_in(a) end
      if nb >= 2 then b = arg_in(b) end
      if (name == "ljust" or name == "rjust" or name == "center") and b ~= nil then b = arg_in(b) end
      return result_out(f(s, a, b, c, d))
    end, "bytes." .. name, { name = "bytes." .. name, params = { "self", "a", "b", "c", "d" }, builtin = true })
  end
end

aio.method(Bytes, "join", { "self", "iterable_of_bytes" }, function(self, it)
  local parts, i = {}, 0
  for x in aio.iter(it) do
    i = i + 1
    if getmetatable(x) ~= Bytes then
      throw(aio.TypeError, "sequence item " .. (i - 1) .. ": expected a bytes-like object, " .. aio.tname(x) .. " found")
    end
    parts[i] = x[BS]
  end
  return aio.bytes(table.concat(parts, self[BS]))
end)

local base_mul = Bytes.__mul
Bytes.__mul = function(a, b)
  if getmetatable(a) == Bytes and math.type(b) == "integer" then return aio.bytes(b > 0 and string.rep(a[BS], b) or "") end
  if getmetatable(b) == Bytes and math.type(a) == "integer" then return aio.bytes(a > 0 and string.rep(b[BS], a) or "") end
  if base_mul then return base_mul(a, b) end
  return aio.arith("mul", a, b)
end
