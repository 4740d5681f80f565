-- Shared by the wrk scripts of `make bench`: thread numbering, unique UUIDs, and one JSON
-- line of results (prefixed "BENCH ") that bench/post.py reads.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

counter = 0

-- A UUID (version 4 layout) unique per run prefix, wrk thread and request number: no
-- two requests of a run, nor of two runs, share an id.
function next_uuid(prefix)
  counter = counter + 1
  return string.format("%s-%04x-4%03x-8%03x-%012x", prefix, tid, math.random(0, 4095),
    math.random(0, 4095), counter)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
