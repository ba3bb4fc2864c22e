-- W1: GET /v1/articles/{slug}, rotating over the slugs in bench/data/slugs.txt (or the
-- file BENCH_SLUGS names: W8 reads 60,000 distinct slugs, each about once, all misses).
local slugs = {}
for line in io.lines(os.getenv("BENCH_SLUGS") or "bench/data/slugs.txt") do slugs[#slugs + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/v1/articles/" .. slugs[(i % #slugs) + 1])
end
