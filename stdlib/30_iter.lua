-- 30_iter.lua - iteration and sequences: aio.iter (Lua iterator functions
-- for every iterable), iterator objects, range, generators (coroutines whose
-- resumer forwards foreign suspensions upward), unpacking, starred displays,
-- slicing, `in`, del x[i], bytes and slice objects.
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable, type, select, pcall, error =
  rawget, rawset, rawequal, getmetatable, setmetatable, type, select, pcall, error
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local math_type = math.type
local ssub, sbyte, sfind, schar, sformat = string.sub, string.byte, string.find, string.char, string.format
local concat, tunpack = table.concat, table.unpack
local co_create, co_resume, co_yield, co_status = coroutine.create, coroutine.resume, coroutine.yield, coroutine.status
local None = aio.None
local throw, tname, repr, eq, truthy, method, lookup = aio.throw, aio.tname, aio.repr, aio.eq, aio.truthy, aio.method, aio.lookup
local TypeError, ValueError, IndexError, KeyError, StopIteration, RuntimeError =
  aio.TypeError, aio.ValueError, aio.IndexError, aio.KeyError, aio.StopIteration, aio.RuntimeError
local List, Tuple, Dict, Set, Range, Iterator, Generator, Bytes =
  aio.List, aio.Tuple, aio.Dict, aio.Set, aio.Range, aio.Iterator, aio.Generator, aio.Bytes
local seqlen, to_array, from_array = aio.seqlen, aio.to_array, aio.from_array
local index_int = aio.index_int

---------------------------------------------------------------------------
-- iter
---------------------------------------------------------------------------
local function str_iter(s)
  local i, n = 1, #s
  return function()
    if i > n then return nil end
    local b = sbyte(s, i)
    local l = b < 0x80 and 1 or b >= 0xF0 and 4 or b >= 0xE0 and 3 or b >= 0xC0 and 2 or 1
    local c = ssub(s, i, i + l - 1)
    i = i + l
    return c
  end
end
aio.str_iter = str_iter

local function user_iter(x, mt)
  local f = lookup(mt, "__iter__")
  if not f then
    local gi = lookup(mt, "__getitem__")
    if gi then
      -- the old sequence protocol: x[0], x[1], ... until IndexError
      local i = -1
      return function()
        i = i + 1
        local ok, v = pcall(gi, x, i)
        if ok then return v end
        local e = aio.exc(v)
        if aio.isinst(e, IndexError) or aio.isinst(e, StopIteration) then return nil end
        error(e, 0)
      end
    end
    throw(TypeError, "'" .. tname(x) .. "' object is not iterable")
  end
  local it = f(x)
  local imt = type(it) == "table" and getmetatable(it)
  local ai = imt and rawget(imt, "aio_iter")
  if ai then return ai(it) end
  local nxt = imt and lookup(imt, "__next__")
  if not nxt then throw(TypeError, "iter() returned non-iterator of type '" .. tname(it) .. "'") end
  local done = false
  return function()
    if done then return nil end
    local ok, v = pcall(nxt, it)
    if ok then return v end
    local e = aio.exc(v)
    if aio.isinst(e, StopIteration) then done = true return nil end
    error(e, 0)
  end
end

local function iter(x)
  local t = type(x)
  if t == "table" then
    local mt = getmetatable(x)
    if mt == List or mt == Tuple then
      local i = -1
      return function()
        i = i + 1
        -- items 1..#x are raw (lists have no __len); re-read each step, as
        -- Python sees items appended during the loop
        if i > 0 then
          if i <= #x then return x[i] end
          return nil
        end
        return rawget(x, 0)
      end
    end
    local f = mt and rawget(mt, "aio_iter")
    if f then return f(x) end
    if mt and rawget(mt, "aio_user") then return user_iter(x, mt) end
  elseif t == "string" then
    return str_iter(x)
  end
  throw(TypeError, "'" .. tname(x) .. "' object is not iterable")
end
aio.iter = iter

function aio.is_iterable(x)
  local t = type(x)
  if t == "string" then return true end
  if t ~= "table" then return false end
  local mt = getmetatable(x)
  if mt == aio.Type then return lookup(x, "__class_iter__") ~= nil end
  if mt == List or mt == Tuple or (mt and rawget(mt, "aio_iter")) then return true end
  return mt and rawget(mt, "aio_user") and (lookup(mt, "__iter__") or lookup(mt, "__getitem__")) and true or false
end

-- Wraps a Lua iterator function as an aio iterator object.
local function make_iter(fn, name)
  return setmetatable({ fn = fn, name = name or "iterator" }, Iterator)
end
aio.make_iter = make_iter
Iterator.aio_iter = function(it) return it.fn end
Iterator.__index = function(it, k)
  local m = rawget(Iterator, k)
  if m ~= nil then return m end
  throw(aio.AttributeError, "'" .. it.name .. "' object has no attribute '" .. tostring(k) .. "'")
end
Iterator.aio_repr = function(it) return "<" .. it.name .. " object at " .. aio.addr(it) .. ">" end
method(Iterator, "__next__", { "self" }, function(it)
  local v = it.fn()
  if v == nil then throw(StopIteration) end
  return v
end)
method(Iterator, "__iter__", { "self" }, function(it) return it end)

---------------------------------------------------------------------------
-- range
---------------------------------------------------------------------------
local function range_len(r)
  local a, b, s = r.start, r.stop, r.step
  if s > 0 then
    if a >= b then return 0 end
    return (b - a - 1) // s + 1
  end
  if a <= b then return 0 end
  return (a - b - 1) // (-s) + 1
end
aio.range_len = range_len

local function new_range(a, b, s)
  return setmetatable({ start = a, stop = b, step = s }, Range)
end

Range.aio_new = function(cls, a, b, s)
  if a == nil then throw(TypeError, "range expected at least 1 argument, got 0") end
  local int = aio.index_int
  if b == nil then return new_range(0, int(a), 1) end
  a, b = int(a), int(b)
  if s == nil then s = 1 else
    s = int(s)
    if s == 0 then throw(ValueError, "range() arg 3 must not be zero") end
  end
  return new_range(a, b, s)
end
Range.aio_iter = function(r)
  local i, b, s = r.start - r.step, r.stop, r.step
  if s > 0 then
    return function()
      i = i + s
      if i < b then return i end
      return nil
    end
  end
  return function()
    i = i + s
    if i > b then return i end
    return nil
  end
end
Range.aio_len = range_len
Range.aio_bool = function(r) return range_len(r) > 0 end
Range.aio_repr = function(r)
  if r.step == 1 then return "range(" .. r.start .. ", " .. r.stop .. ")" end
  return "range(" .. r.start .. ", " .. r.stop .. ", " .. r.step .. ")"
end
Range.aio_contains = function(r, x)
  if type(x) == "boolean" then x = x and 1 or 0 end
  if type(x) ~= "number" then return false end
  if math_type(x) == "float" then
    if x ~= math.floor(x) then return false end
    x = math.tointeger(x)
    if not x then return false end
  end
  local a, b, s = r.start, r.stop, r.step
  if s > 0 then
    if x < a or x >= b then return false end
  else
    if x > a or x <= b then return false end
  end
  return (x - a) % s == 0
end
Range.__index = function(r, k)
  if math_type(k) == "integer" then
    local n = range_len(r)
    if k < 0 then k = k + n end
    if k < 0 or k >= n then throw(IndexError, "range object index out of range") end
    return r.start + k * r.step
  end
  if type(k) == "string" then
    local m = rawget(Range, k)
    if m ~= nil then return m end
    throw(aio.AttributeError, "'range' object has no attribute '" .. k .. "'")
  end
  local ix = type(k) == "table" and lookup(getmetatable(k), "__index__")
  if ix then return r[ix(k)] end
  if getmetatable(k) == aio.Slice then return aio.getslice(r, k.start, k.stop, k.step) end   -- a[slice(...)]
  throw(TypeError, "range indices must be integers or slices, not " .. tname(k))
end
Range.__newindex = function() throw(TypeError, "'range' object does not support item assignment") end
Range.__eq = function(a, b)
  if getmetatable(b) ~= Range then return false end
  local na, nb = range_len(a), range_len(b)
  if na ~= nb then return false end
  if na == 0 then return true end
  if a.start ~= b.start then return false end
  return na == 1 or a.step == b.step
end
method(Range, "index", { "self", "value" }, function(r, x)
  if not Range.aio_contains(r, x) then throw(ValueError, repr(x) .. " is not in range") end
  return (x - r.start) // r.step
end)
method(Range, "count", { "self", "value" }, function(r, x)
  return Range.aio_contains(r, x) and 1 or 0
end)
aio.install_generic(Range)

---------------------------------------------------------------------------
-- generators
---------------------------------------------------------------------------
-- A value yielded for the consumer is tagged with YIELD; anything else a
-- coroutine yields is a suspension meant for an outer scheduler (the event
-- loop) and is passed upward unchanged, its answer passed back down.
local YIELD, THROW = {}, {}
aio.YIELD_TAG = YIELD

function aio.yield(v)
  if v == nil then v = None end
  local r, e = co_yield(YIELD, v)
  if r == THROW then error(e, 0) end
  if r == nil then return None end
  return r
end

function aio.generator(fn, name)
  return setmetatable({ co = co_create(fn), name = name or "generator", done = false, running = false }, Generator)
end

local function gen_fail(g, err)
  g.running = false
  g.done = true
  local e = aio.exc(err)
  if aio.tb_add_coroutine then aio.tb_add_coroutine(e, g.co, g.name) end
  coroutine.close(g.co)   -- runs pending to-be-closed markers (see 80_tasks.lua)
  if aio.isinst(e, StopIteration) then
    -- PEP 479; the RuntimeError's traceback starts at the consumer
    local r = aio.RuntimeError
    local ne = setmetatable({ args = aio.tuple({ [0] = "generator raised StopIteration" }) }, r)
    rawset(ne, "__cause__", e)
    e = ne
  end
  error(e, 0)
end

-- Resumes g; returns true, value for a yielded value or false, retval at the end.
local function gen_resume(g, a1, a2)
  if g.done then return false, None end
  if g.running then throw(ValueError, "generator already executing") end
  local co = g.co
  g.running = true
  local ok, a, b = co_resume(co, a1, a2)
  while true do
    if not ok then gen_fail(g, a) end
    if co_status(co) == "dead" then
      g.running = false
      g.done = true
      if a == nil then a = None end
      return false, a
    end
    if a == YIELD then
      g.running = false
      return true, b
    end
    -- a foreign suspension: forward it to whoever resumed us
    ok, a, b = co_resume(co, co_yield(a, b))
  end
end
aio.gen_resume = gen_resume

Generator.aio_iter = function(g)
  return function()
    local more, v = gen_resume(g)
    if more then return v end
    return nil
  end
end
Generator.__index = aio.methods_only_index(Generator, "generator")
Generator.aio_repr = function(g) return "<generator object " .. g.name .. " at " .. aio.addr(g) .. ">" end

local function stop_with(v)
  local e = setmetatable({ args = aio.tuple(rawequal(v, None) and {} or { [0] = v }), value = v }, StopIteration)
  error(e, 0)
end
local function gen_next(g)
  local more, v = gen_resume(g)
  if more then return v end
  stop_with(v)
end
aio.gen_next = gen_next
method(Generator, "__next__", { "self" }, gen_next)
method(Generator, "__iter__", { "self" }, function(g) return g end)
method(Generator, "send", { "self", "value" }, function(g, v)
  if co_status(g.co) == "suspended" and not rawget(g, "started") and not rawequal(v, None) and v ~= nil then
    -- first resume: Python requires None
    if debug.getinfo(g.co, 0, "l") == nil then
      throw(TypeError, "can't send non-None value to a just-started generator")
    end
  end
  local more, r = gen_resume(g, v)
  if more then return r end
  stop_with(r)
end)
method(Generator, "throw", { "self", "typ", "val" }, function(g, typ, val)
  local e = typ
  if getmetatable(e) == aio.Type then e = (val ~= nil and not rawequal(val, None)) and e(val) or e() end
  if debug.getinfo(g.co, 0, "l") == nil then
    g.done = true
    error(e, 0)
  end
  local more, r = gen_resume(g, THROW, e)
  if more then return r end
  stop_with(r)
end)
-- close(): a suspended generator gets GeneratorExit at its yield, so its
-- finally blocks and with statements run; one that never started just ends.
method(Generator, "close", { "self" }, function(g)
  if g.done then return None end
  if co_status(g.co) ~= "suspended" or debug.getinfo(g.co, 0, "l") == nil then
    g.done = true
    return None
  end
  local ok, more = pcall(gen_resume, g, THROW, aio.GeneratorExit())
  if ok then
    if more then throw(aio.RuntimeError, "generator ignored GeneratorExit") end
    return None
  end
  local e = aio.exc(more)
  if aio.isinst(e, aio.GeneratorExit) then return None end
  error(e, 0)
end)

function aio.yield_from(x)
  if type(x) == "table" and getmetatable(x) == Generator then
    local sent
    while true do
      local more, v = gen_resume(x, sent)
      if not more then return v end
      sent = aio.yield(v)
    end
  end
  for v in iter(x) do aio.yield(v) end
  return None
end

---------------------------------------------------------------------------
-- unpacking and starred displays
---------------------------------------------------------------------------
local function not_iterable_unpack(t)
  if not aio.is_iterable(t) then
    throw(TypeError, "cannot unpack non-iterable " .. tname(t) .. " object")
  end
end

function aio.unpack(t, n)
  local mt = type(t) == "table" and getmetatable(t)
  if mt == Tuple or mt == List then
    local len = seqlen(t)
    if len == n then return tunpack(t, 0, n - 1) end
    if len < n then throw(ValueError, "not enough values to unpack (expected " .. n .. ", got " .. len .. ")") end
    throw(ValueError, "too many values to unpack (expected " .. n .. ")")
  end
  not_iterable_unpack(t)
  local a, k = {}, 0
  for v in iter(t) do
    k = k + 1
    if k > n then throw(ValueError, "too many values to unpack (expected " .. n .. ")") end
    a[k] = v
  end
  if k < n then throw(ValueError, "not enough values to unpack (expected " .. n .. ", got " .. k .. ")") end
  return tunpack(a, 1, n)
end

function aio.unpack_star(t, nb, na)
  not_iterable_unpack(t)
  local a, n = to_array(t)
  if n < nb + na then
    throw(ValueError, "not enough values to unpack (expected at least " .. (nb + na) .. ", got " .. n .. ")")
  end
  local res = {}
  for i = 1, nb do res[i] = a[i] end
  local mid = {}
  for i = nb + 1, n - na do mid[i - nb - 1] = a[i] end
  res[nb + 1] = setmetatable(mid, List)
  for i = 1, na do res[nb + 1 + i] = a[n - na + i] end
  return tunpack(res, 1, nb + 1 + na)
end

function aio.starred(kind, ...)
  local out, n = {}, 0
  for i = 1, select("#", ...) do
    local part = select(i, ...)
    local mt = type(part) == "table" and getmetatable(part)
    if mt == List or mt == Tuple then
      for j = 0, seqlen(part) - 1 do out[n] = rawget(part, j) n = n + 1 end
    else
      if not aio.is_iterable(part) then
        throw(TypeError, "Value after * must be an iterable, not " .. tname(part))
      end
      for v in iter(part) do out[n] = v n = n + 1 end
    end
  end
  if kind == "set" then
    local s = aio.new_map(Set)
    for i = 0, n - 1 do aio.set_add(s, out[i]) end
    return s
  end
  return setmetatable(out, kind == "tuple" and Tuple or List)
end

---------------------------------------------------------------------------
-- slices
---------------------------------------------------------------------------
local Slice = aio.bclass("slice")
aio.Slice = Slice
local function slice_obj(i, j, k)
  return setmetatable({ start = i == nil and None or i, stop = j == nil and None or j, step = k == nil and None or k }, Slice)
end
Slice.aio_new = function(cls, a, b, c)
  if b == nil then return slice_obj(None, a, None) end
  return slice_obj(a, b, c)
end
Slice.aio_repr = function(s)
  return "slice(" .. repr(s.start) .. ", " .. repr(s.stop) .. ", " .. repr(s.step) .. ")"
end
Slice.__index = aio.methods_only_index(Slice, "slice")
Slice.__eq = function(a, b)
  return getmetatable(b) == Slice and eq(a.start, b.start) and eq(a.stop, b.stop) and eq(a.step, b.step)
end
Slice.aio_unhashable = true

local function sl_int(v)
  if v == nil or rawequal(v, None) then return nil end
  if math_type(v) == "integer" then return v end
  if type(v) == "boolean" then return v and 1 or 0 end
  throw(TypeError, "slice indices must be integers or None or have an __index__ method")
end

-- Python's PySlice_AdjustIndices: returns start, stop, step, count.
local function slice_indices(n, i, j, k)
  local step = sl_int(k) or 1
  if step == 0 then throw(ValueError, "slice step cannot be zero") end
  local start, stop = sl_int(i), sl_int(j)
  if step > 0 then
    if start == nil then start = 0 else
      if start < 0 then start = start + n if start < 0 then start = 0 end elseif start > n then start = n end
    end
    if stop == nil then stop = n else
      if stop < 0 then stop = stop + n if stop < 0 then stop = 0 end elseif stop > n then stop = n end
    end
    local count = stop > start and (stop - start - 1) // step + 1 or 0
    return start, stop, step, count
  end
  if start == nil then start = n - 1 else
    if start < 0 then start = start + n if start < 0 then start = -1 end elseif start >= n then start = n - 1 end
  end
  if stop == nil then stop = -1 else
    if stop < 0 then stop = stop + n if stop < 0 then stop = -1 end elseif stop >= n then stop = n - 1 end
  end
  local count = start > stop and (start - stop - 1) // (-step) + 1 or 0
  return start, stop, step, count
end
aio.slice_indices = slice_indices
method(Slice, "indices", { "self", "length" }, function(s, n)
  local a, b, c = slice_indices(index_int(n), s.start, s.stop, s.step)
  return aio.tuple({ [0] = a, b, c })
end)

local BS = aio.BYTES_KEY   -- private key of a bytes object's Lua string

function aio.getslice(a, i, j, k)
  local t = type(a)
  if t == "string" then
    local n = #a
    local start, stop, step, count = slice_indices(n, i, j, k)
    if step == 1 then return ssub(a, start + 1, stop) end
    local out = {}
    for c = 0, count - 1 do
      local p = start + c * step + 1
      out[c + 1] = ssub(a, p, p)
    end
    return concat(out)
  end
  if t == "table" then
    local mt = getmetatable(a)
    if mt == List or mt == Tuple then
      local start, _, step, count = slice_indices(seqlen(a), i, j, k)
      local r = {}
      for c = 0, count - 1 do r[c] = rawget(a, start + c * step) end
      return setmetatable(r, mt)
    end
    if mt == Bytes then return aio.bytes(aio.getslice(a[BS], i, j, k)) end
    if mt == Range then
      local start, _, step, count = slice_indices(range_len(a), i, j, k)
      local s2 = a.step * step
      local b0 = a.start + start * a.step
      return new_range(b0, b0 + count * s2, s2)
    end
    local gi = mt and lookup(mt, "__getitem__")
    if gi then return gi(a, slice_obj(i, j, k)) end
  end
  throw(TypeError, "'" .. tname(a) .. "' object is not subscriptable")
end

local list_setslice
function aio.setslice(a, i, j, k, v)
  local mt = type(a) == "table" and getmetatable(a)
  if mt ~= List then
    local si = mt and lookup(mt, "__setitem__")
    if si then si(a, slice_obj(i, j, k), v) return end
    throw(TypeError, "'" .. tname(a) .. "' object does not support item assignment")
  end
  return list_setslice(a, i, j, k, v)
end

list_setslice = function(a, i, j, k, v)
  if not aio.is_iterable(v) then throw(TypeError, "can only assign an iterable") end
  local vals, nv = to_array(v)
  local n = seqlen(a)
  if k == nil or rawequal(k, None) or k == 1 then
    local start, stop = slice_indices(n, i, j, nil)
    if stop < start then stop = start end
    local tail, nt = {}, 0
    for p = stop, n - 1 do nt = nt + 1 tail[nt] = rawget(a, p) end
    for p = 1, nv do rawset(a, start + p - 1, vals[p]) end
    local base = start + nv
    for p = 1, nt do rawset(a, base + p - 1, tail[p]) end
    for p = n - 1, base + nt, -1 do rawset(a, p, nil) end
    return
  end
  local start, _, step, count = slice_indices(n, i, j, k)
  if count ~= nv then
    throw(ValueError, "attempt to assign sequence of size " .. nv .. " to extended slice of size " .. count)
  end
  for c = 0, count - 1 do rawset(a, start + c * step, vals[c + 1]) end
end

local list_delslice
function aio.delslice(a, i, j, k)
  local mt = type(a) == "table" and getmetatable(a)
  if mt ~= List then
    local di = mt and lookup(mt, "__delitem__")
    if di then di(a, slice_obj(i, j, k)) return end
    throw(TypeError, "'" .. tname(a) .. "' object does not support item deletion")
  end
  return list_delslice(a, i, j, k)
end

list_delslice = function(a, i, j, k)
  local n = seqlen(a)
  local start, _, step, count = slice_indices(n, i, j, k)
  if count == 0 then return end
  local drop = {}
  for c = 0, count - 1 do drop[start + c * step] = true end
  local w = 0
  for p = 0, n - 1 do
    if not drop[p] then
      if w ~= p then rawset(a, w, rawget(a, p)) end
      w = w + 1
    end
  end
  for p = n - 1, w, -1 do rawset(a, p, nil) end
end

local function list_delitem(a, i)
  if type(i) == "boolean" then i = i and 1 or 0 end
  if math_type(i) ~= "integer" then
    if getmetatable(i) == Slice then return list_delslice(a, i.start, i.stop, i.step) end
    throw(TypeError, "list indices must be integers or slices, not " .. tname(i))
  end
  local n = seqlen(a)
  if i < 0 then i = i + n end
  if i < 0 or i >= n then throw(IndexError, "list assignment index out of range") end
  for p = i, n - 2 do rawset(a, p, rawget(a, p + 1)) end
  rawset(a, n - 1, nil)
end

-- list's item methods (what a list subclass inherits: super().__getitem__(i),
-- l[1:3] and del l[0] on a subclass come here too)
method(List, "__getitem__", { "self", "index" }, function(t, k)
  if getmetatable(k) == Slice then
    local start, _, step, count = slice_indices(seqlen(t), k.start, k.stop, k.step)
    local r = {}
    for c = 0, count - 1 do r[c] = rawget(t, start + c * step) end
    return setmetatable(r, List)
  end
  local v = math_type(k) == "integer" and rawget(t, k)
  if v then return v end
  return List.__index(t, k)
end)
method(List, "__setitem__", { "self", "index", "value" }, function(t, k, v)
  if getmetatable(k) == Slice then list_setslice(t, k.start, k.stop, k.step, v) return None end
  if math_type(k) == "integer" and rawget(t, k) ~= nil then rawset(t, k, v) return None end
  List.__newindex(t, k, v)
  return None
end)
method(List, "__delitem__", { "self", "index" }, function(t, k) list_delitem(t, k) return None end)

function aio.delitem(a, i)
  local mt = type(a) == "table" and getmetatable(a)
  if mt == List then return list_delitem(a, i) end
  if mt == Dict then
    if aio.dict_remove(a, i) == nil then throw(KeyError, i) end
    return
  end
  local di = mt and lookup(mt, "__delitem__")   -- dict subclasses: a user's or dict's
  if di then di(a, i) return end
  if type(a) == "table" and mt and rawget(mt, "aio_user") and not lookup(mt, "__getitem__") then
    throw(TypeError, "'" .. tname(a) .. "' object does not support item deletion")
  end
  throw(TypeError, "'" .. tname(a) .. "' object doesn't support item deletion")
end

---------------------------------------------------------------------------
-- in
---------------------------------------------------------------------------
function aio.contains(c, x)
  local t = type(c)
  if t == "string" then
    if type(x) ~= "string" then
      throw(TypeError, "'in <string>' requires string as left operand, not " .. tname(x))
    end
    return sfind(c, x, 1, true) ~= nil
  end
  if t == "table" then
    local mt = getmetatable(c)
    if mt == List or mt == Tuple then
      for i = 0, seqlen(c) - 1 do
        local v = rawget(c, i)
        if rawequal(v, x) or eq(v, x) then return true end
      end
      return false
    end
    local f = mt and rawget(mt, "aio_contains")
    if f then return f(c, x) end
    if mt and rawget(mt, "aio_user") then
      f = lookup(mt, "__contains__")
      if f then return truthy(f(c, x)) end
      if lookup(mt, "__iter__") or lookup(mt, "__getitem__") then
        for v in iter(c) do if rawequal(v, x) or eq(v, x) then return true end end
        return false
      end
    end
    if mt and rawget(mt, "aio_iter") then
      for v in iter(c) do if rawequal(v, x) or eq(v, x) then return true end end
      return false
    end
  end
  throw(TypeError, "argument of type '" .. tname(c) .. "' is not iterable")
end

---------------------------------------------------------------------------
-- Iterating, sizing and `in` on a class itself (what a metaclass's __iter__,
-- __len__ and __contains__ do in Python; there are no metaclasses): a class
-- may define the class methods __class_iter__, __class_len__ and
-- __class_contains__ (the enum module does). Other classes raise Python's errors.
---------------------------------------------------------------------------
local Type = aio.Type
local function class_hook(cls, name)
  local f = lookup(cls, name)
  if type(f) == "table" and getmetatable(f) == aio.ClassMethod then f = f.f end
  return f
end
Type.aio_iter = function(cls)
  local f = class_hook(cls, "__class_iter__")
  if not f then throw(TypeError, "'type' object is not iterable") end
  return iter(f(cls))
end
Type.aio_len = function(cls)
  local f = class_hook(cls, "__class_len__")
  if not f then throw(TypeError, "object of type 'type' has no len()") end
  return f(cls)
end
Type.aio_contains = function(cls, x)
  local f = class_hook(cls, "__class_contains__")
  if f then return aio.truthy(f(cls, x)) end
  if not class_hook(cls, "__class_iter__") then
    throw(TypeError, "argument of type 'type' is not iterable")
  end
  for v in iter(cls) do if rawequal(v, x) or eq(v, x) then return true end end
  return false
end

---------------------------------------------------------------------------
-- bytes (minimal)
---------------------------------------------------------------------------
function aio.bytes(s) return setmetatable({ [BS] = s }, Bytes) end
-- The Lua string inside a bytes object, or nil when b is not bytes.
function aio.bytes_value(b) if getmetatable(b) == Bytes then return rawget(b, BS) end return nil end
Bytes.aio_new = function(cls, v, enc)
  if v == nil then return aio.bytes("") end
  if type(v) == "string" then
    if enc == nil then throw(TypeError, "string argument without an encoding") end
    return aio.bytes(v)
  end
  if math_type(v) == "integer" then return aio.bytes(string.rep("\0", v)) end
  local out = {}
  for x in iter(v) do
    if math_type(x) ~= "integer" or x < 0 or x > 255 then throw(ValueError, "bytes must be in range(0, 256)") end
    out[#out + 1] = schar(x)
  end
  return aio.bytes(concat(out))
end
Bytes.__index = function(b, k)
  if math_type(k) == "integer" then
    local s = b[BS]
    local n = #s
    if k < 0 then k = k + n end
    if k < 0 or k >= n then throw(IndexError, "index out of range") end
    return sbyte(s, k + 1)
  end
  if type(k) == "string" then
    local m = rawget(Bytes, k)
    if m ~= nil then return m end
    throw(aio.AttributeError, "'bytes' object has no attribute '" .. k .. "'")
  end
  if getmetatable(k) == aio.Slice then return aio.getslice(b, k.start, k.stop, k.step) end   -- a[slice(...)]
  throw(TypeError, "byte indices must be integers or slices, not " .. tname(k))
end
Bytes.__newindex = function() throw(TypeError, "'bytes' object does not support item assignment") end
Bytes.aio_len = function(b) return #b[BS] end
Bytes.aio_bool = function(b) return b[BS] ~= "" end
Bytes.aio_iter = function(b)
  local s, i = b[BS], 0
  return function()
    i = i + 1
    return sbyte(s, i)
  end
end
Bytes.aio_contains = function(b, x)
  if math_type(x) == "integer" then return sfind(b[BS], schar(x), 1, true) ~= nil end
  if getmetatable(x) == Bytes then return sfind(b[BS], x[BS], 1, true) ~= nil end
  throw(TypeError, "a bytes-like object is required, not '" .. tname(x) .. "'")
end
Bytes.aio_hkey = function(b) return "b" .. b[BS] end
Bytes.__eq = function(a, b) return getmetatable(b) == Bytes and a[BS] == b[BS] end
Bytes.__lt = function(a, b)
  if getmetatable(b) ~= Bytes then return aio.lt(a, b) end
  return a[BS] < b[BS]
end
Bytes.__le = function(a, b)
  if getmetatable(b) ~= Bytes then return aio.le(a, b) end
  return a[BS] <= b[BS]
end
Bytes.__add = function(a, b)   -- x += y on bytes is the plain add
  if getmetatable(a) == Bytes and getmetatable(b) == Bytes then return aio.bytes(a[BS] .. b[BS]) end
  return aio.arith("add", a, b)
end
Bytes.aio_repr = function(b)
  local s = b[BS]
  local q = "'"
  if sfind(s, "'", 1, true) and not sfind(s, '"', 1, true) then q = '"' end
  local out = {}
  for i = 1, #s do
    local c = sbyte(s, i)
    local ch = schar(c)
    if ch == "\\" then out[i] = "\\\\"
    elseif ch == q then out[i] = "\\" .. q
    elseif ch == "\n" then out[i] = "\\n"
    elseif ch == "\r" then out[i] = "\\r"
    elseif ch == "\t" then out[i] = "\\t"
    elseif c < 32 or c >= 127 then out[i] = sformat("\\x%02x", c)
    else out[i] = ch end
  end
  return "b" .. q .. concat(out) .. q
end
aio.install_generic(Bytes)
method(Bytes, "decode", { "self", "encoding", "errors" }, function(b)
  local s = b[BS]
  if not utf8.len(s) then
    local _, pos = utf8.len(s)
    throw(aio.UnicodeDecodeError, "'utf-8' codec can't decode byte 0x" ..
      sformat("%02x", sbyte(s, pos)) .. " in position " .. (pos - 1) .. ": invalid start byte")
  end
  return s
end)
method(Bytes, "hex", { "self" }, function(b)
  return (string.gsub(b[BS], ".", function(c) return sformat("%02x", sbyte(c)) end))
end)
