#include <doctest/doctest.h>

#include <algorithm>
#include <string>

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

TEST_CASE("calls of more combinations than are kept, repeated, each count in their own series") {
    // 20 request models, 3 rounds: the series kept per combination (8) are replaced again and
    // again; every fifth model fails, so its duration series carries error.type.
    metrics_registry registry;
    pipeline_stats stats;
    genai_metrics m(registry, stats);
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 20; ++i) {
            auto c = call("model-" + std::to_string(i));
            c.response.usage.input = 10 + i;
            if (i % 5 == 0) c.status = 500;
            c.cost_usd = 0.5;
            c.cost_by_kind = tokentap::pricing::cost_breakdown{};
            c.cost_by_kind->input = 0.25 * (i + 1);
            c.cost_by_kind->output = 0.125;
            m.record(c);
        }
    }
    const auto all = registry.collect();
    const auto has = [](const series_point& p, std::string_view key, std::string_view value) {
        return std::any_of(p.attributes.begin(), p.attributes.end(),
                           [&](const auto& a) { return a.first == key && a.second == value; });
    };
    const auto find_point = [&](const metric_snapshot& s, auto&& wanted) -> const series_point& {
        const auto it = std::find_if(s.points.begin(), s.points.end(), wanted);
        REQUIRE(it != s.points.end());
        return *it;
    };
    const auto& tokens = metric(all, "gen_ai.client.token.usage");
    const auto& duration = metric(all, "gen_ai.client.operation.duration");
    const auto& cost = metric(all, "gen_ai.client.operation.cost");
    const auto& spend = metric(all, "tokentap.cost.usd");
    CHECK(tokens.points.size() == 40);
    CHECK(duration.points.size() == 20);
    CHECK(cost.points.size() == 20);
    CHECK(spend.points.size() == 40);
    CHECK(metric(all, "gen_ai.client.operation.time_to_first_chunk").points.empty());  // no call streamed
    CHECK(metric(all, "tokentap.cost.unpriced_tokens").points.empty());
    for (int i = 0; i < 20; ++i) {
        const auto model = "model-" + std::to_string(i);
        CAPTURE(model);
        const auto& input = find_point(tokens, [&](const series_point& p) {
            return has(p, "gen_ai.request.model", model) && has(p, "gen_ai.token.type", "input");
        });
        CHECK(input.count == 3);
        CHECK(input.sum == doctest::Approx(3 * (10 + i)));
        const auto& output = find_point(tokens, [&](const series_point& p) {
            return has(p, "gen_ai.request.model", model) && has(p, "gen_ai.token.type", "output");
        });
        CHECK(output.count == 3);
        CHECK(output.sum == doctest::Approx(9));
        const auto& d = find_point(duration, [&](const series_point& p) { return has(p, "gen_ai.request.model", model); });
        CHECK(d.count == 3);
        CHECK(has(d, "error.type", "500") == (i % 5 == 0));
        CHECK(d.attributes.size() == (i % 5 == 0 ? 6 : 5));
        const auto& in_usd = find_point(spend, [&](const series_point& p) {
            return has(p, "gen_ai.request.model", model) && has(p, "tokentap.token.kind", "input");
        });
        CHECK(in_usd.value == doctest::Approx(3 * 0.25 * (i + 1)));
        const auto& out_usd = find_point(spend, [&](const series_point& p) {
            return has(p, "gen_ai.request.model", model) && has(p, "tokentap.token.kind", "output");
        });
        CHECK(out_usd.value == doctest::Approx(3 * 0.125));
    }
}

TEST_CASE("an instance made where an earlier one was records into its own registry") {
    // The series kept per thread belong to the instance that looked them up: a later instance
    // (at the same address, likely) finds none of them.
    pipeline_stats stats;
    {
        metrics_registry earlier_registry;
        genai_metrics earlier(earlier_registry, stats);
        earlier.record(call("same"));
    }
    metrics_registry registry;
    genai_metrics later(registry, stats);
    later.record(call("same"));
    later.record(call("same"));
    const auto all = registry.collect();
    const auto& d = metric(all, "gen_ai.client.operation.duration");
    REQUIRE(d.points.size() == 1);
    CHECK(d.points[0].count == 2);
}

}  // TEST_SUITE
