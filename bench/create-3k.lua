-- Writes: POST /v1/articles with a body like the data set's (~3 KB of Markdown with a
-- quotation and a bullet list, 3 tags), key in BENCH_KEY. Every body differs.
local key = os.getenv("BENCH_KEY")
local n = 0
math.randomseed(os.time() + 11)
local words = { "community", "diaspora", "Kyiv", "support", "volunteers", "culture",
  "language", "history", "families", "schools", "humanitarian", "partners", "festival",
  "reconstruction", "students", "heritage", "donations", "Lviv", "Kharkiv", "music" }
local function sentence(k)
  local t = {}
  for i = 1, k do t[i] = words[math.random(#words)] end
  return table.concat(t, " ") .. "."
end
local function paragraph()
  local t = {}
  for i = 1, 6 do t[i] = sentence(math.random(8, 14)) end
  return table.concat(t, " ")
end
request = function()
  n = n + 1
  local parts = { paragraph(), paragraph(), "> " .. sentence(16), paragraph(),
    "- " .. sentence(6) .. "\\n- " .. sentence(6) .. "\\n- " .. sentence(6), paragraph() }
  local body = string.format(
    '{"title":"Create %d-%d %s","body_markdown":"%s","status":"published","tags":["#Bench","#StandWithUkraine","#Diaspora"]}',
    math.random(1000000000), n, sentence(5), table.concat(parts, "\\n\\n"))
  return wrk.format("POST", "/v1/articles",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end
