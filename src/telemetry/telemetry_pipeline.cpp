#include "tokentap/telemetry/telemetry_pipeline.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <pthread.h>

#include <deque>
#include <fstream>
#include <future>

#include "tokentap/log_failure.hpp"
#include "tokentap/telemetry/call_cost.hpp"
#include "tokentap/telemetry/call_line.hpp"
#include "tokentap/telemetry/call_reader.hpp"
#include "tokentap/telemetry/genai_span.hpp"
#include "tokentap/telemetry/retry_links.hpp"
#include "tokentap/telemetry/otlp/otlp_http_exporter.hpp"
#include "tokentap/telemetry/otlp/otlp_metrics.hpp"
#include "tokentap/telemetry/otlp/otlp_traces.hpp"
#include "tokentap/telemetry/trace_context.hpp"

namespace tokentap::telemetry {

using clock = std::chrono::steady_clock;

namespace {
std::uint64_t unix_now_ns() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// How often the telemetry thread picks up submitted captures while calls come in. After an
// interval with none it sleeps until the next call is submitted: an idle tokentap wakes no thread
// (it woke 200 times a second for this).
constexpr std::chrono::milliseconds read_interval{5};
// Captures read, and spans encoded, between two yields of the CPU: about 50 us of work, the
// longest a request thread sharing the core waits for telemetry. Measured at 1 connection with
// everything on one CPU: yielding every 8 calls and 64 spans let p99 reach ~300 us; every 2 and
// 16 added ~5 us to p50 (a yield is a system call and often a context switch).
constexpr std::size_t yield_every = 4;
constexpr std::size_t encode_slice = 32;
}  // namespace

struct telemetry_pipeline::impl {
    impl(telemetry_pipeline& p, net::ssl::context& tls) : owner(p), read_wakeup(ioc), export_wakeup(ioc) {
        const auto& o = p.options_;
        scope = {"tokentap", TOKENTAP_VERSION, semconv_schema_url};
        if (o.traces)
            exporter = std::make_unique<otlp::otlp_http_exporter>(ioc.get_executor(), tls, *o.traces,
                                                                  o.max_concurrent_exports);
        if (o.metrics) metrics_exporter = std::make_unique<otlp::otlp_http_exporter>(ioc.get_executor(), tls, *o.metrics);
        if (!o.trace_file.empty()) {
            trace_file.open(o.trace_file, std::ios::app);
            if (!trace_file) spdlog::error("cannot open the trace file {}: not writing spans there", o.trace_file);
        }
    }

    telemetry_pipeline& owner;
    net::io_context ioc{1};
    std::thread thread;
    instrumentation_scope scope;
    std::unique_ptr<otlp::otlp_http_exporter> exporter;
    std::unique_ptr<otlp::otlp_http_exporter> metrics_exporter;
    otlp::delta_tracker deltas;
    std::uint64_t metrics_since_ns = unix_now_ns();  // the start of the cumulative (or delta) window
    std::ofstream trace_file;

    mutable std::mutex inbox_mutex;
    std::vector<std::unique_ptr<exchange_capture>> inbox;  // guarded by inbox_mutex
    bool reader_asleep = false;                            // guarded by inbox_mutex
    net::steady_timer read_wakeup;
    std::deque<span> spans;                                // telemetry thread only
    retry_links retries;                                   // telemetry thread only
    net::steady_timer export_wakeup;
    bool stopping = false;  // telemetry thread only
    clock::time_point drain_deadline = clock::time_point::max();  // set with stopping
    std::size_t exports_in_flight = 0;
    std::size_t proto_bytes_per_span = 1024;  // in the last protobuf batch; sizes the next body

    bool exporting() const { return exporter || trace_file.is_open(); }
    // Whether the spans queued (and `unread` captures still to read) fill half of the queue. Up to
    // a batch (a quarter of the default queue) waiting for its export is the normal state.
    bool falling_behind(std::size_t unread) const {
        std::size_t inboxed = 0;
        {
            std::lock_guard lock(inbox_mutex);
            inboxed = inbox.size();
        }
        return 2 * (spans.size() + unread + inboxed) > owner.options_.max_queue_size;
    }
    std::shared_ptr<const pricing::price_table> prices;  // the table of the batch being read

    std::size_t read_inbox();
    bool fall_asleep();
    void read_one(std::unique_ptr<exchange_capture> capture);
    net::awaitable<void> read_loop();
    net::awaitable<void> export_loop();
    void start_exports(bool due);
    std::vector<span> take_batch();
    net::awaitable<void> export_batch(std::vector<span> batch);
    net::awaitable<void> metrics_loop();
    net::awaitable<void> export_metrics(clock::time_point deadline);
    net::awaitable<void> drain(clock::time_point deadline);
};

void telemetry_pipeline::impl::read_one(std::unique_ptr<exchange_capture> capture) {
    auto settle = std::move(capture->record.settle_tokens);
    auto call = read_call(std::move(*capture));
    capture.reset();
    // Gateway token limits: the tokens reserved before the call are settled with what it used.
    if (settle && call.response.usage.any())
        settle(call.response.usage.input.value_or(0) + call.response.usage.output.value_or(0));
    if (prices) price_call(call, *prices);
    auto s = make_genai_span(call, new_trace_id(), new_span_id());
    if (!call.caller.empty()) {  // an SDK's retry links to the span of the attempt before it
        const auto now = clock::now();
        if (call.resend_count)
            if (auto previous = retries.previous(call.caller, call.request_hash, now)) s.links.push_back(std::move(*previous));
        if (!error_type_of(call).empty()) retries.remember(call.caller, call.request_hash, s, now);
    }
    owner.stats_.calls += 1;
    if (call.incomplete) owner.stats_.parse_errors += 1;
    if (owner.options_.call_log) spdlog::info("{}", format_call_line(call));
    if (owner.listener_) owner.listener_(call, s);
    if (!exporting()) return;
    if (spans.size() + 1 + call.attempts.size() > owner.options_.max_queue_size) {
        owner.stats_.dropped_spans += 1 + call.attempts.size();
        return;
    }
    for (std::size_t i = 0; i < call.attempts.size(); ++i) spans.push_back(make_attempt_span(call, s, i, new_span_id()));
    spans.push_back(std::move(s));
    start_exports(false);
}

std::size_t telemetry_pipeline::impl::read_inbox() {
    std::vector<std::unique_ptr<exchange_capture>> batch;
    {
        std::lock_guard lock(inbox_mutex);
        batch.swap(inbox);
    }
    if (batch.empty()) return 0;
    {
        std::lock_guard lock(owner.prices_mutex_);
        prices = owner.prices_;
    }
    std::size_t done = 0;
    for (auto& c : batch) {
        // Give the CPU back now and then: on a busy core a long burst of telemetry work would
        // hold up the request threads (their tail latency), which never wait for it otherwise.
        // Not when the queue is filling, though: on a saturated machine every yield waits a full
        // time slice, and a thread that keeps yielding falls behind until its queue drops spans.
        if (++done % yield_every == 0 && !falling_behind(batch.size() - done)) std::this_thread::yield();
        try {
            read_one(std::move(c));
        } catch (const std::exception& e) {  // telemetry never takes the proxy down
            owner.stats_.parse_errors += 1;
            spdlog::warn("telemetry: a call could not be read: {}", e.what());
        }
    }
    return batch.size();
}

// Whether the reader may sleep until submit() wakes it: nothing was submitted since the last read.
bool telemetry_pipeline::impl::fall_asleep() {
    std::lock_guard lock(inbox_mutex);
    reader_asleep = inbox.empty();
    return reader_asleep;
}

net::awaitable<void> telemetry_pipeline::impl::read_loop() {
    while (!stopping) {
        read_wakeup.expires_after(read_interval);
        co_await read_wakeup.async_wait(use_nothrow);
        if (read_inbox() == 0 && !stopping && fall_asleep()) {
            read_wakeup.expires_at(clock::time_point::max());
            co_await read_wakeup.async_wait(use_nothrow);  // cancelled by submit() or drain()
        }
    }
}

std::vector<span> telemetry_pipeline::impl::take_batch() {
    const auto n = std::min(spans.size(), owner.options_.max_export_batch_size);
    std::vector<span> batch(std::make_move_iterator(spans.begin()), std::make_move_iterator(spans.begin() + n));
    spans.erase(spans.begin(), spans.begin() + n);
    return batch;
}

// Sends every full batch, and one batch of whatever is queued when the schedule delay has passed
// (`due`), as long as fewer than max_concurrent_exports are on their way: one export at a time
// would cap the spans per second at a batch per collector round trip, and let the queue fill and
// drop spans while a collector on a busy machine (or far away) answers.
void telemetry_pipeline::impl::start_exports(bool due) {
    const auto& o = owner.options_;
    while (!stopping && exports_in_flight < o.max_concurrent_exports && !spans.empty() &&
           (due || spans.size() >= o.max_export_batch_size)) {
        due = false;
        auto batch = take_batch();
        const auto n = batch.size();
        ++exports_in_flight;
        net::co_spawn(ioc, export_batch(std::move(batch)), [this, n](std::exception_ptr e) {
            --exports_in_flight;
            if (e) {
                owner.stats_.export_failures += 1;
                owner.stats_.dropped_spans += n;
                log_failure("a span export", e);
            }
            start_exports(false);
        });
    }
}

net::awaitable<void> telemetry_pipeline::impl::export_batch(std::vector<span> batch) {
    const auto n = batch.size();
    if (n == 0) co_return;
    const auto& res = owner.options_.service_resource;
    if (trace_file.is_open()) {
        trace_file << otlp::encode_traces_json(res, scope, batch) << '\n';
        trace_file.flush();
    }
    if (!exporter) co_return;
    std::string body;
    if (exporter->target().json) {
        body = otlp::encode_traces_json(res, scope, batch);
    } else {
        // Protobuf messages concatenate into their merge: encode in slices, yielding between them.
        // Each slice's spans are freed once encoded: freeing a whole batch at once (thousands of
        // strings) would be one long run of the thread that holds up the request threads.
        // The body is reserved from the last batch's size per span, so that the slices are
        // encoded in place instead of growing (and copying) the body many times over.
        body.reserve(batch.size() * (proto_bytes_per_span + proto_bytes_per_span / 4) + 1024);
        for (std::size_t at = 0; at < batch.size(); at += encode_slice) {
            const auto slice = std::span<span>(batch).subspan(at, std::min(encode_slice, batch.size() - at));
            otlp::append_traces_proto(body, res, scope, slice);
            for (auto& s : slice) s = span{};
            if (!falling_behind(0)) std::this_thread::yield();
        }
        proto_bytes_per_span = body.size() / batch.size();
    }
    // While draining, an export must end by the shutdown deadline, not by its usual timeout.
    const auto until = std::min(clock::now() + owner.options_.export_timeout, drain_deadline);
    const auto result = co_await exporter->send(std::move(body), until);
    if (result == otlp::export_result::ok) {
        owner.stats_.exported_spans += n;
    } else {
        owner.stats_.export_failures += 1;
        owner.stats_.dropped_spans += n;
    }
}

net::awaitable<void> telemetry_pipeline::impl::export_loop() {
    while (!stopping) {
        export_wakeup.expires_after(owner.options_.schedule_delay);
        co_await export_wakeup.async_wait(use_nothrow);
        if (stopping) break;
        start_exports(true);
    }
}

net::awaitable<void> telemetry_pipeline::impl::export_metrics(clock::time_point deadline) {
    if (!metrics_exporter || !owner.registry_) co_return;
    const auto& o = owner.options_;
    const auto now = unix_now_ns();
    otlp::metrics_window window{metrics_since_ns, now, otlp::temporality::cumulative};
    auto metrics = owner.registry_->collect();
    if (o.metrics_delta) {
        metrics = deltas.deltas(metrics);
        window.kind = otlp::temporality::delta;
        metrics_since_ns = now;
    }
    auto body = metrics_exporter->target().json ? otlp::encode_metrics_json(o.service_resource, scope, metrics, window)
                                                : otlp::encode_metrics_proto(o.service_resource, scope, metrics, window);
    co_await metrics_exporter->send(std::move(body), deadline);
}

net::awaitable<void> telemetry_pipeline::impl::metrics_loop() {
    net::steady_timer t(ioc);
    while (!stopping) {
        t.expires_after(owner.options_.metric_export_interval);
        co_await t.async_wait(use_nothrow);
        if (stopping) break;
        co_await export_metrics(clock::now() + owner.options_.export_timeout);
    }
}

net::awaitable<void> telemetry_pipeline::impl::drain(clock::time_point deadline) {
    stopping = true;
    drain_deadline = deadline;
    read_wakeup.cancel();
    export_wakeup.cancel();
    net::steady_timer t(ioc);
    while (exports_in_flight > 0 && clock::now() < deadline) {  // let the exports on their way finish
        t.expires_after(std::chrono::milliseconds(5));
        co_await t.async_wait(use_nothrow);
    }
    read_inbox();
    while (!spans.empty() && clock::now() < deadline) co_await export_batch(take_batch());
    if (!spans.empty()) {
        owner.stats_.dropped_spans += spans.size();
        spdlog::warn("telemetry: {} span(s) not exported before the shutdown deadline", spans.size());
    }
    if (clock::now() < deadline) co_await export_metrics(deadline);  // the final figures
    // shutdown()'s completion handler stops the io_context (stopping it here would drop that handler).
}

telemetry_pipeline::telemetry_pipeline(telemetry_options options, net::ssl::context& tls)
    : options_(std::move(options)) {
    impl_ = std::make_unique<impl>(*this, tls);
}

telemetry_pipeline::~telemetry_pipeline() { shutdown(std::chrono::milliseconds(0)); }

void telemetry_pipeline::start() {
    auto& d = *impl_;
    auto failed = [](const char* what) { return [what](std::exception_ptr e) { log_failure(what, e); }; };
    net::co_spawn(d.ioc, d.read_loop(), failed("the telemetry read loop"));
    net::co_spawn(d.ioc, d.export_loop(), failed("the span export loop"));
    if (d.metrics_exporter && registry_) net::co_spawn(d.ioc, d.metrics_loop(), failed("the metric export loop"));
    d.thread = std::thread([&d] {
        ::pthread_setname_np(::pthread_self(), "tokentap-telem");  // for top -H, perf and scripts/bench
        auto guard = net::make_work_guard(d.ioc);
        d.ioc.run();
    });
}

void telemetry_pipeline::price_with(std::shared_ptr<const pricing::price_table> table) {
    std::lock_guard lock(prices_mutex_);
    prices_ = std::move(table);
}

void telemetry_pipeline::submit(std::unique_ptr<exchange_capture> capture) {
    auto& d = *impl_;
    std::lock_guard lock(d.inbox_mutex);
    if (d.inbox.size() >= options_.max_queue_size) {
        stats_.dropped_spans += 1;
        return;
    }
    d.inbox.push_back(std::move(capture));
    if (d.reader_asleep) {  // the timer belongs to the telemetry thread: cancel it there
        d.reader_asleep = false;
        net::post(d.ioc, [&d] { d.read_wakeup.cancel(); });
    }
}

void telemetry_pipeline::shutdown(std::chrono::milliseconds budget) {
    auto& d = *impl_;
    if (!d.thread.joinable()) return;
    const auto deadline = clock::now() + budget;
    auto finished = std::make_shared<std::promise<void>>();
    auto drained = finished->get_future();
    // Whatever happens in the drain, the telemetry thread must end, or shutdown would hang.
    net::co_spawn(d.ioc, d.drain(deadline), [&d, finished](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                spdlog::error("telemetry: the final export failed: {}", x.what());
            }
        }
        d.ioc.stop();
        finished->set_value();
    });
    // The io_context may have stopped on its own (run out of work): then the drain never runs.
    const auto give_up = deadline + std::chrono::seconds(1);
    while (drained.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready && !d.ioc.stopped()) {
        if (clock::now() < give_up) continue;
        spdlog::warn("telemetry: the final export did not end within the shutdown budget; stopping it");
        d.ioc.stop();
        break;
    }
    d.thread.join();
}

}  // namespace tokentap::telemetry
