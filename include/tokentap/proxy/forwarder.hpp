#pragma once
// Forwards one request, whose header the session has read, to its route's upstream and relays the
// response back chunk by chunk (the tee of DESIGN.md: each chunk is written to the client first,
// then shown to the observer). Owns the upstream side of the exchange: pool, retry of a stale
// pooled connection, timeouts, error responses, and closing the upstream when the client leaves.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "tokentap/config/config.hpp"
#include "tokentap/io_deadline.hpp"
#include "tokentap/net.hpp"
#include "tokentap/proxy/disconnect_watcher.hpp"
#include "tokentap/proxy/exchange.hpp"
#include "tokentap/proxy/route_table.hpp"
#include "tokentap/ratelimit/limiter.hpp"
#include "tokentap/upstream/connection_pool.hpp"

namespace tokentap::proxy {

// The timer of a session's upstream operations and the connection it cancels, kept from one
// exchange to the next. A timer made and dropped per exchange cost a cancelled wait each time, whose
// completion made the io_context poll epoll once more before it slept: a system call per request.
struct upstream_deadline {
    explicit upstream_deadline(const net::any_io_executor& ex)
        : timer(ex, [this] {
              if (in_use) in_use->tcp().socket().cancel();
          }) {}
    io_deadline timer;
    upstream::upstream_connection* in_use = nullptr;  // set by the exchange while it uses one
};

struct forward_request {
    beast::tcp_stream& client;
    io_deadline& client_deadline;  // the session's: cancels the client's operations when it passes
    upstream_deadline& upstream;   // the session's
    beast::flat_buffer& client_buffer;
    http::request_parser<http::empty_body>& parser;  // header read, body not yet
    const route_match& match;
    bool keep_alive;  // whether the session would keep the client connection afterwards
};

struct forward_services {
    upstream::connection_pool& pool;
    upstream::pool_stats& pool_stats;
    const config::config& config;
    disconnect_watcher& watcher;  // the worker's
    ratelimit::limiter* limiter = nullptr;  // gateway mode with limits; null: no limits
};

// Returns whether the client connection can carry another request. Fills `record`.
net::awaitable<bool> forward_exchange(forward_request request, forward_services services,
                                      exchange_observer* observer, exchange_record& record);

}  // namespace tokentap::proxy
