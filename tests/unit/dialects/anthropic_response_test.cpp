#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tokentap/dialects/anthropic/anthropic_response.hpp"
#include "tokentap/sse/sse_framer.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::anthropic;

namespace {

using tool_uses = std::vector<std::pair<std::string, std::int64_t>>;

response_facts read_body(anthropic_api api, const std::string& text) {
    response_facts f;
    read_anthropic_response(api, text, f);
    return f;
}

struct stream_result {
    response_facts facts;
    std::uint64_t unreadable = 0;
};

// Feeds `stream` through a framer to a fresh reader, cut at the given offsets (ascending).
stream_result read_stream(const std::string& stream, const std::vector<std::size_t>& cuts = {}) {
    tokentap::sse::sse_framer framer;
    anthropic_stream_reader reader;
    auto on_event = [&](const tokentap::sse::sse_event& e) { CHECK_FALSE(reader.on_event(e.event, e.data)); };
    std::size_t at = 0;
    for (auto cut : cuts) {
        framer.feed(std::string_view(stream).substr(at, cut - at), on_event);
        at = cut;
    }
    framer.feed(std::string_view(stream).substr(at), on_event);
    framer.finish(on_event);
    return {reader.facts(), reader.unreadable_events()};
}

std::string opt(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "-"; }
std::string opt(const std::optional<std::string>& v) { return v ? *v : "-"; }

// Everything a reader reports, as one string, to compare readings of the same stream.
std::string describe(const stream_result& r) {
    const auto& f = r.facts;
    std::string s = opt(f.id) + "|" + opt(f.model) + "|" + opt(f.service_tier) + "|" + opt(f.error_type) + "|";
    for (const auto& reason : f.finish_reasons) s += reason + ",";
    s += "|" + opt(f.usage.input) + "," + opt(f.usage.output) + "," + opt(f.usage.cache_read) + "," +
         opt(f.usage.cache_write) + "," + opt(f.usage.cache_write_1h) + "," + opt(f.usage.reasoning) + "|";
    for (const auto& [name, n] : f.server_tool_uses) s += name + "=" + std::to_string(n) + ",";
    s += "|" + std::to_string(f.stream_ended) + std::to_string(f.body_unreadable) + std::to_string(r.unreadable);
    return s;
}

// The stream cut once at every position, and then one byte at a time, reads the same as whole.
void check_every_split(const std::string& stream) {
    const auto whole = describe(read_stream(stream));
    for (std::size_t cut = 1; cut < stream.size(); ++cut) {
        CAPTURE(cut);
        REQUIRE(describe(read_stream(stream, {cut})) == whole);
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
    CHECK(describe(read_stream(stream, every_byte)) == whole);
}

// An older Messages stream: message_delta carries only output_tokens. Padding inside the JSON, a
// ping between content deltas, a thinking block, CRLF line ends on one event and a comment.
const std::string older_stream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_a1\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-3-7-sonnet-20250219\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
    "\"usage\":{\"input_tokens\":25,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":1200,"
    "\"cache_creation\":{\"ephemeral_5m_input_tokens\":100,\"ephemeral_1h_input_tokens\":200},"
    "\"output_tokens\":2,\"service_tier\":\"standard\"}}     }\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}  }\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"2+2 \\\"is\\\" {4}\"}}\n\n"
    ": a comment line\n"
    "event: ping\r\n"
    "data: {\"type\": \"ping\"}\r\n\r\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"c2ln\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0          }\n\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"Four.\"}   }\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":87}      }\n\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"   }\n\n";

// A newer stream: message_delta repeats input, cache and server tool counts, which differ from
// message_start's and win. No ping, no `event:` lines on two events.
const std::string newer_stream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-6\",\"id\":\"msg_b2\",\"type\":\"message\","
    "\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":700,"
    "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,"
    "\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1,\"service_tier\":\"priority\"}}}\n\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\","
    "\"name\":\"web_search\",\"input\":{}}}\n\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"q\"}}\n\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"pause_turn\",\"stop_sequence\":null},"
    "\"usage\":{\"input_tokens\":1600,\"cache_creation_input_tokens\":40,\"cache_read_input_tokens\":500,"
    "\"output_tokens\":175,\"output_tokens_details\":{\"thinking_tokens\":60},"
    "\"server_tool_use\":{\"web_search_requests\":3,\"web_fetch_requests\":0}}}\n\n"
    "data: {\"type\":\"message_stop\"}\n\n";

}  // namespace

TEST_SUITE("unit/dialects/anthropic/response") {

TEST_CASE("a message with cache reads, 1h and 5m cache writes, thinking and server tools") {
    const auto f = read_body(anthropic_api::messages, R"({
        "id":"msg_01","type":"message","role":"assistant","model":"claude-opus-4-6",
        "content":[{"type":"text","text":"{\"usage\": 1}"},{"type":"server_tool_use","id":"s","name":"web_search","input":{}}],
        "stop_reason":"tool_use","stop_sequence":null,
        "usage":{"input_tokens":12,"cache_creation_input_tokens":2100,"cache_read_input_tokens":3000,
                 "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":2000},
                 "output_tokens":340,"output_tokens_details":{"thinking_tokens":120},
                 "server_tool_use":{"web_search_requests":2,"web_fetch_requests":0,"code_execution_requests":1,"note":"x"},
                 "service_tier":"priority","inference_geo":"global"}})");
    CHECK(f.id == "msg_01");
    CHECK(f.model == "claude-opus-4-6");
    CHECK(f.finish_reasons == std::vector<std::string>{"tool_use"});
    CHECK(f.usage.input == 12 + 2100 + 3000);
    CHECK(f.usage.cache_read == 3000);
    CHECK(f.usage.cache_write == 2100);
    CHECK(f.usage.cache_write_1h == 2000);
    CHECK(f.usage.output == 340);
    CHECK(f.usage.reasoning == 120);
    CHECK(f.server_tool_uses == tool_uses{{"code_execution_requests", 1}, {"web_search_requests", 2}});
    CHECK(f.service_tier == "priority");
    CHECK_FALSE(f.error_type);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("older usage: no cache counts, no details") {
    const auto f = read_body(anthropic_api::messages,
                             R"({"id":"msg_2","model":"claude-3-haiku-20240307","stop_reason":"max_tokens",
                                 "usage":{"input_tokens":10,"output_tokens":5}})");
    CHECK(f.usage.input == 10);
    CHECK(f.usage.output == 5);
    CHECK_FALSE(f.usage.cache_read);
    CHECK_FALSE(f.usage.cache_write);
    CHECK_FALSE(f.usage.cache_write_1h);
    CHECK_FALSE(f.usage.reasoning);
    CHECK(f.server_tool_uses.empty());
    CHECK_FALSE(f.service_tier);
}

TEST_CASE("input is only set when input_tokens is reported; nonsense counts are dropped") {
    auto f = read_body(anthropic_api::messages, R"({"usage":{"cache_read_input_tokens":8,"output_tokens":3}})");
    CHECK_FALSE(f.usage.input);
    CHECK(f.usage.cache_read == 8);
    CHECK(f.usage.output == 3);
    f = read_body(anthropic_api::messages,
                  R"({"usage":{"input_tokens":-4,"output_tokens":9223372036854775807,"cache_read_input_tokens":"7"}})");
    CHECK_FALSE(f.usage.input);
    CHECK_FALSE(f.usage.output);
    CHECK_FALSE(f.usage.cache_read);
    f = read_body(anthropic_api::messages,
                  R"({"usage":{"input_tokens":4,"cache_read_input_tokens":9223372036854775807,
                      "cache_creation_input_tokens":9223372036854775807}})");
    CHECK(f.usage.input == 4);
}

TEST_CASE("error bodies give the provider's error type") {
    auto f = read_body(anthropic_api::messages,
                       R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"})");
    CHECK(f.error_type == "overloaded_error");
    CHECK_FALSE(f.id);
    CHECK_FALSE(f.usage.any());
    CHECK(f.finish_reasons.empty());
    CHECK(read_body(anthropic_api::messages, R"({"type":"error","error":{"message":"?"}})").error_type == "_OTHER");
    CHECK(read_body(anthropic_api::messages, R"({"type":"error"})").error_type == "_OTHER");
    CHECK_FALSE(read_body(anthropic_api::messages, R"({"type":"message","id":"m"})").error_type);
}

TEST_CASE("a legacy Text Completions body: id, model, stop reason, no usage") {
    const auto f = read_body(anthropic_api::complete,
                             R"({"type":"completion","id":"compl_1","completion":" Hi","stop_reason":"stop_sequence",
                                 "model":"claude-instant-1.2","stop":"\n\nHuman:","log_id":"compl_1"})");
    CHECK(f.id == "compl_1");
    CHECK(f.model == "claude-instant-1.2");
    CHECK(f.finish_reasons == std::vector<std::string>{"stop_sequence"});
    CHECK_FALSE(f.usage.any());
    CHECK_FALSE(f.usage.output);
}

TEST_CASE("bodies that are not a JSON object are unreadable") {
    CHECK(read_body(anthropic_api::messages, "").body_unreadable);
    CHECK(read_body(anthropic_api::messages, "<html>502 Bad Gateway</html>").body_unreadable);
    CHECK(read_body(anthropic_api::messages, R"({"id":"msg_1","usage":{"input_tokens":1})").body_unreadable);
    CHECK(read_body(anthropic_api::messages, R"({"id":"msg_1","usage":{"input_tokens":1,}})").body_unreadable);
}

TEST_CASE("an older stream: message_start input and cache counts, cumulative output from message_delta") {
    const auto r = read_stream(older_stream);
    const auto& f = r.facts;
    CHECK(f.id == "msg_a1");
    CHECK(f.model == "claude-3-7-sonnet-20250219");
    CHECK(f.service_tier == "standard");
    CHECK(f.finish_reasons == std::vector<std::string>{"end_turn"});
    CHECK(f.usage.input == 25 + 300 + 1200);
    CHECK(f.usage.cache_read == 1200);
    CHECK(f.usage.cache_write == 300);
    CHECK(f.usage.cache_write_1h == 200);
    CHECK(f.usage.output == 87);  // replaced, not 2 + 87
    CHECK_FALSE(f.usage.reasoning);
    CHECK(f.stream_ended);
    CHECK_FALSE(f.error_type);
    CHECK_FALSE(f.body_unreadable);
    CHECK(r.unreadable == 0);
    check_every_split(older_stream);
}

TEST_CASE("a newer stream: the counts message_delta repeats win") {
    const auto r = read_stream(newer_stream);
    const auto& f = r.facts;
    CHECK(f.id == "msg_b2");
    CHECK(f.model == "claude-sonnet-4-6");
    CHECK(f.service_tier == "priority");
    CHECK(f.finish_reasons == std::vector<std::string>{"pause_turn"});
    CHECK(f.usage.input == 1600 + 40 + 500);
    CHECK(f.usage.cache_read == 500);
    CHECK(f.usage.cache_write == 40);
    CHECK(f.usage.cache_write_1h == 0);  // only message_start reported the split
    CHECK(f.usage.output == 175);
    CHECK(f.usage.reasoning == 60);
    CHECK(f.server_tool_uses == tool_uses{{"web_search_requests", 3}});
    CHECK(f.stream_ended);  // message_stop without an `event:` line
    CHECK(r.unreadable == 0);
    check_every_split(newer_stream);
}

TEST_CASE("a truncated stream keeps message_start's usage and does not end") {
    const auto cut = older_stream.substr(0, older_stream.find("event: message_delta"));
    const auto r = read_stream(cut);
    const auto& f = r.facts;
    CHECK(f.id == "msg_a1");
    CHECK(f.usage.input == 1525);
    CHECK(f.usage.cache_read == 1200);
    CHECK(f.usage.output == 2);
    CHECK(f.finish_reasons.empty());
    CHECK_FALSE(f.stream_ended);
    CHECK(r.unreadable == 0);
    check_every_split(cut);
}

TEST_CASE("an error event in a 200 stream") {
    const std::string stream =
        "event: message_start\n"
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_e\",\"model\":\"claude-haiku-4-5\","
        "\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}\n\n"
        "event: ping\n"
        "data: {\"type\": \"ping\"}\n\n"
        "event: error\n"
        "data: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}   }\n\n";
    const auto r = read_stream(stream);
    CHECK(r.facts.error_type == "overloaded_error");
    CHECK(r.facts.id == "msg_e");
    CHECK(r.facts.usage.input == 9);
    CHECK_FALSE(r.facts.stream_ended);
    CHECK(r.unreadable == 0);
    check_every_split(stream);

    anthropic_stream_reader unnamed;
    unnamed.on_event("", R"({"type":"error","error":{"type":"api_error","message":"Internal"}})");
    CHECK(unnamed.facts().error_type == "api_error");
}

TEST_CASE("malformed events are counted and the stream keeps being read") {
    const std::string stream =
        "event: message_start\n"
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_m\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n"
        "event: content_block_delta\n"
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"cut\n\n"
        "event: message_delta\n"
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":}}\n\n"
        "event: ping\n"
        "data: not json\n\n"
        "event: message_delta\n"
        "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":30}}\n\n"
        "event: message_stop\n"
        "data: {\"type\":\"message_stop\"}\n\n";
    const auto r = read_stream(stream);
    CHECK(r.unreadable == 3);
    CHECK(r.facts.body_unreadable);
    CHECK(r.facts.finish_reasons == std::vector<std::string>{"max_tokens"});
    CHECK(r.facts.usage.input == 5);
    CHECK(r.facts.usage.output == 30);
    CHECK(r.facts.stream_ended);
    check_every_split(stream);
}

TEST_CASE("a legacy Text Completions stream") {
    const std::string stream =
        "event: completion\n"
        "data: {\"type\": \"completion\", \"completion\": \" Hel\", \"stop_reason\": null, \"model\": \"claude-2.0\"}\n\n"
        "event: ping\n"
        "data: {\"type\": \"ping\"}\n\n"
        "event: completion\n"
        "data: {\"type\": \"completion\", \"completion\": \"lo\", \"stop_reason\": null, \"model\": \"claude-2.0\"}\n\n"
        "event: completion\n"
        "data: {\"type\": \"completion\", \"completion\": \"\", \"stop_reason\": \"max_tokens\", \"model\": \"claude-2.0\"}\n\n";
    const auto r = read_stream(stream);
    CHECK(r.facts.model == "claude-2.0");
    CHECK(r.facts.finish_reasons == std::vector<std::string>{"max_tokens"});
    CHECK(r.facts.stream_ended);
    CHECK_FALSE(r.facts.usage.any());
    CHECK(r.unreadable == 0);
    check_every_split(stream);

    const auto unfinished = read_stream(stream.substr(0, stream.rfind("event: completion")));
    CHECK(unfinished.facts.finish_reasons.empty());
    CHECK_FALSE(unfinished.facts.stream_ended);
}

TEST_CASE("the oldest streams' [DONE] ends the stream and is not malformed") {
    anthropic_stream_reader reader;
    reader.on_event("", "[DONE]");
    CHECK(reader.facts().stream_ended);
    CHECK(reader.unreadable_events() == 0);
}

}
