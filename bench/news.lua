-- R1–R3: replays the request list BENCH_REQUESTS (lines `METHOD PATH [BODY]`, made by
-- bench/requests.py) in order, round and round; PATCHes go with the key in BENCH_KEY.
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do lines[#lines + 1] = line end
local key = os.getenv("BENCH_KEY")
local i = 0
request = function()
  i = i + 1
  local line = lines[(i % #lines) + 1]
  local method, rest = line:match("^(%u+) (.*)$")
  if method == "GET" then
    return wrk.format("GET", rest)
  end
  if method == "POST" then
    return wrk.format("POST", rest)
  end
  local path, body = rest:match("^(%S+) (.*)$")
  return wrk.format(method, path, {
    ["Content-Type"] = "application/merge-patch+json",
    ["Authorization"] = "Bearer " .. key,
  }, body)
end
