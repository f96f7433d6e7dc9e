#include "tokentap/pricing/cost.hpp"

#include <algorithm>

namespace tokentap::pricing {

std::optional<cost_breakdown> compute_cost(const model_price& price, const dialects::token_usage& u) {
    const std::int64_t input = std::max<std::int64_t>(0, u.input.value_or(0));
    const std::int64_t output = std::max<std::int64_t>(0, u.output.value_or(0));
    const std::int64_t cache_read = std::clamp<std::int64_t>(u.cache_read.value_or(0), 0, input);
    const std::int64_t cache_write = std::clamp<std::int64_t>(u.cache_write.value_or(0), 0, input - cache_read);
    const std::int64_t uncached = input - cache_read - cache_write;
    const auto p = price.for_input(input);

    constexpr double per_token = 1e-6;  // prices are per million tokens
    cost_breakdown c;
    if (uncached > 0) {
        if (!p.input) return std::nullopt;
        c.input = static_cast<double>(uncached) * *p.input * per_token;
    }
    if (cache_read > 0) {
        const auto rate = p.cache_read ? p.cache_read : p.input;
        if (!rate) return std::nullopt;
        c.cache_read = static_cast<double>(cache_read) * *rate * per_token;
    }
    if (cache_write > 0) {
        const auto rate = p.cache_write ? p.cache_write : p.input;
        if (!rate) return std::nullopt;
        c.cache_write = static_cast<double>(cache_write) * *rate * per_token;
    }
    if (output > 0) {
        if (!p.output) return std::nullopt;
        c.output = static_cast<double>(output) * *p.output * per_token;
    }
    return c;
}

}  // namespace tokentap::pricing
