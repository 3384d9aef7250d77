-- 72_time.lua - the built-in `time` module (registered lazily in
-- aio.builtin_modules): clocks, a blocking sleep, struct_time and
-- localtime/gmtime/mktime/strftime/asctime/ctime over time_native.c.
local aio = ...

local rawget, rawequal, getmetatable, setmetatable, type = rawget, rawequal, getmetatable, setmetatable, type
local math_type, mfloor, huge = math.type, math.floor, math.huge
local concat = table.concat
local None = aio.None
local native = aio.native

aio.builtin_modules = aio.builtin_modules or {}

local FIELDS = { "tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst" }
local NATIVE = { "year", "mon", "mday", "hour", "min", "sec", "wday", "yday", "isdst" }

local function absent(v) return v == nil or rawequal(v, None) end

-- A number of seconds (int, float or bool), else Python's TypeError.
local function seconds(v)
  local t = type(v)
  if t == "number" then return v end
  if t == "boolean" then return v and 1 or 0 end
  aio.throw(aio.TypeError, "'" .. aio.tname(v) .. "' object cannot be interpreted as an integer")
end

-- struct_time: a read-only 9-item sequence with tm_* attributes (plus
-- tm_zone and tm_gmtoff). Items live at raw 0..8 like a tuple's.
local StructTime = aio.class("struct_time", { aio.object })
StructTime.__module__ = "time"
StructTime.__qualname__ = "struct_time"
StructTime.aio_len = function() return 9 end
StructTime.aio_iter = function(st)
  local i = -1
  return function()
    i = i + 1
    if i < 9 then return rawget(st, i) end
    return nil
  end
end
StructTime.aio_repr = function(st)
  local parts = {}
  for i = 1, 9 do parts[i] = FIELDS[i] .. "=" .. aio.repr(rawget(st, i - 1)) end
  return "time.struct_time(" .. concat(parts, ", ") .. ")"
end
StructTime.__getitem__ = aio.def(function(st, i)
  if math_type(i) == "integer" then
    if i < 0 then i = i + 9 end
    if i < 0 or i >= 9 then aio.throw(aio.IndexError, "tuple index out of range") end
    return rawget(st, i)
  end
  return aio.getslice(aio.tuple({ [0] = st[0], st[1], st[2], st[3], st[4], st[5], st[6], st[7], st[8] }),
    i.start, i.stop, i.step)
end, "struct_time.__getitem__", { name = "struct_time.__getitem__", params = { "self", "key" }, builtin = true })
StructTime.__eq__ = aio.def(function(a, b)
  if type(b) ~= "table" then return false end
  local mb = getmetatable(b)
  if mb ~= StructTime and mb ~= aio.Tuple then return false end
  if mb == aio.Tuple and aio.len(b) ~= 9 then return false end
  for i = 0, 8 do if a[i] ~= b[i] then return false end end
  return true
end, "struct_time.__eq__", { name = "struct_time.__eq__", params = { "self", "other" }, builtin = true })

-- Builds a struct_time from time_native's table.
local function make_struct(t)
  local st = setmetatable({}, StructTime)
  for i = 1, 9 do
    local v = t[NATIVE[i]]
    st[i - 1] = v
    st[FIELDS[i]] = v
  end
  st.tm_zone = t.zone or None
  st.tm_gmtoff = t.gmtoff or None
  return st
end

StructTime.aio_new = function(cls, seq)
  local a, n = aio.to_array(seq)
  if n ~= 9 and n ~= 11 then
    aio.throw(aio.TypeError, "time.struct_time() takes an at least 9-sequence (" .. n .. "-sequence given)")
  end
  local t = {}
  for i = 1, 9 do t[NATIVE[i]] = a[i] end
  t.zone, t.gmtoff = a[10], a[11]
  return make_struct(t)
end
aio.class_done(StructTime)

-- A struct_time or 9-sequence as time_native's table (for strftime/mktime).
local function to_native(v, fname)
  if getmetatable(v) == StructTime then
    local t = {}
    for i = 1, 9 do t[NATIVE[i]] = rawget(v, i - 1) end
    local z = rawget(v, "tm_zone")
    if type(z) == "string" then t.zone = z end
    local g = rawget(v, "tm_gmtoff")
    if math_type(g) == "integer" then t.gmtoff = g end
    return t
  end
  local mt = type(v) == "table" and getmetatable(v)
  if mt ~= aio.Tuple then
    aio.throw(aio.TypeError, "Tuple or struct_time argument required")
  end
  local a, n = aio.to_array(v)
  if n ~= 9 then aio.throw(aio.TypeError, fname .. "(): illegal time tuple argument") end
  local t = {}
  for i = 1, 9 do
    if math_type(a[i]) ~= "integer" then
      aio.throw(aio.TypeError, "'" .. aio.tname(a[i]) .. "' object cannot be interpreted as an integer")
    end
    t[NATIVE[i]] = a[i]
  end
  return t
end

local function convert(fn, secs)
  if absent(secs) then secs = native.time_time() end
  secs = seconds(secs)
  if secs ~= secs then aio.throw(aio.ValueError, "Invalid value NaN (not a number)") end
  local t, err = fn(secs)
  if not t then aio.throw(aio.OverflowError, err) end
  return make_struct(t)
end

local function build()
  local m = aio.new_module("time")
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(f, name, spec)
  end
  m.struct_time = StructTime

  fn("time", {}, native.time_time)
  fn("time_ns", {}, native.time_time_ns)
  fn("monotonic", {}, native.time_monotonic)
  fn("monotonic_ns", {}, native.time_monotonic_ns)
  fn("perf_counter", {}, native.time_monotonic)
  fn("perf_counter_ns", {}, native.time_monotonic_ns)
  fn("process_time", {}, native.time_process_time)
  -- Blocks the whole program (the event loop too); `await asyncio.sleep` will not.
  fn("sleep", { "secs" }, function(secs)
    secs = seconds(secs)
    if secs ~= secs then aio.throw(aio.ValueError, "Invalid value NaN (not a number)") end
    if secs < 0 then aio.throw(aio.ValueError, "sleep length must be non-negative") end
    if secs == huge then aio.throw(aio.OverflowError, "timestamp too large to convert to C _PyTime_t") end
    native.time_sleep(secs)
    return None
  end)
  fn("localtime", { "secs" }, function(secs) return convert(native.time_localtime, secs) end)
  fn("gmtime", { "secs" }, function(secs) return convert(native.time_gmtime, secs) end)
  fn("mktime", { "t" }, function(t)
    local r, err = native.time_mktime(to_native(t, "mktime"))
    if not r then aio.throw(aio.OverflowError, err) end
    return r
  end)
  fn("strftime", { "format", "t" }, function(f, t)
    if type(f) ~= "string" then
      aio.throw(aio.TypeError, "strftime() argument 1 must be str, not " .. aio.tname(f))
    end
    if absent(t) then t = convert(native.time_localtime) end
    return native.time_strftime(f, to_native(t, "strftime"))
  end)
  local function asctime(t) return native.time_strftime("%a %b %e %H:%M:%S %Y", to_native(t, "asctime")) end
  fn("asctime", { "t" }, function(t)
    if absent(t) then t = convert(native.time_localtime) end
    return asctime(t)
  end)
  fn("ctime", { "secs" }, function(secs) return asctime(convert(native.time_localtime, secs)) end)
  local lt = native.time_localtime(0)
  m.timezone = -(lt and lt.gmtoff or 0)
  return m
end

aio.builtin_modules.time = build
