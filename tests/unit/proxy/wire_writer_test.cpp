#include <doctest/doctest.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tokentap/proxy/http_headers.hpp"
#include "tokentap/proxy/response_head_parser.hpp"
#include "tokentap/proxy/wire_writer.hpp"

using namespace tokentap;
namespace http = boost::beast::http;

namespace {
// What Beast's own serializer writes for the header of `m`.
template <bool isRequest, class Body>
std::string beast_head(http::message<isRequest, Body>& m) {
    std::ostringstream out;
    out << m.base();
    return out.str();
}
// Writes `pieces` (the last one with last = true) through a wire_writer over a loopback TCP
// connection, blocking or not, and returns the bytes the other end read.
std::string written(bool chunked, const std::vector<std::string>& pieces, bool non_blocking) {
    net::io_context io;
    tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    beast::tcp_stream out(io);
    out.connect(acceptor.local_endpoint());
    tcp::socket in = acceptor.accept();
    out.socket().non_blocking(non_blocking);
    std::string received;
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        proxy::wire_writer writer("HEAD\r\n\r\n", chunked);
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            const auto ec = co_await writer.write(out, pieces[i], i + 1 == pieces.size());
            CHECK_FALSE(ec);
        }
        out.socket().shutdown(tcp::socket::shutdown_send);
    }, net::detached);
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        auto [ec, n] = co_await net::async_read(in, net::dynamic_buffer(received), use_nothrow);
        CHECK(ec == net::error::eof);
    }, net::detached);
    io.run();
    return received;
}
}  // namespace

TEST_SUITE("unit/proxy/wire_writer") {

TEST_CASE("a request head is the bytes Beast writes") {
    http::request<http::empty_body> req{http::verb::post, "/v1/chat/completions?x=1", 11};
    req.set(http::field::host, "api.openai.com");
    req.insert("Authorization", "Bearer sk-test");
    req.insert("X-MiXeD", "a, b");
    req.insert("x-empty", "");
    req.content_length(42);
    const auto head = proxy::serialize_head(req);
    CHECK(head == beast_head(req));
    CHECK(head.starts_with("POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: api.openai.com\r\n"));
    CHECK(head.ends_with("Content-Length: 42\r\n\r\n"));
}

TEST_CASE("a method Beast does not know keeps its spelling") {
    http::request<http::empty_body> req;
    req.method_string("PROPFIND");
    req.target("/x");
    req.version(11);
    CHECK(proxy::serialize_head(req) == "PROPFIND /x HTTP/1.1\r\n\r\n");
    CHECK(proxy::serialize_head(req) == beast_head(req));
}

TEST_CASE("a forwarded response head is the bytes Beast writes for the response it parsed, less the hop-by-hop fields") {
    // The way tokentap forwarded a response before its head was kept flat: Beast parsed it into
    // fields, the hop-by-hop ones were removed, and the proxy's framing was set.
    const auto beast_forwarded = [](const std::string& raw, const proxy::response_framing& framing) {
        http::response_parser<http::empty_body> p;
        p.skip(true);
        error_code ec;
        p.put(net::buffer(raw), ec);
        REQUIRE_FALSE(ec);
        http::response<http::empty_body> res{std::move(p.get().base())};
        proxy::remove_hop_by_hop(res);
        res.version(11);
        if (framing.drop_length) res.erase(http::field::content_length);
        if (framing.chunked) res.chunked(true);
        if (framing.close) res.set(http::field::connection, "close");
        return beast_head(res);
    };
    const std::vector<std::string> heads = {
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: 296\r\n"
        "Connection: keep-alive\r\n\r\n",
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n"
        "x-ratelimit-remaining-requests: 99\r\nKeep-Alive: timeout=5\r\nconnection: keep-alive\r\n\r\n",
        "HTTP/1.1 429 Slow Down\r\nretry-after: 3\r\nContent-Length: 0\r\nConnection: close, X-Hop\r\n"
        "x-hop: dropped\r\nX-Stay: kept\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n",
        "HTTP/1.1 529 \r\nContent-Length: 10\r\nx-empty: \r\nProxy-Authenticate: Basic\r\nTrailer: x\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Type: application/x-ndjson\r\nUpgrade: h2c\r\nConnection: upgrade, Close\r\n\r\n",
        "HTTP/1.1 599 Whatever It Says\r\nContent-Length: 5\r\nTE: trailers\r\nx-a:b\r\n\r\n",
    };
    for (const auto& raw : heads) {
        for (int bits = 0; bits < 8; ++bits) {
            const proxy::response_framing framing{(bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0};
            CAPTURE(raw);
            CAPTURE(bits);
            proxy::response_head_parser p;
            p.skip(true);
            error_code ec;
            p.put(net::buffer(raw), ec);
            REQUIRE_FALSE(ec);
            CHECK(proxy::forwarded_head(p.head(), framing) == beast_forwarded(raw, framing));
        }
    }
    proxy::response_head_parser p;
    p.skip(true);
    error_code ec;
    p.put(net::buffer(heads[2]), ec);
    CHECK(proxy::forwarded_head(p.head(), {}) ==
          "HTTP/1.1 429 Slow Down\r\nretry-after: 3\r\nContent-Length: 0\r\nX-Stay: kept\r\nSet-Cookie: a=1\r\n"
          "set-cookie: b=2\r\n\r\n");
}

TEST_CASE("a forwarded response head keeps repeated fields where they came (Beast's fields grouped them)") {
    const std::string raw = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Between: 1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n";
    proxy::response_head_parser p;
    error_code ec;
    p.put(net::buffer(raw), ec);
    REQUIRE_FALSE(ec);
    CHECK(proxy::forwarded_head(p.head(), {}) == raw);
}

TEST_CASE("a chunked body goes in chunks after the head, empty pieces skipped, and ends with the last chunk") {
    for (const bool non_blocking : {false, true}) {
        CAPTURE(non_blocking);
        const std::string big(70000, 'x');  // more than a socket takes at once: the rest goes asynchronously
        CHECK(written(true, {"hello", "", "world!"}, non_blocking) ==
              "HEAD\r\n\r\n5\r\nhello\r\n6\r\nworld!\r\n0\r\n\r\n");
        CHECK(written(true, {"data", ""}, non_blocking) == "HEAD\r\n\r\n4\r\ndata\r\n0\r\n\r\n");
        CHECK(written(true, {""}, non_blocking) == "HEAD\r\n\r\n0\r\n\r\n");
        CHECK(written(true, {big}, non_blocking) == "HEAD\r\n\r\n11170\r\n" + big + "\r\n0\r\n\r\n");
    }
}

TEST_CASE("a body with a length goes as it is") {
    for (const bool non_blocking : {false, true}) {
        CAPTURE(non_blocking);
        const std::string big(300000, 'y');
        CHECK(written(false, {"", "abc", "def"}, non_blocking) == "HEAD\r\n\r\nabcdef");
        CHECK(written(false, {""}, non_blocking) == "HEAD\r\n\r\n");
        CHECK(written(false, {"a", big}, non_blocking) == "HEAD\r\n\r\na" + big);
    }
}

}  // TEST_SUITE
