#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tokentap/dialects/gemini/gemini_response.hpp"
#include "tokentap/sse/json_array_framer.hpp"
#include "tokentap/sse/sse_framer.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::gemini;

namespace {

response_facts read_body(gemini_api api, std::string_view text) {
    response_facts f;
    read_gemini_response(api, text, f);
    return f;
}

struct stream_result {
    response_facts facts;
    std::uint64_t unreadable = 0;
    std::uint64_t events = 0;
};

// The reader's view of one framed event: an SSE event's name and data, or an array element.
struct to_reader {
    gemini_stream_reader& reader;
    std::uint64_t& events;
    void operator()(const tokentap::sse::sse_event& e) { deliver(e.event, e.data); }
    void operator()(std::string_view element) { deliver("", element); }
    void deliver(std::string_view name, std::string_view data) {
        ++events;
        CHECK_FALSE(reader.on_event(name, data));  // nothing is ever removed from a Gemini stream
    }
};

// Feeds `stream` to a framer and a reader in the pieces that `cuts` (ascending offsets) make.
template <class Framer>
stream_result read_stream(const std::string& stream, const std::vector<std::size_t>& cuts) {
    Framer framer;
    gemini_stream_reader reader;
    stream_result r;
    to_reader sink{reader, r.events};
    std::size_t at = 0;
    for (const auto cut : cuts) {
        framer.feed(std::string_view(stream).substr(at, cut - at), sink);
        at = cut;
    }
    framer.feed(std::string_view(stream).substr(at), sink);
    framer.finish(sink);
    r.facts = reader.facts();
    r.unreadable = reader.unreadable_events();
    return r;
}

// Four chunks as Gemini 3 streams them after a built-in tool ran: usage repeated in each, a chunk
// with only the prompt count, and a final chunk with the finish reason that omits
// candidatesTokenCount. Text with brackets and escaped quotes on the way.
const std::vector<std::string> chunks = {
    R"({"candidates": [{"content": {"parts": [{"text": "The [answer] is \"{42}\""}],"role": "model"},"index": 0}],)"
    R"("usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 5,"totalTokenCount": 94,)"
    R"("thoughtsTokenCount": 80},)"
    R"("modelVersion": "gemini-3-flash-preview","responseId": "resp-7"})",
    R"j({"candidates": [{"content": {"parts": [{"executableCode": {"code": "print(']')"}}],"role": "model"}}],)j"
    R"("usageMetadata": {"promptTokenCount": 9,"totalTokenCount": 9},)"
    R"("modelVersion": "gemini-3-flash-preview","responseId": "resp-7"})",
    R"({"candidates": [{"content": {"parts": [{"text": " done"}],"role": "model"},"index": 0}],)"
    R"("usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": 21,"totalTokenCount": 110,)"
    R"("thoughtsTokenCount": 80},)"
    R"("modelVersion": "gemini-3-flash-preview","responseId": "resp-7"})",
    R"({"candidates": [{"content": {"parts": [{"text": ""}],"role": "model"},"finishReason": "STOP","index": 0}],)"
    R"("usageMetadata": {"promptTokenCount": 87,"totalTokenCount": 625,"thoughtsTokenCount": 98,)"
    R"("toolUsePromptTokenCount": 440,)"
    R"("cachedContentTokenCount": 64},"modelVersion": "gemini-3-flash-preview","responseId": "resp-7"})",
};

// alt=sse: `data:` lines, no event names, no [DONE]; one event with CRLF line ends.
std::string sse_stream() {
    std::string s;
    for (std::size_t i = 0; i < chunks.size(); ++i) s += "data: " + chunks[i] + (i == 1 ? "\r\n\r\n" : "\n\n");
    return s;
}

// Without alt=sse: one JSON array, elements separated as the Gemini API separates them.
std::string array_stream() {
    std::string s = "[";
    for (std::size_t i = 0; i < chunks.size(); ++i) s += (i ? "\n,\r\n" : "") + chunks[i];
    return s + "\n]";
}

void check_stream_facts(const stream_result& r) {
    const auto& f = r.facts;
    CHECK(r.events == chunks.size());
    CHECK(r.unreadable == 0);
    CHECK(f.id == "resp-7");
    CHECK(f.model == "gemini-3-flash-preview");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP"});
    CHECK(f.usage.input == 87);            // the prompt (with its 64 cached)
    CHECK(f.usage.tool_input == 440);      // the tool-use prompt, apart
    CHECK(f.usage.output == 21 + 98);      // the last candidates count seen + the last thoughts count
    CHECK(f.usage.reasoning == 98);
    CHECK(f.usage.cache_read == 64);
    CHECK_FALSE(f.usage.cache_write);
    CHECK(f.stream_ended);
    CHECK_FALSE(f.error_type);
    CHECK_FALSE(f.body_unreadable);
}

template <class Framer> void check_every_split(const std::string& stream) {
    check_stream_facts(read_stream<Framer>(stream, {}));
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        CAPTURE(cut);
        check_stream_facts(read_stream<Framer>(stream, {cut}));
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    check_stream_facts(read_stream<Framer>(stream, every));
}

}  // namespace

TEST_SUITE("unit/dialects/gemini/response") {

TEST_CASE("generateContent with thoughts and cached content") {
    const auto f = read_body(gemini_api::generate, R"({
        "candidates":[{"content":{"parts":[{"text":"Paris"}],"role":"model"},"finishReason":"STOP","index":0,
                       "safetyRatings":[]}],
        "usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":40,"totalTokenCount":1340,
                         "cachedContentTokenCount":1024,"thoughtsTokenCount":100,
                         "promptTokensDetails":[{"modality":"TEXT","tokenCount":1200}],
                         "cacheTokensDetails":[{"modality":"TEXT","tokenCount":1024}]},
        "modelVersion":"gemini-2.5-flash","responseId":"Gx9kaM2fO8"})");
    CHECK(f.id == "Gx9kaM2fO8");
    CHECK(f.model == "gemini-2.5-flash");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP"});
    CHECK(f.usage.input == 1200);  // already includes the 1024 cached
    CHECK(f.usage.output == 140);
    CHECK(f.usage.reasoning == 100);
    CHECK(f.usage.cache_read == 1024);
    CHECK_FALSE(f.error_type);
    CHECK_FALSE(f.body_unreadable);
    CHECK_FALSE(f.embedding_dimensions);
}

TEST_CASE("usage: what is counted where") {
    SUBCASE("tool-use prompt tokens are kept apart from the prompt's input") {
        const auto f = read_body(gemini_api::generate, R"({"usageMetadata":{"promptTokenCount":30,
            "candidatesTokenCount":20,"thoughtsTokenCount":10,"toolUsePromptTokenCount":500,"totalTokenCount":560}})");
        CHECK(f.usage.input == 30);
        CHECK(f.usage.tool_input == 500);
        CHECK(f.usage.output == 30);
    }
    SUBCASE("candidates that already include the thoughts") {
        const auto f = read_body(gemini_api::generate, R"({"usageMetadata":{"promptTokenCount":10,
            "candidatesTokenCount":50,"thoughtsTokenCount":20,"totalTokenCount":60}})");
        CHECK(f.usage.output == 50);
        CHECK(f.usage.reasoning == 20);
    }
    SUBCASE("no candidates count: output is the thoughts") {
        const auto f = read_body(gemini_api::generate,
                                 R"({"usageMetadata":{"promptTokenCount":15,"thoughtsTokenCount":2,)"
                                 R"("totalTokenCount":17}})");
        CHECK(f.usage.output == 2);
        CHECK(f.usage.reasoning == 2);
    }
    SUBCASE("only the prompt reported: no output invented") {
        const auto f = read_body(gemini_api::generate, R"({"candidates":[{"finishReason":"SAFETY"}],
            "usageMetadata":{"promptTokenCount":14,"totalTokenCount":14}})");
        CHECK(f.usage.input == 14);
        CHECK_FALSE(f.usage.output);
        CHECK_FALSE(f.usage.reasoning);
        CHECK_FALSE(f.usage.cache_read);
        CHECK(f.finish_reasons == std::vector<std::string>{"SAFETY"});
    }
    SUBCASE("no usageMetadata, no usage") {
        const auto f = read_body(gemini_api::generate, R"({"candidates":[{"finishReason":"STOP"}]})");
        CHECK_FALSE(f.usage.any());
    }
}

TEST_CASE("finish reasons by candidate index, else by position") {
    auto f = read_body(gemini_api::generate, R"({"candidates":[
        {"index":1,"finishReason":"MAX_TOKENS","content":{"parts":[{"text":"\"finishReason\":\"X\""}]}},
        {"index":0,"finishReason":"STOP"}]})");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP", "MAX_TOKENS"});
    f = read_body(gemini_api::generate, R"({"candidates":[{"finishReason":"STOP"},{"finishReason":"RECITATION"}]})");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP", "RECITATION"});
    f = read_body(gemini_api::generate, R"({"candidates":[{"content":{}},{"index":1,"finishReason":"SAFETY"}]})");
    CHECK(f.finish_reasons == std::vector<std::string>{"", "SAFETY"});
    f = read_body(gemini_api::generate, R"({"candidates":[{"index":99999,"finishReason":"STOP"},{"finishReason":7}]})");
    CHECK(f.finish_reasons.empty());
}

TEST_CASE("error bodies, as an object or inside an array") {
    const char* quota = R"({"error":{"code":429,"message":"Resource exhausted.","status":"RESOURCE_EXHAUSTED"}})";
    auto f = read_body(gemini_api::generate, quota);
    CHECK(f.error_type == "RESOURCE_EXHAUSTED");
    CHECK_FALSE(f.body_unreadable);
    f = read_body(gemini_api::stream_generate, std::string("[") + quota + "]");
    CHECK(f.error_type == "RESOURCE_EXHAUSTED");
    CHECK_FALSE(f.body_unreadable);
    const char* not_found = R"({"error":{"code":404,"message":"not found","status":"NOT_FOUND"}})";
    CHECK(read_body(gemini_api::embed, not_found).error_type == "NOT_FOUND");
    CHECK(read_body(gemini_api::generate, R"({"error":{"code":500,"message":"?"}})").error_type == "_OTHER");
}

TEST_CASE("embeddings: the dimension count, single and batch") {
    auto f = read_body(gemini_api::embed, R"({"embedding":{"values":[0.013, -0.0047, 7e-06, 0.5]}})");
    CHECK(f.embedding_dimensions == 4);
    CHECK_FALSE(f.usage.any());
    f = read_body(gemini_api::batch_embed, R"({"embeddings":[{"values":[1,2,3]},{"values":[4,5,6]}],
        "usageMetadata":{"promptTokenCount":14}})");
    CHECK(f.embedding_dimensions == 3);
    CHECK(f.usage.input == 14);  // newer embedding models report the prompt
    CHECK_FALSE(f.usage.output);
    CHECK(read_body(gemini_api::embed, R"({"embedding":{"values":[]}})").embedding_dimensions == 0);
    CHECK_FALSE(read_body(gemini_api::batch_embed, R"({"embeddings":[]})").embedding_dimensions);
    CHECK_FALSE(read_body(gemini_api::embed, R"({"embedding":{"values":"AAAA"}})").embedding_dimensions);
}

TEST_CASE("bodies that are not JSON objects") {
    CHECK(read_body(gemini_api::generate, "<html>502 Bad Gateway</html>").body_unreadable);
    CHECK(read_body(gemini_api::generate, "").body_unreadable);
    CHECK(read_body(gemini_api::generate, R"({"responseId":"x")").body_unreadable);
    CHECK(read_body(gemini_api::generate, R"({"usageMetadata":{"promptTokenCount":}})").body_unreadable);
    CHECK(read_body(gemini_api::stream_generate, "[").body_unreadable);
    CHECK(read_body(gemini_api::stream_generate, "[]").body_unreadable);
    CHECK(read_body(gemini_api::stream_generate, R"([{"responseId":"a"}, 3])").body_unreadable);
    CHECK(read_body(gemini_api::stream_generate, R"([{"responseId":"a"}] x)").body_unreadable);
}

TEST_CASE("mismatched brackets inside members end the walk instead of looping") {
    // The scan is lenient ("[...}" closes like "[...]"), so this reads as an object; the walk of
    // `candidates` must stop at the stray brace.
    auto f = read_body(gemini_api::generate, R"({"candidates":[{"finishReason":"STOP"}},"responseId":"x"})");
    CHECK(f.id == "x");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP"});
    f = read_body(gemini_api::embed, R"({"embedding":{"values":[1,2}}})");
    CHECK_FALSE(f.embedding_dimensions);
}

TEST_CASE("a whole streamed array read at once gives the stream's facts") {
    const auto f = read_body(gemini_api::stream_generate, array_stream());
    CHECK(f.id == "resp-7");
    CHECK(f.finish_reasons == std::vector<std::string>{"STOP"});
    CHECK(f.usage.input == 87);
    CHECK(f.usage.output == 119);
    CHECK(f.usage.cache_read == 64);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("an SSE stream (alt=sse) split at every byte") { check_every_split<tokentap::sse::sse_framer>(sse_stream()); }

TEST_CASE("the same stream as a JSON array split at every byte gives identical facts") {
    check_every_split<tokentap::sse::json_array_framer>(array_stream());
}

TEST_CASE("the final chunk omits candidatesTokenCount: the last value seen is kept") {
    const std::string s = "data: " + chunks[2] + "\n\ndata: " + chunks[3] + "\n\n";
    const auto r = read_stream<tokentap::sse::sse_framer>(s, {});
    CHECK(r.facts.usage.output == 21 + 98);
    CHECK(r.facts.usage.input == 87);
    CHECK(r.facts.stream_ended);
}

TEST_CASE("a stream cut before the finish reason keeps what arrived") {
    const std::string s = "data: " + chunks[0] + "\n\ndata: " + chunks[1] + "\n\n";
    const auto r = read_stream<tokentap::sse::sse_framer>(s, {});
    CHECK(r.facts.id == "resp-7");
    CHECK(r.facts.usage.input == 9);
    CHECK(r.facts.usage.output == 85);
    CHECK(r.facts.finish_reasons.empty());
    CHECK_FALSE(r.facts.stream_ended);
}

TEST_CASE("an error chunk in a stream, and malformed chunks") {
    const std::string s = "data: " + chunks[0] + "\n\n" + "data: {not json\n\n" + "data: [1,2]\n\n" +
                          R"(data: {"error":{"code":503,"message":"Overloaded.","status":"UNAVAILABLE"}})" +
                          "\n\n";
    const auto r = read_stream<tokentap::sse::sse_framer>(s, {});
    CHECK(r.facts.error_type == "UNAVAILABLE");
    CHECK(r.unreadable == 2);
    CHECK(r.facts.body_unreadable);
    CHECK(r.facts.usage.input == 9);
    CHECK_FALSE(r.facts.stream_ended);
    // Without alt=sse the error arrives as the array's only element.
    const auto a = read_stream<tokentap::sse::json_array_framer>(
        R"([{"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED"}}])", {});
    CHECK(a.facts.error_type == "RESOURCE_EXHAUSTED");
    CHECK(a.unreadable == 0);
}

TEST_CASE("several candidates streamed") {
    const std::string s =
        "data: {\"candidates\":[{\"index\":0,\"content\":{}},{\"index\":1,\"content\":{}}],\"responseId\":\"m\"}\n\n"
        "data: {\"candidates\":[{\"index\":1,\"finishReason\":\"MAX_TOKENS\"}]}\n\n"
        "data: {\"candidates\":[{\"index\":0,\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":4,"
        "\"candidatesTokenCount\":30,\"totalTokenCount\":34}}\n\n";
    const auto r = read_stream<tokentap::sse::sse_framer>(s, {});
    CHECK(r.facts.finish_reasons == std::vector<std::string>{"STOP", "MAX_TOKENS"});
    CHECK(r.facts.usage.output == 30);
    CHECK_FALSE(r.facts.usage.reasoning);
}

}
