-- POST /v1/claims with a fresh Idempotency-Key per request (bench/suite.py).
-- BENCH_KEY: a contributor API key; BENCH_BODY: the JSON body of the claim.
local key, body = os.getenv("BENCH_KEY"), os.getenv("BENCH_BODY")
local prefix = string.format("%d-%d", os.time(), math.random(1, 1e9))
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("POST", "/v1/claims", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key,
    ["Idempotency-Key"] = prefix .. "-" .. counter,
  }, body)
end
