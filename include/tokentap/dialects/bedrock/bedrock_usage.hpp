#pragma once
// Bedrock's token counts and their translation into the conventions' (SEMCONV.md part 1, item 5).
// Bedrock reports input tokens WITHOUT the cached ones wherever it reports cache counts: Converse
// and Nova `usage` (inputTokens + cacheReadInputTokens / cacheWriteInputTokens, or the *Count
// spellings), the `amazon-bedrock-invocationMetrics` of a stream's last chunk, and the
// x-amzn-bedrock-*-token-count response headers. So input = input + cache read + cache write.
// Pure; the JSON is untrusted.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/json_fields.hpp"

namespace tokentap::dialects::bedrock {

// Counts outside [0, max_token_count] are not token counts; dropping them keeps sums far from overflow.
constexpr std::int64_t max_token_count = 1'000'000'000'000'000;

// A token count: an integer (or integral float, as Titan's 6.0) in [0, max_token_count], else nullopt.
std::optional<std::int64_t> count_field(const json* j, std::string_view key);

// Counts as Bedrock reports them, input without cache.
struct bedrock_counts {
    std::optional<std::int64_t> input, output, cache_read, cache_write, cache_write_1h;

    // The conventions' counts; only what was reported is set.
    token_usage to_usage() const;
};

// Converse `usage` (and Nova InvokeModel `usage`, and ConverseStream `metadata.usage`):
// inputTokens, outputTokens, cacheRead/WriteInputTokens (or ...TokenCount), and cacheDetails[]
// ({inputTokens, ttl}) whose "1h" entries are the one-hour part of the cache write.
bedrock_counts converse_counts(const json& usage);

// `amazon-bedrock-invocationMetrics`: inputTokenCount, outputTokenCount,
// cacheReadInputTokenCount, cacheWriteInputTokenCount.
bedrock_counts invocation_metrics_counts(const json& metrics);

}  // namespace tokentap::dialects::bedrock
