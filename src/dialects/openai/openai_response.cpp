#include "tokentap/dialects/openai/openai_response.hpp"

#include "tokentap/dialects/json_scan.hpp"
#include "tokentap/dialects/json_text.hpp"

namespace tokentap::dialects::openai {

namespace {

// Chat Completions / Completions / Embeddings usage: prompt_tokens already include cached tokens
// and completion_tokens include reasoning tokens, as the conventions want.
// Embeddings have no output tokens at all.
token_usage chat_usage(json_text usage, openai_api api) {
    const auto u = usage.members({"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details",
                                  "prompt_cache_hit_tokens", "completion_tokens_details", "cost"});
    token_usage t;
    t.input = u["prompt_tokens"].integer();
    t.output = u["completion_tokens"].integer();
    // Legacy Completions omit completion_tokens when it is 0.
    if (!t.output && t.input && api == openai_api::completions) {
        if (auto total = u["total_tokens"].integer(); total && *total >= *t.input) t.output = *total - *t.input;
    }
    t.cache_read = u["prompt_tokens_details"]["cached_tokens"].integer();
    if (!t.cache_read) t.cache_read = u["prompt_cache_hit_tokens"].integer();  // DeepSeek
    t.reasoning = u["completion_tokens_details"]["reasoning_tokens"].integer();
    t.provider_cost = u["cost"].number();  // OpenRouter
    return t;
}

// Responses API usage: input_tokens (with cached) and output_tokens (with reasoning).
token_usage responses_usage(json_text usage) {
    const auto u = usage.members(
        {"input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details", "cost"});
    token_usage t;
    t.input = u["input_tokens"].integer();
    t.output = u["output_tokens"].integer();
    t.cache_read = u["input_tokens_details"]["cached_tokens"].integer();
    t.reasoning = u["output_tokens_details"]["reasoning_tokens"].integer();
    t.provider_cost = u["cost"].number();
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

// The provider's error type from an `error` member's text, by json_fields' error_type_of rules.
// Error bodies are rare: the member is parsed.
std::optional<std::string> error_type_in(json_text error) {
    if (!error.present() || error.is_null()) return std::nullopt;
    json body = json::object();
    body["error"] = json::parse(error.raw(), nullptr, false);
    return error_type_of(body);
}

// One choice's finish reason, put at its index; `finish_details.type` is the legacy vision form.
void note_finish(json_text choice, std::size_t position, std::vector<std::string>& reasons) {
    const auto c = choice.members({"finish_reason", "finish_details", "index"});
    auto reason = c["finish_reason"].string();
    if (!reason) reason = c["finish_details"]["type"].string();
    if (!reason) return;
    const auto index = c["index"].integer().value_or(static_cast<std::int64_t>(position));
    if (index < 0 || index > 1024) return;
    if (reasons.size() <= static_cast<std::size_t>(index)) reasons.resize(index + 1);
    reasons[index] = *reason;
}

void read_choices(json_text choices, response_facts& f) {
    std::size_t i = 0;
    choices.for_each_element([&](json_text c) { note_finish(c, i++, f.finish_reasons); });
}

// The Responses API's response object (a whole body, or the `response` of a stream event): its
// finish is its status, or the reason it is incomplete.
void read_response_object(const json_object& r, response_facts& f) {
    set_if(f.id, r["id"].string());
    set_if(f.model, r["model"].string());
    set_if(f.service_tier, r["service_tier"].string());
    set_if(f.status, r["status"].string());
    if (const auto u = r["usage"]; u.is_object()) f.usage = responses_usage(u);
    if (f.status && *f.status != "queued" && *f.status != "in_progress") {
        auto reason = r["incomplete_details"]["reason"].string();
        f.finish_reasons = {reason ? *reason : *f.status};
    }
    if (const auto e = r["error"]; e.is_object()) set_if(f.error_type, e["code"].string());
}

}  // namespace

void read_openai_response(openai_api api, std::string_view text, response_facts& f) {
    // Only these members are checked and read; `output`, `data` and the like can be megabytes, and
    // of each choice only its finish (not its message).
    const reduced_array choices{"choices", {"index", "finish_reason", "finish_details"}};
    const auto body = read_object(text,
                                  {"id", "model", "system_fingerprint", "service_tier", "usage", "x_groq", "error",
                                   "status", "incomplete_details"},
                                  &choices);
    if (!body.readable()) {
        f.body_unreadable = true;
        return;
    }
    if (const auto error = body["error"]; error.present() && !body["choices"].present()) {
        f.error_type = error_type_in(error);
        if (!f.error_type && error.is_object()) f.error_type = "_OTHER";
    }
    if (api == openai_api::responses || api == openai_api::responses_fetch) {
        read_response_object(body, f);
        return;
    }
    set_if(f.id, body["id"].string());
    set_if(f.model, body["model"].string());
    set_if(f.system_fingerprint, body["system_fingerprint"].string());
    set_if(f.service_tier, body["service_tier"].string());
    read_choices(body["choices"], f);
    if (const auto u = body["usage"]; u.is_object()) f.usage = chat_usage(u, api);
    if (const auto g = body["x_groq"]["usage"]; g.is_object()) f.usage = chat_usage(g, api);
    if (api == openai_api::embeddings) f.embedding_dimensions = first_embedding_size(text);
}

bool openai_stream_reader::on_event(std::string_view event_name, std::string_view data) {
    if (data == "[DONE]") {
        facts_.stream_ended = true;
        return false;
    }
    const auto event = read_json(data);
    if (!event.is_object()) {
        ++unreadable_;
        facts_.body_unreadable = true;
        return false;
    }
    if (event_name == "error") {  // Groq ends a failed 200 stream this way
        facts_.error_type = error_type_in(event["error"]).value_or("_OTHER");
        return false;
    }
    if (api_ == openai_api::responses || api_ == openai_api::responses_fetch) {
        const auto e = event.members({"type", "code", "error", "response"});
        const auto type = e["type"].string();
        on_responses_event(type ? *type : event_name, e);
        return false;
    }
    return on_chunk(event);
}

bool openai_stream_reader::on_chunk(json_text event) {
    const auto chunk = event.members(
        {"error", "id", "model", "system_fingerprint", "service_tier", "choices", "usage", "x_groq"});
    if (chunk["error"].present()) facts_.error_type = error_type_in(chunk["error"]).value_or("_OTHER");
    set_first(facts_.id, chunk["id"].string());
    set_first(facts_.model, chunk["model"].string());
    set_if(facts_.system_fingerprint, chunk["system_fingerprint"].string());
    set_if(facts_.service_tier, chunk["service_tier"].string());
    const auto choices = chunk["choices"];
    read_choices(choices, facts_);
    const auto usage = chunk["usage"];
    if (usage.is_object()) facts_.usage = chat_usage(usage, api_);
    if (const auto g = chunk["x_groq"]["usage"]; g.is_object()) facts_.usage = chat_usage(g, api_);
    return choices.is_empty_array() && usage.is_object();
}

void openai_stream_reader::on_responses_event(std::string_view type, const json_object& event) {
    if (type == "error") {
        auto code = event["code"].string();
        facts_.error_type = code ? code : error_type_in(event["error"]).value_or("_OTHER");
        return;
    }
    const auto r = event["response"];
    if (!r.is_object()) return;
    read_response_object(r.members({"id", "model", "service_tier", "status", "usage", "incomplete_details", "error"}),
                         facts_);
    if (type == "response.completed" || type == "response.incomplete" || type == "response.failed")
        facts_.stream_ended = true;
}

}  // namespace tokentap::dialects::openai
