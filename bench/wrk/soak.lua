-- The soak test (bench/run.sh --soak): scenario 5's mix (90 % redirects, 8 % stats, 2 % creates), paced, with every
-- response's status counted. wrk has no rate option: delay() spaces each connection's requests by GW_SOAK_INTERVAL_MS
-- (fractions carried over), so the load stays moderate instead of saturating the 2 cores.
dofile(os.getenv("GW_WRK_DIR") .. "/mixed.lua")

local threads = {}
local mixed_setup = setup
function setup(thread)
  mixed_setup(thread)
  table.insert(threads, thread)
end

local mixed_init = init
function init(args)
  mixed_init(args)
  s2xx, s3xx, s4xx, s5xx, sother = 0, 0, 0, 0, 0
end

local interval = tonumber(os.getenv("GW_SOAK_INTERVAL_MS") or "0") or 0
local carry = 0
function delay()
  carry = carry + interval
  local d = math.floor(carry)
  carry = carry - d
  return d
end

function response(status, headers, body)
  if status >= 200 and status < 300 then s2xx = s2xx + 1
  elseif status >= 300 and status < 400 then s3xx = s3xx + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  elseif status >= 500 and status < 600 then s5xx = s5xx + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests)
  gw_report(summary, latency, requests)
  local c = { 0, 0, 0, 0, 0 }
  for _, t in ipairs(threads) do
    c[1] = c[1] + (t:get("s2xx") or 0)
    c[2] = c[2] + (t:get("s3xx") or 0)
    c[3] = c[3] + (t:get("s4xx") or 0)
    c[4] = c[4] + (t:get("s5xx") or 0)
    c[5] = c[5] + (t:get("sother") or 0)
  end
  io.write(string.format('GW-STATUS {"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d,"other":%d}\n', c[1], c[2], c[3], c[4], c[5]))
end
