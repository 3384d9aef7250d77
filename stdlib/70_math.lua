-- 70_math.lua - the built-in `math` module (registered lazily in
-- aio.builtin_modules). Float functions follow C's libm through Lua's math
-- library; domain and range errors raise Python's ValueError/OverflowError.
local aio = ...

local rawequal, getmetatable, type, select = rawequal, getmetatable, type, select
local math_type, tointeger, huge = math.type, math.tointeger, math.huge
local mfloor, mceil, msqrt, mexp, mlog, mabs = math.floor, math.ceil, math.sqrt, math.exp, math.log, math.abs
local None = aio.None

aio.builtin_modules = aio.builtin_modules or {}

-- Turns any real argument into a float: int, float, bool, or an object with
-- __float__/__index__; anything else is Python's TypeError.
local function real(x)
  local t = type(x)
  if t == "number" then
    if math_type(x) == "float" then return x end   -- x + 0.0 would turn -0.0 into 0.0
    return x + 0.0
  end
  if t == "boolean" then return x and 1.0 or 0.0 end
  if t == "table" then
    local mt = getmetatable(x)
    local f = mt and (aio.lookup(mt, "__float__") or aio.lookup(mt, "__index__"))
    if f then return f(x) + 0.0 end
  end
  aio.throw(aio.TypeError, "must be real number, not " .. aio.tname(x))
end

-- An integer argument (int, bool or __index__), else Python's TypeError.
local function integer(x)
  if math_type(x) == "integer" then return x end
  if type(x) == "boolean" then return x and 1 or 0 end
  if type(x) == "table" then
    local mt = getmetatable(x)
    local f = mt and aio.lookup(mt, "__index__")
    if f then return f(x) end
  end
  aio.throw(aio.TypeError, "'" .. aio.tname(x) .. "' object cannot be interpreted as an integer")
end

local function domain() aio.throw(aio.ValueError, "math domain error") end
local function range_err() aio.throw(aio.OverflowError, "math range error") end
local function isfinite(x) return x == x and x ~= huge and x ~= -huge end

-- float -> int for floor/ceil/trunc, with Python's errors for inf and nan.
local function to_int(x)
  if x ~= x then aio.throw(aio.ValueError, "cannot convert float NaN to integer") end
  if x == huge or x == -huge then aio.throw(aio.OverflowError, "cannot convert float infinity to integer") end
  local i = tointeger(x)
  if i == nil then aio.throw(aio.OverflowError, "int too large to convert to 64-bit integer") end
  return i
end

-- Wraps a one-argument libm function: a finite input giving nan is a domain
-- error, a finite input giving inf is a range error (like CPython's math_1).
local function unary(f, inf_is_domain)
  return function(x)
    x = real(x)
    local r = f(x)
    if r ~= r and x == x then domain() end
    if (r == huge or r == -huge) and isfinite(x) then
      if inf_is_domain then domain() end
      range_err()
    end
    return r
  end
end

local function log_of(x)
  if x <= 0 then domain() end
  return mlog(x)
end

local function build()
  local m = aio.new_module("math")
  local function fn(name, params, f, extra)
    local spec = { name = name, params = params, builtin = true }
    if extra then for k, v in pairs(extra) do spec[k] = v end end
    m[name] = aio.def(f, name, spec)
  end

  m.pi, m.e, m.tau, m.inf, m.nan = math.pi, mexp(1), 2 * math.pi, huge, -(0.0 / 0.0)

  fn("sqrt", { "x" }, function(x)
    x = real(x)
    if x < 0 then domain() end
    return msqrt(x)
  end)
  fn("floor", { "x" }, function(x)
    if math_type(x) == "integer" then return x end
    return to_int(mfloor(real(x)))
  end)
  fn("ceil", { "x" }, function(x)
    if math_type(x) == "integer" then return x end
    return to_int(mceil(real(x)))
  end)
  fn("trunc", { "x" }, function(x)
    if math_type(x) == "integer" then return x end
    x = real(x)
    if x >= 0 then return to_int(mfloor(x)) end
    return to_int(mceil(x))
  end)
  fn("isnan", { "x" }, function(x) x = real(x) return x ~= x end)
  fn("isinf", { "x" }, function(x) x = real(x) return x == huge or x == -huge end)
  fn("isfinite", { "x" }, function(x) return isfinite(real(x)) end)
  fn("isclose", { "a", "b" }, function(a, b, rel_tol, abs_tol)
    a, b = real(a), real(b)
    rel_tol = (rel_tol == nil) and 1e-09 or real(rel_tol)
    abs_tol = (abs_tol == nil) and 0.0 or real(abs_tol)
    if rel_tol < 0 or abs_tol < 0 then aio.throw(aio.ValueError, "tolerances must be non-negative") end
    if a == b then return true end
    if a == huge or a == -huge or b == huge or b == -huge then return false end
    local diff = mabs(b - a)
    return diff <= mabs(rel_tol * b) or diff <= mabs(rel_tol * a) or diff <= abs_tol
  end, { kwonly = { "rel_tol", "abs_tol" } })

  fn("log", { "x", "base" }, function(x, base)
    local r = log_of(real(x))
    if base == nil then return r end
    local d = log_of(real(base))
    if d == 0 then aio.throw(aio.ZeroDivisionError, "float division by zero") end
    return r / d
  end)
  fn("log2", { "x" }, function(x)
    x = real(x)
    if x <= 0 then domain() end
    return mlog(x, 2)
  end)
  fn("log10", { "x" }, function(x)
    x = real(x)
    if x <= 0 then domain() end
    return mlog(x, 10)
  end)
  fn("log1p", { "x" }, function(x)
    x = real(x)
    if x <= -1 then domain() end
    -- log1p without libm's: accurate for small x via the classic correction
    local u = 1.0 + x
    if u == 1.0 then return x end
    return mlog(u) * x / (u - 1.0)
  end)
  fn("exp", { "x" }, unary(mexp))
  fn("pow", { "x", "y" }, function(x, y)
    x, y = real(x), real(y)
    if x == 0 and y < 0 then domain() end
    if x < 0 and isfinite(x) and isfinite(y) and y ~= mfloor(y) then domain() end
    local r = x ^ y
    if (r == huge or r == -huge) and isfinite(x) and isfinite(y) then range_err() end
    return r
  end)
  fn("sin", { "x" }, unary(math.sin))
  fn("cos", { "x" }, unary(math.cos))
  fn("tan", { "x" }, unary(math.tan))
  fn("asin", { "x" }, unary(math.asin))
  fn("acos", { "x" }, unary(math.acos))
  fn("atan", { "x" }, unary(math.atan))
  fn("atan2", { "y", "x" }, function(y, x) return math.atan(real(y), real(x)) end)
  fn("sinh", { "x" }, unary(function(x) return (mexp(x) - mexp(-x)) / 2 end))
  fn("cosh", { "x" }, unary(function(x) return (mexp(x) + mexp(-x)) / 2 end))
  fn("tanh", { "x" }, function(x)
    x = real(x)
    if x > 20 then return 1.0 elseif x < -20 then return -1.0 end
    local a, b = mexp(x), mexp(-x)
    return (a - b) / (a + b)
  end)
  fn("degrees", { "x" }, function(x) return real(x) * (180.0 / math.pi) end)
  fn("radians", { "x" }, function(x) return real(x) * (math.pi / 180.0) end)
  fn("fabs", { "x" }, function(x) return mabs(real(x)) end)
  fn("copysign", { "x", "y" }, function(x, y)
    x, y = mabs(real(x)), real(y)
    if y < 0 or (y == 0 and 1 / y < 0) then return -x end
    return x
  end)
  fn("fmod", { "x", "y" }, function(x, y)
    x, y = real(x), real(y)
    if y == 0 or x == huge or x == -huge then domain() end
    return math.fmod(x, y)
  end)
  fn("modf", { "x" }, function(x)
    x = real(x)
    local i, f = math.modf(x)
    if x == huge or x == -huge then f = 0.0 end
    return aio.tuple({ [0] = f + 0.0, i + 0.0 })
  end)

  local function gcd2(a, b)
    if a < 0 then a = -a end
    if b < 0 then b = -b end
    while b ~= 0 do a, b = b, a % b end
    return a
  end
  fn("gcd", {}, function(...)
    local g = 0
    for i = 1, select("#", ...) do g = gcd2(g, integer((select(i, ...)))) end
    return g
  end, { vararg = true })
  fn("lcm", {}, function(...)
    local l = 1
    for i = 1, select("#", ...) do
      local v = integer((select(i, ...)))
      if v == 0 or l == 0 then l = 0 else
        local a = l // gcd2(l, v) * v
        l = a < 0 and -a or a
      end
    end
    return l
  end, { vararg = true })
  fn("hypot", {}, function(...)
    local n = select("#", ...)
    local vals, scale, inf, nan = {}, 0.0, false, false
    for i = 1, n do
      local v = mabs(real((select(i, ...))))
      vals[i] = v
      if v == huge then inf = true elseif v ~= v then nan = true elseif v > scale then scale = v end
    end
    if inf then return huge end
    if nan then return 0.0 / 0.0 end
    if scale == 0 then return 0.0 end
    if n == 1 then return vals[1] end
    local sum = 0.0
    for i = 1, n do local q = vals[i] / scale sum = sum + q * q end
    return scale * msqrt(sum)
  end, { vararg = true })
  fn("factorial", { "n" }, function(n)
    n = integer(n)
    if n < 0 then aio.throw(aio.ValueError, "factorial() not defined for negative values") end
    if n > 20 then aio.throw(aio.OverflowError, "factorial() result does not fit in a 64-bit int") end
    local r = 1
    for i = 2, n do r = r * i end
    return r
  end)
  -- r * k, or OverflowError when the 64-bit product would wrap
  local function mul_fits(r, k, what)
    if k ~= 0 and r > math.maxinteger // k then
      aio.throw(aio.OverflowError, what .. "() result does not fit in a 64-bit int")
    end
    return r * k
  end
  fn("comb", { "n", "k" }, function(n, k)
    n, k = integer(n), integer(k)
    if n < 0 then aio.throw(aio.ValueError, "n must be a non-negative integer") end
    if k < 0 then aio.throw(aio.ValueError, "k must be a non-negative integer") end
    if k > n then return 0 end
    if k > n - k then k = n - k end
    local r = 1
    for i = 1, k do r = mul_fits(r, n - k + i, "comb") // i end
    return r
  end)
  fn("perm", { "n", "k" }, function(n, k)
    n = integer(n)
    if k == nil or rawequal(k, aio.None) then k = n else k = integer(k) end
    if n < 0 then aio.throw(aio.ValueError, "n must be a non-negative integer") end
    if k < 0 then aio.throw(aio.ValueError, "k must be a non-negative integer") end
    if k > n then return 0 end
    local r = 1
    for i = n - k + 1, n do r = mul_fits(r, i, "perm") end
    return r
  end)
  fn("dist", { "p", "q" }, function(p, q)
    local a, na = aio.to_array(p)
    local b, nb = aio.to_array(q)
    if na ~= nb then aio.throw(aio.ValueError, "both points must have the same number of dimensions") end
    local sum = 0.0
    for i = 1, na do local d = a[i] - b[i] sum = sum + d * d end
    return msqrt(sum)
  end)
  fn("frexp", { "x" }, function(x)
    x = x + 0.0
    if x == 0 or x ~= x or x == math.huge or x == -math.huge then return aio.tuple({ [0] = x, 0 }) end
    local e = mfloor(math.log(math.abs(x), 2)) + 1
    local m = x / 2.0 ^ e
    -- correct rounding at powers of two
    if math.abs(m) >= 1 then m = m / 2 e = e + 1 elseif math.abs(m) < 0.5 then m = m * 2 e = e - 1 end
    return aio.tuple({ [0] = m, e })
  end)
  fn("ldexp", { "x", "i" }, function(x, i) return (x + 0.0) * 2.0 ^ integer(i) end)
  fn("isqrt", { "n" }, function(n)
    n = integer(n)
    if n < 0 then aio.throw(aio.ValueError, "isqrt() argument must be nonnegative") end
    local r = mfloor(msqrt(n))
    while r * r > n do r = r - 1 end
    while (r + 1) * (r + 1) <= n do r = r + 1 end
    return r
  end)
  fn("fsum", { "iterable" }, function(it)
    -- Neumaier compensated summation (close to, not always equal to, fsum's exact result)
    local sum, c = 0.0, 0.0
    for v in aio.iter(it) do
      v = real(v)
      local t = sum + v
      if mabs(sum) >= mabs(v) then c = c + ((sum - t) + v) else c = c + ((v - t) + sum) end
      sum = t
    end
    return sum + c
  end)
  fn("prod", { "iterable" }, function(it, start)
    local p = start == nil and 1 or start
    for v in aio.iter(it) do p = p * v end
    return p
  end, { kwonly = { "start" } })
  return m
end

aio.builtin_modules.math = build
