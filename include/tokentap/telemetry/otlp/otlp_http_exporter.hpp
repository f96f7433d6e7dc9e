#pragma once
// Sends encoded OTLP export requests over HTTP/1.1 (plain or TLS, keep-alive connections) to
// one signal's endpoint, as the OTLP/HTTP specification asks: POST, content type by encoding,
// optional gzip, the configured headers; retries with exponential backoff and jitter on 429, 502,
// 503, 504 and connection errors, honouring Retry-After, until the deadline. Runs as coroutines on
// the telemetry thread's io_context only.

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "tokentap/net.hpp"
#include "tokentap/telemetry/telemetry_options.hpp"
#include "tokentap/upstream/connection_pool.hpp"

namespace tokentap::telemetry::otlp {

enum class export_result { ok, failed, rejected };

// The pause before retry number `attempt` (1-based): 1 s doubling to 30 s at most, +-20% jitter
// from `jitter01` in [0, 1), or the server's Retry-After when it gave one (capped at 60 s).
std::chrono::milliseconds retry_delay(int attempt, double jitter01, std::optional<std::chrono::seconds> retry_after);

class otlp_http_exporter {
public:
    // Keeps up to `idle_connections` open between exports (one per export that may be on its way).
    otlp_http_exporter(net::any_io_executor ex, net::ssl::context& tls, otlp_target target,
                       std::size_t idle_connections = 1);
    ~otlp_http_exporter();

    // `body` is the encoded export request (protobuf or JSON, as target.json says).
    net::awaitable<export_result> send(std::string body, std::chrono::steady_clock::time_point deadline);

    const otlp_target& target() const { return target_; }

private:
    struct attempt_outcome;
    net::awaitable<attempt_outcome> attempt(boost::beast::http::request<boost::beast::http::string_body>& req);

    net::any_io_executor ex_;
    otlp_target target_;
    upstream::pool_stats stats_;
    config::timeout_options timeouts_;
    std::unique_ptr<upstream::connection_pool> pool_;
};

}  // namespace tokentap::telemetry::otlp
