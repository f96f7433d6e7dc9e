#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tokentap/server/proxy_metrics.hpp"

using namespace tokentap;
using telemetry::attribute_set;

namespace {

const telemetry::metric_snapshot& metric(const std::vector<telemetry::metric_snapshot>& all, std::string_view name) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const auto& m) { return m.name == name; });
    REQUIRE(it != all.end());
    return *it;
}

const telemetry::series_point* point(const telemetry::metric_snapshot& m, const attribute_set& attrs) {
    const auto it = std::find_if(m.points.begin(), m.points.end(), [&](const auto& p) { return p.attributes == attrs; });
    return it == m.points.end() ? nullptr : &*it;
}

proxy::exchange_record exchange(std::string route, unsigned status, std::string method = "POST") {
    proxy::exchange_record r;
    r.method = std::move(method);
    r.route_prefix = std::move(route);
    r.status = status;
    r.start = proxy::steady_time{} + std::chrono::seconds(1);
    r.end = r.start + std::chrono::milliseconds(30);
    return r;
}

double requests(const std::vector<telemetry::metric_snapshot>& all, std::string route, std::string status,
                std::string outcome = "completed") {
    const auto* p = point(metric(all, "tokentap.proxy.requests"),
                          {{"http.route", route}, {"http.response.status_code", status}, {"tokentap.outcome", outcome}});
    return p ? p->value : 0;
}

}  // namespace

TEST_SUITE("unit/server/proxy_metrics") {

TEST_CASE("each exchange counts in the series of its own route, status, outcome and method") {
    telemetry::metrics_registry reg;
    upstream::pool_stats pool;
    server::proxy_metrics m(reg, pool);
    // Six combinations in turn, more than a thread keeps at hand: every one must still count apart.
    const std::pair<const char*, unsigned> combos[] = {{"/a", 200}, {"/a", 404}, {"/b", 200},
                                                       {"/b", 502}, {"/c", 200}, {"", 404}};
    for (int round = 0; round < 3; ++round)
        for (const auto& [route, status] : combos) m.record(exchange(route, status));
    auto failed = exchange("/a", 502);
    failed.outcome = proxy::exchange_outcome::upstream_unreachable;
    m.record(failed);
    m.record(exchange("/a", 200, "GET"));

    const auto all = reg.collect();
    CHECK(requests(all, "/a", "200") == 4);  // the POSTs and the GET
    CHECK(requests(all, "/a", "404") == 3);
    CHECK(requests(all, "/b", "200") == 3);
    CHECK(requests(all, "/b", "502") == 3);
    CHECK(requests(all, "/c", "200") == 3);
    CHECK(requests(all, "none", "404") == 3);  // a local answer, no route
    CHECK(requests(all, "/a", "502", std::string(proxy::to_string(proxy::exchange_outcome::upstream_unreachable))) == 1);
    CHECK(requests(all, "/a", "502") == 0);
    const auto& duration = metric(all, "http.server.request.duration");
    const auto* get = point(duration, {{"http.request.method", "GET"}, {"http.response.status_code", "200"}, {"http.route", "/a"}});
    const auto* post = point(duration, {{"http.request.method", "POST"}, {"http.response.status_code", "200"}, {"http.route", "/a"}});
    REQUIRE(get);
    REQUIRE(post);
    CHECK(get->count == 1);
    CHECK(post->count == 3);
    CHECK(post->sum == doctest::Approx(0.09));
}

TEST_CASE("bytes and the proxy's own time show only once an exchange had them") {
    telemetry::metrics_registry reg;
    upstream::pool_stats pool;
    server::proxy_metrics m(reg, pool);
    m.record(exchange("/a", 200));
    auto all = reg.collect();
    CHECK(metric(all, "tokentap.proxy.body").points.empty());
    CHECK(metric(all, "tokentap.proxy.overhead").points.empty());

    auto r = exchange("/a", 200);
    r.bytes_up = 100;
    r.bytes_down = 250;
    r.upstream_sent = r.start + std::chrono::milliseconds(2);
    r.upstream_done = r.end - std::chrono::milliseconds(3);
    m.record(r);
    r.bytes_up = 0;
    m.record(r);
    all = reg.collect();
    CHECK(point(metric(all, "tokentap.proxy.body"), {{"direction", "up"}})->value == 100);
    CHECK(point(metric(all, "tokentap.proxy.body"), {{"direction", "down"}})->value == 500);
    const auto* own = point(metric(all, "tokentap.proxy.overhead"), {{"http.route", "/a"}});
    REQUIRE(own);
    CHECK(own->count == 2);
    CHECK(own->sum == doctest::Approx(0.010));
}

TEST_CASE("a later proxy_metrics on the same thread records into its own registry") {
    // The series a thread keeps at hand belong to one instance; the next one must not reuse them.
    for (int i = 1; i <= 3; ++i) {
        telemetry::metrics_registry reg;
        upstream::pool_stats pool;
        server::proxy_metrics m(reg, pool);
        for (int k = 0; k < i; ++k) m.record(exchange("/same", 200));
        CHECK(requests(reg.collect(), "/same", "200") == i);
    }
}

}
