-- Scenario 5: the traffic mix of a link shortener: 90 % redirects, 8 % stats reads, 2 % creates.
dofile(os.getenv("GW_WRK_DIR") .. "/report.lua")

local slugs = gw_slugs()
local headers = { ["Content-Type"] = "application/json" }
local counter = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or os.time())
end

function request()
  local roll = math.random(1, 100)
  local slug = slugs[math.random(1, #slugs)]
  if roll <= 90 then
    return wrk.format("GET", "/" .. slug)
  elseif roll <= 98 then
    return wrk.format("GET", "/api/links/" .. slug)
  end
  counter = counter + 1
  return wrk.format("POST", "/api/links", headers, string.format('{"url":"https://example.com/mixed/%d/%d"}', seed or 0, counter))
end

done = gw_report
