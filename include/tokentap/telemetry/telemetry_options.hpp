#pragma once
// Where and how tokentap exports telemetry, resolved once at start from the OTEL_* environment
// variables (as the OpenTelemetry specification defines them) and the same keys under `otel:` in
// the config file. The environment wins over the file, so a deployment can override a baked-in
// file. Invalid values are reported as warnings and replaced by the default, as the specification
// asks of SDKs. Pure: the environment is passed in.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/config/config.hpp"
#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry {

using milliseconds = std::chrono::milliseconds;

struct otlp_target {
    config::upstream_url url;  // scheme, host, port
    std::string path;          // "/v1/traces"
    bool json = false;         // http/json; else http/protobuf
    bool gzip = false;
    std::vector<std::pair<std::string, std::string>> headers;
    milliseconds timeout{10000};
};

struct telemetry_options {
    bool sdk_disabled = false;           // OTEL_SDK_DISABLED=true: no spans, no OTLP
    std::optional<otlp_target> traces;   // nullopt: no OTLP trace export
    std::optional<otlp_target> metrics;  // nullopt: no OTLP metric export
    resource service_resource;           // service.name, service.version, OTEL_RESOURCE_ATTRIBUTES
    milliseconds schedule_delay{5000};
    std::size_t max_queue_size = 2048;
    std::size_t max_export_batch_size = 512;
    std::size_t max_concurrent_exports = 4;  // span batches on their way to the collector at once
    milliseconds export_timeout{30000};
    milliseconds metric_export_interval{60000};
    bool metrics_delta = false;  // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta
    std::string trace_file;
    bool call_log = false;
    std::uint64_t max_kept_bytes = config::telemetry_settings{}.max_kept_bytes;  // body_budget.hpp
};

using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

// `trace_file_flag` is --trace-file (wins over the config file's telemetry.trace_file).
telemetry_options resolve_telemetry_options(const config::telemetry_settings& file, const env_lookup& env,
                                            const std::string& trace_file_flag,
                                            std::vector<std::string>& warnings);

// The process environment.
env_lookup process_environment();

// "k1=v1,k2=v2" with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES).
std::vector<std::pair<std::string, std::string>> parse_key_value_list(std::string_view text);

}  // namespace tokentap::telemetry
