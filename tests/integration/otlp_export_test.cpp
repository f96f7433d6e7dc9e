// The OTLP/HTTP span export end to end: a fake collector that first refuses, then accepts.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "tokentap/telemetry/body_decoding.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

const std::string completion =
    R"({"id":"c9","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":2}})";
}  // namespace

TEST_SUITE("integration/otlp_export") {

TEST_CASE("spans go out as gzip protobuf with the configured headers, retried after a 503 with Retry-After") {
    std::atomic<int> posts{0};
    fake_upstream collector([&](const request& req, upstream_connection_io& io) {
        if (req.target() == "/v1/traces" && posts++ == 0) {
            io.write(fixed_response(503, "busy", "text/plain", "Retry-After: 1\r\n"));
            return;
        }
        io.write(fixed_response(200, "", "application/x-protobuf"));
    });
    fake_upstream provider([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, completion)); });

    auto cfg = config_for(provider.port());
    cfg.telemetry.otel = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port())},
                          {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                          {"OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=team%20a"},
                          {"OTEL_BSP_SCHEDULE_DELAY", "20"},
                          {"OTEL_SERVICE_NAME", "otlp-test"}};
    {
        running_proxy proxy(cfg);
        client c(proxy.port());
        CHECK(c.post("/up/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})").result_int() == 200);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (posts < 2 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::vector<request> got, metrics;
    for (auto& r : collector.received()) (r.target() == "/v1/traces" ? got : metrics).push_back(r);
    // The metrics go to the same collector: at least the final export at shutdown.
    REQUIRE_FALSE(metrics.empty());
    CHECK(metrics.back().target() == "/v1/metrics");
    CHECK(telemetry::decode_body("gzip", metrics.back().body(), 1 << 20)->find("gen_ai.client.token.usage") !=
          std::string::npos);
    REQUIRE(got.size() == 2);
    for (const auto& r : got) {
        CHECK(r[http::field::content_type] == "application/x-protobuf");
        CHECK(r[http::field::content_encoding] == "gzip");
        CHECK(r["x-tenant"] == "team a");
    }
    CHECK(got[0].body() == got[1].body());  // the same batch, sent again
    const auto proto = telemetry::decode_body("gzip", got[1].body(), 1 << 20);
    REQUIRE(proto);
    // Protobuf strings appear verbatim: the span name, its attributes and the resource.
    CHECK(proto->find("chat gpt-4o") != std::string::npos);
    CHECK(proto->find("gen_ai.usage.input_tokens") != std::string::npos);
    CHECK(proto->find("otlp-test") != std::string::npos);
}

TEST_CASE("span batches go out up to OTEL_BSP_MAX_CONCURRENT_EXPORTS at once, and no more") {
    // A slow collector: each span export is held 300 ms. One batch at a time would send a batch per
    // collector round trip; with 2 allowed, two are held together, never three.
    std::mutex m;
    int holding = 0, most = 0, traces = 0;
    fake_upstream collector([&](const request& req, upstream_connection_io& io) {
        if (req.target() == "/v1/traces") {
            {
                std::lock_guard lock(m);
                ++traces;
                most = std::max(most, ++holding);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            std::lock_guard lock(m);
            --holding;
        }
        io.write(fixed_response(200, "", "application/x-protobuf"));
    });
    fake_upstream provider([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, completion)); });
    auto cfg = config_for(provider.port());
    cfg.telemetry.otel = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port())},
                          {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1"},
                          {"OTEL_BSP_MAX_CONCURRENT_EXPORTS", "2"},
                          {"OTEL_BSP_SCHEDULE_DELAY", "20"}};
    constexpr int calls = 6;
    {
        running_proxy proxy(cfg);
        client c(proxy.port());
        for (int i = 0; i < calls; ++i)
            CHECK(c.post("/up/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})").body() == completion);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            {
                std::lock_guard lock(m);
                if (traces == calls || std::chrono::steady_clock::now() > deadline) break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::lock_guard lock(m);
    CHECK(traces == calls);  // a batch of one span per call
    CHECK(most == 2);
}

TEST_CASE("an unreachable collector costs spans, never traffic") {
    fake_upstream provider([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, completion)); });
    auto cfg = config_for(provider.port());
    cfg.telemetry.otel = {{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"}, {"OTEL_BSP_SCHEDULE_DELAY", "10"},
                          {"OTEL_BSP_EXPORT_TIMEOUT", "200"}};
    running_proxy proxy(cfg);
    client c(proxy.port());
    for (int i = 0; i < 5; ++i)
        CHECK(c.post("/up/v1/chat/completions", R"({"model":"gpt-4o","messages":[]})").body() == completion);
}

}

}  // namespace tokentap::test
