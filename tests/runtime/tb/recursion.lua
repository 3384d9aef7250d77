return { name = "r.aio", source = [[
def f(n):
    return f(n + 1) + 1
f(0)
]], lua = [[
local aio = ...; local aio_def = aio.def; f = aio_def(function(n)
  return (f(n + 1) + 1)
end, "f", {name="f", params={"n"}}) f(0)
]] }
