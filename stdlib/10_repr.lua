-- 10_repr.lua - repr() and str() of every value (Python's exact text:
-- shortest round-trip floats, quote choice and escapes for strings, [...]
-- for recursive containers) and format() with the format-spec mini-language.
local aio = ...

local rawget, getmetatable, rawequal, type, tostring, tonumber = rawget, getmetatable, rawequal, type, tostring, tonumber
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local math_type, mfloor, huge = math.type, math.floor, math.huge
local sformat, sfind, ssub, sgsub, smatch, srep, sbyte, supper =
  string.format, string.find, string.sub, string.gsub, string.match, string.rep, string.byte, string.upper
local concat = table.concat
local utf8len, utf8char = utf8.len, utf8.char
local throw, tname, typeof = aio.throw, aio.tname, aio.typeof
local ValueError, TypeError = aio.ValueError, aio.TypeError

---------------------------------------------------------------------------
-- floats
---------------------------------------------------------------------------
-- Python's repr(float): the shortest text that reads back to the same value,
-- in fixed notation when -4 <= exponent < 16, else d.ddde+XX.
local function float_repr(x)
  if x ~= x then return "nan" end
  if x == huge then return "inf" elseif x == -huge then return "-inf" end
  if x == mfloor(x) and x > -1e16 and x < 1e16 then
    if x == 0 and 1 / x < 0 then return "-0.0" end
    return sformat("%d", x) .. ".0"
  end
  local p = 15
  if x > -2.3e-308 and x < 2.3e-308 then p = 1 end   -- subnormals carry fewer digits
  while p < 17 and tonumber(sformat("%." .. p .. "g", x)) ~= x do p = p + 1 end
  local e = sformat("%." .. (p - 1) .. "e", x)
  local sign, d1, frac, ex = smatch(e, "^(-?)(%d)%.?(%d*)e([-+]%d+)$")
  frac = sgsub(frac, "0+$", "")
  local exp = tonumber(ex)
  if exp < -4 or exp >= 16 then
    return sign .. d1 .. (frac ~= "" and ("." .. frac) or "") .. "e" .. (exp < 0 and "-" or "+") ..
      sformat("%02d", exp < 0 and -exp or exp)
  end
  local digits = d1 .. frac
  if exp >= 0 then
    if #digits <= exp + 1 then
      return sign .. digits .. srep("0", exp + 1 - #digits) .. ".0"
    end
    return sign .. ssub(digits, 1, exp + 1) .. "." .. ssub(digits, exp + 2)
  end
  return sign .. "0." .. srep("0", -exp - 1) .. digits
end
aio.float_repr = float_repr

---------------------------------------------------------------------------
-- strings
---------------------------------------------------------------------------
local esc = {
  ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t",
}
local function esc_byte(c)
  local e = esc[c]
  if e then return e end
  return sformat("\\x%02x", sbyte(c))
end

local function str_repr(s)
  local q = "'"
  if sfind(s, "'", 1, true) and not sfind(s, '"', 1, true) then q = '"' end
  if not sfind(s, "[%c\\'\"\128-\255]") then return q .. s .. q end
  local r = sgsub(s, "[%c\\]", esc_byte)
  if q == "'" then r = sgsub(r, "'", "\\'") end
  if sfind(r, "[\128-\255]") and not utf8len(r) then
    -- invalid UTF-8: show the stray bytes as escapes, keep valid sequences
    local out, i, n = {}, 1, #r
    while i <= n do
      local b = sbyte(r, i)
      local len = b < 0x80 and 1 or b >= 0xF0 and 4 or b >= 0xE0 and 3 or b >= 0xC2 and 2 or 0
      local ch = len > 0 and ssub(r, i, i + len - 1)
      if len > 1 and utf8len(ch) == 1 and #ch == len then
        out[#out + 1] = ch
        i = i + len
      elseif len == 1 then
        out[#out + 1] = ssub(r, i, i)
        i = i + 1
      else
        out[#out + 1] = sformat("\\x%02x", b)
        i = i + 1
      end
    end
    r = concat(out)
  end
  return q .. r .. q
end
aio.str_repr = str_repr

---------------------------------------------------------------------------
-- repr / str
---------------------------------------------------------------------------
local function addr(v)
  local a = sformat("%p", v)
  if ssub(a, 1, 2) ~= "0x" then a = "0x" .. a end
  return a
end
aio.addr = addr

local function repr(v)
  local t = type(v)
  if t == "string" then return str_repr(v) end
  if t == "number" then
    if math_type(v) == "integer" then return sformat("%d", v) end
    return float_repr(v)
  end
  if t == "boolean" then return v and "True" or "False" end
  if t == "table" then
    local mt = getmetatable(v)
    if mt then
      local f = rawget(mt, "aio_repr")
      if f then return f(v) end
      if mt == aio.Type then
        local cr = aio.lookup(v, "__class_repr__")   -- enum's <enum 'Color'>
        if cr then
          if type(cr) == "table" and getmetatable(cr) == aio.ClassMethod then cr = cr.f end
          return cr(v)
        end
        local mod = rawget(v, "__module__")
        local name = rawget(v, "__qualname__") or rawget(v, "__name__")
        if mod == "builtins" or mod == nil then return "<class '" .. name .. "'>" end
        return "<class '" .. mod .. "." .. name .. "'>"
      end
      local mod = rawget(mt, "__module__")
      local name = rawget(mt, "__qualname__") or rawget(mt, "__name__") or "object"
      if mod and mod ~= "builtins" then name = mod .. "." .. name end
      return "<" .. name .. " object at " .. addr(v) .. ">"
    end
    return "<object at " .. addr(v) .. ">"
  end
  if t == "function" then
    local spec = aio.funcs[v]
    if spec and spec.builtin then return "<built-in function " .. spec.name .. ">" end
    return "<function " .. (spec and spec.name or "<lambda>") .. " at " .. addr(v) .. ">"
  end
  return "<object>"
end
aio.repr = repr

local function str(v)
  local t = type(v)
  if t == "string" then return v end
  if t == "number" then
    if math_type(v) == "integer" then return sformat("%d", v) end
    return float_repr(v)
  end
  if t == "table" then
    local mt = getmetatable(v)
    local f = mt and rawget(mt, "aio_str")
    if f then return f(v) end
    return repr(v)
  end
  if t == "boolean" then return v and "True" or "False" end
  return repr(v)
end
aio.str = str

-- Exceptions: str(e) and repr(e).
local BaseException = aio.BaseException
BaseException.aio_str = function(e)
  local args = rawget(e, "args")
  if args == nil or rawget(args, 0) == nil then return "" end
  if rawget(args, 1) == nil then
    if rawget(getmetatable(e), "aio_keyerror") then return repr(rawget(args, 0)) end
    return str(rawget(args, 0))
  end
  return repr(args)
end
aio.KeyError.aio_keyerror = true
BaseException.aio_repr = function(e)
  local args = rawget(e, "args")
  local name = rawget(getmetatable(e), "__name__")
  if args == nil or rawget(args, 0) == nil then return name .. "()" end
  if rawget(args, 1) == nil then return name .. "(" .. repr(rawget(args, 0)) .. ")" end
  return name .. repr(args)
end

---------------------------------------------------------------------------
-- format(value, spec)
---------------------------------------------------------------------------
local spec_cache = {}

local function bad_spec() throw(ValueError, "Invalid format specifier") end

local function parse_spec(spec)
  local p = spec_cache[spec]
  if p then return p end
  p = { sign = "-", alt = false, zero = false, width = 0 }
  local i = 1
  local ch = smatch(spec, "^[%z\1-\127\194-\244][\128-\191]*")
  local after = ch and ssub(spec, #ch + 1, #ch + 1) or ""
  if ch and after ~= "" and sfind("<>=^", after, 1, true) then
    p.fill, p.align, i = ch, after, #ch + 2
  else
    local c = ssub(spec, 1, 1)
    if c ~= "" and sfind("<>=^", c, 1, true) then p.align, i = c, 2 end
  end
  local c = ssub(spec, i, i)
  if c == "+" or c == "-" or c == " " then p.sign, p.sign_set = c, true i = i + 1 c = ssub(spec, i, i) end
  if c == "z" then p.z = true i = i + 1 c = ssub(spec, i, i) end
  if c == "#" then p.alt = true i = i + 1 c = ssub(spec, i, i) end
  if c == "0" then p.zero = true i = i + 1 end
  local w = smatch(spec, "^%d+", i)
  if w then p.width = tonumber(w) i = i + #w end
  c = ssub(spec, i, i)
  if c == "," or c == "_" then p.group = c i = i + 1 end
  if ssub(spec, i, i) == "." then
    local pr = smatch(spec, "^%d+", i + 1)
    if not pr then throw(ValueError, "Format specifier missing precision") end
    p.prec = tonumber(pr)
    i = i + 1 + #pr
  end
  c = ssub(spec, i, i)
  if c ~= "" then p.type = c i = i + 1 end
  if i <= #spec then bad_spec() end
  spec_cache[spec] = p
  return p
end

local function ulen(s) return utf8len(s) or #s end

-- Pads prefix..body to p.width. zero_eq: the '0' flag means '=' alignment.
local function pad(prefix, body, p, default_align, zero_eq)
  local s = prefix .. body
  local n = p.width - ulen(s)
  if n <= 0 then return s end
  local fill = p.fill or (p.zero and "0") or " "
  local align = p.align or (p.zero and zero_eq and "=") or default_align
  if align == "<" then return s .. srep(fill, n) end
  if align == ">" then return srep(fill, n) .. s end
  if align == "^" then
    local left = n // 2
    return srep(fill, left) .. s .. srep(fill, n - left)
  end
  return prefix .. srep(fill, n) .. body
end

-- Inserts sep every k digits from the right of a run of digits.
local function group_digits(digits, sep, k)
  local n = #digits
  if n <= k then return digits end
  local parts = {}
  local first = n % k
  if first > 0 then parts[1] = ssub(digits, 1, first) end
  for j = first + 1, n, k do parts[#parts + 1] = ssub(digits, j, j + k - 1) end
  return concat(parts, sep)
end

-- Groups the digits, zero-padding inside the groups when asked ("010,").
local function grouped(digits, p, k, prefix_len)
  if p.zero and not p.align and not p.fill then
    local g = group_digits(digits, p.group, k)
    while #g + prefix_len < p.width do
      digits = "0" .. digits
      g = group_digits(digits, p.group, k)
    end
    return g
  end
  return group_digits(digits, p.group, k)
end

local function sign_of(neg, p)
  if neg then return "-" end
  if p.sign == "+" then return "+" end
  if p.sign == " " then return " " end
  return ""
end

local function unknown(code, v)
  throw(ValueError, "Unknown format code '" .. code .. "' for object of type '" .. tname(v) .. "'")
end

local function to_base(n, base)
  if n == 0 then return "0" end
  local digs = "0123456789abcdef"
  local out = {}
  -- n is non-negative here except math.mininteger, handled by the caller
  while n > 0 do
    local d = n % base
    out[#out + 1] = ssub(digs, d + 1, d + 1)
    n = n // base
  end
  return string.reverse(concat(out))
end

local format_float

local function format_int(n, p, orig)
  local ty = p.type
  if ty == "e" or ty == "E" or ty == "f" or ty == "F" or ty == "g" or ty == "G" or ty == "%" then
    return format_float(n + 0.0, p, orig)
  end
  if ty ~= nil and not sfind("dnxXobc", ty, 1, true) then unknown(ty, orig) end
  if p.z then throw(ValueError, "Negative zero coercion (z) not allowed in integer format specifier") end
  if p.prec then throw(ValueError, "Precision not allowed in integer format specifier") end
  local neg = n < 0
  local digits, prefix, k = nil, "", 3
  if ty == nil or ty == "d" or ty == "n" then
    digits = sformat("%d", n)
    if neg then digits = ssub(digits, 2) end
  elseif ty == "x" or ty == "X" or ty == "o" or ty == "b" then
    local base = (ty == "o") and 8 or (ty == "b") and 2 or 16
    if n == math.mininteger then
      digits = base == 16 and "8000000000000000" or base == 8 and "1000000000000000000000" or ("1" .. srep("0", 63))
    else
      digits = to_base(neg and -n or n, base)
    end
    if ty == "X" then digits = supper(digits) end
    if p.alt then prefix = "0" .. (ty == "X" and "X" or ty) end
    k = 4
    if p.group == "," then throw(ValueError, "Cannot specify ',' with '" .. ty .. "'.") end
  elseif ty == "c" then
    if p.sign_set then throw(ValueError, "Sign not allowed with integer format specifier 'c'") end
    if n < 0 or n > 0x10FFFF then throw(aio.OverflowError, "%c arg not in range(0x110000)") end
    return pad("", utf8char(n), p, ">", true)
  else
    unknown(ty, orig)
  end
  local pre = sign_of(neg, p) .. prefix
  if p.group then digits = grouped(digits, p, k, #pre) end
  return pad(pre, digits, p, ">", true)
end

-- 'g'-like formatting used when a float spec has a precision but no type.
local function float_general(x, prec)
  if prec == 0 then prec = 1 end
  local e = sformat("%." .. (prec - 1) .. "e", x)
  local exp = tonumber(smatch(e, "e([-+]%d+)$"))
  if exp >= -4 and exp < prec - 1 then
    local s = sformat("%." .. (prec - 1 - exp) .. "f", x)
    if sfind(s, ".", 1, true) then s = sgsub(sgsub(s, "0+$", ""), "%.$", ".0") else s = s .. ".0" end
    return s
  end
  local m, ex = smatch(e, "^([^e]*)e(.*)$")
  if sfind(m, ".", 1, true) then m = sgsub(sgsub(m, "0+$", ""), "%.$", "") end
  return m .. "e" .. ex
end

format_float = function(x, p, orig)
  local ty = p.type
  local neg = x < 0 or (x == 0 and 1 / x < 0)
  local a = neg and -x or x
  local body
  local finite = a == a and a ~= huge
  if ty == nil then
    if not finite then body = (a ~= a) and "nan" or "inf"
    elseif p.prec then body = float_general(a, p.prec)
    else body = float_repr(a) end
  elseif ty == "f" or ty == "F" then
    body = sformat((p.alt and "%#." or "%.") .. (p.prec or 6) .. "f", a)
  elseif ty == "e" or ty == "E" then
    body = sformat((p.alt and "%#." or "%.") .. (p.prec or 6) .. "e", a)
  elseif ty == "g" or ty == "G" or ty == "n" then
    local pr = p.prec or 6
    if pr == 0 then pr = 1 end
    body = sformat((p.alt and "%#." or "%.") .. pr .. "g", a)
  elseif ty == "%" then
    body = sformat((p.alt and "%#." or "%.") .. (p.prec or 6) .. "f", a * 100) .. "%"
  else
    unknown(ty, orig)
  end
  if not finite then body = (a ~= a) and "nan" or "inf" if ty == "%" then body = body .. "%" end end
  if ty == "F" or ty == "E" or ty == "G" then body = supper(body) end
  if x ~= x then neg = false end
  -- 'z': a negative value that rounds to zero loses its sign
  if neg and p.z and finite and not sfind(smatch(body, "^[^e]*"), "[1-9]") then neg = false end
  local pre = sign_of(neg, p)
  if p.group and finite then
    local int, rest = smatch(body, "^(%d+)(.*)$")
    if int then body = grouped(int, p, 3, #pre + #rest) .. rest end
  end
  return pad(pre, body, p, ">", true)
end

local function format_str(s, p, orig)
  if p.type and p.type ~= "s" then unknown(p.type, orig) end
  if p.z then throw(ValueError, "Negative zero coercion (z) not allowed in string format specifier") end
  if p.sign == " " then throw(ValueError, "Space not allowed in string format specifier") end
  if p.sign_set then throw(ValueError, "Sign not allowed in string format specifier") end
  if p.align == "=" then throw(ValueError, "'=' alignment not allowed in string format specifier") end
  if p.alt then throw(ValueError, "Alternate form (#) not allowed in string format specifier") end
  if p.group then throw(ValueError, "Cannot specify '" .. p.group .. "' with 's'.") end
  if p.prec then
    local n = utf8len(s)
    if n and n > p.prec then
      s = ssub(s, 1, (utf8.offset(s, p.prec + 1) or (#s + 1)) - 1)
    elseif not n and #s > p.prec then
      s = ssub(s, 1, p.prec)
    end
  end
  return pad("", s, p, "<", false)
end

local function format(v, spec)
  local t = type(v)
  if spec == nil or spec == "" then
    -- format(x, "") is str(x) unless the class defines __format__
    local mt = t == "table" and getmetatable(v)
    if not (mt and rawget(mt, "__format__")) then return str(v) end
    spec = ""
  end
  if t == "table" then
    local mt = getmetatable(v)
    local f = mt and rawget(mt, "__format__")
    if f then
      local r = f(v, spec)
      if type(r) ~= "string" then throw(TypeError, "__format__ must return a str, not " .. tname(r)) end
      return r
    end
    f = mt and rawget(mt, "aio_format")
    if f then return f(v, spec) end
    throw(TypeError, "unsupported format string passed to " .. tname(v) .. ".__format__")
  end
  local p = parse_spec(spec)
  if t == "string" then return format_str(v, p, v) end
  if t == "boolean" then return format_int(v and 1 or 0, p, v) end
  if t == "number" then
    if math_type(v) == "integer" then return format_int(v, p, v) end
    if p.type == "d" or p.type == "x" or p.type == "X" or p.type == "o" or p.type == "b" or p.type == "c" or p.type == "s" then
      unknown(p.type, v)
    end
    return format_float(v, p, v)
  end
  throw(TypeError, "unsupported format string passed to " .. tname(v) .. ".__format__")
end
aio.format = format
aio.format_int, aio.format_float, aio.parse_spec = format_int, format_float, parse_spec
