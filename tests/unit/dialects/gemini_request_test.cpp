#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tokentap/dialects/gemini/gemini_request.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::gemini;

namespace {

const gemini_call generate{gemini_api::generate, "gemini-2.5-flash"};
const gemini_call stream{gemini_api::stream_generate, "gemini-2.5-flash"};

}  // namespace

TEST_SUITE("unit/dialects/gemini/request") {

TEST_CASE("generationConfig in camelCase") {
    const auto f = read_gemini_request(stream, R"({
        "contents":[{"role":"user","parts":[{"text":"hi"}]}],
        "generationConfig":{"temperature":0.3,"topP":0.95,"topK":40,"maxOutputTokens":512,
            "stopSequences":["END","STOP"],"candidateCount":2,"seed":11,"presencePenalty":0.5,
            "frequencyPenalty":-0.25,"responseMimeType":"application/json",
            "thinkingConfig":{"thinkingLevel":"low"}}})");
    CHECK(f.operation == "generate_content");
    CHECK(f.model == "gemini-2.5-flash");
    CHECK(f.stream);
    CHECK(f.temperature == doctest::Approx(0.3));
    CHECK(f.top_p == doctest::Approx(0.95));
    CHECK(f.top_k == 40);
    CHECK(f.max_tokens == 512);
    CHECK(f.stop_sequences == std::vector<std::string>{"END", "STOP"});
    CHECK(f.choice_count == 2);
    CHECK(f.seed == 11);
    CHECK(f.presence_penalty == doctest::Approx(0.5));
    CHECK(f.frequency_penalty == doctest::Approx(-0.25));
    CHECK(f.output_type == "json");
    CHECK(f.reasoning_level == "low");
    CHECK(f.api_type.empty());
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("generation_config in snake_case, and the two spellings mixed") {
    auto f = read_gemini_request(generate, R"({
        "contents":[],"generation_config":{"temperature":1,"top_p":0.5,"top_k":8.0,"max_output_tokens":64,
            "stop_sequences":["x"],"candidate_count":3,"seed":5,"presence_penalty":0.1,"frequency_penalty":0.2,
            "response_mime_type":"text/plain","thinking_config":{"thinking_budget":1024}}})");
    CHECK_FALSE(f.stream);
    CHECK(f.temperature == doctest::Approx(1.0));
    CHECK(f.top_p == doctest::Approx(0.5));
    CHECK(f.top_k == 8);
    CHECK(f.max_tokens == 64);
    CHECK(f.stop_sequences == std::vector<std::string>{"x"});
    CHECK(f.choice_count == 3);
    CHECK(f.seed == 5);
    CHECK(f.presence_penalty == doctest::Approx(0.1));
    CHECK(f.frequency_penalty == doctest::Approx(0.2));
    CHECK(f.output_type == "text");
    CHECK(f.reasoning_level == "1024");
    // Vertex clients send snake_case keys inside a camelCase object.
    f = read_gemini_request(generate, R"({"generationConfig":{"max_output_tokens":100,"stop_sequences":["a"],
        "thinkingConfig":{"thinking_budget":0}}})");
    CHECK(f.max_tokens == 100);
    CHECK(f.stop_sequences == std::vector<std::string>{"a"});
    CHECK(f.reasoning_level == "0");
}

TEST_CASE("thinking: the level wins over the budget; a dynamic budget is -1") {
    const auto level = [](const char* thinking_config) {
        return read_gemini_request(generate, std::string(R"({"generationConfig":{"thinkingConfig":)") +
                                                 thinking_config + "}}")
            .reasoning_level;
    };
    CHECK(level(R"({"thinkingBudget":2048,"thinkingLevel":"high"})") == "high");
    CHECK(level(R"({"thinkingBudget":-1,"includeThoughts":true})") == "-1");
    CHECK_FALSE(level(R"({"includeThoughts":true})"));
}

TEST_CASE("output type from the mime type, else from the modalities") {
    const auto type = [](const char* body) { return read_gemini_request(generate, body).output_type; };
    CHECK(type(R"({"generationConfig":{"responseMimeType":"text/x.enum"}})") == "text");
    CHECK_FALSE(type(R"({"generationConfig":{"responseMimeType":"image/png"}})"));
    CHECK(type(R"({"generationConfig":{"responseModalities":["TEXT","IMAGE"]}})") == "image");
    CHECK(type(R"({"generationConfig":{"response_modalities":["AUDIO"]}})") == "speech");
    CHECK_FALSE(type(R"({"generationConfig":{"responseModalities":["TEXT"]}})"));
    CHECK(type(R"({"generationConfig":{"responseMimeType":"application/json","responseModalities":["IMAGE"]}})") ==
          "json");
}

TEST_CASE("defaults are not invented, wrong types are ignored") {
    auto f = read_gemini_request(generate,
                                 R"({"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"candidateCount":1}})");
    CHECK_FALSE(f.choice_count);  // only when != 1
    CHECK_FALSE(f.temperature);
    CHECK_FALSE(f.max_tokens);
    CHECK_FALSE(f.output_type);
    CHECK_FALSE(f.reasoning_level);
    f = read_gemini_request(generate,
                            R"({"generationConfig":{"temperature":"hot","maxOutputTokens":1.5,"topK":null}})");
    CHECK_FALSE(f.temperature);
    CHECK_FALSE(f.max_tokens);
    CHECK_FALSE(f.top_k);
    f = read_gemini_request(generate, R"({"generationConfig":[1,2]})");
    CHECK_FALSE(f.temperature);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("embeddings: dimensions, single and batch") {
    const gemini_call embed{gemini_api::embed, "gemini-embedding-001"};
    const gemini_call batch{gemini_api::batch_embed, "text-embedding-004"};
    auto f = read_gemini_request(embed, R"({"content":{"parts":[{"text":"a"}]},"outputDimensionality":768})");
    CHECK(f.operation == "embeddings");
    CHECK(f.model == "gemini-embedding-001");
    CHECK_FALSE(f.stream);
    CHECK(f.dimensions == 768);
    CHECK(read_gemini_request(embed, R"({"content":{},"output_dimensionality":256})").dimensions == 256);
    f = read_gemini_request(batch, R"({"requests":[
        {"model":"models/text-embedding-004","content":{"parts":[{"text":"[{\"a\"}]"}]},"outputDimensionality":128},
        {"model":"models/text-embedding-004","content":{"parts":[{"text":"b"}]},"outputDimensionality":128}]})");
    CHECK(f.model == "text-embedding-004");  // the path's, not the body's "models/..."
    CHECK(f.dimensions == 128);
    CHECK(read_gemini_request(batch, R"({"requests":[{"output_dimensionality":64}]})").dimensions == 64);
    CHECK_FALSE(read_gemini_request(batch, R"({"requests":[{"content":{}}]})").dimensions);
    CHECK_FALSE(read_gemini_request(batch, R"({"requests":[]})").dimensions);
    CHECK_FALSE(read_gemini_request(batch, R"({"requests":{"outputDimensionality":1}})").dimensions);
}

TEST_CASE("unreadable bodies and calls that are not read") {
    auto f = read_gemini_request(generate, "{not json");
    CHECK(f.body_unreadable);
    CHECK(f.operation == "generate_content");
    CHECK(f.model == "gemini-2.5-flash");
    CHECK(read_gemini_request(generate, R"({"generationConfig":{"temperature":0.1}} trailing)").body_unreadable);
    CHECK_FALSE(read_gemini_request(generate, "").body_unreadable);  // no body to read
    f = read_gemini_request(gemini_call{}, R"({"generationConfig":{"temperature":0.1}})");
    CHECK(f.operation.empty());
    CHECK_FALSE(f.temperature);
}

}
