#include "tokentap/dialects/gemini/gemini_request.hpp"

#include <string>
#include <utility>

#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::gemini {

namespace {

// A proto field looked up in camelCase, then snake_case, in each of up to two objects (a request
// may send both generationConfig and generation_config). Reads go through json_fields.hpp, so a
// value of the wrong type reads as nullopt.
class config_view {
public:
    config_view(const json* a, const json* b) : a_(a), b_(b) {}

    // The object holding the field and the spelling it has there; {nullptr, ""} when absent.
    std::pair<const json*, std::string_view> locate(std::string_view camel, std::string_view snake) const {
        for (const json* o : {a_, b_}) {
            if (field(o, camel)) return {o, camel};
            if (field(o, snake)) return {o, snake};
        }
        return {nullptr, {}};
    }

    const json* find(std::string_view camel, std::string_view snake) const {
        const auto [o, key] = locate(camel, snake);
        return field(o, key);
    }

private:
    const json* a_;
    const json* b_;
};

std::optional<double> number_of(const config_view& c, std::string_view camel, std::string_view snake) {
    const auto [o, key] = c.locate(camel, snake);
    return number_field(o, key);
}

std::optional<std::int64_t> integer_of(const config_view& c, std::string_view camel, std::string_view snake) {
    const auto [o, key] = c.locate(camel, snake);
    return integer_field(o, key);
}

std::optional<std::string> string_of(const config_view& c, std::string_view camel, std::string_view snake) {
    const auto [o, key] = c.locate(camel, snake);
    return string_field(o, key);
}

std::optional<std::string> output_type_of(const config_view& c) {
    if (const auto mime = string_of(c, "responseMimeType", "response_mime_type")) {
        if (*mime == "application/json") return "json";
        if (*mime == "text/plain" || *mime == "text/x.enum") return "text";
        return std::nullopt;
    }
    const auto* modalities = c.find("responseModalities", "response_modalities");
    if (!modalities || !modalities->is_array()) return std::nullopt;
    std::optional<std::string> type;
    for (const auto& m : *modalities) {
        if (m == "IMAGE") type = "image";
        if (m == "AUDIO" && !type) type = "speech";
    }
    return type;
}

std::optional<std::string> reasoning_level_of(const config_view& c) {
    const auto* thinking = c.find("thinkingConfig", "thinking_config");
    if (!thinking || !thinking->is_object()) return std::nullopt;
    const config_view t(thinking, nullptr);
    if (auto level = string_of(t, "thinkingLevel", "thinking_level")) return level;
    if (auto budget = integer_of(t, "thinkingBudget", "thinking_budget")) return std::to_string(*budget);
    return std::nullopt;
}

void read_generation_config(const config_view& c, request_facts& f) {
    f.temperature = number_of(c, "temperature", "temperature");
    f.top_p = number_of(c, "topP", "top_p");
    f.top_k = integer_of(c, "topK", "top_k");
    f.max_tokens = integer_of(c, "maxOutputTokens", "max_output_tokens");
    f.seed = integer_of(c, "seed", "seed");
    f.presence_penalty = number_of(c, "presencePenalty", "presence_penalty");
    f.frequency_penalty = number_of(c, "frequencyPenalty", "frequency_penalty");
    if (auto n = integer_of(c, "candidateCount", "candidate_count"); n && *n != 1) f.choice_count = n;
    const auto [stop_object, stop_key] = c.locate("stopSequences", "stop_sequences");
    f.stop_sequences = string_list_field(stop_object, stop_key);
    f.output_type = output_type_of(c);
    f.reasoning_level = reasoning_level_of(c);
}

// batchEmbedContents: the members of the first element of `requests`, without building the others.
json first_batch_request(std::string_view body) {
    const json_cursor c(body);
    std::size_t requests = json_cursor::npos;
    c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t) {
        if (key == "requests") requests = b;
    });
    if (requests == json_cursor::npos || body[requests] != '[') return json(json::value_t::discarded);
    const auto first = c.skip_ws(requests + 1);
    const auto end = c.skip_value(first);
    if (first >= body.size() || body[first] != '{' || end == json_cursor::npos) return json(json::value_t::discarded);
    return parse_members(c.text(first, end), {"outputDimensionality", "output_dimensionality"});
}

void read_embeddings(gemini_api api, std::string_view body, const json& b, request_facts& f) {
    const json batch = api == gemini_api::batch_embed ? first_batch_request(body) : json(json::value_t::discarded);
    const config_view c(&b, batch.is_object() ? &batch : nullptr);
    f.dimensions = integer_of(c, "outputDimensionality", "output_dimensionality");
}

}  // namespace

request_facts read_gemini_request(const gemini_call& call, std::string_view body) {
    request_facts f;
    switch (call.api) {
        case gemini_api::generate:
        case gemini_api::stream_generate: f.operation = "generate_content"; break;
        case gemini_api::embed:
        case gemini_api::batch_embed: f.operation = "embeddings"; break;
        case gemini_api::none: return f;
    }
    f.model = call.model;
    f.stream = call.api == gemini_api::stream_generate;

    // `contents`, `tools` and the embedding inputs (`requests` too) are skipped unbuilt.
    const auto b = parse_members(body, {"generationConfig", "generation_config", "outputDimensionality",
                                        "output_dimensionality"});
    if (!b.is_object()) {
        f.body_unreadable = !body.empty();
        return f;
    }
    if (f.operation == "embeddings") {
        read_embeddings(call.api, body, b, f);
    } else {
        read_generation_config(config_view(field(b, "generationConfig"), field(b, "generation_config")), f);
    }
    return f;
}

}  // namespace tokentap::dialects::gemini
