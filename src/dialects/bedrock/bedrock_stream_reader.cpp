#include "tokentap/dialects/bedrock/base64.hpp"
#include "tokentap/dialects/bedrock/bedrock_response.hpp"
#include "tokentap/dialects/bedrock/bedrock_usage.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::bedrock {

namespace {

constexpr std::string_view exception_prefix = "exception:";

// Whether `data` is one JSON object (strings closed, brackets balanced), without building it.
bool is_json_object(std::string_view data) {
    const json_cursor c(data);
    const auto end = c.for_each_member(c.skip_ws(0), [](std::string_view, std::size_t, std::size_t) {});
    return end != json_cursor::npos && c.skip_ws(end) == data.size();
}

// The raw text of the top-level member `key` of the JSON object `data`; empty when absent, and
// `valid` false when `data` is not one JSON object.
std::string_view member_text(std::string_view data, std::string_view key, bool& valid) {
    const json_cursor c(data);
    std::string_view value;
    const auto end = c.for_each_member(c.skip_ws(0), [&](std::string_view k, std::size_t b, std::size_t e) {
        if (k == key) value = c.text(b, e);
    });
    valid = end != json_cursor::npos && c.skip_ws(end) == data.size();
    return value;
}

// The `type` of an Anthropic stream event when it is one that carries no facts (the content
// events, almost all of a stream), so that the chunk need not be parsed.
bool is_anthropic_content_event(std::string_view chunk) {
    bool valid = false;
    const auto type = member_text(chunk, "type", valid);
    return valid && (type == "\"content_block_delta\"" || type == "\"content_block_start\"" ||
                     type == "\"content_block_stop\"" || type == "\"ping\"");
}

}  // namespace

bedrock_stream_reader::bedrock_stream_reader(const bedrock_call& call) : api_(call.api) {}

bool bedrock_stream_reader::on_event(std::string_view name, std::string_view data) {
    if (name.substr(0, exception_prefix.size()) == exception_prefix) {
        const auto type = name.substr(exception_prefix.size());
        facts_.error_type = type.empty() ? "_OTHER" : std::string(type);
        return false;
    }
    bool read = false;
    if (api_ == bedrock_api::invoke_stream) read = name == "chunk" ? on_invoke_chunk(data) : is_json_object(data);
    else read = on_converse_event(name, data);
    if (!read) {
        ++unreadable_;
        facts_.body_unreadable = true;
    }
    return false;
}

// One ConverseStream event. False when it is not what the event should be.
bool bedrock_stream_reader::on_converse_event(std::string_view name, std::string_view data) {
    if (name == "messageStop") {
        const auto event = parse_members(data, {"stopReason"});
        if (!event.is_object()) return false;
        if (auto reason = string_field(&event, "stopReason")) facts_.finish_reasons = {*reason};
        facts_.stream_ended = true;
        return true;
    }
    if (name == "metadata") {
        const auto event = parse_members(data, {"usage"});
        if (!event.is_object()) return false;
        if (const auto* u = field(event, "usage"); u && u->is_object()) facts_.usage = converse_counts(*u).to_usage();
        facts_.stream_ended = true;
        return true;
    }
    // messageStart, contentBlockStart / Delta / Stop, and event types added later carry no facts.
    return is_json_object(data);
}

// One InvokeModelWithResponseStream `chunk` event: {"bytes": "<base64>", "p": "<padding>"}.
bool bedrock_stream_reader::on_invoke_chunk(std::string_view data) {
    bool valid = false;
    auto bytes = member_text(data, "bytes", valid);
    if (!valid || bytes.size() < 2 || bytes.front() != '"' || bytes.back() != '"') return false;
    bytes = bytes.substr(1, bytes.size() - 2);
    if (bytes.find('\\') != std::string_view::npos) {  // an escaped '/': let the JSON parser unescape it
        const auto chunk = parse_members(data, {"bytes"});
        const auto text = string_field(&chunk, "bytes");
        if (!text || !decode_base64(*text, decoded_)) return false;
    } else if (!decode_base64(bytes, decoded_)) {
        return false;
    }
    if (is_anthropic_content_event(decoded_)) return true;
    const auto chunk = parse_invoke_members(decoded_);
    if (!chunk.is_object()) return false;
    invoke_.read(chunk, facts_);
    return true;
}

}  // namespace tokentap::dialects::bedrock
