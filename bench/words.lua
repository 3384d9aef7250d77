-- words: generate ~5 MB of text from a small vocabulary, split it and count
-- the words with a table; print the 5 most common.
local function main()
  local vocab = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
                 "and", "runs", "away", "from", "a", "big", "red", "cat", "in",
                 "hat", "sat", "on", "mat", "with", "sun", "moon"}
  local nvocab = #vocab
  local seed = 42
  local pieces, npieces, size = {}, 0, 0
  while size < 5000000 do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local w = vocab[seed // 65536 % nvocab + 1]
    npieces = npieces + 1
    pieces[npieces] = w
    size = size + #w + 1
  end
  local text = table.concat(pieces, " ")
  local counts = {}
  for w in text:gmatch("%S+") do
    counts[w] = (counts[w] or 0) + 1
  end
  local top = {}
  for w, c in pairs(counts) do top[#top + 1] = {w, c} end
  table.sort(top, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] < b[1]
  end)
  for i = 1, 5 do print(top[i][1] .. " " .. top[i][2]) end
end

main()
