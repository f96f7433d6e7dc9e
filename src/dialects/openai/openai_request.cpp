#include "tokentap/dialects/openai/openai_request.hpp"

#include "tokentap/dialects/json_text.hpp"

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
std::optional<std::string> output_type_of(json_text format) {
    const auto type = format.is_string() ? format.any_string() : format["type"].string();
    if (!type) return std::nullopt;
    if (*type == "json_object" || *type == "json_schema") return "json";
    if (*type == "text") return "text";
    return type;
}

void read_sampling(const json_object& b, request_facts& f) {
    f.temperature = b["temperature"].number();
    f.top_p = b["top_p"].number();
    f.frequency_penalty = b["frequency_penalty"].number();
    f.presence_penalty = b["presence_penalty"].number();
    f.seed = b["seed"].integer();
    if (auto n = b["n"].integer(); n && *n != 1) f.choice_count = n;
    f.stop_sequences = b["stop"].string_list();
    if (auto tier = b["service_tier"].string(); tier && *tier != "auto") f.service_tier = tier;
}

void read_chat(const json_object& b, request_facts& f) {
    read_sampling(b, f);
    f.max_tokens = b["max_completion_tokens"].integer();
    if (!f.max_tokens) f.max_tokens = b["max_tokens"].integer();
    f.output_type = output_type_of(b["response_format"]);
    f.reasoning_level = b["reasoning_effort"].string();
    b["modalities"].for_each_element([&](json_text m) {
        if (m.any_string() == "audio") f.output_type = "speech";
    });
}

void read_responses(const json_object& b, request_facts& f) {
    f.temperature = b["temperature"].number();
    f.top_p = b["top_p"].number();
    f.max_tokens = b["max_output_tokens"].integer();
    f.reasoning_level = b["reasoning"]["effort"].string();
    f.output_type = output_type_of(b["text"]["format"]);
    if (auto tier = b["service_tier"].string(); tier && *tier != "auto") f.service_tier = tier;
    f.previous_response_id = b["previous_response_id"].string();
    const auto conv = b["conversation"];
    f.conversation_id = conv.is_string() ? conv.string() : conv["id"].string();
}

void read_embeddings(const json_object& b, request_facts& f) {
    if (auto fmt = b["encoding_format"].string()) f.encoding_formats = std::vector<std::string>{*fmt};
    f.dimensions = b["dimensions"].integer();
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
        const auto b = read_object(body, {"model", "stream", "temperature", "top_p", "frequency_penalty",
                                          "presence_penalty", "seed", "n", "stop", "service_tier",
                                          "max_completion_tokens", "max_tokens", "response_format", "reasoning_effort",
                                          "modalities", "max_output_tokens", "reasoning", "text",
                                          "previous_response_id", "conversation", "encoding_format", "dimensions"});
        if (!b.readable()) {
            f.body_unreadable = !body.empty();
        } else {
            f.model = b["model"].string();
            f.stream = b["stream"].boolean().value_or(false);
            switch (api) {
                case openai_api::chat_completions: read_chat(b, f); break;
                case openai_api::completions:
                    read_sampling(b, f);
                    f.max_tokens = b["max_tokens"].integer();
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
