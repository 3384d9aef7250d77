-- 50_builtins.lua - the builtin functions and type constructors in
-- aio.builtins (print, len, int(), sorted, enumerate, ...).
local aio = ...

local rawget, rawset, rawequal, getmetatable, setmetatable, type, select, tostring, tonumber, pcall, error =
  rawget, rawset, rawequal, getmetatable, setmetatable, type, select, tostring, tonumber, pcall, error
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local math_type, mfloor, huge, tointeger = math.type, math.floor, math.huge, math.tointeger
local sfind, ssub, sgsub, smatch, slower, sformat, sbyte = string.find, string.sub, string.gsub, string.match,
  string.lower, string.format, string.byte
local concat = table.concat
local None = aio.None
local B = aio.builtins
local def, throw, tname, typeof, repr, str, truthy, iter, lookup, issub =
  aio.def, aio.throw, aio.tname, aio.typeof, aio.repr, aio.str, aio.truthy, aio.iter, aio.lookup, aio.issub
local TypeError, ValueError, OverflowError, StopIteration =
  aio.TypeError, aio.ValueError, aio.OverflowError, aio.StopIteration
local Type, List, Tuple, Dict, Set, Int, Float, Bool, Str, Iterator, Generator, KwMarker =
  aio.Type, aio.List, aio.Tuple, aio.Dict, aio.Set, aio.Int, aio.Float, aio.Bool, aio.Str, aio.Iterator,
  aio.Generator, aio.KwMarker
local seqlen, make_iter, to_array, from_array = aio.seqlen, aio.make_iter, aio.to_array, aio.from_array
local varargs = aio.varargs

local function nn(v) if v == nil or rawequal(v, None) then return nil end return v end

-- Registers a builtin function under its name.
local function builtin(name, spec, fn)
  spec.name = name
  spec.builtin = true
  B[name] = def(fn, name, spec)
  return fn
end

---------------------------------------------------------------------------
-- print / input
---------------------------------------------------------------------------
local stdout = io.stdout

builtin("print", { params = {}, vararg = true, kwonly = { "sep", "end", "file", "flush" } }, function(...)
  local n = select("#", ...)
  if n == 1 then
    local a = ...
    if type(a) ~= "table" or getmetatable(a) ~= KwMarker then
      stdout:write(str(a), "\n")
      return None
    end
  end
  local sep, endl, file, flush = " ", "\n", nil, false
  if n > 0 then
    local last = select(n, ...)
    if type(last) == "table" and getmetatable(last) == KwMarker then
      n = n - 1
      local s = nn(last.sep)
      if s ~= nil then
        if type(s) ~= "string" then throw(TypeError, "sep must be None or a string, not " .. tname(s)) end
        sep = s
      end
      local e = nn(last["end"])
      if e ~= nil then
        if type(e) ~= "string" then throw(TypeError, "end must be None or a string, not " .. tname(e)) end
        endl = e
      end
      file = nn(last.file)
      flush = last.flush ~= nil and truthy(last.flush)
    end
  end
  local parts = {}
  for i = 1, n do parts[i] = str((select(i, ...))) end
  local text = concat(parts, sep) .. endl
  if file == nil then
    stdout:write(text)
    if flush then stdout:flush() end
  else
    aio.callm(file, "write", text)
    if flush then aio.callm(file, "flush") end
  end
  return None
end)

builtin("input", { params = { "prompt" } }, function(prompt)
  if prompt ~= nil then stdout:write(str(prompt)) end
  stdout:flush()
  local line = io.stdin:read("l")
  if line == nil then throw(aio.EOFError, "EOF when reading a line") end
  return line
end)

-- File-like objects for the standard streams (used by print(file=...)).
local File = aio.bclass("TextIOWrapper")
aio.File = File
File.__index = aio.methods_only_index(File)
aio.method(File, "write", { "self", "s" }, function(f, s)
  if type(s) ~= "string" then throw(TypeError, "write() argument must be str, not " .. tname(s)) end
  if f.h == io.stderr then stdout:flush() end
  f.h:write(s)
  return #s
end)
aio.method(File, "flush", { "self" }, function(f) f.h:flush() return None end)
File.aio_repr = function(f) return "<_io.TextIOWrapper name='" .. f.name .. "'>" end
aio.stdout_file = setmetatable({ h = io.stdout, name = "<stdout>" }, File)
aio.stderr_file = setmetatable({ h = io.stderr, name = "<stderr>" }, File)

---------------------------------------------------------------------------
-- types as constructors
---------------------------------------------------------------------------
B.object, B.type, B.int, B.float, B.bool, B.str, B.list, B.tuple, B.dict, B.set, B.range, B.bytes =
  aio.object, Type, Int, Float, Bool, Str, List, Tuple, Dict, Set, aio.Range, aio.Bytes
B.frozenset = aio.FrozenSet
B.slice = aio.Slice
B.staticmethod, B.classmethod, B.property = aio.StaticMethod, aio.ClassMethod, aio.Property
B.NotImplemented, B.Ellipsis = aio.NotImplemented, aio.Ellipsis
B.None, B.True, B.False = None, true, false

Type.aio_new = function(cls, x, bases, dict)
  if bases == nil then
    if x == nil then throw(TypeError, "type() takes 1 or 3 arguments") end
    return typeof(x)
  end
  local bs = {}
  for b in iter(bases) do bs[#bs + 1] = b end
  local c = aio.class(x, bs)
  for k, v in aio.dict_entries(dict) do c[k] = v end   -- (Type.__newindex keeps the order)
  return aio.class_done(c)
end

local WS = "[ \t\n\r\f\v]"
local function strip(s) return (sgsub(sgsub(s, "^" .. WS .. "+", ""), WS .. "+$", "")) end

local maxint = math.maxinteger
local function parse_int(orig, base)
  local function bad()
    throw(ValueError, "invalid literal for int() with base " .. base .. ": " .. repr(orig))
  end
  local s = strip(orig)
  local neg = false
  local c = ssub(s, 1, 1)
  if c == "-" then neg = true s = ssub(s, 2) elseif c == "+" then s = ssub(s, 2) end
  local b = base
  local pre = slower(ssub(s, 1, 2))
  local prefixed = false
  if base == 0 then
    if pre == "0x" then b = 16 prefixed = true
    elseif pre == "0o" then b = 8 prefixed = true
    elseif pre == "0b" then b = 2 prefixed = true
    else
      b = 10
      if sfind(s, "^0+[1-9]") then bad() end
    end
  elseif (base == 16 and pre == "0x") or (base == 8 and pre == "0o") or (base == 2 and pre == "0b") then
    prefixed = true
  end
  if prefixed then s = ssub(s, 3) if ssub(s, 1, 1) == "_" then s = ssub(s, 2) end end
  if s == "" or sfind(s, "^_") or sfind(s, "_$") or sfind(s, "__", 1, true) then bad() end
  s = sgsub(s, "_", "")
  local n = 0
  for i = 1, #s do
    local ch = sbyte(s, i)
    local d
    if ch >= 48 and ch <= 57 then d = ch - 48
    elseif ch >= 97 and ch <= 122 then d = ch - 87
    elseif ch >= 65 and ch <= 90 then d = ch - 55
    else bad() end
    if d >= b then bad() end
    if n > (maxint - d) // b then
      if neg and n == (maxint - d + 1) // b and (maxint - d + 1) % b == 0 then
        -- exactly math.mininteger
        return math.mininteger
      end
      throw(OverflowError, "int too large to convert (aio ints are 64-bit)")
    end
    n = n * b + d
  end
  if neg then return -n end
  return n
end
aio.parse_int = parse_int

local function float_to_int(x)
  if x ~= x then throw(ValueError, "cannot convert float NaN to integer") end
  if x == huge or x == -huge then throw(OverflowError, "cannot convert float infinity to integer") end
  local t = x < 0 and math.ceil(x) or mfloor(x)
  local r = tointeger(t)
  if r == nil then throw(OverflowError, "int too large to convert (aio ints are 64-bit)") end
  return r
end
aio.float_to_int = float_to_int

Int.aio_new = def(function(cls, v, base)
  if v == nil then return 0 end
  if base ~= nil then
    base = aio.index_int(base)
    if type(v) ~= "string" then
      if getmetatable(v) == aio.Bytes then v = v[aio.BYTES_KEY] else
        throw(TypeError, "int() can't convert non-string with explicit base")
      end
    end
    if base ~= 0 and (base < 2 or base > 36) then throw(ValueError, "int() base must be >= 2 and <= 36, or 0") end
    return parse_int(v, base)
  end
  local t = type(v)
  if t == "number" then
    if math_type(v) == "integer" then return v end
    return float_to_int(v)
  end
  if t == "boolean" then return v and 1 or 0 end
  if t == "string" then return parse_int(v, 10) end
  if t == "table" then
    local mt = getmetatable(v)
    local f = mt and (lookup(mt, "__int__") or lookup(mt, "__index__"))
    if f then return f(v) end
    local tr = mt and lookup(mt, "__trunc__")
    if tr then return tr(v) end
  end
  throw(TypeError, "int() argument must be a string, a bytes-like object or a real number, not '" .. tname(v) .. "'")
end, "int", { name = "int", params = { "cls", "x", "base" } })

local function parse_float(orig)
  local s = slower(strip(orig))
  local sign, body = smatch(s, "^([+-]?)(.*)$")
  if body == "inf" or body == "infinity" then return sign == "-" and -huge or huge end
  if body == "nan" then return 0.0 / 0.0 end
  if (sfind(body, "^%d[%d_]*%.?[%d_]*$") or sfind(body, "^%d[%d_]*%.?[%d_]*e[+-]?%d[%d_]*$") or
      sfind(body, "^%.%d[%d_]*$") or sfind(body, "^%.%d[%d_]*e[+-]?%d[%d_]*$")) and
      not sfind(body, "_[^%d]") and not sfind(body, "[^%d]_") and not sfind(body, "_$") then
    local n = tonumber(sign .. sgsub(body, "_", ""))
    if n then
      if math_type(n) == "integer" then n = n + 0.0 end
      if n == 0 and sign == "-" then n = -0.0 end
      return n
    end
  end
  throw(ValueError, "could not convert string to float: " .. repr(orig))
end

Float.aio_new = function(cls, v)
  if v == nil then return 0.0 end
  local t = type(v)
  if t == "number" then if math_type(v) == "integer" then return v + 0.0 end return v end
  if t == "boolean" then return v and 1.0 or 0.0 end
  if t == "string" then return parse_float(v) end
  if t == "table" then
    local f = lookup(getmetatable(v), "__float__")
    if f then return f(v) end
  end
  throw(TypeError, "float() argument must be a string or a real number, not '" .. tname(v) .. "'")
end
Bool.aio_new = function(cls, v)
  if v == nil then return false end
  return truthy(v)
end
Str.aio_new = def(function(cls, v, encoding, errors)
  if v == nil then return "" end
  if encoding ~= nil and getmetatable(v) == aio.Bytes then return v[aio.BYTES_KEY] end
  return str(v)
end, "str", { name = "str", params = { "cls", "object", "encoding", "errors" } })

-- int / float methods
aio.method(Int, "bit_length", { "self" }, function(n)
  if type(n) == "boolean" then n = n and 1 or 0 end
  if n < 0 then n = -n end
  local c = 0
  while n > 0 do c = c + 1 n = n >> 1 end
  return c
end)
aio.method(Int, "conjugate", { "self" }, function(n) return n end)
aio.method(Float, "is_integer", { "self" }, function(x) return x == mfloor(x) end)
aio.method(Float, "conjugate", { "self" }, function(x) return x end)
aio.method(Int, "__index__", { "self" }, function(n) return n end)

---------------------------------------------------------------------------
-- introspection
---------------------------------------------------------------------------
local function isinstance(x, c)
  local mt = getmetatable(c)
  if mt == Type then return issub(typeof(x), c) end
  if mt == Tuple then
    for i = 0, seqlen(c) - 1 do
      if isinstance(x, rawget(c, i)) then return true end
    end
    return false
  end
  throw(TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union")
end
builtin("isinstance", { params = { "obj", "class_or_tuple" } }, isinstance)

local function issubclass(a, c)
  if getmetatable(a) ~= Type then throw(TypeError, "issubclass() arg 1 must be a class") end
  local mt = getmetatable(c)
  if mt == Type then return issub(a, c) end
  if mt == Tuple then
    for i = 0, seqlen(c) - 1 do
      if issubclass(a, rawget(c, i)) then return true end
    end
    return false
  end
  throw(TypeError, "issubclass() arg 2 must be a class, a tuple of classes, or a union")
end
builtin("issubclass", { params = { "cls", "class_or_tuple" } }, issubclass)

builtin("repr", { params = { "obj" } }, function(x) return repr(x) end)
builtin("ascii", { params = { "obj" } }, function(x) return aio.ascii(x) end)
builtin("format", { params = { "value", "format_spec" } }, function(v, spec)
  return aio.format(v, spec or "")
end)

local function len(x)
  -- one C call on the hot paths: strings have the Str metatable, and lists
  -- have no __len, so #x is raw
  local mt = getmetatable(x)
  if mt == List or mt == Tuple then
    local n = #x
    if n > 0 then return n + 1 end
    return rawget(x, 0) == nil and 0 or 1
  end
  if mt == Str then return #x end
  if type(x) == "table" then
    local f = mt and rawget(mt, "aio_len")
    if f then return f(x) end
  end
  throw(TypeError, "object of type '" .. tname(x) .. "' has no len()")
end
-- perf: the host's C closure answers str/list/tuple and passes the rest to
-- len (plain lua5.4 harnesses have no natives: the Lua function then)
len = aio.native.make_len(List, Tuple, len) or len
aio.len = len
builtin("len", { params = { "obj" } }, len)

builtin("callable", { params = { "obj" } }, function(x)
  local t = type(x)
  if t == "function" then return true end
  if t == "table" then
    local mt = getmetatable(x)
    if mt == Type or mt == aio.BoundMethod or mt == aio.StaticMethod or mt == aio.ClassMethod then return true end
    return mt ~= nil and rawget(mt, "aio_user") and lookup(mt, "__call__") ~= nil or false
  end
  return false
end)

builtin("getattr", { params = { "object", "name", "default" } }, function(o, name, d)
  if type(name) ~= "string" then throw(TypeError, "attribute name must be string, not '" .. tname(name) .. "'") end
  return aio.getattr(o, name, d)
end)
builtin("setattr", { params = { "obj", "name", "value" } }, function(o, name, v)
  if type(name) ~= "string" then throw(TypeError, "attribute name must be string, not '" .. tname(name) .. "'") end
  aio.setattr(o, name, v)
  return None
end)
builtin("hasattr", { params = { "obj", "name" } }, function(o, name)
  if type(name) ~= "string" then throw(TypeError, "attribute name must be string, not '" .. tname(name) .. "'") end
  return aio.hasattr(o, name)
end)
builtin("delattr", { params = { "obj", "name" } }, function(o, name)
  aio.delattr(o, name)
  return None
end)

local function fnv(s)
  local h = -3750763034362895579
  for i = 1, #s do
    h = h ~ sbyte(s, i)
    h = h * 1099511628211
  end
  return h
end
builtin("hash", { params = { "obj" } }, function(x)
  local t = type(x)
  if t == "number" then
    if math_type(x) == "integer" then return x == -1 and -2 or x end
    if x == mfloor(x) and x > -9.2e18 and x < 9.2e18 then return tointeger(x) end
    return fnv(sformat("%a", x))
  end
  if t == "boolean" then return x and 1 or 0 end
  if t == "string" then return fnv(x) end
  if t == "table" then
    local mt = getmetatable(x)
    local h = mt and rawget(mt, "aio_user") and lookup(mt, "__hash__")
    if h and not rawequal(h, None) then return h(x) end
  end
  local k, tx = aio.hkey(x)
  if tx then return fnv(k) end
  return tonumber(smatch(aio.addr(x), "0x(%x+)") or "0", 16) or 0
end)
builtin("id", { params = { "obj" } }, function(x)
  local t = type(x)
  if t == "table" or t == "function" then
    return tonumber(smatch(aio.addr(x), "0x(%x+)") or "0", 16) or 0
  end
  return B.hash(x)
end)

---------------------------------------------------------------------------
-- numbers
---------------------------------------------------------------------------
builtin("abs", { params = { "x" } }, function(x)
  local t = type(x)
  if t == "number" then if x < 0 then return -x end if x == 0 then return x - x end return x end   -- abs(-0.0) is 0.0
  if t == "boolean" then return x and 1 or 0 end
  if t == "table" then
    local f = lookup(getmetatable(x), "__abs__")
    if f then return f(x) end
  end
  throw(TypeError, "bad operand type for abs(): '" .. tname(x) .. "'")
end)

local function round_half_even(x)
  local f = mfloor(x)
  local d = x - f
  if d > 0.5 then return f + 1 end
  if d < 0.5 then return f end
  if f % 2 == 0 then return f end
  return f + 1
end

builtin("round", { params = { "number", "ndigits" } }, function(x, nd)
  nd = nn(nd)
  if type(x) == "boolean" then x = x and 1 or 0 end
  if type(x) ~= "number" then
    local f = type(x) == "table" and lookup(getmetatable(x), "__round__")
    if f then return f(x, nd) end
    throw(TypeError, "type " .. tname(x) .. " doesn't define __round__ method")
  end
  if nd == nil then
    if math_type(x) == "integer" then return x end
    return float_to_int(round_half_even(x))
  end
  nd = aio.index_int(nd)
  if math_type(x) == "integer" then
    if nd >= 0 then return x end
    local p = 10 ^ (-nd)
    if p > 1e18 then return 0 end
    p = tointeger(p)
    local q = round_half_even(x / p)
    return tointeger(q) * p
  end
  if x ~= x or x == huge or x == -huge then return x end
  if nd >= 0 then
    if nd > 300 then return x end
    local v = tonumber(sformat("%." .. nd .. "f", x))
    if math_type(v) == "integer" then v = v + 0.0 end
    if v == 0 and (x < 0 or 1 / x < 0) then v = -0.0 end
    return v
  end
  local p = 10.0 ^ (-nd)
  return round_half_even(x / p) * p
end)

builtin("divmod", { params = { "a", "b" } }, function(a, b)
  return aio.tuple({ [0] = aio.floordiv(a, b), aio.mod(a, b) })
end)

builtin("pow", { params = { "base", "exp", "mod" } }, function(a, b, m)
  m = nn(m)
  if m == nil then return aio.pow(a, b) end
  if math_type(a) ~= "integer" or math_type(b) ~= "integer" or math_type(m) ~= "integer" then
    throw(TypeError, "pow() 3rd argument not allowed unless all arguments are integers")
  end
  if m == 0 then throw(ValueError, "pow() 3rd argument cannot be 0") end
  if b < 0 then throw(ValueError, "base is not invertible for the given modulus") end
  local r = 1 % m
  a = a % m
  while b > 0 do
    if b & 1 == 1 then r = (r * a) % m end
    a = (a * a) % m
    b = b >> 1
  end
  return r
end)

local function int_fmt(prefix, ty)
  return function(x)
    return aio.format(aio.index_int(x), "#" .. ty)
  end
end
builtin("hex", { params = { "number" } }, int_fmt("0x", "x"))
builtin("oct", { params = { "number" } }, int_fmt("0o", "o"))
builtin("bin", { params = { "number" } }, int_fmt("0b", "b"))

builtin("ord", { params = { "c" } }, function(c)
  if type(c) == "string" then
    local n = utf8.len(c)
    if n == 1 then return utf8.codepoint(c) end
    if n == nil and #c == 1 then return sbyte(c) end
    throw(TypeError, "ord() expected a character, but string of length " .. (n or #c) .. " found")
  end
  if getmetatable(c) == aio.Bytes then
    local s = c[aio.BYTES_KEY]
    if #s == 1 then return sbyte(s) end
    throw(TypeError, "ord() expected a character, but string of length " .. #s .. " found")
  end
  throw(TypeError, "ord() expected string of length 1, but " .. tname(c) .. " found")
end)
builtin("chr", { params = { "i" } }, function(i)
  if type(i) == "boolean" then i = i and 1 or 0 end
  if math_type(i) ~= "integer" then
    throw(TypeError, "'" .. tname(i) .. "' object cannot be interpreted as an integer")
  end
  if i < 0 or i > 0x10FFFF then throw(ValueError, "chr() arg not in range(0x110000)") end
  return utf8.char(i)
end)

---------------------------------------------------------------------------
-- iteration builtins
---------------------------------------------------------------------------
local function kwval(kw, name)
  local v = kw[name]
  if rawequal(v, None) then return nil end
  return v
end

local function minmax(name, better)
  return function(...)
    local args, kw = varargs(...)
    local n = seqlen(args)
    local key = kwval(kw, "key")
    local dflt = kw.default
    local nxt
    if n == 0 then throw(TypeError, name .. " expected at least 1 argument, got 0") end
    if n == 1 then
      nxt = iter(rawget(args, 0))
    else
      if dflt ~= nil then
        throw(TypeError, "Cannot specify a default for " .. name .. "() with multiple positional arguments")
      end
      nxt = iter(args)
    end
    local best = nxt()
    if best == nil then
      if dflt ~= nil then return dflt end
      throw(ValueError, name .. "() arg is an empty sequence")
    end
    local bestk = key and key(best) or best
    for v in nxt do
      local k = key and key(v) or v
      if better(k, bestk) then best, bestk = v, k end
    end
    return best
  end
end
builtin("max", { params = {}, vararg = true, kwonly = { "key", "default" } },
  minmax("max", function(a, b) return b < a end))
builtin("min", { params = {}, vararg = true, kwonly = { "key", "default" } },
  minmax("min", function(a, b) return a < b end))

builtin("sum", { params = { "iterable", "start" } }, function(it, start)
  local acc = start
  if acc == nil then acc = 0 end
  if type(acc) == "string" then throw(TypeError, "sum() can't sum strings [use ''.join(seq) instead]") end
  local mt = type(it) == "table" and getmetatable(it)
  if mt == List or mt == Tuple then
    for i = 0, seqlen(it) - 1 do acc = acc + rawget(it, i) end
    return acc
  end
  for v in iter(it) do acc = acc + v end
  return acc
end)

builtin("sorted", { params = { "iterable" }, kwonly = { "key", "reverse" } }, function(it, key, reverse)
  local a, n = to_array(it)
  a = aio.sort_array(a, n, key, reverse)
  return from_array(a, n, List)
end)

builtin("reversed", { params = { "sequence" } }, function(x)
  local t = type(x)
  local mt = t == "table" and getmetatable(x)
  if t == "string" or mt == List or mt == Tuple or mt == aio.Range then
    local n = len(x)
    local i = n
    return make_iter(function()
      i = i - 1
      if i < 0 then return nil end
      return x[i]
    end, t == "string" and "reversed" or (mt == List and "list_reverseiterator" or "reversed"))
  end
  if mt == Dict or mt == aio.KeysView or (mt and rawget(mt, "aio_layout") == Dict) then
    local d = mt ~= aio.KeysView and x or nil
    local a, n = to_array(x)
    local i = n + 1
    return make_iter(function()
      i = i - 1
      if i < 1 then return nil end
      return a[i]
    end, "dict_reversekeyiterator")
  end
  if mt and rawget(mt, "aio_user") then
    local f = lookup(mt, "__reversed__")
    if f then return f(x) end
    local gi = lookup(mt, "__getitem__")
    if gi and rawget(mt, "aio_len") then
      local i = len(x)
      return make_iter(function()
        i = i - 1
        if i < 0 then return nil end
        return gi(x, i)
      end, "reversed")
    end
  end
  throw(TypeError, "'" .. tname(x) .. "' object is not reversible")
end)

builtin("enumerate", { params = { "iterable", "start" } }, function(it, start)
  local i = (start or 1) and aio.index_int(start or 0) - 1
  local nxt = iter(it)
  return make_iter(function()
    local v = nxt()
    if v == nil then return nil end
    i = i + 1
    return setmetatable({ [0] = i, v }, Tuple)
  end, "enumerate")
end)

builtin("zip", { params = {}, vararg = true, kwonly = { "strict" } }, function(...)
  local args, kw = varargs(...)
  local n = seqlen(args)
  local its = {}
  for i = 0, n - 1 do its[i + 1] = iter(rawget(args, i)) end
  local strict = kw.strict ~= nil and truthy(kw.strict)
  local done = n == 0
  return make_iter(function()
    if done then return nil end
    local t = {}
    for i = 1, n do
      local v = its[i]()
      if v == nil then
        done = true
        if strict then
          if i > 1 then
            throw(ValueError, "zip() argument " .. i .. " is shorter than argument" .. (i > 2 and "s 1-" .. (i - 1) or " 1"))
          end
          for j = 2, n do
            if its[j]() ~= nil then
              throw(ValueError, "zip() argument " .. j .. " is longer than argument" .. (j > 2 and "s 1-" .. (j - 1) or " 1"))
            end
          end
        end
        return nil
      end
      t[i - 1] = v
    end
    return setmetatable(t, Tuple)
  end, "zip")
end)

builtin("map", { params = { "func" }, vararg = true }, function(f, ...)
  local n = select("#", ...)
  if n == 0 then throw(TypeError, "map() must have at least two arguments.") end
  if n == 1 then
    local nxt = iter((...))
    return make_iter(function()
      local v = nxt()
      if v == nil then return nil end
      return f(v)
    end, "map")
  end
  local its = {}
  for i = 1, n do its[i] = iter((select(i, ...))) end
  local done = false
  return make_iter(function()
    if done then return nil end
    local vals = {}
    for i = 1, n do
      local v = its[i]()
      if v == nil then done = true return nil end
      vals[i] = v
    end
    return f(table.unpack(vals, 1, n))
  end, "map")
end)

builtin("filter", { params = { "function", "iterable" } }, function(f, it)
  local nxt = iter(it)
  f = nn(f)
  return make_iter(function()
    while true do
      local v = nxt()
      if v == nil then return nil end
      if f == nil then
        if truthy(v) then return v end
      elseif truthy(f(v)) then
        return v
      end
    end
  end, "filter")
end)

builtin("any", { params = { "iterable" } }, function(it)
  for v in iter(it) do if truthy(v) then return true end end
  return false
end)
builtin("all", { params = { "iterable" } }, function(it)
  for v in iter(it) do if not truthy(v) then return false end end
  return true
end)

builtin("iter", { params = { "object", "sentinel" } }, function(x, sentinel)
  if sentinel ~= nil then
    local done = false
    return make_iter(function()
      if done then return nil end
      local v = x()
      if v == sentinel or aio.eq(v, sentinel) then done = true return nil end
      return v
    end, "callable_iterator")
  end
  local mt = type(x) == "table" and getmetatable(x)
  if mt == Iterator or mt == Generator then return x end
  if mt and rawget(mt, "aio_user") then
    local f = lookup(mt, "__iter__")
    if f then
      local it = f(x)
      return it
    end
  end
  local names = { [List] = "list_iterator", [Tuple] = "tuple_iterator", [Dict] = "dict_keyiterator",
    [Set] = "set_iterator", [aio.Range] = "range_iterator" }
  return make_iter(iter(x), (type(x) == "string" and "str_ascii_iterator") or (mt and names[mt]) or "iterator")
end)

local function next_(it, dflt)
  local mt = type(it) == "table" and getmetatable(it)
  if mt == Iterator then
    local v = it.fn()
    if v ~= nil then return v end
    if dflt ~= nil then return dflt end
    throw(StopIteration)
  end
  if mt == Generator then
    local more, v = aio.gen_resume(it)
    if more then return v end
    if dflt ~= nil then return dflt end
    local e = setmetatable({ args = aio.tuple(rawequal(v, None) and {} or { [0] = v }), value = v }, StopIteration)
    error(e, 0)
  end
  local f = mt and rawget(mt, "aio_user") and lookup(mt, "__next__")
  if f then
    if dflt == nil then return f(it) end
    local ok, v = pcall(f, it)
    if ok then return v end
    local e = aio.exc(v)
    if aio.isinst(e, StopIteration) then return dflt end
    error(e, 0)
  end
  throw(TypeError, "'" .. tname(it) .. "' object is not an iterator")
end
aio.next = next_
builtin("next", { params = { "iterator", "default" } }, next_)

---------------------------------------------------------------------------
-- misc
---------------------------------------------------------------------------
builtin("exit", { params = { "code" } }, function(code)
  aio.raise(aio.SystemExit(code == nil and None or code))
end)
B.quit = B.exit
builtin("vars", { params = { "object" } }, function(o) return aio.getattr(o, "__dict__") end)

-- dir(obj): the sorted attribute names of obj (its own, then its class's
-- and bases'), leaving out runtime hooks (aio_*) and Lua metamethods.
builtin("dir", { params = { "object" } }, function(o)
  if o == nil then throw(TypeError, "dir() without an argument is not supported") end
  local seen, names = {}, {}
  local function add_from(t)
    for k in pairs(t) do
      if type(k) == "string" and not seen[k] and string.sub(k, 1, 4) ~= "aio_" and
         (string.sub(k, 1, 2) ~= "__" or string.sub(k, -2) == "__") then
        seen[k] = true
        names[#names + 1] = k
      end
    end
  end
  local t = type(o)
  local mt = t == "table" and getmetatable(o)
  if mt == Type then
    for _, c in ipairs(rawget(o, "aio_mro") or { o }) do add_from(c) end
  else
    if mt and (rawget(mt, "aio_user") or rawget(mt, "aio_module") or mt == aio.Module) then add_from(o) end
    if not (mt and (rawget(mt, "aio_module") or mt == aio.Module)) then
      for _, c in ipairs(rawget(typeof(o), "aio_mro") or {}) do add_from(c) end
    end
  end
  table.sort(names)
  return from_array(names, #names, List)
end)

-- list[int], dict[str, int], tuple[int, ...], set[str], type[C]: GenericAlias (40_call)
for _, n in ipairs({ "list", "dict", "tuple", "set", "frozenset", "type" }) do
  local c = rawget(B, n)
  if c then aio.subscriptable_classes[c] = true end
end
