#include "tokentap/server/proxy_metrics.hpp"

#include <charconv>
#include <iterator>

namespace tokentap::server {

namespace {
using metrics_callback = telemetry::metrics_registry::gauge_callback;

// http.server.request.duration buckets of the OpenTelemetry HTTP conventions.
std::vector<double> duration_bounds() {
    return {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 120, 300};
}

// tokentap.proxy.overhead: tens of microseconds to a second.
std::vector<double> overhead_bounds() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
}

// A callback that reads one of the pool's atomics at collection time.
template <class Atomic>
metrics_callback read_of(const Atomic& value) {
    return [&value] { return std::vector<std::pair<telemetry::attribute_set, double>>{{{}, static_cast<double>(value.load())}}; };
}
}  // namespace

proxy_metrics::proxy_metrics(telemetry::metrics_registry& registry, upstream::pool_stats& pool)
    : requests_(registry.add_counter("tokentap.proxy.requests", "{request}",
                                     "Requests handled, by route prefix, status code and outcome")),
      duration_(registry.add_histogram("http.server.request.duration", "s",
                                       "Duration of HTTP server requests, as the client saw them",
                                       duration_bounds())),
      bytes_(registry.add_counter("tokentap.proxy.body", "By", "Body bytes relayed, by direction")),
      overhead_(registry.add_histogram("tokentap.proxy.overhead", "s",
                                       "Time spent in tokentap on a forwarded request: receiving and sending the "
                                       "request, and passing on the response after its last byte arrived; "
                                       "waiting for the upstream excluded",
                                       overhead_bounds())) {
    using kind = telemetry::instrument_kind;
    registry.add_observable("tokentap.upstream.connections.opened", "{connection}",
                            "Upstream connections opened", kind::counter, read_of(pool.connections_opened));
    registry.add_observable("tokentap.upstream.connections.reused", "{connection}",
                            "Requests sent on a pooled keep-alive connection", kind::counter,
                            read_of(pool.connections_reused));
    registry.add_observable("tokentap.upstream.connect_failures", "{connection}",
                            "Upstream connections that could not be opened", kind::counter,
                            read_of(pool.connect_failures));
    registry.add_observable("tokentap.upstream.stale_retries", "{request}",
                            "Requests sent again because a pooled connection had been closed", kind::counter,
                            read_of(pool.stale_retries));
    registry.add_observable("tokentap.upstream.connections.idle", "{connection}",
                            "Idle keep-alive connections in the pools", kind::gauge,
                            read_of(pool.idle_connections));
}

void proxy_metrics::record(const proxy::exchange_record& r) {
    // The attribute sets are kept per thread and only their values change: a record allocates
    // nothing (the values fit a string's inline storage, and a longer route keeps its room).
    using telemetry::attribute_set;
    thread_local attribute_set by_outcome{{"http.route", ""}, {"http.response.status_code", ""}, {"tokentap.outcome", ""}};
    thread_local attribute_set by_method{{"http.request.method", ""}, {"http.response.status_code", ""}, {"http.route", ""}};
    thread_local attribute_set by_route{{"http.route", ""}};
    thread_local const attribute_set up{{"direction", "up"}};
    thread_local const attribute_set down{{"direction", "down"}};

    const std::string_view route = r.route_prefix.empty() ? std::string_view("none") : std::string_view(r.route_prefix);
    char status_text[16];
    const auto status_end = std::to_chars(std::begin(status_text), std::end(status_text), r.status).ptr;
    const std::string_view status(status_text, static_cast<std::size_t>(status_end - status_text));

    by_outcome[0].second.assign(route);
    by_outcome[1].second.assign(status);
    by_outcome[2].second.assign(proxy::to_string(r.outcome));
    requests_.add(1, by_outcome);
    by_method[0].second.assign(r.method);
    by_method[1].second.assign(status);
    by_method[2].second.assign(route);
    duration_.record(std::chrono::duration<double>(r.end - r.start).count(), by_method);
    if (r.upstream_sent != proxy::steady_time{} && r.upstream_done >= r.upstream_sent && r.end >= r.upstream_done) {
        const auto own = (r.upstream_sent - r.start) + (r.end - r.upstream_done);
        by_route[0].second.assign(route);
        overhead_.record(std::chrono::duration<double>(own).count(), by_route);
    }
    if (r.bytes_up) bytes_.add(static_cast<double>(r.bytes_up), up);
    if (r.bytes_down) bytes_.add(static_cast<double>(r.bytes_down), down);
}

}  // namespace tokentap::server
