#include "tokentap/telemetry/metrics/prometheus_text.hpp"

#include <cmath>
#include <charconv>

namespace tokentap::telemetry {

namespace {

std::string sanitize(std::string_view s) {
    std::string out;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':';
        out.push_back(ok ? c : '_');
    }
    if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');
    return out;
}

std::string unit_suffix(const std::string& unit) {
    if (unit.empty() || unit.front() == '{' || unit == "1") return "";
    if (unit == "s") return "seconds";
    if (unit == "ms") return "milliseconds";
    if (unit == "By") return "bytes";
    return sanitize(unit);
}

std::string format_number(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
    return std::string(buf, end);
}

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    return out;
}

std::string labels(const attribute_set& attrs, const std::string& extra = {}) {
    std::string out;
    for (const auto& [k, v] : attrs) {
        out += out.empty() ? "{" : ",";
        out += sanitize(k) + "=\"" + escape_label(v) + "\"";
    }
    if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
    if (!out.empty()) out += "}";
    return out;
}

}  // namespace

std::string prometheus_metric_name(const std::string& otel_name, const std::string& unit, instrument_kind kind) {
    std::string name = sanitize(otel_name);
    const auto suffix = unit_suffix(unit);
    if (!suffix.empty() && !name.ends_with("_" + suffix)) name += "_" + suffix;
    if (kind == instrument_kind::counter && !name.ends_with("_total")) name += "_total";
    return name;
}

std::string encode_prometheus_text(const std::vector<metric_snapshot>& metrics, const attribute_set& target_info) {
    std::string out;
    if (!target_info.empty()) {
        out += "# HELP target_info Target metadata\n# TYPE target_info gauge\n";
        out += "target_info" + labels(target_info) + " 1\n";
    }
    for (const auto& m : metrics) {
        const auto name = prometheus_metric_name(m.name, m.unit, m.kind);
        const char* type = m.kind == instrument_kind::counter ? "counter"
                           : m.kind == instrument_kind::histogram ? "histogram" : "gauge";
        out += "# HELP " + name + " " + m.description + "\n";
        out += "# TYPE " + name + " " + type + "\n";
        for (const auto& p : m.points) {
            if (m.kind != instrument_kind::histogram) {
                out += name + labels(p.attributes) + " " + format_number(p.value) + "\n";
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < p.buckets.size(); ++i) {
                cumulative += p.buckets[i];
                const auto le = i < m.bounds.size() ? format_number(m.bounds[i]) : std::string("+Inf");
                out += name + "_bucket" + labels(p.attributes, "le=\"" + le + "\"") + " " +
                       std::to_string(cumulative) + "\n";
            }
            out += name + "_sum" + labels(p.attributes) + " " + format_number(p.sum) + "\n";
            out += name + "_count" + labels(p.attributes) + " " + std::to_string(p.count) + "\n";
        }
    }
    return out;
}

}  // namespace tokentap::telemetry
