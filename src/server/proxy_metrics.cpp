#include "tokentap/server/proxy_metrics.hpp"

#include <array>
#include <atomic>
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

// The series one thread recorded to last, by what selects them. A proxy records a handful of
// combinations (route, status, outcome, method) over and over: a hit skips five lookups of
// attribute sets, which cost more than the records themselves. Tagged with the proxy_metrics'
// serial number (an address may be reused by a later instance, in tests).
struct recent_exchange_series {
    std::uint64_t owner = 0;
    std::string route, method;
    unsigned status = 0;
    proxy::exchange_outcome outcome{};
    telemetry::series_point* requests = nullptr;
    telemetry::series_point* duration = nullptr;
    // Looked up on the first record that has one, so that a series shows only once it counts.
    telemetry::series_point* overhead = nullptr;
    telemetry::series_point* bytes_up = nullptr;
    telemetry::series_point* bytes_down = nullptr;
};
std::atomic<std::uint64_t> next_serial{1};
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
                                       overhead_bounds())),
      serial_(next_serial++) {
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
    thread_local std::array<recent_exchange_series, 4> recent;
    thread_local std::size_t next_slot = 0;

    const std::string_view route = r.route_prefix.empty() ? std::string_view("none") : std::string_view(r.route_prefix);
    recent_exchange_series* hit = nullptr;
    for (auto& e : recent) {
        if (e.owner == serial_ && e.status == r.status && e.outcome == r.outcome && e.route == route && e.method == r.method) {
            hit = &e;
            break;
        }
    }
    if (!hit) {
        char status_text[16];
        const auto status_end = std::to_chars(std::begin(status_text), std::end(status_text), r.status).ptr;
        const std::string status(status_text, status_end);
        hit = &recent[next_slot];
        next_slot = (next_slot + 1) % recent.size();
        *hit = {serial_, std::string(route), r.method, r.status, r.outcome};
        hit->requests = &requests_.series({{"http.route", std::string(route)},
                                           {"http.response.status_code", status},
                                           {"tokentap.outcome", proxy::to_string(r.outcome)}});
        hit->duration = &duration_.series(
            {{"http.request.method", r.method}, {"http.response.status_code", status}, {"http.route", std::string(route)}});
    }
    requests_.add(1, *hit->requests);
    duration_.record(std::chrono::duration<double>(r.end - r.start).count(), *hit->duration);
    if (r.upstream_sent != proxy::steady_time{} && r.upstream_done >= r.upstream_sent && r.end >= r.upstream_done) {
        if (!hit->overhead) hit->overhead = &overhead_.series({{"http.route", std::string(route)}});
        const auto own = (r.upstream_sent - r.start) + (r.end - r.upstream_done);
        overhead_.record(std::chrono::duration<double>(own).count(), *hit->overhead);
    }
    if (r.bytes_up) {
        if (!hit->bytes_up) hit->bytes_up = &bytes_.series({{"direction", "up"}});
        bytes_.add(static_cast<double>(r.bytes_up), *hit->bytes_up);
    }
    if (r.bytes_down) {
        if (!hit->bytes_down) hit->bytes_down = &bytes_.series({{"direction", "down"}});
        bytes_.add(static_cast<double>(r.bytes_down), *hit->bytes_down);
    }
}

}  // namespace tokentap::server
