// Prices from the config file, and their reload (what SIGHUP does), seen in the spans' cost.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "tokentap/config/config_loader.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

std::string config_text(std::uint16_t upstream, const std::string& trace_file, const std::string& input_price) {
    return "builtin_routes: false\nthreads: 1\nlisten: 127.0.0.1:0\nroutes:\n  - prefix: /up\n    upstream: http://127.0.0.1:" +
           std::to_string(upstream) + "\n    provider: openai\ntelemetry:\n  trace_file: " + trace_file +
           "\n  call_log: off\notel:\n  OTEL_BSP_SCHEDULE_DELAY: \"10\"\npricing:\n  overrides:\n    - provider: openai\n"
           "      model: house-model\n      input: " + input_price + "\n      output: 2\n";
}

std::vector<double> costs_in(const std::filesystem::path& file) {
    std::vector<double> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        const auto doc = nlohmann::json::parse(line);
        for (const auto& sp : doc["resourceSpans"][0]["scopeSpans"][0]["spans"])
            for (const auto& a : sp["attributes"])
                if (a["key"] == "gen_ai.usage.cost.amount") out.push_back(a["value"]["doubleValue"].get<double>());
    }
    return out;
}
}  // namespace

TEST_SUITE("integration/pricing") {

TEST_CASE("config prices cost the calls; a reload takes new prices and a bad file keeps the old ones") {
    const auto dir = std::filesystem::temp_directory_path() / ("tokentap-prices-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto cfg_path = dir / "tokentap.yaml";
    const auto trace_path = dir / "spans.jsonl";
    fake_upstream up([](const request&, upstream_connection_io& io) {
        io.write(fixed_response(200, R"({"id":"x","model":"house-model","choices":[{"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":1000}})"));
    });
    auto write_config = [&](const std::string& text) { std::ofstream(cfg_path) << text; };
    write_config(config_text(up.port(), trace_path.string(), "1"));
    {
        app::app a(config::load_config_file(cfg_path.string()));
        a.start();
        client c(a.port());
        const std::string body = R"({"model":"house-model","messages":[]})";
        CHECK(c.post("/up/v1/chat/completions", body).result_int() == 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the first call is read before the reload
        write_config(config_text(up.port(), trace_path.string(), "10"));
        a.reload_prices();
        CHECK(c.post("/up/v1/chat/completions", body).result_int() == 200);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        write_config("pricing: [this is not valid\n");
        a.reload_prices();
        CHECK(c.post("/up/v1/chat/completions", body).result_int() == 200);
        a.shutdown();
        a.wait();
    }
    const auto costs = costs_in(trace_path);
    REQUIRE(costs.size() == 3);
    CHECK(costs[0] == doctest::Approx(1000 * 1e-6 + 1000 * 2e-6));
    CHECK(costs[1] == doctest::Approx(1000 * 10e-6 + 1000 * 2e-6));
    CHECK(costs[2] == doctest::Approx(costs[1]));  // the bad file changed nothing
    std::filesystem::remove_all(dir);
}

}

}  // namespace tokentap::test
