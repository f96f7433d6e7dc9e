#include <doctest/doctest.h>

#include <map>

#include "tokentap/telemetry/telemetry_options.hpp"

using namespace tokentap::telemetry;

namespace {

struct fake_env {
    std::map<std::string, std::string> vars;
    env_lookup lookup() const {
        return [this](const std::string& k) -> std::optional<std::string> {
            auto it = vars.find(k);
            if (it == vars.end()) return std::nullopt;
            return it->second;
        };
    }
};

telemetry_options resolve(const fake_env& env, tokentap::config::telemetry_settings file = {},
                          std::vector<std::string>* warnings_out = nullptr) {
    std::vector<std::string> warnings;
    auto o = resolve_telemetry_options(file, env.lookup(), "", warnings);
    if (warnings_out) *warnings_out = warnings;
    return o;
}

std::string attr(const resource& r, const std::string& key) {
    for (const auto& a : r.attrs)
        if (a.key == key) return std::get<std::string>(a.value);
    return "<none>";
}

}  // namespace

TEST_SUITE("unit/telemetry/telemetry_options") {

TEST_CASE("defaults: no endpoint, no export, the call line on") {
    const auto o = resolve({});
    CHECK_FALSE(o.traces);
    CHECK_FALSE(o.metrics);
    CHECK(o.call_log);
    CHECK(o.schedule_delay == milliseconds(5000));
    CHECK(o.max_queue_size == 2048);
    CHECK(o.max_export_batch_size == 512);
    CHECK(o.max_concurrent_exports == 4);
    CHECK(attr(o.service_resource, "service.name") == "tokentap");
    CHECK(attr(o.service_resource, "service.version") == TOKENTAP_VERSION);
}

TEST_CASE("the general endpoint gets the signal paths; the per-signal one is used as it is") {
    fake_env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"},
                  {"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://m.example.com/custom/path"}}};
    const auto o = resolve(env);
    REQUIRE(o.traces);
    CHECK(o.traces->url.host == "collector");
    CHECK(o.traces->url.port == 4318);
    CHECK_FALSE(o.traces->url.tls);
    CHECK(o.traces->path == "/v1/traces");
    CHECK_FALSE(o.traces->json);  // http/protobuf is the default
    REQUIRE(o.metrics);
    CHECK(o.metrics->url.tls);
    CHECK(o.metrics->path == "/custom/path");
    CHECK_FALSE(o.call_log);
}

TEST_CASE("protocol, headers, compression, timeouts and the batch processor") {
    fake_env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"},
                  {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                  {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x-tenant = t1"},
                  {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                  {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500"},
                  {"OTEL_BSP_SCHEDULE_DELAY", "200"},
                  {"OTEL_BSP_MAX_QUEUE_SIZE", "100"},
                  {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "500"},
                  {"OTEL_BSP_MAX_CONCURRENT_EXPORTS", "3"},
                  {"OTEL_SERVICE_NAME", "gateway"},
                  {"OTEL_RESOURCE_ATTRIBUTES", "service.name=ignored,deployment.environment=prod"}}};
    const auto o = resolve(env);
    REQUIRE(o.traces);
    CHECK(o.traces->json);
    CHECK(o.traces->gzip);
    CHECK(o.traces->timeout == milliseconds(2500));
    REQUIRE(o.traces->headers.size() == 2);
    CHECK(o.traces->headers[0] == std::pair<std::string, std::string>{"api-key", "a b"});
    CHECK(o.traces->headers[1] == std::pair<std::string, std::string>{"x-tenant", "t1"});
    CHECK(o.schedule_delay == milliseconds(200));
    CHECK(o.max_queue_size == 100);
    CHECK(o.max_export_batch_size == 100);  // never above the queue size
    CHECK(o.max_concurrent_exports == 3);
    CHECK(attr(o.service_resource, "service.name") == "gateway");
    CHECK(attr(o.service_resource, "deployment.environment") == "prod");
}

TEST_CASE("the config file's otel keys apply, and the environment wins over them") {
    tokentap::config::telemetry_settings file;
    file.otel = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-file:4318"}, {"OTEL_SERVICE_NAME", "file-name"}};
    auto o = resolve({}, file);
    REQUIRE(o.traces);
    CHECK(o.traces->url.host == "from-file");
    CHECK(attr(o.service_resource, "service.name") == "file-name");
    fake_env env{{{"OTEL_SERVICE_NAME", "env-name"}}};
    o = resolve(env, file);
    CHECK(attr(o.service_resource, "service.name") == "env-name");
}

TEST_CASE("invalid values warn and fall back to the defaults") {
    fake_env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}, {"OTEL_BSP_SCHEDULE_DELAY", "soon"},
                  {"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}}};
    std::vector<std::string> warnings;
    const auto o = resolve(env, {}, &warnings);
    CHECK_FALSE(o.traces);
    CHECK(o.schedule_delay == milliseconds(5000));
    CHECK(warnings.size() >= 2);
}

TEST_CASE("OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none turn export off") {
    fake_env env{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_SDK_DISABLED", "true"}}};
    auto o = resolve(env);
    CHECK(o.sdk_disabled);
    CHECK_FALSE(o.traces);
    fake_env none{{{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}, {"OTEL_TRACES_EXPORTER", "none"}}};
    o = resolve(none);
    CHECK_FALSE(o.traces);
    CHECK(o.metrics);
}

}
