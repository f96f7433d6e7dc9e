#include <doctest/doctest.h>

#include <algorithm>

#include "tokentap/telemetry/ratelimit_gauges.hpp"

using namespace tokentap::telemetry;
using tokentap::ratelimit::limit_kind;

namespace {

const metric_snapshot& metric(const std::vector<metric_snapshot>& all, const std::string& name) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const metric_snapshot& m) { return m.name == name; });
    REQUIRE_MESSAGE(it != all.end(), name);
    return *it;
}

genai_call call_with(const std::string& provider, const std::string& caller, std::int64_t limit, std::int64_t remaining) {
    genai_call c;
    c.provider = provider;
    c.caller = caller;
    auto& r = c.limits.kinds[static_cast<std::size_t>(limit_kind::requests)];
    r.limit = limit;
    r.remaining = remaining;
    return c;
}

}  // namespace

TEST_SUITE("unit/telemetry/ratelimit gauges") {

TEST_CASE("the last reading per provider, kind and caller; never the key itself") {
    metrics_registry registry;
    ratelimit_gauges gauges(registry);
    gauges.record(call_with("openai", "ab12", 60, 59));
    gauges.record(call_with("openai", "ab12", 60, 41));  // later reading wins
    gauges.record(call_with("openai", "cd34", 500, 7));
    genai_call none;
    none.provider = "openai";
    gauges.record(none);  // no limit headers: nothing recorded
    const auto all = registry.collect();
    const auto& remaining = metric(all, "tokentap.ratelimit.remaining");
    CHECK(remaining.kind == instrument_kind::gauge);
    REQUIRE(remaining.points.size() == 2);
    for (const auto& p : remaining.points) {
        const attribute_set a1 = {{"gen_ai.provider.name", "openai"}, {"tokentap.ratelimit.kind", "requests"},
                                  {"tokentap.caller.hash", "ab12"}};
        if (p.attributes == a1) CHECK(p.value == 41);
        else CHECK(p.value == 7);
    }
    const auto& limit = metric(all, "tokentap.ratelimit.limit");
    REQUIRE(limit.points.size() == 2);
}

TEST_CASE("at most max_series sets; the rest are counted as untracked") {
    metrics_registry registry;
    ratelimit_gauges gauges(registry, 2);
    for (int i = 0; i < 5; ++i) gauges.record(call_with("openai", "caller" + std::to_string(i), 10, i));
    const auto all = registry.collect();
    CHECK(metric(all, "tokentap.ratelimit.remaining").points.size() == 2);
    REQUIRE(metric(all, "tokentap.ratelimit.untracked").points.size() == 1);
    CHECK(metric(all, "tokentap.ratelimit.untracked").points[0].value == 3);
}

}  // TEST_SUITE
