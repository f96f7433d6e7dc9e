#pragma once
// What every session needs, shared by all worker threads (each member is thread-safe or immutable),
// and what one worker thread owns (used only on that thread).

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <unordered_set>

#include "tokentap/config/config.hpp"
#include "tokentap/proxy/disconnect_watcher.hpp"
#include "tokentap/proxy/exchange.hpp"
#include "tokentap/proxy/route_table.hpp"
#include "tokentap/server/proxy_metrics.hpp"
#include "tokentap/telemetry/metrics/metrics_registry.hpp"
#include "tokentap/ratelimit/limiter.hpp"
#include "tokentap/upstream/connection_pool.hpp"

namespace tokentap::server {

// Makes the telemetry observer of one exchange (null: no telemetry for it). Called on the
// session's thread.
using observer_factory = std::function<std::unique_ptr<proxy::exchange_observer>(const proxy::route_match&)>;

struct server_context {
    const config::config& config;
    const proxy::route_table& routes;
    telemetry::metrics_registry& registry;
    proxy_metrics& metrics;
    upstream::pool_stats& pool_stats;
    observer_factory make_observer;
    std::atomic<bool> draining{false};
};

// A session as the worker sees it, so that draining can close the idle ones.
struct session_slot {
    beast::tcp_stream* stream = nullptr;
    bool idle = false;  // waiting for the next request with nothing buffered
};

struct worker {
    worker(net::ssl::context& tls, const config::config& c, upstream::pool_stats& stats)
        : pool(ioc.get_executor(), tls, c.pool, c.timeouts, stats) {
        watcher.bind(ioc.get_executor());
    }
    ~worker() { watcher.stop(); }  // its timer goes before the io_context
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    // Declared first so that it outlives the io_context: destroying the io_context destroys any
    // session coroutine still suspended in it, and those deregister themselves here.
    std::unordered_set<session_slot*> sessions;
    std::atomic<int> active_sessions{0};
    proxy::disconnect_watcher watcher;  // outlives the io_context too: exchanges take their tickets back
    net::io_context ioc{1};
    upstream::connection_pool pool;
    std::unique_ptr<ratelimit::limiter> limiter;  // gateway limits (null: none configured)

    // Closes the sessions that wait for a request; the others close after their response.
    void close_idle_sessions();
};

}  // namespace tokentap::server
