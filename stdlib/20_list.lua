-- 20_list.lua - list and tuple: items at raw keys 0..n-1; the metatables
-- turn index misses into negative indexing or IndexError; methods, stable
-- sort, lexicographic comparison, structural ==, repr.
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable, type, select =
  rawget, rawset, rawequal, getmetatable, setmetatable, type, select
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local math_type = math.type
local concat, tsort, tunpack = table.concat, table.sort, table.unpack
local None = aio.None
local throw, tname, repr, eq, truthy = aio.throw, aio.tname, aio.repr, aio.eq, aio.truthy
local method, index_int = aio.method, aio.index_int
local TypeError, ValueError, IndexError, AttributeError = aio.TypeError, aio.ValueError, aio.IndexError, aio.AttributeError
local List, Tuple = aio.List, aio.Tuple

local function len(t)
  if rawget(t, 0) == nil then return 0 end
  return #t + 1
end
aio.seqlen = len

function aio.list(t) return setmetatable(t, List) end
function aio.tuple(t) return setmetatable(t, Tuple) end
aio.tuple_raw = aio.tuple

local function seq_index(cls, what)
  -- Methods found once are remembered in a plain table: xs:append(v) is the
  -- hot case, and a Lua table read is far cheaper than rawget (a C call).
  -- The builtin types' methods never change after start-up.
  local cache = {}
  return function(t, k)
    local m = cache[k]
    if m ~= nil then return m end
    m = rawget(cls, k)
    if m ~= nil then
      if type(k) == "string" then cache[k] = m end
      return m
    end
    if math_type(k) == "integer" then
      if k < 0 then
        local v = rawget(t, k + len(t))
        if v ~= nil then return v end
      end
      throw(IndexError, what .. " index out of range")
    end
    if type(k) == "string" then
      throw(TypeError, what .. " indices must be integers or slices, not str")
    end
    if type(k) == "boolean" then return t[k and 1 or 0] end
    if getmetatable(k) == aio.Slice then return aio.getslice(t, k.start, k.stop, k.step) end   -- a[slice(...)]
    local ix = type(k) == "table" and aio.lookup(getmetatable(k), "__index__")
    if ix then return t[ix(k)] end   -- an object with __index__
    if math_type(k) == "float" and k == k and k == math.floor(k) then
      throw(TypeError, what .. " indices must be integers or slices, not float")
    end
    throw(TypeError, what .. " indices must be integers or slices, not " .. tname(k))
  end
end
List.__index = seq_index(List, "list")
Tuple.__index = seq_index(Tuple, "tuple")

List.__newindex = function(t, k, v)
  if type(k) == "boolean" then k = k and 1 or 0 end
  local ix = type(k) == "table" and aio.lookup(getmetatable(k), "__index__")
  if ix then k = ix(k) end
  if math_type(k) == "integer" then
    local n = len(t)
    if k < 0 then k = k + n end
    if k >= 0 and k < n then rawset(t, k, v) return end
    throw(IndexError, "list assignment index out of range")
  end
  throw(TypeError, "list indices must be integers or slices, not " .. tname(k))
end
Tuple.__newindex = function()
  throw(TypeError, "'tuple' object does not support item assignment")
end

local function seq_bool(t) return rawget(t, 0) ~= nil end
List.aio_bool, Tuple.aio_bool = seq_bool, seq_bool
List.aio_len, Tuple.aio_len = len, len

-- repr with a guard against recursive containers
local active = setmetatable({}, { __mode = "k" })
aio.repr_active = active

-- The reprs of t[0..n-1]. t is marked while they run, so a container that
-- holds itself prints as [...] / (...); the mark is cleared on errors too.
local function item_reprs(t, n)
  active[t] = true
  local parts = {}
  local ok, err = pcall(function()
    for i = 0, n - 1 do parts[i + 1] = repr(rawget(t, i)) end
  end)
  active[t] = nil
  if not ok then error(err, 0) end
  return parts
end

List.aio_repr = function(t)
  if active[t] then return "[...]" end
  return "[" .. concat(item_reprs(t, len(t)), ", ") .. "]"
end
Tuple.aio_repr = function(t)
  local n = len(t)
  if n == 0 then return "()" end
  if active[t] then return "(...)" end
  local parts = item_reprs(t, n)
  if n == 1 then return "(" .. parts[1] .. ",)" end
  return "(" .. concat(parts, ", ") .. ")"
end

-- structural equality / ordering
-- The builtin sequence type whose layout v has (subclasses included).
local function layout(mt)
  if mt == List or mt == Tuple then return mt end
  return mt and rawget(mt, "aio_layout")
end

local function seq_eq(a, b)
  local mt = getmetatable(a)
  local mb = getmetatable(b)
  if mt ~= mb and (layout(mt) ~= layout(mb) or not layout(mt)) then
    -- one side is not this sequence type: only a user __eq__ can say yes
    local f = (mb and rawget(mb, "__eq__")) or (mt and rawget(mt, "__eq__"))
    if f then
      local r = (mb and rawget(mb, "__eq__")) and f(b, a) or f(a, b)
      if not rawequal(r, aio.NotImplemented) then return truthy(r) end
    end
    return false
  end
  local n = len(a)
  if n ~= len(b) then return false end
  for i = 0, n - 1 do
    local x, y = rawget(a, i), rawget(b, i)
    if not rawequal(x, y) and not eq(x, y) then return false end
  end
  return true
end
List.__eq, Tuple.__eq = seq_eq, seq_eq
aio.seq_eq = seq_eq

local function seq_order(sym, strict)
  return function(a, b)
    local mt = layout(getmetatable(a))
    if (mt ~= List and mt ~= Tuple) or mt ~= layout(getmetatable(b)) then
      if sym == "<" then return aio.lt(a, b) end
      return aio.le(a, b)
    end
    local na, nb = len(a), len(b)
    local n = na < nb and na or nb
    for i = 0, n - 1 do
      local x, y = rawget(a, i), rawget(b, i)
      if not rawequal(x, y) and not eq(x, y) then return x < y end
    end
    if strict then return na < nb end
    return na <= nb
  end
end
List.__lt, Tuple.__lt = seq_order("<", true), seq_order("<", true)
List.__le, Tuple.__le = seq_order("<=", false), seq_order("<=", false)

local native_concat = aio.native.concat_seq
local function concat_seq(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return nil end
  local mt = layout(getmetatable(a))
  if mt == nil or mt ~= layout(getmetatable(b)) then return nil end
  return native_concat(a, b, mt)   -- perf: sized once, in C
end
local inplace_of = aio.native.inplace_of
local function seq_add(a, b)
  -- x += y (emit_stmt.c inplace_add): lists extend in place
  if inplace_of(a, 2) then return aio.iadd(a, b) end
  local r = concat_seq(a, b)
  if r then return r end
  return aio.arith("add", a, b)
end
List.__add, Tuple.__add = seq_add, seq_add

local function repeat_seq(t, k)
  if type(k) == "boolean" then k = k and 1 or 0 end
  if math_type(k) ~= "integer" then return nil end
  local mt = layout(getmetatable(t))
  local r, n = {}, len(t)
  local j = 0
  for _ = 1, k do
    for i = 0, n - 1 do r[j] = rawget(t, i) j = j + 1 end
  end
  return setmetatable(r, mt)
end
local function seq_mul(a, b)
  local r
  local ma = type(a) == "table" and layout(getmetatable(a))
  if ma == List or ma == Tuple then r = repeat_seq(a, b) else r = repeat_seq(b, a) end
  if r then return r end
  return aio.arith("mul", a, b)
end
List.__mul, Tuple.__mul = seq_mul, seq_mul
List.__call = aio.not_callable
Tuple.__call = aio.not_callable
List.__name, Tuple.__name = "list", "tuple"
aio.install_generic(List)
aio.install_generic(Tuple)

-- Materialises any iterable into a 1-based Lua array; returns array, count.
local function to_array(it)
  local mt = type(it) == "table" and getmetatable(it)
  if mt == List or mt == Tuple then
    local n = len(it)
    local a = {}
    for i = 0, n - 1 do a[i + 1] = rawget(it, i) end
    return a, n
  end
  local a, n = {}, 0
  for v in aio.iter(it) do n = n + 1 a[n] = v end
  return a, n
end
aio.to_array = to_array

local function from_array(a, n, mt)
  return setmetatable(table.move(a, 1, n, 0, {}), mt or List)
end
aio.from_array = from_array

---------------------------------------------------------------------------
-- constructors: list(x), tuple(x)
---------------------------------------------------------------------------
List.aio_new = function(cls, it, extra)
  if extra ~= nil then throw(TypeError, "list expected at most 1 argument, got 2") end
  if it == nil then return setmetatable({}, List) end
  local a, n = to_array(it)
  return from_array(a, n, List)
end
Tuple.aio_new = function(cls, it, extra)
  if extra ~= nil then throw(TypeError, "tuple expected at most 1 argument, got 2") end
  if it == nil then return setmetatable({}, Tuple) end
  if getmetatable(it) == Tuple then return it end
  local a, n = to_array(it)
  return from_array(a, n, Tuple)
end

---------------------------------------------------------------------------
-- methods
---------------------------------------------------------------------------
local function append(t, v)
  local n = #t
  if n > 0 then rawset(t, n + 1, v)
  elseif rawget(t, 0) == nil then rawset(t, 0, v)
  else rawset(t, 1, v) end
  return None
end
method(List, "append", { "self", "object" }, append)
-- xs.append(v) on a list the emitter knows (perf): n is #xs, read by the caller
function aio.list_append(t, v, n)
  if n > 0 then rawset(t, n + 1, v)
  elseif rawget(t, 0) == nil then rawset(t, 0, v)
  else rawset(t, 1, v) end
  return None
end

local function extend(t, it)
  local a, n = to_array(it)
  local m = len(t)
  for i = 1, n do rawset(t, m + i - 1, a[i]) end
  return None
end
method(List, "extend", { "self", "iterable" }, extend)

method(List, "insert", { "self", "index", "object" }, function(t, i, v)
  i = index_int(i)
  local n = len(t)
  if i < 0 then i = i + n if i < 0 then i = 0 end end
  if i > n then i = n end
  for k = n, i + 1, -1 do rawset(t, k, rawget(t, k - 1)) end
  rawset(t, i, v)
  return None
end)

method(List, "pop", { "self", "index" }, function(t, i)
  local n = len(t)
  if n == 0 then throw(IndexError, "pop from empty list") end
  if i == nil or rawequal(i, None) then
    local v = rawget(t, n - 1)
    rawset(t, n - 1, nil)
    return v
  end
  i = index_int(i)
  if i < 0 then i = i + n end
  if i < 0 or i >= n then throw(IndexError, "pop index out of range") end
  local v = rawget(t, i)
  for k = i, n - 2 do rawset(t, k, rawget(t, k + 1)) end
  rawset(t, n - 1, nil)
  return v
end)

local function find(t, x, i, j)
  local n = len(t)
  local a, b = 0, n
  if i ~= nil and not rawequal(i, None) then
    a = index_int(i)
    if a < 0 then a = a + n if a < 0 then a = 0 end end
  end
  if j ~= nil and not rawequal(j, None) then
    b = index_int(j)
    if b < 0 then b = b + n if b < 0 then b = 0 end elseif b > n then b = n end
  end
  for k = a, b - 1 do
    local v = rawget(t, k)
    if rawequal(v, x) or eq(v, x) then return k end
  end
  return -1
end

method(List, "remove", { "self", "value" }, function(t, x)
  local k = find(t, x)
  if k < 0 then throw(ValueError, "list.remove(x): x not in list") end
  local n = len(t)
  for i = k, n - 2 do rawset(t, i, rawget(t, i + 1)) end
  rawset(t, n - 1, nil)
  return None
end)

local function index(t, x, i, j)
  local k = find(t, x, i, j)
  if k < 0 then
    if getmetatable(t) == Tuple then throw(ValueError, "tuple.index(x): x not in tuple") end
    throw(ValueError, repr(x) .. " is not in list")
  end
  return k
end
method(List, "index", { "self", "value", "start", "stop" }, index)
method(Tuple, "index", { "self", "value", "start", "stop" }, index)

local function count(t, x)
  local c = 0
  for k = 0, len(t) - 1 do
    local v = rawget(t, k)
    if rawequal(v, x) or eq(v, x) then c = c + 1 end
  end
  return c
end
method(List, "count", { "self", "value" }, count)
method(Tuple, "count", { "self", "value" }, count)

method(List, "reverse", { "self" }, function(t)
  local n = len(t)
  for i = 0, n // 2 - 1 do
    local j = n - 1 - i
    local a = rawget(t, i)
    rawset(t, i, rawget(t, j))
    rawset(t, j, a)
  end
  return None
end)
method(List, "copy", { "self" }, function(t)
  local r = {}
  for i = 0, len(t) - 1 do r[i] = rawget(t, i) end
  return setmetatable(r, List)
end)
method(List, "clear", { "self" }, function(t)
  for i = len(t) - 1, 0, -1 do rawset(t, i, nil) end
  return None
end)

-- Stable merge sort of a[1..n] (with parallel keys k) by "<" (or ">" when rev).
local function merge_sort(a, k, n, rev)
  local ta, tk = {}, {}
  local width = 1
  local src_a, src_k, dst_a, dst_k = a, k, ta, tk
  -- insertion sort runs of 8 first
  local RUN = 8
  for lo = 1, n, RUN do
    local hi = lo + RUN - 1
    if hi > n then hi = n end
    for i = lo + 1, hi do
      local va, vk = a[i], k[i]
      local j = i - 1
      while j >= lo do
        local before
        if rev then before = k[j] < vk else before = vk < k[j] end
        if not before then break end
        a[j + 1], k[j + 1] = a[j], k[j]
        j = j - 1
      end
      a[j + 1], k[j + 1] = va, vk
    end
  end
  width = RUN
  while width < n do
    local lo = 1
    while lo <= n do
      local mid = lo + width - 1
      local hi = lo + 2 * width - 1
      if mid > n then mid = n end
      if hi > n then hi = n end
      local i, j, o = lo, mid + 1, lo
      while i <= mid and j <= hi do
        local take_right
        if rev then take_right = src_k[i] < src_k[j] else take_right = src_k[j] < src_k[i] end
        if take_right then
          dst_a[o], dst_k[o] = src_a[j], src_k[j] j = j + 1
        else
          dst_a[o], dst_k[o] = src_a[i], src_k[i] i = i + 1
        end
        o = o + 1
      end
      while i <= mid do dst_a[o], dst_k[o] = src_a[i], src_k[i] i = i + 1 o = o + 1 end
      while j <= hi do dst_a[o], dst_k[o] = src_a[j], src_k[j] j = j + 1 o = o + 1 end
      lo = lo + 2 * width
    end
    src_a, dst_a = dst_a, src_a
    src_k, dst_k = dst_k, src_k
    width = width * 2
  end
  return src_a
end

-- Sorts a 1-based array in place semantics; returns the sorted array.
local function sort_array(a, n, key, rev)
  key = (key ~= nil and not rawequal(key, None)) and key or nil
  rev = rev ~= nil and truthy(rev) or false
  if n < 2 then return a end
  if key == nil then
    -- fast path: homogeneous numbers or strings (stability is invisible there)
    -- (ints and floats apart: an equal int and float are distinguishable)
    local kind = type(a[1]) == "string" and "string" or math_type(a[1])
    local kind_of = kind == "string" and type or math_type
    if kind then
      local same = true
      for i = 2, n do
        local v = a[i]
        if kind_of(v) ~= kind or v ~= v then same = false break end
      end
      if same and a[1] == a[1] then
        if rev then tsort(a, function(x, y) return x > y end) else tsort(a) end
        return a
      end
    end
    local k = {}
    for i = 1, n do k[i] = a[i] end
    return merge_sort(a, k, n, rev)
  end
  local k = {}
  for i = 1, n do k[i] = key(a[i]) end
  return merge_sort(a, k, n, rev)
end
aio.sort_array = sort_array

-- Only ints, only floats (no NaN) or only strings: table.sort's order is
-- Python's, and equal items are indistinguishable, so stability is invisible.
local function homogeneous(t, n)
  local first = rawget(t, 0)
  if type(first) == "string" then
    for i = 1, n - 1 do if type(t[i]) ~= "string" then return false end end
    return true
  end
  local kind = math_type(first)
  if not kind then return false end
  for i = 0, n - 1 do
    local v = t[i]
    if math_type(v) ~= kind or v ~= v then return false end
  end
  return true
end

method(List, "sort", { "self" }, function(t, key, reverse)
  local n = len(t)
  if n > 1 and (key == nil or rawequal(key, None)) and homogeneous(t, n) then
    -- sort in place (perf): item 0 moves to slot n so t[1..n] is a Lua array
    rawset(t, n, rawget(t, 0))
    if reverse ~= nil and truthy(reverse) then tsort(t, function(x, y) return x > y end) else tsort(t) end
    table.move(t, 1, n, 0)   -- every index 0..n exists, so no __newindex
    rawset(t, n, nil)
    return None
  end
  local a = sort_array(table.move(t, 0, n - 1, 1, {}), n, key, reverse)
  table.move(a, 1, n, 0, t)   -- every index 0..n-1 exists, so no __newindex
  return None
end, { kwonly = { "key", "reverse" } })

method(List, "__len__", { "self" }, len)
method(Tuple, "__len__", { "self" }, len)

---------------------------------------------------------------------------
-- Subclasses of list (class L(list)): instances keep the list layout (items
-- at raw 0..n-1), so List's methods and hooks (copied by class_done) work on
-- them. String keys are attributes (raw fields); other keys that miss go to
-- a user __getitem__/__setitem__ or list's indexing. Items stored raw never
-- reach a metamethod, so an overridden __getitem__/__setitem__ is not called
-- for an index 0 <= i < len (it is for negative and out-of-range indexes).
---------------------------------------------------------------------------
List.aio_layout = List
local function seq_iter(x)
  local i = -1
  return function()
    i = i + 1
    return rawget(x, i)
  end
end
List.aio_iter = seq_iter   -- aio.iter handles List itself; this is for subclasses
method(List, "__init__", { "self", "iterable" }, function(t, it)
  local a, n = {}, 0
  if it ~= nil then a, n = to_array(it) end
  for i = len(t) - 1, n, -1 do rawset(t, i, nil) end
  for i = 1, n do rawset(t, i - 1, a[i]) end
  return None
end)

local function list_subclass_hooks(cls)
  local Property = aio.Property
  local getitem = aio.lookup(cls, "__getitem__")
  local setitem = aio.lookup(cls, "__setitem__")
  if rawequal(getitem, rawget(List, "__getitem__")) then getitem = nil end
  if rawequal(setitem, rawget(List, "__setitem__")) then setitem = nil end
  local getattr = aio.lookup(cls, "__getattr__")
  local list_index, list_newindex = List.__index, List.__newindex
  local name = rawget(cls, "__name__")
  rawset(cls, "__index", function(t, k)
    if type(k) == "string" then
      local v = aio.lookup(cls, k)
      if v ~= nil then
        if type(v) == "table" and getmetatable(v) == Property then return v:get(t) end
        return v
      end
      if getattr then return getattr(t, k) end
      if not getitem then
        throw(AttributeError, "'" .. name .. "' object has no attribute '" .. k .. "'")
      end
    end
    if getitem then return getitem(t, k) end
    return list_index(t, k)
  end)
  rawset(cls, "__newindex", function(t, k, v)
    if type(k) == "string" then
      local p = aio.lookup(cls, k)
      if type(p) == "table" and getmetatable(p) == Property then return p:set(t, v) end
      rawset(t, k, v)
      return
    end
    if setitem then setitem(t, k, v) return end
    list_newindex(t, k, v)
  end)
  if rawget(cls, "__iter__") ~= nil then rawset(cls, "aio_iter", nil) end
  local contains = rawget(cls, "__contains__")
  if contains then rawset(cls, "aio_contains", function(t, x) return truthy(contains(t, x)) end) end
end

-- A subclass of a builtin that defines an operator's dunder (__add__, ...)
-- gets the generic metamethod back, which calls it (the base's copied
-- metamethod, e.g. list concatenation, would not).
local op_dunders = {
  __add = "__add__", __sub = "__sub__", __mul = "__mul__", __mod = "__mod__", __bor = "__or__",
  __band = "__and__", __bxor = "__xor__", __lt = "__lt__", __le = "__le__",
}
function aio.restore_generic_ops(cls, base)
  for mm, dunder in pairs(op_dunders) do
    local f = aio.lookup(cls, dunder)
    if f ~= nil and not rawequal(f, rawget(base, dunder)) then rawset(cls, mm, aio.generic_mm[mm]) end
  end
end

-- Subclasses of builtin containers: fix_index runs the hook registered for
-- the class's layout (List here; Dict and Set in 25_dict.lua), then puts
-- back the generic metamethods for dunders the subclass overrides.
local layout_hooks = { [List] = list_subclass_hooks }
aio.layout_hooks = layout_hooks
local base_fix = aio.fix_index
function aio.fix_index(cls)
  base_fix(cls)
  local layout = rawget(cls, "aio_layout")
  local hook = layout and layout_hooks[layout]
  if hook then
    hook(cls)
    aio.restore_generic_ops(cls, layout)
  end
end

-- a += b / a *= b on a list work in place (aliases see it); aio.iadd and
-- aio.imul (05_ops) find these like a user class's __iadd__.
method(List, "__iadd__", { "self", "other" }, function(a, b) extend(a, b) return a end)
method(List, "__imul__", { "self", "other" }, function(a, b)
  local r = repeat_seq(a, b)
  if r == nil then return aio.NotImplemented end
  local n = len(a)
  for i = len(r), n - 1 do rawset(a, i, nil) end
  for i = 0, len(r) - 1 do rawset(a, i, rawget(r, i)) end
  return a
end)

function aio.unpack_all(t)
  local mt = type(t) == "table" and getmetatable(t)
  if mt == List or mt == Tuple then
    if rawget(t, 0) == nil then return end
    return tunpack(t, 0, #t)
  end
  local a, n = to_array(t)
  return tunpack(a, 1, n)
end
