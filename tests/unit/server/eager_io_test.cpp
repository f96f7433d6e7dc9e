// parse_buffered (bytes already read, parsed without I/O), write_eagerly (a direct non-blocking
// write first, then the asynchronous rest) and read_eagerly (Beast's read semantics on the socket's
// own reads) on a loopback socket pair.
#include <doctest/doctest.h>

#include <boost/asio/detached.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
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

// A connected loopback pair: `stream` (tokentap's side) and `peer` (blocking, written by the test).
struct socket_pair {
    net::io_context ioc;
    tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
    tcp::socket peer{ioc};
    beast::tcp_stream stream{ioc};
    socket_pair() {
        stream.socket().connect(acceptor.local_endpoint());
        acceptor.accept(peer);
        peer.set_option(tcp::no_delay(true));
        make_non_blocking(stream);
    }
    // Runs read_eagerly to its end while `feed` writes to the peer from another thread.
    template <class Parser>
    error_code read(beast::flat_buffer& buffer, Parser& parser, read_goal goal, std::function<void()> feed) {
        error_code result = net::error::fault;
        auto run = [&]() -> net::awaitable<void> { result = co_await read_eagerly(stream, buffer, parser, goal); };
        net::co_spawn(ioc, run, [](std::exception_ptr e) { if (e) std::rethrow_exception(e); });
        std::thread writer(std::move(feed));
        ioc.run();
        writer.join();
        ioc.restart();
        return result;
    }
};

void send_in_pieces(tcp::socket& s, std::string_view bytes, std::size_t piece) {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        net::write(s, net::buffer(bytes.substr(at, piece)));
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

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

TEST_CASE("read_eagerly: a header that arrives in pieces is read whole, its body left for later") {
    socket_pair sp;
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    const auto ec = sp.read(buffer, parser, read_goal::header, [&] { send_in_pieces(sp.peer, whole_request, 7); });
    CHECK_FALSE(ec);
    CHECK(parser.is_header_done());
    CHECK_FALSE(parser.is_done());
    CHECK(parser.get().target() == "/v1/chat/completions");
    CHECK(parser.get()[http::field::host] == "x");
    // The body is read afterwards, with a parser for it (as the forwarder does).
    http::request_parser<http::string_body> body_parser{std::move(parser)};
    body_parser.eager(true);
    CHECK_FALSE(sp.read(buffer, body_parser, read_goal::message, [] {}));
    CHECK(body_parser.get().body() == "{\"model\":1}");
}

TEST_CASE("read_eagerly: a message is read to its end; bytes already buffered are parsed first") {
    socket_pair sp;
    beast::flat_buffer buffer;
    fill(buffer, whole_request.substr(0, 40));  // came with an earlier read
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    const auto ec = sp.read(buffer, parser, read_goal::message,
                            [&] { send_in_pieces(sp.peer, whole_request.substr(40), 5); });
    CHECK_FALSE(ec);
    CHECK(parser.is_done());
    CHECK(parser.get().body() == "{\"model\":1}");
}

TEST_CASE("read_eagerly: the end of the stream") {
    SUBCASE("before any byte: end_of_stream") {
        socket_pair sp;
        beast::flat_buffer buffer;
        http::request_parser<http::empty_body> parser;
        const auto ec =
            sp.read(buffer, parser, read_goal::header, [&] { sp.peer.shutdown(tcp::socket::shutdown_send); });
        CHECK(ec == http::error::end_of_stream);
    }
    SUBCASE("within a header: partial_message") {
        socket_pair sp;
        beast::flat_buffer buffer;
        http::request_parser<http::empty_body> parser;
        const auto ec = sp.read(buffer, parser, read_goal::header, [&] {
            net::write(sp.peer, net::buffer(whole_request.substr(0, 30)));
            sp.peer.shutdown(tcp::socket::shutdown_send);
        });
        CHECK(ec == http::error::partial_message);
    }
    SUBCASE("ends a body delimited by the end of the connection") {
        socket_pair sp;
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        const auto ec = sp.read(buffer, parser, read_goal::message, [&] {
            net::write(sp.peer, net::buffer(std::string_view("HTTP/1.1 200 OK\r\n\r\ndata: 1\n\n")));
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            net::write(sp.peer, net::buffer(std::string_view("data: 2\n\n")));
            sp.peer.shutdown(tcp::socket::shutdown_send);
        });
        CHECK_FALSE(ec);
        CHECK(parser.is_done());
        CHECK(parser.get().body() == "data: 1\n\ndata: 2\n\n");
    }
}

TEST_CASE("read_eagerly: a body that ends with the connection ends, however its last bytes and the close race the reads") {
    // The last bytes and the end of the stream may come together, just after epoll reported the
    // bytes before them: a read that took a short read for "nothing more until epoll reports it"
    // then waited for a report that never came (a body delimited by the close hung until the idle
    // timeout). 300 runs, each bounded.
    int stuck = 0;
    for (int i = 0; i < 300 && stuck == 0; ++i) {
        socket_pair sp;
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.eager(true);
        std::optional<error_code> result;
        net::co_spawn(
            sp.ioc,
            [&]() -> net::awaitable<void> {
                result = co_await read_eagerly(sp.stream, buffer, parser, read_goal::message);
            },
            net::detached);
        std::thread writer([&] {
            net::write(sp.peer, net::buffer(std::string_view("HTTP/1.1 200 OK\r\n\r\nab")));
            net::write(sp.peer, net::buffer(std::string_view("cd")));
            sp.peer.shutdown(tcp::socket::shutdown_send);
        });
        sp.ioc.run_for(std::chrono::seconds(2));
        writer.join();
        if (!result) {
            ++stuck;
            break;
        }
        CHECK_FALSE(*result);
        CHECK(parser.get().body() == "abcd");
    }
    CHECK(stuck == 0);
}

TEST_CASE("read_eagerly: `some` returns once the parser has taken body bytes") {
    socket_pair sp;
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    fill(buffer, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n");
    parse_buffered(parser, buffer);
    REQUIRE(parser.is_header_done());
    std::array<char, 16> room{};
    parser.get().body().data = room.data();
    parser.get().body().size = room.size();
    const auto ec =
        sp.read(buffer, parser, read_goal::some, [&] { net::write(sp.peer, net::buffer(std::string_view("abcd"))); });
    CHECK_FALSE(ec);
    CHECK_FALSE(parser.is_done());
    CHECK(room.size() - parser.get().body().size == 4);
    CHECK(std::string_view(room.data(), 4) == "abcd");
}

TEST_CASE("read_eagerly: a header over the parser's limit fails with header_limit") {
    socket_pair sp;
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(64);
    const auto ec = sp.read(buffer, parser, read_goal::header, [&] {
        net::write(sp.peer, net::buffer("GET / HTTP/1.1\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n"));
    });
    CHECK(ec == http::error::header_limit);
}

}  // namespace tokentap
