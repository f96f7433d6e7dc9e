#include "exchange_forwarder.hpp"

#include "tokentap/proxy/aws_request_signing.hpp"
#include "tokentap/ratelimit/caller_key.hpp"

#include <algorithm>
#include <charconv>
#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tokentap::proxy {

namespace detail {

namespace {
// The room given to the client's read buffer while a request body is read whole.
constexpr std::uint64_t body_read_chunk = 64 * 1024;
// The most the client's read buffer keeps between requests.
constexpr std::size_t kept_read_buffer = 4096;

// A one-byte peek: unlike async_wait, a receive does not re-register the socket with epoll (a
// system call) each time it starts.
void watch_client(tcp::socket& client, std::shared_ptr<disconnect_watch> w) {
    auto on_peeked = [w](error_code ec, std::size_t n) {
        if (w->finished || ec == net::error::operation_aborted) return;  // the exchange ended first
        // n > 0 is a pipelined next request: the client is still there, stop watching.
        if (ec || n == 0) {
            w->client_gone = true;
            if (w->on_gone) w->on_gone();
        }
    };
    client.async_receive(net::buffer(&w->peeked, 1), tcp::socket::message_peek,
                         net::bind_cancellation_slot(w->stop.slot(), std::move(on_peeked)));
}
}  // namespace

void exchange_forwarder::build_upstream_head(bool chunked) {
    // The client's header moves to the upstream request (its fields are not copied one by one);
    // nothing reads it from the parser afterwards.
    up_req_.base() = std::move(req_.parser.get().base());
    remove_hop_by_hop(up_req_);
    up_req_.target(req_.match.upstream_target);
    up_req_.version(11);
    up_req_.erase(http::field::expect);  // tokentap answers 100-continue itself
    up_req_.set(http::field::host, req_.match.route->upstream.host_header());
    if (chunked) up_req_.chunked(true);  // Transfer-Encoding is hop-by-hop: framing is ours
}

net::awaitable<bool> exchange_forwarder::run() {
    const bool chunked = req_.parser.chunked();
    const bool expects_continue = beast::iequals(req_.parser.get()[http::field::expect], "100-continue");
    build_upstream_head(chunked);
    const auto length = req_.parser.content_length();
    const bool has_body = chunked || (length && *length > 0);
    // A request signed again for AWS is read whole: the signature covers the body's hash.
    const auto& signing = req_.match.route->aws_sigv4;
    streamed_body_ = !signing && (chunked || (length && *length > svc_.config.limits.max_buffered_request));

    if (has_body && expects_continue) {
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
    if (svc_.limiter && !co_await within_limits()) co_return keep_client_;
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

    const auto& route = *req_.match.route;
    gateway_retry_ = svc_.config.gateway.enabled && !streamed_body_;
    if (gateway_retry_) {
        upstreams_.push_back(&route.upstream);
        for (const auto& f : route.fallbacks) upstreams_.push_back(&f);
        rest_of_target_ = req_.match.upstream_target.substr(
            std::min(route.upstream.base_path.size(), req_.match.upstream_target.size()));
    }
    for (bool fresh = false;;) {
        const auto& url = upstreams_.empty() ? route.upstream : *upstreams_[upstream_index_];
        const auto attempt_start = clock::now();
        if (first_send_ == clock::time_point{}) first_send_ = attempt_start;
        auto got = co_await svc_.pool.acquire(url, fresh, !streamed_body_);
        if (!got.connection) {
            const auto outcome = got.failure == upstream::connect_failure::timeout ? exchange_outcome::upstream_timeout
                                 : got.failure == upstream::connect_failure::tls   ? exchange_outcome::upstream_tls_error
                                                                                   : exchange_outcome::upstream_unreachable;
            record_attempt(0, outcome, attempt_start);
            if (outcome == exchange_outcome::upstream_unreachable) {
                if (auto plan = plan_retry(std::nullopt)) {
                    start_retry(*plan);
                    if (co_await wait_before_retry(plan->wait)) continue;
                    note({exchange_outcome::client_gone, true, "client disconnected while tokentap waited to retry"});
                    co_return false;
                }
            }
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
        const bool client_gone = watch_ && watch_->client_gone;
        if (result.before_response && reused && replayable && !fresh &&
            result.outcome == exchange_outcome::upstream_error && !client_gone) {
            // The upstream closed a pooled connection while it sat idle: send again on a fresh one.
            svc_.pool_stats.stale_retries += 1;
            conn->close();
            fresh = true;
            continue;
        }
        fresh = false;
        record_attempt(rp_ && result.outcome == exchange_outcome::completed ? rp_->head().status() : 0,
                       result.outcome, attempt_start);
        if (result.retry || (gateway_retry_ && result.before_response && !client_gone &&
                             result.outcome == exchange_outcome::upstream_error)) {
            conn->close();
            // A retryable answer was planned for with its retry-after; a failed send is planned now.
            const auto plan = result.retry ? std::optional<retry_plan>(planned_) : plan_retry(std::nullopt);
            if (plan) {
                start_retry(*plan);
                if (co_await wait_before_retry(plan->wait)) continue;
                note({exchange_outcome::client_gone, true, "client disconnected while tokentap waited to retry"});
                stop_watch();
                co_return false;
            }
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

std::optional<std::chrono::milliseconds> retry_after_of(const response_head& head) {
    auto number = [](std::string_view v) -> std::optional<double> {
        double d = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (ec != std::errc{} || end != v.data() + v.size() || !(d >= 0) || d > 86400e3) return std::nullopt;
        return d;
    };
    if (auto ms = number(head.value_of("retry-after-ms"))) return std::chrono::milliseconds(static_cast<long long>(*ms));
    // Seconds; the HTTP-date form is not honoured here (LLM providers send seconds).
    if (auto s = number(head.value_of(http::field::retry_after))) return std::chrono::milliseconds(static_cast<long long>(*s * 1000));
    return std::nullopt;
}

auto exchange_forwarder::plan_retry(std::optional<std::chrono::milliseconds> retry_after) const
    -> std::optional<retry_plan> {
    if (!gateway_retry_ || (watch_ && watch_->client_gone)) return std::nullopt;
    const auto& o = svc_.config.gateway.retries;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - first_send_);
    thread_local std::minstd_rand rng{std::random_device{}()};
    const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    // After sends_on_upstream_ failed sends on this upstream, the next is retry number sends_on_upstream_.
    if (auto wait = retry_delay(o, sends_on_upstream_, retry_after, elapsed, draw)) return retry_plan{*wait, false};
    if (upstream_index_ + 1 < upstreams_.size() && elapsed < o.budget) return retry_plan{std::chrono::milliseconds(0), true};
    return std::nullopt;
}

void exchange_forwarder::start_retry(const retry_plan& plan) {
    if (!plan.next_upstream) {
        sends_on_upstream_ += 1;
        return;
    }
    upstream_index_ += 1;
    sends_on_upstream_ = 1;
    const auto& url = *upstreams_[upstream_index_];
    up_req_.target(url.base_path + rest_of_target_);
    up_req_.set(http::field::host, url.host_header());
    if (const auto& signing = req_.match.route->aws_sigv4) sign_for_aws(up_req_, *signing, std::chrono::system_clock::now());
}

net::awaitable<bool> exchange_forwarder::wait_before_retry(std::chrono::milliseconds wait) {
    net::steady_timer timer(req_.client.get_executor());
    auto left = wait;
    // In short steps, so that a client that leaves meanwhile ends the wait.
    while (left > std::chrono::milliseconds(0)) {
        const auto step = std::min(left, std::chrono::milliseconds(100));
        timer.expires_after(step);
        co_await timer.async_wait(use_nothrow);  // cancelled or not, the loop checks the client
        left -= step;
        if (watch_ && watch_->client_gone) co_return false;
    }
    co_return !(watch_ && watch_->client_gone);
}

void exchange_forwarder::record_attempt(unsigned status, exchange_outcome outcome, clock::time_point start) {
    if (!gateway_retry_) return;
    const auto& url = *upstreams_[upstream_index_];
    record_.attempts.push_back(
        {url.tls, url.host, url.port, std::string(up_req_.target()), status, outcome, start, clock::now()});
}

namespace {
ratelimit::limit_rule rule_of(const config::rate_limit_rule& r) { return {r.requests_per_minute, r.tokens_per_minute}; }

net::awaitable<void> settle_tokens(ratelimit::limiter* limiter, std::string caller_key, config::rate_limit_rule per_caller,
                                   std::string route_key, config::rate_limit_rule per_route, std::int64_t reserved,
                                   std::int64_t used) {
    if (per_caller.tokens_per_minute > 0) co_await limiter->settle(caller_key, rule_of(per_caller), reserved, used);
    if (per_route.tokens_per_minute > 0) co_await limiter->settle(route_key, rule_of(per_route), reserved, used);
}
}  // namespace

net::awaitable<bool> exchange_forwarder::within_limits() {
    const auto& route = *req_.match.route;
    const auto& limits = route.limits ? *route.limits : svc_.config.gateway.limits;
    if (limits.empty()) co_return true;
    const auto target = up_req_.target();
    const std::string_view target_view(target.data(), target.size());
    const auto path = target_view.substr(0, target_view.find('?'));
    const auto method = up_req_.method_string();
    const auto ep = dialects::classify_endpoint(route.provider, std::string_view(method.data(), method.size()), path);
    std::int64_t reserve = 0;  // the request's max_tokens, when a token limit applies
    if (ep && (limits.per_caller.tokens_per_minute > 0 || limits.per_route.tokens_per_minute > 0))
        reserve = std::max<std::int64_t>(0, dialects::read_request(ep, path, up_req_.body()).max_tokens.value_or(0));
    const auto caller_key = route.prefix + "|" + ratelimit::caller_hash(ratelimit::find_api_key(up_req_, target_view));
    const auto& route_key = route.prefix;

    const std::pair<const config::rate_limit_rule*, const std::string*> checks[] = {
        {&limits.per_caller, &caller_key}, {&limits.per_route, &route_key}};
    for (const auto& [rule, key] : checks) {
        if (rule->empty()) continue;
        const auto d = co_await svc_.limiter->acquire(*key, rule_of(*rule), reserve);
        if (d.allowed) continue;
        if (streamed_body_) keep_client_ = false;  // the body was not read: the connection cannot go on
        auto res = d.store_unavailable ? make_limit_store_down(ep.dialect, d.retry_after, keep_client_)
                                       : make_limit_response(ep.dialect, d.retry_after, d.exceeded,
                                                             rule == &limits.per_caller ? "caller" : "route", keep_client_);
        note({exchange_outcome::completed, true, d.store_unavailable ? "limit store unavailable" : "over a local limit"});
        record_.status = res.result_int();
        req_.client_deadline.expires_after(svc_.config.timeouts.idle);
        auto [ec, n] = co_await http::async_write(req_.client, res, use_nothrow);
        if (ec) keep_client_ = false;
        co_return false;
    }
    if (limits.per_caller.tokens_per_minute > 0 || limits.per_route.tokens_per_minute > 0) {
        record_.settle_tokens = [limiter = svc_.limiter, ex = req_.client.get_executor(), caller_key,
                                 per_caller = limits.per_caller, route_key, per_route = limits.per_route,
                                 reserve](std::int64_t used) {
            net::co_spawn(ex, settle_tokens(limiter, caller_key, per_caller, route_key, per_route, reserve, used),
                          net::detached);
        };
    }
    co_return true;
}

net::awaitable<bool> exchange_forwarder::read_buffered_body() {
    http::request_parser<http::string_body> p{std::move(req_.parser)};
    p.body_limit(svc_.config.limits.max_request_body);
    // A read goes into the free space of the buffer, at least 512 bytes: give it room, or a 1 MB
    // body arrives in two thousand reads (one epoll cycle each).
    if (const auto remaining = p.content_length_remaining(); remaining && *remaining > 4096)
        req_.client_buffer.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*remaining, body_read_chunk)));
    p.eager(true);
    auto ec = parse_buffered(p, req_.client_buffer);  // a small body comes with its header
    if (ec == http::error::need_more) {
        req_.client_deadline.expires_after(svc_.config.timeouts.idle);
        ec = co_await read_eagerly(req_.client, req_.client_buffer, p, read_goal::message);
    }
    // An idle keep-alive connection keeps no 64 KiB buffer (a small one is kept: freeing it would
    // cost the next request an allocation).
    if (req_.client_buffer.capacity() > kept_read_buffer) req_.client_buffer.shrink_to_fit();
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
    if (co_await write_message_eagerly(req_.client, res)) keep_client_ = false;
}

void exchange_forwarder::start_watch() {
    if (watch_ || watch_ticket_.queued()) return;
    watch_ticket_.owner = this;
    watch_ticket_.start = [](void* f) { static_cast<exchange_forwarder*>(f)->begin_watch(); };
    svc_.watcher.add(watch_ticket_, record_.upstream_sent);
}

void exchange_forwarder::begin_watch() {
    if (watch_) return;
    watch_ = std::make_shared<disconnect_watch>();
    watch_->on_gone = [this] {
        if (current_) current_->close();
    };
    watch_client(req_.client.socket(), watch_);
}

void exchange_forwarder::stop_watch() {
    svc_.watcher.remove(watch_ticket_);
    if (!watch_ || watch_->finished) return;
    watch_->finished = true;
    watch_->on_gone = nullptr;
    watch_->stop.emit(net::cancellation_type::all);
}

void exchange_forwarder::tap_response(std::string_view bytes) {
    if (record_.bytes_down == 0) record_.first_byte = clock::now();
    record_.bytes_down += bytes.size();
    if (observer_) observer_->on_response_chunk(bytes);
}

void exchange_forwarder::note(const attempt_result& r) {
    record_.outcome = r.outcome;
    record_.detail = r.detail;
}

}  // namespace detail

net::awaitable<bool> forward_exchange(forward_request request, forward_services services,
                                      exchange_observer* observer, exchange_record& record) {
    detail::exchange_forwarder f(request, services, observer, record);
    const bool keep = co_await f.run();
    if (record.attempts.size() < 2) record.attempts.clear();  // kept only when there were retries
    co_return keep;
}

}  // namespace tokentap::proxy
