-- W7: 90% reads (article by slug, rotating) and 10% writes (a new published article
-- with a tag) with the key in BENCH_KEY.
local slugs = {}
for line in io.lines("bench/data/slugs.txt") do slugs[#slugs + 1] = line end
local key = os.getenv("BENCH_KEY")
local n = 0
math.randomseed(os.time())
request = function()
  n = n + 1
  if n % 10 == 0 then
    local body = string.format(
      '{"title":"Mixed %d-%d","body_markdown":"Bench text %d about the diaspora.","status":"published","tags":["#Bench"]}',
      math.random(1000000000), n, n)
    return wrk.format("POST", "/v1/articles",
      { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
  end
  return wrk.format("GET", "/v1/articles/" .. slugs[(n % #slugs) + 1])
end
