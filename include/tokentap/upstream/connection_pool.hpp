#pragma once
// Keep-alive connections to upstreams, one pool per worker thread (not thread-safe: used only on
// its worker's io_context). Idle connections are reused newest first, closed after
// pool.idle_timeout, and at most pool.max_idle_per_upstream are kept per upstream.

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "tokentap/config/config.hpp"
#include "tokentap/net.hpp"
#include "tokentap/upstream/upstream_connection.hpp"

namespace tokentap::upstream {

enum class connect_failure { none, unreachable, timeout, tls };

struct connect_result {
    std::unique_ptr<upstream_connection> connection;  // null on failure
    connect_failure failure = connect_failure::none;
    std::string message;
};

// Shared by all pools (read by /metrics from any thread).
struct pool_stats {
    std::atomic<std::uint64_t> connections_opened{0};
    std::atomic<std::uint64_t> connections_reused{0};
    std::atomic<std::uint64_t> connect_failures{0};
    std::atomic<std::uint64_t> stale_retries{0};
    std::atomic<std::int64_t> idle_connections{0};
};

class connection_pool {
public:
    connection_pool(net::any_io_executor ex, net::ssl::context& tls, const config::pool_options& options,
                    const config::timeout_options& timeouts, pool_stats& stats);
    ~connection_pool();

    // An idle connection to `url` when one is alive (unless `fresh`), else a new one. With
    // `can_resend` (the caller sends again on a fresh connection when a reused one fails before
    // answering), a connection idle for less than recent_idle is taken without peeking at its socket:
    // a server rarely closes one that soon, and the peek is a system call per request.
    net::awaitable<connect_result> acquire(const config::upstream_url& url, bool fresh, bool can_resend = false);
    static constexpr std::chrono::seconds recent_idle{2};
    // Gives a connection whose last response was read completely back for reuse.
    void release(std::unique_ptr<upstream_connection> c);
    // Closes connections idle longer than the timeout; called periodically by the worker.
    void sweep();
    void close_all();

    static std::string key_of(const config::upstream_url& url);
    // The same key, written into `out` (a buffer that keeps its room from one call to the next).
    static void write_key(const config::upstream_url& url, std::string& out);

private:
    net::awaitable<connect_result> connect(const config::upstream_url& url);

    net::any_io_executor ex_;
    net::ssl::context& tls_;
    config::pool_options options_;
    config::timeout_options timeouts_;
    pool_stats& stats_;
    std::unordered_map<std::string, std::deque<std::unique_ptr<upstream_connection>>> idle_;
    std::string lookup_key_;  // acquire's key, built without an allocation per request
};

}  // namespace tokentap::upstream
