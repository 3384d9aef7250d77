-- 60_import.lua - the import machinery: aio.import / importfrom / importstar
-- (called by emitted code, see docs/internals.md "Modules"), module objects,
-- the search path (importing file's directory, sys.path = [main script's
-- directory, AIO_PATH entries...], then aio.builtin_modules), packages,
-- relative imports, circular-import errors, and the static import scan that
-- `aio compile` uses to bundle modules (aio.bundle_collect).
local aio = ...

local rawget, rawset, setmetatable, getmetatable, type, pairs, tostring =
  rawget, rawset, setmetatable, getmetatable, type, pairs, tostring
getmetatable = debug.getmetatable   -- perf: same answer (no metatable has __metatable), no field lookup
local getinfo, setupvalue = debug.getinfo, debug.setupvalue
local smatch, sfind, ssub, sgmatch = string.match, string.find, string.sub, string.gmatch
local throw = aio.throw
local native = aio.native
local Module, Type = aio.Module, aio.Type
local B = aio.builtins

local builtin_modules = aio.builtin_modules
local modules = aio.modules          -- name -> module (sys.modules)
aio.bundle = aio.bundle or {}        -- path -> {name=, fn=}: modules inside a compiled file

---------------------------------------------------------------------------
-- paths
---------------------------------------------------------------------------
local function dirname(path)
  local d = smatch(path, "^(.*)/[^/]*$")
  if d == nil then return "" end
  if d == "" then return "/" end
  return d
end
aio.path_dirname = dirname

local function join(dir, name)
  if dir == "" then return name end
  if ssub(dir, -1) == "/" then return dir .. name end
  return dir .. "/" .. name
end

-- "file", "dir" or nil; bundled files count as files.
local function kind(path)
  if aio.bundle[path] then return "file" end
  return (native.os_kind(path))
end

-- sys.path: an aio list, made on first use so sys.path changes are seen.
local sys_path
function aio.sys_path()
  if sys_path then return sys_path end
  local t, n = {}, 0
  local script = aio.argv[1]
  local first = ""
  if script and script ~= "-e" then first = dirname(script) end
  t[0] = first
  for entry in sgmatch(os.getenv("AIO_PATH") or "", "[^:]+") do
    n = n + 1
    t[n] = entry
  end
  sys_path = aio.list(t)
  return sys_path
end

---------------------------------------------------------------------------
-- module descriptors: what was found where. desc = {name=, path=, source=,
-- pkgdir= (packages only), parent= (the package it lives in), builtin=,
-- module= (once loaded), initializing=}
---------------------------------------------------------------------------
local desc_by_real = {}       -- real path -> desc (a file runs once)
local desc_by_source = {}     -- "@path" -> desc (who is importing?)
local builtin_descs = {}
local top_cache = {}          -- importer dir .. "\0" .. name -> desc
local meta = setmetatable({}, { __mode = "k" })   -- module -> desc

-- The name of the module whose chunk has this source ("@path"), or nil
-- (the main script, runtime code).
function aio.source_module_name(source)
  local d = desc_by_source[source]
  return d and d.name
end

local function file_desc(name, path, is_pkg, parent)
  local real = path
  if not aio.bundle[path] then real = native.os_realpath(path) or path end
  local d = desc_by_real[real]
  if d then return d end
  d = { name = name, path = path, source = "@" .. path, parent = parent }
  if is_pkg then d.pkgdir = dirname(path) end
  desc_by_real[real] = d
  desc_by_source[d.source] = d
  return d
end

local function builtin_desc(name)
  local d = builtin_descs[name]
  if d == nil then
    d = { name = name, builtin = true }
    builtin_descs[name] = d
  end
  return d
end

-- A built-in module written in aio (stdlib/NAME.aio, compiled on first
-- import): loaded like a user module, built in like the others (never
-- bundled by `aio compile`).
local function stdlib_desc(name)
  local d = builtin_descs[name]
  if d == nil then
    local path = "<stdlib>/" .. name .. ".aio"
    d = { name = name, builtin = true, aio_source = true, path = path, source = "@" .. path }
    builtin_descs[name] = d
    desc_by_source[d.source] = d
  end
  return d
end

-- A package (dir/part/__init__.aio) or a module (dir/part.aio) in dir.
local function find_in_dir(dir, part, fullname, parent)
  local init = join(join(dir, part), "__init__.aio")
  if kind(init) == "file" then return file_desc(fullname, init, true, parent) end
  local f = join(dir, part .. ".aio")
  if kind(f) == "file" then return file_desc(fullname, f, false, parent) end
  return nil
end

-- A bundled module found by name (a compiled file run where its modules'
-- original directories are not).
local function find_bundled(fullname, parent)
  for path, b in pairs(aio.bundle) do
    if b.name == fullname then
      return file_desc(fullname, path, ssub(path, -13) == "/__init__.aio" or path == "__init__.aio", parent)
    end
  end
  return nil
end

local function find_top(part, importer_dir)
  local key = importer_dir .. "\0" .. part
  local d = top_cache[key]
  if d then return d end
  d = find_in_dir(importer_dir, part, part, nil)
  if d == nil then
    local sp = aio.sys_path()
    local i = 0
    while rawget(sp, i) ~= nil do
      local entry = rawget(sp, i)
      i = i + 1
      if type(entry) == "string" then
        d = find_in_dir(entry, part, part, nil)
        if d then break end
      end
    end
  end
  if d == nil then d = find_bundled(part, nil) end
  if d == nil and builtin_modules[part] then d = builtin_desc(part) end
  if d == nil and aio.host_stdlib(part) then d = stdlib_desc(part) end
  if d then top_cache[key] = d end
  return d
end

local function find_sub(pd, part)
  local full = pd.name .. "." .. part
  local d
  if pd.pkgdir then d = find_in_dir(pd.pkgdir, part, full, pd) end
  if d == nil and not pd.builtin then d = find_bundled(full, pd) end
  if d == nil and builtin_modules[full] then d = builtin_desc(full) end
  return d
end

local function not_found(name, parent)
  local msg = "No module named '" .. name .. "'"
  if parent and not parent.pkgdir and not parent.builtin then
    msg = msg .. "; '" .. parent.name .. "' is not a package"
  end
  throw(aio.ModuleNotFoundError, msg)
end

---------------------------------------------------------------------------
-- module objects. A user module's table is also its code's _ENV: raw fields
-- are its globals. Each module gets its own class (a subclass of `module`)
-- whose __index is a copy of the builtins (one raw hop, as fast as the main
-- module) ending in a handler that tells a global miss in the module's own
-- code (NameError) from an attribute miss elsewhere (AttributeError).
---------------------------------------------------------------------------
local function module_class(index)
  local mc = {}
  for k, v in pairs(Module) do mc[k] = v end
  mc.aio_mro = { mc, Module, aio.object }
  mc.aio_bases = { Module }
  mc.aio_user = true      -- attributes are raw fields (getattr/setattr)
  mc.aio_module = true
  mc.__index = index
  return setmetatable(mc, Type)
end

local function attr_miss(d, k)
  local name = tostring(d.name)
  if d.initializing then
    throw(aio.AttributeError, "partially initialized module '" .. name .. "' has no attribute '" ..
      tostring(k) .. "' (most likely due to a circular import)")
  end
  throw(aio.AttributeError, "module '" .. name .. "' has no attribute '" .. tostring(k) .. "'")
end

local function new_user_module(d)
  local fallback = {}
  for k, v in pairs(B) do fallback[k] = v end
  setmetatable(fallback, {
    __index = function(_, k)
      -- level 2 is the code that did the lookup: the module's own chunk
      -- reading a global, or another chunk reading an attribute.
      local info = getinfo(2, "S")
      if info and info.source == d.source then
        throw(aio.NameError, "name '" .. tostring(k) .. "' is not defined")
      end
      attr_miss(d, k)
    end,
  })
  local mc = module_class(fallback)
  mc.aio_repr = function() return "<module '" .. d.name .. "' from '" .. d.path .. "'>" end
  local m = setmetatable({ __name__ = d.name, __file__ = d.path }, mc)
  if d.pkgdir then rawset(m, "__path__", aio.list({ [0] = d.pkgdir })) end
  rawset(m, "__package__", d.pkgdir and d.name or (d.parent and d.parent.name or ""))
  return m
end

-- Wraps whatever a builtin_modules function returned as a module object.
local function builtin_module_object(d, t)
  if type(t) ~= "table" then throw(aio.ImportError, "built-in module '" .. d.name .. "' failed to load") end
  local mt = getmetatable(t)
  if mt == nil or mt == Module then
    if rawget(t, "__name__") == nil then rawset(t, "__name__", d.name) end
    local mc = module_class(function(_, k) attr_miss(d, k) end)
    mc.aio_repr = function() return "<module '" .. d.name .. "' (built-in)>" end
    setmetatable(t, mc)
  end
  return t
end

local function load_desc(d)
  local m = d.module
  if m then return m end
  if d.builtin and not d.aio_source then
    m = builtin_module_object(d, builtin_modules[d.name]())
    d.module = m
    meta[m] = d
    modules[d.name] = m
    if aio.sys_modules then aio.dict_set(aio.sys_modules, d.name, m) end
    return m
  end
  local fn
  local b = aio.bundle[d.path]
  if b then
    fn = b.fn
  elseif d.aio_source then
    fn = aio.host_stdlib(d.name, true)
    if not fn then throw(aio.ImportError, "built-in module '" .. d.name .. "' failed to load") end
  else
    local err, msg
    fn, err, msg = aio.host_load(d.path)
    if not fn then
      if err == "syntax" then throw(aio.SyntaxError, msg) end
      throw(aio.ImportError, msg)
    end
  end
  m = new_user_module(d)
  setupvalue(fn, 1, m)
  d.module, d.initializing = m, true
  meta[m] = d
  modules[d.name] = m
  if aio.sys_modules then aio.dict_set(aio.sys_modules, d.name, m) end
  local ok, e = aio.xpcall(fn, aio.traceback_handler, aio)
  d.initializing = nil
  if not ok then
    -- like Python, a module whose code failed is forgotten
    d.module = nil
    meta[m] = nil
    if modules[d.name] == m then
      modules[d.name] = nil
      if aio.sys_modules then pcall(aio.dict_remove, aio.sys_modules, d.name) end
    end
    aio.rethrow(e)
  end
  return m
end
aio.load_module_desc = load_desc

-- The module named `name` among the built-in ones (for modules that
-- import each other, e.g. os and os.path).
function aio.load_builtin(name)
  return load_desc(builtin_desc(name))
end

---------------------------------------------------------------------------
-- import statements
---------------------------------------------------------------------------
-- The importing chunk's descriptor (nil for the main script) and directory.
local function importer(level)
  local info = getinfo(level + 1, "S")
  local src = info and info.source or "@"
  local d = desc_by_source[src]
  if d then return d, dirname(d.path) end
  if ssub(src, 1, 1) == "@" then return nil, dirname(ssub(src, 2)) end
  return nil, ""
end

-- The package a relative import with `level` dots starts from.
local function relative_base(d, level)
  local pkg = d and (d.pkgdir and d or d.parent)
  if pkg == nil then
    throw(aio.ImportError, "attempted relative import with no known parent package")
  end
  for _ = 2, level do
    pkg = pkg.parent
    if pkg == nil then throw(aio.ImportError, "attempted relative import beyond top-level package") end
  end
  return pkg
end

-- Loads the submodule `part` of the loaded package module pm (desc pd) and
-- binds it as an attribute, as Python does.
local function import_sub(pm, pd, part)
  local sd = find_sub(pd, part)
  if sd == nil then
    local v = rawget(pm, part)
    if type(v) == "table" and meta[v] then return v, meta[v] end
    not_found(pd.name .. "." .. part, pd)
  end
  local sm = load_desc(sd)
  rawset(pm, part, sm)
  return sm, sd
end

-- import a.b.c (top: return a), or from [.]a.b import ... (level dots).
function aio.import(name, top, level)
  local d, dir = importer(2)
  local m, md, first
  local rest = name
  if level and level > 0 then
    md = relative_base(d, level)
    m = load_desc(md)
  else
    local part = smatch(name, "^[^%.]+")
    md = find_top(part, dir)
    if md == nil then not_found(part) end
    m = load_desc(md)
    rest = ssub(name, #part + 2)
  end
  first = m
  for part in sgmatch(rest, "[^%.]+") do
    m, md = import_sub(m, md, part)
  end
  if top then return first end
  return m
end

-- from m import x: an attribute, else a submodule of package m.
function aio.importfrom(m, x)
  local v = rawget(m, x)
  if v ~= nil then return v end
  local d = meta[m]
  if d and (d.pkgdir or d.builtin) then
    local sd = find_sub(d, x)
    if sd then
      local sm = load_desc(sd)
      rawset(m, x, sm)
      return sm
    end
  end
  local name = d and d.name or tostring(rawget(m, "__name__"))
  local where = d and d.path or "unknown location"
  if d and d.initializing then
    throw(aio.ImportError, "cannot import name '" .. x .. "' from partially initialized module '" .. name ..
      "' (most likely due to a circular import) (" .. where .. ")")
  end
  throw(aio.ImportError, "cannot import name '" .. x .. "' from '" .. name .. "' (" .. where .. ")")
end

-- from m import *: __all__ if defined, else every public name.
function aio.importstar(m, env)
  local all = rawget(m, "__all__")
  if all ~= nil then
    for name in aio.iter(all) do rawset(env, name, aio.importfrom(m, name)) end
    return
  end
  for k, v in pairs(m) do
    if type(k) == "string" and ssub(k, 1, 1) ~= "_" and ssub(k, 1, 4) ~= "aio_" then rawset(env, k, v) end
  end
end

---------------------------------------------------------------------------
-- aio compile: which module files does a program import? Scans the Lua text
-- the compiler emitted (aio_import("name", top, level) calls and
-- aio_importfrom(tmp, "x") that may name submodules), resolves them as the
-- import statements would from that file, and recurses into each module.
---------------------------------------------------------------------------
function aio.bundle_collect(main_path, lua_text)
  local out, seen = {}, {}
  local function add(d)
    if d.builtin or seen[d] then return false end
    seen[d] = true
    out[#out + 1] = { name = d.name, path = d.path }
    return true
  end
  local scan
  local function visit(d)
    if add(d) then
      local text = aio.host_compile(d.path)
      if text then scan(text, d, dirname(d.path)) end
    end
  end
  local function resolve(name, level, d, dir)
    local md, rest = nil, name
    if level > 0 then
      md = d and (d.pkgdir and d or d.parent)
      for _ = 2, level do md = md and md.parent end
      if md == nil then return nil end
    else
      local part = smatch(name, "^[^%.]+")
      if part == nil then return nil end
      md = find_top(part, dir)
      rest = ssub(name, #part + 2)
    end
    if md == nil then return nil end
    visit(md)
    for part in sgmatch(rest, "[^%.]+") do
      md = find_sub(md, part)
      if md == nil then return nil end
      visit(md)
    end
    return md
  end
  scan = function(text, d, dir)
    local temps = {}
    for call in sgmatch(text, "aio_import(%b())") do
      local name, flag, level = smatch(call, '^%("([^"]*)",?%s*(%a*),?%s*(%d*)%)$')
      if name then
        local md = resolve(name, tonumber(level) or 0, d, dir)
        temps[call] = md
      end
    end
    for tmp, call in sgmatch(text, "local (aio_t%d+) = aio_import(%b())") do
      temps[tmp] = temps[call]
    end
    for tmp, x in sgmatch(text, 'aio_importfrom%((aio_t%d+), "([^"]*)"%)') do
      local md = temps[tmp]
      if md and md.pkgdir then
        local sd = find_sub(md, x)
        if sd then visit(sd) end
      end
    end
  end
  scan(lua_text, nil, dirname(main_path))
  return out
end
