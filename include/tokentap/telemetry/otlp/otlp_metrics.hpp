#pragma once
// OTLP metrics: an ExportMetricsServiceRequest from the registry's snapshots, in protobuf and in
// OTLP/JSON. Counters become monotonic Sums, gauges Gauges, histograms explicit-bucket
// Histograms, with the temporality asked for. Pure; the delta computation is delta_tracker's.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/telemetry/metrics/metrics_registry.hpp"
#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry::otlp {

enum class temporality : int { delta = 1, cumulative = 2 };  // OTLP AggregationTemporality

struct metrics_window {
    std::uint64_t start_unix_ns = 0;  // process start (cumulative) or the previous export (delta)
    std::uint64_t time_unix_nano = 0;
    temporality kind = temporality::cumulative;
};

std::string encode_metrics_proto(const resource& res, const instrumentation_scope& scope,
                                 std::span<const metric_snapshot> metrics, const metrics_window& window);
std::string encode_metrics_json(const resource& res, const instrumentation_scope& scope,
                                std::span<const metric_snapshot> metrics, const metrics_window& window);

// Turns cumulative snapshots into the change since the previous call, for delta temporality:
// counters and histograms are subtracted series by series (a series seen for the first time
// counts whole); gauges pass unchanged; series that did not change are left out.
class delta_tracker {
public:
    std::vector<metric_snapshot> deltas(const std::vector<metric_snapshot>& cumulative);

private:
    std::map<std::pair<std::string, attribute_set>, series_point> last_;
};

}  // namespace tokentap::telemetry::otlp
