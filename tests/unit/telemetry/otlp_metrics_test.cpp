#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstring>

#include <string>
#include <vector>

#include "tokentap/telemetry/otlp/otlp_metrics.hpp"

using namespace tokentap::telemetry;
using namespace tokentap::telemetry::otlp;
using json = nlohmann::json;

namespace {

std::vector<metric_snapshot> sample(double requests, std::uint64_t in_count) {
    metric_snapshot counter{"tokentap.proxy.requests", "{request}", "Requests.", instrument_kind::counter, {}, {}};
    counter.points.push_back({{{"http.route", "/openai"}}, requests, 0, 0, {}, {}});
    metric_snapshot gauge{"tokentap.upstream.connections.idle", "{connection}", "", instrument_kind::gauge, {}, {}};
    gauge.points.push_back({{}, 3, 0, 0, {}, {}});
    metric_snapshot hist{"gen_ai.client.token.usage", "{token}", "Tokens.", instrument_kind::histogram, {1, 4, 16}, {}};
    hist.points.push_back({{{"gen_ai.token.type", "input"}}, 0, 10.0 * in_count, in_count, {0, 0, in_count, 0}, {}});
    return {counter, gauge, hist};
}

const resource res{{{"service.name", std::string("t")}}};
const instrumentation_scope scope{"tokentap", "1", "https://opentelemetry.io/schemas/x"};

// Walks protobuf fields at one level: returns (field number, wire type, payload) triples.
struct pb_field {
    std::uint32_t number;
    int wire;
    std::string bytes;
    std::uint64_t value;
};
std::vector<pb_field> fields_of(const std::string& msg) {
    std::vector<pb_field> out;
    std::size_t i = 0;
    auto varint = [&]() {
        std::uint64_t v = 0;
        for (int shift = 0; i < msg.size(); shift += 7) {
            const auto b = static_cast<unsigned char>(msg[i++]);
            v |= std::uint64_t(b & 0x7f) << shift;
            if (!(b & 0x80)) break;
        }
        return v;
    };
    while (i < msg.size()) {
        const auto tag = varint();
        pb_field f{static_cast<std::uint32_t>(tag >> 3), static_cast<int>(tag & 7), {}, 0};
        if (f.wire == 0) f.value = varint();
        else if (f.wire == 1) { f.bytes = msg.substr(i, 8); i += 8; }
        else if (f.wire == 5) { f.bytes = msg.substr(i, 4); i += 4; }
        else { const auto n = varint(); f.bytes = msg.substr(i, n); i += n; }
        out.push_back(f);
    }
    return out;
}
const pb_field& only(const std::vector<pb_field>& fs, std::uint32_t number) {
    for (const auto& f : fs)
        if (f.number == number) return f;
    FAIL("no field " << number);
    return fs.front();
}

}  // namespace

TEST_SUITE("unit/telemetry/otlp_metrics") {

TEST_CASE("JSON: sums, gauges and histograms with temporality and string fixed64s") {
    const auto text = encode_metrics_json(res, scope, sample(7, 2), {100, 200, temporality::cumulative});
    const auto j = json::parse(text);
    const auto& sm = j["resourceMetrics"][0]["scopeMetrics"][0];
    CHECK(sm["scope"]["name"] == "tokentap");
    CHECK(sm["schemaUrl"] == "https://opentelemetry.io/schemas/x");
    const auto& m = sm["metrics"];
    REQUIRE(m.size() == 3);
    CHECK(m[0]["name"] == "tokentap.proxy.requests");
    CHECK(m[0]["sum"]["isMonotonic"] == true);
    CHECK(m[0]["sum"]["aggregationTemporality"] == 2);
    CHECK(m[0]["sum"]["dataPoints"][0]["asDouble"] == 7.0);
    CHECK(m[0]["sum"]["dataPoints"][0]["startTimeUnixNano"] == "100");
    CHECK(m[0]["sum"]["dataPoints"][0]["attributes"][0]["value"]["stringValue"] == "/openai");
    CHECK(m[1]["gauge"]["dataPoints"][0]["asDouble"] == 3.0);
    CHECK_FALSE(m[1]["gauge"]["dataPoints"][0].contains("startTimeUnixNano"));
    const auto& h = m[2]["histogram"];
    CHECK(h["aggregationTemporality"] == 2);
    CHECK(h["dataPoints"][0]["count"] == "2");
    CHECK(h["dataPoints"][0]["sum"] == 20.0);
    CHECK(h["dataPoints"][0]["bucketCounts"] == json::array({"0", "0", "2", "0"}));
    CHECK(h["dataPoints"][0]["explicitBounds"] == json::array({1.0, 4.0, 16.0}));
    CHECK(h["dataPoints"][0]["timeUnixNano"] == "200");
}

TEST_CASE("protobuf: the field numbers of metrics.proto") {
    const auto bytes = encode_metrics_proto(res, scope, sample(7, 2), {100, 200, temporality::delta});
    const auto rm = fields_of(only(fields_of(bytes), 1).bytes);           // resource_metrics
    const auto sm = fields_of(only(rm, 2).bytes);                          // scope_metrics
    CHECK(only(sm, 3).bytes == "https://opentelemetry.io/schemas/x");     // schema_url
    std::vector<std::vector<pb_field>> metrics;
    for (const auto& f : sm)
        if (f.number == 2) metrics.push_back(fields_of(f.bytes));
    REQUIRE(metrics.size() == 3);
    CHECK(only(metrics[0], 1).bytes == "tokentap.proxy.requests");
    const auto sum = fields_of(only(metrics[0], 7).bytes);                 // Metric.sum
    CHECK(only(sum, 2).value == 1);                                        // DELTA
    CHECK(only(sum, 3).value == 1);                                        // is_monotonic
    const auto point = fields_of(only(sum, 1).bytes);                      // NumberDataPoint
    double v = 0;
    std::memcpy(&v, only(point, 4).bytes.data(), 8);
    CHECK(v == 7.0);
    CHECK(only(metrics[1], 5).bytes.size() > 0);                           // Metric.gauge
    const auto hist = fields_of(only(metrics[2], 9).bytes);                // Metric.histogram
    const auto hp = fields_of(only(hist, 1).bytes);
    std::uint64_t count = 0;
    std::memcpy(&count, only(hp, 4).bytes.data(), 8);
    CHECK(count == 2);
    CHECK(only(hp, 6).bytes.size() == 4 * 8);                              // packed bucket counts
    CHECK(only(hp, 7).bytes.size() == 3 * 8);                              // packed bounds
}

TEST_CASE("delta temporality subtracts the previous export, series by series") {
    delta_tracker d;
    auto first = d.deltas(sample(7, 2));
    CHECK(first[0].points[0].value == 7);
    CHECK(first[2].points[0].count == 2);
    auto second = d.deltas(sample(10, 5));
    CHECK(second[0].points[0].value == 3);
    CHECK(second[1].points[0].value == 3);  // gauges pass unchanged
    CHECK(second[2].points[0].count == 3);
    CHECK(second[2].points[0].sum == doctest::Approx(30));
    CHECK(second[2].points[0].buckets == std::vector<std::uint64_t>{0, 0, 3, 0});
    auto third = d.deltas(sample(10, 5));
    CHECK(third[0].points.empty());  // nothing changed
    CHECK(third[2].points.empty());
}

}

TEST_SUITE("unit/telemetry/otlp_metrics") {

TEST_CASE("histogram exemplars: protobuf field 8 and JSON exemplars, only for buckets that have one") {
    auto metrics = sample(1, 2);
    auto& p = metrics[2].points[0];
    p.exemplars.resize(4);
    p.exemplars[2].value = 12;
    p.exemplars[2].time_unix_ns = 150;
    p.exemplars[2].trace.fill(0xab);
    p.exemplars[2].span.fill(0xcd);
    const auto bytes = encode_metrics_proto(res, scope, metrics, {100, 200, temporality::cumulative});
    const auto sm = fields_of(only(fields_of(only(fields_of(bytes), 1).bytes), 2).bytes);
    std::vector<std::vector<pb_field>> ms;
    for (const auto& f : sm)
        if (f.number == 2) ms.push_back(fields_of(f.bytes));
    const auto hp = fields_of(only(fields_of(only(ms.at(2), 9).bytes), 1).bytes);
    int exemplars = 0;
    for (const auto& f : hp) exemplars += f.number == 8;
    CHECK(exemplars == 1);
    const auto ex = fields_of(only(hp, 8).bytes);
    std::uint64_t time = 0;
    std::memcpy(&time, only(ex, 2).bytes.data(), 8);
    CHECK(time == 150);
    double v = 0;
    std::memcpy(&v, only(ex, 3).bytes.data(), 8);
    CHECK(v == 12.0);
    CHECK(only(ex, 4).bytes == std::string(8, '\xcd'));
    CHECK(only(ex, 5).bytes == std::string(16, '\xab'));

    const auto doc = json::parse(encode_metrics_json(res, scope, metrics, {100, 200, temporality::cumulative}));
    const auto& point = doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][2]["histogram"]["dataPoints"][0];
    REQUIRE(point.contains("exemplars"));
    CHECK(point["exemplars"] == json::parse(R"([{"timeUnixNano":"150","asDouble":12.0,"spanId":"cdcdcdcdcdcdcdcd",
        "traceId":"abababababababababababababababab"}])"));
    const auto plain = json::parse(encode_metrics_json(res, scope, sample(1, 2), {100, 200, temporality::cumulative}));
    CHECK_FALSE(plain["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][2]["histogram"]["dataPoints"][0].contains("exemplars"));
}

}  // TEST_SUITE
