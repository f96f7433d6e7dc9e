#pragma once
// I/O that is done at once when it can be. An asynchronous operation that could complete at once
// still costs a trip through the io_context: its handler is posted, and before it runs the
// io_context polls epoll once more (a system call, several microseconds on a virtual machine). For
// the common case of a small message, tokentap instead writes to the non-blocking socket directly and
// parses bytes already buffered directly, and falls back to the asynchronous operation only when
// the socket would block or more input is needed.
//
// Sockets used with write_eagerly are in non-blocking mode (make_non_blocking); only plain TCP
// streams take the direct paths (a TLS stream's own buffering does not allow them).

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <span>
#include <tuple>
#include <type_traits>

#include "tokentap/net.hpp"
#include "tokentap/reactor_receive.hpp"

namespace tokentap {

namespace http = boost::beast::http;

// Puts the socket in non-blocking mode, so that a direct write never waits.
inline void make_non_blocking(beast::tcp_stream& s) {
    error_code ec;
    s.socket().non_blocking(true, ec);
}

// Writes the serializer's message (or what it has of it: need_buffer for a buffer_body with more to
// come) directly while the socket takes it, then asynchronously. Returns the write's error.
template <class Stream, class Serializer>
net::awaitable<error_code> write_eagerly(Stream& stream, Serializer& sr) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        if (stream.socket().non_blocking()) {
            error_code ec;
            http::write(stream, sr, ec);
            if (ec != net::error::would_block && ec != net::error::try_again) co_return ec;
        }
    }
    auto [ec, n] = co_await http::async_write(stream, sr, use_nothrow);
    co_return ec;
}

// Asio's transfer_all, without its 64 KiB cap per system call: a 1 MB body goes in as few sends
// as the socket takes (with the cap, sixteen, and as many waits for room when the socket is full).
struct transfer_everything {
    std::size_t operator()(const error_code& ec, std::size_t) const { return ec ? 0 : std::size_t{1} << 30; }
};

// Writes all of `buffers`: directly while a plain non-blocking socket takes them (no trip through
// the io_context), the rest asynchronously. Returns the write's error.
template <class Stream>
net::awaitable<error_code> write_all_eagerly(Stream& stream, std::span<net::const_buffer> buffers) {
    std::size_t done = 0;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        if (stream.socket().non_blocking()) {
            error_code ec;
            done = net::write(stream.socket(), buffers, transfer_everything{}, ec);
            if (ec != net::error::would_block && ec != net::error::try_again) co_return ec;
        }
    }
    while (!buffers.empty() && done >= buffers.front().size()) {  // drop what went
        done -= buffers.front().size();
        buffers = buffers.subspan(1);
    }
    if (!buffers.empty()) buffers.front() += done;
    auto [ec, n] = co_await net::async_write(stream, buffers, transfer_everything{}, use_nothrow);
    co_return ec;
}

template <class Stream, bool isRequest, class Body, class Fields>
net::awaitable<error_code> write_message_eagerly(Stream& stream, http::message<isRequest, Body, Fields>& msg) {
    http::serializer<isRequest, Body, Fields> sr{msg};
    co_return co_await write_eagerly(stream, sr);
}

// Feeds what `buffer` holds to the parser, without reading. Returns success when the parser is
// done, need_more when it wants more input, need_buffer when a buffer_body's room is full, or the
// parse error.
template <class Parser>
error_code parse_buffered(Parser& parser, beast::flat_buffer& buffer) {
    error_code ec;
    while (!parser.is_done()) {
        if (buffer.size() == 0) return http::error::need_more;
        const auto used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec) return ec;
        if (used == 0) return http::error::need_more;
    }
    return {};
}

// How far read_eagerly reads: like http::async_read_some (until the parser takes something),
// http::async_read_header or http::async_read.
enum class read_goal { some, header, message };

// Reads and parses up to `goal`: bytes already in `buffer` first, without I/O. On a plain TCP
// stream, reads are single receives on the socket instead of Beast's composed operations (four
// layers of handlers and executor copies per read: callgrind counts 3.6k fewer instructions per
// proxied request, of 36.5k), and a read that empties the socket leaves the next one to wait for
// epoll instead of trying at once (async_receive_noting_empty, reactor_receive.hpp). The end of
// the stream is the parser's put_eof when it has begun a message (a body that runs to the end of
// the connection ends there), end_of_stream otherwise.
template <class Stream, bool isRequest>
net::awaitable<error_code> read_eagerly(Stream& stream, beast::flat_buffer& buffer,
                                        http::basic_parser<isRequest>& parser, read_goal goal) {
    const auto reached = [&] {
        return goal == read_goal::some || (goal == read_goal::header ? parser.is_header_done() : parser.is_done());
    };
    error_code ec;
    std::size_t n = 0;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
        for (;;) {
            if (buffer.size() != 0) {
                const auto used = parser.put(buffer.data(), ec);
                buffer.consume(used);
                if (ec != http::error::need_more) {
                    if (ec || reached()) co_return ec;
                    if (used != 0 && buffer.size() != 0) continue;  // more to parse before reading
                }
            }
            const auto room = beast::read_size(buffer, 65536);
            if (room == 0) co_return http::error::buffer_overflow;
            std::tie(ec, n) = co_await async_receive_noting_empty(stream.socket(), buffer.prepare(room), use_nothrow);
            buffer.commit(n);
            if (ec == net::error::eof) {
                if (!parser.got_some()) co_return http::error::end_of_stream;
                ec = {};
                parser.put_eof(ec);
                co_return ec;
            }
            if (ec) co_return ec;
        }
    }
    switch (goal) {
        case read_goal::some:
            std::tie(ec, n) = co_await http::async_read_some(stream, buffer, parser, use_nothrow);
            break;
        case read_goal::header:
            std::tie(ec, n) = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
            break;
        case read_goal::message:
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, use_nothrow);
            break;
    }
    co_return ec;
}

}  // namespace tokentap
