#include "tokentap/telemetry/otlp/otlp_metrics.hpp"

#include "tokentap/telemetry/otlp/otlp_common.hpp"
#include "tokentap/telemetry/trace_context.hpp"

namespace tokentap::telemetry::otlp {

namespace {

// Field numbers from opentelemetry-proto collector/metrics/v1/metrics_service.proto and
// metrics/v1/metrics.proto.
namespace request_field { constexpr std::uint32_t resource_metrics = 1; }
namespace resource_metrics_field { constexpr std::uint32_t resource = 1, scope_metrics = 2; }
namespace scope_metrics_field { constexpr std::uint32_t scope = 1, metrics = 2, schema_url = 3; }
namespace metric_field { constexpr std::uint32_t name = 1, description = 2, unit = 3, gauge = 5, sum = 7, histogram = 9; }
namespace data_field { constexpr std::uint32_t data_points = 1, temporality = 2, is_monotonic = 3; }
namespace number_point_field { constexpr std::uint32_t start_time = 2, time = 3, as_double = 4, attributes = 7; }
namespace histogram_point_field {
constexpr std::uint32_t start_time = 2, time = 3, count = 4, sum = 5, bucket_counts = 6, explicit_bounds = 7,
                        attributes = 9, exemplars = 8;
}
namespace exemplar_field { constexpr std::uint32_t time = 2, as_double = 3, span_id = 4, trace_id = 5; }

attributes to_attributes(const attribute_set& set) {
    attributes out;
    out.reserve(set.size());
    for (const auto& [k, v] : set) out.push_back({k, v});
    return out;
}

// ---- protobuf ----

void write_number_point(protobuf_writer& w, const series_point& p, const metrics_window& win, bool with_start) {
    write_attributes(w, number_point_field::attributes, to_attributes(p.attributes));
    if (with_start) w.fixed64_field(number_point_field::start_time, win.start_unix_ns);
    w.fixed64_field(number_point_field::time, win.time_unix_nano);
    w.double_field(number_point_field::as_double, p.value);
}

void write_histogram_point(protobuf_writer& w, const metric_snapshot& m, const series_point& p,
                           const metrics_window& win) {
    write_attributes(w, histogram_point_field::attributes, to_attributes(p.attributes));
    w.fixed64_field(histogram_point_field::start_time, win.start_unix_ns);
    w.fixed64_field(histogram_point_field::time, win.time_unix_nano);
    w.fixed64_field(histogram_point_field::count, p.count);
    w.double_field(histogram_point_field::sum, p.sum);
    w.packed_fixed64_field(histogram_point_field::bucket_counts, p.buckets);
    w.packed_double_field(histogram_point_field::explicit_bounds, m.bounds);
    for (const auto& e : p.exemplars) {
        if (e.time_unix_ns == 0) continue;
        w.message_field(histogram_point_field::exemplars, [&e](protobuf_writer& x) {
            x.fixed64_field(exemplar_field::time, e.time_unix_ns);
            x.double_field(exemplar_field::as_double, e.value);
            x.bytes_field(exemplar_field::span_id, e.span);
            x.bytes_field(exemplar_field::trace_id, e.trace);
        });
    }
}

void write_metric(protobuf_writer& w, const metric_snapshot& m, const metrics_window& win) {
    w.string_field(metric_field::name, m.name);
    if (!m.description.empty()) w.string_field(metric_field::description, m.description);
    if (!m.unit.empty()) w.string_field(metric_field::unit, m.unit);
    const auto temporality = static_cast<std::uint64_t>(win.kind);
    switch (m.kind) {
        case instrument_kind::gauge:
            w.message_field(metric_field::gauge, [&](protobuf_writer& g) {
                for (const auto& p : m.points)
                    g.message_field(data_field::data_points, [&](protobuf_writer& dp) { write_number_point(dp, p, win, false); });
            });
            break;
        case instrument_kind::counter:
            w.message_field(metric_field::sum, [&](protobuf_writer& s) {
                for (const auto& p : m.points)
                    s.message_field(data_field::data_points, [&](protobuf_writer& dp) { write_number_point(dp, p, win, true); });
                s.uint64_field(data_field::temporality, temporality);
                s.bool_field(data_field::is_monotonic, true);
            });
            break;
        case instrument_kind::histogram:
            w.message_field(metric_field::histogram, [&](protobuf_writer& h) {
                for (const auto& p : m.points)
                    h.message_field(data_field::data_points, [&](protobuf_writer& dp) { write_histogram_point(dp, m, p, win); });
                h.uint64_field(data_field::temporality, temporality);
            });
            break;
    }
}

// ---- JSON ----

ojson number_point_json(const series_point& p, const metrics_window& win, bool with_start) {
    ojson out = {{"attributes", attributes_json(to_attributes(p.attributes))}};
    if (with_start) out["startTimeUnixNano"] = std::to_string(win.start_unix_ns);
    out["timeUnixNano"] = std::to_string(win.time_unix_nano);
    out["asDouble"] = double_json(p.value);
    return out;
}

ojson histogram_point_json(const metric_snapshot& m, const series_point& p, const metrics_window& win) {
    ojson buckets = ojson::array();
    for (auto b : p.buckets) buckets.push_back(std::to_string(b));  // fixed64: a string in OTLP/JSON
    ojson bounds = ojson::array();
    for (auto b : m.bounds) bounds.push_back(double_json(b));
    ojson out = {{"attributes", attributes_json(to_attributes(p.attributes))},
                 {"startTimeUnixNano", std::to_string(win.start_unix_ns)},
                 {"timeUnixNano", std::to_string(win.time_unix_nano)},
                 {"count", std::to_string(p.count)},
                 {"sum", double_json(p.sum)},
                 {"bucketCounts", std::move(buckets)},
                 {"explicitBounds", std::move(bounds)}};
    ojson exemplars = ojson::array();
    for (const auto& e : p.exemplars) {
        if (e.time_unix_ns == 0) continue;
        exemplars.push_back({{"timeUnixNano", std::to_string(e.time_unix_ns)},
                             {"asDouble", double_json(e.value)},
                             {"spanId", to_hex(e.span)},
                             {"traceId", to_hex(e.trace)}});
    }
    if (!exemplars.empty()) out["exemplars"] = std::move(exemplars);
    return out;
}

ojson metric_json(const metric_snapshot& m, const metrics_window& win) {
    ojson out = {{"name", m.name}};
    if (!m.description.empty()) out["description"] = m.description;
    if (!m.unit.empty()) out["unit"] = m.unit;
    ojson points = ojson::array();
    for (const auto& p : m.points)
        points.push_back(m.kind == instrument_kind::histogram ? histogram_point_json(m, p, win)
                                                              : number_point_json(p, win, m.kind == instrument_kind::counter));
    const int temporality = static_cast<int>(win.kind);
    switch (m.kind) {
        case instrument_kind::gauge: out["gauge"] = {{"dataPoints", std::move(points)}}; break;
        case instrument_kind::counter:
            out["sum"] = {{"dataPoints", std::move(points)}, {"aggregationTemporality", temporality}, {"isMonotonic", true}};
            break;
        case instrument_kind::histogram:
            out["histogram"] = {{"dataPoints", std::move(points)}, {"aggregationTemporality", temporality}};
            break;
    }
    return out;
}

}  // namespace

std::string encode_metrics_proto(const resource& res, const instrumentation_scope& scope,
                                 std::span<const metric_snapshot> metrics, const metrics_window& window) {
    protobuf_writer w;
    w.message_field(request_field::resource_metrics, [&](protobuf_writer& rm) {
        rm.message_field(resource_metrics_field::resource, [&res](protobuf_writer& r) { write_resource(r, res); });
        rm.message_field(resource_metrics_field::scope_metrics, [&](protobuf_writer& sm) {
            sm.message_field(scope_metrics_field::scope, [&scope](protobuf_writer& sc) { write_scope(sc, scope); });
            for (const auto& m : metrics)
                if (!m.points.empty())
                    sm.message_field(scope_metrics_field::metrics, [&](protobuf_writer& mw) { write_metric(mw, m, window); });
            if (!scope.schema_url.empty()) sm.string_field(scope_metrics_field::schema_url, scope.schema_url);
        });
    });
    return w.take();
}

std::string encode_metrics_json(const resource& res, const instrumentation_scope& scope,
                                std::span<const metric_snapshot> metrics, const metrics_window& window) {
    ojson list = ojson::array();
    for (const auto& m : metrics)
        if (!m.points.empty()) list.push_back(metric_json(m, window));
    ojson scope_metrics = {{"scope", scope_json(scope)}, {"metrics", std::move(list)}};
    if (!scope.schema_url.empty()) scope_metrics["schemaUrl"] = scope.schema_url;
    const ojson request = {
        {"resourceMetrics",
         ojson::array({{{"resource", resource_json(res)}, {"scopeMetrics", ojson::array({std::move(scope_metrics)})}}})}};
    return dump_json(request);
}

std::vector<metric_snapshot> delta_tracker::deltas(const std::vector<metric_snapshot>& cumulative) {
    std::vector<metric_snapshot> out;
    for (const auto& m : cumulative) {
        metric_snapshot d = m;
        d.points.clear();
        for (const auto& p : m.points) {
            if (m.kind == instrument_kind::gauge) {
                d.points.push_back(p);
                continue;
            }
            auto& last = last_[{m.name, p.attributes}];
            series_point change = p;
            change.value -= last.value;
            change.sum -= last.sum;
            change.count -= last.count;
            for (std::size_t i = 0; i < change.buckets.size() && i < last.buckets.size(); ++i)
                change.buckets[i] -= last.buckets[i];
            last = p;
            if (change.value != 0 || change.count != 0) d.points.push_back(std::move(change));
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace tokentap::telemetry::otlp
