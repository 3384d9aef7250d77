-- methods (issue 3): a small class; 10M method calls in a loop.
local Counter = {}
Counter.__index = Counter

function Counter.new(start)
  return setmetatable({total = start, calls = 0}, Counter)
end

function Counter:add(k)
  self.total = self.total + k
  self.calls = self.calls + 1
end

function Counter:scaled(f)
  return self.total * f
end

function Counter:result()
  return self.total + self.calls
end

local function main()
  local c = Counter.new(0)
  local acc = 0
  for i = 0, 4999999 do
    c:add(i % 7)
    acc = acc + c:scaled(3) % 1000
  end
  print(c:result() .. " " .. acc)
end

main()
