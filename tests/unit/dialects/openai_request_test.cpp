#include <doctest/doctest.h>

#include "tokentap/dialects/openai/openai_request.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::openai;

TEST_SUITE("unit/dialects/openai/request") {

TEST_CASE("chat completions parameters") {
    const auto f = read_openai_request(openai_api::chat_completions, "/v1/chat/completions", R"({
        "model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"temperature":0.2,"top_p":0.9,
        "max_completion_tokens":256,"max_tokens":100,"stop":"END","seed":7,"n":2,"frequency_penalty":0.5,
        "presence_penalty":-0.5,"response_format":{"type":"json_schema","json_schema":{}},
        "reasoning_effort":"low","service_tier":"flex","stream":true})");
    CHECK(f.operation == "chat");
    CHECK(f.api_type == "chat_completions");
    CHECK(f.model == "gpt-4o");
    CHECK(f.stream);
    CHECK(f.temperature == doctest::Approx(0.2));
    CHECK(f.top_p == doctest::Approx(0.9));
    CHECK(f.max_tokens == 256);  // max_completion_tokens wins over the deprecated max_tokens
    CHECK(f.stop_sequences == std::vector<std::string>{"END"});
    CHECK(f.seed == 7);
    CHECK(f.choice_count == 2);
    CHECK(f.frequency_penalty == doctest::Approx(0.5));
    CHECK(f.presence_penalty == doctest::Approx(-0.5));
    CHECK(f.output_type == "json");
    CHECK(f.reasoning_level == "low");
    CHECK(f.service_tier == "flex");
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("defaults are not invented") {
    const auto f = read_openai_request(openai_api::chat_completions, "/v1/chat/completions",
                                       R"({"model":"gpt-4o","messages":[],"n":1,"service_tier":"auto"})");
    CHECK_FALSE(f.choice_count);  // only when != 1
    CHECK_FALSE(f.service_tier);  // only when not auto
    CHECK_FALSE(f.temperature);
    CHECK_FALSE(f.stream);
    CHECK_FALSE(f.stop_sequences);
}

TEST_CASE("the Azure deployment is the model when the body has none") {
    auto f = read_openai_request(openai_api::chat_completions, "/openai/deployments/gpt-4o-mini/chat/completions",
                                 R"({"messages":[]})");
    CHECK(f.model == "gpt-4o-mini");
    f = read_openai_request(openai_api::chat_completions, "/openai/deployments/dep/chat/completions",
                            R"({"model":"gpt-4.1","messages":[]})");
    CHECK(f.model == "gpt-4.1");
}

TEST_CASE("legacy completions, embeddings, responses, fetch") {
    auto f = read_openai_request(openai_api::completions, "/v1/completions",
                                 R"({"model":"gpt-3.5-turbo-instruct","prompt":"x","max_tokens":5,"stop":["a","b"]})");
    CHECK(f.operation == "text_completion");
    CHECK(f.max_tokens == 5);
    CHECK(f.stop_sequences == std::vector<std::string>{"a", "b"});

    f = read_openai_request(openai_api::embeddings, "/v1/embeddings",
                            R"({"model":"text-embedding-3-small","input":["a","b"],"encoding_format":"base64","dimensions":256})");
    CHECK(f.operation == "embeddings");
    CHECK(f.encoding_formats == std::vector<std::string>{"base64"});
    CHECK(f.dimensions == 256);

    f = read_openai_request(openai_api::responses, "/v1/responses", R"({
        "model":"gpt-5","input":"hi","max_output_tokens":64,"reasoning":{"effort":"high"},
        "text":{"format":{"type":"json_object"}},"previous_response_id":"resp_0","conversation":{"id":"conv_1"}})");
    CHECK(f.operation == "chat");
    CHECK(f.api_type == "responses");
    CHECK(f.max_tokens == 64);
    CHECK(f.reasoning_level == "high");
    CHECK(f.output_type == "json");
    CHECK(f.previous_response_id == "resp_0");
    CHECK(f.conversation_id == "conv_1");

    f = read_openai_request(openai_api::responses_fetch, "/v1/responses/resp_1", "");
    CHECK(f.operation == "fetch_response");
    CHECK_FALSE(f.model);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("a body that is not JSON is marked, not thrown") {
    const auto f = read_openai_request(openai_api::chat_completions, "/v1/chat/completions", "{\"model\": ");
    CHECK(f.body_unreadable);
    CHECK(f.operation == "chat");
    CHECK_FALSE(f.model);
    const auto wrong_types = read_openai_request(openai_api::chat_completions, "/v1/chat/completions",
                                                 R"({"model":5,"temperature":"hot","stream":"yes","stop":7})");
    CHECK_FALSE(wrong_types.model);
    CHECK_FALSE(wrong_types.temperature);
    CHECK_FALSE(wrong_types.stream);
    CHECK_FALSE(wrong_types.stop_sequences);
}

}
