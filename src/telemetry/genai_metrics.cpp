#include "tokentap/telemetry/genai_metrics.hpp"

#include "tokentap/telemetry/telemetry_pipeline.hpp"

namespace tokentap::telemetry {

namespace {

// SEMCONV.md section 3: duration buckets D and token buckets T.
std::vector<double> duration_bounds() {
    return {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
}
std::vector<double> token_bounds() {
    return {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
}

attribute_set common_attributes(const genai_call& c) {
    attribute_set a;
    a.reserve(8);  // room for the token type or error type added later
    a.emplace_back("gen_ai.operation.name", c.request.operation);
    a.emplace_back("gen_ai.provider.name", c.provider);
    if (c.request.model) a.emplace_back("gen_ai.request.model", *c.request.model);
    if (c.response.model) a.emplace_back("gen_ai.response.model", *c.response.model);
    a.emplace_back("server.address", c.server_address);
    a.emplace_back("server.port", std::to_string(c.server_port));
    return a;
}

// USD per call: a hundredth of a cent to a hundred dollars.
std::vector<double> cost_bounds() { return {0.00001, 0.0001, 0.001, 0.01, 0.1, 1, 10, 100}; }

template <class Atomic>
metrics_registry::gauge_callback read_of(const Atomic& value) {
    return [&value] { return std::vector<std::pair<attribute_set, double>>{{{}, static_cast<double>(value.load())}}; };
}

}  // namespace

genai_metrics::genai_metrics(metrics_registry& registry, const pipeline_stats& stats)
    : token_usage_(registry.add_histogram("gen_ai.client.token.usage", "{token}",
                                          "Number of input and output tokens used", token_bounds())),
      duration_(registry.add_histogram("gen_ai.client.operation.duration", "s", "GenAI operation duration",
                                       duration_bounds())),
      time_to_first_chunk_(registry.add_histogram("gen_ai.client.operation.time_to_first_chunk", "s",
                                                  "Time from sending the request to the first response chunk",
                                                  duration_bounds())),
      time_per_output_chunk_(registry.add_histogram("gen_ai.client.operation.time_per_output_chunk", "s",
                                                    "Time between consecutive chunks of a streamed response",
                                                    duration_bounds())),
      cost_(registry.add_histogram("gen_ai.client.operation.cost", "USD", "Cost of a GenAI operation", cost_bounds())),
      spend_(registry.add_counter("tokentap.cost.usd", "USD",
                                  "Spend by provider, request model and token kind (input, cache_read, cache_write, output)")),
      unpriced_tokens_(registry.add_counter("tokentap.cost.unpriced_tokens", "{token}",
                                            "Tokens of calls whose model has no price in the table")),
      limits_(registry) {
    using kind = instrument_kind;
    registry.add_observable("tokentap.telemetry.dropped_spans", "{span}",
                            "Spans lost to a full queue or a failed export", kind::counter, read_of(stats.dropped_spans));
    registry.add_observable("tokentap.telemetry.parse_errors", "{call}",
                            "Calls whose request or response telemetry could not read completely", kind::counter,
                            read_of(stats.parse_errors));
    registry.add_observable("tokentap.telemetry.exported_spans", "{span}", "Spans exported over OTLP", kind::counter,
                            read_of(stats.exported_spans));
}

void genai_metrics::record_cost(const genai_call& c, const attribute_set& attrs, const span* from) {
    if (c.cost_usd) cost_.record(*c.cost_usd, attrs, from, c.end_unix_ns);
    // One set, its last attribute changed per token kind (a copy per record costs more than the record).
    attribute_set by_model;
    by_model.reserve(3);  // with the token kind added below: no reallocation
    by_model.emplace_back("gen_ai.provider.name", c.provider);
    by_model.emplace_back("gen_ai.request.model", c.request.model.value_or(""));
    if (c.unpriced) {
        const auto& u = c.response.usage;
        unpriced_tokens_.add(static_cast<double>(u.input.value_or(0) + u.output.value_or(0)), by_model);
    }
    by_model.emplace_back("tokentap.token.kind", std::string());
    auto& kind = by_model.back().second;
    if (c.cost_by_kind) {
        const std::pair<const char*, double> kinds[] = {{"input", c.cost_by_kind->input},
                                                        {"cache_read", c.cost_by_kind->cache_read},
                                                        {"cache_write", c.cost_by_kind->cache_write},
                                                        {"output", c.cost_by_kind->output}};
        for (const auto& [name, usd] : kinds) {
            if (usd <= 0) continue;
            kind = name;
            spend_.add(usd, by_model);
        }
    } else if (c.cost_usd) {  // a provider's figure without a local breakdown
        kind = "total";
        spend_.add(*c.cost_usd, by_model);
    }
}

void genai_metrics::record(const genai_call& c, const span* from) {
    limits_.record(c);
    if (c.request.operation.empty()) return;
    auto attrs = common_attributes(c);
    const auto& u = c.response.usage;
    // fetch_response counts too, although the conventions give it no token metrics: a background
    // Responses call reports its usage only there, and would otherwise never be counted.
    if (u.any()) {  // the token type added for these two records, then taken off again
        attrs.emplace_back("gen_ai.token.type", "input");
        if (u.input) token_usage_.record(static_cast<double>(*u.input), attrs, from, c.end_unix_ns);
        attrs.back().second = "output";
        if (u.output) token_usage_.record(static_cast<double>(*u.output), attrs, from, c.end_unix_ns);
        attrs.pop_back();
    }
    if (c.time_to_first_chunk) time_to_first_chunk_.record(*c.time_to_first_chunk, attrs, from, c.end_unix_ns);
    for (float gap : c.chunk_gaps) time_per_output_chunk_.record(gap, attrs, from, c.end_unix_ns);
    record_cost(c, attrs, from);
    const auto error = error_type_of(c);
    if (!error.empty()) attrs.emplace_back("error.type", error);
    duration_.record(static_cast<double>(c.end_unix_ns - c.start_unix_ns) / 1e9, attrs, from, c.end_unix_ns);
}

}  // namespace tokentap::telemetry
