#include "tokentap/upstream/upstream_connection.hpp"

#include <sys/socket.h>

#include <cerrno>

namespace tokentap::upstream {

// Reads take what fits in the buffer's capacity: room for a typical response header and a small
// body means one read instead of several 512-byte ones.
constexpr std::size_t initial_read_capacity = 16 * 1024;

upstream_connection::upstream_connection(plain_stream s, std::string pool_key)
    : upstream_connection(std::variant<plain_stream, tls_stream>(std::move(s)), std::move(pool_key)) {}

upstream_connection::upstream_connection(tls_stream s, std::string pool_key)
    : upstream_connection(std::variant<plain_stream, tls_stream>(std::move(s)), std::move(pool_key)) {}

upstream_connection::upstream_connection(std::variant<plain_stream, tls_stream> s, std::string pool_key)
    : stream_(std::move(s)), pool_key_(std::move(pool_key)) {
    buffer_.reserve(initial_read_capacity);
}

beast::tcp_stream& upstream_connection::tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
}

bool upstream_connection::looks_alive(bool peek) {
    auto& sock = tcp().socket();
    if (!sock.is_open() || buffer_.size() != 0) return false;
    if (!peek) return true;
    char c;
    const auto n = ::recv(sock.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void upstream_connection::close() {
    error_code ec;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp().socket().close(ec);
}

}  // namespace tokentap::upstream
