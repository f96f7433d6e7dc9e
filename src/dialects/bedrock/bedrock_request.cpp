#include "tokentap/dialects/bedrock/bedrock_request.hpp"

#include "tokentap/dialects/anthropic/anthropic_request.hpp"
#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"
#include "tokentap/dialects/openai/openai_request.hpp"

namespace tokentap::dialects::bedrock {

namespace {

template <class T> void take(std::optional<T>& to, std::optional<T> v) {
    if (!to && v) to = std::move(v);
}

// ---- Converse ----

std::optional<std::string> converse_reasoning_level(const json* extra) {
    if (auto v = string_field(extra, "reasoning_effort")) return v;
    if (auto v = string_field(extra, "reasoning_config")) return v;
    return string_field(field(extra, "reasoningConfig"), "maxReasoningEffort");
}

void read_converse(std::string_view body, request_facts& f) {
    const auto b =
        parse_members(body, {"inferenceConfig", "additionalModelRequestFields", "outputConfig", "serviceTier"});
    if (!b.is_object()) {
        f.body_unreadable = !body.empty();
        return;
    }
    const auto* config = field(b, "inferenceConfig");
    f.max_tokens = integer_field(config, "maxTokens");
    f.temperature = number_field(config, "temperature");
    f.top_p = number_field(config, "topP");
    f.stop_sequences = string_list_field(config, "stopSequences");
    const auto* extra = field(b, "additionalModelRequestFields");
    f.top_k = integer_field(extra, "top_k");
    take(f.top_k, integer_field(extra, "topK"));
    take(f.top_k, integer_field(field(extra, "inferenceConfig"), "topK"));
    f.reasoning_level = converse_reasoning_level(extra);
    if (string_field(field(field(b, "outputConfig"), "textFormat"), "type") == "json_schema") f.output_type = "json";
    if (auto tier = string_field(field(b, "serviceTier"), "type"); tier && *tier != "default") f.service_tier = tier;
}

// ---- InvokeModel ----

// Which of the members that tell a body's shape it has.
struct body_shape {
    bool messages = false, system_array = false, message = false, prompt = false, input_text = false;
    bool texts = false, task_type = false, embedding_options = false, text_generation_config = false;
};

body_shape shape_of(std::string_view body) {
    body_shape s;
    const json_cursor c(body);
    c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t) {
        if (key == "messages") s.messages = true;
        else if (key == "system") s.system_array = body[b] == '[';
        else if (key == "message") s.message = true;
        else if (key == "prompt") s.prompt = true;
        else if (key == "inputText") s.input_text = true;
        else if (key == "texts" || key == "images") s.texts = true;
        else if (key == "taskType") s.task_type = true;
        else if (key == "textGenerationConfig") s.text_generation_config = true;
        else if (key == "normalize" || key == "dimensions" || key == "embeddingTypes" || key == "embeddingConfig")
            s.embedding_options = true;
    });
    return s;
}

bool is_embedding_family(bedrock_family family) {
    return family == bedrock_family::amazon_titan_embed || family == bedrock_family::cohere_embed;
}

const char* invoke_operation(bedrock_family family, const body_shape& s) {
    if (is_embedding_family(family) || s.texts || s.task_type ||
        (s.input_text && s.embedding_options && !s.text_generation_config))
        return "embeddings";
    if (s.messages || s.system_array || s.message) return "chat";
    if (s.prompt || s.input_text) return "text_completion";
    switch (family) {
        case bedrock_family::amazon_titan_text:
        case bedrock_family::meta_llama:
        case bedrock_family::cohere:
        case bedrock_family::deepseek: return "text_completion";
        default: return "chat";
    }
}

// The sampling parameters, by every name a Bedrock model family gives them, from one object (the
// body, or its inferenceConfig / textGenerationConfig). The first name present wins.
void read_sampling(const json* o, request_facts& f) {
    for (const auto* key : {"max_tokens", "max_gen_len", "maxTokens", "max_new_tokens", "maxTokenCount"})
        take(f.max_tokens, integer_field(o, key));
    take(f.temperature, number_field(o, "temperature"));
    for (const auto* key : {"top_p", "topP", "p"}) take(f.top_p, number_field(o, key));
    for (const auto* key : {"top_k", "topK", "k"}) take(f.top_k, integer_field(o, key));
    for (const auto* key : {"stop_sequences", "stopSequences", "stop"})
        take(f.stop_sequences, string_list_field(o, key));
    take(f.seed, integer_field(o, "seed"));
    for (const auto* key : {"n", "num_generations", "numResults"}) {
        if (auto n = integer_field(o, key); n && !f.choice_count) {
            if (*n != 1) f.choice_count = n;
            break;
        }
    }
}

void read_embedding_options(const json& b, request_facts& f) {
    f.dimensions = integer_field(&b, "dimensions");
    take(f.dimensions, integer_field(&b, "output_dimension"));
    take(f.dimensions, integer_field(field(b, "singleEmbeddingParams"), "embeddingDimension"));
    f.encoding_formats = string_list_field(&b, "embeddingTypes");
    take(f.encoding_formats, string_list_field(&b, "embedding_types"));
}

void read_invoke(bedrock_family family, std::string_view body, request_facts& f) {
    const auto shape = shape_of(body);
    const std::string operation = invoke_operation(family, shape);
    const bool completion = shape.prompt && !shape.messages;
    if (family == bedrock_family::anthropic) {
        f = anthropic::read_anthropic_request(
            completion ? anthropic::anthropic_api::complete : anthropic::anthropic_api::messages, body);
        f.operation = operation;
        return;
    }
    if (family == bedrock_family::openai && operation != "embeddings") {
        f = openai::read_openai_request(
            completion ? openai::openai_api::completions : openai::openai_api::chat_completions, "", body);
        f.operation = operation;
        return;
    }
    f.operation = operation;
    const auto b = parse_members(body, {"max_tokens", "max_gen_len", "maxTokens", "max_new_tokens", "temperature",
                                        "top_p", "topP", "p", "top_k", "topK", "k", "stop_sequences", "stopSequences",
                                        "stop", "seed", "n", "num_generations", "numResults", "inferenceConfig",
                                        "textGenerationConfig", "dimensions", "output_dimension",
                                        "singleEmbeddingParams", "embeddingTypes", "embedding_types"});
    if (!b.is_object()) {
        f.body_unreadable = !body.empty();
        return;
    }
    if (f.operation == "embeddings") {
        read_embedding_options(b, f);
        return;
    }
    read_sampling(field(b, "inferenceConfig"), f);       // Nova
    read_sampling(field(b, "textGenerationConfig"), f);  // Titan text
    read_sampling(&b, f);
}

}  // namespace

request_facts read_bedrock_request(const bedrock_call& call, std::string_view body) {
    request_facts f;
    switch (call.api) {
        case bedrock_api::none: return f;
        case bedrock_api::converse:
        case bedrock_api::converse_stream:
            f.operation = "chat";
            read_converse(body, f);
            break;
        case bedrock_api::invoke:
        case bedrock_api::invoke_stream: read_invoke(family_of(call.model_id), body, f); break;
    }
    f.api_type.clear();  // openai.api.type belongs to OpenAI's own endpoints
    f.model = call.model_id.empty() ? std::nullopt : std::optional<std::string>(call.model_id);
    f.stream = call.api == bedrock_api::converse_stream || call.api == bedrock_api::invoke_stream;
    return f;
}

}  // namespace tokentap::dialects::bedrock
