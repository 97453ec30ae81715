-- The mixed load of bench/suite.py: 9 reads in 10 (cycling through BENCH_PATHS, separated
-- by spaces), 1 POST of a claim with a fresh Idempotency-Key. Non-2xx responses are
-- counted by wrk itself ("Non-2xx or 3xx responses").
local key, body = os.getenv("BENCH_KEY"), os.getenv("BENCH_BODY")
local paths = {}
for path in string.gmatch(os.getenv("BENCH_PATHS"), "%S+") do paths[#paths + 1] = path end
local prefix = string.format("%d-%d", os.time(), math.random(1, 1e9))
local counter = 0

request = function()
  counter = counter + 1
  if counter % 10 == 0 then
    return wrk.format("POST", "/v1/claims", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. key,
      ["Idempotency-Key"] = prefix .. "-" .. counter,
    }, body)
  end
  return wrk.format("GET", paths[counter % #paths + 1])
end
