-- 01_modreg.lua - the registry of built-in modules, created before any file
-- that registers one (see docs/internals.md, "Modules"):
--   aio.builtin_modules[name] = function() return <module table> end
-- The import machinery (60_import) calls the function once, on the first
-- import, and caches the module in aio.modules[name] (Python's sys.modules).
local aio = ...
aio.builtin_modules = aio.builtin_modules or {}
aio.modules = aio.modules or {}
