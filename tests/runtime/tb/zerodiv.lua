return { name = "tests/x.aio", source = [[
def f(x):
    return 1 / x
def g():
    return f(0)
print("before")
g()
]], lua = [[
local aio = ...; local aio_def, aio_div, None = aio.def, aio.div, aio.None; f = aio_def(function(x)
  return (aio_div(1, x))
end, "f", {name="f", params={"x"}}) g = aio_def(function()
  return (f(0))
end, "g", {name="g", params={}}) print("before")
g()
]] }
