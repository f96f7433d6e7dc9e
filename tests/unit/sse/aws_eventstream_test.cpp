#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/sse/aws_eventstream.hpp"
#include "support/event_stream_encoder.hpp"

using namespace tokentap::sse;
using namespace event_stream_encoder;

namespace {

// ---- Running the decoder. ----

struct decoded {
    std::vector<std::string> frames;  // "message-type|event-type|exception-type|content-type|payload"
    std::uint64_t bad = 0;
    bool gave_up = false, truncated = false;

    bool operator==(const decoded&) const = default;
};

decoded run(std::string_view stream, const std::vector<std::size_t>& cuts, aws_eventstream_options o = {}) {
    aws_eventstream_decoder decoder(o);
    decoded r;
    auto on_frame = [&](const aws_event_frame& f) {
        r.frames.push_back(std::string(f.message_type) + "|" + std::string(f.event_type) + "|" +
                           std::string(f.exception_type) + "|" + std::string(f.content_type) + "|" +
                           std::string(f.payload));
    };
    std::size_t at = 0;
    for (const auto cut : cuts) {
        decoder.feed(stream.substr(at, cut - at), on_frame);
        at = cut;
    }
    decoder.feed(stream.substr(at), on_frame);
    r.truncated = decoder.finish(on_frame);
    CHECK(decoder.truncated() == r.truncated);
    CHECK(decoder.frames() == r.frames.size());
    r.bad = decoder.bad_frames();
    r.gave_up = decoder.gave_up();
    return r;
}

decoded run(std::string_view stream) { return run(stream, {}); }

// The stream whole, split in two at every offset, and one byte at a time, all decode alike.
void check_every_split(std::string_view stream, const decoded& expected) {
    REQUIRE(run(stream) == expected);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        CAPTURE(i);
        REQUIRE(run(stream, {i}) == expected);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    CHECK(run(stream, every) == expected);
}

}  // namespace

TEST_CASE("aws event stream: frames decode whole and split at every byte") {
    const auto stream = event("messageStart", R"({"role":"assistant"})") +
                        event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"}})") +
                        event("messageStop", R"({"stopReason":"end_turn"})");
    decoded expected;
    expected.frames = {"event|messageStart||application/json|{\"role\":\"assistant\"}",
                       "event|contentBlockDelta||application/json|"
                       "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}",
                       "event|messageStop||application/json|{\"stopReason\":\"end_turn\"}"};
    check_every_split(stream, expected);
}

TEST_CASE("aws event stream: a frame with no headers and no payload is a frame") {
    decoded expected;
    expected.frames = {"||||"};
    check_every_split(frame("", ""), expected);
}

TEST_CASE("aws event stream: exception and error frames name their type") {
    const auto exception = frame(string_header(":message-type", "exception") +
                                     string_header(":exception-type", "throttlingException") +
                                     string_header(":content-type", "application/json"),
                                 R"({"message":"Too many requests"})");
    const auto error = frame(string_header(":message-type", "error") + string_header(":error-code", "InternalFailure") +
                                 string_header(":error-message", "oops"),
                             "");
    decoded expected;
    expected.frames = {"exception||throttlingException|application/json|{\"message\":\"Too many requests\"}",
                       "error||InternalFailure||"};
    check_every_split(exception + error, expected);
}

TEST_CASE("aws event stream: every header value type is stepped over") {
    std::string headers;
    headers += header("t", 0, "");
    headers += header("f", 1, "");
    headers += header("b", 2, "\x7f");
    headers += header("s", 3, std::string("\x01\x02", 2));
    headers += header("i", 4, std::string("\x00\x00\x00\x2a", 4));
    headers += header("l", 5, std::string(8, '\x01'));
    headers += header("bytes", 6, std::string("\x00\x03\x00:x", 5));  // 3 bytes that look like a header
    headers += string_header(":event-type", "chunk");
    headers += header("ts", 8, std::string(8, '\x02'));
    headers += header("uuid", 9, std::string(16, '\x03'));
    headers += header(":message-type", 6, std::string("\x00\x05" "event", 7));  // bytes, not a string: ignored
    headers += string_header(":message-type", "event");
    decoded expected;
    expected.frames = {"event|chunk|||{}"};
    check_every_split(frame(headers, "{}"), expected);
}

TEST_CASE("aws event stream: headers that do not parse spoil only their frame") {
    const auto unknown_type = frame(header("x", 10, "") + string_header(":event-type", "chunk"), "{}");
    const auto past_the_end = frame(string_header(":event-type", "chunk").substr(0, 15), "{}");  // value cut short
    const auto name_too_long = frame(std::string("\x09:event", 7), "");
    const auto good = event("metadata", "{}");
    decoded expected;
    expected.frames = {"event|metadata||application/json|{}"};
    expected.bad = 3;
    check_every_split(unknown_type + past_the_end + name_too_long + good, expected);
}

TEST_CASE("aws event stream: a bad message CRC skips that frame and decoding goes on") {
    auto spoiled = event("contentBlockDelta", R"({"delta":{"text":"lost"}})");
    spoiled[spoiled.size() - 10] ^= 0x20;  // a payload byte changes: the message CRC no longer matches
    const auto stream = event("messageStart", "{}") + spoiled + event("messageStop", "{}");
    decoded expected;
    expected.frames = {"event|messageStart||application/json|{}", "event|messageStop||application/json|{}"};
    expected.bad = 1;
    check_every_split(stream, expected);
}

TEST_CASE("aws event stream: a bad prelude CRC loses the framing and decoding stops") {
    auto spoiled = event("contentBlockDelta", "{}");
    spoiled[9] ^= 0x01;  // the prelude CRC
    const auto stream = event("messageStart", "{}") + spoiled + event("messageStop", "{}");
    decoded expected;
    expected.frames = {"event|messageStart||application/json|{}"};
    expected.bad = 1;
    expected.gave_up = true;
    check_every_split(stream, expected);

    SUBCASE("a length that changes is caught by the prelude CRC too") {
        auto longer = event("messageStop", "{}");
        longer[3] = static_cast<char>(longer[3] + 1);
        const auto r = run(longer);
        CHECK(r.frames.empty());
        CHECK(r.gave_up);
    }
}

TEST_CASE("aws event stream: lengths out of bounds stop decoding") {
    SUBCASE("a frame larger than the limit") {
        const auto big = event("chunk", std::string(200, 'x'));
        const auto r = run(event("chunk", "{}") + big + event("chunk", "{}"), {}, aws_eventstream_options{100});
        CHECK(r.frames.size() == 1);
        CHECK(r.bad == 1);
        CHECK(r.gave_up);
    }
    SUBCASE("a total length too small for the prelude and CRC") {
        std::string f;
        put_u32(f, 15);
        put_u32(f, 0);
        put_u32(f, crc(f));
        f += "xxx";
        const auto r = run(f + event("chunk", "{}"));
        CHECK(r.frames.empty());
        CHECK(r.gave_up);
    }
    SUBCASE("a headers length larger than the frame") {
        std::string f;
        put_u32(f, 20);
        put_u32(f, 5);
        put_u32(f, crc(f));
        f += std::string(8, '\0');
        const auto r = run(f);
        CHECK(r.frames.empty());
        CHECK(r.gave_up);
        CHECK_FALSE(r.truncated);
    }
}

TEST_CASE("aws event stream: a stream that ends inside a frame is truncated") {
    const auto whole = event("messageStart", "{}") + event("metadata", R"({"usage":{}})");
    CHECK_FALSE(run(whole).truncated);
    for (const std::size_t cut : {whole.size() - 1, whole.size() - 20, event("messageStart", "{}").size() + 5}) {
        CAPTURE(cut);
        const auto r = run(std::string_view(whole).substr(0, cut));
        CHECK(r.truncated);
        CHECK(r.frames.size() == 1);
        CHECK(r.bad == 1);
        CHECK_FALSE(r.gave_up);
    }
}
