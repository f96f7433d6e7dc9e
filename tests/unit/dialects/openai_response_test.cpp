#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tokentap/dialects/openai/openai_response.hpp"
#include "tokentap/sse/sse_framer.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::openai;

namespace {

response_facts read_body(openai_api api, const char* text) {
    response_facts f;
    read_openai_response(api, text, f);
    return f;
}

struct stream_result {
    response_facts facts;
    int usage_only_chunks = 0;
    std::uint64_t unreadable = 0;
};

// Feeds `stream` to a framer and a reader in the pieces given by `cuts` (offsets).
stream_result read_stream(openai_api api, const std::string& stream, const std::vector<std::size_t>& cuts) {
    tokentap::sse::sse_framer framer;
    openai_stream_reader reader(api);
    stream_result r;
    auto on_event = [&](const tokentap::sse::sse_event& e) {
        if (reader.on_event(e.event, e.data)) ++r.usage_only_chunks;
    };
    std::size_t at = 0;
    for (auto cut : cuts) {
        framer.feed(std::string_view(stream).substr(at, cut - at), on_event);
        at = cut;
    }
    framer.feed(std::string_view(stream).substr(at), on_event);
    framer.finish(on_event);
    r.facts = reader.facts();
    r.unreadable = reader.unreadable_events();
    return r;
}

// An OpenAI chat stream with include_usage: Azure's empty first chunk, two choices, CRLF line ends
// on one event, a comment, and the usage-only chunk before [DONE].
const std::string chat_stream =
    "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[]}\n\n"
    ": keep-alive\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null},{\"index\":1,\"delta\":{\"content\":\"Yo\"},\"finish_reason\":null}],\"usage\":null}\r\n\r\n"
    "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
    "data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":12,\"total_tokens\":42,\"prompt_tokens_details\":{\"cached_tokens\":16},\"completion_tokens_details\":{\"reasoning_tokens\":4}}}\n\n"
    "data: [DONE]\n\n";

void check_chat_stream(const stream_result& r) {
    const auto& f = r.facts;
    CHECK(f.id == "chatcmpl-1");
    CHECK(f.model == "gpt-4o-2024-08-06");
    CHECK(f.system_fingerprint == "fp_1");
    CHECK(f.finish_reasons == std::vector<std::string>{"stop", "length"});
    CHECK(f.usage.input == 30);
    CHECK(f.usage.output == 12);
    CHECK(f.usage.cache_read == 16);
    CHECK(f.usage.reasoning == 4);
    CHECK(f.stream_ended);
    CHECK(r.usage_only_chunks == 1);
    CHECK(r.unreadable == 0);
}

}  // namespace

TEST_SUITE("unit/dialects/openai/response") {

TEST_CASE("chat completion with cached and reasoning tokens") {
    const auto f = read_body(openai_api::chat_completions, R"({
        "id":"chatcmpl-9","object":"chat.completion","model":"o3-mini-2025-01-31","system_fingerprint":"fp_x",
        "service_tier":"default",
        "choices":[{"index":0,"message":{"role":"assistant","content":"4"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
                 "prompt_tokens_details":{"cached_tokens":1920},"completion_tokens_details":{"reasoning_tokens":256}}})");
    CHECK(f.id == "chatcmpl-9");
    CHECK(f.model == "o3-mini-2025-01-31");
    CHECK(f.service_tier == "default");
    CHECK(f.finish_reasons == std::vector<std::string>{"stop"});
    CHECK(f.usage.input == 2006);
    CHECK(f.usage.output == 300);
    CHECK(f.usage.cache_read == 1920);
    CHECK(f.usage.reasoning == 256);
    CHECK_FALSE(f.error_type);
}

TEST_CASE("provider quirks in whole bodies") {
    SUBCASE("DeepSeek cache hits") {
        const auto f = read_body(openai_api::chat_completions,
                                 R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_cache_hit_tokens":8,"prompt_cache_miss_tokens":2}})");
        CHECK(f.usage.cache_read == 8);
    }
    SUBCASE("OpenRouter cost") {
        const auto f = read_body(openai_api::chat_completions,
                                 R"({"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":2,"cost":0.00042}})");
        CHECK(f.usage.provider_cost == doctest::Approx(0.00042));
    }
    SUBCASE("legacy completions without completion_tokens") {
        const auto f = read_body(openai_api::completions,
                                 R"({"object":"text_completion","choices":[{"text":"","index":0,"finish_reason":"length"}],"usage":{"prompt_tokens":5,"total_tokens":5}})");
        CHECK(f.usage.input == 5);
        CHECK(f.usage.output == 0);
    }
    SUBCASE("legacy vision finish_details") {
        const auto f = read_body(openai_api::chat_completions,
                                 R"({"choices":[{"index":0,"finish_details":{"type":"max_tokens"}}]})");
        CHECK(f.finish_reasons == std::vector<std::string>{"max_tokens"});
    }
    SUBCASE("float token counts") {
        const auto f = read_body(openai_api::chat_completions, R"({"usage":{"prompt_tokens":6.0,"completion_tokens":2}})");
        CHECK(f.usage.input == 6);
    }
    SUBCASE("no usage block, no usage") {
        const auto f = read_body(openai_api::chat_completions, R"({"id":"x","choices":[{"index":0,"finish_reason":"stop"}]})");
        CHECK_FALSE(f.usage.any());
    }
}

TEST_CASE("error bodies give the provider's error type") {
    CHECK(read_body(openai_api::chat_completions,
                    R"({"error":{"message":"no","type":"invalid_request_error","param":null,"code":"model_not_found"}})")
              .error_type == "invalid_request_error");
    CHECK(read_body(openai_api::chat_completions, R"({"error":{"message":"slow down","type":null,"code":"rate_limit_exceeded"}})")
              .error_type == "rate_limit_exceeded");
    CHECK(read_body(openai_api::embeddings, R"({"error":{"message":"?"}})").error_type == "_OTHER");
}

TEST_CASE("embeddings: usage and dimensions, float arrays or base64") {
    auto f = read_body(openai_api::embeddings,
                       R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}})");
    CHECK(f.embedding_dimensions == 3);
    CHECK(f.usage.input == 8);
    CHECK_FALSE(f.usage.output);
    // 4 floats = 16 bytes = "AAAAAAAAAAAAAAAAAAAAAA==" in base64
    f = read_body(openai_api::embeddings, R"({"data":[{"embedding":"AAAAAAAAAAAAAAAAAAAAAA=="}]})");
    CHECK(f.embedding_dimensions == 4);
}

TEST_CASE("Responses API body and fetch") {
    const auto f = read_body(openai_api::responses, R"({
        "id":"resp_1","object":"response","status":"incomplete","model":"gpt-5-2025-08-07",
        "incomplete_details":{"reason":"max_output_tokens"},
        "usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":64},"output_tokens":50,
                 "output_tokens_details":{"reasoning_tokens":50},"total_tokens":150}})");
    CHECK(f.id == "resp_1");
    CHECK(f.model == "gpt-5-2025-08-07");
    CHECK(f.status == "incomplete");
    CHECK(f.finish_reasons == std::vector<std::string>{"max_output_tokens"});
    CHECK(f.usage.input == 100);
    CHECK(f.usage.cache_read == 64);
    CHECK(f.usage.reasoning == 50);
    const auto queued = read_body(openai_api::responses, R"({"id":"resp_2","status":"queued","usage":null})");
    CHECK(queued.finish_reasons.empty());
    CHECK_FALSE(queued.usage.any());
}

TEST_CASE("a chat stream read in one piece") { check_chat_stream(read_stream(openai_api::chat_completions, chat_stream, {})); }

TEST_CASE("a chat stream split at every byte gives the same facts") {
    for (std::size_t cut = 1; cut < chat_stream.size(); ++cut) {
        CAPTURE(cut);
        check_chat_stream(read_stream(openai_api::chat_completions, chat_stream, {cut}));
    }
}

TEST_CASE("a chat stream one byte at a time") {
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < chat_stream.size(); ++i) cuts.push_back(i);
    check_chat_stream(read_stream(openai_api::chat_completions, chat_stream, cuts));
}

TEST_CASE("usage on the last normal chunk, and no [DONE]") {
    const std::string s =
        "data: {\"id\":\"m1\",\"model\":\"mistral-small-latest\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n"
        "data: {\"id\":\"m1\",\"model\":\"mistral-small-latest\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}\n\n";
    const auto r = read_stream(openai_api::chat_completions, s, {});
    CHECK(r.facts.usage.input == 7);
    CHECK(r.facts.usage.output == 3);
    CHECK(r.usage_only_chunks == 0);  // a normal chunk that carries usage is not removed
    CHECK_FALSE(r.facts.stream_ended);
}

TEST_CASE("Groq x_groq usage and an error event ending a 200 stream") {
    const std::string s =
        "data: {\"id\":\"g1\",\"model\":\"llama-3.3-70b-versatile\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5}}}\n\n"
        "event: error\ndata: {\"error\":{\"message\":\"bad tool call\",\"type\":\"invalid_request_error\",\"status_code\":400}}\n\n";
    const auto r = read_stream(openai_api::chat_completions, s, {});
    CHECK(r.facts.usage.input == 11);
    CHECK(r.facts.usage.output == 5);
    CHECK(r.facts.error_type == "invalid_request_error");
}

TEST_CASE("an error object inside a chunk (OpenRouter)") {
    const std::string s =
        "data: {\"id\":\"gen-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"error\"}],\"error\":{\"code\":502,\"message\":\"upstream\"},\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":0,\"cost\":0}}\n\n"
        "data: [DONE]\n\n";
    const auto r = read_stream(openai_api::chat_completions, s, {});
    CHECK(r.facts.error_type == "_OTHER");
    CHECK(r.facts.usage.input == 3);
}

TEST_CASE("malformed events are counted and the rest still read") {
    const std::string s =
        "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
        "data: {not json\n\n"
        "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n";
    const auto r = read_stream(openai_api::chat_completions, s, {});
    CHECK(r.unreadable == 1);
    CHECK(r.facts.body_unreadable);
    CHECK(r.facts.usage.input == 1);
}

TEST_CASE("a truncated stream keeps what arrived") {
    const auto cut = chat_stream.find("data: {\"id\":\"chatcmpl-1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[],");
    const auto r = read_stream(openai_api::chat_completions, chat_stream.substr(0, cut + 40), {});
    CHECK(r.facts.id == "chatcmpl-1");
    CHECK(r.facts.finish_reasons == std::vector<std::string>{"stop", "length"});
    CHECK_FALSE(r.facts.usage.any());
    CHECK_FALSE(r.facts.stream_ended);
}

TEST_CASE("a Responses stream: usage only in response.completed") {
    const std::string s =
        "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_9\",\"model\":\"gpt-4.1\",\"status\":\"in_progress\",\"usage\":null}}\n\n"
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_9\",\"model\":\"gpt-4.1-2025-04-14\",\"status\":\"completed\",\"usage\":{\"input_tokens\":12,\"output_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens_details\":{\"reasoning_tokens\":0}}}}\n\n";
    for (std::size_t cut = 1; cut < s.size(); cut += 7) {
        const auto r = read_stream(openai_api::responses, s, {cut});
        CHECK(r.facts.id == "resp_9");
        CHECK(r.facts.model == "gpt-4.1-2025-04-14");
        CHECK(r.facts.usage.input == 12);
        CHECK(r.facts.usage.output == 3);
        CHECK(r.facts.finish_reasons == std::vector<std::string>{"completed"});
        CHECK(r.facts.stream_ended);
        CHECK(r.usage_only_chunks == 0);
    }
}

TEST_CASE("a Responses stream without event names (OpenRouter) and with comments") {
    const std::string s =
        ": OPENROUTER PROCESSING\n\n"
        "data: {\"type\":\"response.completed\",\"response\":{\"id\":\"gen-1\",\"model\":\"openai/gpt-4o\",\"status\":\"completed\",\"usage\":{\"input_tokens\":5,\"output_tokens\":2}}}\n\n"
        "data: [DONE]\n\n";
    const auto r = read_stream(openai_api::responses, s, {});
    CHECK(r.facts.usage.input == 5);
    CHECK(r.facts.id == "gen-1");
}

}
