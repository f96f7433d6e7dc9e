#include "tokentap/telemetry/metrics/metrics_registry.hpp"

#include <algorithm>
#include <cstring>
#include <tuple>

namespace tokentap::telemetry {

instrument::instrument(std::string name, std::string unit, std::string description,
                       instrument_kind kind, std::vector<double> bounds, std::size_t max_series)
    : meta_{std::move(name), std::move(unit), std::move(description), kind, std::move(bounds), {}},
      max_series_(max_series) {}

namespace {
// -1, 0 or 1 as a orders before, with or after b: length first, then bytes.
int compare_fast(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    if (a.data() == b.data() || a.empty()) return 0;  // the same literal
    const int c = std::memcmp(a.data(), b.data(), a.size());
    return (c > 0) - (c < 0);
}
}  // namespace

bool attribute_set_order::operator()(const attribute_set& a, const attribute_set& b) const {
    if (a.size() != b.size()) return a.size() < b.size();
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (const int c = compare_fast(a[i].first.view(), b[i].first.view())) return c < 0;
        if (const int c = compare_fast(a[i].second, b[i].second)) return c < 0;
    }
    return false;
}

series_point& instrument::series_for(const attribute_set& attrs) {
    auto it = series_.find(attrs);
    if (it == series_.end()) {
        attribute_set key = attrs;
        if (series_.size() >= max_series_) key = {{"otel.metric.overflow", "true"}};
        bool inserted = false;
        std::tie(it, inserted) = series_.try_emplace(key);
        if (inserted) {
            it->second.attributes = key;
            if (meta_.kind == instrument_kind::histogram) it->second.buckets.assign(meta_.bounds.size() + 1, 0);
        }
    }
    return it->second;
}

void instrument::add(double v, const attribute_set& attrs) {
    std::lock_guard lock(mutex_);
    series_for(attrs).value += v;
}

// Bucket i counts values in (bounds[i-1], bounds[i]]; the last one is (bounds.back(), +Inf).
std::size_t instrument::bucket_of(double v) const {
    return static_cast<std::size_t>(std::lower_bound(meta_.bounds.begin(), meta_.bounds.end(), v) - meta_.bounds.begin());
}

namespace {
// One histogram value into its bucket of `s`, and its span as the bucket's exemplar; the caller
// holds the instrument's mutex.
void count_in(series_point& s, std::size_t bucket, double v, const span* from, std::uint64_t time_unix_ns) {
    s.sum += v;
    s.count += 1;
    s.buckets[bucket] += 1;
    if (!from) return;
    if (s.exemplars.empty()) s.exemplars.resize(s.buckets.size());
    s.exemplars[bucket] = {v, time_unix_ns, from->trace, from->id};
}
}  // namespace

void instrument::record(double v, const attribute_set& attrs, const span* from, std::uint64_t time_unix_ns) {
    const auto idx = bucket_of(v);
    std::lock_guard lock(mutex_);
    count_in(series_for(attrs), idx, v, from, time_unix_ns);
}

series_point& instrument::series(const attribute_set& attrs) {
    std::lock_guard lock(mutex_);
    return series_for(attrs);
}

void instrument::add(double v, series_point& s) {
    std::lock_guard lock(mutex_);
    s.value += v;
}

void instrument::record(double v, series_point& s, const span* from, std::uint64_t time_unix_ns) {
    const auto idx = bucket_of(v);
    std::lock_guard lock(mutex_);
    count_in(s, idx, v, from, time_unix_ns);
}

metric_snapshot instrument::snapshot() const {
    metric_snapshot out = meta_;
    std::lock_guard lock(mutex_);
    out.points.reserve(series_.size());
    for (const auto& [_, s] : series_) out.points.push_back(s);
    std::sort(out.points.begin(), out.points.end(),
              [](const series_point& a, const series_point& b) { return a.attributes < b.attributes; });
    return out;
}

instrument& metrics_registry::add_counter(std::string name, std::string unit, std::string description) {
    std::lock_guard lock(mutex_);
    instruments_.push_back(std::make_unique<instrument>(std::move(name), std::move(unit), std::move(description),
                                                        instrument_kind::counter, std::vector<double>{},
                                                        default_max_series));
    return *instruments_.back();
}

instrument& metrics_registry::add_histogram(std::string name, std::string unit, std::string description,
                                            std::vector<double> bounds) {
    std::lock_guard lock(mutex_);
    instruments_.push_back(std::make_unique<instrument>(std::move(name), std::move(unit), std::move(description),
                                                        instrument_kind::histogram, std::move(bounds),
                                                        default_max_series));
    return *instruments_.back();
}

void metrics_registry::add_observable(std::string name, std::string unit, std::string description,
                                      instrument_kind kind, gauge_callback cb) {
    std::lock_guard lock(mutex_);
    observables_.push_back({{std::move(name), std::move(unit), std::move(description), kind, {}, {}}, std::move(cb)});
}

std::vector<metric_snapshot> metrics_registry::collect() const {
    std::lock_guard lock(mutex_);
    std::vector<metric_snapshot> out;
    for (const auto& i : instruments_) out.push_back(i->snapshot());
    for (const auto& g : observables_) {
        auto snap = g.meta;
        for (auto& [attrs, v] : g.cb()) snap.points.push_back({attrs, v, 0, 0, {}, {}});
        out.push_back(std::move(snap));
    }
    return out;
}

}  // namespace tokentap::telemetry
