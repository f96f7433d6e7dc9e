#include "support/proxy_client.hpp"

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <poll.h>
#include <sys/socket.h>

namespace tokentap::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

config::config config_for(std::uint16_t upstream_port, bool tls) {
    config::config c;
    c.builtin_routes = false;
    c.threads = 1;
    config::upstream_url u;
    u.tls = tls;
    u.host = tls ? "localhost" : "127.0.0.1";
    u.port = upstream_port;
    c.routes.push_back({"/up", u, "openai"});
    return c;
}

config::config running_proxy::listen_anywhere(config::config c) {
    c.listen = {"127.0.0.1", 0};
    return c;
}

running_proxy::running_proxy(config::config c) : app_(listen_anywhere(std::move(c))) { app_.start(); }

client::client(std::uint16_t port, std::chrono::milliseconds timeout) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    const timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

http::response<http::string_body> client::send(http::request<http::string_body> req) {
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, "localhost");
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> p;
    p.body_limit(256u << 20);
    http::read(socket_, buffer_, p);
    return p.release();
}

http::response<http::string_body> client::post(const std::string& target, const std::string& body) {
    http::request<http::string_body> req{http::verb::post, target, 11};
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    return send(std::move(req));
}

http::response<http::string_body> client::get(const std::string& target) {
    return send(http::request<http::string_body>{http::verb::get, target, 11});
}

void client::write_raw(std::string_view bytes) { net::write(socket_, net::buffer(bytes.data(), bytes.size())); }

std::string client::read_some(std::chrono::milliseconds timeout) {
    pollfd p{socket_.native_handle(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
    char buf[65536];
    const auto n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace tokentap::test
