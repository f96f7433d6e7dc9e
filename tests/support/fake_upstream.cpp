#include "support/fake_upstream.hpp"

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <poll.h>
#include <sys/socket.h>

#include <cstdio>

namespace tokentap::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

template <class Stream>
class stream_io : public upstream_connection_io {
public:
    stream_io(Stream& s, tcp::socket& raw) : s_(s), raw_(raw) {}
    bool write(std::string_view bytes) override {
        boost::system::error_code ec;
        net::write(s_, net::buffer(bytes.data(), bytes.size()), ec);
        return !ec;
    }
    bool wait_peer_close(std::chrono::milliseconds timeout) override {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{raw_.native_handle(), POLLIN | POLLRDHUP, 0};
            if (::poll(&p, 1, 20) > 0) {
                char c;
                const auto n = ::recv(raw_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
                if (n <= 0) return true;
                if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        }
        return false;
    }
    void set_send_buffer(int bytes) override { raw_.set_option(net::socket_base::send_buffer_size(bytes)); }

private:
    Stream& s_;
    tcp::socket& raw_;
};

}  // namespace

fake_upstream::fake_upstream(handler h, const pem_identity* tls_identity)
    : handler_(std::move(h)), acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    if (tls_identity) {
        tls_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
        tls_->use_certificate_chain(net::buffer(tls_identity->certificate));
        tls_->use_private_key(net::buffer(tls_identity->private_key), net::ssl::context::pem);
    }
    acceptor_thread_ = std::thread([this] { accept_loop(); });
}

fake_upstream::~fake_upstream() {
    stopping_ = true;
    boost::system::error_code ec;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_.close(ec);
    acceptor_thread_.join();
    {
        std::lock_guard lock(mutex_);
        for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : threads_) t.join();
}

std::vector<request> fake_upstream::received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

void fake_upstream::accept_loop() {
    while (!stopping_) {
        boost::system::error_code ec;
        tcp::socket s(ioc_);
        acceptor_.accept(s, ec);
        if (ec || stopping_) return;
        connections_ += 1;
        std::lock_guard lock(mutex_);
        open_fds_.push_back(s.native_handle());
        threads_.emplace_back([this, s = std::move(s)]() mutable { serve(std::move(s)); });
    }
}

void fake_upstream::serve(tcp::socket socket) {
    auto loop = [&](auto& stream) {
        boost::beast::flat_buffer buffer;
        stream_io<std::remove_reference_t<decltype(stream)>> io(stream, socket);
        while (!stopping_) {
            http::request_parser<http::string_body> p;
            p.body_limit(256u << 20);
            boost::system::error_code ec;
            http::read(stream, buffer, p, ec);
            if (ec) return;
            {
                std::lock_guard lock(mutex_);
                received_.push_back(p.get());
            }
            handler_(p.get(), io);
            if (io.close_after_response) return;
        }
    };
    if (tls_) {
        net::ssl::stream<tcp::socket&> tls(socket, *tls_);
        boost::system::error_code ec;
        tls.handshake(net::ssl::stream_base::server, ec);
        if (!ec) loop(tls);
    } else {
        loop(socket);
    }
    boost::system::error_code ec;
    socket.shutdown(tcp::socket::shutdown_both, ec);
}

std::string fixed_response(int status, std::string_view body, std::string_view content_type,
                           std::string_view extra_headers) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    out += "Content-Type: " + std::string(content_type) + "\r\n";
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += extra_headers;
    out += "\r\n";
    out += body;
    return out;
}

std::string chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + std::string(data) + "\r\n";
}

}  // namespace tokentap::test
