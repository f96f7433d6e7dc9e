#include "tokentap/telemetry/otlp/otlp_http_exporter.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <random>

#include "tokentap/telemetry/body_decoding.hpp"
#include "tokentap/upstream/upstream_connection.hpp"

namespace tokentap::telemetry::otlp {

namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;

struct otlp_http_exporter::attempt_outcome {
    export_result result = export_result::failed;
    bool retryable = false;
    std::optional<std::chrono::seconds> retry_after;
    std::string detail;
};

std::chrono::milliseconds retry_delay(int attempt, double jitter01, std::optional<std::chrono::seconds> retry_after) {
    if (retry_after) return std::min<std::chrono::milliseconds>(*retry_after, std::chrono::seconds(60));
    double base = 1000.0;
    for (int i = 1; i < attempt && base < 30000.0; ++i) base *= 2;
    base = std::min(base, 30000.0);
    return std::chrono::milliseconds(static_cast<long long>(base * (0.8 + 0.4 * jitter01)));
}

namespace {

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
    long long s = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec != std::errc{} || end != v.data() + v.size() || s < 0) return std::nullopt;  // HTTP dates: use backoff
    return std::chrono::seconds(s);
}

bool retryable_status(unsigned s) { return s == 429 || s == 502 || s == 503 || s == 504; }

}  // namespace

otlp_http_exporter::otlp_http_exporter(net::any_io_executor ex, net::ssl::context& tls, otlp_target target,
                                       std::size_t idle_connections)
    : ex_(ex), target_(std::move(target)) {
    timeouts_.connect = target_.timeout;
    timeouts_.idle = target_.timeout;
    timeouts_.response_header = target_.timeout;
    config::pool_options po;
    po.max_idle_per_upstream = idle_connections;
    pool_ = std::make_unique<upstream::connection_pool>(ex_, tls, po, timeouts_, stats_);
}

otlp_http_exporter::~otlp_http_exporter() = default;

net::awaitable<otlp_http_exporter::attempt_outcome> otlp_http_exporter::attempt(
    http::request<http::string_body>& req) {
    auto got = co_await pool_->acquire(target_.url, false);
    if (!got.connection) co_return attempt_outcome{export_result::failed, true, std::nullopt, got.message};
    auto conn = std::move(got.connection);

    http::response_parser<http::string_body> parser;
    parser.body_limit(1u << 20);
    conn->tcp().expires_after(target_.timeout);
    auto [wec, rec] = co_await conn->visit([&](auto& s) -> net::awaitable<std::pair<error_code, error_code>> {
        auto [w, wn] = co_await http::async_write(s, req, use_nothrow);
        if (w) co_return std::pair{w, error_code{}};
        auto [r, rn] = co_await http::async_read(s, conn->buffer(), parser, use_nothrow);
        co_return std::pair{error_code{}, r};
    });
    conn->tcp().expires_never();
    if (wec || rec) {
        conn->close();
        co_return attempt_outcome{export_result::failed, true, std::nullopt,
                                  (wec ? wec : rec).message()};
    }
    const auto& res = parser.get();
    if (res.keep_alive()) pool_->release(std::move(conn));
    else conn->close();
    const auto status = res.result_int();
    if (status >= 200 && status < 300) co_return attempt_outcome{export_result::ok, false, std::nullopt, {}};
    attempt_outcome out{export_result::rejected, retryable_status(status), std::nullopt,
                        "HTTP " + std::to_string(status) + ": " + res.body().substr(0, 200)};
    if (out.retryable) {
        out.result = export_result::failed;
        out.retry_after = parse_retry_after(res[http::field::retry_after]);
    }
    co_return out;
}

net::awaitable<export_result> otlp_http_exporter::send(std::string body, clock::time_point deadline) {
    // Built once; every attempt sends the same request.
    http::request<http::string_body> req{http::verb::post, target_.path, 11};
    req.set(http::field::host, target_.url.host_header());
    req.set(http::field::content_type, target_.json ? "application/json" : "application/x-protobuf");
    req.set(http::field::user_agent, "tokentap/" TOKENTAP_VERSION);
    for (const auto& [k, v] : target_.headers) req.set(k, v);
    if (target_.gzip) req.set(http::field::content_encoding, "gzip");
    req.body() = target_.gzip ? gzip_encode(body) : std::move(body);
    req.prepare_payload();
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    for (int attempt_no = 1;; ++attempt_no) {
        auto out = co_await attempt(req);
        if (out.result == export_result::ok) co_return export_result::ok;
        const auto delay = retry_delay(attempt_no, jitter(rng), out.retry_after);
        if (!out.retryable || clock::now() + delay >= deadline) {
            spdlog::warn("OTLP export to {}{} failed: {}", target_.url.to_string(), target_.path, out.detail);
            co_return out.result;
        }
        net::steady_timer t(ex_, delay);
        co_await t.async_wait(use_nothrow);
    }
}

}  // namespace tokentap::telemetry::otlp
