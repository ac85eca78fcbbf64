-- Scenario 4: POST /api/links, a fresh target URL per request (the app picks the slug).
dofile(os.getenv("GW_WRK_DIR") .. "/report.lua")

local headers = { ["Content-Type"] = "application/json" }
local counter = 0

function setup(thread)
  thread:set("tid", math.random(1, 1000000))
end

function request()
  counter = counter + 1
  local body = string.format('{"url":"https://example.com/bench/%d/%d"}', tid or 0, counter)
  return wrk.format("POST", "/api/links", headers, body)
end

done = gw_report
