#include <doctest/doctest.h>

#include "tokentap/pricing/cost.hpp"
#include "tokentap/pricing/price_table.hpp"
#include "tokentap/telemetry/call_cost.hpp"

using namespace tokentap;
using namespace tokentap::pricing;

namespace {

const char* table_json = R"({"schema": 1, "version": "test.1", "updated": "2026-11-23", "providers": {
  "openai": {"gpt-4o": {"input": 2.5, "output": 10.0, "cache_read": 1.25},
             "free-model": {"input": 0, "output": 0},
             "no-output-price": {"input": 1.0}},
  "anthropic": {"claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_write": 3.75},
                "claude-opus-4-1": {"input": 15.0, "output": 75.0, "cache_read": 1.5, "cache_write": 18.75,
                                    "cache_write_1h": 30.0}},
  "gcp.gemini": {"gemini-2.5-pro": {"input": 1.25, "output": 10.0,
                 "tiers": [{"above_input_tokens": 200000, "input": 2.5, "output": 15.0}]}},
  "aws.bedrock": {"anthropic.claude-3-haiku": {"input": 0.25, "output": 1.25}}}})";

const price_table& table() {
    static const price_table t = *price_table::parse(table_json);
    return t;
}

dialects::token_usage usage(std::int64_t in, std::int64_t out, std::int64_t cache_read = 0, std::int64_t cache_write = 0) {
    dialects::token_usage u;
    u.input = in;
    u.output = out;
    if (cache_read) u.cache_read = cache_read;
    if (cache_write) u.cache_write = cache_write;
    return u;
}

}  // namespace

TEST_SUITE("unit/pricing") {

TEST_CASE("the table parses and rejects what is not one") {
    CHECK(table().version() == "test.1");
    CHECK(table().size() == 7);
    std::string why;
    CHECK_FALSE(price_table::parse("[]", &why));
    CHECK_FALSE(price_table::parse(R"({"schema": 2, "providers": {}})", &why));
    CHECK(why == "schema is not 1");
}

TEST_CASE("model names are normalised: snapshots, case, vendor and region prefixes, Azure and Vertex") {
    CHECK(table().find("openai", "gpt-4o"));
    CHECK(table().find("openai", "gpt-4o-2024-08-06") == table().find("openai", "gpt-4o"));
    CHECK(table().find("openai", "GPT-4o"));
    CHECK(table().find("anthropic", "claude-sonnet-4-5-20250929"));
    CHECK(table().find("aws.bedrock", "us.anthropic.claude-3-haiku-20240307-v1:0"));
    CHECK(table().find("aws.bedrock", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"));
    CHECK(table().find("azure.ai.openai", "gpt-4o-2024-11-20") == table().find("openai", "gpt-4o"));
    CHECK(table().find("gcp.vertex_ai", "gemini-2.5-pro"));
    CHECK(table().find("gcp.gemini", "models/gemini-2.5-pro"));
    CHECK_FALSE(table().find("openai", "gpt-9"));
    CHECK_FALSE(table().find("groq", "gpt-4o"));
    CHECK_FALSE(table().find("openai", ""));
}

TEST_CASE("cost: uncached input, cache reads and writes, output") {
    auto c = compute_cost(*table().find("openai", "gpt-4o"), usage(1'000'000, 100'000, 400'000));
    REQUIRE(c);
    CHECK(c->input == doctest::Approx(600'000 * 2.5e-6));
    CHECK(c->cache_read == doctest::Approx(400'000 * 1.25e-6));
    CHECK(c->output == doctest::Approx(1.0));
    CHECK(c->total == doctest::Approx(1.5 + 0.5 + 1.0));
    // Anthropic: input here already includes the cache, as the conventions count it.
    c = compute_cost(*table().find("anthropic", "claude-sonnet-4-5"), usage(3000, 1000, 1000, 1000));
    REQUIRE(c);
    CHECK(c->input == doctest::Approx(1000 * 3e-6));
    CHECK(c->cache_read == doctest::Approx(1000 * 0.3e-6));
    CHECK(c->cache_write == doctest::Approx(1000 * 3.75e-6));
    CHECK(c->output == doctest::Approx(1000 * 15e-6));
}

TEST_CASE("cost: one-hour cache writes at their own price, five-minute writes at theirs") {
    // 1,000 uncached + 4,000 written (1,000 of them for one hour) in, 100 out:
    // 1,000 x 15 + 3,000 x 18.75 + 1,000 x 30 + 100 x 75 = 108,750 micro-dollars.
    auto u = usage(5'000, 100, 0, 4'000);
    u.cache_write_1h = 1'000;
    auto c = compute_cost(*table().find("anthropic", "claude-opus-4-1"), u);
    REQUIRE(c);
    CHECK(c->cache_write == doctest::Approx(3'000 * 18.75e-6 + 1'000 * 30e-6));
    CHECK(c->total == 0.10875);
    // A model without a one-hour price bills every write at the five-minute price.
    c = compute_cost(*table().find("anthropic", "claude-sonnet-4-5"), u);
    REQUIRE(c);
    CHECK(c->cache_write == doctest::Approx(4'000 * 3.75e-6));
    // A one-hour count larger than the writes is capped by them.
    u.cache_write_1h = 9'000;
    c = compute_cost(*table().find("anthropic", "claude-opus-4-1"), u);
    REQUIRE(c);
    CHECK(c->cache_write == doctest::Approx(4'000 * 30e-6));
}

TEST_CASE("known calls, to the fraction of a cent") {
    // GPT-4o, 12,000 input of which 8,000 cached, 600 output (reasoning counts as output):
    // 4,000 x $2.50 + 8,000 x $1.25 + 600 x $10.00 per million = $0.026 exactly.
    auto c = compute_cost(*table().find("openai", "gpt-4o"), usage(12'000, 600, 8'000));
    REQUIRE(c);
    CHECK(c->total == 0.026);
    // Claude Sonnet 4.5: 100 uncached + 20,000 cache read + 5,000 cache write in, 1,234 out:
    // 100 x 3 + 20,000 x 0.30 + 5,000 x 3.75 + 1,234 x 15 = 43,560 micro-dollars.
    c = compute_cost(*table().find("anthropic", "claude-sonnet-4-5"), usage(25'100, 1'234, 20'000, 5'000));
    REQUIRE(c);
    CHECK(c->total == 0.04356);
    // Gemini 2.5 Pro, thoughts counted in output: 1,000 in, 300 candidates + 700 thoughts out.
    c = compute_cost(*table().find("gcp.gemini", "gemini-2.5-pro"), usage(1'000, 1'000));
    REQUIRE(c);
    CHECK(c->total == 0.01125);
    // Sums of many small calls stay exact: a million 1-token calls at $0.15 per million is $0.15.
    double total = 0;
    dialects::token_usage one = usage(1, 0);
    pricing::model_price cheap{{0.15, 0.6, {}, {}, {}}, {}};
    for (int i = 0; i < 1000; ++i) total += compute_cost(cheap, one)->total;
    CHECK(total == doctest::Approx(0.00015).epsilon(1e-12));
}

TEST_CASE("cost: Gemini's tool-use prompt is billed as input, and counts toward the tier") {
    const auto& gemini = *table().find("gcp.gemini", "gemini-2.5-pro");
    auto u = usage(1'000, 0);
    u.tool_input = 3'000;
    CHECK(compute_cost(gemini, u)->input == doctest::Approx(4'000 * 1.25e-6));
    u = usage(150'000, 0);
    u.tool_input = 60'000;  // 210,000 read in all: the upper tier
    CHECK(compute_cost(gemini, u)->input == doctest::Approx(210'000 * 2.5e-6));
}

TEST_CASE("cost: the tier follows the whole input; a missing price means no amount") {
    const auto& gemini = *table().find("gcp.gemini", "gemini-2.5-pro");
    CHECK(compute_cost(gemini, usage(200'000, 0))->input == doctest::Approx(0.25));
    CHECK(compute_cost(gemini, usage(200'001, 1'000'000))->output == doctest::Approx(15.0));
    CHECK(compute_cost(*table().find("openai", "free-model"), usage(10, 10))->total == 0);
    CHECK_FALSE(compute_cost(*table().find("openai", "no-output-price"), usage(10, 10)));
    CHECK(compute_cost(*table().find("openai", "no-output-price"), usage(10, 0)));  // not needed, not missing
}

TEST_CASE("pricing a call: local, provider-reported, unpriced, no usage") {
    telemetry::genai_call c;
    c.provider = "openai";
    c.request.model = "gpt-4o";
    c.response.model = "gpt-4o-2024-08-06";
    c.response.usage = usage(1000, 100);
    telemetry::price_call(c, table());
    REQUIRE(c.cost_usd);
    CHECK(*c.cost_usd == doctest::Approx(1000 * 2.5e-6 + 100 * 10e-6));
    CHECK(c.cost_source == "local");
    CHECK(c.price_table == "test.1");

    telemetry::genai_call routed = c;
    routed.provider = "openrouter";
    routed.cost_usd.reset();
    routed.cost_by_kind.reset();
    routed.response.usage.provider_cost = 0.042;
    telemetry::price_call(routed, table());
    CHECK(routed.cost_usd == 0.042);
    CHECK(routed.cost_source == "provider");

    telemetry::genai_call unknown;
    unknown.provider = "openai";
    unknown.request.model = "gpt-9";
    unknown.response.usage = usage(5, 5);
    telemetry::price_call(unknown, table());
    CHECK(unknown.unpriced);
    CHECK_FALSE(unknown.cost_usd);

    telemetry::genai_call none;
    none.provider = "openai";
    none.request.model = "gpt-4o";
    telemetry::price_call(none, table());
    CHECK_FALSE(none.unpriced);
    CHECK(none.price_table.empty());
}

TEST_CASE("the built-in table is the committed one and prices well-known models") {
    const auto& t = price_table::builtin();
    CHECK(t.size() > 1000);
    const auto* p = t.find("openai", "gpt-4o-mini-2024-07-18");
    REQUIRE(p);
    CHECK(p->base.input == doctest::Approx(0.15));
    CHECK(p->base.output == doctest::Approx(0.60));
}

}

TEST_SUITE("unit/pricing/settings") {

TEST_CASE("config overrides add and replace prices over the built-in table") {
    config::pricing_settings s;
    s.overrides.push_back({"openai", "ft:gpt-4o-mini:acme", 0.3, 1.2, {}, {}, {}});
    s.overrides.push_back({"ollama", "llama3.2", 0, 0, {}, {}, {}});
    const auto t = price_table::from_settings(s);
    CHECK(t.version().ends_with("+config"));
    const auto* ft = t.find("openai", "ft:gpt-4o-mini:acme");
    REQUIRE(ft);
    CHECK(ft->base.output == 1.2);
    CHECK(ft->source == "config");
    CHECK(compute_cost(*t.find("ollama", "llama3.2"), usage(100, 100))->total == 0);
    CHECK(t.find("openai", "gpt-4o"));  // the built-in table is still there
}

TEST_CASE("a price file that cannot be used is an error that names it") {
    config::pricing_settings s;
    s.file = "/nonexistent/prices.json";
    CHECK_THROWS_WITH_AS(price_table::from_settings(s), doctest::Contains("/nonexistent/prices.json"), std::runtime_error);
}

}
