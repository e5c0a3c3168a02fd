-- wrk: prints one machine-readable line for scripts/load after a run.
-- Latencies are in microseconds, as wrk keeps them.
function done(summary, latency, requests)
  io.write(string.format("LOAD_RESULT\t%d\t%d\t%d\t%d\t%d\t%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
