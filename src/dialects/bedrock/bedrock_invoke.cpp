#include "tokentap/dialects/bedrock/bedrock_invoke.hpp"

#include <algorithm>

#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::bedrock {

namespace {

void set_if(std::optional<std::string>& to, std::optional<std::string> v) {
    if (v) to = std::move(v);
}

// A response id: a non-empty string, or an integer (AI21 Jurassic-2 sends one).
std::optional<std::string> id_of(const json& o, std::string_view key) {
    if (auto s = string_field(&o, key)) return s;
    if (const auto* v = field(o, key); v && v->is_number_integer()) return std::to_string(v->get<std::int64_t>());
    return std::nullopt;
}

// A model name; not an imported model's container path ("/opt/ml/model").
std::optional<std::string> model_of(const json& o) {
    auto m = string_field(&o, "model");
    if (m && m->front() == '/') return std::nullopt;
    return m;
}

// One finish reason per entry of `array` (reason_of(entry), "" where none), when at least one
// entry has one.
template <class F> void take_reasons(const json* array, F&& reason_of, response_facts& f) {
    if (!array || !array->is_array()) return;
    std::vector<std::string> reasons;
    bool any = false;
    for (const auto& entry : *array) {
        auto r = reason_of(entry);
        any = any || r.has_value();
        reasons.push_back(r.value_or(""));
    }
    if (any) f.finish_reasons = std::move(reasons);
}

void take_reason(std::optional<std::string> reason, response_facts& f) {
    if (reason) f.finish_reasons = {std::move(*reason)};
}

std::optional<std::string> choice_reason(const json& choice) {
    auto r = string_field(&choice, "finish_reason");
    return r ? r : string_field(&choice, "stop_reason");
}

}  // namespace

json parse_invoke_members(std::string_view text) {
    return parse_members(text, {"type", "id", "model", "stop_reason", "usage", "message", "delta", "error",
                                "stopReason", "messageStop", "metadata", "inputTextTokenCount", "results",
                                "totalOutputTextTokenCount", "completionReason", "prompt_token_count",
                                "generation_token_count", "generations", "finish_reason", "response_id", "is_finished",
                                "outputs", "completions", "choices", "amazon-bedrock-invocationMetrics"});
}

void invoke_reader::read(const json& o, response_facts& f) {
    if (!o.is_object()) return;
    const auto type = string_field(&o, "type");
    if (type) read_anthropic_event(*type, o, f);

    set_if(f.id, id_of(o, "id"));
    set_if(f.id, string_field(&o, "response_id"));
    set_if(f.model, model_of(o));
    take_reason(string_field(&o, "stopReason"), f);  // Nova
    // A top-level reason in a stream chunk comes with its last chunk: Llama, Titan, Cohere.
    for (const auto* key : {"stop_reason", "completionReason", "finish_reason"}) {
        if (auto reason = string_field(&o, key)) {
            f.finish_reasons = {std::move(*reason)};
            f.stream_ended = true;
        }
    }
    if (count_field(&o, "totalOutputTextTokenCount")) f.stream_ended = true;  // Titan's last chunk
    if (const auto* u = field(o, "usage"); u && u->is_object()) read_usage(*u, f);
    read_counts(o, f);

    take_reasons(field(o, "results"), [](const json& r) { return string_field(&r, "completionReason"); }, f);
    take_reasons(field(o, "generations"), [](const json& g) { return string_field(&g, "finish_reason"); }, f);
    take_reasons(field(o, "outputs"), [](const json& out) { return string_field(&out, "stop_reason"); }, f);
    take_reasons(field(o, "completions"),
                 [](const json& c) { return string_field(field(c, "finishReason"), "reason"); }, f);
    take_reasons(field(o, "choices"), choice_reason, f);

    if (const auto* stop = field(o, "messageStop"); stop && stop->is_object()) {  // Nova stream
        take_reason(string_field(stop, "stopReason"), f);
        f.stream_ended = true;
    }
    if (const auto* meta = field(o, "metadata"); meta && meta->is_object()) {  // Nova stream
        if (const auto* u = field(meta, "usage"); u && u->is_object()) read_usage(*u, f);
        f.stream_ended = true;
    }
    if (bool_field(&o, "is_finished") == true) f.stream_ended = true;  // Cohere stream
    if (const auto* m = field(o, "amazon-bedrock-invocationMetrics"); m && m->is_object()) {
        if (!body_usage_) f.usage = invocation_metrics_counts(*m).to_usage();
        f.stream_ended = true;
    }
}

// Anthropic Messages stream events. The whole-body `message` and legacy `completion` types carry
// their facts at the top level, read with the other families'.
void invoke_reader::read_anthropic_event(std::string_view type, const json& o, response_facts& f) {
    if (type == "message_start") {
        const auto* message = field(o, "message");
        set_if(f.id, string_field(message, "id"));
        set_if(f.model, string_field(message, "model"));
        if (const auto* u = field(message, "usage"); u && u->is_object()) read_usage(*u, f);
    } else if (type == "message_delta") {
        take_reason(string_field(field(o, "delta"), "stop_reason"), f);
    } else if (type == "message_stop") {
        f.stream_ended = true;
    } else if (type == "error") {
        f.error_type = error_type_of(o).value_or("_OTHER");
    }
}

// A `usage` object, by the names it uses: Anthropic's, Bedrock's (Converse, Nova) or OpenAI's.
void invoke_reader::read_usage(const json& u, response_facts& f) {
    if (field(u, "input_tokens") || field(u, "output_tokens") || field(u, "cache_read_input_tokens")) {
        anthropic_.merge(u);  // message_delta's usage replaces message_start's, member by member
        anthropic_.apply_to(f);
    } else if (field(u, "inputTokens") || field(u, "outputTokens")) {
        f.usage = converse_counts(u).to_usage();
    } else if (field(u, "prompt_tokens") || field(u, "completion_tokens")) {
        token_usage t;
        t.input = count_field(&u, "prompt_tokens");  // includes cached tokens
        t.output = count_field(&u, "completion_tokens");
        t.cache_read = count_field(field(u, "prompt_tokens_details"), "cached_tokens");
        t.reasoning = count_field(field(u, "completion_tokens_details"), "reasoning_tokens");
        f.usage = t;
    } else {
        return;
    }
    body_usage_ = true;
}

// Titan and Llama counts, top-level; merged because a stream reports them over several chunks
// (Llama: prompt_token_count in the first, generation_token_count cumulative in each).
void invoke_reader::read_counts(const json& o, response_facts& f) {
    bool any = false;
    const auto take = [&](std::optional<std::int64_t>& to, std::optional<std::int64_t> v) {
        if (v) to = v, any = true;
    };
    take(counts_.input, count_field(&o, "inputTextTokenCount"));
    take(counts_.output, count_field(&o, "totalOutputTextTokenCount"));
    take(counts_.input, count_field(&o, "prompt_token_count"));
    take(counts_.output, count_field(&o, "generation_token_count"));
    if (const auto* results = field(o, "results"); results && results->is_array()) {
        std::optional<std::int64_t> output;
        for (const auto& r : *results) {
            if (auto n = count_field(&r, "tokenCount")) output = std::min(output.value_or(0) + *n, max_token_count);
        }
        take(counts_.output, output);
    }
    if (!any) return;
    f.usage = counts_.to_usage();
    body_usage_ = true;
}

}  // namespace tokentap::dialects::bedrock
