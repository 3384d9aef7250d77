-- 01_modreg.lua - the registry of built-in modules, created before any file
-- that registers one (see docs/internals.md, "Modules"):
--   aio.builtin_modules[name] = function() return <module table> end
-- The import machinery (60_import) calls the function once, on the first
-- import, and caches the module in aio.modules[name] (Python's sys.modules).
local aio = ...
aio.builtin_modules = aio.builtin_modules or {}
aio.modules = aio.modules or {}

-- Runtime files the host does not run at start-up (they only build an
-- importable module): file name -> module name. The host calls
-- aio.register_lazy(file, module, run) instead; run(aio) runs the file.
-- (Plain lua5.4 test harnesses run every file eagerly; that stays valid.)
aio.lazy_files = {
  ["70_math.lua"] = "math", ["72_time.lua"] = "time",
  ["74_random.lua"] = "random", ["76_json.lua"] = "json",
  ["89_net.lua"] = "socket", ["63_gc.lua"] = "gc", ["68_contextlib.lua"] = "contextlib",
}
-- Other modules whose first import also needs the file run first
-- (89_net.lua adds streams and loop methods to asyncio).
local also_needed_by = { ["89_net.lua"] = { "asyncio" } }
function aio.register_lazy(file, name, run)
  local mods = aio.builtin_modules
  local done = false
  local function ensure()
    if done then return end
    done = true
    local first = #aio.exc_order + 1
    run(aio)   -- replaces mods[name] with the real builder
    aio.finish_exc_classes(first)
  end
  mods[name] = function() ensure() return mods[name]() end
  for _, other in ipairs(also_needed_by[file] or {}) do
    local build = mods[other]
    mods[other] = function() ensure() return build() end
  end
end

-- _re: the regex engine (stdlib/re_native.c, PCRE2) for stdlib/re.aio.
aio.builtin_modules._re = function()
  local native = aio.native
  return { re_compile = native.re_compile, re_find = native.re_find, re_findall = native.re_findall,
    re_sub = native.re_sub }
end

-- _traceback: the runtime's traceback formatting (90_main) for stdlib/traceback.aio.
aio.builtin_modules._traceback = function()
  return {
    format_exception = function(e) return aio.format_exception(e) end,
    format_exception_only = function(e) return aio.format_exception_line(e) end,
  }
end
