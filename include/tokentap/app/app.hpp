#pragma once
// The composition root: builds and owns the route table, TLS context, metrics, worker threads (one
// io_context each) and the listener; runs until SIGTERM/SIGINT or shutdown(), then drains.

#include <cstdint>
#include <memory>

#include "tokentap/config/config.hpp"
#include "tokentap/server/server_context.hpp"

namespace tokentap::app {

class app {
public:
    // Throws std::runtime_error on a setup problem (TLS CA file, ...).
    explicit app(config::config cfg);
    ~app();
    app(const app&) = delete;
    app& operator=(const app&) = delete;

    // Binds the listener (throws when it cannot) and starts the worker threads.
    void start();
    std::uint16_t port() const;

    // Stops accepting and lets in-flight requests finish (thread-safe, idempotent).
    void shutdown();
    // Blocks until every session ended (or timeouts.drain passed) and the threads have joined.
    void wait();
    // start(), then wait for SIGTERM or SIGINT, shutdown() and wait(). Returns the exit code.
    // SIGHUP meanwhile re-reads the config file's prices (reload_prices).
    int run();
    // Rebuilds the price table from the config file's `pricing` section; a bad file keeps the
    // current table and logs why. Thread-safe.
    void reload_prices();

    // For telemetry (and tests): makes the observer of each forwarded exchange. Set before start().
    void set_observer_factory(server::observer_factory f);
    telemetry::metrics_registry& metrics_registry();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace tokentap::app
