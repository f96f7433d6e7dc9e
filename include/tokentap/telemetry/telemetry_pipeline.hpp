#pragma once
// The telemetry thread. Sessions hand it captured exchanges (submit: a short lock, never a wait);
// every few milliseconds while calls come in (idle, it sleeps until the next one) it reads them
// into GenAI calls and spans, prints the call line, records metrics, and a batch span processor
// exports the spans over OTLP/HTTP (several batches at once) and/or appends them to the trace
// file. Bounded everywhere: a full queue drops the newest work and counts it
// (tokentap.telemetry.dropped_spans). Metrics go out over OTLP on their own interval.
// shutdown() reads what is queued, exports it and the metrics once more, and stops.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tokentap/net.hpp"
#include "tokentap/telemetry/body_budget.hpp"
#include "tokentap/telemetry/exchange_capture.hpp"
#include "tokentap/pricing/price_table.hpp"
#include "tokentap/telemetry/genai_call.hpp"
#include "tokentap/telemetry/metrics/metrics_registry.hpp"
#include "tokentap/telemetry/telemetry_options.hpp"

namespace tokentap::telemetry {

struct pipeline_stats {
    std::atomic<std::uint64_t> calls{0};          // calls read into spans
    std::atomic<std::uint64_t> dropped_spans{0};  // lost to a full queue or a failed export
    std::atomic<std::uint64_t> parse_errors{0};   // calls whose telemetry is incomplete
    std::atomic<std::uint64_t> exported_spans{0};
    std::atomic<std::uint64_t> export_failures{0};
    std::atomic<std::uint64_t> kept_body_bytes{0};  // bodies kept for reading now (body_budget.hpp)
};

class telemetry_pipeline {
public:
    telemetry_pipeline(telemetry_options options, net::ssl::context& tls);
    ~telemetry_pipeline();
    telemetry_pipeline(const telemetry_pipeline&) = delete;
    telemetry_pipeline& operator=(const telemetry_pipeline&) = delete;

    void start();
    // Any thread; never blocks on I/O.
    void submit(std::unique_ptr<exchange_capture> capture);
    // Reads everything submitted so far, exports it (within `budget`), stops the thread.
    void shutdown(std::chrono::milliseconds budget);

    const telemetry_options& options() const { return options_; }
    const pipeline_stats& stats() const { return stats_; }
    // What the taps keep of bodies, all calls together (options().max_kept_bytes).
    body_budget& kept_bodies() { return kept_bodies_; }

    // Called on the telemetry thread for each call read (metrics hook; set before start()).
    void set_call_listener(std::function<void(const genai_call&, const span&)> f) { listener_ = std::move(f); }
    // The registry whose metrics go out over OTLP every OTEL_METRIC_EXPORT_INTERVAL, when an OTLP
    // metrics endpoint is configured (set before start(); it must outlive the pipeline).
    void export_metrics_of(const metrics_registry& registry) { registry_ = &registry; }
    // The prices calls are costed with; may be replaced at any time from any thread (SIGHUP).
    void price_with(std::shared_ptr<const pricing::price_table> table);

private:
    struct impl;
    telemetry_options options_;
    pipeline_stats stats_;
    body_budget kept_bodies_{stats_.kept_body_bytes, options_.max_kept_bytes};
    std::function<void(const genai_call&, const span&)> listener_;
    const metrics_registry* registry_ = nullptr;
    std::mutex prices_mutex_;
    std::shared_ptr<const pricing::price_table> prices_;  // guarded by prices_mutex_
    std::unique_ptr<impl> impl_;
};

}  // namespace tokentap::telemetry
