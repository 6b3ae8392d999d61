-- wrk script: wrk ... -s wrk.lua URL -- PATH HOST
-- PATH is the request target (an absolute URI when wrk talks to a proxy),
-- HOST the Host header. Prints one machine-readable line at the end.
function init(args)
	wrk.path = args[1]
	wrk.headers["Host"] = args[2]
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		"BENCHRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
		"connect=%d read=%d write=%d status=%d timeout=%d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99),
		e.connect, e.read, e.write, e.status, e.timeout))
end
