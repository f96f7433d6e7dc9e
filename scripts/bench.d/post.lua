-- wrk script for scripts/bench: POST the chat request in $BENCH_REQUEST to the given URL.
local f = assert(io.open(os.getenv("BENCH_REQUEST"), "rb"))
wrk.method = "POST"
wrk.body = (f:read("*a"):gsub("%s+$", ""))
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench-not-a-real-key"
