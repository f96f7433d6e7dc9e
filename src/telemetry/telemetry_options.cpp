#include "tokentap/telemetry/telemetry_options.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>

#include <charconv>
#include <cstdlib>

#include "tokentap/config/config_loader.hpp"
#include "tokentap/percent_decode.hpp"

namespace tokentap::telemetry {

namespace {

struct settings {
    const config::telemetry_settings& file;
    const env_lookup& env;
    std::vector<std::string>& warnings;

    std::optional<std::string> get(const std::string& key) const {
        if (auto v = env(key); v && !v->empty()) return v;
        if (auto it = file.otel.find(key); it != file.otel.end() && !it->second.empty()) return it->second;
        return std::nullopt;
    }

    std::optional<std::string> first(const std::string& specific, const std::string& general) const {
        if (auto v = get(specific)) return v;
        return get(general);
    }

    std::optional<std::uint64_t> whole_number(const std::string& key) const {
        auto v = get(key);
        if (!v) return std::nullopt;
        std::uint64_t n = 0;
        const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc{} || end != v->data() + v->size()) {
            warnings.push_back(key + "=" + *v + " is not a whole number; using the default");
            return std::nullopt;
        }
        return n;
    }
};

// One signal's OTLP target. The per-signal endpoint is used as it is; the general one gets the
// signal's path appended (OTLP exporter specification, "Endpoint URLs for OTLP/HTTP").
std::optional<otlp_target> read_target(const settings& s, const std::string& signal, const std::string& path) {
    std::string url_text;
    std::string url_path;
    if (auto specific = s.get("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT")) {
        url_text = *specific;
    } else if (auto general = s.get("OTEL_EXPORTER_OTLP_ENDPOINT")) {
        url_text = *general;
        while (!url_text.empty() && url_text.back() == '/') url_text.pop_back();
        url_text += path;
    } else {
        return std::nullopt;
    }
    std::string why;
    auto url = config::parse_upstream_url(url_text, &why);
    if (!url) {
        s.warnings.push_back("OTLP " + signal + " endpoint " + url_text + " " + why + "; not exporting " + signal);
        return std::nullopt;
    }
    otlp_target t;
    t.path = url->base_path.empty() ? "/" : url->base_path;
    url->base_path.clear();
    t.url = *url;
    const auto protocol = s.first("OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
    if (protocol && *protocol != "http/protobuf" && *protocol != "http/json")
        s.warnings.push_back("OTLP protocol " + *protocol + " is not supported (http/protobuf, http/json); using http/protobuf");
    t.json = protocol && *protocol == "http/json";
    const auto compression =
        s.first("OTEL_EXPORTER_OTLP_" + signal + "_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
    t.gzip = compression && *compression == "gzip";
    if (compression && *compression != "gzip" && *compression != "none")
        s.warnings.push_back("OTLP compression " + *compression + " is not supported (gzip, none); not compressing");
    if (auto h = s.get("OTEL_EXPORTER_OTLP_HEADERS")) t.headers = parse_key_value_list(*h);
    if (auto h = s.get("OTEL_EXPORTER_OTLP_" + signal + "_HEADERS"))
        for (auto& kv : parse_key_value_list(*h)) t.headers.push_back(std::move(kv));
    const auto timeout_key = s.get("OTEL_EXPORTER_OTLP_" + signal + "_TIMEOUT") ? "OTEL_EXPORTER_OTLP_" + signal + "_TIMEOUT"
                                                                               : std::string("OTEL_EXPORTER_OTLP_TIMEOUT");
    if (auto ms = s.whole_number(timeout_key); ms && *ms > 0) t.timeout = milliseconds(*ms);
    return t;
}

resource read_resource(const settings& s) {
    resource r;
    std::string service_name = "tokentap";
    for (auto& [k, v] : parse_key_value_list(s.get("OTEL_RESOURCE_ATTRIBUTES").value_or(""))) {
        if (k == "service.name") service_name = v;
        else r.attrs.push_back({k, v});
    }
    if (auto name = s.get("OTEL_SERVICE_NAME")) service_name = *name;  // wins over the attribute
    r.attrs.insert(r.attrs.begin(), {"service.name", service_name});
    r.attrs.push_back({"service.version", std::string(TOKENTAP_VERSION)});
    r.attrs.push_back({"telemetry.sdk.name", std::string("tokentap")});
    r.attrs.push_back({"telemetry.sdk.language", std::string("cpp")});
    r.attrs.push_back({"telemetry.sdk.version", std::string(TOKENTAP_VERSION)});
    return r;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_key_value_list(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        auto key = boost::algorithm::trim_copy(std::string(item.substr(0, eq)));
        auto value = boost::algorithm::trim_copy(percent_decode(item.substr(eq + 1)));
        if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

telemetry_options resolve_telemetry_options(const config::telemetry_settings& file, const env_lookup& env,
                                            const std::string& trace_file_flag, std::vector<std::string>& warnings) {
    const settings s{file, env, warnings};
    telemetry_options o;
    o.sdk_disabled = boost::iequals(s.get("OTEL_SDK_DISABLED").value_or("false"), "true");
    o.service_resource = read_resource(s);
    if (s.get("OTEL_TRACES_EXPORTER").value_or("otlp") != "none") o.traces = read_target(s, "TRACES", "/v1/traces");
    if (s.get("OTEL_METRICS_EXPORTER").value_or("otlp") != "none") o.metrics = read_target(s, "METRICS", "/v1/metrics");
    if (auto v = s.whole_number("OTEL_BSP_SCHEDULE_DELAY")) o.schedule_delay = milliseconds(*v);
    if (auto v = s.whole_number("OTEL_BSP_MAX_QUEUE_SIZE"); v && *v > 0) o.max_queue_size = *v;
    if (auto v = s.whole_number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"); v && *v > 0) o.max_export_batch_size = *v;
    if (o.max_export_batch_size > o.max_queue_size) o.max_export_batch_size = o.max_queue_size;
    if (auto v = s.whole_number("OTEL_BSP_MAX_CONCURRENT_EXPORTS"); v && *v > 0) o.max_concurrent_exports = *v;
    if (auto v = s.whole_number("OTEL_BSP_EXPORT_TIMEOUT"); v && *v > 0) o.export_timeout = milliseconds(*v);
    if (auto v = s.whole_number("OTEL_METRIC_EXPORT_INTERVAL"); v && *v > 0) o.metric_export_interval = milliseconds(*v);
    o.metrics_delta = boost::iequals(s.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE").value_or(""), "delta");
    o.trace_file = trace_file_flag.empty() ? file.trace_file : trace_file_flag;
    o.max_kept_bytes = file.max_kept_bytes;
    o.call_log = file.call_log == "on" || (file.call_log == "auto" && !o.traces);
    if (o.sdk_disabled) {
        o.traces.reset();
        o.metrics.reset();
    }
    return o;
}

env_lookup process_environment() {
    return [](const std::string& key) -> std::optional<std::string> {
        const char* v = std::getenv(key.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

}  // namespace tokentap::telemetry
