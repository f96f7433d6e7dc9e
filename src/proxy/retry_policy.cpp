#include "tokentap/proxy/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace tokentap::proxy {

bool retryable_status(unsigned status) {
    switch (status) {
        case 429: case 500: case 502: case 503: case 504: case 529: return true;
        default: return false;
    }
}

std::optional<std::chrono::milliseconds> retry_delay(const retry_options& o, int retry,
                                                     std::optional<std::chrono::milliseconds> retry_after,
                                                     std::chrono::milliseconds elapsed, double random01) {
    using ms = std::chrono::milliseconds;
    if (retry < 1 || retry >= o.max_attempts) return std::nullopt;
    // initial * 2^(retry-1), capped without overflowing.
    const double ceiling = std::min(static_cast<double>(o.max_backoff.count()),
                                    static_cast<double>(o.initial_backoff.count()) * std::ldexp(1.0, std::min(retry - 1, 40)));
    auto wait = ms(static_cast<ms::rep>(std::clamp(random01, 0.0, 1.0) * ceiling));
    if (retry_after && *retry_after > wait) wait = *retry_after;
    if (elapsed + wait > o.budget) return std::nullopt;
    return wait;
}

}  // namespace tokentap::proxy
