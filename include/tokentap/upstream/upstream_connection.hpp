#pragma once
// One connection to an upstream, plain TCP or TLS, with the read buffer that belongs to it (bytes
// read past one response stay with the connection). Used by one thread at a time.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <string>
#include <variant>

#include "tokentap/net.hpp"

namespace tokentap::upstream {

class upstream_connection {
public:
    using plain_stream = beast::tcp_stream;
    using tls_stream = beast::ssl_stream<beast::tcp_stream>;

    upstream_connection(plain_stream s, std::string pool_key);
    upstream_connection(tls_stream s, std::string pool_key);

    beast::tcp_stream& tcp();
    beast::flat_buffer& buffer() { return buffer_; }
    const std::string& pool_key() const { return pool_key_; }

    // Calls f(plain_stream&) or f(tls_stream&).
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), stream_);
    }

    // False when the peer has closed or sent unexpected bytes while the connection sat idle
    // (a non-blocking peek; no I/O wait). Without `peek`, only what is known without a system call.
    bool looks_alive(bool peek = true);
    // Closes the socket at once; pending operations complete with operation_aborted.
    void close();

    unsigned uses = 0;  // responses read on this connection so far
    std::chrono::steady_clock::time_point idle_since{};

private:
    upstream_connection(std::variant<plain_stream, tls_stream> s, std::string pool_key);

    std::variant<plain_stream, tls_stream> stream_;
    beast::flat_buffer buffer_;
    std::string pool_key_;
};

}  // namespace tokentap::upstream
