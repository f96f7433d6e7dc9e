// parse_buffered (bytes already read, parsed without I/O) and write_eagerly (a direct non-blocking
// write first, then the asynchronous rest) on a loopback socket pair.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cstring>
#include <thread>

#include "tokentap/eager_io.hpp"

namespace tokentap {

namespace {

void fill(beast::flat_buffer& b, std::string_view bytes) {
    auto room = b.prepare(bytes.size());
    std::memcpy(room.data(), bytes.data(), bytes.size());
    b.commit(bytes.size());
}

constexpr std::string_view whole_request =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"model\":1}";

}  // namespace

TEST_CASE("parse_buffered: a request whose body came with its header is parsed without reading") {
    beast::flat_buffer b;
    fill(b, std::string(whole_request) + "GET /next");  // and the start of a pipelined request
    http::request_parser<http::string_body> p;
    p.eager(true);
    CHECK_FALSE(parse_buffered(p, b));
    CHECK(p.is_done());
    CHECK(p.get().body() == "{\"model\":1}");
    CHECK(beast::buffers_to_string(b.data()) == "GET /next");  // the next request stays buffered
}

TEST_CASE("parse_buffered: a body cut short asks for more, and a full buffer_body asks for room") {
    beast::flat_buffer b;
    fill(b, whole_request.substr(0, whole_request.size() - 4));
    http::request_parser<http::string_body> p;
    p.eager(true);
    CHECK(parse_buffered(p, b) == http::error::need_more);
    CHECK_FALSE(p.is_done());
    fill(b, whole_request.substr(whole_request.size() - 4));
    CHECK_FALSE(parse_buffered(p, b));
    CHECK(p.get().body() == "{\"model\":1}");

    beast::flat_buffer b2;
    fill(b2, whole_request);
    http::request_parser<http::buffer_body> bp;
    CHECK_FALSE(parse_buffered(bp, b2) == http::error::need_more);  // the header, then no room
    std::array<char, 4> room{};
    bp.get().body().data = room.data();
    bp.get().body().size = room.size();
    CHECK(parse_buffered(bp, b2) == http::error::need_buffer);
    CHECK(std::string_view(room.data(), room.size()) == "{\"mo");
}

TEST_CASE("write_eagerly: a small message is written at once, a large one finishes asynchronously") {
    net::io_context ioc;
    tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    tcp::socket peer(ioc);
    beast::tcp_stream stream(ioc);
    stream.socket().connect(acceptor.local_endpoint());
    acceptor.accept(peer);
    make_non_blocking(stream);
    stream.socket().set_option(net::socket_base::send_buffer_size(4096));

    http::response<http::string_body> small{http::status::ok, 11};
    small.body() = "hello";
    small.prepare_payload();
    http::response<http::string_body> large{http::status::ok, 11};
    large.body() = std::string(4 << 20, 'x');  // more than the socket buffers take at once
    large.prepare_payload();

    error_code small_ec = net::error::fault, large_ec = net::error::fault;
    bool small_done = false;
    net::co_spawn(ioc, [&]() -> net::awaitable<void> {
        small_ec = co_await write_message_eagerly(stream, small);
        small_done = true;
        large_ec = co_await write_message_eagerly(stream, large);
    }, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
    // The coroutine starts on the first run: the small write completes within that one handler.
    ioc.run_one();
    CHECK(small_done);
    CHECK_FALSE(small_ec);

    std::size_t received = 0;
    std::thread reader([&] {
        std::array<char, 65536> chunk;
        error_code ec;
        while (!ec) received += peer.read_some(net::buffer(chunk), ec);  // to the end of the stream
    });
    ioc.run();
    stream.socket().shutdown(tcp::socket::shutdown_send);
    reader.join();
    CHECK(received > large.body().size());
    CHECK_FALSE(large_ec);
}

}  // namespace tokentap
