#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tokentap/net.hpp"
#include "tokentap/proxy/response_head_parser.hpp"

using namespace tokentap;
namespace http = boost::beast::http;

namespace {
// Parses all of `raw` with a window of `room` bytes at a time, emptied after each parse as a relay
// would; returns the body bytes the windows received.
std::string parse_body(proxy::response_head_parser& p, const std::string& raw, std::size_t room) {
    std::string body;
    std::string window(room, '\0');
    std::size_t at = 0;
    while (!p.is_done()) {
        p.body().data = window.data();
        p.body().size = window.size();
        error_code ec;
        at += p.put(net::buffer(raw.data() + at, raw.size() - at), ec);
        body.append(window.data(), window.size() - p.body().size);
        if (ec == http::error::need_buffer) continue;
        REQUIRE_FALSE(ec);
        REQUIRE((p.is_done() || at < raw.size()));
    }
    CHECK(at == raw.size());
    return body;
}
}  // namespace

TEST_SUITE("unit/proxy/response_head") {

TEST_CASE("the head keeps its status line and its fields in order and spelling, and finds the first of a name") {
    const std::string raw =
        "HTTP/1.1 429 Too Many\r\nContent-Type: application/json\r\nX-RateLimit-Remaining: 0\r\n"
        "retry-after-ms: 250\r\nx-ratelimit-remaining: 7\r\nx-empty:\r\nContent-Length: 0\r\n\r\n";
    proxy::response_head_parser p;
    error_code ec;
    CHECK(p.put(net::buffer(raw), ec) == raw.size());
    REQUIRE_FALSE(ec);
    CHECK(p.is_done());
    const auto& h = p.head();
    CHECK(h.status() == 429);
    CHECK(h.version() == 11);
    CHECK(h.reason() == "Too Many");
    REQUIRE(h.size() == 6);
    std::vector<std::string> seen;
    for (const auto f : h) seen.push_back(std::string(f.name) + "=" + std::string(f.value));
    CHECK(seen == std::vector<std::string>{"Content-Type=application/json", "X-RateLimit-Remaining=0",
                                           "retry-after-ms=250", "x-ratelimit-remaining=7", "x-empty=",
                                           "Content-Length=0"});
    CHECK(h[0].code == http::field::content_type);
    CHECK(h[2].code == http::field::unknown);
    CHECK(h.value_of(http::field::content_type) == "application/json");
    CHECK(h.value_of(http::field::retry_after).empty());
    CHECK(h.value_of("X-RATELIMIT-REMAINING") == "0");
    CHECK(h.value_of("Retry-After-Ms") == "250");
    CHECK(h.value_of("x-missing").empty());
    CHECK(h.lines(0, h.size()) ==
          "Content-Type: application/json\r\nX-RateLimit-Remaining: 0\r\nretry-after-ms: 250\r\n"
          "x-ratelimit-remaining: 7\r\nx-empty: \r\nContent-Length: 0\r\n");
    CHECK(h.lines(1, 3) == "X-RateLimit-Remaining: 0\r\nretry-after-ms: 250\r\n");
    CHECK(h.lines(4, 4).empty());
    CHECK(h.lines(5, 6) == "Content-Length: 0\r\n");
}

TEST_CASE("a head of many long fields keeps each one whole as its text grows") {
    std::string raw = "HTTP/1.0 200 \r\n";  // an empty reason
    for (int i = 0; i < 60; ++i) raw += "x-field-" + std::to_string(i) + ": " + std::string(50 + i, 'a' + i % 26) + "\r\n";
    raw += "\r\n";
    proxy::response_head_parser p;
    p.skip(true);
    error_code ec;
    p.put(net::buffer(raw), ec);
    REQUIRE_FALSE(ec);
    const auto& h = p.head();
    CHECK(h.version() == 10);
    CHECK(h.reason().empty());
    REQUIRE(h.size() == 60);
    for (int i = 0; i < 60; ++i) {
        CAPTURE(i);
        CHECK(h[i].name == "x-field-" + std::to_string(i));
        CHECK(h[i].value == std::string(50 + i, 'a' + i % 26));
    }
}

TEST_CASE("the body goes into the window the caller sets, and a full window stops the parse") {
    const std::string body = "0123456789abcdefghij";
    const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + body;
    for (const std::size_t room : {1u, 3u, 7u, 20u, 64u}) {
        CAPTURE(room);
        proxy::response_head_parser p;
        p.eager(true);
        CHECK(parse_body(p, raw, room) == body);
    }
    SUBCASE("no window yet: nothing is taken") {
        proxy::response_head_parser p;
        p.eager(true);
        error_code ec;
        const auto n = p.put(net::buffer(raw), ec);
        CHECK(ec == http::error::need_buffer);
        CHECK(n == raw.size() - body.size());
        CHECK_FALSE(p.is_done());
    }
}

TEST_CASE("a chunked body reaches the window without its chunk framing") {
    const std::string raw =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
    for (const std::size_t room : {1u, 4u, 100u}) {
        CAPTURE(room);
        proxy::response_head_parser p;
        p.eager(true);
        CHECK(parse_body(p, raw, room) == "hello, world");
        CHECK(p.chunked());
    }
}

TEST_CASE("a malformed head is refused, as Beast's own parser refuses it") {
    for (const std::string raw : {"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n",
                                  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
        CAPTURE(raw);
        proxy::response_head_parser p;
        error_code ec;
        p.put(net::buffer(raw), ec);
        CHECK(ec);
    }
}

}  // TEST_SUITE
