-- Scenarios 1-3: GET /{slug} over the hot set, a random slug per request. The same script drives the baseline
-- (bare Kestrel, nginx) and the subject, so both pay the same client-side cost.
dofile(os.getenv("GW_WRK_DIR") .. "/report.lua")

local prepared = {}

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

-- Requests are prepared per thread in init: only then does wrk.format know the Host header.
function init(args)
  math.randomseed(seed or os.time())
  for i, slug in ipairs(gw_slugs()) do
    prepared[i] = wrk.format("GET", "/" .. slug)
  end
end

function request()
  return prepared[math.random(1, #prepared)]
end

done = gw_report
