#pragma once
// The GenAI client metrics of SEMCONV.md section 3 for each call read: token usage (one record per
// token type), operation duration, time to first chunk and time per output chunk for streams,
// with the common attributes and the explicit bucket boundaries of the conventions; the cost
// histogram and spend counters (part 1, item 8); the telemetry pipeline's own health counters.
// Thread-safe (the registry is).

#include <cstdint>
#include <string_view>

#include "tokentap/telemetry/ratelimit_gauges.hpp"
#include "tokentap/telemetry/genai_call.hpp"
#include "tokentap/telemetry/metrics/metrics_registry.hpp"

namespace tokentap::telemetry {

struct pipeline_stats;

class genai_metrics {
public:
    genai_metrics(metrics_registry& registry, const pipeline_stats& stats);

    // `from`: the call's span, when it has one; its histogram records then keep it as an exemplar
    // (OTLP), so that a latency or cost outlier leads to its trace.
    void record(const genai_call& call, const span* from = nullptr);

private:
    // The series one combination of a call's attributes records into (genai_metrics.cpp).
    struct kept_series;
    kept_series& kept_series_of(const genai_call& call, std::string_view error);
    void record_spend(const genai_call& call, kept_series& kept);

    instrument& token_usage_;
    instrument& duration_;
    instrument& time_to_first_chunk_;
    instrument& time_per_output_chunk_;
    instrument& cost_;
    instrument& spend_;
    instrument& unpriced_tokens_;
    ratelimit_gauges limits_;
    std::uint64_t serial_;
};

}  // namespace tokentap::telemetry
