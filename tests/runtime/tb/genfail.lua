return { name = "g.aio", source = [[
def gen(xs):
    for x in xs:
        yield 10 // x
for v in gen([1, 0]):
    print(v)
]], lua = [[
local aio = ...; local aio_def, aio_generator, aio_yield, aio_floordiv, aio_iter, aio_list = aio.def, aio.generator, aio.yield, aio.floordiv, aio.iter, aio.list; gen = aio_def(function(xs) return aio_generator(function()
  for aio_v in aio_iter(xs) do local x = aio_v
    aio_yield(aio_floordiv(10, x))
end end, "gen") end, "gen", {name="gen", params={"xs"}}) for aio_v in aio_iter(gen(aio_list({[0]=1, 0}))) do local v = aio_v
  print(v)
end
]] }
