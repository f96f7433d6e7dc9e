#include "tokentap/telemetry/ratelimit_gauges.hpp"

namespace tokentap::telemetry {

ratelimit_gauges::ratelimit_gauges(metrics_registry& registry, std::size_t max_series) : max_series_(max_series) {
    registry.add_observable("tokentap.ratelimit.limit", "{count}",
                            "The provider's rate limit for the caller, by limit kind (requests or tokens per window)",
                            instrument_kind::gauge, [this] { return read(false); });
    registry.add_observable("tokentap.ratelimit.remaining", "{count}",
                            "What the provider last said remains of the caller's rate limit, by limit kind",
                            instrument_kind::gauge, [this] { return read(true); });
    registry.add_observable("tokentap.ratelimit.untracked", "{call}",
                            "Calls whose rate-limit readings were not kept: too many provider, kind and caller sets",
                            instrument_kind::counter, [this] {
                                std::lock_guard lock(mutex_);
                                return std::vector<std::pair<attribute_set, double>>{{{}, static_cast<double>(untracked_)}};
                            });
}

void ratelimit_gauges::record(const genai_call& call) {
    if (call.limits.empty()) return;
    std::lock_guard lock(mutex_);
    bool dropped = false;
    for (std::size_t i = 0; i < ratelimit::limit_kind_count; ++i) {
        const auto& r = call.limits.kinds[i];
        if (!r.limit && !r.remaining) continue;
        key k{call.provider, std::string(ratelimit::kind_name(static_cast<ratelimit::limit_kind>(i))), call.caller};
        auto it = series_.find(k);
        if (it == series_.end()) {
            if (series_.size() >= max_series_) {
                dropped = true;
                continue;
            }
            it = series_.emplace(std::move(k), reading{}).first;
        }
        if (r.limit) it->second.limit = static_cast<double>(*r.limit);
        if (r.remaining) it->second.remaining = static_cast<double>(*r.remaining);
    }
    if (dropped) untracked_ += 1;
}

std::vector<std::pair<attribute_set, double>> ratelimit_gauges::read(bool remaining) const {
    std::vector<std::pair<attribute_set, double>> out;
    std::lock_guard lock(mutex_);
    for (const auto& [k, r] : series_) {
        const double v = remaining ? r.remaining : r.limit;
        if (v < 0) continue;
        const auto& [provider, kind, caller] = k;
        out.push_back({{{"gen_ai.provider.name", provider}, {"tokentap.ratelimit.kind", kind}, {"tokentap.caller.hash", caller}}, v});
    }
    return out;
}

}  // namespace tokentap::telemetry
