#include "tokentap/dialects/anthropic/anthropic_usage.hpp"

namespace tokentap::dialects::anthropic {

namespace {

// Counts outside [0, 10^15] are not token counts; dropping them also keeps the sums below far
// from overflow whatever the provider sends.
constexpr std::int64_t max_count = 1'000'000'000'000'000;

std::optional<std::int64_t> count_field(const json* j, std::string_view key) {
    auto v = integer_field(j, key);
    if (v && (*v < 0 || *v > max_count)) return std::nullopt;
    return v;
}

void take(std::optional<std::int64_t>& to, std::optional<std::int64_t> v) {
    if (v) to = v;
}

std::vector<std::pair<std::string, std::int64_t>> tools_used(const json& counters) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& [name, value] : counters.items()) {
        if (auto n = count_field(&counters, name); n && *n > 0) out.emplace_back(name, *n);
    }
    return out;
}

}  // namespace

void anthropic_usage::merge(const json& u) {
    if (!u.is_object()) return;
    take(input_tokens, count_field(&u, "input_tokens"));
    take(output_tokens, count_field(&u, "output_tokens"));
    take(cache_read_input_tokens, count_field(&u, "cache_read_input_tokens"));
    take(cache_creation_input_tokens, count_field(&u, "cache_creation_input_tokens"));
    take(ephemeral_1h_input_tokens, count_field(field(u, "cache_creation"), "ephemeral_1h_input_tokens"));
    take(thinking_tokens, count_field(field(u, "output_tokens_details"), "thinking_tokens"));
    if (const auto* tools = field(u, "server_tool_use"); tools && tools->is_object())
        server_tool_use = tools_used(*tools);
    if (auto tier = string_field(&u, "service_tier")) service_tier = std::move(tier);
}

void anthropic_usage::apply_to(response_facts& f) const {
    token_usage t;
    if (input_tokens)
        t.input = *input_tokens + cache_read_input_tokens.value_or(0) + cache_creation_input_tokens.value_or(0);
    t.output = output_tokens;
    t.cache_read = cache_read_input_tokens;
    t.cache_write = cache_creation_input_tokens;
    t.cache_write_1h = ephemeral_1h_input_tokens;
    t.reasoning = thinking_tokens;
    f.usage = t;
    if (server_tool_use) f.server_tool_uses = *server_tool_use;
    if (service_tier) f.service_tier = service_tier;
}

}  // namespace tokentap::dialects::anthropic
