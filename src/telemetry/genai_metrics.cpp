#include "tokentap/telemetry/genai_metrics.hpp"

#include <array>
#include <atomic>
#include <optional>

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

// The kinds of tokentap.cost.usd, in the order of genai_metrics::kept_series::spend.
constexpr std::array<std::string_view, 5> spend_kinds = {"input", "cache_read", "cache_write", "output", "total"};
constexpr std::size_t spend_total = 4;  // a provider's figure, not broken down

std::atomic<std::uint64_t> next_serial{1};

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
      limits_(registry),
      serial_(next_serial++) {
    using kind = instrument_kind;
    registry.add_observable("tokentap.telemetry.dropped_spans", "{span}",
                            "Spans lost to a full queue or a failed export", kind::counter, read_of(stats.dropped_spans));
    registry.add_observable("tokentap.telemetry.parse_errors", "{call}",
                            "Calls whose request or response telemetry could not read completely", kind::counter,
                            read_of(stats.parse_errors));
    registry.add_observable("tokentap.telemetry.exported_spans", "{span}", "Spans exported over OTLP", kind::counter,
                            read_of(stats.exported_spans));
    registry.add_observable("tokentap.telemetry.body_memory", "By",
                            "Bytes of request and response bodies kept for telemetry to read, calls in flight and queued",
                            kind::gauge, read_of(stats.kept_body_bytes));
}

// The series one combination of a call's common attributes and error type records into, kept by
// the thread that records (the telemetry thread): calls repeat a few combinations, and finding a
// series by its attribute set costs more than the record itself. Each series is looked up when
// first needed, so that it appears only once it has a value. Tagged with the instance's serial
// number (an address may be reused by a later instance, in tests).
struct genai_metrics::kept_series {
    std::uint64_t owner = 0;
    std::string operation, provider, server_address, error_type;
    std::optional<std::string> request_model, response_model;
    std::uint16_t server_port = 0;
    series_point* input_tokens = nullptr;
    series_point* output_tokens = nullptr;
    series_point* first_chunk = nullptr;
    series_point* per_chunk = nullptr;
    series_point* cost = nullptr;
    series_point* duration = nullptr;
    series_point* unpriced = nullptr;
    std::array<series_point*, spend_kinds.size()> spend{};  // by token kind, as spend_kinds
};

void genai_metrics::record(const genai_call& c, const span* from) {
    limits_.record(c);
    if (c.request.operation.empty()) return;
    const auto error = error_type_of(c);
    auto& kept = kept_series_of(c, error);
    std::optional<attribute_set> common;  // built only when a series of this combination is looked up
    const auto common_only = [&]() -> const attribute_set& {
        if (!common) common = common_attributes(c);
        return *common;
    };
    const auto common_plus = [&](attribute_key key, std::string_view value) {
        auto a = common_only();
        if (!value.empty()) a.emplace_back(std::move(key), std::string(value));
        return a;
    };
    const auto series = [](series_point*& slot, instrument& i, auto&& attributes) -> series_point& {
        if (!slot) slot = &i.series(attributes());
        return *slot;
    };
    const auto t = c.end_unix_ns;
    const auto& u = c.response.usage;
    // fetch_response counts too, although the conventions give it no token metrics: a background
    // Responses call reports its usage only there, and would otherwise never be counted.
    if (u.input)
        token_usage_.record(static_cast<double>(*u.input),
                            series(kept.input_tokens, token_usage_, [&] { return common_plus("gen_ai.token.type", "input"); }),
                            from, t);
    if (u.output)
        token_usage_.record(static_cast<double>(*u.output),
                            series(kept.output_tokens, token_usage_, [&] { return common_plus("gen_ai.token.type", "output"); }),
                            from, t);
    if (c.time_to_first_chunk)
        time_to_first_chunk_.record(*c.time_to_first_chunk, series(kept.first_chunk, time_to_first_chunk_, common_only), from, t);
    if (!c.chunk_gaps.empty()) {
        auto& gaps = series(kept.per_chunk, time_per_output_chunk_, common_only);
        for (float gap : c.chunk_gaps) time_per_output_chunk_.record(gap, gaps, from, t);
    }
    if (c.cost_usd) cost_.record(*c.cost_usd, series(kept.cost, cost_, common_only), from, t);
    record_spend(c, kept);
    duration_.record(static_cast<double>(c.end_unix_ns - c.start_unix_ns) / 1e9,
                     series(kept.duration, duration_, [&] { return common_plus("error.type", error); }), from, t);
}

void genai_metrics::record_spend(const genai_call& c, kept_series& kept) {
    const auto by_model = [&](std::string_view kind) {
        attribute_set a{{"gen_ai.provider.name", c.provider}, {"gen_ai.request.model", c.request.model.value_or("")}};
        if (!kind.empty()) a.emplace_back("tokentap.token.kind", std::string(kind));
        return a;
    };
    if (c.unpriced) {
        const auto& u = c.response.usage;
        if (!kept.unpriced) kept.unpriced = &unpriced_tokens_.series(by_model(""));
        unpriced_tokens_.add(static_cast<double>(u.input.value_or(0) + u.output.value_or(0)), *kept.unpriced);
    }
    const auto spend = [&](std::size_t kind, double usd) {
        auto& slot = kept.spend[kind];
        if (!slot) slot = &spend_.series(by_model(spend_kinds[kind]));
        spend_.add(usd, *slot);
    };
    if (c.cost_by_kind) {
        const double usd[] = {c.cost_by_kind->input, c.cost_by_kind->cache_read, c.cost_by_kind->cache_write,
                              c.cost_by_kind->output};
        for (std::size_t kind = 0; kind < std::size(usd); ++kind)
            if (usd[kind] > 0) spend(kind, usd[kind]);
    } else if (c.cost_usd) {  // a provider's figure without a local breakdown
        spend(spend_total, *c.cost_usd);
    }
}

genai_metrics::kept_series& genai_metrics::kept_series_of(const genai_call& c, std::string_view error) {
    thread_local std::array<kept_series, 8> kept;
    thread_local std::size_t next_slot = 0;
    for (auto& k : kept) {
        if (k.owner == serial_ && k.server_port == c.server_port && k.operation == c.request.operation &&
            k.request_model == c.request.model && k.response_model == c.response.model && k.provider == c.provider &&
            k.server_address == c.server_address && k.error_type == error)
            return k;
    }
    auto& k = kept[next_slot];
    next_slot = (next_slot + 1) % kept.size();
    k = {serial_, c.request.operation, c.provider, c.server_address, std::string(error), c.request.model, c.response.model,
         c.server_port};
    return k;
}

}  // namespace tokentap::telemetry
