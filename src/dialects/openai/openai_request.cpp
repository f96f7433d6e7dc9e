#include "tokentap/dialects/openai/openai_request.hpp"

#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::openai {

namespace {

const char* operation_of(openai_api api) {
    switch (api) {
        case openai_api::chat_completions:
        case openai_api::responses: return "chat";
        case openai_api::completions: return "text_completion";
        case openai_api::embeddings: return "embeddings";
        case openai_api::responses_fetch: return "fetch_response";
        case openai_api::none: break;
    }
    return "";
}

// gen_ai.output.type from a `response_format` / `text.format` type.
std::optional<std::string> output_type_of(const json* format) {
    const auto type = format && format->is_string() ? std::optional<std::string>(format->get<std::string>())
                                                    : string_field(format, "type");
    if (!type) return std::nullopt;
    if (*type == "json_object" || *type == "json_schema") return "json";
    if (*type == "text") return "text";
    return type;
}

void read_sampling(const json& b, request_facts& f) {
    f.temperature = number_field(&b, "temperature");
    f.top_p = number_field(&b, "top_p");
    f.frequency_penalty = number_field(&b, "frequency_penalty");
    f.presence_penalty = number_field(&b, "presence_penalty");
    f.seed = integer_field(&b, "seed");
    if (auto n = integer_field(&b, "n"); n && *n != 1) f.choice_count = n;
    f.stop_sequences = string_list_field(&b, "stop");
    if (auto tier = string_field(&b, "service_tier"); tier && *tier != "auto") f.service_tier = tier;
}

void read_chat(const json& b, request_facts& f) {
    read_sampling(b, f);
    f.max_tokens = integer_field(&b, "max_completion_tokens");
    if (!f.max_tokens) f.max_tokens = integer_field(&b, "max_tokens");
    f.output_type = output_type_of(field(b, "response_format"));
    f.reasoning_level = string_field(&b, "reasoning_effort");
    if (field(b, "modalities") && b["modalities"].is_array()) {
        for (const auto& m : b["modalities"])
            if (m == "audio") f.output_type = "speech";
    }
}

void read_responses(const json& b, request_facts& f) {
    f.temperature = number_field(&b, "temperature");
    f.top_p = number_field(&b, "top_p");
    f.max_tokens = integer_field(&b, "max_output_tokens");
    f.reasoning_level = string_field(field(b, "reasoning"), "effort");
    f.output_type = output_type_of(field(field(b, "text"), "format"));
    if (auto tier = string_field(&b, "service_tier"); tier && *tier != "auto") f.service_tier = tier;
    f.previous_response_id = string_field(&b, "previous_response_id");
    const auto* conv = field(b, "conversation");
    f.conversation_id = conv && conv->is_string() ? string_field(&b, "conversation") : string_field(conv, "id");
}

void read_embeddings(const json& b, request_facts& f) {
    if (auto fmt = string_field(&b, "encoding_format")) f.encoding_formats = std::vector<std::string>{*fmt};
    f.dimensions = integer_field(&b, "dimensions");
}

}  // namespace

request_facts read_openai_request(openai_api api, std::string_view path, std::string_view body) {
    request_facts f;
    f.operation = operation_of(api);
    if (api == openai_api::chat_completions) f.api_type = "chat_completions";
    if (api == openai_api::responses || api == openai_api::responses_fetch) f.api_type = "responses";
    if (api == openai_api::none) return f;

    if (api != openai_api::responses_fetch) {
        // Only the parameters are parsed: `messages`, `input` and `tools` are skipped unbuilt.
        const auto b = parse_members(body, {"model", "stream", "temperature", "top_p", "frequency_penalty",
                                            "presence_penalty", "seed", "n", "stop", "service_tier",
                                            "max_completion_tokens", "max_tokens", "response_format",
                                            "reasoning_effort", "modalities", "max_output_tokens", "reasoning", "text",
                                            "previous_response_id", "conversation", "encoding_format", "dimensions"});
        if (!b.is_object()) {
            f.body_unreadable = !body.empty();
        } else {
            f.model = string_field(&b, "model");
            f.stream = bool_field(&b, "stream").value_or(false);
            switch (api) {
                case openai_api::chat_completions: read_chat(b, f); break;
                case openai_api::completions:
                    read_sampling(b, f);
                    f.max_tokens = integer_field(&b, "max_tokens");
                    break;
                case openai_api::embeddings: read_embeddings(b, f); break;
                case openai_api::responses: read_responses(b, f); break;
                default: break;
            }
        }
    }
    if (!f.model) f.model = azure_deployment(path);
    return f;
}

}  // namespace tokentap::dialects::openai
