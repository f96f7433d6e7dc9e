#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tokentap/telemetry/metrics/metrics_registry.hpp"

using namespace tokentap::telemetry;

namespace {

const series_point* find_point(const metric_snapshot& m, const attribute_set& attrs) {
    auto it = std::find_if(m.points.begin(), m.points.end(), [&](const series_point& p) { return p.attributes == attrs; });
    return it == m.points.end() ? nullptr : &*it;
}

const attribute_set overflow = {{"otel.metric.overflow", "true"}};

}  // namespace

TEST_SUITE("unit/telemetry/metrics_registry") {

TEST_CASE("counters accumulate per attribute set") {
    metrics_registry reg;
    auto& c = reg.add_counter("tokentap.requests", "{request}", "Requests.");
    const attribute_set ok = {{"status", "200"}};
    const attribute_set err = {{"status", "502"}};
    c.add(1, ok);
    c.add(2, ok);
    c.add(5, err);
    c.add(0.5, {});

    const auto snap = c.snapshot();
    CHECK(snap.name == "tokentap.requests");
    CHECK(snap.unit == "{request}");
    CHECK(snap.description == "Requests.");
    CHECK(snap.kind == instrument_kind::counter);
    REQUIRE(snap.points.size() == 3);
    CHECK(find_point(snap, ok)->value == 3);
    CHECK(find_point(snap, err)->value == 5);
    CHECK(find_point(snap, {})->value == 0.5);
}

TEST_CASE("an attribute name is the same whether a literal or made at run time") {
    metrics_registry reg;
    auto& c = reg.add_counter("tokentap.requests", "{request}", "Requests.");
    std::string made = "http.response";
    made += ".status_code";
    c.add(1, {{"http.response.status_code", "200"}});
    c.add(2, {{attribute_key(made), "200"}});
    c.add(4, {{"http.response.status_code", "500"}});
    const auto snap = c.snapshot();
    REQUIRE(snap.points.size() == 2);
    CHECK(find_point(snap, {{"http.response.status_code", "200"}})->value == 3);
    const attribute_key literal("a.b"), owned(std::string("a.b")), other("a.c");
    CHECK(literal == owned);
    CHECK(literal == "a.b");
    CHECK(owned == std::string("a.b"));
    CHECK(literal < other);
    CHECK_FALSE(other < owned);
    attribute_key copy = owned;
    CHECK(copy.view() == "a.b");
}

TEST_CASE("snapshot points come in alphabetical order of their attributes, whatever order they were made in") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "", "");
    for (const char* v : {"b", "aa", "a", "ab"}) c.add(1, {{"k", v}});
    c.add(1, {{"k", "a"}, {"j", "z"}});
    c.add(1, {});
    const auto snap = c.snapshot();
    std::vector<attribute_set> order;
    for (const auto& p : snap.points) order.push_back(p.attributes);
    CHECK(order == std::vector<attribute_set>{{}, {{"k", "a"}}, {{"k", "a"}, {"j", "z"}}, {{"k", "aa"}}, {{"k", "ab"}}, {{"k", "b"}}});
    CHECK(find_point(snap, {{"k", "aa"}})->value == 1);
}

TEST_CASE("attribute order is part of the attribute set") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "", "");
    c.add(1, {{"a", "1"}, {"b", "2"}});
    c.add(1, {{"a", "1"}, {"b", "2"}});
    c.add(1, {{"a", "1"}, {"b", "3"}});
    const auto snap = c.snapshot();
    REQUIRE(snap.points.size() == 2);
    CHECK(find_point(snap, {{"a", "1"}, {"b", "2"}})->value == 2);
}

TEST_CASE("histogram buckets: le is inclusive, the last bucket is +Inf") {
    metrics_registry reg;
    auto& h = reg.add_histogram("d", "s", "D.", {1, 2, 5});
    for (double v : {-1.0, 0.0, 1.0, 1.5, 2.0, 5.0, 5.0001, 100.0}) h.record(v, {});

    const auto snap = h.snapshot();
    CHECK(snap.kind == instrument_kind::histogram);
    CHECK(snap.bounds == std::vector<double>{1, 2, 5});
    REQUIRE(snap.points.size() == 1);
    const auto& p = snap.points[0];
    CHECK(p.buckets == std::vector<std::uint64_t>{3, 2, 1, 2});  // per bucket, not cumulative
    CHECK(p.count == 8);
    CHECK(p.sum == doctest::Approx(113.5001));
}

TEST_CASE("a series kept from series() is the one its attribute set records to") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "1", "");
    auto& h = reg.add_histogram("h", "s", "", {1, 10});
    const attribute_set a = {{"route", "/a"}};
    const attribute_set b = {{"route", "/b"}};
    auto& ca = c.series(a);
    CHECK(&c.series(a) == &ca);  // looked up again: the same series
    CHECK(&c.series(b) != &ca);
    c.add(2, ca);
    c.add(3, a);  // by attribute set, into the same series
    c.add(7, c.series(b));
    auto& ha = h.series(a);
    h.record(0.5, ha);
    h.record(10, ha);
    h.record(11, ha);
    h.record(5, b);

    const auto cs = c.snapshot();
    CHECK(find_point(cs, a)->value == 5);
    CHECK(find_point(cs, b)->value == 7);
    const auto hs = h.snapshot();
    const auto* pa = find_point(hs, a);
    REQUIRE(pa);
    CHECK(pa->count == 3);
    CHECK(pa->sum == 21.5);
    CHECK(pa->buckets == std::vector<std::uint64_t>{1, 1, 1});
    CHECK(find_point(hs, b)->buckets == std::vector<std::uint64_t>{0, 1, 0});
}

TEST_CASE("series() past the series limit gives the overflow series") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "1", "");
    for (std::size_t i = 0; i < metrics_registry::default_max_series; ++i) c.add(1, {{"n", std::to_string(i)}});
    auto& extra = c.series({{"n", "one too many"}});
    c.add(4, extra);
    const auto snap = c.snapshot();
    CHECK_FALSE(find_point(snap, {{"n", "one too many"}}));
    REQUIRE(find_point(snap, overflow));
    CHECK(find_point(snap, overflow)->value == 4);
}

TEST_CASE("histogram series are separate per attribute set") {
    metrics_registry reg;
    auto& h = reg.add_histogram("d", "s", "D.", {1});
    h.record(0.5, {{"route", "/a"}});
    h.record(3, {{"route", "/b"}});
    h.record(4, {{"route", "/b"}});
    const auto snap = h.snapshot();
    REQUIRE(snap.points.size() == 2);
    const auto* a = find_point(snap, {{"route", "/a"}});
    const auto* b = find_point(snap, {{"route", "/b"}});
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->buckets == std::vector<std::uint64_t>{1, 0});
    CHECK(b->buckets == std::vector<std::uint64_t>{0, 2});
    CHECK(b->sum == 7);
}

TEST_CASE("a record goes to its own series whatever series the record before it used") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "", "");
    const attribute_set a = {{"route", "/v1"}, {"status", "200"}};
    const attribute_set b = {{"route", "/v1"}, {"status", "201"}};   // differs in the last value only
    const attribute_set c2 = {{"route", "/v1"}, {"code", "200"}};    // in a name only
    const attribute_set d = {{"route", "/v1"}};                     // a prefix of the others
    attribute_set changing = a;  // one set whose value changes between records, as callers reuse them
    c.add(1, a);
    c.add(1, a);
    c.add(10, b);
    c.add(1, a);
    c.add(100, c2);
    c.add(1000, d);
    c.add(10, b);
    changing[1].second = "201";
    c.add(10, changing);
    changing[1].second = "200";
    c.add(1, changing);
    const auto snap = c.snapshot();
    REQUIRE(snap.points.size() == 4);
    CHECK(find_point(snap, a)->value == 4);
    CHECK(find_point(snap, b)->value == 30);
    CHECK(find_point(snap, c2)->value == 100);
    CHECK(find_point(snap, d)->value == 1000);
}

TEST_CASE("more attribute sets in turn than the instrument remembers still count apart") {
    metrics_registry reg;
    auto& h = reg.add_histogram("h", "", "", {1, 10});
    std::vector<attribute_set> sets;
    for (int i = 0; i < 6; ++i) sets.push_back({{"route", "/v1"}, {"kind", std::to_string(i)}});
    for (int round = 0; round < 3; ++round)
        for (int i = 0; i < 6; ++i) h.record(i, sets[static_cast<std::size_t>(i)]);
    const auto snap = h.snapshot();
    REQUIRE(snap.points.size() == 6);
    for (int i = 0; i < 6; ++i) {
        const auto* p = find_point(snap, sets[static_cast<std::size_t>(i)]);
        REQUIRE(p);
        CHECK(p->count == 3);
        CHECK(p->sum == doctest::Approx(3.0 * i));
    }
}

TEST_CASE("after the series limit, new attribute sets go to the overflow series") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "", "");
    const auto limit = metrics_registry::default_max_series;
    REQUIRE(limit == 2000);
    for (std::size_t i = 0; i < limit; ++i) c.add(1, {{"id", std::to_string(i)}});
    CHECK(c.snapshot().points.size() == limit);
    CHECK_FALSE(find_point(c.snapshot(), overflow));

    for (std::size_t i = limit; i < limit + 10; ++i) c.add(2, {{"id", std::to_string(i)}});
    c.add(3, {{"id", "0"}});  // an existing series still gets its own records

    const auto snap = c.snapshot();
    CHECK(snap.points.size() == limit + 1);
    const auto* o = find_point(snap, overflow);
    REQUIRE(o);
    CHECK(o->value == 20);
    CHECK(find_point(snap, {{"id", "0"}})->value == 4);
    CHECK_FALSE(find_point(snap, {{"id", std::to_string(limit)}}));
}

TEST_CASE("histogram overflow series has buckets too") {
    metrics_registry reg;
    auto& h = reg.add_histogram("h", "s", "", {1});
    for (std::size_t i = 0; i < metrics_registry::default_max_series + 3; ++i) h.record(2, {{"id", std::to_string(i)}});
    const auto snap = h.snapshot();
    const auto* o = find_point(snap, overflow);
    REQUIRE(o);
    CHECK(o->count == 3);
    CHECK(o->buckets == std::vector<std::uint64_t>{0, 3});
}

TEST_CASE("observables are read at collect time, after the instruments") {
    metrics_registry reg;
    std::atomic<int> idle{2};
    int calls = 0;
    reg.add_observable("tokentap.pool.idle", "{connection}", "Idle.", instrument_kind::gauge, [&] {
        ++calls;
        return std::vector<std::pair<attribute_set, double>>{{{{"host", "h"}}, double(idle.load())}};
    });
    reg.add_counter("first", "", "").add(1, {});
    CHECK(calls == 0);

    auto all = reg.collect();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "first");
    CHECK(all[1].name == "tokentap.pool.idle");
    CHECK(all[1].kind == instrument_kind::gauge);
    REQUIRE(all[1].points.size() == 1);
    CHECK(all[1].points[0].attributes == attribute_set{{"host", "h"}});
    CHECK(all[1].points[0].value == 2);

    idle = 9;
    all = reg.collect();
    CHECK(all[1].points[0].value == 9);
    CHECK(calls == 2);
}

TEST_CASE("concurrent adds and records from 4 threads sum exactly") {
    metrics_registry reg;
    auto& c = reg.add_counter("c", "", "");
    auto& h = reg.add_histogram("h", "", "", {0.5});
    constexpr int per_thread = 50000;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const attribute_set own = {{"thread", std::to_string(t)}};
            for (int i = 0; i < per_thread; ++i) {
                c.add(1, {{"shared", "yes"}});
                c.add(1, own);
                h.record(i % 2, {});
            }
        });
    }
    for (auto& t : threads) t.join();

    const auto snap = c.snapshot();
    CHECK(snap.points.size() == 5);
    CHECK(find_point(snap, {{"shared", "yes"}})->value == 4 * per_thread);
    for (int t = 0; t < 4; ++t) CHECK(find_point(snap, {{"thread", std::to_string(t)}})->value == per_thread);

    const auto hs = h.snapshot();
    REQUIRE(hs.points.size() == 1);
    CHECK(hs.points[0].count == 4 * per_thread);
    CHECK(hs.points[0].buckets == std::vector<std::uint64_t>{2 * per_thread, 2 * per_thread});
    CHECK(hs.points[0].sum == 2 * per_thread);
}

}  // TEST_SUITE

TEST_SUITE("unit/telemetry/metrics_registry") {

TEST_CASE("exemplars: the latest traced value of each bucket, with its span") {
    metrics_registry r;
    auto& h = r.add_histogram("gen_ai.client.operation.duration", "s", "", {1, 10});
    span a, b, c;
    a.trace.fill(1);
    a.id.fill(2);
    b.trace.fill(3);
    b.id.fill(4);
    c.trace.fill(5);
    c.id.fill(6);
    h.record(0.5, {{"k", "v"}});             // no span: counted, no exemplar
    h.record(5, {{"k", "v"}}, &a, 1000);      // bucket (1, 10]
    h.record(7, {{"k", "v"}}, &b, 2000);      // same bucket: the later one wins
    h.record(50, {{"k", "v"}}, &c, 3000);     // +Inf bucket
    const auto m = r.collect().at(0);
    const auto* p = find_point(m, {{"k", "v"}});
    REQUIRE(p);
    CHECK(p->count == 4);
    REQUIRE(p->exemplars.size() == 3);
    CHECK(p->exemplars[0].time_unix_ns == 0);  // the first bucket has none
    CHECK(p->exemplars[1].value == 7);
    CHECK(p->exemplars[1].time_unix_ns == 2000);
    CHECK(p->exemplars[1].trace == b.trace);
    CHECK(p->exemplars[1].span == b.id);
    CHECK(p->exemplars[2].value == 50);
    CHECK(p->exemplars[2].span == c.id);
}

}  // TEST_SUITE
