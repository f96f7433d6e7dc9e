#include "tokentap/pricing/cost.hpp"

#include <algorithm>
#include <cmath>

namespace tokentap::pricing {

namespace {

// Exact arithmetic: a price is taken as a whole number of micro-dollars per million tokens (the
// table's figures have at most six decimals; anything finer is rounded to the nearest), so
// tokens x price is an exact integer count of pico-dollars (1e-12 USD) per token kind. Only the
// final figure becomes a double. Products stay below 2^63 for up to ~9e9 tokens at $1,000 per
// million tokens.
using pico_usd = std::int64_t;

std::optional<pico_usd> charge(std::int64_t tokens, std::optional<double> usd_per_million) {
    if (tokens <= 0) return 0;
    if (!usd_per_million) return std::nullopt;
    const auto micro_per_million = static_cast<std::int64_t>(std::llround(*usd_per_million * 1e6));
    return tokens * micro_per_million;
}

double to_usd(pico_usd p) { return static_cast<double>(p) / 1e12; }

}  // namespace

std::optional<cost_breakdown> compute_cost(const model_price& price, const dialects::token_usage& u) {
    const std::int64_t input = std::max<std::int64_t>(0, u.input.value_or(0));
    const std::int64_t output = std::max<std::int64_t>(0, u.output.value_or(0));
    const std::int64_t cache_read = std::clamp<std::int64_t>(u.cache_read.value_or(0), 0, input);
    const std::int64_t cache_write = std::clamp<std::int64_t>(u.cache_write.value_or(0), 0, input - cache_read);
    const std::int64_t tool_input = std::max<std::int64_t>(0, u.tool_input.value_or(0));
    const auto p = price.for_input(input + tool_input);

    const auto in = charge(input - cache_read - cache_write + tool_input, p.input);
    const auto read = charge(cache_read, p.cache_read ? p.cache_read : p.input);
    // Writes kept for one hour have their own price (Anthropic: 2x input instead of 1.25x); the
    // rest are five-minute writes. Without a one-hour price, every write is billed as 5-minute.
    const auto write_5m_price = p.cache_write ? p.cache_write : p.input;
    const std::int64_t write_1h = p.cache_write_1h ? std::clamp<std::int64_t>(u.cache_write_1h.value_or(0), 0, cache_write) : 0;
    const auto write_1h_cost = charge(write_1h, p.cache_write_1h);
    const auto write_5m_cost = charge(cache_write - write_1h, write_5m_price);
    const auto write = write_1h_cost && write_5m_cost ? std::optional<pico_usd>(*write_1h_cost + *write_5m_cost) : std::nullopt;
    const auto out = charge(output, p.output);
    if (!in || !read || !write || !out) return std::nullopt;
    return cost_breakdown{to_usd(*in), to_usd(*read), to_usd(*write), to_usd(*out), to_usd(*in + *read + *write + *out)};
}

}  // namespace tokentap::pricing
