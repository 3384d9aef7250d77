-- 40_call.lua - calls and attributes: keyword mapping by the spec that
-- aio.def registered (aio.call, kwmerge, varargs, missing), Python's
-- attribute lookup (getattr/setattr/delattr/callm/callmkw) with bound
-- methods, property/staticmethod/classmethod, and super().
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable, type, select, tostring, pairs, next =
  rawget, rawset, rawequal, getmetatable, setmetatable, type, select, tostring, pairs, next
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local tunpack, tsort = table.unpack, table.sort
local smatch, sfind = string.match, string.find
local None = aio.None
local throw, tname, typeof, lookup, funcs, method = aio.throw, aio.tname, aio.typeof, aio.lookup, aio.funcs, aio.method
local TypeError, AttributeError = aio.TypeError, aio.AttributeError
local Type, Tuple, Dict, Module, Function, BoundMethod =
  aio.Type, aio.Tuple, aio.Dict, aio.Module, aio.Function, aio.BoundMethod

---------------------------------------------------------------------------
-- keyword-argument plumbing
---------------------------------------------------------------------------
local KwMarker = { __name = "kwargs" }
aio.KwMarker = KwMarker
local EMPTY_KW = setmetatable({}, KwMarker)
aio.EMPTY_KW = EMPTY_KW

-- Names of a call site's keyword table, in source order when the table
-- carries its order list at [1..n] (else sorted, for determinism).
local function kw_names(kw)
  if kw[1] ~= nil then return kw end
  local names = {}
  for k in pairs(kw) do
    if type(k) == "string" then names[#names + 1] = k end
  end
  tsort(names)
  return names
end
aio.kw_names = kw_names

-- Splits a *args function's varargs: returns the args tuple and the keyword
-- marker (EMPTY_KW when the call had no keywords).
function aio.varargs(...)
  local n = select("#", ...)
  local kw = EMPTY_KW
  if n > 0 then
    local last = select(n, ...)
    if type(last) == "table" and getmetatable(last) == KwMarker then
      kw = last
      n = n - 1
    end
  end
  local t = {}
  for i = 1, n do t[i - 1] = (select(i, ...)) end
  return setmetatable(t, Tuple), kw
end

local function short(name)
  return name
end

local function fname_of(fn, spec)
  return (spec and spec.name) or "function"
end

-- "f() missing 2 required positional arguments: 'a' and 'b'"
local function missing_text(fname, names, what)
  local n = #names
  local list
  if n == 1 then list = "'" .. names[1] .. "'"
  elseif n == 2 then list = "'" .. names[1] .. "' and '" .. names[2] .. "'"
  else
    list = ""
    for i = 1, n - 1 do list = list .. "'" .. names[i] .. "', " end
    list = list .. "and '" .. names[n] .. "'"
  end
  return fname .. "() missing " .. n .. " required " .. what ..
    (n == 1 and " argument: " or " arguments: ") .. list
end

-- The required positional parameters still unset in the calling function
-- (spec.nreq: how many the function has; its locals 1..nreq are they). A
-- function checks only its last required parameter (emit_stmt.c fn_header),
-- so every nil one among them is named here.
local function missing_names(pname)
  local info = debug.getinfo(3, "f")
  local spec = info and funcs[info.func]
  local nreq = spec and spec.nreq
  if not nreq then return { pname } end
  local names = {}
  for i = 1, nreq do
    local lname, v = debug.getlocal(3, i)
    if lname ~= nil and v == nil then names[#names + 1] = spec.params[i] end
  end
  if #names == 0 then names[1] = pname end
  return names
end

-- The exception is reported at the call site (Python binds arguments
-- before entering the function), so its innermost frame is dropped.
function aio.missing(fname, pname, kwonly)
  local what = kwonly and "keyword-only" or "positional"
  local names = kwonly and { pname } or missing_names(pname)
  local e = setmetatable({ args = aio.tuple({ [0] = missing_text(fname, names, what) }), aio_drop_frame = true },
    TypeError)
  error(e, 0)
end

-- After keyword mapping: a keyword call can leave a required positional
-- unset before a set one (f(b=2) for def f(a, b)), which the function's own
-- check on its last required parameter would not see.
local function check_holes(fn, spec, args)
  local nreq = spec.nreq
  if not nreq then return end
  local names
  for i = 1, nreq do
    if args[i] == nil then
      names = names or {}
      names[#names + 1] = spec.params[i]
    end
  end
  if names then throw(TypeError, missing_text(fname_of(fn, spec), names, "positional")) end
end

-- {k=v} .. **m .. : merged keyword table (with order list).
function aio.kwmerge(kw, ...)
  local out, order = {}, {}
  if kw ~= nil then
    local names = kw_names(kw)
    for i = 1, #names do
      local k = names[i]
      out[k] = kw[k]
      order[#order + 1] = k
    end
  end
  for i = 1, select("#", ...) do
    local m = select(i, ...)
    local mm = getmetatable(m)
    if mm ~= Dict and not (mm and rawget(mm, "aio_layout") == Dict) then
      throw(TypeError, "argument after ** must be a mapping, not " .. tname(m))
    end
    for k, v in aio.dict_entries(m) do
      if type(k) ~= "string" then throw(TypeError, "keywords must be strings") end
      if out[k] ~= nil then throw(TypeError, "got multiple values for keyword argument '" .. k .. "'") end
      out[k] = v
      order[#order + 1] = k
    end
  end
  for i = 1, #order do out[i] = order[i] end
  return out
end

local function param_index(spec)
  local ix = spec.aio_pix
  if ix then return ix end
  ix = {}
  local ps = spec.params or {}
  for i = 1, #ps do ix[ps[i]] = i end
  local ko = spec.kwonly or {}
  for i = 1, #ko do ix[ko[i]] = -i end
  spec.aio_pix = ix
  return ix
end

-- Calls fn with an optional leading self, positional table pos {n=, ...}
-- and keyword table kw, mapping keywords by fn's registered spec.
local function call_fn(fn, self_arg, pos, kw)
  local npos = pos and (pos.n or #pos) or 0
  local spec = funcs[fn]
  local off = self_arg ~= nil and 1 or 0
  if kw == nil or next(kw) == nil then
    if spec and spec.params and not spec.vararg and npos + off > #spec.params then
      local np = #spec.params
      throw(TypeError, fname_of(fn, spec) .. "() takes " .. np .. " positional argument" ..
        (np == 1 and "" or "s") .. " but " .. (npos + off) .. (npos + off == 1 and " was" or " were") .. " given")
    end
    if off == 1 then return fn(self_arg, tunpack(pos, 1, npos)) end
    return fn(tunpack(pos, 1, npos))
  end
  if not spec or not spec.params then
    throw(TypeError, fname_of(fn, spec) .. "() takes no keyword arguments")
  end
  local params = spec.params
  local np = #params
  local args = {}
  if off == 1 then args[1] = self_arg end
  for i = 1, npos do args[off + i] = pos[i] end
  local total = off + npos
  if total > np and not spec.vararg then
    throw(TypeError, fname_of(fn, spec) .. "() takes " .. np .. " positional argument" ..
      (np == 1 and "" or "s") .. " but " .. total .. (total == 1 and " was" or " were") .. " given")
  end
  local ix = param_index(spec)
  local kwonly = spec.kwonly or {}
  local kwvals, kwdict = {}, nil
  local names = kw_names(kw)
  for i = 1, #names do
    local name = names[i]
    local v = kw[name]
    local j = ix[name]
    if j and j > 0 then
      if j <= total or args[j] ~= nil then
        throw(TypeError, fname_of(fn, spec) .. "() got multiple values for argument '" .. name .. "'")
      end
      args[j] = v
    elseif j then
      kwvals[-j] = v
    elseif spec.kwargs then
      if not kwdict then kwdict = aio.new_map(Dict) end
      aio.dict_set(kwdict, name, v)
    else
      throw(TypeError, fname_of(fn, spec) .. "() got an unexpected keyword argument '" .. name .. "'")
    end
  end
  check_holes(fn, spec, args)
  if not spec.vararg then
    local n = np
    for i = 1, #kwonly do args[np + i] = kwvals[i] end
    n = np + #kwonly
    if spec.kwargs then
      n = n + 1
      args[n] = kwdict or aio.new_map(Dict)
    end
    return fn(tunpack(args, 1, n))
  end
  local marker = setmetatable({}, KwMarker)
  for i = 1, #kwonly do
    if kwvals[i] ~= nil then marker[kwonly[i]] = kwvals[i] end
  end
  if spec.kwargs then marker.aio_kwargs = kwdict or aio.new_map(Dict) end
  local n = total > np and total or np
  args[n + 1] = marker
  return fn(tunpack(args, 1, n + 1))
end
aio.call_fn = call_fn

local StaticMethod = aio.bclass("staticmethod")
local ClassMethod = aio.bclass("classmethod")
local Property = aio.bclass("property")
aio.StaticMethod, aio.ClassMethod, aio.Property = StaticMethod, ClassMethod, Property
rawset(Dict, "fromkeys", setmetatable({ f = aio.dict_fromkeys, owner = Dict }, ClassMethod))
rawset(aio.Str, "maketrans", setmetatable({ f = aio.str_maketrans }, StaticMethod))

-- f(*args, **kw) for any callable.
function aio.call(f, pos, kw)
  local tf = type(f)
  if tf == "function" then return call_fn(f, nil, pos, kw) end
  if tf == "table" then
    local mt = getmetatable(f)
    if mt == BoundMethod then return call_fn(f.__func__, f.__self__, pos, kw) end
    if mt == Type then
      local unew = rawget(f, "aio_user_new")   -- a user __new__ (wire_specials)
      if unew then
        local obj = call_fn(unew, f, pos, kw)
        local init = aio.isinst(obj, f) and rawget(f, "__init__")
        if init then call_fn(init, obj, pos, kw) end
        return obj
      end
      local new = rawget(f, "aio_new")
      if new then return call_fn(new, f, pos, kw) end
      local alloc = rawget(f, "aio_alloc")
      local obj = alloc and alloc(f) or setmetatable({}, f)
      local init = rawget(f, "__init__")
      if init then
        call_fn(init, obj, pos, kw)
      elseif (pos and (pos.n or #pos) > 0) or (kw and next(kw) ~= nil) then
        throw(TypeError, rawget(f, "__name__") .. "() takes no arguments")
      end
      return obj
    end
    if mt == StaticMethod then return call_fn(f.f, nil, pos, kw) end
    if mt == ClassMethod then return call_fn(f.f, f.owner, pos, kw) end
    local c = mt and rawget(mt, "__call__")
    if c then return call_fn(c, f, pos, kw) end
  end
  aio.not_callable(f)
end

---------------------------------------------------------------------------
-- bound methods and descriptors
---------------------------------------------------------------------------
local function bind(o, f)
  return setmetatable({ __self__ = o, __func__ = f }, BoundMethod)
end
aio.bind = bind
BoundMethod.__call = function(bm, ...) return bm.__func__(bm.__self__, ...) end
BoundMethod.__index = function(bm, k)
  if k == "__name__" then return aio.getattr(bm.__func__, "__name__") end
  throw(AttributeError, "'method' object has no attribute '" .. tostring(k) .. "'")
end
BoundMethod.__eq = function(a, b)
  return getmetatable(b) == BoundMethod and rawequal(a.__self__, b.__self__) and a.__func__ == b.__func__
end
BoundMethod.aio_repr = function(bm)
  local spec = funcs[bm.__func__]
  local name = spec and spec.name or "?"
  return "<bound method " .. name .. " of " .. aio.repr(bm.__self__) .. ">"
end

StaticMethod.aio_new = function(cls, f) return setmetatable({ f = f }, StaticMethod) end
StaticMethod.__call = function(sm, ...) return sm.f(...) end
StaticMethod.__index = StaticMethod
ClassMethod.aio_new = function(cls, f) return setmetatable({ f = f }, ClassMethod) end
ClassMethod.__call = function(cm, ...) return cm.f(cm.owner, ...) end
ClassMethod.__index = ClassMethod

Property.aio_new = aio.def(function(cls, fget, fset, fdel, doc)
  local function nn(v) if v == nil or rawequal(v, None) then return nil end return v end
  return setmetatable({ fget = nn(fget), fset = nn(fset), fdel = nn(fdel) }, Property)
end, "property", { name = "property", params = { "cls", "fget", "fset", "fdel", "doc" } })
Property.__index = function(p, k)
  local m = rawget(Property, k)
  if m ~= nil then return m end
  if k == "fget" or k == "fset" or k == "fdel" then return None end
  throw(AttributeError, "'property' object has no attribute '" .. tostring(k) .. "'")
end
function Property.get(p, o)
  local f = rawget(p, "fget")
  if not f then throw(AttributeError, "property of '" .. tname(o) .. "' object has no getter") end
  return f(o)
end
function Property.set(p, o, v)
  local f = rawget(p, "fset")
  if not f then throw(AttributeError, "property of '" .. tname(o) .. "' object has no setter") end
  f(o, v)
end
method(Property, "setter", { "self", "fset" }, function(p, f)
  return setmetatable({ fget = rawget(p, "fget"), fset = f, fdel = rawget(p, "fdel") }, Property)
end)
method(Property, "getter", { "self", "fget" }, function(p, f)
  return setmetatable({ fget = f, fset = rawget(p, "fset"), fdel = rawget(p, "fdel") }, Property)
end)
method(Property, "deleter", { "self", "fdel" }, function(p, f)
  return setmetatable({ fget = rawget(p, "fget"), fset = rawget(p, "fset"), fdel = f }, Property)
end)

-- class_done hook: classmethods know their owning class (copies per subclass).
local base_fix = aio.fix_index
function aio.fix_index(cls)
  for k, v in pairs(cls) do
    if type(v) == "table" and getmetatable(v) == ClassMethod and rawget(v, "owner") ~= cls then
      rawset(cls, k, setmetatable({ f = v.f, owner = cls }, ClassMethod))
    end
  end
  return base_fix(cls)
end

-- Python's class creation hooks for user classes: __set_name__(owner, name)
-- on the objects the class body defined, then the nearest base's
-- __init_subclass__ (implicitly a classmethod).
-- Each class's direct subclasses (weak both ways), for class attributes
-- set after the class is done (set_class_attr).
local subclasses = setmetatable({}, { __mode = "k" })

local base_class_done = aio.class_done
function aio.class_done(cls)
  local bases = rawget(cls, "aio_user") and rawget(cls, "aio_bases") or {}   -- (runtime classes are never patched)
  for i = 1, #bases do
    local subs = subclasses[bases[i]]
    if not subs then
      subs = setmetatable({}, { __mode = "k" })
      subclasses[bases[i]] = subs
    end
    subs[cls] = true
  end
  local named
  if rawget(cls, "aio_user") then
    for k, v in pairs(cls) do
      local sn = type(v) == "table" and type(k) == "string" and getmetatable(v) ~= Type and
        lookup(getmetatable(v) or {}, "__set_name__")
      if sn then named = named or {} named[#named + 1] = { sn, v, k } end
    end
  end
  base_class_done(cls)
  if named then for _, x in ipairs(named) do x[1](x[2], cls, x[3]) end end
  local mro = rawget(cls, "aio_mro")
  local kw = rawget(cls, "aio_class_kw")   -- class C(B, flag=1): B.__init_subclass__(C, flag=1)
  for i = 2, #mro do
    local f = rawget(mro[i], "__init_subclass__")
    if f ~= nil then
      if type(f) == "table" and getmetatable(f) == ClassMethod then f = f.f end
      if kw then
        local names = {}
        for k in pairs(kw) do names[#names + 1] = k end
        table.sort(names)
        for _, k in ipairs(names) do names[k] = kw[k] end
        aio.call(f, { n = 1, cls }, names)
      else
        f(cls)
      end
      kw = nil
      break
    end
  end
  if kw then
    throw(TypeError, rawget(cls, "__name__") .. ".__init_subclass__() takes no keyword arguments")
  end
  return cls
end

---------------------------------------------------------------------------
-- A class with a user __setattr__ (not a dict subclass): every attribute
-- store must reach it, but a raw field would be overwritten without a
-- metamethod. Its instances keep their attributes in a dict under the
-- private key ATTRS instead (that dict is also their live __dict__).
---------------------------------------------------------------------------
local ATTRS = {}
aio.ATTRS = ATTRS
local object = aio.object

-- object.__setattr__ / object.__delattr__: the default attribute store.
local function store_attr(o, name, v)
  local cls = getmetatable(o)
  local p = lookup(cls, name)
  if type(p) == "table" then
    if getmetatable(p) == Property then p:set(o, v) return None end
    local dm = aio.user_descr(p)
    local st = dm and lookup(dm, "__set__")
    if st then st(p, o, v) return None end
  end
  local a = rawget(o, ATTRS)
  if a then aio.dict_set(a, name, v) else rawset(o, name, v) end
  return None
end
local function delete_attr(o, name)
  local cls = getmetatable(o)
  local p = lookup(cls, name)
  if type(p) == "table" and getmetatable(p) == Property and rawget(p, "fdel") then
    rawget(p, "fdel")(o)
    return None
  end
  local a = rawget(o, ATTRS)
  if a and aio.dict_remove(a, name) ~= nil then return None end
  if rawget(o, name) == nil then
    throw(AttributeError, "'" .. tname(o) .. "' object has no attribute '" .. name .. "'")
  end
  rawset(o, name, nil)
  return None
end
-- object.__new__(cls): a new, uninitialised instance (what super().__new__
-- in a user __new__ ends at).
object.__new__ = aio.def(function(cls)
  if getmetatable(cls) ~= Type then
    throw(TypeError, "object.__new__(X): X is not a type object (" .. tname(cls) .. ")")
  end
  local alloc = rawget(cls, "aio_alloc")
  return alloc and alloc(cls) or setmetatable({}, cls)
end, "object.__new__", { name = "object.__new__", params = { "cls" }, vararg = true })

object.__setattr__ = aio.def(store_attr, "object.__setattr__",
  { name = "object.__setattr__", params = { "self", "name", "value" } })
object.__delattr__ = aio.def(delete_attr, "object.__delattr__",
  { name = "object.__delattr__", params = { "self", "name" } })

-- The user's __setattr__ / __delattr__ of cls, or nil.
local function user_hook(cls, name, default)
  local f = lookup(cls, name)
  if f == nil or rawequal(f, default) then return nil end
  return f
end

local function attrs_alloc(cls) return setmetatable({ [ATTRS] = aio.new_map(Dict) }, cls) end

local function attrs_hooks(cls, setattr)
  local idx, nidx = rawget(cls, "__index"), rawget(cls, "__newindex")
  local dict_get = aio.dict_get
  rawset(cls, "aio_alloc", attrs_alloc)
  rawset(cls, "__index", function(o, k)
    local a = rawget(o, ATTRS)
    if a and type(k) == "string" then
      local v = dict_get(a, k)
      if v ~= nil then return v end
    end
    if type(idx) == "function" then return idx(o, k) end
    return idx[k]
  end)
  rawset(cls, "__newindex", function(o, k, v)
    if type(k) == "string" then setattr(o, k, v) return end
    if nidx then return nidx(o, k, v) end
    throw(TypeError, "'" .. tname(o) .. "' object does not support item assignment")
  end)
end

local fix_classmethods = aio.fix_index
function aio.fix_index(cls)
  fix_classmethods(cls)
  local sa = user_hook(cls, "__setattr__", object.__setattr__)
  -- (not for exceptions: the runtime reads their args/__cause__ raw)
  if sa and rawget(cls, "aio_user") and not rawget(cls, "aio_layout") and not rawget(cls, "aio_isexc") then
    attrs_hooks(cls, sa)
  end
end

---------------------------------------------------------------------------
-- getattr / setattr / delattr / hasattr
---------------------------------------------------------------------------
local function short_name(n) return smatch(n, "([^%.]+)$") or n end

local function func_attr(f, name)
  local spec = funcs[f]
  local d = spec and spec.attrs
  if d and d[name] ~= nil then return d[name] end   -- set by functools.wraps etc.
  if name == "__name__" then return spec and short_name(spec.name) or "<lambda>" end
  if name == "__qualname__" then return spec and spec.name or "<lambda>" end
  if name == "__doc__" then return spec and spec.doc or None end
  if name == "__module__" then return "__main__" end
  throw(AttributeError, "'function' object has no attribute '" .. name .. "'")
end

-- C[X]: list[int], dict[str, int] (types.GenericAlias), or the class's own
-- __class_getitem__ (typing's generics, user Generic subclasses).
local GenericAlias = aio.bclass("GenericAlias")
GenericAlias.__module__ = "types"
GenericAlias.aio_rawattrs = true   -- getattr reads __origin__/__args__ raw
local subscriptable = {}
aio.subscriptable_classes = subscriptable
local function alias_arg_repr(v)
  if getmetatable(v) == Type then
    local mod = rawget(v, "__module__")
    local q = rawget(v, "__qualname__") or rawget(v, "__name__")
    if mod == "builtins" or mod == nil then return q end
    return mod .. "." .. q
  end
  if rawequal(v, aio.Ellipsis) then return "..." end
  return aio.repr(v)
end
GenericAlias.aio_repr = function(a)
  local args, parts = rawget(a, "__args__"), {}
  for i = 0, aio.seqlen(args) - 1 do parts[#parts + 1] = alias_arg_repr(rawget(args, i)) end
  return alias_arg_repr(rawget(a, "__origin__")) .. "[" .. table.concat(parts, ", ") .. "]"
end
GenericAlias.__call = function(a, ...) return rawget(a, "__origin__")(...) end
GenericAlias.__index = function(a, k)
  local v = rawget(GenericAlias, k)
  if v ~= nil then return v end
  if k == "__name__" or k == "__qualname__" then return rawget(rawget(a, "__origin__"), "__name__") end
  throw(AttributeError, "'types.GenericAlias' object has no attribute '" .. tostring(k) .. "'")
end
GenericAlias.__eq = function(a, b)
  return getmetatable(b) == GenericAlias and rawequal(rawget(a, "__origin__"), rawget(b, "__origin__")) and
    aio.eq(rawget(a, "__args__"), rawget(b, "__args__"))
end
aio.GenericAlias = GenericAlias

function aio.class_subscript(cls, k)
  local cg = lookup(cls, "__class_getitem__")
  if cg ~= nil then
    if type(cg) == "table" and getmetatable(cg) == aio.ClassMethod then cg = cg.f end
    return cg(cls, k)
  end
  if not subscriptable[cls] then
    throw(TypeError, "type '" .. tostring(rawget(cls, "__name__")) .. "' is not subscriptable")
  end
  local args = k
  if getmetatable(k) ~= Tuple then args = setmetatable({ [0] = k }, Tuple) end
  return setmetatable({ __origin__ = cls, __args__ = args }, GenericAlias)
end

-- C.__dict__: a new dict (not a live mappingproxy) of the names the class
-- itself defined, in definition order (inherited methods copied into the
-- class table are left out).
local function class_dict(cls)
  local d = aio.dict({})
  aio.dict_set(d, "__module__", rawget(cls, "__module__") or "__main__")
  for _, k in ipairs(rawget(cls, "aio_order") or {}) do
    local v = rawget(cls, k)
    -- (runtime fields and Lua metamethods are not Python attributes)
    local hidden = sfind(k, "^aio_") or (sfind(k, "^__") and not sfind(k, "__$"))
    if v ~= nil and not hidden then aio.dict_set(d, k, v) end
  end
  if aio.dict_get(d, "__doc__") == nil then aio.dict_set(d, "__doc__", None) end
  return d
end

local function class_special(cls, name)
  if name == "__name__" then return rawget(cls, "__name__") end
  if name == "__qualname__" then return rawget(cls, "__qualname__") or rawget(cls, "__name__") end
  if name == "__module__" then return rawget(cls, "__module__") or "__main__" end
  if name == "__bases__" then
    local b = rawget(cls, "aio_bases") or {}
    local t = {}
    for i = 1, #b do t[i - 1] = b[i] end
    return setmetatable(t, Tuple)
  end
  if name == "__mro__" then
    local b = rawget(cls, "aio_mro") or {}
    local t = {}
    for i = 1, #b do t[i - 1] = b[i] end
    return setmetatable(t, Tuple)
  end
  if name == "__doc__" then return None end
  if name == "__class__" then return getmetatable(cls) end
  if name == "__dict__" then return class_dict(cls) end
  return nil
end

aio.class_special = class_special

local function getattr(o, name, dflt)
  local t = type(o)
  local cls
  if t == "table" then
    cls = getmetatable(o)
    if cls == Type then
      if name == "__annotations__" then return rawget(o, name) or aio.own_annotations(o) end
      local v = lookup(o, name)
      if v ~= nil then
        if type(v) == "table" then
          local vm = getmetatable(v)
          if vm == StaticMethod then return v.f end
          if vm == ClassMethod then return bind(o, v.f) end
        end
        return v
      end
      v = class_special(o, name)
      if v ~= nil then return v end
      if dflt ~= nil then return dflt end
      throw(AttributeError, "type object '" .. rawget(o, "__name__") .. "' has no attribute '" .. name .. "'")
    end
    if cls == Module or (cls ~= nil and rawget(cls, "aio_module")) then
      local v = rawget(o, name)
      if v ~= nil then return v end
      if dflt ~= nil then return dflt end
      throw(AttributeError, "module '" .. tostring(rawget(o, "__name__")) .. "' has no attribute '" .. name .. "'")
    end
    if cls == nil then
      if dflt ~= nil then return dflt end
      throw(AttributeError, "object has no attribute '" .. name .. "'")
    end
    if rawget(cls, "aio_user") or rawget(cls, "aio_rawattrs") then
      local v = rawget(o, name)
      if v ~= nil then return v end
      local a = rawget(o, ATTRS)
      if a then
        v = aio.dict_get(a, name)
        if v ~= nil then return v end
      end
    end
  elseif t == "function" then
    if dflt ~= nil then
      local ok, v = pcall(func_attr, o, name)
      if ok then return v end
      return dflt
    end
    return func_attr(o, name)
  else
    cls = typeof(o)
  end
  local v = lookup(cls, name)
  if v ~= nil then
    local tv = type(v)
    if tv == "function" then
      if rawequal(v, rawget(cls, "__index")) or rawequal(v, rawget(cls, "__newindex")) then
        v = nil
      elseif string.sub(name, 1, 2) == "__" and string.sub(name, 1, 4) ~= "__fo" and funcs[v] == nil and name ~= "__init__" then
        -- Lua metamethods are not attributes
        v = nil
      else
        return bind(o, v)
      end
    elseif tv == "table" then
      local vm = getmetatable(v)
      if vm == Property then return v:get(o) end
      if vm == StaticMethod then return v.f end
      if vm == ClassMethod then return bind(cls, v.f) end
      local dm = aio.user_descr(v)
      local g = dm and lookup(dm, "__get__")
      if g then return g(v, o, cls) end
      return v
    elseif string.sub(name, 1, 4) ~= "aio_" and name ~= "__name" then
      return v
    end
  end
  if name == "__class__" then return cls end
  if cls == Property and (name == "fget" or name == "fset" or name == "fdel") then return rawget(o, name) or None end
  if (cls == StaticMethod or cls == ClassMethod) and name == "__func__" then return rawget(o, "f") end
  if name == "__dict__" and t == "table" and rawget(cls, "aio_user") then
    if rawget(o, ATTRS) then return rawget(o, ATTRS) end
    local d = aio.new_map(Dict)
    for k, val in pairs(o) do if type(k) == "string" then aio.dict_set(d, k, val) end end
    return d
  end
  if t == "table" and cls == aio.BaseException or (t == "table" and aio.issub(cls, aio.BaseException)) then
    if name == "__cause__" or name == "__context__" then return None end
    if name == "__traceback__" then return aio.traceback_of(o) end
    if name == "__suppress_context__" then return false end
    if name == "code" and aio.issub(cls, aio.SystemExit) then
      local args = rawget(o, "args")
      local n = (args == nil or rawget(args, 0) == nil) and 0 or #args + 1
      if n == 0 then return None end
      if n == 1 then return rawget(args, 0) end
      return args
    end
  end
  local ga = lookup(cls, "__getattr__")
  if ga and t == "table" then return ga(o, name) end
  if dflt ~= nil then return dflt end
  throw(AttributeError, "'" .. (rawget(cls, "__name__") or "object") .. "' object has no attribute '" .. name .. "'")
end
aio.getattr = getattr

-- A class attribute set once the class is done (setattr(C, k, v), and
-- `C.k = v` where C names a module's class): besides storing it, redo what
-- class_done derived from it (metamethods for special methods, the instance
-- __index for properties and __getattr__) here and in every subclass that
-- had inherited the old value, so a patched method or __repr__ takes effect
-- everywhere, as in Python.
local function set_class_attr(cls, name, v, old)
  rawset(cls, name, v)
  if not rawget(cls, "aio_done") or type(name) ~= "string" then return end
  if sfind(name, "^__.*__$") or type(v) == "table" then
    aio.wire_specials(cls)
    aio.fix_index(cls)
  end
  local subs = subclasses[cls]
  if not subs then return end
  local inherit = v ~= nil and aio.class_copied(name, v) and v or nil
  for sub in pairs(subs) do
    if rawget(sub, name) == old then set_class_attr(sub, name, inherit, old) end
  end
end

function aio.setattr(o, name, v)
  local t = type(o)
  if t == "table" then
    local cls = getmetatable(o)
    if cls == Type then
      -- a new name joins C.__dict__'s order (no scan when rebinding)
      if rawget(o, name) == nil and rawget(o, "aio_user") then aio.class_note_name(o, name) end
      set_class_attr(o, name, v, rawget(o, name))
      return
    end
    if cls == Module or (cls and rawget(cls, "aio_module")) then
      rawset(o, name, v)
      return
    end
    if cls and rawget(cls, "aio_user") then
      local sa = lookup(cls, "__setattr__") or store_attr
      sa(o, name, v)
      return
    end
  elseif t == "function" then
    local spec = funcs[o]
    if not spec then spec = { name = "<lambda>" } funcs[o] = spec end
    spec.attrs = spec.attrs or {}
    spec.attrs[name] = v
    return
  end
  if lookup(typeof(o), name) ~= nil then
    throw(AttributeError, "'" .. tname(o) .. "' object attribute '" .. name .. "' is read-only")
  end
  throw(AttributeError, "'" .. tname(o) .. "' object has no attribute '" .. name .. "'")
end

function aio.delattr(o, name)
  if type(o) == "table" then
    local cls = getmetatable(o)
    local da = cls ~= Type and cls ~= Module and cls and user_hook(cls, "__delattr__", object.__delattr__)
    if da and rawget(cls, "aio_user") then da(o, name) return end
    if rawget(o, ATTRS) then delete_attr(o, name) return end
    if cls == Type or cls == Module or (cls and rawget(cls, "aio_user")) then
      local p = cls ~= Type and cls ~= Module and lookup(cls, name)
      if type(p) == "table" and getmetatable(p) == Property and rawget(p, "fdel") then
        rawget(p, "fdel")(o)
        return
      end
      if rawget(o, name) == nil then
        throw(AttributeError, (cls == Type and ("type object '" .. rawget(o, "__name__") .. "'")
          or ("'" .. tname(o) .. "' object")) .. " has no attribute '" .. name .. "'")
      end
      rawset(o, name, nil)
      return
    end
  end
  throw(AttributeError, "'" .. tname(o) .. "' object has no attribute '" .. name .. "'")
end

function aio.hasattr(o, name)
  local ok, e = pcall(getattr, o, name)
  if ok then return true end
  e = aio.exc(e)
  if aio.isinst(e, AttributeError) then return false end
  error(e, 0)
end

---------------------------------------------------------------------------
-- method calls
---------------------------------------------------------------------------
-- Resolves o.name for a call: returns fn, self (self nil: call fn as is).
local function resolve_method(o, name)
  local t = type(o)
  local cls
  if t == "table" then
    cls = getmetatable(o)
    if cls == nil then throw(AttributeError, "object has no attribute '" .. name .. "'") end
    if rawget(cls, "aio_user") then
      local f = rawget(o, name)
      if f ~= nil then return f, nil end
    elseif cls == Type or cls == Module then
      return getattr(o, name), nil
    end
  elseif t == "function" then
    return getattr(o, name), nil
  else
    cls = typeof(o)
  end
  local f = rawget(cls, name)
  if f == nil then f = lookup(cls, name) end
  if type(f) == "function" and (funcs[f] or string.sub(name, 1, 2) ~= "__") then return f, o end
  return getattr(o, name), nil
end
aio.resolve_method = resolve_method

function aio.callm(o, name, ...)
  -- fast path: a registered function held by the object's class: a method of
  -- a user class not shadowed by an instance attribute, or of a builtin
  -- class (resolve_method's answer in both cases, without the call)
  if type(o) == "table" then
    local cls = getmetatable(o)
    local f = cls and rawget(cls, name)
    if f and type(f) == "function" and funcs[f] then
      if rawget(cls, "aio_user") then
        if rawget(o, name) == nil then return f(o, ...) end
      elseif cls ~= Type and cls ~= Module then
        return f(o, ...)
      end
    end
  end
  local f, self = resolve_method(o, name)
  if self ~= nil then return f(self, ...) end
  return f(...)
end

function aio.callmkw(o, name, pos, kw)
  local f, self = resolve_method(o, name)
  if self ~= nil then return call_fn(f, self, pos, kw) end
  return aio.call(f, pos, kw)
end

---------------------------------------------------------------------------
-- super
---------------------------------------------------------------------------
local function noop() return None end
function aio.super_method(cls, self, name)
  local scls = getmetatable(self) == Type and self or typeof(self)
  local mro = rawget(scls, "aio_mro") or {}
  local found = false
  for i = 1, #mro do
    local c = mro[i]
    if found then
      local v = rawget(c, name)
      if v ~= nil then
        if type(v) == "table" then
          local vm = getmetatable(v)
          if vm == StaticMethod then return function(_, ...) return v.f(...) end end
          if name == "__new__" then v = v.f end
          if vm == ClassMethod then return function(_, ...) return v.f(scls, ...) end end
          if vm == Property then return function(o) return v:get(o) end end
        end
        if name == "__new__" then return function(_, ...) return v(...) end end   -- a static method
        return v
      end
    elseif c == cls then
      found = true
    end
  end
  if name == "__init__" or name == "__init_subclass__" then return noop end
  throw(AttributeError, "'super' object has no attribute '" .. name .. "'")
end

---------------------------------------------------------------------------
-- functions as values: f.__name__ etc.
---------------------------------------------------------------------------
Function.__index = function(f, k)
  if type(k) == "string" then return func_attr(f, k) end
  throw(TypeError, "'function' object is not subscriptable")
end
Function.__newindex = function(f, k, v) aio.setattr(f, k, v) end
Function.__name = "function"
aio.install_generic(Function)
debug.setmetatable(print, Function)

---------------------------------------------------------------------------
-- exceptions and context managers used by emitted try/with/assert
---------------------------------------------------------------------------
-- Re-raises a caught exception, keeping its original traceback.
function aio.rethrow(e)
  error(aio.exc(e), 0)
end

-- An exception escaped an except clause's body: it happened while handling
-- `handled`, which becomes its __context__ (unless it has one).
-- The to-be-closed marker of an except body (see emit_stmt.c handler_body):
-- an exception leaving the body gets the handled one as __context__.
local function set_context(handled, err)
  if type(err) == "table" and err ~= handled and getmetatable(err) ~= nil
     and rawget(err, "__context__") == nil and aio.isinst(err, aio.BaseException) then
    rawset(err, "__context__", handled)
  end
end
-- The exceptions being handled, per thread (task or generator), innermost
-- last: sys.exc_info(), traceback.print_exc(), logger.exception().
local handled_by_thread = setmetatable({}, { __mode = "k" })
local corunning = coroutine.running
local function handled_push(e)
  local th = corunning()
  local st = handled_by_thread[th]
  if not st then st = {} handled_by_thread[th] = st end
  st[#st + 1] = e
end
local function handled_pop(e)
  local st = handled_by_thread[corunning()]
  if st and st[#st] == e then st[#st] = nil end
end
function aio.handled_exception()
  local st = handled_by_thread[corunning()]
  return st and st[#st]
end

local function end_handling(handled, err)
  handled_pop(handled)
  set_context(handled, err)
end
local Handling = { __close = function(h, err) end_handling(h[1], err) end }
-- perf: exception classes are closable themselves (no marker table); the
-- Handling table is the fallback for a class that lacks __close.
rawset(aio.BaseException, "__close", end_handling)
function aio.handling(e)
  handled_push(e)
  local mt = getmetatable(e)
  if mt ~= nil and rawget(mt, "__close") == end_handling then return e end
  return setmetatable({ e }, Handling)
end

function aio.chain(c, handled)
  local e = aio.exc(c)
  if e ~= handled and rawget(e, "__context__") == nil then rawset(e, "__context__", handled) end
  error(e, 0)
end

-- In a finally body: the exception on its way out, or nil.
function aio.pending(ok, c)
  if ok then return nil end
  return aio.exc(c)
end

function aio.rethrow(e)
  if e == nil then throw(aio.RuntimeError, "No active exception to reraise") end
  error(aio.exc(e), 0)
end

function aio.assert_fail(msg)
  if msg == nil then aio.raise(aio.AssertionError()) end
  aio.raise(aio.AssertionError(msg))
end

local base_raise = aio.raise
function aio.raise(e, cause, context)
  -- perf: `raise E(...)` outside a handler throws from here (a runtime frame,
  -- like base_raise's, so tracebacks see the same stack)
  if cause == nil and context == nil and e ~= nil then
    local mt = getmetatable(e)
    if mt ~= nil and rawget(mt, "aio_isexc") == true then error(e, 0) end
  end
  if e == nil then throw(aio.RuntimeError, "No active exception to reraise") end
  return base_raise(e, cause, context)
end

-- raise E(a) outside a handler (emit_stmt.c): a builtin exception class
-- that keeps BaseException's constructor is built here directly. `shared`:
-- a is a str literal, and exceptions raised with it share one args tuple
-- (perf: one table less per raise; tuples are immutable, so only `is` can
-- tell). The cache holds a tuple only while some exception does.
local exc_new, TupleMT, TypeMT = aio.exc_new, aio.Tuple, aio.Type
local shared_args = setmetatable({}, { __mode = "v" })
-- perf: builtin classes seen to keep exc_new (their constructor never
-- changes after start-up), so the common raise is one table read
local plain_exc = {}
local function keeps_exc_new(cls)
  if getmetatable(cls) ~= TypeMT or rawget(cls, "aio_new") ~= exc_new then return false end
  if rawget(cls, "__module__") == "builtins" then plain_exc[cls] = true end
  return true
end
local function raise1(cls, a, shared)
  if plain_exc[cls] or keeps_exc_new(cls) then
    local t
    if shared then
      t = shared_args[a]
      if t == nil then
        t = setmetatable({ [0] = a }, TupleMT)
        shared_args[a] = t
      end
    else
      t = setmetatable({ [0] = a }, TupleMT)
    end
    error(setmetatable({ args = t }, cls), 0)
  end
  return aio.raise(cls(a))
end
-- perf: the C closure (stdlib/exc_native.c) throws plain_exc classes itself
-- and hands every other call to raise1 above
aio.raise1 = aio.native.make_raise1(plain_exc, shared_args, TupleMT, raise1)
aio.try = aio.native.try

function aio.enter(ctx)
  local m = lookup(typeof(ctx), "__enter__")
  if not m or not lookup(typeof(ctx), "__exit__") then
    throw(TypeError, "'" .. tname(ctx) .. "' object does not support the context manager protocol")
  end
  return m(ctx)
end

-- Calls __exit__ for a with statement on `line`; an exception it raises is
-- reported at that line and has the body's exception (if any) as context.
local function exit_failed(r, e, line)
  local inner = type(r) == "table" and rawget(r, "aio_anchor") and rawget(r, "aio_inner")
  if inner and inner[1] and line then inner[1].line = line end
  if e then aio.chain(r, e) end
  error(r, 0)
end

function aio.exit(ctx, ok, c, line)
  local m = lookup(typeof(ctx), "__exit__")
  if ok then
    local ok2, r = xpcall(m, aio.traceback_handler, ctx, None, None, None)
    if not ok2 then exit_failed(r, nil, line) end
    return
  end
  local e = aio.exc(c)
  local ok2, r = xpcall(m, aio.traceback_handler, ctx, typeof(e), e, aio.traceback_of(e))
  if not ok2 then exit_failed(r, e, line) end
  if not aio.truthy(r) then error(e, 0) end
end

-- Traceback objects are opaque: only `tb is None` and truthiness matter.
local Traceback = aio.bclass("traceback")
aio.Traceback = Traceback
Traceback.aio_repr = function() return "<traceback object>" end
function aio.traceback_of(e)
  if rawget(e, "aio_tb") or rawget(e, "aio_inner") then return setmetatable({}, Traceback) end
  return None
end

-- ascii(x): repr(x) with non-ASCII characters escaped (\xe9, \u20ac, \U0001f600).
function aio.ascii(x)
  local r = aio.repr(x)
  if not string.find(r, "[\128-\255]") then return r end
  local ok, out = pcall(function()
    local parts = {}
    for _, c in utf8.codes(r) do
      if c < 0x80 then parts[#parts + 1] = string.char(c)
      elseif c < 0x100 then parts[#parts + 1] = string.format("\\x%02x", c)
      elseif c < 0x10000 then parts[#parts + 1] = string.format("\\u%04x", c)
      else parts[#parts + 1] = string.format("\\U%08x", c) end
    end
    return table.concat(parts)
  end)
  if ok then return out end
  return (string.gsub(r, "[\128-\255]", function(b) return string.format("\\x%02x", string.byte(b)) end))
end
