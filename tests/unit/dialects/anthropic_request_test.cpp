#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tokentap/dialects/anthropic/anthropic_request.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::anthropic;

TEST_SUITE("unit/dialects/anthropic/request") {

TEST_CASE("a Messages request: model, stream and the generation parameters") {
    const auto f = read_anthropic_request(anthropic_api::messages, R"({
        "model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"temperature":0.2,"top_p":0.9,"top_k":40,
        "stop_sequences":["END","\n\nHuman:"],"service_tier":"standard_only",
        "system":[{"type":"text","text":"be brief","cache_control":{"type":"ephemeral"}}],
        "messages":[{"role":"user","content":"hi"}],"tools":[{"name":"t","input_schema":{"type":"object"}}]})");
    CHECK(f.operation == "chat");
    CHECK(f.api_type.empty());
    CHECK(f.model == "claude-sonnet-4-5");
    CHECK(f.stream);
    CHECK(f.max_tokens == 1024);
    CHECK(f.temperature == doctest::Approx(0.2));
    CHECK(f.top_p == doctest::Approx(0.9));
    CHECK(f.top_k == 40);
    CHECK(f.stop_sequences == std::vector<std::string>{"END", "\n\nHuman:"});
    CHECK(f.service_tier == "standard_only");
    CHECK_FALSE(f.reasoning_level);
    CHECK_FALSE(f.output_type);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("the reasoning level is output_config.effort; a thinking budget names no level") {
    auto f = read_anthropic_request(anthropic_api::messages,
                                    R"({"model":"claude-opus-4-6","max_tokens":64,"output_config":{"effort":"low"}})");
    CHECK(f.reasoning_level == "low");
    CHECK_FALSE(f.stream);
    f = read_anthropic_request(
        anthropic_api::messages,
        R"({"model":"m","max_tokens":64,"thinking":{"type":"enabled","budget_tokens":2048},"output_config":{"effort":"max"}})");
    CHECK(f.reasoning_level == "max");
    f = read_anthropic_request(anthropic_api::messages,
                               R"({"model":"m","max_tokens":64,"thinking":{"type":"enabled","budget_tokens":2048}})");
    CHECK_FALSE(f.reasoning_level);
    f = read_anthropic_request(anthropic_api::messages, R"({"model":"m","thinking":{"type":"adaptive"}})");
    CHECK_FALSE(f.reasoning_level);
}

TEST_CASE("structured outputs ask for JSON") {
    CHECK(read_anthropic_request(anthropic_api::messages,
                                 R"({"model":"m","output_config":{"format":{"type":"json_schema","schema":{}}}})")
              .output_type == "json");
    CHECK(read_anthropic_request(anthropic_api::messages, R"({"model":"m","output_format":{"type":"json_schema"}})")
              .output_type == "json");
}

TEST_CASE("the default service tier is not an attribute") {
    CHECK_FALSE(read_anthropic_request(anthropic_api::messages, R"({"model":"m","service_tier":"auto"})").service_tier);
}

TEST_CASE("a legacy Text Completions request") {
    const auto f = read_anthropic_request(
        anthropic_api::complete,
        R"({"model":"claude-2.1","prompt":"\n\nHuman: hi\n\nAssistant:","max_tokens_to_sample":300,"max_tokens":7,
            "top_p":0.1,"stop_sequences":["\n\nHuman:"]})");
    CHECK(f.operation == "text_completion");
    CHECK(f.model == "claude-2.1");
    CHECK(f.max_tokens == 300);
    CHECK(f.top_p == doctest::Approx(0.1));
    CHECK(f.stop_sequences == std::vector<std::string>{"\n\nHuman:"});
}

TEST_CASE("bodies that are not a JSON object") {
    CHECK(read_anthropic_request(anthropic_api::messages, "not json").body_unreadable);
    CHECK(read_anthropic_request(anthropic_api::messages, "[1,2]").body_unreadable);
    CHECK(read_anthropic_request(anthropic_api::messages, R"({"model":"m")").body_unreadable);
    CHECK(read_anthropic_request(anthropic_api::messages, R"({"model":"m"} trailing)").body_unreadable);
    const auto f = read_anthropic_request(anthropic_api::messages, "not json");
    CHECK(f.operation == "chat");
    CHECK_FALSE(f.model);
}

TEST_CASE("wrong types read as absent") {
    const auto f = read_anthropic_request(
        anthropic_api::messages,
        R"({"model":42,"stream":"yes","max_tokens":"many","temperature":"hot","top_k":1.5,"output_config":{"effort":3}})");
    CHECK_FALSE(f.model);
    CHECK_FALSE(f.stream);
    CHECK_FALSE(f.max_tokens);
    CHECK_FALSE(f.temperature);
    CHECK_FALSE(f.top_k);
    CHECK_FALSE(f.reasoning_level);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("other endpoints are not read") {
    const auto f = read_anthropic_request(anthropic_api::none, R"({"model":"claude-sonnet-4-5"})");
    CHECK(f.operation.empty());
    CHECK_FALSE(f.model);
}

}
