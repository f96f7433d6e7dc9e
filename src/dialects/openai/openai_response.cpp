#include "tokentap/dialects/openai/openai_response.hpp"

#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::openai {

namespace {

// Chat Completions / Completions / Embeddings usage: prompt_tokens already include cached tokens
// and completion_tokens include reasoning tokens, as the conventions want.
// Embeddings have no output tokens at all.
token_usage chat_usage(const json* u, openai_api api) {
    token_usage t;
    t.input = integer_field(u, "prompt_tokens");
    t.output = integer_field(u, "completion_tokens");
    // Legacy Completions omit completion_tokens when it is 0.
    if (!t.output && t.input && api == openai_api::completions) {
        if (auto total = integer_field(u, "total_tokens"); total && *total >= *t.input) t.output = *total - *t.input;
    }
    t.cache_read = integer_field(field(u, "prompt_tokens_details"), "cached_tokens");
    if (!t.cache_read) t.cache_read = integer_field(u, "prompt_cache_hit_tokens");  // DeepSeek
    t.reasoning = integer_field(field(u, "completion_tokens_details"), "reasoning_tokens");
    t.provider_cost = number_field(u, "cost");  // OpenRouter
    return t;
}

// Responses API usage: input_tokens (with cached) and output_tokens (with reasoning).
token_usage responses_usage(const json* u) {
    token_usage t;
    t.input = integer_field(u, "input_tokens");
    t.output = integer_field(u, "output_tokens");
    t.cache_read = integer_field(field(u, "input_tokens_details"), "cached_tokens");
    t.reasoning = integer_field(field(u, "output_tokens_details"), "reasoning_tokens");
    t.provider_cost = number_field(u, "cost");
    return t;
}

void set_if(std::optional<std::string>& to, std::optional<std::string> v) {
    if (v) to = std::move(v);
}

// Streams: the first non-empty value wins. Azure's first chunk has an empty id and model, and
// some servers (Groq compound) give each chunk an id of its own; the call's id is the first.
void set_first(std::optional<std::string>& to, std::optional<std::string> v) {
    if (!to && v) to = std::move(v);
}

// One choice's finish reason, put at its index; `finish_details.type` is the legacy vision form.
void note_finish(const json& choice, std::size_t position, std::vector<std::string>& reasons) {
    auto reason = string_field(&choice, "finish_reason");
    if (!reason) reason = string_field(field(choice, "finish_details"), "type");
    if (!reason) return;
    const auto index = integer_field(&choice, "index").value_or(static_cast<std::int64_t>(position));
    if (index < 0 || index > 1024) return;
    if (reasons.size() <= static_cast<std::size_t>(index)) reasons.resize(index + 1);
    reasons[index] = *reason;
}

void read_choices(const json* choices, response_facts& f) {
    if (!choices || !choices->is_array()) return;
    std::size_t i = 0;
    for (const auto& c : *choices) note_finish(c, i++, f.finish_reasons);
}

// The Responses API's finish: its status, or the reason it is incomplete.
void read_response_object(const json& r, response_facts& f) {
    set_if(f.id, string_field(&r, "id"));
    set_if(f.model, string_field(&r, "model"));
    set_if(f.service_tier, string_field(&r, "service_tier"));
    set_if(f.status, string_field(&r, "status"));
    if (const auto* u = field(r, "usage"); u && u->is_object()) f.usage = responses_usage(u);
    if (f.status && *f.status != "queued" && *f.status != "in_progress") {
        auto reason = string_field(field(r, "incomplete_details"), "reason");
        f.finish_reasons = {reason ? *reason : *f.status};
    }
    if (const auto* e = field(r, "error"); e && e->is_object()) set_if(f.error_type, string_field(e, "code"));
}

}  // namespace

void read_openai_response(openai_api api, std::string_view text, response_facts& f) {
    // Only these members are parsed; `output`, `data` and the like can be megabytes, and of each
    // choice only its finish (not its message).
    const auto body = parse_members(text,
                                    {"id", "model", "system_fingerprint", "service_tier", "usage", "x_groq", "error",
                                     "status", "incomplete_details"},
                                    {"choices", {"index", "finish_reason", "finish_details"}});
    if (!body.is_object()) {
        f.body_unreadable = true;
        return;
    }
    if (field(body, "error") && !field(body, "choices")) {
        f.error_type = error_type_of(body);
        if (!f.error_type && field(body, "error")->is_object()) f.error_type = "_OTHER";
    }
    if (api == openai_api::responses || api == openai_api::responses_fetch) {
        read_response_object(body, f);
        return;
    }
    set_if(f.id, string_field(&body, "id"));
    set_if(f.model, string_field(&body, "model"));
    set_if(f.system_fingerprint, string_field(&body, "system_fingerprint"));
    set_if(f.service_tier, string_field(&body, "service_tier"));
    read_choices(field(body, "choices"), f);
    if (const auto* u = field(body, "usage"); u && u->is_object()) f.usage = chat_usage(u, api);
    if (const auto* g = field(field(body, "x_groq"), "usage"); g && g->is_object()) f.usage = chat_usage(g, api);
    if (api == openai_api::embeddings) f.embedding_dimensions = first_embedding_size(text);
}

bool openai_stream_reader::on_event(std::string_view event_name, std::string_view data) {
    if (data == "[DONE]") {
        facts_.stream_ended = true;
        return false;
    }
    const auto j = json::parse(data, nullptr, false);
    if (!j.is_object()) {
        ++unreadable_;
        facts_.body_unreadable = true;
        return false;
    }
    if (event_name == "error") {  // Groq ends a failed 200 stream this way
        facts_.error_type = error_type_of(j).value_or("_OTHER");
        return false;
    }
    if (api_ == openai_api::responses || api_ == openai_api::responses_fetch) {
        const auto type = string_field(&j, "type");
        on_responses_event(type ? *type : event_name, j);
        return false;
    }
    return on_chunk(j);
}

bool openai_stream_reader::on_chunk(const json& chunk) {
    if (field(chunk, "error")) facts_.error_type = error_type_of(chunk).value_or("_OTHER");
    set_first(facts_.id, string_field(&chunk, "id"));
    set_first(facts_.model, string_field(&chunk, "model"));
    set_if(facts_.system_fingerprint, string_field(&chunk, "system_fingerprint"));
    set_if(facts_.service_tier, string_field(&chunk, "service_tier"));
    const auto* choices = field(chunk, "choices");
    read_choices(choices, facts_);
    const auto* usage = field(chunk, "usage");
    if (usage && usage->is_object()) facts_.usage = chat_usage(usage, api_);
    if (const auto* g = field(field(chunk, "x_groq"), "usage"); g && g->is_object()) facts_.usage = chat_usage(g, api_);
    return choices && choices->is_array() && choices->empty() && usage && usage->is_object();
}

void openai_stream_reader::on_responses_event(std::string_view type, const json& event) {
    if (type == "error") {
        auto code = string_field(&event, "code");
        facts_.error_type = code ? code : error_type_of(event).value_or("_OTHER");
        return;
    }
    const auto* r = field(event, "response");
    if (!r || !r->is_object()) return;
    read_response_object(*r, facts_);
    if (type == "response.completed" || type == "response.incomplete" || type == "response.failed")
        facts_.stream_ended = true;
}

}  // namespace tokentap::dialects::openai
