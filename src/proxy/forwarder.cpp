#include "exchange_forwarder.hpp"

#include "tokentap/proxy/aws_request_signing.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace tokentap::proxy {

namespace detail {

namespace {
// The room given to the client's read buffer while a request body is read whole.
constexpr std::uint64_t body_read_chunk = 64 * 1024;

void watch_client(tcp::socket& client, std::shared_ptr<disconnect_watch> w) {
    auto on_readable = [w, &client](error_code ec) {
        if (ec || w->finished) return;  // cancelled, or the exchange ended first: `client` may be gone
        char c;
        const auto n = ::recv(client.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        // n > 0 is a pipelined next request: the client is still there, stop watching.
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            w->client_gone = true;
            if (w->on_gone) w->on_gone();
        }
    };
    client.async_wait(tcp::socket::wait_read, net::bind_cancellation_slot(w->stop.slot(), std::move(on_readable)));
}
}  // namespace

void exchange_forwarder::build_upstream_head() {
    const auto& in = req_.parser.get();
    if (in.method() == http::verb::unknown)
        up_req_.method_string(in.method_string());
    else
        up_req_.method(in.method());
    up_req_.target(req_.match.upstream_target);
    up_req_.version(11);
    copy_end_to_end(in, up_req_);
    up_req_.erase(http::field::expect);  // tokentap answers 100-continue itself
    up_req_.set(http::field::host, req_.match.route->upstream.host_header());
    if (in.chunked()) up_req_.chunked(true);  // Transfer-Encoding is hop-by-hop: framing is ours
}

net::awaitable<bool> exchange_forwarder::run() {
    auto& in = req_.parser.get();
    build_upstream_head();
    const auto length = req_.parser.content_length();
    const bool has_body = in.chunked() || (length && *length > 0);
    // A request signed again for AWS is read whole: the signature covers the body's hash.
    const auto& signing = req_.match.route->aws_sigv4;
    streamed_body_ = !signing && (in.chunked() || (length && *length > svc_.config.limits.max_buffered_request));

    if (has_body && beast::iequals(in[http::field::expect], "100-continue")) {
        req_.client_deadline.expires_after(svc_.config.timeouts.idle);
        static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [ec, n] = co_await net::async_write(req_.client, net::buffer(cont), use_nothrow);
        if (ec) {
            note({exchange_outcome::client_gone, false, "client left before sending its body"});
            co_return false;
        }
    }
    if (has_body && !streamed_body_) {
        if (!co_await read_buffered_body()) co_return false;
    }
    if (observer_ && has_body && !streamed_body_ && observer_->rewrite_request_body(up_req_, up_req_.body()))
    {
        up_req_.content_length(up_req_.body().size());
        record_.bytes_up = up_req_.body().size();
    }
    if (signing) {
        if (up_req_.chunked()) {  // read whole: sent with its length
            up_req_.chunked(false);
            up_req_.content_length(up_req_.body().size());
        }
        sign_for_aws(up_req_, *signing, std::chrono::system_clock::now());
    }
    if (observer_) observer_->on_request(up_req_, up_req_.body());

    const auto& url = req_.match.route->upstream;
    for (int attempt_no = 0;; ++attempt_no) {
        auto got = co_await svc_.pool.acquire(url, attempt_no > 0);
        if (!got.connection) {
            const auto outcome = got.failure == upstream::connect_failure::timeout ? exchange_outcome::upstream_timeout
                                 : got.failure == upstream::connect_failure::tls   ? exchange_outcome::upstream_tls_error
                                                                                   : exchange_outcome::upstream_unreachable;
            note({outcome, true, got.message});
            const auto [status, type] = error_for(outcome);
            co_await respond_error(status, type, got.message);
            co_return keep_client_;
        }
        auto conn = std::move(got.connection);
        const bool reused = conn->uses > 0;
        current_ = conn.get();
        auto result = co_await conn->visit([&](auto& s) { return attempt(s, *conn); });
        current_ = nullptr;
        const bool replayable = !streamed_body_;
        if (result.before_response && reused && replayable && attempt_no == 0 &&
            result.outcome == exchange_outcome::upstream_error && !(watch_ && watch_->client_gone)) {
            // The upstream closed a pooled connection while it sat idle: send again on a fresh one.
            svc_.pool_stats.stale_retries += 1;
            conn->close();
            continue;
        }
        note(result);
        const bool reusable = result.outcome == exchange_outcome::completed && request_complete_ &&
                              rp_ && rp_->is_done() && rp_->keep_alive();
        stop_watch();
        if (reusable) {
            conn->uses += 1;
            svc_.pool.release(std::move(conn));
        } else {
            conn->close();
        }
        if (result.body_too_large) {
            co_await respond_error(http::status::payload_too_large, "tokentap_request_too_large",
                                   "request body exceeds limits.max_request_body");
        } else if (result.before_response && result.outcome != exchange_outcome::client_gone) {
            const auto [status, type] = error_for(result.outcome);
            co_await respond_error(status, type, result.detail);
        }
        co_return keep_client_ && result.outcome == exchange_outcome::completed;
    }
}

net::awaitable<bool> exchange_forwarder::read_buffered_body() {
    http::request_parser<http::string_body> p{std::move(req_.parser)};
    p.body_limit(svc_.config.limits.max_request_body);
    // Beast reads into the free space of the buffer, at least 512 bytes: give it room, or a 1 MB
    // body arrives in two thousand reads (one epoll cycle each).
    if (const auto remaining = p.content_length_remaining(); remaining && *remaining > 4096)
        req_.client_buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*remaining, body_read_chunk)));
    req_.client_deadline.expires_after(svc_.config.timeouts.idle);
    auto [ec, n] = co_await http::async_read(req_.client, req_.client_buffer, p, use_nothrow);
    req_.client_buffer.shrink_to_fit();  // an idle keep-alive connection keeps no 64 KiB buffer
    if (ec) {
        keep_client_ = false;
        note({exchange_outcome::client_error, true, "reading the request body: " + ec.message()});
        if (ec == http::error::body_limit)
            co_await respond_error(http::status::payload_too_large, "tokentap_request_too_large",
                                   "request body exceeds limits.max_request_body");
        else if (ec != http::error::end_of_stream && ec != net::error::eof && !req_.client_deadline.expired())
            co_await respond_error(http::status::bad_request, "tokentap_bad_request", "malformed request body");
        co_return false;
    }
    up_req_.body() = std::move(p.get().body());
    record_.bytes_up = up_req_.body().size();
    co_return true;
}

net::awaitable<void> exchange_forwarder::respond_error(http::status status, const std::string& type,
                                                       const std::string& message) {
    // A request whose body was not read cannot be followed by another on this connection.
    if (!request_complete_ && streamed_body_) keep_client_ = false;
    auto res = make_error_response(status, type, message, keep_client_);
    record_.status = res.result_int();
    req_.client_deadline.expires_after(svc_.config.timeouts.idle);
    auto [ec, n] = co_await http::async_write(req_.client, res, use_nothrow);
    if (ec) keep_client_ = false;
}

void exchange_forwarder::start_watch() {
    if (watch_) return;
    watch_ = std::make_shared<disconnect_watch>();
    watch_->on_gone = [this] {
        if (current_) current_->close();
    };
    watch_client(req_.client.socket(), watch_);
}

void exchange_forwarder::stop_watch() {
    if (!watch_ || watch_->finished) return;
    watch_->finished = true;
    watch_->on_gone = nullptr;
    watch_->stop.emit(net::cancellation_type::all);
}

void exchange_forwarder::note(const attempt_result& r) {
    record_.outcome = r.outcome;
    record_.detail = r.detail;
}

}  // namespace detail

net::awaitable<bool> forward_exchange(forward_request request, forward_services services,
                                      exchange_observer* observer, exchange_record& record) {
    detail::exchange_forwarder f(request, services, observer, record);
    co_return co_await f.run();
}

}  // namespace tokentap::proxy
