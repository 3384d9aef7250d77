-- sort: sort 200k integers made by a linear congruential generator.
local function main()
  local n = 200000
  local seed = 12345
  local xs = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    xs[i] = seed
  end
  table.sort(xs)
  print(xs[1] .. " " .. xs[n])
end

main()
