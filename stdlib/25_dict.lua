-- 25_dict.lua - dict and set: an insertion-ordered hash map whose data lives
-- under private table keys (so d[k] always reaches __index/__newindex and a
-- key never hides a method). Key normalisation: 1 == 1.0 == True share a
-- key, tuples hash by value, lists/dicts/sets are unhashable.
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable, type, tostring, pairs, select =
  rawget, rawset, rawequal, getmetatable, setmetatable, type, tostring, pairs, select
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local math_type, sformat = math.type, string.format
local concat = table.concat
local None = aio.None
local throw, tname, repr, eq, truthy, method = aio.throw, aio.tname, aio.repr, aio.eq, aio.truthy, aio.method
local TypeError, ValueError, KeyError, RuntimeError = aio.TypeError, aio.ValueError, aio.KeyError, aio.RuntimeError
local List, Tuple, Dict, Set = aio.List, aio.Tuple, aio.Dict, aio.Set
local seqlen = aio.seqlen

-- private keys. Layout (perf): values live in d[HV] keyed by the key itself
-- for strings and integers (and by hkey(k) for other plain keys), so d[k] is
-- one hop; d[IX] maps the same key to its insertion position in d[KS] (DEL
-- marks a removed slot, d[NN] is the highest slot, d[LEN] the live count).
-- Tuple / __hash__ keys (hkey strings, which could clash with str keys) live
-- in the optional d[TX] = { pos = hk -> slot, val = hk -> value, hk = slot -> hk }.
local KS, HV, IX, TX, NN, LEN = {}, {}, {}, {}, {}, {}
local DEL = {}   -- tombstone in KS
aio.dict_keys = { KS = KS, HV = HV, IX = IX, NN = NN, LEN = LEN, DEL = DEL }
-- emitted code on dicts the emitter knows reads d[aio_dict_HV][k] and d[aio_dict_LEN]
aio.dict_HV, aio.dict_LEN = HV, LEN

local function new_map(mt)
  local d = { [KS] = {}, [HV] = {}, [IX] = {}, [NN] = 0, [LEN] = 0 }
  return setmetatable(d, mt)
end
aio.new_map = new_map

-- identity ids for hashable objects inside tuple keys
local ids = setmetatable({}, { __mode = "k" })
local next_id = 0

local tuple_key

-- Returns the index key for k and whether it lives in the tuple index.
local function hkey(k)
  local t = type(k)
  if t == "string" then return k, false end
  if t == "number" then
    if k ~= k then return "nan", true end
    return k, false
  end
  if t == "boolean" then return k and 1 or 0, false end
  if t == "table" then
    local mt = getmetatable(k)
    if mt == Tuple then return tuple_key(k), true end
    if mt == List or mt == Dict or mt == Set or rawget(mt, "aio_unhashable") then
      throw(TypeError, "unhashable type: '" .. tname(k) .. "'")
    end
    local hk = rawget(mt, "aio_hkey")
    if hk then return hk(k), true end
    local h = rawget(mt, "__hash__")
    if h then
      if rawequal(h, None) then throw(TypeError, "unhashable type: '" .. tname(k) .. "'") end
      return "h" .. tostring(h(k)), true
    end
    if rawget(mt, "__eq__") and rawget(mt, "aio_user") then
      throw(TypeError, "unhashable type: '" .. tname(k) .. "'")
    end
  end
  return k, false
end
aio.hkey = hkey

local function part_key(v)
  local t = type(v)
  if t == "string" then return "s" .. #v .. ":" .. v end
  if t == "number" then
    if math_type(v) == "integer" then return "i" .. v end
    if v == math.floor(v) and v > -9.2e18 and v < 9.2e18 then return "i" .. sformat("%d", v) end
    return "f" .. sformat("%a", v)
  end
  if t == "boolean" then return v and "i1" or "i0" end
  if rawequal(v, None) then return "N" end
  local k, in_tx = hkey(v)
  if in_tx then return "(" .. k .. ")" end
  local id = ids[v]
  if not id then next_id = next_id + 1 id = next_id ids[v] = id end
  return "o" .. id
end

tuple_key = function(t)
  local n = seqlen(t)
  local parts = {}
  for i = 0, n - 1 do parts[i + 1] = part_key(rawget(t, i)) end
  return "t" .. concat(parts, ",")
end

-- The value of key k in d (or nil when absent). Values are never nil.
local function find(d, k)
  local v = d[HV][k]
  if v ~= nil then return v end
  local t = type(k)
  if t == "string" or math_type(k) == "integer" then return nil end
  local hk, tx = hkey(k)
  if tx then
    local x = rawget(d, TX)
    return x and x.val[hk]
  end
  return d[HV][hk]
end
local get = find
aio.dict_get = get

local function add_slot(d, k)
  local n = d[NN] + 1
  d[NN] = n
  d[KS][n] = k
  d[LEN] = d[LEN] + 1
  return n
end

local function set(d, k, v)
  local hv = d[HV]
  -- an existing plain key (str, int, or an identity key) is updated in
  -- place; bools, tuples and __hash__ objects are never stored raw, so miss
  if hv[k] ~= nil then hv[k] = v return end
  local t = type(k)
  if t == "string" or math_type(k) == "integer" then
    if hv[k] == nil then d[IX][k] = add_slot(d, k) end
    hv[k] = v
    return
  end
  local hk, tx = hkey(k)
  if tx then
    local x = rawget(d, TX)
    if not x then x = { pos = {}, val = {}, hk = {} } rawset(d, TX, x) end
    if x.val[hk] == nil then
      local p = add_slot(d, k)
      x.pos[hk], x.hk[p] = p, hk
    end
    x.val[hk] = v
    return
  end
  if hv[hk] == nil then d[IX][hk] = add_slot(d, k) end
  hv[hk] = v
end
aio.dict_set = set

-- The value stored at slot i (holding key k).
local function slot_value(d, i, k)
  if type(k) == "string" or math_type(k) == "integer" then return d[HV][k] end
  local x = rawget(d, TX)
  local hk = x and x.hk[i]
  if hk ~= nil then return x.val[hk] end
  return d[HV][(hkey(k))]
end

local function compact(d)
  local ks, hv = d[KS], d[HV]
  local x = rawget(d, TX)
  local nks, nix, nx = {}, {}, nil
  local j = 0
  for i = 1, d[NN] do
    local k = ks[i]
    if not rawequal(k, DEL) then
      j = j + 1
      nks[j] = k
      local thk = x and x.hk[i]
      if thk ~= nil then
        nx = nx or { pos = {}, val = x.val, hk = {} }
        nx.pos[thk], nx.hk[j] = j, thk
      else
        local t = type(k)
        nix[(t == "string" or math_type(k) == "integer") and k or (hkey(k))] = j
      end
    end
  end
  d[KS], d[IX], d[NN] = nks, nix, j
  rawset(d, TX, nx)
end

-- Removes k; returns its value or nil when absent.
local function remove(d, k)
  local hk, tx = hkey(k)
  local x = tx and rawget(d, TX)
  if tx and not x then return nil end
  local vals = tx and x.val or d[HV]
  local v = vals[hk]
  if v == nil then return nil end
  local p
  if tx then p = x.pos[hk] x.pos[hk] = nil x.hk[p] = nil else p = d[IX][hk] d[IX][hk] = nil end
  vals[hk] = nil
  local ks = d[KS]
  ks[p] = DEL
  local live = d[LEN] - 1
  d[LEN] = live
  if p == d[NN] then
    -- dropping the last entry: shrink without leaving a tombstone
    local n = p - 1
    ks[p] = nil
    while n > 0 and rawequal(ks[n], DEL) do ks[n] = nil n = n - 1 end
    d[NN] = n
  elseif d[NN] > 2 * live + 8 then
    compact(d)
  end
  return v
end
aio.dict_remove = remove

local function clear(d)
  d[KS], d[HV], d[IX], d[NN], d[LEN] = {}, {}, {}, 0, 0
  rawset(d, TX, nil)
end

-- Lua iterator over (key, value) in insertion order; RuntimeError on resize.
local function entries(d, what)
  local i, n0 = 0, d[LEN]
  return function()
    if d[LEN] ~= n0 then
      throw(RuntimeError, (what or "dictionary") .. " changed size during iteration")
    end
    local ks = d[KS]
    while true do
      i = i + 1
      local k = ks[i]
      if k == nil then return nil end
      if not rawequal(k, DEL) then return k, slot_value(d, i, k) end
    end
  end
end
aio.dict_entries = entries

local function dlen(d) return d[LEN] end
aio.dict_len = dlen

---------------------------------------------------------------------------
-- dict
---------------------------------------------------------------------------
local dict_method_names = {}

Dict.__index = function(d, k)
  local p = d[HV][k]   -- (perf) find's first step, without the call
  if p ~= nil then return p end
  p = find(d, k)
  if p ~= nil then return p end
  if type(k) == "string" and dict_method_names[k] then return rawget(Dict, k) end
  local mt = getmetatable(d)
  if mt ~= Dict then
    local miss = rawget(mt, "__missing__")
    if miss then return miss(d, k) end
  end
  throw(KeyError, k)
end
Dict.__newindex = set
Dict.aio_len = dlen
Dict.aio_contains = function(d, k) return find(d, k) ~= nil end
Dict.aio_iter = function(d) local nxt = entries(d) return function() local k = nxt() return k end end
Dict.aio_bool = function(d) return d[LEN] > 0 end
Dict.__call = aio.not_callable
Dict.__name = "dict"

local active = aio.repr_active
Dict.aio_repr = function(d)
  if d[LEN] == 0 then return "{}" end
  if active[d] then return "{...}" end
  active[d] = true
  local parts = {}
  local ok, err = pcall(function()
    for k, v in entries(d) do parts[#parts + 1] = repr(k) .. ": " .. repr(v) end
  end)
  active[d] = nil
  if not ok then error(err, 0) end
  return "{" .. concat(parts, ", ") .. "}"
end

-- Instances of dict and its subclasses (class D(dict)) share the layout.
local function is_dict(v)
  local mt = getmetatable(v)
  return mt == Dict or (mt ~= nil and rawget(mt, "aio_layout") == Dict)
end
aio.is_dict = is_dict

Dict.__eq = function(a, b)
  if getmetatable(b) ~= getmetatable(a) and not (is_dict(a) and is_dict(b)) then return false end
  if a[LEN] ~= b[LEN] then return false end
  for k, v in entries(a) do
    local w = find(b, k)
    if w == nil then return false end
    if not rawequal(v, w) and not eq(v, w) then return false end
  end
  return true
end

-- Flat constructor used by displays: aio_dict({k1, v1, k2, v2}).
function aio.dict(flat)
  local d = new_map(Dict)
  for i = 1, #flat, 2 do set(d, flat[i], flat[i + 1]) end
  return d
end

-- Adds the pairs of a mapping or iterable of pairs into d (dict.update).
local function update_from(d, other)
  local mt = type(other) == "table" and getmetatable(other)
  if mt == Dict or (mt and rawget(mt, "aio_dict_like")) then
    for k, v in entries(other) do set(d, k, v) end
    return
  end
  if type(other) == "table" and mt and rawget(mt, "aio_user") and aio.lookup(mt, "keys") then
    for k in aio.iter(aio.callm(other, "keys")) do set(d, k, other[k]) end
    return
  end
  local i = 0
  for item in aio.iter(other) do
    local a, n = aio.to_array_checked(item, i)
    if n ~= 2 then
      throw(ValueError, "dictionary update sequence element #" .. i .. " has length " .. n .. "; 2 is required")
    end
    set(d, a[1], a[2])
    i = i + 1
  end
end
aio.dict_update_from = update_from

function aio.to_array_checked(item, i)
  local t = type(item)
  if t == "string" or (t == "table" and (getmetatable(item) == List or getmetatable(item) == Tuple)) or
     (t == "table" and aio.is_iterable(item)) then
    return aio.to_array(item)
  end
  throw(TypeError, "cannot convert dictionary update sequence element #" .. i .. " to a sequence")
end

-- Adds a **kwargs-style Lua table (with optional order list at 1..n).
local function add_kw(d, kw)
  if kw == nil then return end
  if rawget(kw, "aio_kwargs") then
    -- a call marker: kw-only values are not part of **kwargs
    local m = rawget(kw, "aio_kwargs")
    for k, v in entries(m) do set(d, k, v) end
    return
  end
  local order = aio.kw_names(kw)
  for i = 1, #order do set(d, order[i], kw[order[i]]) end
end

Dict.aio_new = aio.def(function(cls, other, kwargs)
  local d = new_map(cls)
  if other ~= nil then update_from(d, other) end
  if kwargs ~= nil and getmetatable(kwargs) == Dict then
    for k, v in entries(kwargs) do set(d, k, v) end
  end
  return d
end, "dict", { name = "dict", params = { "cls", "iterable" }, kwargs = true })

-- {**a, **b}: each part is a mapping.
function aio.dict_merge(...)
  local d = new_map(Dict)
  for i = 1, select("#", ...) do
    local m = select(i, ...)
    local mt = type(m) == "table" and getmetatable(m)
    if mt ~= Dict and not (mt and rawget(mt, "aio_user") and aio.lookup(mt, "keys")) then
      throw(TypeError, "'" .. tname(m) .. "' object is not a mapping")
    end
    update_from(d, m)
  end
  return d
end

local function dm(name, params, fn, extra)
  dict_method_names[name] = true
  return method(Dict, name, params, fn, extra)
end

dm("get", { "self", "key", "default" }, function(d, k, dflt)
  if k == nil then aio.throw(aio.TypeError, "get expected at least 1 argument, got 0") end
  local p = find(d, k)
  if p ~= nil then return p end
  if dflt == nil then return None end
  return dflt
end)
-- dict.__getitem__ reads the item itself (a subclass's __getitem__ may call it
-- through super()); on a subclass a miss calls __missing__ as Python does.
dm("__getitem__", { "self", "key" }, function(d, k)
  local v = find(d, k)
  if v ~= nil then return v end
  local mt = getmetatable(d)
  if mt ~= Dict then
    local miss = aio.lookup(mt, "__missing__")
    if miss then return miss(d, k) end
  end
  throw(KeyError, k)
end)
dm("__delitem__", { "self", "key" }, function(d, k)
  if remove(d, k) == nil then throw(KeyError, k) end
  return None
end)
-- dict.__init__ (for subclasses: `super().__init__(...)`; dict(...) itself
-- is Dict.aio_new) adds the items, like update().
dm("__init__", { "self", "iterable" }, function(d, other, kwargs)
  if other ~= nil then update_from(d, other) end
  if kwargs ~= nil and getmetatable(kwargs) == Dict then
    for k, v in entries(kwargs) do set(d, k, v) end
  end
  return None
end, { kwargs = true })
dm("__setitem__", { "self", "key", "value" }, function(d, k, v) set(d, k, v) return None end)
dm("__contains__", { "self", "key" }, function(d, k) return find(d, k) ~= nil end)
dm("__len__", { "self" }, dlen)
dm("pop", { "self", "key", "default" }, function(d, k, dflt)
  local p = find(d, k)
  if p == nil then
    if dflt ~= nil then return dflt end
    throw(KeyError, k)
  end
  return remove(d, k)
end)
dm("popitem", { "self" }, function(d)
  if d[LEN] == 0 then throw(KeyError, "popitem(): dictionary is empty") end
  local ks = d[KS]
  local i = d[NN]
  while rawequal(ks[i], DEL) do i = i - 1 end
  local k = ks[i]
  local v = remove(d, k)
  return aio.tuple({ [0] = k, v })
end)
dm("setdefault", { "self", "key", "default" }, function(d, k, dflt)
  local p = find(d, k)
  if p ~= nil then return p end
  if dflt == nil then dflt = None end
  set(d, k, dflt)
  return dflt
end)
dm("update", { "self", "other" }, function(d, other, kwargs)
  if other ~= nil and not rawequal(other, None) then update_from(d, other) end
  if kwargs ~= nil and getmetatable(kwargs) == Dict then
    for k, v in entries(kwargs) do set(d, k, v) end
  end
  return None
end, { kwargs = true })
dm("copy", { "self" }, function(d)
  local r = new_map(Dict)
  for k, v in entries(d) do set(r, k, v) end
  return r
end)
dm("clear", { "self" }, function(d) clear(d) return None end)

-- views
local KeysView = aio.bclass("dict_keys")
local ValuesView = aio.bclass("dict_values")
local ItemsView = aio.bclass("dict_items")
aio.KeysView, aio.ValuesView, aio.ItemsView = KeysView, ValuesView, ItemsView
local DICT = {}   -- private key: the viewed dict

local function view_iter(v)
  local d = v[DICT]
  local mt = getmetatable(v)
  local nxt = entries(d)
  if mt == KeysView then return function() local k = nxt() return k end end
  if mt == ValuesView then return function() local _, val = nxt() return val end end
  return function()
    local k, val = nxt()
    if k == nil then return nil end
    return aio.tuple({ [0] = k, val })
  end
end
for _, V in pairs({ KeysView, ValuesView, ItemsView }) do
  V.aio_iter = view_iter
  V.aio_len = function(v) return v[DICT][LEN] end
  V.aio_bool = function(v) return v[DICT][LEN] > 0 end
  V.__index = aio.methods_only_index(V)
  V.aio_repr = function(v)
    local parts = {}
    for x in view_iter(v) do parts[#parts + 1] = repr(x) end
    return rawget(V, "__name__") .. "([" .. concat(parts, ", ") .. "])"
  end
  method(V, "__len__", { "self" }, V.aio_len)
end
KeysView.aio_contains = function(v, x) return find(v[DICT], x) ~= nil end
ValuesView.aio_contains = function(v, x)
  for _, val in entries(v[DICT]) do if rawequal(val, x) or eq(val, x) then return true end end
  return false
end
ItemsView.aio_contains = function(v, x)
  if getmetatable(x) ~= Tuple or seqlen(x) ~= 2 then return false end
  local val = find(v[DICT], rawget(x, 0))
  if val == nil then return false end
  return rawequal(val, rawget(x, 1)) or eq(val, rawget(x, 1))
end
local function view_set(v)
  local s = new_map(Set)
  for x in view_iter(v) do set(s, x, true) end
  return s
end
KeysView.__eq = function(a, b)
  local sa = view_set(a)
  local sb = getmetatable(b) == KeysView and view_set(b) or b
  return sa == sb
end
ItemsView.__eq = KeysView.__eq

dm("keys", { "self" }, function(d) return setmetatable({ [DICT] = d }, KeysView) end)
dm("values", { "self" }, function(d) return setmetatable({ [DICT] = d }, ValuesView) end)
dm("items", { "self" }, function(d) return setmetatable({ [DICT] = d }, ItemsView) end)

dict_method_names.fromkeys = true
Dict.fromkeys = nil
-- dict.fromkeys (a classmethod: 40_call wraps it). A subclass is
-- instantiated and filled through d[k] = v, as CPython does.
aio.dict_fromkeys = aio.def(function(cls, it, v)
  if v == nil then v = None end
  if cls ~= Dict then
    local d = cls()
    for k in aio.iter(it) do d[k] = v end
    return d
  end
  local d = new_map(Dict)
  for k in aio.iter(it) do set(d, k, v) end
  return d
end, "dict.fromkeys", { name = "dict.fromkeys", params = { "cls", "iterable", "value" } })

Dict.__bor = function(a, b)
  if is_dict(a) and is_dict(b) then
    local r = new_map(Dict)
    for k, v in entries(a) do set(r, k, v) end
    for k, v in entries(b) do set(r, k, v) end
    return r
  end
  return aio.arith("bor", a, b)
end
-- d |= other updates d in place (any mapping or iterable of pairs).
dm("__ior__", { "self", "other" }, function(d, other) update_from(d, other) return d end)
dict_method_names.__ior__ = nil
aio.install_generic(Dict)

---------------------------------------------------------------------------
-- Subclasses of dict. class_done copies Dict's methods and hooks (aio_len,
-- aio_iter, aio_repr, ...) into the subclass; aio_alloc makes each instance
-- an empty dict (Type.__call), so the instance is a real dict. d[k] and
-- o.x are the same Lua operation, so a string key is an attribute when the
-- class (not dict) defines that name (a method, class data, a property, a
-- __slots__ entry) or its methods use it as `self.name`, and an item
-- otherwise. A user __getitem__ /
-- __setitem__ / __missing__ is honoured for d[k]; dict's own methods (get,
-- update, setdefault, ...) use the items directly, as in CPython.
---------------------------------------------------------------------------
Dict.aio_layout = Dict
Dict.aio_alloc = new_map
Dict.aio_dict_like = true
Dict.aio_unhashable = true

local object = aio.object
local dict_getitem_m, dict_setitem_m = rawget(Dict, "__getitem__"), rawget(Dict, "__setitem__")

-- The names listed in the __slots__ of cls and its bases.
local function slot_names(cls)
  local names = {}
  local mro = rawget(cls, "aio_mro")
  for i = 1, #mro do
    local sl = rawget(mro[i], "__slots__")
    if type(sl) == "string" then names[sl] = true
    elseif sl ~= nil then for x in aio.iter(sl) do names[x] = true end end
  end
  return names
end

-- The names a method uses as `self.NAME` (not called) in its source text:
-- attributes, since Python's `self.NAME` never reaches a dict's items.
-- (The emitter stores `self.x = v` as a raw `self.x`, indistinguishable
-- from `self["x"] = v`; sources of compiled bundles are absent.)
local source_lines = {}   -- chunk name -> its source lines (split once)
local function self_attr_names(fn, names)
  local info = debug.getinfo(fn, "S")
  local text = info and aio.sources and aio.sources[info.source]
  if not text or info.linedefined < 1 then return end
  local lines = source_lines[info.source]
  if not lines then
    lines = {}
    for l in string.gmatch(text .. "\n", "([^\n]*)\n") do lines[#lines + 1] = l end
    source_lines[info.source] = lines
  end
  local spec = aio.funcs[fn]
  local me = spec and spec.params and spec.params[1] or "self"
  local pat = "%f[%w_]" .. me .. "%s*%.%s*([%a_][%w_]*)%s*(.?)"
  for i = info.linedefined, info.lastlinedefined do
    for name, nxt in string.gmatch(lines[i] or "", pat) do
      if nxt ~= "(" then names[name] = true end
    end
  end
end

local function attr_names(cls)
  local names = slot_names(cls)
  local mro = rawget(cls, "aio_mro")
  for i = 1, #mro do
    local c = mro[i]
    if rawget(c, "aio_user") then
      for _, v in pairs(c) do
        if type(v) == "table" then
          local vm = getmetatable(v)
          if vm == aio.Property then
            for _, f in pairs({ rawget(v, "fget"), rawget(v, "fset"), rawget(v, "fdel") }) do
              if type(f) == "function" then self_attr_names(f, names) end
            end
          elseif vm == aio.StaticMethod or vm == aio.ClassMethod then v = rawget(v, "f") end
        end
        if type(v) == "function" and aio.funcs[v] then self_attr_names(v, names) end
      end
    end
  end
  return names
end

-- What the class itself (or a user base) defines under string key k.
local function class_attr(cls, k)
  local v = rawget(cls, k)
  if v == nil then v = aio.lookup(cls, k) end
  if v == nil or rawequal(v, rawget(Dict, k)) or rawequal(v, rawget(object, k)) then return nil end
  return v
end

local function subclass_hooks(cls)
  local Property = aio.Property
  local getitem = aio.lookup(cls, "__getitem__")
  local setitem = aio.lookup(cls, "__setitem__")
  if rawequal(getitem, dict_getitem_m) then getitem = nil end
  if rawequal(setitem, dict_setitem_m) then setitem = nil end
  local miss = aio.lookup(cls, "__missing__")
  local attrs = attr_names(cls)
  rawset(cls, "__index", function(d, k)
    if type(k) == "string" and not dict_method_names[k] then
      local v = class_attr(cls, k)
      if v ~= nil then
        if type(v) == "table" and getmetatable(v) == Property then return v:get(d) end
        return v
      end
    end
    if getitem then return getitem(d, k) end
    local v = find(d, k)
    if v ~= nil then return v end
    if type(k) == "string" and dict_method_names[k] then return rawget(Dict, k) end
    if miss then return miss(d, k) end
    throw(KeyError, k)
  end)
  rawset(cls, "__newindex", function(d, k, v)
    if type(k) == "string" and ((attrs[k] and not dict_method_names[k]) or class_attr(cls, k) ~= nil) then
      local p = aio.lookup(cls, k)
      if type(p) == "table" and getmetatable(p) == Property then return p:set(d, v) end
      rawset(d, k, v)
      return
    end
    if setitem then setitem(d, k, v) return end
    set(d, k, v)
  end)
  -- a user __iter__ / __contains__ replaces dict's hook
  if class_attr(cls, "__iter__") then rawset(cls, "aio_iter", nil) end
  local contains = class_attr(cls, "__contains__")
  if contains then rawset(cls, "aio_contains", function(d, x) return truthy(contains(d, x)) end) end
end

aio.layout_hooks[Dict] = subclass_hooks   -- run by aio.fix_index (20_list.lua)

---------------------------------------------------------------------------
-- set
---------------------------------------------------------------------------
-- Instances of set and its subclasses (class S(set)) share the layout.
local function is_set(v)
  local mt = getmetatable(v)
  return mt == Set or (mt ~= nil and rawget(mt, "aio_layout") == Set)
end

local function set_add(s, x) set(s, x, true) end
local function set_has(s, x) return find(s, x) ~= nil end
aio.set_add, aio.set_has = set_add, set_has

local function keys_iter(s)
  local nxt = entries(s, "Set")
  return function() local k = nxt() return k end
end

function aio.set(t)
  local s = new_map(Set)
  if rawget(t, 0) ~= nil then
    set(s, t[0], true)
    for i = 1, #t do set(s, t[i], true) end
  end
  return s
end

Set.aio_new = function(cls, it)
  local s = new_map(cls)
  if it ~= nil then for x in aio.iter(it) do set(s, x, true) end end
  return s
end
-- __index/__newindex of set and frozenset (named tname): methods by name;
-- anything else is Python's AttributeError/TypeError.
local function set_access(cls, tname)
  cls.__index = function(s, k)
    if type(k) == "string" then
      local m = rawget(cls, k)
      if m ~= nil then return m end
      throw(aio.AttributeError, "'" .. tname .. "' object has no attribute '" .. k .. "'")
    end
    throw(TypeError, "'" .. tname .. "' object is not subscriptable")
  end
  cls.__newindex = function()
    throw(TypeError, "'" .. tname .. "' object does not support item assignment")
  end
end
set_access(Set, "set")
Set.aio_len = dlen
Set.aio_bool = function(s) return s[LEN] > 0 end
Set.aio_iter = keys_iter
Set.aio_contains = set_has
Set.__call = aio.not_callable
Set.__name = "set"
Set.aio_repr = function(s)
  if s[LEN] == 0 then return "set()" end
  if active[s] then return "{...}" end
  active[s] = true
  local parts = {}
  local ok, err = pcall(function()
    for k in entries(s) do parts[#parts + 1] = repr(k) end
  end)
  active[s] = nil
  if not ok then error(err, 0) end
  return "{" .. concat(parts, ", ") .. "}"
end

local function as_set(x)
  if is_set(x) then return x end
  local s = new_map(Set)
  for v in aio.iter(x) do set(s, v, true) end
  return s
end
local function copy_set(s)
  local r = new_map(Set)
  for k in entries(s) do set(r, k, true) end
  return r
end
local function union(a, b)
  local r = copy_set(a)
  for k in entries(b) do set(r, k, true) end
  return r
end
local function inter(a, b)
  local r = new_map(Set)
  for k in entries(a) do if find(b, k) ~= nil then set(r, k, true) end end
  return r
end
local function diff(a, b)
  local r = new_map(Set)
  for k in entries(a) do if find(b, k) == nil then set(r, k, true) end end
  return r
end
local function symdiff(a, b)
  local r = diff(a, b)
  for k in entries(b) do if find(a, k) == nil then set(r, k, true) end end
  return r
end
local function subset(a, b)
  if a[LEN] > b[LEN] then return false end
  for k in entries(a) do if find(b, k) == nil then return false end end
  return true
end

local function setop(fn, op)
  return function(a, b)
    if is_set(a) and is_set(b) then return fn(a, b) end
    return aio.arith(op, a, b)
  end
end
Set.__bor = setop(union, "bor")
Set.__band = setop(inter, "band")
Set.__sub = setop(diff, "sub")
Set.__bxor = setop(symdiff, "bxor")
Set.__eq = function(a, b)
  if not is_set(a) or not is_set(b) then return false end
  return a[LEN] == b[LEN] and subset(a, b)
end
Set.__le = function(a, b)
  if not is_set(a) or not is_set(b) then return aio.le(a, b) end
  return subset(a, b)
end
Set.__lt = function(a, b)
  if not is_set(a) or not is_set(b) then return aio.lt(a, b) end
  return a[LEN] < b[LEN] and subset(a, b)
end
Set.aio_unhashable = true
aio.install_generic(Set)

method(Set, "add", { "self", "elem" }, function(s, x) set(s, x, true) return None end)
method(Set, "remove", { "self", "elem" }, function(s, x)
  if remove(s, x) == nil then throw(KeyError, x) end
  return None
end)
method(Set, "discard", { "self", "elem" }, function(s, x) remove(s, x) return None end)
method(Set, "pop", { "self" }, function(s)
  if s[LEN] == 0 then throw(KeyError, "pop from an empty set") end
  local k = entries(s)()
  remove(s, k)
  return k
end)
method(Set, "clear", { "self" }, function(s) clear(s) return None end)
method(Set, "copy", { "self" }, copy_set)
method(Set, "__len__", { "self" }, dlen)
method(Set, "__contains__", { "self", "x" }, set_has)
local function multi(fn)
  return function(s, ...)
    local r = s
    local n = select("#", ...)
    if n == 0 then return fn(s, new_map(Set)) end
    for i = 1, n do r = fn(r, as_set((select(i, ...)))) end
    return r
  end
end
method(Set, "union", { "self" }, multi(union), { vararg = true })
method(Set, "intersection", { "self" }, multi(inter), { vararg = true })
method(Set, "difference", { "self" }, multi(diff), { vararg = true })
method(Set, "symmetric_difference", { "self", "other" }, function(s, o) return symdiff(s, as_set(o)) end)
method(Set, "update", { "self" }, function(s, ...)
  for i = 1, select("#", ...) do
    for x in aio.iter((select(i, ...))) do set(s, x, true) end
  end
  return None
end, { vararg = true })
method(Set, "intersection_update", { "self", "other" }, function(s, o)
  local r = inter(s, as_set(o))
  clear(s)
  for k in entries(r) do set(s, k, true) end
  return None
end)
method(Set, "difference_update", { "self", "other" }, function(s, o)
  for x in aio.iter(o) do remove(s, x) end
  return None
end)
method(Set, "issubset", { "self", "other" }, function(s, o) return subset(s, as_set(o)) end)
method(Set, "issuperset", { "self", "other" }, function(s, o) return subset(as_set(o), s) end)
method(Set, "isdisjoint", { "self", "other" }, function(s, o)
  for x in aio.iter(o) do if find(s, x) ~= nil then return false end end
  return true
end)

-- s |= t, s &= t, s -= t, s ^= t change s in place (both sets, else
-- NotImplemented and the binary operator's TypeError, as in Python).
local function set_inplace(fn)
  return function(s, o)
    if not is_set(o) then return aio.NotImplemented end
    local r = fn(s, o)
    clear(s)
    for k in entries(r) do set(s, k, true) end
    return s
  end
end
method(Set, "__ior__", { "self", "other" }, function(s, o)
  if not is_set(o) then return aio.NotImplemented end
  for k in entries(o) do set(s, k, true) end
  return s
end)
method(Set, "__iand__", { "self", "other" }, set_inplace(inter))
method(Set, "__isub__", { "self", "other" }, function(s, o)
  if not is_set(o) then return aio.NotImplemented end
  if rawequal(o, s) then clear(s) return s end
  for k in entries(o) do remove(s, k) end
  return s
end)
method(Set, "__ixor__", { "self", "other" }, set_inplace(symdiff))

---------------------------------------------------------------------------
-- Subclasses of set: instances are real sets (aio_alloc, Set's hooks and
-- methods copied down); string keys are attributes. Operators return plain
-- sets, and repr shows the class: S({1, 2}).
---------------------------------------------------------------------------
Set.aio_layout = Set
Set.aio_alloc = new_map
method(Set, "__init__", { "self", "iterable" }, function(s, it)
  clear(s)
  if it ~= nil then for x in aio.iter(it) do set(s, x, true) end end
  return None
end)
local set_repr = Set.aio_repr

local function set_subclass_hooks(cls)
  local Property = aio.Property
  local name = rawget(cls, "__name__")
  local getitem = aio.lookup(cls, "__getitem__")
  rawset(cls, "__index", function(s, k)
    if type(k) == "string" then
      local v = aio.lookup(cls, k)
      if v ~= nil then
        if type(v) == "table" and getmetatable(v) == Property then return v:get(s) end
        return v
      end
      throw(aio.AttributeError, "'" .. name .. "' object has no attribute '" .. k .. "'")
    end
    if getitem then return getitem(s, k) end
    throw(TypeError, "'" .. name .. "' object is not subscriptable")
  end)
  rawset(cls, "__newindex", function(s, k, v)
    if type(k) ~= "string" then throw(TypeError, "'" .. name .. "' object does not support item assignment") end
    local p = aio.lookup(cls, k)
    if type(p) == "table" and getmetatable(p) == Property then return p:set(s, v) end
    rawset(s, k, v)
  end)
  if not aio.lookup(cls, "__repr__") then
    rawset(cls, "aio_repr", function(s)
      if s[LEN] == 0 then return name .. "()" end
      return name .. "(" .. set_repr(s) .. ")"
    end)
  end
  if class_attr(cls, "__iter__") then rawset(cls, "aio_iter", nil) end
  local contains = aio.lookup(cls, "__contains__")
  if contains and not rawequal(contains, rawget(Set, "__contains__")) then
    rawset(cls, "aio_contains", function(s, x) return truthy(contains(s, x)) end)
  end
end

aio.layout_hooks[Set] = set_subclass_hooks

aio.set_union, aio.set_inter, aio.set_diff = union, inter, diff

---------------------------------------------------------------------------
-- frozenset: a set's layout and read-only methods, hashable (by its items,
-- whatever their order); its operators and copying methods give frozensets.
---------------------------------------------------------------------------
local FrozenSet = aio.bclass("frozenset")
aio.FrozenSet = FrozenSet
local set_mutators = {
  add = true, remove = true, discard = true, pop = true, clear = true, update = true,
  intersection_update = true, difference_update = true, symmetric_difference_update = true,
  __ior__ = true, __iand__ = true, __isub__ = true, __ixor__ = true, __init__ = true,
  aio_alloc = true, aio_unhashable = true,
}
for k, v in pairs(Set) do
  if rawget(FrozenSet, k) == nil and not set_mutators[k] and k ~= "__name" then rawset(FrozenSet, k, v) end
end
FrozenSet.__name = "frozenset"
local function freeze(r)
  if getmetatable(r) == Set then setmetatable(r, FrozenSet) end
  return r
end
FrozenSet.aio_new = function(cls, it)
  if getmetatable(it) == FrozenSet and cls == FrozenSet then return it end
  local s = new_map(FrozenSet)
  if it ~= nil then for x in aio.iter(it) do set(s, x, true) end end
  return s
end
set_access(FrozenSet, "frozenset")
FrozenSet.aio_repr = function(s)
  if s[LEN] == 0 then return "frozenset()" end
  return "frozenset(" .. set_repr(s) .. ")"
end
-- the hash key: the items' keys, sorted, so equal frozensets share it
FrozenSet.aio_hkey = function(s)
  local parts = {}
  for k in entries(s) do parts[#parts + 1] = part_key(k) end
  table.sort(parts)
  return "F" .. concat(parts, ",")
end
method(FrozenSet, "__hash__", { "self" }, function(s)
  local h = 0
  for c in string.gmatch(FrozenSet.aio_hkey(s), ".") do h = (h * 31 + string.byte(c)) & 0x7fffffffffff end
  return h
end)
for _, op in ipairs({ "__bor", "__band", "__sub", "__bxor" }) do
  local f = Set[op]
  FrozenSet[op] = function(a, b)
    local r = f(a, b)
    if getmetatable(a) == FrozenSet then return freeze(r) end
    return r
  end
end
for _, name in ipairs({ "union", "intersection", "difference", "symmetric_difference", "copy" }) do
  local f = rawget(Set, name)
  method(FrozenSet, name, { "self" }, function(s, ...) return freeze(f(s, ...)) end, { vararg = true })
end

-- Per-method dispatchers for calls the emitter cannot type (`o.get(k, 0)` is
-- `aio_callm_get(o, k, 0)`): a plain dict goes straight to the method, anything
-- else takes the generic aio.callm lookup (user classes with a `get`, ...).
-- d.get(k[, default]) on a plain dict: no varargs, no method call
local dict_get_m = rawget(Dict, "get")
-- Not vararg (a vararg call costs more): the emitter sends a get call with
-- more than two arguments to the generic aio.callm.
function aio.callm_get(o, k, dflt)
  if getmetatable(o) == Dict and k ~= nil then
    local v = o[HV][k]
    if v ~= nil then return v end
    return dict_get_m(o, k, dflt)
  end
  if k == nil then return aio.callm(o, "get") end
  if dflt == nil then return aio.callm(o, "get", k) end
  return aio.callm(o, "get", k, dflt)
end
for _, name in ipairs({ "keys", "values", "items", "pop", "popitem", "setdefault", "update", "copy", "clear" }) do
  local fn = rawget(Dict, name)
  aio["callm_" .. name] = function(o, ...)
    if getmetatable(o) == Dict then return fn(o, ...) end
    return aio.callm(o, name, ...)
  end
end
