#include <doctest/doctest.h>

#include <algorithm>

#include "tokentap/telemetry/genai_metrics.hpp"
#include "tokentap/telemetry/telemetry_pipeline.hpp"

using namespace tokentap::telemetry;

namespace {
const metric_snapshot& metric(const std::vector<metric_snapshot>& all, const std::string& name) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const metric_snapshot& m) { return m.name == name; });
    REQUIRE_MESSAGE(it != all.end(), name);
    return *it;
}

genai_call call(const std::string& model) {
    genai_call c;
    c.provider = "openai";
    c.request.operation = "chat";
    c.request.model = model;
    c.response.usage.input = 10;
    c.response.usage.output = 3;
    c.status = 200;
    c.start_unix_ns = 1'000'000'000;
    c.end_unix_ns = 1'500'000'000;
    return c;
}
}  // namespace

TEST_SUITE("unit/telemetry/genai_metrics") {

TEST_CASE("a call's span becomes the exemplar of its duration and token records") {
    metrics_registry registry;
    pipeline_stats stats;
    genai_metrics m(registry, stats);
    span s;
    s.trace.fill(0x11);
    s.id.fill(0x22);
    m.record(call("traced"), &s);
    m.record(call("untraced"));
    const auto all = registry.collect();
    for (const auto* name : {"gen_ai.client.operation.duration", "gen_ai.client.token.usage"}) {
        const auto& h = metric(all, name);
        int traced = 0, untraced = 0;
        for (const auto& p : h.points) {
            const bool is_traced = std::count(p.attributes.begin(), p.attributes.end(),
                                              std::pair<attribute_key, std::string>{"gen_ai.request.model", "traced"}) > 0;
            const auto with = std::count_if(p.exemplars.begin(), p.exemplars.end(),
                                            [&](const exemplar& e) { return e.time_unix_ns != 0; });
            if (is_traced) {
                ++traced;
                CHECK(with == 1);
                for (const auto& e : p.exemplars)
                    if (e.time_unix_ns) {
                        CHECK(e.span == s.id);
                        CHECK(e.trace == s.trace);
                        CHECK(e.time_unix_ns == 1'500'000'000);
                    }
            } else {
                ++untraced;
                CHECK(with == 0);
            }
        }
        CHECK(traced >= 1);
        CHECK(untraced >= 1);
    }
}

}  // TEST_SUITE
