-- 05_ops.lua - operators: truthiness, structural equality, arithmetic and
-- comparison dispatch (bools as ints, user dunders, Python's TypeError
-- messages), the number/boolean/None metatables, and the wiring of a user
-- class's special methods to Lua metamethods.
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable = rawget, rawset, rawequal, getmetatable, setmetatable
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local type, tostring, pairs = type, tostring, pairs
local math_type, mfloor, huge = math.type, math.floor, math.huge
local None, NotImplemented = aio.None, aio.NotImplemented
local typeof, tname, throw, lookup = aio.typeof, aio.tname, aio.throw, aio.lookup
local TypeError, ZeroDivisionError, OverflowError, ValueError =
  aio.TypeError, aio.ZeroDivisionError, aio.OverflowError, aio.ValueError

-- Python truthiness, dispatched on the metatable (one C call): str, numbers,
-- None and bytes inline, other objects through their class's aio_bool (list,
-- dict, a user __bool__/__len__, ...), anything else is true.
local Str, Bytes, BS, NoneType = aio.Str, aio.Bytes, aio.BYTES_KEY, getmetatable(None)
local NumMeta   -- the metatable of all numbers (set below)
local function truthy(v)
  if v == true then return true end
  if v == false then return false end
  local mt = getmetatable(v)
  if mt == Str then return v ~= "" end
  if mt == NumMeta then return v ~= 0 end
  if mt == NoneType or mt == nil then return mt == nil end
  if mt == Bytes then return v[BS] ~= "" end
  local f = rawget(mt, "aio_bool")
  if f then return f(v) end
  return true
end
aio.truthy = truthy

-- A user __eq__ of a table operand, for operands of different Lua types
-- (Lua's == never calls __eq then): true/false, or nil when none decides.
local function user_eq(a, b)
  for _ = 1, 2 do
    if type(a) == "table" then
      local f = rawget(getmetatable(a) or {}, "__eq__")
      if f then
        local r = f(a, b)
        if not rawequal(r, NotImplemented) then return truthy(r) end
      end
    end
    a, b = b, a
  end
  return nil
end

-- Python ==, including True == 1 and containers (via their __eq).
local function eq(a, b)
  if rawequal(a, b) then return true end
  local ta, tb = type(a), type(b)
  if ta == tb then return a == b end
  if ta == "table" or tb == "table" then return user_eq(a, b) or false end
  if ta == "boolean" then return tb == "number" and (a and 1 or 0) == b end
  if tb == "boolean" then return ta == "number" and a == (b and 1 or 0) end
  return false
end
aio.eq = eq

---------------------------------------------------------------------------
-- Arithmetic
---------------------------------------------------------------------------
local function div(a, b)
  if type(a) == "number" and type(b) == "number" then
    if b == 0 then
      if math_type(a) == "integer" and math_type(b) == "integer" then
        throw(ZeroDivisionError, "division by zero")
      end
      throw(ZeroDivisionError, "float division by zero")
    end
    return a / b
  end
  return aio.arith("div", a, b)
end
aio.div = div

local function floordiv(a, b)
  if type(a) == "number" and type(b) == "number" then
    if b == 0 then
      if math_type(a) == "integer" and math_type(b) == "integer" then
        throw(ZeroDivisionError, "integer division or modulo by zero")
      end
      throw(ZeroDivisionError, "float floor division by zero")
    end
    return a // b
  end
  return aio.arith("idiv", a, b)
end
aio.floordiv = floordiv

local function mod(a, b)
  -- fast path (no C calls): a non-zero divisor and a non-NaN result is what
  -- Lua's % (or the operand's __mod metamethod, e.g. str formatting) gives
  if b ~= 0 then
    local r = a % b
    if r == r then return r end
  end
  if type(a) == "number" and type(b) == "number" then
    if b == 0 then
      if math_type(a) == "integer" and math_type(b) == "integer" then
        throw(ZeroDivisionError, "integer modulo by zero")
      end
      throw(ZeroDivisionError, "float modulo")
    end
    local r = a % b
    -- Lua gives nan for x % inf; Python keeps x when signs agree
    if r ~= r and (b == huge or b == -huge) and a == a and a ~= huge and a ~= -huge then
      if (a >= 0) == (b > 0) then return a + 0.0 end
      return b
    end
    return r
  end
  if type(a) == "string" then return aio.str_mod(a, b) end
  return aio.arith("mod", a, b)
end
aio.mod = mod

-- r * base with a check that the 64-bit product did not wrap.
local function mul_checked(x, y)
  if x == 0 or y == 0 then return 0 end
  local m = x * y
  if m // y ~= x or (m < 0) ~= ((x < 0) ~= (y < 0)) then
    throw(OverflowError, "integer too large (aio ints are 64-bit)")
  end
  return m
end

local function ipow(a, b)
  local r, base = 1, a
  while b > 0 do
    if b % 2 == 1 then r = mul_checked(r, base) end
    b = b // 2
    if b > 0 then base = mul_checked(base, base) end
  end
  return r
end

local function pow(a, b)
  local ta, tb = type(a), type(b)
  if ta == "boolean" then a = a and 1 or 0 ta = "number" end
  if tb == "boolean" then b = b and 1 or 0 tb = "number" end
  if ta == "number" and tb == "number" then
    if math_type(a) == "integer" and math_type(b) == "integer" then
      if b >= 0 then return ipow(a, b) end
      if a == 0 then throw(ZeroDivisionError, "0.0 cannot be raised to a negative power") end
      return (a + 0.0) ^ b
    end
    if a == 0 and b < 0 then throw(ZeroDivisionError, "0.0 cannot be raised to a negative power") end
    if a < 0 and b ~= mfloor(b) and b == b then
      throw(ValueError, "math domain error (negative number to a fractional power)")
    end
    local r = a ^ b
    if (r == huge or r == -huge) and a == a and a ~= huge and a ~= -huge then
      throw(OverflowError, "(34, 'Numerical result out of range')")
    end
    return r
  end
  return aio.arith("pow", a, b)
end
aio.pow = pow

local function rshift(a, b)
  if math_type(a) == "integer" and math_type(b) == "integer" then
    if b < 0 then throw(ValueError, "negative shift count") end
    if b >= 63 then return a < 0 and -1 or 0 end
    return a // (1 << b)
  end
  return aio.arith("shr", a, b)
end
aio.rshift = rshift

local function lshift(a, b)
  if math_type(a) == "integer" and math_type(b) == "integer" then
    if b < 0 then throw(ValueError, "negative shift count") end
    if b >= 64 then return 0 end
    return a << b
  end
  return aio.arith("shl", a, b)
end
aio.lshift = lshift

local symbol = {
  add = "+", sub = "-", mul = "*", div = "/", mod = "%", idiv = "//", pow = "** or pow()",
  band = "&", bor = "|", bxor = "^", shl = "<<", shr = ">>", matmul = "@",
  iadd = "+=",   -- x += y falling back to x + y (not a metamethod)
}
local dunders = {
  add = { "__add__", "__radd__" }, iadd = { "__add__", "__radd__" }, sub = { "__sub__", "__rsub__" }, mul = { "__mul__", "__rmul__" },
  div = { "__truediv__", "__rtruediv__" }, mod = { "__mod__", "__rmod__" },
  idiv = { "__floordiv__", "__rfloordiv__" }, pow = { "__pow__", "__rpow__" },
  band = { "__and__", "__rand__" }, bor = { "__or__", "__ror__" }, bxor = { "__xor__", "__rxor__" },
  shl = { "__lshift__", "__rlshift__" }, shr = { "__rshift__", "__rrshift__" },
  matmul = { "__matmul__", "__rmatmul__" },
}
local function isint(v) return math_type(v) == "integer" end
local rawops = {
  add = function(a, b) return a + b end,
  iadd = function(a, b) return a + b end,
  sub = function(a, b) return a - b end,
  mul = function(a, b) return a * b end,
  div = div, mod = mod, idiv = floordiv, pow = pow,
  band = function(a, b) if isint(a) and isint(b) then return a & b end return nil end,
  bor = function(a, b) if isint(a) and isint(b) then return a | b end return nil end,
  bxor = function(a, b) if isint(a) and isint(b) then return a ~ b end return nil end,
  shl = function(a, b) if isint(a) and isint(b) then return lshift(a, b) end return nil end,
  shr = function(a, b) if isint(a) and isint(b) then return rshift(a, b) end return nil end,
  matmul = function() return nil end,
}

-- Generic binary operator: bools as ints, user dunders (with reflection),
-- then Python's TypeError (isym: the operator it names, "-=" for x -= y).
local function arith(op, a, b, isym)
  local a0, b0 = a, b
  if type(a) == "boolean" then a = a and 1 or 0 end
  if type(b) == "boolean" then b = b and 1 or 0 end
  if type(a) == "number" and type(b) == "number" then
    local r = rawops[op](a, b)
    if r ~= nil then
      -- True & False stays a bool in Python
      if type(a0) == "boolean" and type(b0) == "boolean" and (op == "band" or op == "bor" or op == "bxor") then
        return r ~= 0
      end
      return r
    end
  end
  local ca, cb = typeof(a0), typeof(b0)
  if op == "mul" and type(a) == "number" and (cb == aio.Str or cb == aio.List or cb == aio.Tuple) then
    return rawget(cb, "__mul")(b0, a0)   -- 3 * "ab": the sequence repeats
  end
  local names = dunders[op]
  local f = rawget(ca, names[1])
  if f then
    local r = f(a0, b0)
    if not rawequal(r, NotImplemented) then return r end
  end
  if cb ~= ca then
    f = rawget(cb, names[2])
    if f then
      local r = f(b0, a0)
      if not rawequal(r, NotImplemented) then return r end
    end
  end
  local sa, sb = tname(a0), tname(b0)
  if op == "add" and (sa == "str" or sa == "list" or sa == "tuple") then
    throw(TypeError, "can only concatenate " .. sa .. ' (not "' .. sb .. '") to ' .. sa)
  end
  if op == "mul" and (sa == "str" or sa == "list" or sa == "tuple" or sb == "str" or sb == "list" or sb == "tuple") then
    local other = (sa == "str" or sa == "list" or sa == "tuple") and sb or sa
    throw(TypeError, "can't multiply sequence by non-int of type '" .. other .. "'")
  end
  throw(TypeError, "unsupported operand type(s) for " .. (isym or symbol[op]) .. ": '" .. sa .. "' and '" .. sb .. "'")
end
aio.arith = arith

function aio.matmul(a, b) return arith("matmul", a, b) end

local function unary(name, sym)
  return function(a)
    if type(a) == "boolean" then a = a and 1 or 0 end
    if type(a) == "number" then
      if name == "__neg__" then return -a end
      if name == "__invert__" then
        if isint(a) then return ~a end
      else
        return a
      end
    end
    local f = rawget(typeof(a), name)
    if f then return f(a) end
    throw(TypeError, "bad operand type for unary " .. sym .. ": '" .. tname(a) .. "'")
  end
end
local unm = unary("__neg__", "-")
local bnot = unary("__invert__", "~")
aio.neg, aio.invert, aio.pos = unm, bnot, unary("__pos__", "+")

---------------------------------------------------------------------------
-- Ordering comparisons
---------------------------------------------------------------------------
local function cmp_fail(sym, a, b)
  throw(TypeError, "'" .. sym .. "' not supported between instances of '" .. tname(a) .. "' and '" .. tname(b) .. "'")
end

local function order(sym, fwd, rev)
  local function cmp(a, b)
    local ta, tb = type(a), type(b)
    local a2, b2 = a, b
    if ta == "boolean" then a2 = a and 1 or 0 ta = "number" end
    if tb == "boolean" then b2 = b and 1 or 0 tb = "number" end
    if ta == tb and (ta == "number" or ta == "string") then
      if sym == "<" then return a2 < b2 end
      return a2 <= b2
    end
    local f = rawget(typeof(a), fwd)
    if f then
      local r = f(a, b)
      if not rawequal(r, NotImplemented) then return truthy(r) end
    end
    f = rawget(typeof(b), rev)
    if f then
      local r = f(b, a)
      if not rawequal(r, NotImplemented) then return truthy(r) end
    end
    cmp_fail(sym, a, b)
  end
  return cmp
end
local lt = order("<", "__lt__", "__gt__")
local le = order("<=", "__le__", "__ge__")
aio.lt, aio.le = lt, le
aio.cmp_fail = cmp_fail

-- Generic metamethods shared by every metatable that has no special version.
local generic = {}
for op in pairs(symbol) do
  if op ~= "matmul" and op ~= "iadd" then
    generic["__" .. op] = function(a, b) return arith(op, a, b) end
  end
end
-- x += y: in place when the caller is doing `aio_ipN + y` on a (emit_stmt.c
-- inplace_add, stdlib/inplace_native.c); only classes with __iadd__ (or
-- without __add__, for the `+=` in the error message) ask.
local inplace_of = aio.native.inplace_of
generic.__add = function(a, b)
  if type(a) == "table" then
    local mt = getmetatable(a)
    local f = rawget(mt, "__iadd__")
    if (f or rawget(mt, "__add__") == nil) and inplace_of(a, 2) then
      if f then
        local r = f(a, b)
        if not rawequal(r, NotImplemented) then return r end
      end
      return arith("iadd", a, b)
    end
  end
  return arith("add", a, b)
end
generic.__unm = unm
generic.__bnot = bnot
generic.__lt = lt
generic.__le = le
aio.generic_mm = generic

-- Fills cls's missing metamethods with the generic ones.
local function install_generic(cls)
  for k, f in pairs(generic) do
    if rawget(cls, k) == nil then rawset(cls, k, f) end
  end
end
aio.install_generic = install_generic

-- Augmented assignment `x op= y` (aio.isub(x, y) for -=, ...): Python tries
-- x.__isub__(y) first (NotImplemented falls through), then the binary
-- operator with its reflection. The emitter inlines the number case.
local inplace_ops = {
  add = { "iadd", "__iadd__", function(a, b) return a + b end },
  sub = { "isub", "__isub__", function(a, b) return a - b end },
  mul = { "imul", "__imul__", function(a, b) return a * b end },
  div = { "itruediv", "__itruediv__", div },
  idiv = { "ifloordiv", "__ifloordiv__", floordiv },
  mod = { "imod", "__imod__", mod },
  pow = { "ipow", "__ipow__", pow },
  band = { "iand", "__iand__", function(a, b) return a & b end },
  bor = { "ior", "__ior__", function(a, b) return a | b end },
  bxor = { "ixor", "__ixor__", function(a, b) return a ~ b end },
  shl = { "ilshift", "__ilshift__", lshift },
  shr = { "irshift", "__irshift__", rshift },
  matmul = { "imatmul", "__imatmul__", aio.matmul },
}
for op, d in pairs(inplace_ops) do
  local iname, binop, mm = d[2], d[3], "__" .. op
  local g = generic[mm]   -- nil for matmul: always the generic dispatch
  local isym = (op == "pow" and "**" or symbol[op]) .. "="
  aio[d[1]] = function(a, b)
    local ta = type(a)
    if ta == "table" then
      local f = rawget(getmetatable(a), iname)
      if f then
        local r = f(a, b)
        if not rawequal(r, NotImplemented) then return r end
      end
    elseif type(b) ~= "table" then
      return binop(a, b)   -- numbers, strings, bools: no __iop__ to try
    end
    -- operands whose metatables use the generic dispatch go to arith
    -- directly, so that a failure names the augmented operator
    local ma, mb = getmetatable(a), getmetatable(b)
    if (ma == nil or rawget(ma, mm) == g) and (mb == nil or rawget(mb, mm) == g) then
      return arith(op, a, b, isym)
    end
    return binop(a, b)
  end
end

---------------------------------------------------------------------------
-- Numbers and booleans (shared Lua metatables) and None
---------------------------------------------------------------------------
local function not_callable(v) throw(TypeError, "'" .. tname(v) .. "' object is not callable") end
aio.not_callable = not_callable

local function scalar_index(v, k)
  if type(k) == "string" then
    local m = lookup(typeof(v), k)
    if m ~= nil then return m end
    throw(aio.AttributeError, "'" .. tname(v) .. "' object has no attribute '" .. k .. "'")
  end
  throw(TypeError, "'" .. tname(v) .. "' object is not subscriptable")
end
local function scalar_newindex(v, k)
  if type(k) == "string" then
    throw(aio.AttributeError, "'" .. tname(v) .. "' object attribute '" .. k .. "' is read-only")
  end
  throw(TypeError, "'" .. tname(v) .. "' object does not support item assignment")
end
aio.scalar_index, aio.scalar_newindex = scalar_index, scalar_newindex

NumMeta = { __index = scalar_index, __newindex = scalar_newindex, __call = not_callable, __name = "number" }
install_generic(NumMeta)
debug.setmetatable(0, NumMeta)
aio.NumMeta = NumMeta

local BoolMeta = { __index = scalar_index, __newindex = scalar_newindex, __call = not_callable, __name = "bool" }
install_generic(BoolMeta)
debug.setmetatable(true, BoolMeta)
aio.BoolMeta = BoolMeta

local NoneType = aio.NoneType
NoneType.__index = function(v, k)
  if type(k) == "string" then
    local m = rawget(NoneType, k)
    if m ~= nil and string.sub(k, 1, 2) == "__" then return m end
    throw(aio.AttributeError, "'NoneType' object has no attribute '" .. k .. "'")
  end
  throw(TypeError, "'NoneType' object is not subscriptable")
end
NoneType.__newindex = scalar_newindex
NoneType.__call = not_callable
NoneType.aio_bool = function() return false end
NoneType.aio_repr = function() return "None" end
install_generic(NoneType)

aio.NotImplementedType.aio_repr = function() return "NotImplemented" end
aio.EllipsisType.aio_repr = function() return "Ellipsis" end

---------------------------------------------------------------------------
-- User classes: special methods -> metamethods (called by aio.class_done)
---------------------------------------------------------------------------
local object = aio.object
install_generic(object)
object.__call = not_callable

local function eq_mm(a, b)
  local f = rawget(getmetatable(a), "__eq__")
  if f then
    local r = f(a, b)
    if not rawequal(r, NotImplemented) then return truthy(r) end
  end
  f = rawget(getmetatable(b), "__eq__")
  if f then
    local r = f(b, a)
    if not rawequal(r, NotImplemented) then return truthy(r) end
  end
  return false
end

function aio.wire_specials(cls)
  if rawget(cls, "__eq__") then rawset(cls, "__eq", eq_mm) end
  -- a user __new__ (its own or a user base's): cls(...) calls it, then
  -- __init__ when it made a cls
  local new
  if rawget(cls, "aio_user") then
    for _, c in ipairs(rawget(cls, "aio_mro") or { cls }) do
      local v = rawget(c, "__new__")
      if v ~= nil then
        if rawget(c, "aio_user") then new = v end
        break
      end
    end
  end
  if type(new) == "table" and getmetatable(new) == aio.StaticMethod then new = new.f end
  if type(new) == "function" and new ~= rawget(object, "__new__") then
    rawset(cls, "aio_user_new", new)
    rawset(cls, "aio_new", function(c, ...)
      local o = new(c, ...)
      if aio.isinst(o, c) then
        local init = rawget(c, "__init__")
        if init then init(o, ...) end
      end
      return o
    end)
  end
  local call = rawget(cls, "__call__")
  if call then rawset(cls, "__call", call) end
  local s = rawget(cls, "__str__")
  if s then
    rawset(cls, "aio_str", function(o)
      local r = s(o)
      if type(r) ~= "string" then throw(TypeError, "__str__ returned non-string (type " .. tname(r) .. ")") end
      return r
    end)
  end
  local r = rawget(cls, "__repr__")
  if r then
    rawset(cls, "aio_repr", function(o)
      local v = r(o)
      if type(v) ~= "string" then throw(TypeError, "__repr__ returned non-string (type " .. tname(v) .. ")") end
      return v
    end)
  end
  local len = rawget(cls, "__len__")
  if len then
    local function alen(o)
      local n = len(o)
      if math_type(n) ~= "integer" then
        if type(n) == "boolean" then return n and 1 or 0 end
        throw(TypeError, "'" .. tname(n) .. "' object cannot be interpreted as an integer")
      end
      if n < 0 then throw(ValueError, "__len__() should return >= 0") end
      return n
    end
    rawset(cls, "aio_len", alen)
    if lookup(cls, "__bool__") == nil then
      rawset(cls, "aio_bool", function(o) return alen(o) ~= 0 end)
    end
  end
  local b = rawget(cls, "__bool__")
  if b then
    rawset(cls, "aio_bool", function(o)
      local v = b(o)
      if type(v) ~= "boolean" then throw(TypeError, "__bool__ should return bool, returned " .. tname(v)) end
      return v
    end)
  end
end

-- A user descriptor (an instance of a class with __get__ / __set__), or nil.
local function user_descr(v)
  local m = type(v) == "table" and getmetatable(v)
  if not m or m == aio.Type or not rawget(m, "aio_user") then return nil end
  if lookup(m, "__get__") or lookup(m, "__set__") then return m end
  return nil
end
aio.user_descr = user_descr

-- Chooses the instance __index/__newindex for a finished class.
function aio.fix_index(cls)
  local getitem = lookup(cls, "__getitem__")
  local setitem = lookup(cls, "__setitem__")
  local getattr = lookup(cls, "__getattr__")
  local Property = aio.Property
  local has_prop = false
  for _, v in pairs(cls) do
    if type(v) == "table" and (getmetatable(v) == Property or user_descr(v)) then has_prop = true break end
  end
  local name = rawget(cls, "__name__")
  if not (getitem or getattr or has_prop) then
    rawset(cls, "__index", cls)
  else
    rawset(cls, "__index", function(o, k)
      local v = rawget(cls, k)
      if v == nil then v = lookup(cls, k) end
      if v ~= nil then
        if type(v) == "table" then
          if getmetatable(v) == Property then return v:get(o) end
          local dm = user_descr(v)
          local g = dm and lookup(dm, "__get__")
          if g then return g(v, o, cls) end
        end
        return v
      end
      if getitem and type(k) ~= "string" then return getitem(o, k) end
      if getattr and type(k) == "string" then return getattr(o, k) end
      if getitem then return getitem(o, k) end
      throw(aio.AttributeError, "'" .. name .. "' object has no attribute '" .. tostring(k) .. "'")
    end)
  end
  if setitem or has_prop then
    -- perf: the descriptors an instance store must honour, by name, as
    -- lookup would find them (nearest class in the MRO wins); recomputed
    -- whenever fix_index runs again (class attributes set later)
    local descrs = {}
    local mro = rawget(cls, "aio_mro") or { cls }
    for i = #mro, 1, -1 do
      for k, v in pairs(mro[i]) do
        if type(v) == "table" and (getmetatable(v) == Property or user_descr(v)) then descrs[k] = v
        else descrs[k] = nil end
      end
    end
    rawset(cls, "__newindex", function(o, k, v)
      local p = descrs[k]
      if p ~= nil then
        if getmetatable(p) == Property then return p:set(o, v) end
        local dm = user_descr(p)
        local st = dm and lookup(dm, "__set__")
        if st then st(p, o, v) return end
      end
      if setitem and type(k) ~= "string" then return setitem(o, k, v) end
      rawset(o, k, v)
    end)
  elseif getmetatable(cls) == aio.Type then
    rawset(cls, "__newindex", nil)
  end
  if getitem and not rawget(cls, "__newindex") then
    -- nothing: item stores on string keys become attributes (see internals.md)
  end
end
