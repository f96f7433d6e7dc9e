#include "tokentap/dialects/bedrock/bedrock_usage.hpp"

#include <algorithm>

namespace tokentap::dialects::bedrock {

namespace {

std::optional<std::int64_t> first_of(const json& j, std::string_view a, std::string_view b) {
    auto v = count_field(&j, a);
    return v ? v : count_field(&j, b);
}

}  // namespace

std::optional<std::int64_t> count_field(const json* j, std::string_view key) {
    auto v = integer_field(j, key);
    if (v && (*v < 0 || *v > max_token_count)) return std::nullopt;
    return v;
}

token_usage bedrock_counts::to_usage() const {
    token_usage u;
    if (input) u.input = *input + cache_read.value_or(0) + cache_write.value_or(0);
    u.output = output;
    u.cache_read = cache_read;
    u.cache_write = cache_write;
    u.cache_write_1h = cache_write_1h;
    return u;
}

bedrock_counts converse_counts(const json& usage) {
    bedrock_counts c;
    if (!usage.is_object()) return c;
    c.input = count_field(&usage, "inputTokens");
    c.output = count_field(&usage, "outputTokens");
    c.cache_read = first_of(usage, "cacheReadInputTokens", "cacheReadInputTokenCount");
    c.cache_write = first_of(usage, "cacheWriteInputTokens", "cacheWriteInputTokenCount");
    if (const auto* details = field(usage, "cacheDetails"); details && details->is_array()) {
        for (const auto& d : *details) {
            if (string_field(&d, "ttl") != "1h") continue;
            if (auto n = count_field(&d, "inputTokens"))
                c.cache_write_1h = std::min(c.cache_write_1h.value_or(0) + *n, max_token_count);
        }
    }
    return c;
}

bedrock_counts invocation_metrics_counts(const json& metrics) {
    bedrock_counts c;
    if (!metrics.is_object()) return c;
    c.input = count_field(&metrics, "inputTokenCount");
    c.output = count_field(&metrics, "outputTokenCount");
    c.cache_read = count_field(&metrics, "cacheReadInputTokenCount");
    c.cache_write = count_field(&metrics, "cacheWriteInputTokenCount");
    return c;
}

}  // namespace tokentap::dialects::bedrock
