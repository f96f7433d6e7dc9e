#pragma once
// Private to src/proxy: the exchange forwarder behind forward_exchange(). Its per-stream parts
// (attempt, send_streamed_body, relay_response) are templates over the upstream stream type and are
// compiled once per type in forwarder_plain.cpp and forwarder_tls.cpp, so the two heavy
// instantiations build in parallel; forwarder.cpp holds the rest.
#include "tokentap/proxy/forwarder.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <tuple>

#include "tokentap/eager_io.hpp"
#include "tokentap/io_deadline.hpp"
#include "tokentap/proxy/error_response.hpp"
#include "tokentap/proxy/http_headers.hpp"
#include "tokentap/proxy/relay_buffer.hpp"
#include "tokentap/proxy/response_head_parser.hpp"
#include "tokentap/proxy/wire_writer.hpp"
#include "tokentap/proxy/retry_policy.hpp"

namespace tokentap::proxy::detail {

using clock = std::chrono::steady_clock;

// Watches the client socket while the upstream works. A client that closes its connection makes
// tokentap close the upstream connection at once, so the provider stops generating (and billing).
struct disconnect_watch {
    bool finished = false;
    bool client_gone = false;
    net::cancellation_signal stop;
    std::function<void()> on_gone;
    char peeked = 0;
};


// What stopped a body relay: a failed read of the source or a failed write to the sink.
struct relay_status {
    error_code read_error;
    error_code write_error;
    bool ok() const { return !read_error && !write_error; }
};

// The window a parser copies body bytes into: Beast's buffer_body of a request, or the window of
// a response_head_parser.
template <class Parser>
auto& body_window(Parser& parser) {
    return parser.get().body();
}
inline response_head_parser::window& body_window(response_head_parser& parser) { return parser.body(); }

// Passes body bytes on unchanged (every relay but a filtered response).
struct pass_through {
    std::string_view operator()(std::string_view in, bool last) const { return in; }
};

// Moves one message body from a parser to a wire_writer, a read's worth at a time: read some
// bytes, write them on at once (no waiting for more: streams flow as they arrive), then hand them
// to `tap`. Reading stops while a write is pending, so a slow sink holds back the source. Bytes
// already buffered (a small body that came with its header) are taken without a read; the head
// goes with the first bytes written if it has not gone yet.
// `filter(bytes, last)` returns what to write of the bytes read (see exchange_observer).
template <class In, class Parser, class Out, class Tap, class Filter = pass_through>
net::awaitable<relay_status> relay_body(In& in, io_deadline& in_deadline, beast::flat_buffer& in_buffer,
                                        Parser& parser, Out& out, io_deadline& out_deadline, wire_writer& writer,
                                        std::span<char> buf, config::duration idle, Tap&& tap, Filter&& filter = {}) {
    // A read goes into the free space of in_buffer (at least 512 bytes): room for a whole chunk
    // keeps a large body from taking thousands of small reads.
    in_buffer.reserve(buf.size());
    while (!parser.is_done()) {
        auto& window = body_window(parser);
        window.data = buf.data();
        window.size = buf.size();
        auto rec = parse_buffered(parser, in_buffer);
        if (rec == http::error::need_more) {
            rec = {};
            if (window.size == buf.size()) {  // nothing buffered to pass on: read
                in_deadline.expires_after(idle);
                rec = co_await read_eagerly(in, in_buffer, parser, read_goal::some);
            }
        }
        if (rec && rec != http::error::need_buffer) co_return relay_status{rec, {}};
        const auto n = buf.size() - window.size;
        if (n == 0 && !parser.is_done()) continue;
        const std::string_view send = filter(std::string_view(buf.data(), n), parser.is_done());
        if (!send.empty() || parser.is_done()) {
            out_deadline.expires_after(idle);
            if (const auto wec = co_await writer.write(out, send, parser.is_done())) {
                tap(std::string_view(buf.data(), n));  // the source sent them: telemetry sees them
                co_return relay_status{{}, wec};
            }
        }
        tap(std::string_view(buf.data(), n));
    }
    if (!writer.ended()) {  // a body that was complete before the loop: end it (its last chunk)
        out_deadline.expires_after(idle);
        if (const auto wec = co_await writer.write(out, {}, true)) co_return relay_status{{}, wec};
    }
    co_return relay_status{};
}

struct attempt_result {
    exchange_outcome outcome = exchange_outcome::completed;
    bool before_response = false;  // failed before any response byte: an error response is possible
    std::string detail;
    bool body_too_large = false;  // the client's body passed limits.max_request_body: 413
    bool retry = false;  // a retryable answer, not relayed: send again (gateway mode)
};

// The provider's retry-after (retry-after-ms, or retry-after in seconds) of a response, if any.
std::optional<std::chrono::milliseconds> retry_after_of(const response_head& head);

class exchange_forwarder {
public:
    exchange_forwarder(forward_request r, forward_services s, exchange_observer* o, exchange_record& rec)
        : req_(r), svc_(s), observer_(o), record_(rec), keep_client_(r.keep_alive),
          client_http11_(r.parser.get().version() >= 11),
          head_request_(r.parser.get().method() == http::verb::head),
          current_(r.upstream.in_use),
          up_deadline_(r.upstream.timer) {}

    ~exchange_forwarder() {
        stop_watch();
        current_ = nullptr;
        up_deadline_.expires_never();  // until the session's next exchange
    }

    net::awaitable<bool> run();

private:
    net::awaitable<bool> read_buffered_body();
    // Gateway limits (config.gateway.limits, route.limits): false when the request was refused and
    // answered (429, or 503 when a fail-closed store is down).
    net::awaitable<bool> within_limits();
    template <class S> net::awaitable<attempt_result> attempt(S& up, upstream::upstream_connection& conn);
    template <class S> net::awaitable<attempt_result> send_streamed_body(S& up);
    template <class S> net::awaitable<attempt_result> relay_response(S& up, upstream::upstream_connection& conn);
    template <class S>
    net::awaitable<attempt_result> relay_whole_response(S& up, upstream::upstream_connection& conn, wire_writer& writer);
    void tap_response(std::string_view bytes);
    net::awaitable<void> respond_error(http::status status, const std::string& type, const std::string& message);
    void build_upstream_head(bool chunked);  // takes the client's header from the parser
    void start_watch();  // queues the watch with svc_.watcher: it begins if the exchange lasts
    void begin_watch();
    void stop_watch();
    void note(const attempt_result& r);
    // Gateway mode (config.gateway): whether and after how long to send again, on the next fallback
    // upstream when the current one has had its attempts; nullopt: give up. start_retry() moves on.
    struct retry_plan {
        std::chrono::milliseconds wait{0};
        bool next_upstream = false;
    };
    std::optional<retry_plan> plan_retry(std::optional<std::chrono::milliseconds> retry_after) const;
    void start_retry(const retry_plan& plan);
    net::awaitable<bool> wait_before_retry(std::chrono::milliseconds wait);  // false: the client left meanwhile
    void record_attempt(unsigned status, exchange_outcome outcome, clock::time_point start);

    forward_request req_;
    forward_services svc_;
    exchange_observer* observer_;
    exchange_record& record_;
    bool keep_client_;
    bool client_http11_;
    bool head_request_;
    bool streamed_body_ = false;
    bool request_complete_ = false;
    http::request<http::string_body> up_req_;
    std::optional<response_head_parser> rp_;  // one per response read
    upstream::upstream_connection*& current_;  // the session's upstream_deadline::in_use
    io_deadline& up_deadline_;  // cancels the operations of current_ when it passes
    std::shared_ptr<disconnect_watch> watch_;
    disconnect_watcher::ticket watch_ticket_;
    // Bytes held while relaying a body (relay_buffer::capacity): a slow reader makes tokentap stop
    // reading the upstream (TCP back-pressure) instead of buffering the response.
    relay_buffer buf_;
    std::string filtered_;  // a filtered response's bytes to send (exchange_observer::filter_response_chunk)

    bool gateway_retry_ = false;  // gateway mode and a request body that can be sent again
    std::vector<const config::upstream_url*> upstreams_;  // the route's upstream, then its fallbacks
    std::size_t upstream_index_ = 0;
    int sends_on_upstream_ = 1;  // sends on the current upstream, the one under way included
    clock::time_point first_send_{};
    retry_plan planned_;  // set with attempt_result::retry
    std::string rest_of_target_;  // the upstream target after the route upstream's base path
};

template <class S>
net::awaitable<attempt_result> exchange_forwarder::attempt(S& up, upstream::upstream_connection& conn) {
    if (streamed_body_) {
        auto r = co_await send_streamed_body(up);
        if (r.outcome != exchange_outcome::completed) co_return r;
    } else {
        up_deadline_.expires_after(svc_.config.timeouts.idle);
        const auto head = serialize_head(up_req_);
        std::array<net::const_buffer, 2> message{net::buffer(head), net::buffer(up_req_.body())};
        const auto ec = co_await write_all_eagerly(up, message);
        if (ec) co_return attempt_result{exchange_outcome::upstream_error, true, "sending the request: " + ec.message()};
    }
    request_complete_ = true;
    record_.upstream_sent = clock::now();
    req_.client_deadline.expires_never();  // the client may wait as long as the upstream takes
    start_watch();

    // Skip interim 1xx responses (103 Early Hints); tokentap answered any 100-continue itself.
    for (;;) {
        rp_.emplace();
        rp_->header_limit(static_cast<std::uint32_t>(svc_.config.limits.max_request_header));
        rp_->body_limit(boost::none);
        if (head_request_) rp_->skip(true);
        up_deadline_.expires_after(svc_.config.timeouts.response_header);
        const auto ec = co_await read_eagerly(up, conn.buffer(), *rp_, read_goal::header);
        if (watch_ && watch_->client_gone)
            co_return attempt_result{exchange_outcome::client_gone, true, "client disconnected while waiting for the upstream"};
        if (up_deadline_.expired())
            co_return attempt_result{exchange_outcome::upstream_timeout, true, "no response header within timeouts.response_header"};
        if (ec) co_return attempt_result{exchange_outcome::upstream_error, true, "reading the response header: " + ec.message()};
        const auto status = rp_->head().status();
        if (status < 100 || status >= 200 || status == 101) break;
    }
    if (gateway_retry_ && retryable_status(rp_->head().status())) {
        if (auto plan = plan_retry(retry_after_of(rp_->head()))) {
            planned_ = *plan;
            co_return attempt_result{exchange_outcome::completed, true,
                                     "upstream answered " + std::to_string(rp_->head().status()), false, true};
        }
    }
    co_return co_await relay_response(up, conn);
}

template <class S>
net::awaitable<attempt_result> exchange_forwarder::send_streamed_body(S& up) {
    http::request_parser<http::buffer_body> in{std::move(req_.parser)};
    in.body_limit(svc_.config.limits.max_request_body);
    wire_writer writer(serialize_head(up_req_), up_req_.chunked());
    up_deadline_.expires_after(svc_.config.timeouts.idle);
    if (const auto hec = co_await writer.write(up, {}, false))
        co_return attempt_result{exchange_outcome::upstream_error, true, "sending the request header: " + hec.message()};
    const auto r = co_await relay_body(req_.client, req_.client_deadline, req_.client_buffer, in, up, up_deadline_,
                                       writer, buf_, svc_.config.timeouts.idle,
                                       [this](std::string_view bytes) {
                                           record_.bytes_up += bytes.size();
                                           if (observer_) observer_->on_request_chunk(bytes);
                                       });
    req_.client_buffer.shrink_to_fit();
    if (r.read_error) {
        keep_client_ = false;
        const bool too_large = r.read_error == http::error::body_limit;
        co_return attempt_result{too_large ? exchange_outcome::client_error : exchange_outcome::client_gone, too_large,
                                 "reading the request body: " + r.read_error.message(), too_large};
    }
    if (r.write_error) {
        keep_client_ = false;
        co_return attempt_result{exchange_outcome::upstream_error, true, "sending the request body: " + r.write_error.message()};
    }
    co_return attempt_result{};
}

template <class S>
net::awaitable<attempt_result> exchange_forwarder::relay_response(S& up, upstream::upstream_connection& conn) {
    auto& rp = *rp_;
    const auto& head = rp.head();
    const auto status = head.status();
    const bool no_body = rp.is_done() || status == 204 || status == 304;
    // The parser's own reading of the framing fields.
    const bool chunked = rp.chunked();
    const bool has_length = rp.content_length().has_value();
    if (observer_) observer_->on_response_head(head);
    if (no_body) record_.upstream_done = clock::now();
    const bool filtered = !no_body && observer_ && observer_->filters_response();
    const bool close_delimited = !no_body && ((!chunked && !has_length) || filtered);
    const bool chunked_out = (chunked || close_delimited) && client_http11_;
    if (!chunked_out && (chunked || close_delimited)) keep_client_ = false;  // an HTTP/1.0 client reads to the end of the connection
    record_.status = status;
    // The Connection field goes with the hop-by-hop ones and the response is HTTP/1.1, whose
    // default is keep-alive: only a close is said.
    wire_writer writer(
        forwarded_head(head, {.drop_length = filtered, .chunked = chunked_out, .close = !keep_client_}), chunked_out);

    // A small error answer is read whole first: the client gets it in one write, and telemetry gets
    // the provider's error body even from a client that leaves as soon as it has seen the status
    // (the SDKs drop a retryable answer's body and send again).
    const auto length = rp.content_length();
    if (!no_body && !filtered && status >= 400 && length && *length <= buf_.size())
        co_return co_await relay_whole_response(up, conn, writer);

    // When body bytes came with the header, they leave together in one write (one segment for
    // a small response); otherwise the header goes at once and the body follows as it comes.
    if (no_body || conn.buffer().size() == 0) {
        req_.client_deadline.expires_after(svc_.config.timeouts.idle);
        if (const auto hec = co_await writer.write(req_.client, {}, false))
            co_return attempt_result{exchange_outcome::client_gone, false, "writing the response header: " + hec.message()};
    }
    if (no_body) co_return attempt_result{};

    const auto r = co_await relay_body(up, up_deadline_, conn.buffer(), rp, req_.client, req_.client_deadline, writer,
                                       buf_, svc_.config.timeouts.idle,
                                       [this](std::string_view bytes) { tap_response(bytes); },
                                       [this, filtered](std::string_view in, bool last) -> std::string_view {
                                           if (last) record_.upstream_done = clock::now();
                                           if (!filtered) return in;
                                           observer_->filter_response_chunk(in, filtered_, last);
                                           return filtered_;
                                       });
    if (r.ok()) co_return attempt_result{};
    keep_client_ = false;
    if (r.write_error || (watch_ && watch_->client_gone))
        co_return attempt_result{exchange_outcome::client_gone, false, "client disconnected mid-response"};
    co_return attempt_result{up_deadline_.expired() ? exchange_outcome::upstream_timeout
                                                                  : exchange_outcome::upstream_error,
                             false, "upstream response cut short: " + r.read_error.message()};
}

template <class S>
net::awaitable<attempt_result> exchange_forwarder::relay_whole_response(S& up, upstream::upstream_connection& conn,
                                                                        wire_writer& writer) {
    auto& rp = *rp_;
    std::size_t have = 0;
    error_code rec;
    while (!rp.is_done() && !rec) {
        rp.body().data = buf_.data() + have;
        rp.body().size = buf_.size() - have;
        auto ec = parse_buffered(rp, conn.buffer());
        if (ec == http::error::need_more) {
            up_deadline_.expires_after(svc_.config.timeouts.idle);
            ec = co_await read_eagerly(up, conn.buffer(), rp, read_goal::some);
        }
        have = buf_.size() - rp.body().size;
        if (ec && ec != http::error::need_buffer) rec = ec;
    }
    record_.upstream_done = clock::now();
    if (have > 0) tap_response(std::string_view(buf_.data(), have));
    if (rec) {
        keep_client_ = false;
        if (watch_ && watch_->client_gone)
            co_return attempt_result{exchange_outcome::client_gone, false, "client disconnected mid-response"};
        co_return attempt_result{up_deadline_.expired() ? exchange_outcome::upstream_timeout
                                                        : exchange_outcome::upstream_error,
                                 false, "upstream response cut short: " + rec.message()};
    }
    req_.client_deadline.expires_after(svc_.config.timeouts.idle);
    if (co_await writer.write(req_.client, std::string_view(buf_.data(), have), true)) {
        keep_client_ = false;
        co_return attempt_result{exchange_outcome::client_gone, false, "client disconnected mid-response"};
    }
    co_return attempt_result{};
}

// Compiled in forwarder_plain.cpp and forwarder_tls.cpp.
extern template net::awaitable<attempt_result> exchange_forwarder::attempt(
    upstream::upstream_connection::plain_stream&, upstream::upstream_connection&);
extern template net::awaitable<attempt_result> exchange_forwarder::attempt(
    upstream::upstream_connection::tls_stream&, upstream::upstream_connection&);

}  // namespace tokentap::proxy::detail
