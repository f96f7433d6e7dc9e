#include "tokentap/dialects/anthropic/anthropic_response.hpp"

#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::anthropic {

namespace {

void set_if(std::optional<std::string>& to, std::optional<std::string> v) {
    if (v) to = std::move(v);
}

// The error type of an error body or event: error.type, else "_OTHER".
std::string error_type_or_other(const json& body) { return error_type_of(body).value_or("_OTHER"); }

// Where the members of one stream event's data that carry facts are (as raw JSON text); empty
// when absent. `valid` says the data is one JSON object (strings closed, brackets balanced).
struct event_members {
    bool valid = false;
    std::string_view type, message, delta, usage, stop_reason, model, id;
};

event_members scan_event(std::string_view data) {
    event_members m;
    const json_cursor c(data);
    const auto end = c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t e) {
        const auto value = c.text(b, e);
        if (key == "type") m.type = value;
        else if (key == "message") m.message = value;
        else if (key == "delta") m.delta = value;
        else if (key == "usage") m.usage = value;
        else if (key == "stop_reason") m.stop_reason = value;
        else if (key == "model") m.model = value;
        else if (key == "id") m.id = value;
    });
    m.valid = end != json_cursor::npos && c.skip_ws(end) == data.size();
    // The type as a bare string (event types have no escapes).
    const bool quoted = m.type.size() >= 2 && m.type.front() == '"' && m.type.back() == '"';
    m.type = quoted ? m.type.substr(1, m.type.size() - 2) : std::string_view{};
    return m;
}

// A member's value; null when the member is absent, discarded when it is not valid JSON.
json parse_member(std::string_view text) {
    if (text.empty()) return nullptr;
    return json::parse(text, nullptr, false);
}

std::optional<std::string> non_empty_string(const json& v) {
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) return std::nullopt;
    return v.get<std::string>();
}

void on_message_start(const json& message, anthropic_usage& usage, response_facts& f) {
    set_if(f.id, string_field(&message, "id"));
    set_if(f.model, string_field(&message, "model"));
    if (auto reason = string_field(&message, "stop_reason")) f.finish_reasons = {*reason};
    if (const auto* u = field(message, "usage"); u && u->is_object()) {
        usage.merge(*u);
        usage.apply_to(f);
    }
}

// message_delta's usage members replace message_start's; output_tokens is cumulative.
void on_message_delta(const json& delta, const json& delta_usage, anthropic_usage& usage, response_facts& f) {
    if (auto reason = string_field(&delta, "stop_reason")) f.finish_reasons = {*reason};
    if (delta_usage.is_object()) {
        usage.merge(delta_usage);
        usage.apply_to(f);
    }
}

// Legacy Text Completions: every event names the model; the last one has the stop_reason.
void on_completion(const json& stop_reason, const json& model, const json& id, response_facts& f) {
    set_if(f.model, non_empty_string(model));
    set_if(f.id, non_empty_string(id));
    if (auto reason = non_empty_string(stop_reason)) {
        f.finish_reasons = {*reason};
        f.stream_ended = true;
    }
}

// One event of a known-good shape into the facts. False when a member the event needs is not
// valid JSON.
bool read_event(std::string_view type, const event_members& m, std::string_view data, anthropic_usage& usage,
                response_facts& f) {
    if (type == "message_start") {
        const auto message = parse_member(m.message);
        if (message.is_discarded()) return false;
        on_message_start(message, usage, f);
    } else if (type == "message_delta") {
        const auto delta = parse_member(m.delta), delta_usage = parse_member(m.usage);
        if (delta.is_discarded() || delta_usage.is_discarded()) return false;
        on_message_delta(delta, delta_usage, usage, f);
    } else if (type == "message_stop") {
        f.stream_ended = true;
    } else if (type == "error") {
        const auto event = json::parse(data, nullptr, false);
        if (event.is_discarded()) return false;
        f.error_type = error_type_or_other(event);
    } else if (type == "completion") {
        const auto stop_reason = parse_member(m.stop_reason), model = parse_member(m.model), id = parse_member(m.id);
        if (stop_reason.is_discarded() || model.is_discarded() || id.is_discarded()) return false;
        on_completion(stop_reason, model, id, f);
    }
    // ping, content_block_start / _delta / _stop and event types added later carry no facts.
    return true;
}

}  // namespace

void read_anthropic_response(anthropic_api, std::string_view text, response_facts& f) {
    // `content` (the generated text, tool inputs) is skipped unparsed.
    const auto body = parse_members(text, {"type", "id", "model", "stop_reason", "usage", "error"});
    if (!body.is_object()) {
        f.body_unreadable = true;
        return;
    }
    if (field(body, "error") || string_field(&body, "type") == "error") f.error_type = error_type_or_other(body);
    set_if(f.id, string_field(&body, "id"));
    set_if(f.model, string_field(&body, "model"));
    if (auto reason = string_field(&body, "stop_reason")) f.finish_reasons = {*reason};
    // Legacy Text Completions bodies carry no usage; read it wherever it is present.
    if (const auto* u = field(body, "usage"); u && u->is_object()) {
        anthropic_usage usage;
        usage.merge(*u);
        usage.apply_to(f);
    }
}

bool anthropic_stream_reader::on_event(std::string_view name, std::string_view data) {
    if (data == "[DONE]") {  // the oldest Text Completions streams ended so
        facts_.stream_ended = true;
        return false;
    }
    const auto m = scan_event(data);
    // Without an `event:` line the SSE type is "message": then the JSON says what the event is.
    const auto type = name.empty() || name == "message" ? m.type : name;
    if (!m.valid || !read_event(type, m, data, usage_, facts_)) {
        ++unreadable_;
        facts_.body_unreadable = true;
    }
    return false;
}

}  // namespace tokentap::dialects::anthropic
