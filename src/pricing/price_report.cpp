#include "tokentap/pricing/price_report.hpp"

#include <fmt/format.h>

namespace tokentap::pricing {

namespace {

std::string describe(const token_prices& p) {
    std::string out;
    const std::pair<const char*, const std::optional<double>&> fields[] = {
        {"input", p.input}, {"output", p.output}, {"cache_read", p.cache_read},
        {"cache_write", p.cache_write}, {"cache_write_1h", p.cache_write_1h}};
    for (const auto& [name, v] : fields)
        if (v) out += fmt::format("  {:<15} ${:.4f} per 1M tokens\n", name, *v);
    return out;
}

}  // namespace

std::string describe_prices(const price_table& table, std::string_view model, std::string_view provider) {
    std::string out;
    for (const auto& p : table.providers()) {
        if (!provider.empty() && p != provider) continue;
        const auto* price = table.find(p, model);
        if (!price) continue;
        out += fmt::format("{} {} (price table {}, from {})\n", p, model, table.version(),
                           price->source.empty() ? "the table" : price->source);
        out += describe(price->base);
        for (const auto& [above, tier] : price->tiers)
            out += fmt::format("  above {} input tokens, the whole request:\n{}", above, describe(tier));
    }
    if (out.empty() && !provider.empty()) {  // Azure and Vertex fall back to OpenAI and Gemini
        if (const auto* price = table.find(provider, model)) {
            out += fmt::format("{} {} (price table {}, from {})\n", provider, model, table.version(), price->source);
            out += describe(price->base);
        }
    }
    return out;
}

}  // namespace tokentap::pricing
