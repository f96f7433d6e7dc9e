#include "tokentap/server/session.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <array>

#include "tokentap/eager_io.hpp"
#include "tokentap/io_deadline.hpp"
#include "tokentap/proxy/error_response.hpp"
#include "tokentap/proxy/forwarder.hpp"
#include "tokentap/proxy/log_redaction.hpp"
#include "tokentap/server/admin_endpoints.hpp"

namespace tokentap::server {

namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;

void worker::close_idle_sessions() {
    for (auto* s : sessions) {
        if (!s->idle) continue;
        error_code ec;
        s->stream->socket().cancel(ec);
    }
}

namespace {

// Registers the session with its worker for as long as it runs.
struct session_registration {
    session_registration(worker& w, session_slot& s) : w_(w), s_(s) {
        w_.sessions.insert(&s_);
        w_.active_sessions += 1;
    }
    ~session_registration() {
        w_.sessions.erase(&s_);
        w_.active_sessions -= 1;
    }
    worker& w_;
    session_slot& s_;
};

bool quiet_read_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == net::error::eof ||
           ec == net::error::operation_aborted || ec == net::error::connection_reset ||
           ec == http::error::partial_message;
}

// 400, 413 or 431 for a request header tokentap cannot accept; the connection closes after it.
http::response<http::string_body> bad_request_response(const error_code& ec) {
    if (ec == http::error::header_limit)
        return proxy::make_error_response(http::status::request_header_fields_too_large, "tokentap_header_too_large",
                                          "request header exceeds limits.max_request_header", false);
    if (ec == http::error::body_limit)
        return proxy::make_error_response(http::status::payload_too_large, "tokentap_request_too_large",
                                          "request body exceeds limits.max_request_body", false);
    return proxy::make_error_response(http::status::bad_request, "tokentap_bad_request",
                                      "malformed HTTP request: " + ec.message(), false);
}

void log_access(const proxy::exchange_record& r) {
    const double ms = std::chrono::duration<double, std::milli>(r.end - r.start).count();
    if (r.outcome == proxy::exchange_outcome::completed)
        spdlog::info("{} {} {} -> {} {:.1f}ms up={}B down={}B", r.method, r.route_prefix.empty() ? "-" : r.route_prefix,
                     r.target, r.status, ms, r.bytes_up, r.bytes_down);
    else
        spdlog::warn("{} {} {} -> {} {:.1f}ms up={}B down={}B {}: {}", r.method,
                     r.route_prefix.empty() ? "-" : r.route_prefix, r.target, r.status, ms, r.bytes_up,
                     r.bytes_down, proxy::to_string(r.outcome), r.detail);
}

template <class Response>
net::awaitable<bool> write_local(beast::tcp_stream& stream, io_deadline& deadline, Response& res,
                                 const server_context& ctx) {
    deadline.expires_after(ctx.config.timeouts.idle);
    co_return !co_await write_message_eagerly(stream, res);
}

// Half-close, then read and drop what the client still sends for a moment: closing a socket with
// unread input makes the kernel send a reset, which can destroy the response the client has not
// read yet (RFC 9112 section 9.6).
net::awaitable<void> lingering_close(beast::tcp_stream& stream) {
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (!ec) {
        std::array<char, 4096> sink;
        std::size_t total = 0;
        stream.expires_after(std::chrono::seconds(2));
        while (total < (4u << 20)) {
            auto [rec, n] = co_await stream.async_read_some(net::buffer(sink), use_nothrow);
            if (rec) break;
            total += n;
        }
    }
    stream.socket().close(ec);
}

}  // namespace

net::awaitable<void> run_session(tcp::socket socket, worker& w, server_context& ctx) {
    beast::tcp_stream stream(std::move(socket));
    make_non_blocking(stream);  // for write_eagerly
    beast::flat_buffer buffer;
    io_deadline deadline(stream.get_executor(), [&stream] {
        error_code ec;
        stream.socket().cancel(ec);
    });
    proxy::upstream_deadline upstream_timer(stream.get_executor());
    session_slot slot{&stream};
    session_registration registration(w, slot);
    const auto& cfg = ctx.config;
    bool first = true;

    while (!ctx.draining) {
        http::request_parser<http::empty_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(cfg.limits.max_request_header));
        parser.body_limit(cfg.limits.max_request_body);
        deadline.expires_after(first ? cfg.timeouts.client_header : cfg.timeouts.keep_alive);
        slot.idle = buffer.size() == 0;
        const auto ec = co_await read_eagerly(stream, buffer, parser, read_goal::header);
        slot.idle = false;
        first = false;
        if (ec) {
            if (!quiet_read_error(ec)) {
                error_code peer_ec;
                const auto peer = stream.socket().remote_endpoint(peer_ec);
                spdlog::warn("rejected a request from {}: {}", peer.address().to_string(), ec.message());
                auto res = bad_request_response(ec);
                co_await write_local(stream, deadline, res, ctx);
            }
            break;
        }

        const auto& req = parser.get();
        proxy::exchange_record record;
        record.start = clock::now();
        record.method = std::string(req.method_string());
        record.target = proxy::redact_target(req.target());
        // The parser's own reading of the framing and Connection fields (the header's chunked()
        // and keep_alive() would look them up again by name).
        const bool has_body = parser.chunked() || (parser.content_length() && *parser.content_length() > 0);
        bool keep = parser.keep_alive() && !ctx.draining;

        if (auto admin = admin_response(req, ctx.registry, !ctx.draining, keep && !has_body)) {
            record.status = admin->result_int();
            keep = co_await write_local(stream, deadline, *admin, ctx) && keep && !has_body;
        } else if (auto match = ctx.routes.find(req.target())) {
            record.route_prefix = match->route->prefix;
            record.provider = match->route->provider;
            auto observer = ctx.make_observer ? ctx.make_observer(*match) : nullptr;
            keep = co_await proxy::forward_exchange({stream, deadline, upstream_timer, buffer, parser, *match, keep},
                                                    {w.pool, ctx.pool_stats, cfg, w.watcher, w.limiter.get()},
                                                    observer.get(), record);
            record.end = clock::now();
            if (observer) observer->on_finish(record);
        } else {
            // The body of an unrouted request is not read: the connection cannot carry another one.
            keep = keep && !has_body;
            auto res = proxy::make_route_not_found(record.target, ctx.routes.prefixes(), keep);
            record.status = res.result_int();
            keep = co_await write_local(stream, deadline, res, ctx) && keep;
        }
        if (record.end == clock::time_point{}) record.end = clock::now();
        if (cfg.telemetry.metrics) ctx.metrics.record(record);
        if (!record.route_prefix.empty() || record.status >= 400) log_access(record);
        if (!keep) break;
    }
    co_await lingering_close(stream);
}

}  // namespace tokentap::server
