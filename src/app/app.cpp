#include "tokentap/app/app.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <pthread.h>

#include <csignal>
#include <functional>
#include <stdexcept>
#include <thread>

#include "tokentap/config/config_loader.hpp"
#include "tokentap/log_failure.hpp"
#include "tokentap/server/session.hpp"
#include "tokentap/telemetry/genai_metrics.hpp"
#include "tokentap/telemetry/genai_tap.hpp"
#include "tokentap/telemetry/telemetry_pipeline.hpp"
#include "tokentap/upstream/tls_context.hpp"

namespace tokentap::app {

using clock = std::chrono::steady_clock;

namespace {
telemetry::telemetry_options resolve_options(const config::config& cfg);
}  // namespace

struct app::impl {
    explicit impl(config::config c)
        : cfg(std::move(c)),
          routes(config::effective_routes(cfg)),
          tls(upstream::make_client_tls_context(cfg.tls)),
          metrics(registry, pool_stats),
          ctx{cfg, routes, registry, metrics, pool_stats, {}},
          pipeline(resolve_options(cfg), tls),
          genai(registry, pipeline.stats()) {
        if (cfg.telemetry.metrics)
            pipeline.set_call_listener([this](const telemetry::genai_call& c, const telemetry::span& s) { genai.record(c, &s); });
        pipeline.export_metrics_of(registry);
        pipeline.price_with(std::make_shared<const pricing::price_table>(pricing::price_table::from_settings(cfg.pricing)));
        // Parsing the table's JSON leaves megabytes of freed heap behind: give them back to the OS.
        ::malloc_trim(0);
        telemetry::attribute_set target;
        for (const auto& a : pipeline.options().service_resource.attrs)
            if (const auto* v = std::get_if<std::string>(&a.value)) target.emplace_back(a.key, *v);
        registry.set_target_info(std::move(target));
        ctx.make_observer = [this](const proxy::route_match& m) -> std::unique_ptr<proxy::exchange_observer> {
            if (!m.route->telemetry || pipeline.options().sdk_disabled)
                return nullptr;
            return std::make_unique<telemetry::genai_tap>(pipeline, *m.route, m.upstream_target);
        };
    }

    config::config cfg;
    proxy::route_table routes;
    net::ssl::context tls;
    telemetry::metrics_registry registry;
    upstream::pool_stats pool_stats;
    server::proxy_metrics metrics;
    server::server_context ctx;
    std::vector<std::unique_ptr<server::worker>> workers;
    std::vector<std::thread> threads;
    std::unique_ptr<tcp::acceptor> acceptor;
    telemetry::telemetry_pipeline pipeline;
    telemetry::genai_metrics genai;
    std::uint16_t port = 0;
    bool started = false;
    bool joined = false;

    std::shared_ptr<ratelimit::local_buckets> buckets;  // per-process limits (gateway mode without Redis)

    void make_limiters();
    net::awaitable<void> accept_loop();
    net::awaitable<void> sweep_loop(server::worker& w);
    void log_startup() const;
};

namespace {

telemetry::telemetry_options resolve_options(const config::config& cfg) {
    std::vector<std::string> warnings;
    auto o = telemetry::resolve_telemetry_options(cfg.telemetry, telemetry::process_environment(), "", warnings);
    for (const auto& w : warnings) spdlog::warn("telemetry: {}", w);
    return o;
}
}  // namespace

net::awaitable<void> app::impl::accept_loop() {
    std::size_t next = 0;
    while (!ctx.draining) {
        auto& w = *workers[next++ % workers.size()];
        auto [ec, socket] = co_await acceptor->async_accept(w.ioc, use_nothrow);
        if (ec == net::error::operation_aborted || ctx.draining) break;
        if (ec) {  // e.g. out of file descriptors: back off instead of spinning
            spdlog::warn("accept failed: {}", ec.message());
            net::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(50));
            co_await t.async_wait(use_nothrow);
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        net::co_spawn(w.ioc, server::run_session(std::move(socket), w, ctx),
                      [](std::exception_ptr e) { log_failure("session", e); });
    }
}

net::awaitable<void> app::impl::sweep_loop(server::worker& w) {
    net::steady_timer t(w.ioc);
    while (!ctx.draining) {
        t.expires_after(std::chrono::seconds(5));
        co_await t.async_wait(use_nothrow);
        w.pool.sweep();
    }
}

void app::impl::log_startup() const {
    spdlog::info("tokentap {} listening on {}:{} with {} thread(s)", TOKENTAP_VERSION, cfg.listen.host, port,
                 workers.size());
    for (const auto& r : routes.routes())
        spdlog::info("route {} -> {} ({}{})", r.prefix, r.upstream.to_string(), r.provider,
                     r.telemetry ? "" : ", telemetry off");
    const auto& o = pipeline.options();
    if (o.traces)
        spdlog::info("exporting spans to {}{} ({})", o.traces->url.to_string(), o.traces->path,
                     o.traces->json ? "http/json" : "http/protobuf");
    if (o.metrics)
        spdlog::info("exporting metrics to {}{} every {} ms ({}, {})", o.metrics->url.to_string(), o.metrics->path,
                     o.metric_export_interval.count(), o.metrics->json ? "http/json" : "http/protobuf",
                     o.metrics_delta ? "delta" : "cumulative");
    if (!o.trace_file.empty()) spdlog::info("appending spans to {}", o.trace_file);
    const auto& prices = pricing::price_table::builtin();
    spdlog::info("price table {} ({} models built in{})", prices.version(), prices.size(),
                 cfg.pricing.file.empty() && cfg.pricing.overrides.empty() ? "" : ", with the config's prices");
    if (!o.traces && o.trace_file.empty()) spdlog::info("no OTLP endpoint: one line per call here (OTEL_EXPORTER_OTLP_ENDPOINT to export)");
}

app::app(config::config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {}

app::~app() {
    if (impl_->started && !impl_->joined) {
        shutdown();
        wait();
    }
}

void app::set_observer_factory(server::observer_factory f) { impl_->ctx.make_observer = std::move(f); }
telemetry::metrics_registry& app::metrics_registry() { return impl_->registry; }
std::uint16_t app::port() const { return impl_->port; }

void app::start() {
    auto& d = *impl_;
    unsigned n = d.cfg.threads ? d.cfg.threads : std::max(1u, std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i)
        d.workers.push_back(std::make_unique<server::worker>(d.tls, d.cfg, d.pool_stats));
    d.make_limiters();

    const tcp::endpoint ep(net::ip::make_address(d.cfg.listen.host), d.cfg.listen.port);
    d.acceptor = std::make_unique<tcp::acceptor>(d.workers[0]->ioc);
    d.acceptor->open(ep.protocol());
    d.acceptor->set_option(net::socket_base::reuse_address(true));
    error_code ec;
    d.acceptor->bind(ep, ec);
    if (ec) throw std::runtime_error("cannot listen on " + d.cfg.listen.host + ":" + std::to_string(d.cfg.listen.port) +
                                     ": " + ec.message());
    d.acceptor->listen(net::socket_base::max_listen_connections);
    d.port = d.acceptor->local_endpoint().port();

    d.pipeline.start();
    net::co_spawn(d.workers[0]->ioc, d.accept_loop(), [](std::exception_ptr e) { log_failure("listener", e); });
    for (auto& w : d.workers) {
        net::co_spawn(w->ioc, d.sweep_loop(*w), [](std::exception_ptr e) { log_failure("pool sweeper", e); });
        d.threads.emplace_back([&ioc = w->ioc, name = fmt::format("tokentap-w{}", d.threads.size())] {
            ::pthread_setname_np(::pthread_self(), name.c_str());  // for top -H, perf and scripts/bench
            auto guard = net::make_work_guard(ioc);
            ioc.run();
        });
    }
    d.started = true;
    d.log_startup();
}

// Gateway mode with limits: one limiter per worker thread, on Redis when the config names it.
void app::impl::make_limiters() {
    const auto& g = cfg.gateway;
    if (!g.enabled) return;
    spdlog::info("gateway mode: retries up to {} attempts per upstream within {:.1f} s, then fallbacks", g.retries.max_attempts,
                 std::chrono::duration<double>(g.retries.budget).count());
    bool any = !g.limits.empty();
    for (const auto& r : routes.routes()) any = any || (r.limits && !r.limits->empty());
    if (!any) return;
    if (!g.redis) buckets = std::make_shared<ratelimit::local_buckets>();
    for (auto& w : workers) {
        if (g.redis) {
            ratelimit::redis_options o;
            o.host = g.redis->host;
            o.port = g.redis->port;
            o.password = g.redis->password;
            o.key_prefix = g.redis->key_prefix;
            o.fail_open = g.redis->fail_open;
            o.timeout = g.redis->timeout;
            w->limiter = ratelimit::make_redis_limiter(w->ioc.get_executor(), std::move(o));
        } else {
            w->limiter = ratelimit::make_local_limiter(buckets);
        }
    }
    spdlog::info("gateway limits on, {}", g.redis ? "shared in Redis at " + g.redis->host + ":" + std::to_string(g.redis->port)
                                                   : std::string("per process"));
}

void app::shutdown() {
    auto& d = *impl_;
    if (d.ctx.draining.exchange(true)) return;
    spdlog::info("shutting down: no new connections, finishing in-flight requests");
    net::post(d.workers[0]->ioc, [&d] {
        error_code ec;
        d.acceptor->close(ec);
    });
    for (auto& w : d.workers) net::post(w->ioc, [w = w.get()] { w->close_idle_sessions(); });
}

void app::wait() {
    auto& d = *impl_;
    if (!d.started || d.joined) return;
    while (!d.ctx.draining) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const auto deadline = clock::now() + d.cfg.timeouts.drain;
    auto busy = [&d] {
        int n = 0;
        for (auto& w : d.workers) n += w->active_sessions;
        return n;
    };
    while (busy() > 0 && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (const int left = busy()) spdlog::warn("drain timeout: closing {} connection(s) still busy", left);
    for (auto& w : d.workers) {
        net::post(w->ioc, [w = w.get()] {
            w->pool.close_all();
            w->ioc.stop();
        });
    }
    for (auto& t : d.threads) t.join();
    d.pipeline.shutdown(std::chrono::seconds(10));  // flush spans of the calls that just finished
    d.joined = true;
    spdlog::info("stopped");
}

void app::reload_prices() {
    auto& d = *impl_;
    if (d.cfg.source_file.empty()) {
        spdlog::info("SIGHUP: no config file to re-read; prices unchanged");
        return;
    }
    try {
        const auto fresh = config::load_config_file(d.cfg.source_file);
        auto table = std::make_shared<const pricing::price_table>(pricing::price_table::from_settings(fresh.pricing));
        spdlog::info("SIGHUP: prices reloaded from {} (table {}, {} models)", d.cfg.source_file, table->version(),
                     table->size());
        d.pipeline.price_with(std::move(table));
    } catch (const std::exception& e) {  // a bad file keeps the prices in use
        spdlog::error("SIGHUP: prices not reloaded, keeping the current ones: {}", e.what());
    }
}

int app::run() {
    start();
    net::io_context signals_ioc;
    // SIGHUP re-reads the prices; SIGINT or SIGTERM stops (and ends the SIGHUP wait, so run() returns).
    net::signal_set hangup(signals_ioc, SIGHUP);
    std::function<void(const error_code&, int)> on_hangup = [&](const error_code& ec, int) {
        if (ec) return;
        reload_prices();
        hangup.async_wait(on_hangup);
    };
    hangup.async_wait(on_hangup);
    net::signal_set signals(signals_ioc, SIGINT, SIGTERM);
    signals.async_wait([this, &hangup](const error_code& ec, int sig) {
        if (!ec) spdlog::info("received signal {}", sig);
        shutdown();
        error_code ignored;
        hangup.cancel(ignored);
    });
    signals_ioc.run();
    wait();
    return 0;
}

}  // namespace tokentap::app
