#pragma once
// The proxy's own metrics: requests by route and outcome, the HTTP server duration histogram of
// the OpenTelemetry HTTP conventions, bytes relayed, tokentap's own added time
// (tokentap.proxy.overhead), and the upstream pools.
// Thread-safe (the registry's instruments are).

#include <cstdint>

#include "tokentap/proxy/exchange.hpp"
#include "tokentap/telemetry/metrics/metrics_registry.hpp"
#include "tokentap/upstream/connection_pool.hpp"

namespace tokentap::server {

class proxy_metrics {
public:
    proxy_metrics(telemetry::metrics_registry& registry, upstream::pool_stats& pool);

    // One forwarded exchange, or a local answer (admin endpoint, 404, 4xx) when route is empty.
    void record(const proxy::exchange_record& r);

private:
    telemetry::instrument& requests_;
    telemetry::instrument& duration_;
    telemetry::instrument& bytes_;
    telemetry::instrument& overhead_;
    std::uint64_t serial_;  // tells this instance's cached series from another's
};

}  // namespace tokentap::server
