-- 15_str.lua - str: the Lua string metatable (indexing by byte, + and *,
-- Python's TypeErrors) and the str methods, printf-style % formatting and
-- str.format. Strings are UTF-8 bytes; len/index/slice count bytes.
local aio = ...

local rawget, rawequal, type, tostring, tonumber, select, pcall = rawget, rawequal, type, tostring, tonumber, select, pcall
local math_type = math.type
local sfind, ssub, sgsub, smatch, srep, sbyte, schar, supper, slower, sformat =
  string.find, string.sub, string.gsub, string.match, string.rep, string.byte, string.char,
  string.upper, string.lower, string.format
local concat, tmove = table.concat, table.move
local sgmatch = string.gmatch
local utf8len = utf8.len
local None = aio.None
local throw, tname, typeof, str, repr, format = aio.throw, aio.tname, aio.typeof, aio.str, aio.repr, aio.format
local TypeError, ValueError, IndexError, AttributeError = aio.TypeError, aio.ValueError, aio.IndexError, aio.AttributeError
local Str = aio.Str

-- Registers a builtin method on cls with a keyword spec (params include self).
local function method(cls, name, params, fn, extra)
  local spec = { name = rawget(cls, "__name__") .. "." .. name, params = params, builtin = true }
  if extra then for k, v in pairs(extra) do spec[k] = v end end
  aio.def(fn, name, spec)
  cls[name] = fn
  return fn
end
aio.method = method

local function none(v) if rawequal(v, None) then return nil end return v end

local function need_str(v, what)
  if type(v) ~= "string" then
    throw(TypeError, what .. " " .. tname(v))
  end
  return v
end

local function index_int(v)
  if math_type(v) == "integer" then return v end
  if type(v) == "boolean" then return v and 1 or 0 end
  local ix = type(v) == "table" and aio.lookup(getmetatable(v), "__index__")
  if ix then
    local r = ix(v)
    if math_type(r) == "integer" then return r end
    throw(TypeError, "__index__ returned non-int (type " .. tname(r) .. ")")
  end
  throw(TypeError, "'" .. tname(v) .. "' object cannot be interpreted as an integer")
end
aio.index_int = index_int

-- Python slice-style start/end for find/count/...: returns 1-based i, j.
local function span(n, i, j)
  i, j = none(i), none(j)
  if i == nil then i = 0 else
    i = index_int(i)
    if i < 0 then i = i + n if i < 0 then i = 0 end end
  end
  if j == nil then j = n else
    j = index_int(j)
    if j < 0 then j = j + n if j < 0 then j = 0 end elseif j > n then j = n end
  end
  return i + 1, j
end

---------------------------------------------------------------------------
-- metatable
---------------------------------------------------------------------------
local method_cache = {}   -- as for lists (20_list.lua): s:join(xs) without a C call
Str.__index = function(s, k)
  local m = method_cache[k]
  if m ~= nil then return m end
  m = rawget(Str, k)
  if m ~= nil then
    if type(k) == "string" then method_cache[k] = m end
    return m
  end
  if type(k) == "string" then
    throw(AttributeError, "'str' object has no attribute '" .. k .. "'")
  end
  if type(k) == "boolean" then k = k and 1 or 0 end
  if math_type(k) == "integer" then
    local n = #s
    if k < 0 then k = k + n end
    if k < 0 or k >= n then throw(IndexError, "string index out of range") end
    return ssub(s, k + 1, k + 1)
  end
  if getmetatable(k) == aio.Slice then return aio.getslice(s, k.start, k.stop, k.step) end   -- a[slice(...)]
  throw(TypeError, "string indices must be integers, not '" .. tname(k) .. "'")
end
Str.__newindex = function()
  throw(TypeError, "'str' object does not support item assignment")
end
Str.__add = function(a, b)   -- x += y on a str is the plain add
  if type(a) == "string" and type(b) == "string" then return a .. b end
  return aio.arith("add", a, b)
end
local function repeat_seq(s, n)
  if type(n) == "boolean" then n = n and 1 or 0 end
  if math_type(n) ~= "integer" then return nil end
  if n <= 0 then return "" end
  return srep(s, n)
end
Str.__mul = function(a, b)
  if type(a) == "string" then
    local r = repeat_seq(a, b)
    if r then return r end
  elseif type(b) == "string" then
    local r = repeat_seq(b, a)
    if r then return r end
  end
  return aio.arith("mul", a, b)
end
Str.__mod = function(a, b)
  if type(a) == "string" then return aio.str_mod(a, b) end
  return aio.arith("mod", a, b)
end
Str.__call = aio.not_callable
Str.__name = "str"
aio.install_generic(Str)
debug.setmetatable("", Str)

---------------------------------------------------------------------------
-- methods
---------------------------------------------------------------------------
local WS = " \t\n\r\f\v"
local function charclass(chars)
  return "[" .. sgsub(chars, "[%]%[%^%-%%]", "%%%0") .. "]"
end
aio.charclass = charclass

local function strip_impl(s, chars, left, right)
  chars = none(chars)
  local cls
  if chars == nil then cls = "[ \t\n\r\f\v]" else
    need_str(chars, "strip arg must be None or str, not")
    if chars == "" then return s end
    cls = charclass(chars)
  end
  local i, j = 1, #s
  if left then
    local _, e = sfind(s, "^" .. cls .. "+")
    if e then i = e + 1 end
  end
  if right then
    local b = sfind(s, cls .. "+$", i)
    if b then j = b - 1 end
  end
  return ssub(s, i, j)
end

method(Str, "upper", { "self" }, function(s) return supper(s) end)
method(Str, "lower", { "self" }, function(s) return slower(s) end)
method(Str, "casefold", { "self" }, function(s) return slower(s) end)

-- str.maketrans(x[, y[, z]]) (a staticmethod: 40_call wraps it) and
-- s.translate(table): tables map code points to code points, strings or None.
function aio.str_maketrans(x, y, z)
  local d = aio.new_map(aio.Dict)
  if y == nil then
    if getmetatable(x) ~= aio.Dict then
      throw(TypeError, "if you give only one argument to maketrans it must be a dict")
    end
    for k, v in aio.dict_entries(x) do
      if type(k) == "string" then
        if utf8.len(k) ~= 1 then throw(ValueError, "string keys in translate table must be of length 1") end
        k = utf8.codepoint(k)
      end
      aio.dict_set(d, k, v)
    end
    return d
  end
  if utf8.len(x) ~= utf8.len(y) then
    throw(ValueError, "the first two maketrans arguments must have equal length")
  end
  local ys = {}
  for _, c in utf8.codes(y) do ys[#ys + 1] = c end
  local i = 0
  for _, c in utf8.codes(x) do i = i + 1 aio.dict_set(d, c, ys[i]) end
  if z ~= nil then for _, c in utf8.codes(z) do aio.dict_set(d, c, None) end end
  return d
end
method(Str, "translate", { "self", "table" }, function(s, tbl)
  local out = {}
  for _, c in utf8.codes(s) do
    local v
    if getmetatable(tbl) == aio.Dict then v = aio.dict_get(tbl, c)
    else
      local ok, r = pcall(function() return tbl[c] end)
      if ok then v = r
      elseif not aio.isinst(aio.exc(r), aio.LookupError) then error(aio.exc(r), 0) end
    end
    if v == nil then out[#out + 1] = utf8.char(c)
    elseif math_type(v) == "integer" then out[#out + 1] = utf8.char(v)
    elseif type(v) == "string" then out[#out + 1] = v
    elseif not rawequal(v, None) then
      throw(TypeError, "character mapping must return integer, None or str")
    end
  end
  return table.concat(out)
end)
method(Str, "swapcase", { "self" }, function(s)
  return (sgsub(s, "%a", function(c) local u = supper(c) if u == c then return slower(c) end return u end))
end)
method(Str, "strip", { "self", "chars" }, function(s, c) return strip_impl(s, c, true, true) end)
method(Str, "lstrip", { "self", "chars" }, function(s, c) return strip_impl(s, c, true, false) end)
method(Str, "rstrip", { "self", "chars" }, function(s, c) return strip_impl(s, c, false, true) end)

local List = aio.List
local function mklist(t, n)
  -- t is 1-based with n items; returns an aio list (0-based)
  return setmetatable(tmove(t, 1, n, 0, {}), List)
end
aio.mklist = mklist

local function split_ws(s, maxsplit)
  if maxsplit < 0 then
    -- the common s.split(): build the 0-based list directly
    local out, n = {}, 0
    for w in sgmatch(s, "%S+") do out[n] = w n = n + 1 end   -- %S: not " \t\n\v\f\r"
    return setmetatable(out, List)
  end
  local out, n = {}, 0
  local pos = 1
  local len = #s
  while true do
    local a, b = sfind(s, "[^ \t\n\r\f\v]+", pos)
    if not a then break end
    if maxsplit >= 0 and n >= maxsplit then
      n = n + 1
      out[n] = ssub(s, a)
      break
    end
    n = n + 1
    out[n] = ssub(s, a, b)
    pos = b + 1
    if pos > len then break end
  end
  return mklist(out, n)
end

-- `for w in s.split():` (perf): the list split() would build is never visible
-- to the loop, so a str is walked word by word; anything else (a user class
-- with a split method, None, ...) makes the ordinary call and iterates that.
function aio.iter_split(s)
  if type(s) == "string" then return sgmatch(s, "%S+") end
  return aio.iter(aio.callm(s, "split"))
end

method(Str, "split", { "self", "sep", "maxsplit" }, function(s, sep, maxsplit)
  sep, maxsplit = none(sep), none(maxsplit)
  maxsplit = maxsplit and index_int(maxsplit) or -1
  if sep == nil then return split_ws(s, maxsplit) end
  need_str(sep, "must be str or None, not")
  if sep == "" then throw(ValueError, "empty separator") end
  local out, n, pos, sl = {}, 0, 1, #sep
  while maxsplit < 0 or n < maxsplit do
    local a = sfind(s, sep, pos, true)
    if not a then break end
    n = n + 1
    out[n] = ssub(s, pos, a - 1)
    pos = a + sl
  end
  n = n + 1
  out[n] = ssub(s, pos)
  return mklist(out, n)
end)

method(Str, "rsplit", { "self", "sep", "maxsplit" }, function(s, sep, maxsplit)
  sep, maxsplit = none(sep), none(maxsplit)
  maxsplit = maxsplit and index_int(maxsplit) or -1
  if maxsplit < 0 then return Str.split(s, sep) end
  local parts, n = {}, 0
  if sep == nil then
    local e = #s
    while true do
      -- skip trailing whitespace
      while e >= 1 and sfind(WS, ssub(s, e, e), 1, true) do e = e - 1 end
      if e < 1 then break end
      if n >= maxsplit then
        n = n + 1
        parts[n] = ssub(s, 1, e)
        break
      end
      local b = e
      while b >= 1 and not sfind(WS, ssub(s, b, b), 1, true) do b = b - 1 end
      n = n + 1
      parts[n] = ssub(s, b + 1, e)
      e = b
    end
  else
    need_str(sep, "must be str or None, not")
    if sep == "" then throw(ValueError, "empty separator") end
    local e = #s
    local sl = #sep
    while n < maxsplit do
      -- last occurrence of sep ending at or before e
      local found
      local pos = 1
      while true do
        local a = sfind(s, sep, pos, true)
        if not a or a + sl - 1 > e then break end
        found = a
        pos = a + 1
      end
      if not found then break end
      n = n + 1
      parts[n] = ssub(s, found + sl, e)
      e = found - 1
    end
    n = n + 1
    parts[n] = ssub(s, 1, e)
  end
  -- reverse
  local out = {}
  for k = 1, n do out[k] = parts[n - k + 1] end
  return mklist(out, n)
end)

method(Str, "splitlines", { "self", "keepends" }, function(s, keep)
  keep = aio.truthy(none(keep) or false)
  local out, n, pos, len = {}, 0, 1, #s
  while pos <= len do
    local a, b = sfind(s, "\r?[\n\r]", pos)
    if a and ssub(s, a, b) == "\r\r" then b = a end
    if not a then
      n = n + 1 out[n] = ssub(s, pos)
      break
    end
    n = n + 1
    out[n] = keep and ssub(s, pos, b) or ssub(s, pos, a - 1)
    pos = b + 1
  end
  return mklist(out, n)
end)

-- the C join (absent under plain lua5.4 harnesses, whose natives are stubs)
local join_seq = rawget(aio.native, "join_seq")

-- Raises unless items 0..n-1 of t are all strings (see join).
local function all_strings(t, n)
  for k = 0, n - 1 do
    local v = t[k]
    if v .. "" ~= v then error("not a string") end
  end
end

method(Str, "join", { "self", "iterable" }, function(s, it)
  local parts, n = {}, 0
  local mt = getmetatable(it)
  if mt == List or mt == aio.Tuple then
    local len = rawget(it, 0) == nil and 0 or #it + 1
    -- perf: the host's C join checks and joins in one pass
    if join_seq then
      local r, bad = join_seq(it, s, len)
      if r then return r end
      local v = it[bad]
      throw(TypeError, "sequence item " .. bad .. ": expected str instance, " .. tname(v) .. " found")
    end
    -- items 0..len-1 are raw, so concat reads them in place (no copy).
    -- perf: v .. "" is v itself for a string (no C call, unlike type());
    -- a number becomes a different value, and anything else makes concat
    -- raise (no builtin or user type has __concat): both get the exact check
    if not pcall(all_strings, it, len) then
      for k = 0, len - 1 do
        local v = it[k]
        if type(v) ~= "string" then
          throw(TypeError, "sequence item " .. k .. ": expected str instance, " .. tname(v) .. " found")
        end
      end
    end
    return concat(it, s, 0, len - 1)
  end
  for v in aio.iter(it) do
    if type(v) ~= "string" then
      throw(TypeError, "sequence item " .. n .. ": expected str instance, " .. tname(v) .. " found")
    end
    n = n + 1
    parts[n] = v
  end
  return concat(parts, s)
end)

-- iterate UTF-8 characters (1-based byte positions)
local function uchars(s)
  local out, n, i, len = {}, 0, 1, #s
  while i <= len do
    local b = sbyte(s, i)
    local l = b < 0x80 and 1 or b >= 0xF0 and 4 or b >= 0xE0 and 3 or b >= 0xC0 and 2 or 1
    n = n + 1
    out[n] = ssub(s, i, i + l - 1)
    i = i + l
  end
  return out, n
end
aio.uchars = uchars

method(Str, "replace", { "self", "old", "new", "count" }, function(s, old, new, count)
  need_str(old, "replace() argument 1 must be str, not")
  need_str(new, "replace() argument 2 must be str, not")
  count = none(count)
  count = count and index_int(count) or -1
  if old == "" then
    local chars, n = uchars(s)
    local out = {}
    local done = 0
    for k = 1, n do
      if count < 0 or done < count then out[#out + 1] = new done = done + 1 end
      out[#out + 1] = chars[k]
    end
    if count < 0 or done < count then out[#out + 1] = new end
    return concat(out)
  end
  local out, pos, done, ol = {}, 1, 0, #old
  while count < 0 or done < count do
    local a = sfind(s, old, pos, true)
    if not a then break end
    out[#out + 1] = ssub(s, pos, a - 1)
    out[#out + 1] = new
    pos = a + ol
    done = done + 1
  end
  out[#out + 1] = ssub(s, pos)
  return concat(out)
end)

local function find_impl(s, sub, i, j)
  need_str(sub, "must be str, not") 
  local a, b = span(#s, i, j)
  if b - a + 1 < #sub then return -1 end
  local r = sfind(s, sub, a, true)
  if r and r + #sub - 1 <= b then return r - 1 end
  return -1
end
local function rfind_impl(s, sub, i, j)
  need_str(sub, "must be str, not")
  local a, b = span(#s, i, j)
  if b - a + 1 < #sub then return -1 end
  local last = -1
  local pos = a
  while true do
    local r = sfind(s, sub, pos, true)
    if not r or r + #sub - 1 > b then break end
    last = r - 1
    pos = r + 1
  end
  return last
end
method(Str, "find", { "self", "sub", "start", "end" }, find_impl)
method(Str, "rfind", { "self", "sub", "start", "end" }, rfind_impl)
method(Str, "index", { "self", "sub", "start", "end" }, function(s, sub, i, j)
  local r = find_impl(s, sub, i, j)
  if r < 0 then throw(ValueError, "substring not found") end
  return r
end)
method(Str, "rindex", { "self", "sub", "start", "end" }, function(s, sub, i, j)
  local r = rfind_impl(s, sub, i, j)
  if r < 0 then throw(ValueError, "substring not found") end
  return r
end)
method(Str, "count", { "self", "sub", "start", "end" }, function(s, sub, i, j)
  need_str(sub, "must be str, not")
  local a, b = span(#s, i, j)
  if b < a - 1 then return 0 end
  if sub == "" then
    local seg = ssub(s, a, b)
    return (utf8len(seg) or #seg) + 1
  end
  local n, pos = 0, a
  while true do
    local r = sfind(s, sub, pos, true)
    if not r or r + #sub - 1 > b then break end
    n = n + 1
    pos = r + #sub
  end
  return n
end)

local function affix(name, test)
  return function(s, x, i, j)
    local a, b = span(#s, i, j)
    local seg = ssub(s, a, b)
    if a > #s + 1 then return false end
    if type(x) == "string" then return test(seg, x) end
    if getmetatable(x) == aio.Tuple then
      for k = 0, (rawget(x, 0) == nil and -1 or #x) do
        local p = rawget(x, k)
        if type(p) ~= "string" then
          throw(TypeError, "tuple for " .. name .. " must only contain str, not " .. tname(p))
        end
        if test(seg, p) then return true end
      end
      return false
    end
    throw(TypeError, name .. " first arg must be str or a tuple of str, not " .. tname(x))
  end
end
method(Str, "startswith", { "self", "prefix", "start", "end" },
  affix("startswith", function(s, p) return ssub(s, 1, #p) == p end))
method(Str, "endswith", { "self", "suffix", "start", "end" },
  affix("endswith", function(s, p) return p == "" or ssub(s, -#p) == p end))

method(Str, "partition", { "self", "sep" }, function(s, sep)
  need_str(sep, "must be str, not")
  if sep == "" then throw(ValueError, "empty separator") end
  local a = sfind(s, sep, 1, true)
  if not a then return aio.tuple_raw({ [0] = s, "", "" }) end
  return aio.tuple_raw({ [0] = ssub(s, 1, a - 1), sep, ssub(s, a + #sep) })
end)
method(Str, "rpartition", { "self", "sep" }, function(s, sep)
  need_str(sep, "must be str, not")
  if sep == "" then throw(ValueError, "empty separator") end
  local r = rfind_impl(s, sep)
  if r < 0 then return aio.tuple_raw({ [0] = "", "", s }) end
  return aio.tuple_raw({ [0] = ssub(s, 1, r), sep, ssub(s, r + 1 + #sep) })
end)

local function all_match(pat)
  return function(s) return s ~= "" and not sfind(s, pat) end
end
method(Str, "isdigit", { "self" }, all_match("[^0-9]"))
method(Str, "isdecimal", { "self" }, all_match("[^0-9]"))
method(Str, "isnumeric", { "self" }, all_match("[^0-9]"))
method(Str, "isalpha", { "self" }, all_match("[^A-Za-z\128-\255]"))
method(Str, "isalnum", { "self" }, all_match("[^A-Za-z0-9\128-\255]"))
method(Str, "isspace", { "self" }, all_match("[^ \t\n\r\f\v]"))
method(Str, "isascii", { "self" }, function(s) return not sfind(s, "[\128-\255]") end)
method(Str, "isidentifier", { "self" }, function(s)
  return sfind(s, "^[A-Za-z_\128-\255][A-Za-z0-9_\128-\255]*$") ~= nil
end)
method(Str, "isupper", { "self" }, function(s) return sfind(s, "%u") ~= nil and not sfind(s, "%l") end)
method(Str, "islower", { "self" }, function(s) return sfind(s, "%l") ~= nil and not sfind(s, "%u") end)
method(Str, "istitle", { "self" }, function(s)
  return sfind(s, "%a") ~= nil and Str.title(s) == s
end)
method(Str, "title", { "self" }, function(s)
  return (sgsub(s, "(%a)(%a*)", function(a, b) return supper(a) .. slower(b) end))
end)
method(Str, "capitalize", { "self" }, function(s)
  return supper(ssub(s, 1, 1)) .. slower(ssub(s, 2))
end)
method(Str, "zfill", { "self", "width" }, function(s, w)
  w = index_int(w)
  local n = #s
  if n >= w then return s end
  local c = ssub(s, 1, 1)
  if c == "+" or c == "-" then return c .. srep("0", w - n) .. ssub(s, 2) end
  return srep("0", w - n) .. s
end)

local function fillchar(f)
  f = none(f)
  if f == nil then return " " end
  if type(f) ~= "string" or (utf8len(f) or #f) ~= 1 then
    throw(TypeError, "The fill character must be exactly one character long")
  end
  return f
end
local function ulen(s) return utf8len(s) or #s end
method(Str, "ljust", { "self", "width", "fillchar" }, function(s, w, f)
  w = index_int(w) f = fillchar(f)
  local n = ulen(s)
  if n >= w then return s end
  return s .. srep(f, w - n)
end)
method(Str, "rjust", { "self", "width", "fillchar" }, function(s, w, f)
  w = index_int(w) f = fillchar(f)
  local n = ulen(s)
  if n >= w then return s end
  return srep(f, w - n) .. s
end)
method(Str, "center", { "self", "width", "fillchar" }, function(s, w, f)
  w = index_int(w) f = fillchar(f)
  local n = ulen(s)
  if n >= w then return s end
  local marg = w - n
  local left = marg // 2 + (marg & w & 1)
  return srep(f, left) .. s .. srep(f, marg - left)
end)
method(Str, "expandtabs", { "self", "tabsize" }, function(s, ts)
  ts = none(ts) or 8
  local out, col = {}, 0
  for ch in aio.iter(s) do
    if ch == "\t" then
      local k = ts > 0 and (ts - col % ts) or 0
      out[#out + 1] = srep(" ", k)
      col = col + k
    elseif ch == "\n" or ch == "\r" then
      out[#out + 1] = ch
      col = 0
    else
      out[#out + 1] = ch
      col = col + 1
    end
  end
  return concat(out)
end)
method(Str, "removeprefix", { "self", "prefix" }, function(s, p)
  if p ~= "" and ssub(s, 1, #p) == p then return ssub(s, #p + 1) end
  return s
end)
method(Str, "removesuffix", { "self", "suffix" }, function(s, p)
  if p ~= "" and ssub(s, -#p) == p then return ssub(s, 1, #s - #p) end
  return s
end)
method(Str, "encode", { "self", "encoding", "errors" }, function(s)
  return aio.bytes(s)
end)
method(Str, "__len__", { "self" }, function(s) return #s end)
method(Str, "__contains__", { "self", "x" }, function(s, x) return aio.contains(s, x) end)

---------------------------------------------------------------------------
-- printf-style formatting: "%5.2f" % x
---------------------------------------------------------------------------
local function need_num(v, code)
  if type(v) == "boolean" then return v and 1 or 0 end
  if type(v) ~= "number" then
    if code == "d" or code == "i" or code == "u" then
      throw(TypeError, "%" .. code .. " format: a real number is required, not " .. tname(v))
    elseif code == "x" or code == "X" or code == "o" or code == "c" then
      throw(TypeError, "%" .. code .. " format: an integer is required, not " .. tname(v))
    end
    throw(TypeError, "must be real number, not " .. tname(v))
  end
  return v
end

function aio.str_mod(fmt, args)
  local vals, nvals, mapping
  local mt = getmetatable(args)
  if mt == aio.Tuple then
    vals = args
    nvals = rawget(args, 0) == nil and 0 or #args + 1
  elseif type(args) == "table" and (mt == aio.Dict or (mt and rawget(mt, "__getitem__"))) and sfind(fmt, "%(", 1, true) then
    mapping = args
    vals, nvals = {}, 0
  else
    vals, nvals = { [0] = args }, 1
  end
  local used = 0
  local out = {}
  local pos, len = 1, #fmt
  while pos <= len do
    local a = sfind(fmt, "%", pos, true)
    if not a then out[#out + 1] = ssub(fmt, pos) break end
    out[#out + 1] = ssub(fmt, pos, a - 1)
    local i = a + 1
    local key
    if ssub(fmt, i, i) == "(" then
      local close = sfind(fmt, ")", i, true)
      if not close then throw(ValueError, "incomplete format key") end
      key = ssub(fmt, i + 1, close - 1)
      i = close + 1
    end
    local flags = smatch(fmt, "^[-+ #0]*", i)
    i = i + #flags
    local function nextval()
      if key then
        if not mapping then throw(TypeError, "format requires a mapping") end
        return mapping[key]
      end
      if used >= nvals then throw(TypeError, "not enough arguments for format string") end
      local v = vals[used]
      used = used + 1
      return v
    end
    local width = smatch(fmt, "^%d+", i)
    if width then i = i + #width width = tonumber(width)
    elseif ssub(fmt, i, i) == "*" then width = index_int(nextval()) i = i + 1 end
    local prec
    if ssub(fmt, i, i) == "." then
      i = i + 1
      prec = smatch(fmt, "^%d+", i)
      if prec then i = i + #prec prec = tonumber(prec)
      elseif ssub(fmt, i, i) == "*" then prec = index_int(nextval()) i = i + 1
      else prec = 0 end
    end
    while sfind("hlL", ssub(fmt, i, i), 1, true) and i <= len do i = i + 1 end
    local code = ssub(fmt, i, i)
    if code == "" then throw(ValueError, "incomplete format") end
    pos = i + 1
    if code == "%" then
      out[#out + 1] = "%"
    else
      local p = { sign = "-", alt = false, zero = false, width = width or 0, prec = prec }
      if sfind(flags, "-", 1, true) then p.align = "<" end
      if sfind(flags, "+", 1, true) then p.sign = "+" elseif sfind(flags, " ", 1, true) then p.sign = " " end
      if sfind(flags, "#", 1, true) then p.alt = true end
      if sfind(flags, "0", 1, true) and not p.align then p.zero = true end
      local v = nextval()
      if code == "s" or code == "r" or code == "a" then
        local s = code == "s" and str(v) or repr(v)
        if prec then s = ssub(s, 1, prec) end
        p.zero = false
        local n = p.width - (utf8len(s) or #s)
        if n > 0 then
          if p.align == "<" then s = s .. srep(" ", n) else s = srep(" ", n) .. s end
        end
        out[#out + 1] = s
      elseif code == "d" or code == "i" or code == "u" then
        v = need_num(v, code)
        if math_type(v) == "float" then
          if v ~= v or v == math.huge or v == -math.huge then
            throw(aio.OverflowError, "cannot convert float infinity to integer")
          end
          v = math.tointeger(v < 0 and math.ceil(v) or math.floor(v)) or 0
        end
        p.prec = nil
        p.type = "d"
        out[#out + 1] = aio.format_int(v, p, v)
      elseif code == "x" or code == "X" or code == "o" then
        v = need_num(v, code)
        if math_type(v) ~= "integer" then
          throw(TypeError, "%" .. code .. " format: an integer is required, not float")
        end
        p.prec = nil
        p.type = code
        out[#out + 1] = aio.format_int(v, p, v)
      elseif code == "e" or code == "E" or code == "f" or code == "F" or code == "g" or code == "G" then
        v = need_num(v, code)
        p.type = code
        out[#out + 1] = aio.format_float(v + 0.0, p, v)
      elseif code == "c" then
        if type(v) == "string" then out[#out + 1] = v
        else
          v = need_num(v, "c")
          out[#out + 1] = utf8.char(v)
        end
      else
        throw(ValueError, "unsupported format character '" .. code .. "' (0x" .. sformat("%x", sbyte(code)) .. ") at index " .. (i - 1))
      end
    end
  end
  if not mapping and used < nvals then
    throw(TypeError, "not all arguments converted during string formatting")
  end
  return concat(out)
end

---------------------------------------------------------------------------
-- str.format
---------------------------------------------------------------------------
local function field_value(name, args, nargs, kwargs, state)
  local first, rest = smatch(name, "^([^%.%[]*)(.*)$")
  local v
  if first == "" then
    if state.manual then
      throw(ValueError, "cannot switch from manual field specification to automatic field numbering")
    end
    state.auto = true
    local k = state.next
    state.next = k + 1
    if k >= nargs then throw(IndexError, "Replacement index " .. k .. " out of range for positional args tuple") end
    v = args[k + 1]
  elseif sfind(first, "^%d+$") then
    if state.auto then
      throw(ValueError, "cannot switch from automatic field numbering to manual field specification")
    end
    state.manual = true
    local k = tonumber(first)
    if k >= nargs then throw(IndexError, "Replacement index " .. k .. " out of range for positional args tuple") end
    v = args[k + 1]
  else
    if kwargs == nil then throw(aio.KeyError, first) end
    v = kwargs[first]
  end
  while rest ~= "" do
    if sfind(rest, "^%.$") or sfind(rest, "^%.[%.%[]") or sfind(rest, "^%[%]") then
      throw(ValueError, "Empty attribute in format string")
    end
    local attr, r2 = smatch(rest, "^%.([%w_]+)(.*)$")
    if attr then
      v = aio.getattr(v, attr)
      rest = r2
    else
      local key, r3 = smatch(rest, "^%[([^%]]*)%](.*)$")
      if not key then throw(ValueError, "Only '.' or '[' may follow ']' in format field specifier") end
      if sfind(key, "^%d+$") then v = v[tonumber(key)] else v = v[key] end
      rest = r3
    end
  end
  return v
end

-- Python's message for a '{' at byte a whose field never closes: it depends
-- on how far the field got (name, conversion, or format spec).
local function unclosed_field_message(fmt, a)
  if a == #fmt then return "Single '{' encountered in format string" end
  local j, len = a + 1, #fmt
  while j <= len do
    local c = ssub(fmt, j, j)
    if c == "[" then
      local close = sfind(fmt, "]", j + 1, true)
      if not close then break end
      j = close
    elseif c == "!" and j == len then
      return "end of string while looking for conversion specifier"
    elseif c == ":" or c == "!" then
      return "unmatched '{' in format spec"
    end
    j = j + 1
  end
  return "expected '}' before end of string"
end

local function format_impl(fmt, args, nargs, kwargs, state, depth)
  local out = {}
  local pos, len = 1, #fmt
  while pos <= len do
    local a = sfind(fmt, "[{}]", pos)
    if not a then out[#out + 1] = ssub(fmt, pos) break end
    out[#out + 1] = ssub(fmt, pos, a - 1)
    local c = ssub(fmt, a, a)
    if c == "}" then
      if ssub(fmt, a + 1, a + 1) ~= "}" then throw(ValueError, "Single '}' encountered in format string") end
      out[#out + 1] = "}"
      pos = a + 2
    elseif ssub(fmt, a + 1, a + 1) == "{" then
      out[#out + 1] = "{"
      pos = a + 2
    else
      -- find the matching close brace
      -- (a '[' in the field name runs to its ']', braces included, as in Python)
      local d, j, naming = 1, a + 1, true
      while j <= len do
        local cj = ssub(fmt, j, j)
        if naming and cj == "[" then
          j = sfind(fmt, "]", j + 1, true) or len
        elseif naming and (cj == ":" or cj == "!") then naming = false
        elseif cj == "{" then d = d + 1 elseif cj == "}" then d = d - 1 if d == 0 then break end end
        j = j + 1
      end
      if d ~= 0 then throw(ValueError, unclosed_field_message(fmt, a)) end
      local field = ssub(fmt, a + 1, j - 1)
      pos = j + 1
      local name, conv, spec = field, nil, ""
      local colon = sfind(field, ":", 1, true)
      if colon then name, spec = ssub(field, 1, colon - 1), ssub(field, colon + 1) end
      local bang = sfind(name, "!", 1, true)
      if bang then conv = ssub(name, bang + 1) name = ssub(name, 1, bang - 1) end
      if conv == "" then throw(ValueError, "unmatched '{' in format spec") end
      if conv and #conv > 1 then throw(ValueError, "expected ':' after conversion specifier") end
      local v = field_value(name, args, nargs, kwargs, state)
      if conv == "r" or conv == "a" then v = repr(v)
      elseif conv == "s" then v = str(v)
      elseif conv ~= nil then throw(ValueError, "Unknown conversion specifier " .. conv) end
      if sfind(spec, "{", 1, true) then
        if depth >= 1 then throw(ValueError, "Max string recursion exceeded") end
        spec = format_impl(spec, args, nargs, kwargs, state, depth + 1)
      end
      out[#out + 1] = format(v, spec)
    end
  end
  return concat(out)
end

method(Str, "format", { "self" }, function(s, ...)
  local args, kw = aio.varargs(...)
  local t, n = {}, 0
  if args then
    n = rawget(args, 0) == nil and 0 or #args + 1
    for k = 0, n - 1 do t[k + 1] = rawget(args, k) end
  end
  local kwargs = kw and rawget(kw, "aio_kwargs")
  return format_impl(s, t, n, kwargs, { next = 0 }, 0)
end, { vararg = true, kwargs = true })

method(Str, "format_map", { "self", "mapping" }, function(s, m)
  return format_impl(s, {}, 0, m, { next = 0 }, 0)
end)
