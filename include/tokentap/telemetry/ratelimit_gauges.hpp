#pragma once
// The gauges tokentap.ratelimit.limit and tokentap.ratelimit.remaining: the last limit and remaining
// count a provider reported, by provider, limit kind (requests, tokens, input_tokens, output_tokens)
// and caller (the hash of the API key, never the key), so a dashboard shows how close each key is to
// its limit. At most `max_series` (provider, kind, caller) sets; later ones are not recorded and
// counted in tokentap.ratelimit.untracked. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "tokentap/telemetry/genai_call.hpp"
#include "tokentap/telemetry/metrics/metrics_registry.hpp"

namespace tokentap::telemetry {

class ratelimit_gauges {
public:
    explicit ratelimit_gauges(metrics_registry& registry, std::size_t max_series = 2000);

    void record(const genai_call& call);

private:
    struct reading {
        double limit = -1, remaining = -1;  // -1: never reported
    };
    using key = std::tuple<std::string, std::string, std::string>;  // provider, kind, caller
    std::vector<std::pair<attribute_set, double>> read(bool remaining) const;

    std::size_t max_series_;
    mutable std::mutex mutex_;
    std::map<key, reading> series_;  // guarded by mutex_
    std::uint64_t untracked_ = 0;    // guarded by mutex_
};

}  // namespace tokentap::telemetry
