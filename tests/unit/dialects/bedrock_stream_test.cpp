#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/event_stream_encoder.hpp"
#include "tokentap/dialects/bedrock/base64.hpp"
#include "tokentap/dialects/bedrock/bedrock_response.hpp"
#include "tokentap/sse/stream_decoder.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::bedrock;
namespace enc = event_stream_encoder;

namespace {

using strings = std::vector<std::string>;

struct stream_result {
    response_facts facts;
    std::uint64_t unreadable = 0, problems = 0;
};

// Decodes the event-stream bytes cut at `cuts` (ascending offsets) into a fresh reader, the way the
// proxy does (stream_decoder names exception frames "exception:<type>").
stream_result read_stream(const bedrock_call& call, const std::string& bytes, const std::vector<std::size_t>& cuts = {}) {
    tokentap::sse::stream_decoder decoder(tokentap::sse::stream_framing::aws_eventstream);
    bedrock_stream_reader reader(call);
    auto on_event = [&](std::string_view name, std::string_view data) { CHECK_FALSE(reader.on_event(name, data)); };
    std::size_t at = 0;
    for (const auto cut : cuts) {
        decoder.feed(std::string_view(bytes).substr(at, cut - at), on_event);
        at = cut;
    }
    decoder.feed(std::string_view(bytes).substr(at), on_event);
    decoder.finish(on_event);
    return {reader.facts(), reader.unreadable_events(), decoder.problems()};
}

std::string opt(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }
std::string opt(const std::optional<std::string>& v) { return v ? *v : "-"; }

std::string describe(const stream_result& r) {
    const auto& f = r.facts;
    std::string s = opt(f.id) + "|" + opt(f.model) + "|" + opt(f.error_type) + "|";
    for (const auto& reason : f.finish_reasons) s += reason + ",";
    s += "|" + opt(f.usage.input) + "," + opt(f.usage.output) + "," + opt(f.usage.cache_read) + "," +
         opt(f.usage.cache_write) + "|" + std::to_string(f.stream_ended) + std::to_string(f.body_unreadable) +
         std::to_string(r.unreadable) + std::to_string(r.problems);
    return s;
}

// The stream cut once at every position, and one byte at a time, reads the same as whole.
void check_every_split(const bedrock_call& call, const std::string& bytes) {
    const auto whole = describe(read_stream(call, bytes));
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        CAPTURE(cut);
        REQUIRE(describe(read_stream(call, bytes, {cut})) == whole);
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < bytes.size(); ++i) every_byte.push_back(i);
    CHECK(describe(read_stream(call, bytes, every_byte)) == whole);
}

const bedrock_call converse_stream_call{bedrock_api::converse_stream, "us.anthropic.claude-sonnet-4-5-20250929-v1:0"};

// A ConverseStream answer with a tool call; Bedrock pads each payload with a `p` member.
std::string converse_stream() {
    return enc::event("messageStart", R"({"p":"abcdefghijk","role":"assistant"})") +
           enc::event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Let me check."},"p":"abc"})") +
           enc::event("contentBlockStop", R"({"contentBlockIndex":0,"p":"abcdefgh"})") +
           enc::event("contentBlockStart",
                      R"({"contentBlockIndex":1,"p":"ab","start":{"toolUse":{"name":"get_weather","toolUseId":"tooluse_1"}}})") +
           enc::event("contentBlockDelta", R"({"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":\"Paris\"}"}},"p":"a"})") +
           enc::event("contentBlockStop", R"({"contentBlockIndex":1,"p":"abcdefghijklmnop"})") +
           enc::event("messageStop", R"({"p":"abcdef","stopReason":"tool_use"})") +
           enc::event("metadata", R"({"metrics":{"latencyMs":1176},"p":"abc","usage":{"inputTokens":36,"outputTokens":58,
               "cacheReadInputTokens":200,"cacheWriteInputTokens":0,"totalTokens":294}})");
}

}  // namespace

TEST_CASE("bedrock converse stream through the event-stream decoder") {
    const auto r = read_stream(converse_stream_call, converse_stream());
    CHECK(r.facts.finish_reasons == strings{"tool_use"});
    CHECK(r.facts.usage.input == 236);
    CHECK(r.facts.usage.output == 58);
    CHECK(r.facts.usage.cache_read == 200);
    CHECK(r.facts.usage.cache_write == 0);
    CHECK(r.facts.stream_ended);
    CHECK_FALSE(r.facts.id);
    CHECK_FALSE(r.facts.error_type);
    CHECK(r.unreadable == 0);
    CHECK(r.problems == 0);
    check_every_split(converse_stream_call, converse_stream());
}

TEST_CASE("bedrock converse stream: exceptions, cut streams, unreadable payloads") {
    SUBCASE("an exception frame ends the stream with its type") {
        const auto bytes = enc::event("messageStart", R"({"role":"assistant"})") +
                           enc::event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})") +
                           enc::exception("throttlingException", R"({"message":"Too many tokens, please wait."})");
        const auto r = read_stream(converse_stream_call, bytes);
        CHECK(r.facts.error_type == "throttlingException");
        CHECK_FALSE(r.facts.stream_ended);
        CHECK_FALSE(r.facts.usage.any());
        CHECK(r.unreadable == 0);
        check_every_split(converse_stream_call, bytes);
    }
    SUBCASE("a stream cut before metadata has the finish reason but no usage") {
        const auto whole = converse_stream();
        const auto r = read_stream(converse_stream_call, whole.substr(0, whole.size() - 30));
        CHECK(r.facts.finish_reasons == strings{"tool_use"});
        CHECK(r.facts.stream_ended);  // messageStop arrived
        CHECK_FALSE(r.facts.usage.any());
        CHECK(r.problems == 1);  // the truncated metadata frame
    }
    SUBCASE("a payload that is not JSON is counted and the rest still read") {
        const auto bytes = enc::event("contentBlockDelta", R"({"delta":{"text":"unterminated})") +
                           enc::event("messageStop", "not json") +
                           enc::event("metadata", R"({"usage":{"inputTokens":1,"outputTokens":2}})");
        const auto r = read_stream(converse_stream_call, bytes);
        CHECK(r.unreadable == 2);
        CHECK(r.facts.body_unreadable);
        CHECK(r.facts.usage.output == 2);
        CHECK(r.facts.stream_ended);
    }
}

TEST_CASE("bedrock invoke stream: Anthropic events in base64 chunks; their usage beats the invocation metrics") {
    const bedrock_call call{bedrock_api::invoke_stream, "anthropic.claude-3-sonnet-20240229-v1:0"};
    const auto bytes =
        enc::chunk(R"({"type":"message_start","message":{"id":"msg_013M","type":"message","role":"assistant",)"
                   R"("content":[],"model":"claude-3-sonnet-28k-20240229","stop_reason":null,)"
                   R"("usage":{"input_tokens":21,"cache_read_input_tokens":100,"output_tokens":2}}})") +
        enc::chunk(R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
        enc::chunk(R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hobbits"}})") +
        enc::chunk(R"({"type":"content_block_stop","index":0})") +
        enc::chunk(R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":22}})") +
        enc::chunk(R"({"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":21,)"
                   R"("outputTokenCount":22,"invocationLatency":2033,"firstByteLatency":1229}})");
    const auto r = read_stream(call, bytes);
    CHECK(r.facts.id == "msg_013M");
    CHECK(r.facts.model == "claude-3-sonnet-28k-20240229");
    CHECK(r.facts.finish_reasons == strings{"end_turn"});
    CHECK(r.facts.usage.input == 121);
    CHECK(r.facts.usage.cache_read == 100);
    CHECK(r.facts.usage.output == 22);
    CHECK(r.facts.stream_ended);
    CHECK(r.unreadable == 0);
    check_every_split(call, bytes);
}

TEST_CASE("bedrock invoke stream: usage from the invocation metrics when the chunks have none") {
    SUBCASE("Cohere") {
        const bedrock_call call{bedrock_api::invoke_stream, "cohere.command-light-text-v14"};
        const auto bytes = enc::chunk(R"({"index":0,"is_finished":false,"text":" In"})") +
                           enc::chunk(R"({"index":1,"is_finished":false,"text":" chain"})") +
                           enc::chunk(R"({"finish_reason":"MAX_TOKENS","is_finished":true,"amazon-bedrock-invocationMetrics":)"
                                      R"({"inputTokenCount":40,"outputTokenCount":20,"cacheReadInputTokenCount":8,)"
                                      R"("invocationLatency":597,"firstByteLatency":273}})");
        const auto r = read_stream(call, bytes);
        CHECK(r.facts.usage.input == 48);
        CHECK(r.facts.usage.cache_read == 8);
        CHECK(r.facts.usage.output == 20);
        CHECK(r.facts.finish_reasons == strings{"MAX_TOKENS"});
        CHECK(r.facts.stream_ended);
        check_every_split(call, bytes);
    }
    SUBCASE("a stream whose chunks never end") {
        const bedrock_call call{bedrock_api::invoke_stream, "cohere.command-light-text-v14"};
        const auto r = read_stream(call, enc::chunk(R"({"is_finished":false,"text":" I"})"));
        CHECK_FALSE(r.facts.stream_ended);
        CHECK_FALSE(r.facts.usage.any());
    }
}

TEST_CASE("bedrock invoke stream: Titan, Llama and Nova chunks report their own counts") {
    SUBCASE("Titan, with float counts") {
        const bedrock_call call{bedrock_api::invoke_stream, "amazon.titan-text-express-v1"};
        const auto r = read_stream(call, enc::chunk(R"({"outputText":"Input blocked","index":0.0,)"
                                                    R"("totalOutputTextTokenCount":3.0,"inputTextTokenCount":6.0,)"
                                                    R"("amazon-bedrock-guardrailAction":"INTERVENED"})"));
        CHECK(r.facts.usage.input == 6);
        CHECK(r.facts.usage.output == 3);
        CHECK(r.facts.finish_reasons.empty());
        CHECK(r.facts.stream_ended);
    }
    SUBCASE("Llama: prompt count first, cumulative generation count") {
        const bedrock_call call{bedrock_api::invoke_stream, "meta.llama3-8b-instruct-v1:0"};
        const auto bytes =
            enc::chunk(R"({"generation":"Hi","prompt_token_count":9,"generation_token_count":1,"stop_reason":null})") +
            enc::chunk(R"({"generation":" there","prompt_token_count":null,"generation_token_count":2,"stop_reason":null})") +
            enc::chunk(R"({"generation":"","prompt_token_count":null,"generation_token_count":3,"stop_reason":"stop",)"
                       R"("amazon-bedrock-invocationMetrics":{"inputTokenCount":99,"outputTokenCount":99}})");
        const auto r = read_stream(call, bytes);
        CHECK(r.facts.usage.input == 9);
        CHECK(r.facts.usage.output == 3);
        CHECK(r.facts.finish_reasons == strings{"stop"});
        CHECK(r.facts.stream_ended);
        check_every_split(call, bytes);
    }
    SUBCASE("Nova") {
        const bedrock_call call{bedrock_api::invoke_stream, "amazon.nova-lite-v1:0"};
        const auto bytes =
            enc::chunk(R"({"messageStart":{"role":"assistant"}})") +
            enc::chunk(R"({"contentBlockDelta":{"delta":{"text":"On"},"contentBlockIndex":0}})") +
            enc::chunk(R"({"contentBlockStop":{"contentBlockIndex":0}})") +
            enc::chunk(R"({"messageStop":{"stopReason":"end_turn"}})") +
            enc::chunk(R"({"metadata":{"usage":{"inputTokens":30,"outputTokens":55,"cacheReadInputTokenCount":10,)"
                       R"("cacheWriteInputTokenCount":0},"metrics":{},"trace":{}},"amazon-bedrock-invocationMetrics":)"
                       R"({"inputTokenCount":30,"outputTokenCount":55}})");
        const auto r = read_stream(call, bytes);
        CHECK(r.facts.usage.input == 40);
        CHECK(r.facts.usage.cache_read == 10);
        CHECK(r.facts.usage.output == 55);
        CHECK(r.facts.finish_reasons == strings{"end_turn"});
        CHECK(r.facts.stream_ended);
        CHECK(r.unreadable == 0);
    }
}

TEST_CASE("bedrock invoke stream: bad chunks are counted; exceptions give the error type") {
    const bedrock_call call{bedrock_api::invoke_stream, "anthropic.claude-3-haiku-20240307-v1:0"};
    const auto bytes = enc::event("chunk", R"({"bytes":"!!not base64!!"})") +
                       enc::event("chunk", R"({"nobytes":1})") +
                       enc::event("chunk", R"({"bytes":")" + enc::base64("{not json") + R"("})") +
                       enc::chunk(R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}})") +
                       enc::exception("modelStreamErrorException", R"({"message":"boom","originalStatusCode":500})");
    const auto r = read_stream(call, bytes);
    CHECK(r.unreadable == 3);
    CHECK(r.facts.body_unreadable);
    CHECK(r.facts.finish_reasons == strings{"end_turn"});
    CHECK(r.facts.usage.output == 5);
    CHECK(r.facts.error_type == "modelStreamErrorException");


    SUBCASE("a JSON encoder may escape the '/' of base64 as \\/") {
        // A run of '?' (0x3F) encodes to "Pz8/" at any alignment.
        const auto b64 = enc::base64(R"({"type":"message_delta","x":"??????","delta":{"stop_reason":"max_tokens"}})");
        REQUIRE(b64.find('/') != std::string::npos);
        std::string escaped;
        for (const char c : b64) escaped += c == '/' ? std::string("\\/") : std::string(1, c);
        const auto escaped_read = read_stream(call, enc::event("chunk", R"({"bytes":")" + escaped + R"("})"));
        CHECK(escaped_read.unreadable == 0);
        CHECK(escaped_read.facts.finish_reasons == strings{"max_tokens"});
    }
}

TEST_CASE("base64 decoding of chunk bytes") {
    std::string out;
    CHECK(decode_base64("eyJhIjoxfQ==", out));
    CHECK(out == R"({"a":1})");
    CHECK(decode_base64("eyJhIjoxfQ", out));  // padding is optional
    CHECK(out == R"({"a":1})");
    CHECK(decode_base64("", out));
    CHECK(out.empty());
    CHECK(decode_base64("+/+/", out));
    CHECK(out == "\xfb\xff\xbf");
    CHECK_FALSE(decode_base64("eyJhIjoxfQ=", out));   // padding that does not complete a group
    CHECK_FALSE(decode_base64("eyJ=hIjox", out));     // '=' inside
    CHECK_FALSE(decode_base64("eyJhI", out));         // one character left over
    CHECK_FALSE(decode_base64("ey Jh", out));         // outside the alphabet
    CHECK_FALSE(decode_base64("eyJh-_", out));        // the URL-safe alphabet is not this one
}
