#include "tokentap/telemetry/genai_span.hpp"

namespace tokentap::telemetry {

namespace {

template <class T> void put(attributes& a, attribute_key key, const std::optional<T>& v) {
    if (v) a.push_back({std::move(key), attribute_value(*v)});
}

void put_request(attributes& a, const dialects::request_facts& r) {
    put(a, "gen_ai.request.model", r.model);
    if (r.stream) a.push_back({"gen_ai.request.stream", true});
    put(a, "gen_ai.request.temperature", r.temperature);
    put(a, "gen_ai.request.top_p", r.top_p);
    put(a, "gen_ai.request.frequency_penalty", r.frequency_penalty);
    put(a, "gen_ai.request.presence_penalty", r.presence_penalty);
    put(a, "gen_ai.request.max_tokens", r.max_tokens);
    put(a, "gen_ai.request.seed", r.seed);
    put(a, "gen_ai.request.choice.count", r.choice_count);
    put(a, "gen_ai.request.top_k", r.top_k);
    put(a, "gen_ai.request.stop_sequences", r.stop_sequences);
    put(a, "gen_ai.output.type", r.output_type);
    put(a, "gen_ai.request.reasoning.level", r.reasoning_level);
    put(a, "gen_ai.request.previous_response.id", r.previous_response_id);
    put(a, "gen_ai.conversation.id", r.conversation_id);
    put(a, "gen_ai.request.encoding_formats", r.encoding_formats);
}

void put_response(attributes& a, const genai_call& c) {
    const auto& r = c.response;
    put(a, "gen_ai.response.id", r.id);
    put(a, "gen_ai.response.model", r.model);
    if (!r.finish_reasons.empty()) a.push_back({"gen_ai.response.finish_reasons", r.finish_reasons});
    if (c.request.operation == "fetch_response") put(a, "gen_ai.response.status", r.status);
    put(a, "gen_ai.embeddings.dimension.count", r.embedding_dimensions);
    if (c.time_to_first_chunk) a.push_back({"gen_ai.response.time_to_first_chunk", *c.time_to_first_chunk});
    const auto& u = r.usage;
    if (u.any()) {  // usage attributes only when the provider reported usage
        put(a, "gen_ai.usage.input_tokens", u.input);
        put(a, "gen_ai.usage.output_tokens", u.output);
        put(a, "gen_ai.usage.cache_read.input_tokens", u.cache_read);
        put(a, "gen_ai.usage.cache_write.input_tokens", u.cache_write);
        put(a, "gen_ai.usage.reasoning.output_tokens", u.reasoning);
        put(a, "tokentap.usage.tool_input_tokens", u.tool_input);  // Gemini's toolUsePromptTokenCount
    }
}

// The provider-specific attributes of the OpenAI refinement, for provider `openai` only.
void put_openai(attributes& a, const genai_call& c) {
    if (c.provider != "openai") return;
    if (!c.request.api_type.empty()) a.push_back({"openai.api.type", c.request.api_type});
    put(a, "openai.request.service_tier", c.request.service_tier);
    put(a, "openai.response.service_tier", c.response.service_tier);
    put(a, "openai.response.system_fingerprint", c.response.system_fingerprint);
}

// What only some dialects report: server-side tool runs (Anthropic usage.server_tool_use), the
// provider's request id where the response has no id of its own (Bedrock), and the Anthropic
// beta features the request asked for. No convention names these yet: tokentap's namespace, and
// the AWS SDK conventions' aws.request_id.
void put_provider_extras(attributes& a, const genai_call& c) {
    for (const auto& [name, count] : c.response.server_tool_uses)
        a.push_back({"tokentap.server_tool_use." + name, count});
    if (c.response.request_id) a.push_back({"aws.request_id", *c.response.request_id});
    if (!c.anthropic_beta.empty()) {
        std::vector<std::string> features;
        std::string_view rest = c.anthropic_beta;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            auto item = rest.substr(0, comma);
            while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
            while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
            if (!item.empty() && features.size() < 32) features.emplace_back(item);
            rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        }
        if (!features.empty()) a.push_back({"tokentap.anthropic.beta", std::move(features)});
    }
}

// Cost attributes of the open proposal #443, and tokentap's own.
void put_cost(attributes& a, const genai_call& c) {
    if (c.cost_usd) {
        a.push_back({"gen_ai.usage.cost.amount", *c.cost_usd});
        a.push_back({"gen_ai.usage.cost.currency", std::string("USD")});
        a.push_back({"gen_ai.usage.cost.source", c.cost_source});
    }
    if (c.unpriced) a.push_back({"tokentap.cost.unpriced", true});
    if (!c.price_table.empty()) a.push_back({"tokentap.cost.price_table", c.price_table});
}

// SEMCONV.md part 1 item 9: the provider's limit headers, normalised.
void put_rate_limits(attributes& a, const ratelimit::limit_report& r) {
    for (std::size_t i = 0; i < ratelimit::limit_kind_count; ++i) {
        const auto& k = r.kinds[i];
        if (k.empty()) continue;
        const auto prefix = "tokentap.ratelimit." + std::string(ratelimit::kind_name(static_cast<ratelimit::limit_kind>(i)));
        put(a, prefix + ".limit", k.limit);
        put(a, prefix + ".remaining", k.remaining);
        if (k.reset_seconds) a.push_back({prefix + ".reset_seconds", *k.reset_seconds});
    }
    if (r.retry_after_seconds) a.push_back({"tokentap.retry_after_seconds", *r.retry_after_seconds});
    if (r.should_retry) a.push_back({"tokentap.should_retry", *r.should_retry});
}

}  // namespace

std::string error_type_of(const genai_call& c) {
    // A client that leaves while an error response is on its way (an SDK that drops a 429's body to
    // retry) does not make the call cancelled: it failed with the provider's error.
    const bool http_error = c.status >= 400;
    if (!c.transport_error.empty() && !(http_error && c.transport_error == "cancelled")) return c.transport_error;
    if (c.response.error_type) return *c.response.error_type;
    if (c.status >= 400) return std::to_string(c.status);
    return "";
}

span make_genai_span(const genai_call& c, const trace_id& new_trace, const span_id& new_span) {
    span s;
    s.id = new_span;
    if (c.parent) {
        s.trace = c.parent->trace;
        s.parent = c.parent->parent;
        s.flags = c.parent->flags;
        s.trace_state = c.trace_state;
    } else {
        s.trace = new_trace;
    }
    s.kind = span_kind::client;
    s.name = c.request.model ? c.request.operation + " " + *c.request.model : c.request.operation;
    s.start_unix_ns = c.start_unix_ns;
    s.end_unix_ns = c.end_unix_ns;

    auto& a = s.attrs;
    a.reserve(32);
    a.push_back({"gen_ai.operation.name", c.request.operation});
    a.push_back({"gen_ai.provider.name", c.provider});
    a.push_back({"server.address", c.server_address});
    a.push_back({"server.port", static_cast<std::int64_t>(c.server_port)});
    put_request(a, c.request);
    put_response(a, c);
    put_openai(a, c);
    put_provider_extras(a, c);
    if (c.status) a.push_back({"http.response.status_code", static_cast<std::int64_t>(c.status)});
    put(a, "http.request.resend_count", c.resend_count);
    put_rate_limits(a, c.limits);
    if (!c.url_full.empty()) a.push_back({"url.full", c.url_full});
    if (c.incomplete) a.push_back({"tokentap.telemetry.incomplete", true});
    put_cost(a, c);

    const auto error = error_type_of(c);
    if (!error.empty()) {
        a.push_back({"error.type", error});
        // A caller that cancels is not an error of the call (core "Recording Errors").
        if (c.transport_error != "cancelled" || c.status >= 400) s.status = status_code::error;
    }
    return s;
}

span make_attempt_span(const genai_call& c, const span& call_span, std::size_t i, const span_id& id) {
    const auto& at = c.attempts.at(i);
    span s;
    s.trace = call_span.trace;
    s.id = id;
    s.parent = call_span.id;
    s.trace_state = call_span.trace_state;
    s.flags = call_span.flags;
    s.kind = span_kind::client;
    s.name = "POST";  // HTTP client spans are named by their method; GenAI calls are POSTs
    s.start_unix_ns = at.start_unix_ns;
    s.end_unix_ns = at.end_unix_ns;
    auto& a = s.attrs;
    a.push_back({"http.request.method", std::string("POST")});
    a.push_back({"server.address", at.server_address});
    a.push_back({"server.port", static_cast<std::int64_t>(at.server_port)});
    a.push_back({"url.full", at.url});
    if (at.status) a.push_back({"http.response.status_code", static_cast<std::int64_t>(at.status)});
    if (i > 0) a.push_back({"http.request.resend_count", static_cast<std::int64_t>(i)});
    if (!at.error.empty()) {
        a.push_back({"error.type", at.error});
        s.status = status_code::error;
    }
    return s;
}

}  // namespace tokentap::telemetry
