-- Writes: POST /v1/articles only (FTS, tags, revisions, change feed included), with the
-- key in BENCH_KEY.
local key = os.getenv("BENCH_KEY")
local n = 0
math.randomseed(os.time() + 7)
request = function()
  n = n + 1
  local body = string.format(
    '{"title":"Create %d-%d","body_markdown":"Bench text %d about Kyiv and the diaspora.","status":"published","tags":["#Bench","#StandWithUkraine"]}',
    math.random(1000000000), n, n)
  return wrk.format("POST", "/v1/articles",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end
