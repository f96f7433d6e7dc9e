#pragma once
// The in-process metrics registry: counters, histograms and callback gauges with attribute sets.
// Thread-safe: each instrument guards its series with its own mutex (held for a map lookup and a
// few additions). The number of attribute sets per instrument is bounded; records beyond the bound
// go to one overflow series marked `otel.metric.overflow = true`, so random labels cannot grow memory.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry {

// Metric attributes: names (mostly literals, not copied) and string values.
using attribute_set = std::vector<std::pair<attribute_key, std::string>>;

// A fast order of attribute sets for the series maps, looked up several times per call: by size,
// then pair by pair, names equal when they are the same literal (no compare) and values by length
// before their bytes. Not alphabetical: snapshots sort their points alphabetically.
struct attribute_set_order {
    bool operator()(const attribute_set& a, const attribute_set& b) const;
};

enum class instrument_kind { counter, histogram, gauge };

// A recorded value that leads to its trace: the span of the call it came from (OTLP Exemplar).
struct exemplar {
    double value = 0;
    std::uint64_t time_unix_ns = 0;
    trace_id trace{};
    span_id span{};
};

struct series_point {
    attribute_set attributes;
    double value = 0;                    // counter total or gauge value
    double sum = 0;                      // histogram
    std::uint64_t count = 0;             // histogram
    std::vector<std::uint64_t> buckets;  // histogram, per bound plus +Inf (not cumulative)
    // Histogram: the latest value recorded with a span in each bucket (time_unix_ns 0: none yet).
    std::vector<exemplar> exemplars;
};

struct metric_snapshot {
    std::string name;  // OpenTelemetry name, e.g. "http.server.request.duration"
    std::string unit;  // UCUM, e.g. "s", "By", "{request}"
    std::string description;
    instrument_kind kind = instrument_kind::counter;
    std::vector<double> bounds;
    std::vector<series_point> points;
};

class instrument {
public:
    instrument(std::string name, std::string unit, std::string description, instrument_kind kind,
               std::vector<double> bounds, std::size_t max_series);
    void add(double v, const attribute_set& attrs);     // counter
    // Histogram. A record that came from a traced call (`from`) is also kept as its bucket's exemplar.
    void record(double v, const attribute_set& attrs, const span* from = nullptr, std::uint64_t time_unix_ns = 0);
    // The series of `attrs` (the overflow series past the bound). Series are never removed, so it
    // stays valid as long as the instrument: a caller that records the same sets over and over
    // keeps it and skips the lookup with the two calls below.
    series_point& series(const attribute_set& attrs);
    void add(double v, series_point& s);  // counter, to a series from series()
    // Histogram, to a series from series(); `from` as in record above.
    void record(double v, series_point& s, const span* from = nullptr, std::uint64_t time_unix_ns = 0);
    metric_snapshot snapshot() const;

private:
    series_point& series_for(const attribute_set& attrs);  // caller holds mutex_
    std::size_t bucket_of(double v) const;                  // a histogram value's bucket

    metric_snapshot meta_;
    std::size_t max_series_;
    mutable std::mutex mutex_;
    std::map<attribute_set, series_point, attribute_set_order> series_;
};

class metrics_registry {
public:
    using gauge_callback = std::function<std::vector<std::pair<attribute_set, double>>()>;
    static constexpr std::size_t default_max_series = 2000;

    instrument& add_counter(std::string name, std::string unit, std::string description);
    instrument& add_histogram(std::string name, std::string unit, std::string description,
                              std::vector<double> bounds);
    // A value read at collection time: a gauge, or a counter kept elsewhere (an atomic).
    void add_observable(std::string name, std::string unit, std::string description, instrument_kind kind,
                        gauge_callback cb);

    std::vector<metric_snapshot> collect() const;

    // The resource the metrics describe (service.name, ...), for Prometheus' target_info. Set once
    // at start, before any thread reads it.
    void set_target_info(attribute_set resource) { target_info_ = std::move(resource); }
    const attribute_set& target_info() const { return target_info_; }

private:
    struct gauge {
        metric_snapshot meta;
        gauge_callback cb;
    };
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<instrument>> instruments_;
    std::vector<gauge> observables_;
    attribute_set target_info_;
};

}  // namespace tokentap::telemetry
