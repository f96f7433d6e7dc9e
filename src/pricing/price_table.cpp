#include "tokentap/pricing/price_table.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tokentap::pricing {

namespace {

using json = nlohmann::json;

std::optional<double> price_of(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (v < 0) return std::nullopt;
    return v;
}

token_prices prices_of(const json& j) {
    return {price_of(j, "input"), price_of(j, "output"), price_of(j, "cache_read"), price_of(j, "cache_write"),
            price_of(j, "cache_write_1h")};
}

std::string key_of(std::string_view provider, std::string_view model) {
    std::string k(provider);
    k += '\n';
    k += model;
    return k;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// "gpt-4o-2024-08-06" -> "gpt-4o", "claude-sonnet-4-5-20250929" -> "claude-sonnet-4-5",
// "anthropic.claude-3-haiku-20240307-v1:0" -> "anthropic.claude-3-haiku"; unchanged when no suffix.
std::string without_snapshot(std::string m) {
    if (const auto colon = m.rfind(':'); colon != std::string::npos) m.erase(colon);
    if (m.size() > 3 && m.compare(m.size() - 3, 2, "-v") == 0 && std::isdigit(static_cast<unsigned char>(m.back())))
        m.erase(m.size() - 3);
    auto digits_at = [&](std::size_t from, std::size_t n) {
        return from + n <= m.size() &&
               std::all_of(m.begin() + from, m.begin() + from + n, [](unsigned char c) { return std::isdigit(c); });
    };
    if (m.size() > 11 && m[m.size() - 11] == '-' && m[m.size() - 6] == '-' && m[m.size() - 3] == '-' &&
        digits_at(m.size() - 10, 4) && digits_at(m.size() - 5, 2) && digits_at(m.size() - 2, 2))
        m.erase(m.size() - 11);  // -YYYY-MM-DD
    else if (m.size() > 9 && m[m.size() - 9] == '-' && digits_at(m.size() - 8, 8))
        m.erase(m.size() - 9);  // -YYYYMMDD
    return m;
}

// Bedrock inference profiles and ARNs name the model after a region or a slash.
std::string without_region(std::string m) {
    if (const auto slash = m.rfind('/'); slash != std::string::npos) m.erase(0, slash + 1);
    for (const char* p : {"us-gov.", "global.", "apac.", "us.", "eu.", "jp.", "au.", "ca."})
        if (m.starts_with(p)) return m.substr(std::string_view(p).size());
    return m;
}

}  // namespace

token_prices model_price::for_input(std::int64_t input_tokens) const {
    token_prices p = base;
    for (const auto& [above, t] : tiers) {
        if (input_tokens <= above) break;
        if (t.input) p.input = t.input;
        if (t.output) p.output = t.output;
        if (t.cache_read) p.cache_read = t.cache_read;
        if (t.cache_write) p.cache_write = t.cache_write;
        if (t.cache_write_1h) p.cache_write_1h = t.cache_write_1h;
    }
    return p;
}

std::optional<price_table> price_table::parse(std::string_view text, std::string* why) {
    auto fail = [&](const char* reason) -> std::optional<price_table> {
        if (why) *why = reason;
        return std::nullopt;
    };
    const auto j = json::parse(text, nullptr, false);
    if (!j.is_object()) return fail("not a JSON object");
    if (j.value("schema", 0) != 1) return fail("schema is not 1");
    const auto providers = j.find("providers");
    if (providers == j.end() || !providers->is_object()) return fail("no providers");
    price_table t;
    t.version_ = j.value("version", std::string("unversioned"));
    for (const auto& [provider, models] : providers->items()) {
        if (!models.is_object()) continue;
        for (const auto& [model, entry] : models.items()) {
            if (!entry.is_object()) continue;
            model_price p{prices_of(entry), {}, entry.value("source", std::string())};
            if (const auto tiers = entry.find("tiers"); tiers != entry.end() && tiers->is_array())
                for (const auto& tier : *tiers)
                    if (tier.is_object() && tier.contains("above_input_tokens") && tier["above_input_tokens"].is_number())
                        p.tiers.emplace_back(tier["above_input_tokens"].get<std::int64_t>(), prices_of(tier));
            std::sort(p.tiers.begin(), p.tiers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            t.models_.emplace(key_of(provider, model), std::move(p));
        }
    }
    return t;
}

void price_table::set(const std::string& provider, const std::string& model, model_price price) {
    models_[key_of(provider, model)] = std::move(price);
    if (!version_.ends_with("+config")) version_ += "+config";
}

price_table price_table::from_settings(const config::pricing_settings& settings) {
    price_table t = builtin();
    if (!settings.file.empty()) {
        std::ifstream in(settings.file, std::ios::binary);
        if (!in) throw std::runtime_error("pricing.file " + settings.file + ": cannot open the file");
        std::ostringstream text;
        text << in.rdbuf();
        std::string why;
        auto parsed = parse(text.str(), &why);
        if (!parsed) throw std::runtime_error("pricing.file " + settings.file + ": " + why);
        t = std::move(*parsed);
    }
    for (const auto& o : settings.overrides)
        t.set(o.provider, o.model, model_price{{o.input, o.output, o.cache_read, o.cache_write, o.cache_write_1h}, {}, "config"});
    return t;
}

std::vector<std::string> price_table::providers() const {
    std::vector<std::string> out;
    for (const auto& [key, price] : models_) out.push_back(key.substr(0, key.find('\n')));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

const model_price* price_table::lookup(std::string_view provider, std::string_view model) const {
    const auto it = models_.find(key_of(provider, model));
    return it == models_.end() ? nullptr : &it->second;
}

const model_price* price_table::find(std::string_view provider, std::string_view model) const {
    if (model.empty()) return nullptr;
    if (const auto* exact = lookup(provider, model)) return exact;  // the common case, no allocations
    std::vector<std::string> names{std::string(model), lower(model)};
    auto add = [&](std::string n) {
        if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
    };
    const auto base = lower(model);
    add(without_region(base));
    if (const auto slash = base.find('/'); slash != std::string::npos) add(base.substr(slash + 1));
    for (std::size_t i = 0, n = names.size(); i < n; ++i) add(without_snapshot(names[i]));
    std::vector<std::string_view> providers{provider};
    if (provider == "azure.ai.openai") providers.push_back("openai");
    if (provider == "gcp.vertex_ai") providers.push_back("gcp.gemini");
    for (auto p : providers)
        for (const auto& n : names)
            if (const auto* found = lookup(p, n)) return found;
    return nullptr;
}

}  // namespace tokentap::pricing

namespace tokentap::pricing {

namespace detail {
extern const char builtin_prices_json[];  // generated from pricing/prices.json (CMakeLists.txt)
}

const price_table& price_table::builtin() {
    static const price_table table = [] {
        std::string why;
        auto t = parse(detail::builtin_prices_json, &why);
        return t ? std::move(*t) : price_table{};  // the table is checked by tests/pricing; never empty in practice
    }();
    return table;
}

}  // namespace tokentap::pricing
