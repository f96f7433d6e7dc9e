#pragma once
// Writes a forwarded message: its head, serialized into one buffer, then its body as it comes,
// as it is or in chunks. Beast's serializer walks nested buffer views on every write and took about
// a fifth of a forwarded request's CPU in user space for the two messages; this writes the same
// bytes with one scatter list (write_all_eagerly, eager_io.hpp). Error responses and admin answers still go through Beast.

#include <boost/beast/http/message.hpp>

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "tokentap/eager_io.hpp"
#include "tokentap/net.hpp"
#include "tokentap/proxy/response_head.hpp"

namespace tokentap::proxy {

namespace http = boost::beast::http;

// The start line and fields as they go on the wire, with the blank line that ends them; the same
// bytes as Beast's serializer.
std::string serialize_head(const http::request_header<>& head);

// What the head of a response sent on says about its framing, which is the proxy's own.
struct response_framing {
    bool drop_length = false;  // no Content-Length: a filter changes the body's length
    bool chunked = false;      // Transfer-Encoding: chunked, and no Content-Length
    bool close = false;        // Connection: close
};
// An upstream's response head as it goes to the client: HTTP/1.1, the reason as received (the
// standard one when there was none), the fields but the hop-by-hop ones (http_headers.hpp), then
// the framing fields.
std::string forwarded_head(const response_head& head, const response_framing& framing);

class wire_writer {
public:
    // `head` from serialize_head; `chunked`: the head says Transfer-Encoding: chunked.
    wire_writer(std::string head, bool chunked) : head_(std::move(head)), chunked_(chunked) {}

    // Writes the head if it has not gone yet, then `data` (one chunk when chunked; nothing when
    // empty); `last` ends the body (with the last chunk when chunked).
    template <class Stream>
    net::awaitable<error_code> write(Stream& stream, std::string_view data, bool last);

    bool ended() const { return ended_; }  // a write with `last` was made

private:
    std::string head_;
    bool chunked_;
    bool head_sent_ = false;
    bool ended_ = false;
};

template <class Stream>
net::awaitable<error_code> wire_writer::write(Stream& stream, std::string_view data, bool last) {
    static constexpr std::string_view crlf = "\r\n";
    static constexpr std::string_view last_chunk = "0\r\n\r\n";
    std::array<net::const_buffer, 5> parts;
    std::size_t n = 0;
    if (!head_sent_) parts[n++] = net::buffer(head_);
    std::array<char, 20> size_line;
    if (!data.empty() && chunked_) {
        static constexpr char hex[] = "0123456789abcdef";
        std::size_t at = size_line.size() - 2;
        size_line[at] = '\r';
        size_line[at + 1] = '\n';
        for (auto v = data.size(); v > 0; v >>= 4) size_line[--at] = hex[v & 15];
        parts[n++] = net::buffer(size_line.data() + at, size_line.size() - at);
    }
    if (!data.empty()) parts[n++] = net::buffer(data);
    if (!data.empty() && chunked_) parts[n++] = net::buffer(crlf);
    if (last && chunked_ && !ended_) parts[n++] = net::buffer(last_chunk);
    head_sent_ = true;
    ended_ = ended_ || last;
    if (n == 0) co_return error_code{};
    co_return co_await write_all_eagerly(stream, std::span(parts.data(), n));
}

}  // namespace tokentap::proxy
