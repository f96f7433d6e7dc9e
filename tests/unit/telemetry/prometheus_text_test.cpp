#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "tokentap/telemetry/metrics/prometheus_text.hpp"

using namespace tokentap::telemetry;

namespace {

metric_snapshot make_metric(std::string name, std::string unit, std::string description, instrument_kind kind,
                            std::vector<series_point> points, std::vector<double> bounds = {}) {
    return metric_snapshot{std::move(name), std::move(unit), std::move(description), kind, std::move(bounds),
                           std::move(points)};
}

series_point value_point(attribute_set attrs, double value) { return series_point{std::move(attrs), value, 0, 0, {}, {}}; }

}  // namespace

TEST_SUITE("unit/telemetry/prometheus_text") {

TEST_CASE("prometheus_metric_name follows the OpenTelemetry conversion rules") {
    using k = instrument_kind;
    CHECK(prometheus_metric_name("http.server.request.duration", "s", k::histogram) ==
          "http_server_request_duration_seconds");
    CHECK(prometheus_metric_name("gen_ai.client.token.usage", "{token}", k::histogram) == "gen_ai_client_token_usage");
    CHECK(prometheus_metric_name("tokentap.requests", "{request}", k::counter) == "tokentap_requests_total");
    CHECK(prometheus_metric_name("tokentap.upstream.sent", "By", k::counter) == "tokentap_upstream_sent_bytes_total");
    CHECK(prometheus_metric_name("process.cpu.time", "s", k::counter) == "process_cpu_time_seconds_total");
    CHECK(prometheus_metric_name("tokentap.pool.idle", "{connection}", k::gauge) == "tokentap_pool_idle");
    CHECK(prometheus_metric_name("tokentap.request.size", "By", k::gauge) == "tokentap_request_size_bytes");
    CHECK(prometheus_metric_name("rtt", "ms", k::gauge) == "rtt_milliseconds");
    CHECK(prometheus_metric_name("cache.ratio", "1", k::gauge) == "cache_ratio");
    CHECK(prometheus_metric_name("a-b c/d", "", k::gauge) == "a_b_c_d");
    CHECK(prometheus_metric_name("1st.metric", "", k::gauge) == "_1st_metric");
}

TEST_CASE("prometheus_metric_name adds no suffix twice") {
    using k = instrument_kind;
    CHECK(prometheus_metric_name("tokentap.upstream.bytes", "By", k::counter) == "tokentap_upstream_bytes_total");
    CHECK(prometheus_metric_name("wait.seconds", "s", k::histogram) == "wait_seconds");
    CHECK(prometheus_metric_name("jobs.total", "", k::counter) == "jobs_total");
}

TEST_CASE("counters: HELP, TYPE and one line per series with labels") {
    const auto text = encode_prometheus_text({make_metric(
        "tokentap.requests", "{request}", "Requests handled.", instrument_kind::counter,
        {value_point({{"http.request.method", "POST"}, {"http.response.status_code", "200"}}, 3),
         value_point({}, 1.5)})});
    CHECK(text ==
          "# HELP tokentap_requests_total Requests handled.\n"
          "# TYPE tokentap_requests_total counter\n"
          "tokentap_requests_total{http_request_method=\"POST\",http_response_status_code=\"200\"} 3\n"
          "tokentap_requests_total 1.5\n");
}

TEST_CASE("gauges") {
    const auto text = encode_prometheus_text(
        {make_metric("tokentap.pool.idle", "{connection}", "Idle upstream connections.", instrument_kind::gauge,
                     {value_point({{"server.address", "api.openai.com"}}, 7)})});
    CHECK(text ==
          "# HELP tokentap_pool_idle Idle upstream connections.\n"
          "# TYPE tokentap_pool_idle gauge\n"
          "tokentap_pool_idle{server_address=\"api.openai.com\"} 7\n");
}

TEST_CASE("label values escape quote, backslash and newline") {
    const auto text = encode_prometheus_text({make_metric(
        "m", "", "d", instrument_kind::gauge, {value_point({{"path", "a\"b\\c\nd"}}, 1)})});
    CHECK(text.find("m{path=\"a\\\"b\\\\c\\nd\"} 1\n") != std::string::npos);
}

TEST_CASE("histograms: cumulative buckets with le and +Inf, then _sum and _count") {
    series_point p{{{"route", "/v1"}}, 0, 25.5, 4, {1, 0, 2, 1}, {}};
    const auto text = encode_prometheus_text({make_metric("http.server.request.duration", "s", "Duration.",
                                                          instrument_kind::histogram, {p}, {0.1, 1, 10})});
    CHECK(text ==
          "# HELP http_server_request_duration_seconds Duration.\n"
          "# TYPE http_server_request_duration_seconds histogram\n"
          "http_server_request_duration_seconds_bucket{route=\"/v1\",le=\"0.1\"} 1\n"
          "http_server_request_duration_seconds_bucket{route=\"/v1\",le=\"1\"} 1\n"
          "http_server_request_duration_seconds_bucket{route=\"/v1\",le=\"10\"} 3\n"
          "http_server_request_duration_seconds_bucket{route=\"/v1\",le=\"+Inf\"} 4\n"
          "http_server_request_duration_seconds_sum{route=\"/v1\"} 25.5\n"
          "http_server_request_duration_seconds_count{route=\"/v1\"} 4\n");
}

TEST_CASE("a histogram series without attributes has only the le label") {
    series_point p{{}, 0, 0.25, 1, {0, 1}, {}};
    const auto text = encode_prometheus_text(
        {make_metric("h", "s", "H.", instrument_kind::histogram, {p}, {0.005})});
    CHECK(text.find("h_seconds_bucket{le=\"0.005\"} 0\n") != std::string::npos);
    CHECK(text.find("h_seconds_bucket{le=\"+Inf\"} 1\n") != std::string::npos);
    CHECK(text.find("h_seconds_sum 0.25\n") != std::string::npos);
    CHECK(text.find("h_seconds_count 1\n") != std::string::npos);
}

TEST_CASE("numbers: shortest exact form and the special values") {
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    const auto inf = std::numeric_limits<double>::infinity();
    const auto text = encode_prometheus_text({make_metric(
        "g", "", "G.", instrument_kind::gauge,
        {value_point({{"k", "a"}}, 0.1), value_point({{"k", "b"}}, 1e21), value_point({{"k", "c"}}, nan),
         value_point({{"k", "d"}}, inf), value_point({{"k", "e"}}, -inf), value_point({{"k", "f"}}, 12345678)})});
    CHECK(text.find("g{k=\"a\"} 0.1\n") != std::string::npos);
    CHECK(text.find("g{k=\"b\"} 1e+21\n") != std::string::npos);
    CHECK(text.find("g{k=\"c\"} NaN\n") != std::string::npos);
    CHECK(text.find("g{k=\"d\"} +Inf\n") != std::string::npos);
    CHECK(text.find("g{k=\"e\"} -Inf\n") != std::string::npos);
    CHECK(text.find("g{k=\"f\"} 12345678\n") != std::string::npos);
}

TEST_CASE("several metrics are written one after the other; none gives empty text") {
    CHECK(encode_prometheus_text({}).empty());
    const auto text = encode_prometheus_text({make_metric("a", "", "A.", instrument_kind::counter, {}),
                                              make_metric("b", "", "B.", instrument_kind::gauge, {})});
    CHECK(text == "# HELP a_total A.\n# TYPE a_total counter\n# HELP b B.\n# TYPE b gauge\n");
}

TEST_CASE("target_info carries the resource attributes as labels") {
    const auto text = encode_prometheus_text({}, {{"service.name", "gw"}, {"deployment.environment", "prod"}});
    CHECK(text == "# HELP target_info Target metadata\n# TYPE target_info gauge\n"
                  "target_info{service_name=\"gw\",deployment_environment=\"prod\"} 1\n");
}

}  // TEST_SUITE
