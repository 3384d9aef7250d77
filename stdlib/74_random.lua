-- 74_random.lua - the built-in `random` module (registered lazily in
-- aio.builtin_modules). The generator is xoshiro256** on Lua's 64-bit
-- integers, seeded through splitmix64; sequences differ from CPython's
-- Mersenne Twister, the distributions and errors are Python's. Module
-- functions share one hidden Random instance, as in Python.
local aio = ...

local rawget, rawequal, getmetatable, setmetatable, type, select = rawget, rawequal, getmetatable, setmetatable,
  type, select
local math_type, mfloor, mlog, msqrt, mcos, mexp, huge = math.type, math.floor, math.log, math.sqrt, math.cos,
  math.exp, math.huge
local sbyte, spack, sunpack = string.byte, string.pack, string.unpack
local None = aio.None

aio.builtin_modules = aio.builtin_modules or {}

local function absent(v) return v == nil or rawequal(v, None) end
local function throw(cls, msg) aio.throw(cls, msg) end

---------------------------------------------------------------------------
-- the generator: state is a Lua array {s0, s1, s2, s3}
---------------------------------------------------------------------------
local function rotl(x, k) return (x << k) | (x >> (64 - k)) end

local function next64(st)
  local s0, s1, s2, s3 = st[1], st[2], st[3], st[4]
  local result = rotl(s1 * 5, 7) * 9
  local t = s1 << 17
  s2 = s2 ~ s0
  s3 = s3 ~ s1
  s1 = s1 ~ s2
  s0 = s0 ~ s3
  s2 = s2 ~ t
  st[1], st[2], st[3], st[4] = s0, s1, s2, rotl(s3, 45)
  return result
end

-- Fills the state from a 64-bit integer with splitmix64 (never all zero).
local function seed_int(st, x)
  for i = 1, 4 do
    x = x + 0x9e3779b97f4a7c15
    local z = x
    z = (z ~ (z >> 30)) * 0xbf58476d1ce4e5b9
    z = (z ~ (z >> 27)) * 0x94d049bb133111eb
    st[i] = z ~ (z >> 31)
  end
end

-- FNV-1a over a byte string: a deterministic seed for str/bytes seeds.
local function hash_bytes(s)
  local h = 0xcbf29ce484222325
  for i = 1, #s do h = (h ~ sbyte(s, i)) * 0x100000001b3 end
  return h
end

local function seed(st, a)
  local t = type(a)
  if absent(a) then
    local ns = aio.native and aio.native.time_time_ns and aio.native.time_time_ns() or os.time()
    seed_int(st, ns ~ hash_bytes(tostring({})) ~ mfloor(os.clock() * 1e9))
  elseif math_type(a) == "integer" then seed_int(st, a)
  elseif t == "boolean" then seed_int(st, a and 1 or 0)
  elseif t == "number" then
    if a == mfloor(a) and a > -2^63 and a < 2^63 then seed_int(st, mfloor(a))
    else seed_int(st, sunpack("<i8", spack("<d", a))) end
  elseif t == "string" then seed_int(st, hash_bytes(a))
  elseif getmetatable(a) == aio.Bytes then seed_int(st, hash_bytes("b" .. aio.repr(a)))
  else
    throw(aio.TypeError, "The only supported seed types are: None,\nint, float, str, bytes, and bytearray.")
  end
end

local function random(st) return (next64(st) >> 11) * (1.0 / 9007199254740992.0) end

local function bit_length(n)
  local k = 0
  while n > 0 do k = k + 1 n = n >> 1 end
  return k
end

-- Uniform integer in [0, n) for 0 < n < 2^63, by rejection (no modulo bias).
local function randbelow(st, n)
  local shift = 64 - bit_length(n)
  while true do
    local r = next64(st) >> shift
    if r < n then return r end
  end
end

---------------------------------------------------------------------------
-- the Python-level operations (st first)
---------------------------------------------------------------------------
local function int_arg(v, what)
  if math_type(v) == "integer" then return v end
  if type(v) == "boolean" then return v and 1 or 0 end
  if math_type(v) == "float" and v == mfloor(v) and v > -2^63 and v < 2^63 then return mfloor(v) end
  throw(aio.ValueError, "non-integer " .. what .. " for randrange()")
end

local function randrange(st, start, stop, step)
  start = int_arg(start, "arg 1")
  if absent(stop) then
    if not absent(step) and step ~= 1 then throw(aio.TypeError, "Missing a non-None stop argument") end
    if start > 0 then return randbelow(st, start) end
    throw(aio.ValueError, "empty range for randrange()")
  end
  stop = int_arg(stop, "stop")
  step = absent(step) and 1 or int_arg(step, "step")
  local width = stop - start
  if step == 1 then
    if width > 0 then return start + randbelow(st, width) end
    throw(aio.ValueError, "empty range for randrange() (" .. start .. ", " .. stop .. ", " .. width .. ")")
  end
  local n
  if step > 0 then n = (width + step - 1) // step
  elseif step < 0 then n = (width + step + 1) // step
  else throw(aio.ValueError, "zero step for randrange()") end
  if n <= 0 then
    throw(aio.ValueError, "empty range for randrange() (" .. start .. ", " .. stop .. ", " .. step .. ")")
  end
  return start + step * randbelow(st, n)
end

local function num(v)
  if type(v) == "number" then return v end
  if type(v) == "boolean" then return v and 1 or 0 end
  throw(aio.TypeError, "must be real number, not " .. aio.tname(v))
end

-- A sequence as (get(i), n): lists/tuples directly, strings by character,
-- anything else through len() and indexing (ranges, user sequences).
local function seq_access(x)
  local mt = type(x) == "table" and getmetatable(x)
  if mt == aio.List or mt == aio.Tuple then
    return function(i) return rawget(x, i) end, aio.len(x)
  end
  if type(x) == "string" then
    local a, n = aio.to_array(x)
    return function(i) return a[i + 1] end, n
  end
  if mt == aio.Set or mt == aio.Dict or mt == nil or type(x) ~= "table" then
    throw(aio.TypeError, "Population must be a sequence.  For dicts or sets, use sorted(d).")
  end
  return function(i) return x[i] end, aio.len(x)
end

local function choice(st, seq)
  local mt = type(seq) == "table" and getmetatable(seq)
  if mt == aio.Set then throw(aio.TypeError, "'set' object is not subscriptable") end
  if mt == aio.Dict then
    local n = aio.len(seq)
    if n == 0 then throw(aio.IndexError, "Cannot choose from an empty sequence") end
    return seq[randbelow(st, n)]
  end
  local get, n = seq_access(seq)
  if n == 0 then throw(aio.IndexError, "Cannot choose from an empty sequence") end
  return get(randbelow(st, n))
end

-- Index of the first cum[i] > x in cum[lo..hi] (bisect_right).
local function bisect(cum, x, hi)
  local lo = 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if x < cum[mid] then hi = mid else lo = mid + 1 end
  end
  return lo
end

local function choices(st, population, weights, cum_weights, k)
  local get, n = seq_access(population)
  k = absent(k) and 1 or k
  if math_type(k) ~= "integer" then
    throw(aio.TypeError, "'" .. aio.tname(k) .. "' object cannot be interpreted as an integer")
  end
  local out = {}
  if absent(cum_weights) then
    if absent(weights) then
      for i = 1, k do
        if n == 0 then throw(aio.IndexError, "list index out of range") end
        out[i - 1] = get(mfloor(random(st) * n))
      end
      return setmetatable(out, aio.List)
    end
    local w, wn = aio.to_array(weights)
    cum_weights = {}
    local acc = 0
    for i = 1, wn do acc = acc + num(w[i]) cum_weights[i] = acc end
  elseif not absent(weights) then
    throw(aio.TypeError, "Cannot specify both weights and cumulative weights")
  else
    local c, cn = aio.to_array(cum_weights)
    cum_weights = {}
    for i = 1, cn do cum_weights[i] = num(c[i]) end
  end
  if #cum_weights ~= n then throw(aio.ValueError, "The number of weights does not match the population") end
  local total = (cum_weights[n] or 0) + 0.0
  if total <= 0.0 then throw(aio.ValueError, "Total of weights must be greater than zero") end
  if total ~= total or total == huge then throw(aio.ValueError, "Total of weights must be finite") end
  for i = 1, k do out[i - 1] = get(bisect(cum_weights, random(st) * total, n) - 1) end
  return setmetatable(out, aio.List)
end

local function shuffle(st, x)
  if getmetatable(x) ~= aio.List then
    throw(aio.TypeError, "'" .. aio.tname(x) .. "' object does not support item assignment")
  end
  for i = aio.len(x) - 1, 1, -1 do
    local j = randbelow(st, i + 1)
    x[i], x[j] = x[j], x[i]
  end
  return None
end

local function sample(st, population, k, counts)
  local get, n = seq_access(population)
  local pool = {}
  if absent(counts) then
    for i = 1, n do pool[i] = get(i - 1) end
  else
    local c, cn = aio.to_array(counts)
    if cn ~= n then throw(aio.ValueError, "The number of counts does not match the population") end
    for i = 1, n do
      local ci = c[i]
      if math_type(ci) ~= "integer" then throw(aio.TypeError, "Counts must be integers") end
      if ci < 0 then throw(aio.ValueError, "Counts must be non-negative") end
      for _ = 1, ci do pool[#pool + 1] = get(i - 1) end
    end
    n = #pool
  end
  if absent(k) then throw(aio.TypeError, "Random.sample() missing 1 required positional argument: 'k'") end
  if math_type(k) ~= "integer" then
    throw(aio.TypeError, "'" .. aio.tname(k) .. "' object cannot be interpreted as an integer")
  end
  if k < 0 or k > n then throw(aio.ValueError, "Sample larger than population or is negative") end
  local out = {}
  for i = 1, k do
    local j = i + randbelow(st, n - i + 1)
    pool[i], pool[j] = pool[j], pool[i]
    out[i - 1] = pool[i]
  end
  return setmetatable(out, aio.List)
end

local function getrandbits(st, k)
  if math_type(k) ~= "integer" then
    throw(aio.TypeError, "'" .. aio.tname(k) .. "' object cannot be interpreted as an integer")
  end
  if k < 0 then throw(aio.ValueError, "number of bits must be non-negative") end
  if k == 0 then return 0 end
  if k > 63 then throw(aio.OverflowError, "getrandbits() result does not fit in a 64-bit int") end
  return next64(st) >> (64 - k)
end

local function gauss(st, mu, sigma)
  mu = absent(mu) and 0.0 or num(mu)
  sigma = absent(sigma) and 1.0 or num(sigma)
  local u1 = 1.0 - random(st)   -- (0, 1]: log is finite
  local u2 = random(st)
  return mu + sigma * msqrt(-2.0 * mlog(u1)) * mcos(2 * math.pi * u2)
end

local function triangular(st, low, high, mode)
  low = absent(low) and 0.0 or num(low)
  high = absent(high) and 1.0 or num(high)
  local u = random(st)
  local c = 0.5
  if not absent(mode) then
    if high == low then return low end
    c = (num(mode) - low) / (high - low)
  end
  if u > c then
    u, c, low, high = 1.0 - u, 1.0 - c, high, low
  end
  return low + (high - low) * msqrt(u * c)
end

-- name, params (after self), Lua function of (st, ...), extra spec fields
local OPS = {
  { "seed", { "a", "version" }, function(st, a) seed(st, a) return None end },
  { "random", {}, random },
  { "randint", { "a", "b" }, function(st, a, b)
    if a == nil then throw(aio.TypeError, "Random.randint() missing 2 required positional arguments: 'a' and 'b'") end
    if b == nil then throw(aio.TypeError, "Random.randint() missing 1 required positional argument: 'b'") end
    return randrange(st, a, int_arg(b, "stop") + 1)
  end },
  { "randrange", { "start", "stop", "step" }, function(st, start, stop, step)
    if start == nil then throw(aio.TypeError, "Random.randrange() missing 1 required positional argument: 'start'") end
    return randrange(st, start, stop, step)
  end },
  { "uniform", { "a", "b" }, function(st, a, b)
    a, b = num(a), num(b)
    return a + (b - a) * random(st)
  end },
  { "choice", { "seq" }, choice },
  { "choices", { "population", "weights" }, choices, { kwonly = { "cum_weights", "k" } } },
  { "shuffle", { "x" }, shuffle },
  { "sample", { "population", "k" }, sample, { kwonly = { "counts" } } },
  { "getrandbits", { "k" }, getrandbits },
  { "gauss", { "mu", "sigma" }, gauss },
  { "normalvariate", { "mu", "sigma" }, gauss },
  { "expovariate", { "lambd" }, function(st, lambd)
    lambd = absent(lambd) and 1.0 or num(lambd)
    if lambd == 0 then throw(aio.ZeroDivisionError, "float division by zero") end
    return -mlog(1.0 - random(st)) / lambd
  end },
  { "triangular", { "low", "high", "mode" }, triangular },
  { "getstate", {}, function(st) return aio.tuple({ [0] = st[1], st[2], st[3], st[4] }) end },
  { "setstate", { "state" }, function(st, state)
    local a, n = aio.to_array(state)
    if n ~= 4 then throw(aio.ValueError, "state vector is the wrong size") end
    for i = 1, 4 do st[i] = a[i] end
    return None
  end },
}

local function spec_of(name, params, extra)
  local spec = { name = name, params = params, builtin = true }
  if extra then for k, v in pairs(extra) do spec[k] = v end end
  return spec
end

-- The Random class: instances keep their state under the hidden key aio_st.
local Random = aio.class("Random", { aio.object })
Random.__module__ = "random"
Random.aio_new = function(cls, x)
  local r = setmetatable({ aio_st = { 0, 0, 0, 0 } }, cls)
  seed(r.aio_st, x)
  return r
end
for _, op in ipairs(OPS) do
  local name, params, f, extra = op[1], op[2], op[3], op[4]
  local mparams = { "self" }
  for i = 1, #params do mparams[i + 1] = params[i] end
  Random[name] = aio.def(function(self, ...) return f(rawget(self, "aio_st"), ...) end, "Random." .. name,
    spec_of("Random." .. name, mparams, extra))
end
aio.class_done(Random)

local function build()
  local m = aio.new_module("random")
  local st = { 0, 0, 0, 0 }
  seed(st, nil)
  for _, op in ipairs(OPS) do
    local name, params, f, extra = op[1], op[2], op[3], op[4]
    m[name] = aio.def(function(...) return f(st, ...) end, name, spec_of(name, params, extra))
  end
  m.Random = Random
  return m
end

aio.builtin_modules.random = build
