-- Shared by every scenario script: prints wrk's own summary as one JSON line (prefixed, so the runner can find it
-- among wrk's text output). Latencies are in microseconds, as wrk records them.
function gw_report(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'GW-RESULT {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end

-- The hot set: one slug per line in the file named by GW_SLUGS.
function gw_slugs()
  local path = os.getenv("GW_SLUGS")
  local slugs = {}
  if path then
    for line in io.lines(path) do
      if #line > 0 then slugs[#slugs + 1] = line end
    end
  end
  if #slugs == 0 then slugs[1] = "bench" end
  return slugs
end
