-- 45_match.lua - the runtime half of the match statement (PEP 634): the
-- checks the emitter (compiler/emit_match.c) calls for sequence, mapping and
-- class patterns. Literal, value and capture patterns need no helper.
local aio = ...

local rawget, getmetatable, select, type, rawequal = rawget, getmetatable, select, type, rawequal
local throw, issub, typeof, getattr = aio.throw, aio.issub, aio.typeof, aio.getattr
local TypeError = aio.TypeError
local Type, List, Tuple, Dict, Range = aio.Type, aio.List, aio.Tuple, aio.Dict, aio.Range

-- Length of a value a sequence pattern may match, or nil: list, tuple (and
-- their subclasses) and range; never str, bytes or dict.
local function seq_len(v)
  local mt = getmetatable(v)
  if type(mt) ~= "table" then return nil end
  local lay = mt == List and List or mt == Tuple and Tuple or rawget(mt, "aio_layout")
  if lay == List or lay == Tuple then return rawget(v, 0) == nil and 0 or #v + 1 end
  if mt == Range then return aio.len(v) end
  return nil
end

-- [a, b] / [a, *r, b]: a sequence with exactly n items (at least n with a star).
function aio.match_seq(v, n, star)
  local len = seq_len(v)
  if not len then return false end
  if star then return len >= n end
  return len == n
end

-- The star capture of [a, *rest, b]: a new list of the items between.
function aio.match_rest(v, before, after)
  local out, j = {}, 0
  for i = before, seq_len(v) - after - 1 do
    out[j] = v[i]
    j = j + 1
  end
  return aio.list(out)
end

local MISSING = {}

local function is_mapping(v)
  local mt = getmetatable(v)
  return mt == Dict or (type(mt) == "table" and rawget(mt, "aio_layout") == Dict)
end

-- {k1: p1, k2: p2, **rest}: for a mapping holding every key, a table of the
-- values (1-based, looked up with .get like CPython) that also keeps the
-- keys for match_maprest; false otherwise.
function aio.match_map(v, ...)
  if not is_mapping(v) then return false end
  local n = select("#", ...)
  local out = { keys = { ... } }
  if n == 0 then return out end
  if aio.len(v) < n then return false end
  local seen = n > 1 and aio.dict({}) or nil
  for i = 1, n do
    local k = select(i, ...)
    if seen then
      if aio.contains(seen, k) then
        throw(aio.ValueError, "mapping pattern checks duplicate key (" .. aio.repr(k) .. ")")
      end
      seen[k] = true
    end
    local x = aio.callm_get(v, k, MISSING)
    if rawequal(x, MISSING) then return false end
    out[i] = x
  end
  return out
end

-- **rest: a new dict of the items whose keys the pattern did not name.
function aio.match_maprest(v, t)
  local skip = aio.dict({})
  for i = 1, #t.keys do skip[t.keys[i]] = true end
  local rest = aio.dict({})
  for k in aio.iter(v) do
    if not aio.contains(skip, k) then rest[k] = v[k] end
  end
  return rest
end

-- Builtin classes whose single positional sub-pattern matches the subject itself.
local SELF_MATCH = {
  [aio.Bool] = true, [aio.Bytes] = true, [Dict] = true, [aio.Float] = true, [aio.Int] = true,
  [List] = true, [aio.Set] = true, [aio.Str] = true, [Tuple] = true,
}

local function cls_name(cls) return rawget(cls, "__name__") or "?" end

-- v.name, or nil when v has no such attribute.
local function attr(v, name)
  local x = getattr(v, name, MISSING)
  if rawequal(x, MISSING) then return nil end
  return x
end

-- A builtin in SELF_MATCH, or a subclass of one (CPython's flag is inherited).
local function self_matching(cls)
  if SELF_MATCH[cls] then return true end
  local mro = rawget(cls, "aio_mro")
  if mro then
    for i = 1, #mro do
      if SELF_MATCH[mro[i]] then return true end
    end
  end
  return false
end

-- The attribute names of the positional sub-patterns (from __match_args__),
-- checked once per __match_args__ tuple (tuples are immutable); "self" when
-- a class without __match_args__ matches its one sub-pattern against the
-- subject itself.
local checked = setmetatable({}, { __mode = "k" })

local function too_many(cls, have, npos)
  throw(TypeError, string.format("%s() accepts %d positional sub-pattern%s (%d given)",
    cls_name(cls), have, have == 1 and "" or "s", npos))
end

local function positional_names(cls, npos)
  local ma = aio.lookup(cls, "__match_args__")
  if ma == nil then ma = attr(cls, "__match_args__") end
  local names = checked[ma]
  if names and npos <= #names then return names end
  if ma == nil then
    if self_matching(cls) then
      if npos > 1 then too_many(cls, 1, npos) end
      return "self"
    end
    ma = aio.tuple({})
  end
  if getmetatable(ma) ~= Tuple then
    throw(TypeError, cls_name(cls) .. ".__match_args__ must be a tuple (got " .. aio.tname(ma) .. ")")
  end
  local have = seq_len(ma)
  if npos > have then too_many(cls, have, npos) end
  names = {}
  for i = 1, npos do
    local n = ma[i - 1]
    if type(n) ~= "string" then
      throw(TypeError, "__match_args__ elements must be strings (got " .. aio.tname(n) .. ")")
    end
    names[i] = n
  end
  checked[ma] = names
  return names
end

-- Cls(p1, p2, k=p3): isinstance first; with sub-patterns (npos positional,
-- then the keyword names), a table of the attribute values (1-based), or
-- false when an attribute is missing.
function aio.match_class(v, cls, npos, ...)
  if getmetatable(cls) ~= Type then throw(TypeError, "called match pattern must be a type") end
  local mt = type(v) == "table" and getmetatable(v) or nil
  if not issub(mt or typeof(v), cls) then return false end
  if not npos then return true end
  local out, names = {}, nil
  if npos > 0 then
    names = positional_names(cls, npos)
    if names == "self" then
      names = nil
      out[1] = v
    end
  end
  -- perf: an instance attribute of a user class is read raw (what getattr
  -- would return); anything else goes through getattr
  local raw = mt and rawget(mt, "aio_user")
  for i = 1, npos + select("#", ...) do
    local name
    if i <= npos then name = names and names[i] else name = select(i - npos, ...) end
    if name then   -- nil: a builtin's positional sub-pattern (the subject itself)
      -- (a keyword named twice is a compile error)
      for j = 1, (i <= npos and i or npos + 1) - 1 do
        if names and names[j] == name then
          throw(TypeError, string.format("%s() got multiple sub-patterns for attribute '%s'", cls_name(cls), name))
        end
      end
      local x
      if raw then x = rawget(v, name) end
      if x == nil then
        x = getattr(v, name, MISSING)
        if rawequal(x, MISSING) then return false end
      end
      out[i] = x
    end
  end
  return out
end
