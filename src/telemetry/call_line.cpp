#include "tokentap/telemetry/call_line.hpp"

#include <fmt/format.h>

namespace tokentap::telemetry {

std::string format_call_line(const genai_call& c) {
    std::string line = fmt::format("call {} {} {}", c.provider, c.request.operation, c.request.model.value_or("-"));
    if (c.response.model && c.response.model != c.request.model) line += " -> " + *c.response.model;
    line += c.status ? fmt::format(" {}", c.status) : std::string(" -");
    const auto& u = c.response.usage;
    auto count = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("-"); };
    if (u.any()) {
        line += fmt::format(" in={} cached={} out={}", count(u.input), count(u.cache_read), count(u.output));
        if (u.reasoning) line += fmt::format(" reasoning={}", *u.reasoning);
    } else {
        line += " usage=none";
    }
    if (c.cost_usd) line += fmt::format(" ${:.6f}", *c.cost_usd);
    else if (c.unpriced) line += " $unpriced";
    const double seconds = static_cast<double>(c.end_unix_ns - c.start_unix_ns) / 1e9;
    line += fmt::format(" {:.3f}s", seconds);
    if (c.time_to_first_chunk) line += fmt::format(" ttfc={:.3f}s", *c.time_to_first_chunk);
    const auto error = error_type_of(c);
    if (!error.empty()) line += " error=" + error;
    if (c.incomplete) line += " incomplete";
    return line;
}

}  // namespace tokentap::telemetry
