#pragma once
// A scripted upstream on 127.0.0.1 (port 0), plain or TLS, for integration tests. Blocking I/O on
// threads of its own: one per connection. The handler gets each parsed request and a connection
// to write raw response bytes to, so tests control framing and timing exactly.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/test_ca.hpp"

namespace tokentap::test {

namespace http = boost::beast::http;
using request = http::request<http::string_body>;

class upstream_connection_io {
public:
    virtual ~upstream_connection_io() = default;
    // Writes all bytes; false when the peer is gone.
    virtual bool write(std::string_view bytes) = 0;
    // Waits until the peer closes the connection (true) or the timeout passes (false).
    virtual bool wait_peer_close(std::chrono::milliseconds timeout) = 0;
    virtual void set_send_buffer(int bytes) = 0;
    bool close_after_response = false;
};

class fake_upstream {
public:
    using handler = std::function<void(const request&, upstream_connection_io&)>;

    explicit fake_upstream(handler h, const pem_identity* tls_identity = nullptr);
    ~fake_upstream();

    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }
    std::vector<request> received() const;

private:
    void accept_loop();
    void serve(boost::asio::ip::tcp::socket socket);

    handler handler_;
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::unique_ptr<boost::asio::ssl::context> tls_;
    std::uint16_t port_ = 0;
    std::atomic<int> connections_{0};
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::vector<request> received_;
    std::vector<std::thread> threads_;
    std::vector<int> open_fds_;
    std::thread acceptor_thread_;
};

// A response with Content-Length, as raw bytes.
std::string fixed_response(int status, std::string_view body, std::string_view content_type = "application/json",
                           std::string_view extra_headers = "");
// One HTTP/1.1 chunk.
std::string chunk(std::string_view data);

}  // namespace tokentap::test
