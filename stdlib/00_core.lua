-- 00_core.lua - the object model: None, classes (aio.class/aio.class_done),
-- the builtin type objects, type lookup, the exception hierarchy and the
-- raise/exc/match helpers. Later stdlib files fill in methods.
local aio = ...

-- Start-up (perf): no collection while the runtime builds itself (it is all
-- live data); 90_main.lua restarts the collector.
collectgarbage("stop")

local rawget, rawset, setmetatable, getmetatable = rawget, rawset, setmetatable, getmetatable
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local type, select, error, pairs, ipairs = type, select, error, pairs, ipairs
local math_type = math.type
local sfind, sgsub, smatch, ssub = string.find, string.gsub, string.match, string.sub

aio.builtins = {}

-- Lua functions emitted code may need: its _ENV is the module table, so
-- Lua's globals are reached through the runtime table (aio_pcall, ...).
aio.pcall, aio.xpcall, aio.error, aio.select, aio.rawequal, aio.rawget, aio.rawset, aio.type =
  pcall, xpcall, error, select, rawequal, rawget, rawset, type
aio.setmetatable, aio.getmetatable, aio.tunpack, aio.math, aio.string, aio.coroutine, aio.next =
  setmetatable, getmetatable, table.unpack, math, string, coroutine, next
local builtins = aio.builtins

-- Functions registered by aio.def: fn -> spec. Weak keys so closures are collected.
local funcs = setmetatable({}, { __mode = "k" })
aio.funcs = funcs

function aio.def(fn, name, spec)
  if spec == nil then spec = { name = name } elseif spec.name == nil then spec.name = name end
  funcs[fn] = spec
  return fn
end

---------------------------------------------------------------------------
-- Classes. A class is a table whose metatable is aio.Type. Instances use the
-- class as their metatable; class_done makes lookups one raw hop by copying
-- inherited fields, and misses fall to Type.__index which walks the MRO and
-- raises AttributeError.
---------------------------------------------------------------------------
local Type = { __name__ = "type", __qualname__ = "type", __name = "type" }
aio.Type = Type
setmetatable(Type, Type)

-- Walks cls's MRO with raw lookups (never raises).
local function lookup(cls, k)
  local mro = rawget(cls, "aio_mro")
  if mro == nil then return rawget(cls, k) end
  for i = 1, #mro do
    local v = rawget(mro[i], k)
    if v ~= nil then return v end
  end
  return nil
end
aio.lookup = lookup

-- Raised lazily: the exception classes are defined below.
local throw

-- Python's C3 linearisation; falls back to depth-first on failure.
local function c3(cls, bases)
  local seqs = {}
  for i = 1, #bases do
    local m = rawget(bases[i], "aio_mro")
    local s = {}
    for j = 1, #m do s[j] = m[j] end
    seqs[#seqs + 1] = s
  end
  local b = {}
  for i = 1, #bases do b[i] = bases[i] end
  seqs[#seqs + 1] = b
  local out = { cls }
  while true do
    local nonempty = false
    for i = 1, #seqs do if #seqs[i] > 0 then nonempty = true break end end
    if not nonempty then return out end
    local cand
    for i = 1, #seqs do
      local s = seqs[i]
      if #s > 0 then
        cand = s[1]
        for j = 1, #seqs do
          local t = seqs[j]
          for k = 2, #t do if t[k] == cand then cand = nil break end end
          if cand == nil then break end
        end
        if cand then break end
      end
    end
    if cand == nil then
      throw(aio.TypeError, "Cannot create a consistent method resolution order (MRO)")
    end
    out[#out + 1] = cand
    for i = 1, #seqs do
      local s = seqs[i]
      if s[1] == cand then table.remove(s, 1) end
    end
  end
end

-- A class statement's keywords (`class C(B, metaclass=M, flag=1)`, kw is
-- {metaclass=M, flag=1} or nil). There are no metaclasses: `metaclass=type`
-- is accepted, a metaclass naming a stand-in base in __aio_base__ (abc's
-- ABCMeta -> ABC) adds that base, any other raises TypeError. The other
-- keywords go to __init_subclass__ (class_done, 40_call).
local function class_keywords(cls, name, bases, kw)
  local m = kw.metaclass
  if m ~= nil then
    kw.metaclass = nil
    local stand = m ~= Type and getmetatable(m) == Type and rawget(m, "__aio_base__")
    if stand then
      local found = false
      for i = 1, #bases do if bases[i] == stand then found = true end end
      if not found then bases[#bases + 1] = stand end
    elseif m ~= Type then
      throw(aio.TypeError, "class " .. name .. ": metaclasses are not supported (metaclass=" ..
        tostring(getmetatable(m) == Type and rawget(m, "__name__") or "?") .. ")")
    end
  end
  if next(kw) ~= nil then cls.aio_class_kw = kw end
  return bases
end

-- Creates a class table (methods are then stored into it; see class_done).
local function class(name, bases, kw, modname)
  -- __module__: the module whose code runs this class statement (runtime
  -- classes pass "builtins")
  if modname == nil then
    local info = debug.getinfo(2, "S")
    modname = info and aio.source_module_name and aio.source_module_name(info.source) or "__main__"
  end
  local cls = { __name__ = name, __qualname__ = name, __name = name, __module__ = modname }
  if kw then bases = class_keywords(cls, name, bases or {}, kw) end
  if bases == nil or #bases == 0 then bases = { aio.object } end
  for i = 1, #bases do
    if getmetatable(bases[i]) ~= Type then
      throw(aio.TypeError, "bases must be types")
    end
  end
  cls.aio_bases = bases
  cls.aio_user = true           -- instances keep attributes as raw fields
  cls.aio_mro = c3(cls, bases)
  return setmetatable(cls, Type)
end
aio.class = class

-- Names never copied from a base into a subclass.
local own_only = {
  __name__ = true, __qualname__ = true, __name = true, aio_bases = true, aio_mro = true,
  __index = true, __newindex = true, __module__ = true, __doc__ = true, aio_new = true,
  aio_done = true, __annotations__ = true, aio_order = true, aio_class_kw = true,
}

local specials   -- filled in by 05_ops (dunder -> Lua metamethod wiring)

-- Is an inherited field copied into a subclass? Methods, descriptors and
-- runtime hooks are (one raw hop for calls); plain class data is not, so that
-- `Base.count += 1` stays visible through subclasses (found by Type.__index).
local descr_names = { staticmethod = true, classmethod = true, property = true }
local function copied(k, v)
  local tv = type(v)
  if tv == "function" or type(k) ~= "string" then return true end
  if sfind(k, "^aio_") or sfind(k, "^__") then return true end
  if tv == "table" then
    local mt = getmetatable(v)
    return mt ~= nil and getmetatable(mt) == Type and rawget(mt, "aio_user") == nil and
      descr_names[rawget(mt, "__name__")] == true
  end
  return false
end

aio.class_copied = copied

-- The fields a done class passes on, as a flat k1, v1, k2, v2 ... list.
-- Cached for builtin classes (start-up: the ~50 exception classes share a
-- few bases), which do not change once done.
local inherit_lists = setmetatable({}, { __mode = "k" })
local function inheritable(base)
  local l = inherit_lists[base]
  if l then return l end
  l = {}
  for k, v in pairs(base) do
    if not own_only[k] and copied(k, v) then l[#l + 1] = k l[#l + 1] = v end
  end
  if rawget(base, "__module__") == "builtins" then inherit_lists[base] = l end
  return l
end

function aio.class_done(cls)
  local wire = aio.wire_specials
  if wire then wire(cls) end
  local mro = rawget(cls, "aio_mro")
  local bases = rawget(cls, "aio_bases")
  if #bases == 1 and rawget(bases[1], "aio_done") then
    -- a single base that is done already holds everything its own bases
    -- pass on, so copying from it alone is enough
    local l = inheritable(bases[1])
    for i = 1, #l, 2 do
      local k = l[i]
      if rawget(cls, k) == nil then rawset(cls, k, l[i + 1]) end
    end
  else
    for i = 2, #mro do
      for k, v in pairs(mro[i]) do
        if rawget(cls, k) == nil and not own_only[k] and copied(k, v) then rawset(cls, k, v) end
      end
    end
  end
  -- builtin constructors (e.g. subclassing Exception keeps its __init__) are inherited
  if rawget(cls, "aio_new") == nil then
    for i = 2, #mro do
      local n = rawget(mro[i], "aio_new")
      if n and rawget(mro[i], "aio_new_inherit") then rawset(cls, "aio_new", n) break end
    end
  end
  local fix = aio.fix_index
  if fix then fix(cls) else rawset(cls, "__index", cls) end
  rawset(cls, "aio_done", true)
  return cls
end

-- Metaclass behaviour: attribute misses on classes and instances.
-- C.__annotations__: the class's own (3.10+), made empty when it has none.
local function own_annotations(cls)
  local a = aio.dict({})
  rawset(cls, "__annotations__", a)
  return a
end
aio.own_annotations = own_annotations

Type.__index = function(cls, k)
  if k == "__annotations__" then return own_annotations(cls) end
  local v = lookup(cls, k)
  if v ~= nil then return v end
  if k == "__name__" or k == "__qualname__" then return rawget(cls, "__name__") end
  if k == "__doc__" then return aio.None end   -- docstrings are not kept
  if type(k) ~= "string" and aio.class_subscript then return aio.class_subscript(cls, k) end   -- list[int]
  local special = aio.class_special   -- __bases__, __mro__, ... (40_call)
  if special and type(k) == "string" then
    v = special(cls, k)
    if v ~= nil then return v end
  end
  throw(aio.AttributeError, "'" .. tostring(rawget(cls, "__name__")) .. "' object has no attribute '" .. tostring(k) .. "'")
end

-- A class body's names in definition order (C.__dict__, enum members): each
-- new name stored into an unfinished class is appended to its aio_order.
local function note_name(cls, k)
  if type(k) ~= "string" then return end
  local order = rawget(cls, "aio_order")
  if not order then order = {} rawset(cls, "aio_order", order) end
  for i = 1, #order do if order[i] == k then return end end
  order[#order + 1] = k
end
aio.class_note_name = note_name
Type.__newindex = function(cls, k, v)
  if not rawget(cls, "aio_done") then note_name(cls, k) end
  rawset(cls, k, v)
end

-- Calling a class creates an instance.
Type.__call = function(cls, ...)
  local new = rawget(cls, "aio_new")
  if new then return new(cls, ...) end
  -- aio_alloc: a subclass of a builtin (dict) whose instances need its layout
  local alloc = rawget(cls, "aio_alloc")
  local obj = alloc and alloc(cls) or setmetatable({}, cls)
  local init = rawget(cls, "__init__")
  if init then init(obj, ...) end
  return obj
end

-- Builtin (runtime-defined) classes: no raw instance attributes.
local function bclass(name, bases)
  local cls = class(name, bases, nil, "builtins")
  cls.aio_user = nil
  cls.__module__ = "builtins"
  return cls
end
aio.bclass = bclass

-- __index for builtin classes whose instances have no attributes of their
-- own: methods come from the class, any other name is an AttributeError.
function aio.methods_only_index(cls, tname)
  return function(_, k)
    local m = rawget(cls, k)
    if m ~= nil then return m end
    aio.throw(aio.AttributeError, "'" .. (tname or rawget(cls, "__name__")) .. "' object has no attribute '" .. tostring(k) .. "'")
  end
end

local object = { __name__ = "object", __qualname__ = "object", __name = "object", __module__ = "builtins" }
object.aio_mro = { object }
object.aio_bases = {}
object.__index = object
setmetatable(object, Type)
aio.object = object
Type.aio_mro = { Type, object }
Type.aio_bases = { object }
Type.__module__ = "builtins"

-- None: a unique table. Its metatable is the NoneType class.
local NoneType = bclass("NoneType")
local None = setmetatable({}, NoneType)
aio.None = None

-- Builtin type objects; methods are added by later files.
aio.Int = bclass("int")
aio.Bool = bclass("bool", { aio.Int })
aio.Float = bclass("float")
aio.Str = bclass("str")
aio.Bytes = bclass("bytes")
aio.BYTES_KEY = {}   -- private key of a bytes object's Lua string (30_iter.lua)
aio.List = bclass("list")
aio.Tuple = bclass("tuple")
aio.Dict = bclass("dict")
aio.Set = bclass("set")
aio.Range = bclass("range")
aio.Function = bclass("function")
aio.BuiltinFunction = bclass("builtin_function_or_method")
aio.BoundMethod = bclass("method")
aio.Module = bclass("module")
aio.Iterator = bclass("iterator")
aio.Generator = bclass("generator")
aio.NoneType = NoneType
aio.NotImplementedType = bclass("NotImplementedType")
aio.NotImplemented = setmetatable({}, aio.NotImplementedType)
aio.EllipsisType = bclass("ellipsis")
aio.Ellipsis = setmetatable({}, aio.EllipsisType)

local Int, Float, Str, Bool, Function = aio.Int, aio.Float, aio.Str, aio.Bool, aio.Function

-- The aio type (class) of any value.
local function typeof(v)
  local t = type(v)
  if t == "table" then return getmetatable(v) or object
  elseif t == "string" then return Str
  elseif t == "number" then if math_type(v) == "integer" then return Int end return Float
  elseif t == "boolean" then return Bool
  elseif t == "function" then return Function
  end
  return object
end
aio.typeof = typeof

-- The Python type name of a value, e.g. 'int', 'NoneType', 'Point'.
local function tname(v)
  local cls = typeof(v)
  return rawget(cls, "__name__") or "object"
end
aio.tname = tname

-- Is cls a subclass of base (both classes)?
local function issub(cls, base)
  if cls == base then return true end
  local mro = rawget(cls, "aio_mro")
  if mro == nil then return false end
  for i = 1, #mro do if mro[i] == base then return true end end
  return false
end
aio.issub = issub

-- isinstance for one class (bools are ints).
local function isinst(v, cls)
  return issub(typeof(v), cls)
end
aio.isinst = isinst

---------------------------------------------------------------------------
-- Exceptions. Instances of these classes; e.args is a tuple.
---------------------------------------------------------------------------
local exc_classes, exc_order = {}, {}
local function exc_class(name, base)
  local cls = class(name, base and { base } or nil, nil, "builtins")
  cls.__module__ = "builtins"
  cls.aio_isexc = true   -- perf: is_exc is one raw lookup (class_done copies it to subclasses)
  exc_classes[name] = cls
  exc_order[#exc_order + 1] = cls
  aio[name] = cls
  builtins[name] = cls
  return cls
end

local BaseException = exc_class("BaseException")
-- BaseException.__init__ stores the args tuple; defined here because
-- throw() builds exceptions without calling it.
BaseException.__init__ = aio.def(function(self, a, ...)
  local t
  if select("#", ...) > 0 then t = { [0] = a, ... }
  elseif a == nil then t = {}
  else t = { [0] = a } end   -- the common E("message")
  self.args = aio.tuple_raw(t)
  return None
end, "BaseException.__init__", { name = "BaseException.__init__", params = { "self" }, vararg = true })

-- Constructor of the builtin exception classes that keep BaseException's
-- __init__ (set by 90_main.lua; perf: no __init__ call, no varargs table).
local exc_tuple = aio.Tuple   -- perf: aio.tuple_raw inlined
aio.exc_new = aio.def(function(cls, a, ...)
  local t
  if ... ~= nil then t = { [0] = a, ... }
  elseif a == nil then t = {}
  else t = { [0] = a } end
  return setmetatable({ args = setmetatable(t, exc_tuple) }, cls)
end, "BaseException.__init__", { name = "BaseException.__init__", params = { "cls" }, vararg = true })

local Exception = exc_class("Exception", BaseException)
local ArithmeticError = exc_class("ArithmeticError", Exception)
exc_class("ZeroDivisionError", ArithmeticError)
exc_class("OverflowError", ArithmeticError)
exc_class("FloatingPointError", ArithmeticError)
local LookupError = exc_class("LookupError", Exception)
exc_class("KeyError", LookupError)
exc_class("IndexError", LookupError)
local ValueError = exc_class("ValueError", Exception)
exc_class("UnicodeError", ValueError)
exc_class("UnicodeDecodeError", aio.UnicodeError)
exc_class("UnicodeEncodeError", aio.UnicodeError)
exc_class("TypeError", Exception)
exc_class("AttributeError", Exception)
local NameError = exc_class("NameError", Exception)
exc_class("UnboundLocalError", NameError)
local RuntimeError = exc_class("RuntimeError", Exception)
exc_class("NotImplementedError", RuntimeError)
exc_class("RecursionError", RuntimeError)
exc_class("StopIteration", Exception)
exc_class("StopAsyncIteration", Exception)
exc_class("AssertionError", Exception)
local OSError = exc_class("OSError", Exception)
exc_class("FileNotFoundError", OSError)
exc_class("PermissionError", OSError)
exc_class("FileExistsError", OSError)
exc_class("IsADirectoryError", OSError)
exc_class("NotADirectoryError", OSError)
exc_class("TimeoutError", OSError)
exc_class("ConnectionError", OSError)
exc_class("ConnectionRefusedError", aio.ConnectionError)
exc_class("ConnectionResetError", aio.ConnectionError)
exc_class("ConnectionAbortedError", aio.ConnectionError)
exc_class("BrokenPipeError", aio.ConnectionError)
exc_class("BlockingIOError", OSError)
exc_class("InterruptedError", OSError)
exc_class("ProcessLookupError", OSError)
exc_class("ChildProcessError", OSError)
aio.IOError = OSError
builtins.IOError = OSError
builtins.EnvironmentError = OSError
exc_class("EOFError", Exception)
exc_class("ImportError", Exception)
exc_class("ModuleNotFoundError", aio.ImportError)
exc_class("MemoryError", Exception)
exc_class("SyntaxError", Exception)
exc_class("KeyboardInterrupt", BaseException)
exc_class("SystemExit", BaseException)
exc_class("GeneratorExit", BaseException)
aio.exc_classes, aio.exc_order = exc_classes, exc_order

-- Raises a new exception of class cls with one message argument (or none).
throw = function(cls, msg)
  local t
  if msg == nil then t = {} else t = { [0] = msg } end
  error(setmetatable({ args = aio.tuple_raw(t) }, cls), 0)
end
aio.throw = throw

-- `(x or aio_unbound(x, "x"))`: a read of a local that may not be bound yet
-- (compiler/defassign.c). A bound x that is false comes back as is.
function aio.unbound(v, name, free)
  if v ~= nil then return v end
  if free then
    throw(NameError, "cannot access free variable '" .. name ..
      "' where it is not associated with a value in enclosing scope")
  end
  throw(aio.UnboundLocalError, "cannot access local variable '" .. name .. "' where it is not associated with a value")
end

-- Ctrl-C: the host's interrupt hook calls this (vm/interrupt.c).
local set_interrupt = type(aio.native) == "table" and rawget(aio.native, "set_interrupt")
if set_interrupt then
  set_interrupt(function()
    throw(aio.KeyboardInterrupt)
  end)
end

local function is_exc(v)
  return type(v) == "table" and rawget(getmetatable(v) or object, "aio_isexc") == true
end
aio.is_exc = is_exc

-- raise e [from cause]; context is the exception being handled, if any.
function aio.raise(e, cause, context)
  local mt = getmetatable(e)
  -- fast path: `raise E(...)` outside a handler
  -- (only exception classes carry aio_isexc, and only their instances have them as metatable)
  if cause == nil and context == nil and mt ~= nil and rawget(mt, "aio_isexc") == true then
    error(e, 0)
  end
  if mt == Type then e = e() end
  if not is_exc(e) then throw(aio.TypeError, "exceptions must derive from BaseException") end
  if cause ~= nil then
    if getmetatable(cause) == Type then cause = cause() end
    if cause ~= None and not is_exc(cause) then
      throw(aio.TypeError, "exception causes must derive from BaseException")
    end
    rawset(e, "__cause__", cause)
    rawset(e, "__suppress_context__", true)
  end
  if context ~= nil and context ~= e and rawget(e, "__context__") == nil then
    rawset(e, "__context__", context)
  end
  error(e, 0)
end

-- Maps a Lua error message (position already stripped) to an aio exception.
local function lua_error_to_exc(msg)
  local v
  if sfind(msg, "attempt to perform 'n//0'", 1, true) or sfind(msg, "attempt to divide by zero", 1, true) then
    return aio.ZeroDivisionError, "integer division or modulo by zero"
  elseif sfind(msg, "attempt to perform 'n%%0'", 1, true) or sfind(msg, "attempt to perform 'n%0'", 1, true) then
    return aio.ZeroDivisionError, "integer modulo by zero"
  elseif sfind(msg, "stack overflow", 1, true) then
    return aio.RecursionError, "maximum recursion depth exceeded"
  elseif sfind(msg, "not enough memory", 1, true) then
    return aio.MemoryError, ""
  end
  v = smatch(msg, "^attempt to call a nil value %(global '([^']*)'%)")
  if v then return NameError, "name '" .. v .. "' is not defined" end
  v = smatch(msg, "%(local '([^']*)'%)$") or smatch(msg, "%(upvalue '([^']*)'%)$")
  if v and sfind(v, "^aio_g_") then   -- a module def called before it ran
    return NameError, "name '" .. ssub(v, 7) .. "' is not defined"
  end
  if v and sfind(msg, "nil value", 1, true) then
    v = sgsub(v, "^aio_u_", "")
    return aio.UnboundLocalError, "cannot access local variable '" .. v .. "' where it is not associated with a value"
  end
  v = smatch(msg, "^attempt to call a nil value %(method '([^']*)'%)") or
      smatch(msg, "^attempt to call a nil value %(field '([^']*)'%)")
  if v then return aio.AttributeError, "object has no attribute '" .. v .. "'" end
  v = smatch(msg, "^attempt to call a (%a+) value")
  if v then return aio.TypeError, "object is not callable" end
  if sfind(msg, "^attempt to compare") then return aio.TypeError, "unsupported comparison" end
  if sfind(msg, "^attempt to index") then return aio.TypeError, "object is not subscriptable" end
  if sfind(msg, "^attempt to perform arithmetic") then return aio.TypeError, "unsupported operand type(s)" end
  if sfind(msg, "^attempt to perform bitwise") or sfind(msg, "has no integer representation") then
    return aio.TypeError, "unsupported operand type(s) for bitwise operation"
  end
  if sfind(msg, "^attempt to concatenate") then return aio.TypeError, "can only concatenate str" end
  if sfind(msg, "^table index is NaN") then return aio.ValueError, "nan cannot be used as a key" end
  if sfind(msg, "^bad argument") then
    return aio.TypeError, (sgsub(sgsub(msg, "^bad argument #%d+ to '[^']*' %(", ""), "%)$", ""))
  end
  if sfind(msg, "^wrong number of arguments") then return aio.TypeError, "wrong number of arguments" end
  if sfind(msg, "C stack overflow", 1, true) or sfind(msg, "error in error handling", 1, true) then
    return aio.RecursionError, "maximum recursion depth exceeded"
  end
  if sfind(msg, "^cannot resume dead coroutine") then return aio.ValueError, "generator already executing" end
  return RuntimeError, msg
end

-- Converts any caught error value into an aio exception instance.
function aio.exc(err)
  if type(err) == "table" then
    local emt = getmetatable(err)   -- perf: inline is_exc (every caught exception)
    if emt ~= nil and rawget(emt, "aio_isexc") == true then return err end
    if getmetatable(err) == Type and issub(err, BaseException) then return err() end
  end
  local msg = type(err) == "string" and err or tostring(err)
  -- strip "chunk:line: " position prefixes
  msg = sgsub(msg, "^[^\n]-:%d+: ", "", 1)
  local cls, text = lua_error_to_exc(msg)
  local t = text ~= "" and { [0] = text } or {}
  return setmetatable({ args = aio.tuple_raw(t) }, cls)
end

-- Does exception e match an except clause's T (a class or a tuple of classes)?
function aio.match(e, T)
  if getmetatable(e) == T then return true end   -- perf: e is exactly a T
  local mt = getmetatable(T)
  local ecls = typeof(e)
  if ecls == T and mt == Type then return true end
  if mt == Type then return issub(ecls, T) end
  if mt == aio.Tuple then
    for i = 0, #T do
      local c = rawget(T, i)
      if c ~= nil and getmetatable(c) == Type and issub(ecls, c) then return true end
    end
    if rawget(T, 0) == nil then return false end
    return false
  end
  throw(aio.TypeError, "catching classes that do not inherit from BaseException is not allowed")
end

-- Placeholder until 20_list installs the real tuple metatable.
function aio.tuple_raw(t) return setmetatable(t, aio.Tuple) end
