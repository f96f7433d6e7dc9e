#include <doctest/doctest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/sse/sse_framer.hpp"

using namespace tokentap::sse;

namespace {

// An owning copy of an sse_event: the framer's views die with the callback.
struct owned_event {
    std::string event;
    std::string data;
    std::string id;
    bool operator==(const owned_event&) const = default;
};

// Lets doctest print both sides when a comparison of event lists fails (found through ADL).
std::ostream& operator<<(std::ostream& os, const std::vector<owned_event>& events) {
    for (const auto& e : events) {
        os << "{event=\"" << e.event << "\" data=\"" << e.data << "\" id=\"" << e.id << "\"}";
    }
    return os;
}

struct collector {
    std::vector<owned_event> events;
    void operator()(const sse_event& e) {
        events.push_back({std::string(e.event), std::string(e.data), std::string(e.id)});
    }
};

// Feeds each chunk in turn, then finishes the stream.
std::vector<owned_event> run(const std::vector<std::string_view>& chunks,
                             sse_framer_options options = {}) {
    sse_framer framer(options);
    collector c;
    for (const auto chunk : chunks) framer.feed(chunk, c);
    framer.finish(c);
    CHECK(framer.events() == c.events.size());
    return c.events;
}

std::vector<owned_event> run_one(std::string_view stream) { return run({stream}); }

std::vector<owned_event> run_bytewise(std::string_view stream, sse_framer_options options = {}) {
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < stream.size(); ++i) chunks.push_back(stream.substr(i, 1));
    return run(chunks, options);
}

// The stream split in two at every position, and one byte at a time, yields what one feed does.
void check_every_split(std::string_view stream, const std::vector<owned_event>& expected) {
    REQUIRE(run_one(stream) == expected);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        CAPTURE(i);
        CHECK(run({stream.substr(0, i), stream.substr(i)}) == expected);
    }
    CHECK(run_bytewise(stream) == expected);
}

constexpr std::string_view openai_stream =
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}\n"
    "\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n"
    "\n"
    ": keep-alive\n"
    "\n"
    "data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
    "\"completion_tokens\":2}}\n"
    "\n"
    "data: [DONE]\n"
    "\n";

constexpr std::string_view anthropic_stream =
    "event: message_start\r\n"
    "data: {\"type\":\"message_start\","
    "\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":12}}}\r\n"
    "\r\n"
    "event: ping\r\n"
    "data: {\"type\": \"ping\"}\r\n"
    "\r\n"
    "event: content_block_delta\r\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n"
    "\r\n"
    "event: message_delta\r\n"
    "data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":3}}\r\n"
    "\r\n"
    "event: message_stop\r\n"
    "data: {\"type\":\"message_stop\"}\r\n"
    "\r\n";

}  // namespace

TEST_SUITE("unit/sse/sse_framer") {

TEST_CASE("line ends: LF, CRLF and lone CR frame the same events") {
    const std::vector<owned_event> expected = {{"", "a", ""}, {"", "b", ""}};
    CHECK(run_one("data: a\n\ndata: b\n\n") == expected);
    CHECK(run_one("data: a\r\n\r\ndata: b\r\n\r\n") == expected);
    CHECK(run_one("data: a\r\rdata: b\r\r") == expected);
    CHECK(run_one("data: a\r\n\rdata: b\n\r\n") == expected);  // mixed
}

TEST_CASE("a CR ending one feed and an LF starting the next are one line end") {
    CHECK(run({"data: a\r", "\ndata: b\r\n\r\n"}) == std::vector<owned_event>{{"", "a\nb", ""}});
    CHECK(run({"data: a\r", "\n", "\r", "\n"}) == std::vector<owned_event>{{"", "a", ""}});
    // A lone CR before a non-LF byte still ends the line.
    CHECK(run({"data: a\r", "data: b\r", "\r"}) == std::vector<owned_event>{{"", "a\nb", ""}});
}

TEST_CASE("data lines are joined with LF; the value loses one leading space only") {
    CHECK(run_one("data: one\ndata:two\ndata:  three\n\n") ==
          std::vector<owned_event>{{"", "one\ntwo\n three", ""}});
    CHECK(run_one("data: a:b: c\n\n") == std::vector<owned_event>{{"", "a:b: c", ""}});
    // `data` alone and `data:` add an empty line: the event is dispatched with empty data.
    CHECK(run_one("data\n\n") == std::vector<owned_event>{{"", "", ""}});
    CHECK(run_one("data:\ndata:\n\n") == std::vector<owned_event>{{"", "\n", ""}});
    CHECK(run_one("data: x\ndata\n\n") == std::vector<owned_event>{{"", "x\n", ""}});
}

TEST_CASE("comments, retry and unknown fields are ignored") {
    CHECK(run_one(": hello\ndata: a\n:\n: more\n\n") == std::vector<owned_event>{{"", "a", ""}});
    CHECK(run_one("retry: 1000\nfoo: bar\nDATA: x\ndata : y\ndata: z\n\n") ==
          std::vector<owned_event>{{"", "z", ""}});
    CHECK(run_one(": only a comment\n\n").empty());
}

TEST_CASE("event names and the reset after a blank line") {
    CHECK(run_one("event: ping\ndata: {}\n\ndata: x\n\n") ==
          std::vector<owned_event>{{"ping", "{}", ""}, {"", "x", ""}});
    // The last `event:` wins; a bare `event` sets the empty name.
    CHECK(run_one("event: a\nevent: b\ndata: 1\n\n") == std::vector<owned_event>{{"b", "1", ""}});
    CHECK(run_one("event: a\nevent\ndata: 1\n\n") == std::vector<owned_event>{{"", "1", ""}});
    // No data: nothing dispatched, but the name is still reset by the blank line.
    CHECK(run_one("event: lonely\n\ndata: x\n\n") == std::vector<owned_event>{{"", "x", ""}});
}

TEST_CASE("id is per event and ignored when it contains NUL") {
    CHECK(run_one("id: 7\ndata: a\n\ndata: b\n\n") ==
          std::vector<owned_event>{{"", "a", "7"}, {"", "b", ""}});
    CHECK(run_one("id: 1\nid: 2\ndata: a\n\n") == std::vector<owned_event>{{"", "a", "2"}});
    constexpr char raw[] = "id: 1\nid: x\0y\ndata: a\n\n";
    const std::string with_nul(raw, sizeof raw - 1);
    CHECK(run_one(with_nul) == std::vector<owned_event>{{"", "a", "1"}});
}

TEST_CASE("a UTF-8 BOM is dropped at the start of the stream only") {
    const std::string_view with_bom = "\xEF\xBB\xBF" "data: x\n\n";
    check_every_split(with_bom, {{"", "x", ""}});
    CHECK(run({"\xEF", "\xBB", "\xBF", "data: x\n\n"}) == std::vector<owned_event>{{"", "x", ""}});
    // A second BOM is content: the field name becomes unknown.
    CHECK(run_one("\xEF\xBB\xBF\xEF\xBB\xBF" "data: x\n\ndata: y\n\n") ==
          std::vector<owned_event>{{"", "y", ""}});
    // A BOM later in the stream is content too.
    CHECK(run_one("data: x\n\n\xEF\xBB\xBF" "data: y\n\n") ==
          std::vector<owned_event>{{"", "x", ""}});
}

TEST_CASE("bytes that only start like a BOM are kept as content") {
    // Observed through the size limit: with the two bytes kept, the first line is 5 bytes long.
    sse_framer framer({.max_event_bytes = 4});
    collector c;
    framer.feed("\xEF", c);
    framer.feed("\xBB", c);
    framer.feed("XYZ\n\ndata\n\n", c);
    CHECK(framer.oversized_events() == 1);
    CHECK(c.events == std::vector<owned_event>{{"", "", ""}});
    // Without a BOM at all, nothing is lost either.
    CHECK(run_one("\xEF" "data: x\n\ndata: y\n\n") == std::vector<owned_event>{{"", "y", ""}});
    CHECK(run({"d", "ata: x\n\n"}) == std::vector<owned_event>{{"", "x", ""}});
}

TEST_CASE("an OpenAI-style stream, split at every byte") {
    check_every_split(
        openai_stream,
        {{"", R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant"}}]})", ""},
         {"", R"({"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"Hel"}}]})", ""},
         {"",
          R"({"id":"chatcmpl-1","choices":[],)"
          R"("usage":{"prompt_tokens":7,"completion_tokens":2}})",
          ""},
         {"", "[DONE]", ""}});
}

TEST_CASE("an Anthropic-style stream with CRLF and a ping, split at every byte") {
    check_every_split(
        anthropic_stream,
        {{"message_start",
          R"({"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12}}})", ""},
         {"ping", R"({"type": "ping"})", ""},
         {"content_block_delta",
          R"({"type":"content_block_delta","index":0,)"
          R"("delta":{"type":"text_delta","text":"Hi"}})",
          ""},
         {"message_delta", R"({"type":"message_delta","usage":{"output_tokens":3}})", ""},
         {"message_stop", R"({"type":"message_stop"})", ""}});
}

TEST_CASE("an oversized event is skipped, counted once, and framing resumes after it") {
    const std::string big(100, 'x');
    const std::string stream = "data: a\n\nevent: big\ndata: " + big + "\ndata: more\n: note\n\n" +
                               "event: after\ndata: b\n\n";
    const std::vector<owned_event> expected = {{"", "a", ""}, {"after", "b", ""}};
    const sse_framer_options options{.max_event_bytes = 64};

    sse_framer whole(options);
    collector c;
    whole.feed(stream, c);
    whole.finish(c);
    CHECK(c.events == expected);
    CHECK(whole.events() == 2);
    CHECK(whole.oversized_events() == 1);

    sse_framer bytewise(options);
    collector d;
    for (const char ch : stream) bytewise.feed(std::string_view(&ch, 1), d);
    bytewise.finish(d);
    CHECK(d.events == expected);
    CHECK(bytewise.oversized_events() == 1);
}

TEST_CASE("the size limit counts every non-comment line of the event") {
    const sse_framer_options options{.max_event_bytes = 20};
    sse_framer framer(options);
    collector c;
    // Three 8-byte lines: 24 bytes > 20, although each line is small.
    framer.feed("data: 12\ndata: 34\ndata: 56\n\n", c);
    // Exactly at the limit is fine: "event: e" (8) + "data: 123456" (12) = 20.
    framer.feed("event: e\ndata: 123456\n\n", c);
    // Comments do not count.
    framer.feed(": a long comment that is longer than the limit\ndata: ok\n\n", c);
    CHECK(c.events == std::vector<owned_event>{{"e", "123456", ""}, {"", "ok", ""}});
    CHECK(framer.oversized_events() == 1);
    CHECK(framer.events() == 2);
}

TEST_CASE("finish dispatches a trailing event only when its last line was complete") {
    CHECK(run_one("data: a\n\ndata: {\"done\":true}\n") ==
          std::vector<owned_event>{{"", "a", ""}, {"", "{\"done\":true}", ""}});
    CHECK(run_one("event: e\ndata: x\r") == std::vector<owned_event>{{"e", "x", ""}});
    // The final line has no line end: it may be truncated, so the event is dropped.
    CHECK(run_one("data: a\n\ndata: {\"trunc").size() == 1);
    CHECK(run_one("data: x\ndata: {\"trunc").empty());
    // No data: nothing to dispatch.
    CHECK(run_one("event: e\nid: 1\n").empty());
    // An oversized trailing event stays skipped.
    CHECK(run({"data: 0123456789\n"}, {.max_event_bytes = 4}).empty());
}

TEST_CASE("finish leaves the framer ready for a new stream") {
    sse_framer framer;
    collector c;
    framer.feed("data: a\ndata: partial", c);
    framer.finish(c);
    CHECK(c.events.empty());
    framer.feed("\xEF\xBB\xBF" "data: b\n\n", c);  // a new stream may start with a BOM again
    framer.finish(c);
    CHECK(c.events == std::vector<owned_event>{{"", "b", ""}});
    CHECK(framer.events() == 1);
}

TEST_CASE("callbacks may be const lambdas or function pointers") {
    int count = 0;
    const auto counter = [&count](const sse_event&) { ++count; };
    sse_framer framer;
    framer.feed("data: 1\n\n", counter);
    void (*noop)(const sse_event&) = [](const sse_event&) {};
    framer.feed("data: 2\n\n", noop);
    framer.feed("data: 3\n\n", [&count](const sse_event& e) { count += e.data == "3" ? 10 : 0; });
    CHECK(count == 11);
    CHECK(framer.events() == 3);
}

TEST_CASE("arbitrary bytes never break the framer") {
    std::string junk;
    std::uint32_t state = 12345;
    for (int i = 0; i < 4096; ++i) {
        state = state * 1103515245u + 12345u;
        const char alphabet[] = "data:event:id\r\n \0\xEF\xBB\xBFx";
        junk.push_back(alphabet[(state >> 16) % (sizeof alphabet - 1)]);
    }
    const auto whole = run({junk}, {.max_event_bytes = 64});
    CHECK(run_bytewise(junk, {.max_event_bytes = 64}) == whole);
    for (std::size_t i = 0; i <= junk.size(); i += 97) {
        CAPTURE(i);
        CHECK(run({std::string_view(junk).substr(0, i), std::string_view(junk).substr(i)},
                  {.max_event_bytes = 64}) == whole);
    }
}

}  // TEST_SUITE
