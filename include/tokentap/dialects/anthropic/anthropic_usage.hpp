#pragma once
// Anthropic's `usage` object as the provider reports it, and its translation into the
// conventions' token counts (SEMCONV.md part 1, item 5). Anthropic reports input_tokens WITHOUT
// the cached tokens, so input = input_tokens + cache_read_input_tokens +
// cache_creation_input_tokens. output_tokens already includes thinking; the breakdown
// output_tokens_details.thinking_tokens becomes the reasoning count.
//
// A stream reports usage twice (message_start, then message_delta, whose values replace the
// earlier ones member by member), so the raw counters are kept and merged, and the conventions'
// counts are recomputed from the latest of each. Pure; the JSON is untrusted.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/json_fields.hpp"

namespace tokentap::dialects::anthropic {

struct anthropic_usage {
    std::optional<std::int64_t> input_tokens, output_tokens;
    std::optional<std::int64_t> cache_read_input_tokens, cache_creation_input_tokens;
    std::optional<std::int64_t> ephemeral_1h_input_tokens;  // cache_creation.ephemeral_1h_input_tokens
    std::optional<std::int64_t> thinking_tokens;            // output_tokens_details.thinking_tokens
    // usage.server_tool_use: the counters above zero, by name (web_search_requests, ...).
    std::optional<std::vector<std::pair<std::string, std::int64_t>>> server_tool_use;
    std::optional<std::string> service_tier;

    // Takes the members `usage` reports; the others keep their earlier values. Not an object: no-op.
    void merge(const json& usage);

    // f.usage, f.server_tool_uses and f.service_tier from the counters merged so far; only what
    // was reported is set.
    void apply_to(response_facts& f) const;
};

}  // namespace tokentap::dialects::anthropic
