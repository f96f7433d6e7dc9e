#pragma once
// Prometheus text exposition (format 0.0.4) of metric snapshots, following the OpenTelemetry
// "Prometheus and OpenMetrics compatibility" rules: dots become underscores, the unit becomes a
// suffix (s -> _seconds, By -> _bytes, {annotations} dropped), counters end in _total, histograms
// expose cumulative _bucket{le=...}, _sum and _count. Pure.

#include <string>
#include <vector>

#include "tokentap/telemetry/metrics/metrics_registry.hpp"

namespace tokentap::telemetry {

std::string prometheus_metric_name(const std::string& otel_name, const std::string& unit, instrument_kind kind);
// With a non-empty `target_info`, the exposition starts with the target_info gauge (value 1)
// carrying the resource attributes as labels (OpenTelemetry-to-Prometheus compatibility).
std::string encode_prometheus_text(const std::vector<metric_snapshot>& metrics, const attribute_set& target_info = {});

}  // namespace tokentap::telemetry
