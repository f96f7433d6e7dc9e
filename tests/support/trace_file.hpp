#pragma once
// A trace file for integration tests: the proxy writes its spans there (--trace-file), the test
// reads them back as OTLP JSON with each span's attributes flattened into "attrs".

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "support/proxy_client.hpp"

namespace tokentap::test {

using json = nlohmann::json;

// A temporary trace file, removed at the end.
struct trace_file {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("tokentap-trace-" + std::to_string(::getpid()) + "-" +
                                  std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".jsonl");
    ~trace_file() { std::filesystem::remove(path); }

    // Every span in the file, as OTLP JSON objects with attributes flattened to a map.
    std::vector<json> spans() const {
        std::vector<json> out;
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            auto doc = json::parse(line);
            for (auto& rs : doc["resourceSpans"])
                for (auto& ss : rs["scopeSpans"])
                    for (auto& sp : ss["spans"]) {
                        json attrs = json::object();
                        for (auto& kv : sp["attributes"]) {
                            const auto& v = kv["value"];
                            attrs[kv["key"].get<std::string>()] =
                                v.contains("stringValue") ? v["stringValue"]
                                : v.contains("intValue")  ? json(std::stoll(v["intValue"].get<std::string>()))
                                : v.contains("boolValue") ? v["boolValue"]
                                : v.contains("doubleValue") ? v["doubleValue"]
                                                          : v;
                        }
                        sp["attrs"] = attrs;
                        out.push_back(sp);
                    }
        }
        return out;
    }
};

inline config::config traced_config(std::uint16_t port, const trace_file& f) {
    auto c = config_for(port);
    c.telemetry.trace_file = f.path.string();
    c.telemetry.otel["OTEL_BSP_SCHEDULE_DELAY"] = "20";
    c.telemetry.call_log = "off";
    return c;
}

}  // namespace tokentap::test
