#pragma once
// Reads the response side of an Anthropic call: a whole JSON body (Messages or legacy Text
// Completions), or a stream one SSE event at a time. Pure; everything read is untrusted.
//
// Messages stream (https://docs.anthropic.com/en/api/messages-streaming): message_start (id,
// model, input and cache usage, a first output count) -> content_block_start / _delta / _stop ...
// -> message_delta (stop_reason, cumulative output_tokens; newer streams repeat input, cache and
// server tool counts, which then replace the earlier ones) -> message_stop. `ping` may come
// anywhere; an `error` event may end a 200 stream. The data is JSON, often padded with spaces
// before its closing brace. The event type is the `event:` name or, without one, the JSON `type`.
// Legacy Text Completions streams send `completion` events, the last with a stop_reason.
//
// Content events (almost all of a stream) are only checked to be one JSON object, with no
// allocation; only the few events that carry facts are parsed.

#include <string_view>

#include "tokentap/dialects/anthropic/anthropic_endpoint.hpp"
#include "tokentap/dialects/anthropic/anthropic_usage.hpp"
#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/dialects/facts.hpp"

namespace tokentap::dialects::anthropic {

// A whole (non-stream) response body. Error bodies ({"type":"error","error":{"type":...}}) give
// error_type; a body that is not a JSON object sets body_unreadable.
void read_anthropic_response(anthropic_api api, std::string_view body, response_facts& f);

class anthropic_stream_reader final : public event_reader {
public:
    // One SSE event. Never asks for an event to be removed: returns false.
    bool on_event(std::string_view name, std::string_view data) override;

private:
    anthropic_usage usage_;
};

}  // namespace tokentap::dialects::anthropic
