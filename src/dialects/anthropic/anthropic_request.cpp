#include "tokentap/dialects/anthropic/anthropic_request.hpp"

#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::anthropic {

namespace {

// Structured outputs: `output_config.format` (or the earlier beta `output_format`) of type
// json_schema asks for JSON.
std::optional<std::string> output_type_of(const json& b) {
    auto type = string_field(field(field(b, "output_config"), "format"), "type");
    if (!type) type = string_field(field(b, "output_format"), "type");
    if (type == "json_schema") return "json";
    return std::nullopt;
}

}  // namespace

request_facts read_anthropic_request(anthropic_api api, std::string_view body) {
    request_facts f;
    if (api == anthropic_api::none) return f;
    f.operation = api == anthropic_api::messages ? "chat" : "text_completion";

    const auto b = parse_members(body, {"model", "stream", "max_tokens", "max_tokens_to_sample", "temperature", "top_p",
                                        "top_k", "stop_sequences", "output_config", "output_format", "service_tier"});
    if (!b.is_object()) {
        f.body_unreadable = !body.empty();
        return f;
    }
    f.model = string_field(&b, "model");
    f.stream = bool_field(&b, "stream").value_or(false);
    f.max_tokens = integer_field(&b, api == anthropic_api::messages ? "max_tokens" : "max_tokens_to_sample");
    f.temperature = number_field(&b, "temperature");
    f.top_p = number_field(&b, "top_p");
    f.top_k = integer_field(&b, "top_k");
    f.stop_sequences = string_list_field(&b, "stop_sequences");
    f.reasoning_level = string_field(field(b, "output_config"), "effort");
    f.output_type = output_type_of(b);
    // "auto" is the default (use Priority Tier capacity when available); like OpenAI's, only an
    // explicit choice of tier ("standard_only") is worth an attribute.
    if (auto tier = string_field(&b, "service_tier"); tier && *tier != "auto") f.service_tier = tier;
    return f;
}

}  // namespace tokentap::dialects::anthropic
