-- wrk: Priya's autosave, PUT /api/v1/conversations/{id}/answers/{question}.
-- Run with as many threads as connections (-tN -cN): a wrk thread's state is
-- then one connection's, so each connection owns one answer (one line of
-- LOAD_SLOTS: "conversation question") and saves it one request after
-- another, sending back the version the previous save returned, as the page's
-- autosave does. Every save is then a real write that succeeds; a 409 would
-- mean a lost update and is counted as non-2xx (its body carries the stored
-- version, which the next save takes up).
local slots = {}
local next_slot = 1

function setup(thread)
  if #slots == 0 then
    for line in io.lines(os.getenv("LOAD_SLOTS")) do
      local c, q = line:match("(%d+)%s+(%d+)")
      if c then slots[#slots + 1] = { c, q } end
    end
  end
  local s = slots[(next_slot - 1) % #slots + 1]
  next_slot = next_slot + 1
  thread:set("conversation", s[1])
  thread:set("question", s[2])
end

local path, headers
local version, n = 0, 0
local filler = "I led the accessibility review, paired with research on the onboarding study, " ..
  "and want to grow towards design leadership with a mentor from another team."

function init(args)
  path = "/api/v1/conversations/" .. conversation .. "/answers/" .. question
  headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = os.getenv("LOAD_COOKIE"),
    ["x-csrf-token"] = os.getenv("LOAD_CSRF"),
    ["Origin"] = os.getenv("LOAD_ORIGIN"),
  }
end

function request()
  n = n + 1
  local body = string.format('{"text":"Draft %d. %s","version":%d}', n, filler, version)
  return wrk.format("PUT", path, headers, body)
end

function response(status, hdrs, body)
  local v = body:match('"version"%s*:%s*(%d+)')
  if v then version = tonumber(v) end
end

function done(summary, latency, requests)
  io.write(string.format("LOAD_RESULT\t%d\t%d\t%d\t%d\t%d\t%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
