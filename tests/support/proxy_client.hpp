#pragma once
// tokentap running in-process on 127.0.0.1:0, and a blocking HTTP client for tests.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "tokentap/app/app.hpp"
#include "tokentap/config/config.hpp"

namespace tokentap::test {

namespace http = boost::beast::http;

// A config with one route "/up" to 127.0.0.1:port, no built-in routes, one thread.
config::config config_for(std::uint16_t upstream_port, bool tls = false);

class running_proxy {
public:
    explicit running_proxy(config::config c);
    std::uint16_t port() const { return app_.port(); }
    app::app& app() { return app_; }

private:
    static config::config listen_anywhere(config::config c);
    tokentap::app::app app_;
};

// One client connection to the proxy (keep-alive across calls).
class client {
public:
    explicit client(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    http::response<http::string_body> send(http::request<http::string_body> req);
    http::response<http::string_body> post(const std::string& target, const std::string& body);
    http::response<http::string_body> get(const std::string& target);
    void write_raw(std::string_view bytes);
    // Reads whatever arrives within the timeout (empty on timeout or close).
    std::string read_some(std::chrono::milliseconds timeout);
    boost::asio::ip::tcp::socket& socket() { return socket_; }
    boost::beast::flat_buffer& buffer() { return buffer_; }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace tokentap::test
