#pragma once
// Reads the response side of an OpenAI-style call: a whole JSON body, or a stream one SSE event at
// a time. Covers OpenAI, Azure OpenAI and the OpenAI-compatible servers' quirks seen in real
// traffic: usage on the last normal chunk (Mistral, vLLM, Together) or in an extra chunk with no
// choices (OpenAI, Azure), `x_groq.usage` (Groq), `usage: null` until the end and
// `prompt_cache_hit_tokens` (DeepSeek), a reported `cost` (OpenRouter), Azure's first chunk with an
// empty model, errors inside a 200 stream (`event: error`, an `error` member in a chunk), streams
// without `[DONE]`, and the Responses API's named events with usage in `response.completed`.
// Pure; everything read is untrusted.

#include <cstdint>
#include <string_view>

#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/json_text.hpp"
#include "tokentap/dialects/openai/openai_endpoint.hpp"

namespace tokentap::dialects::openai {

// A whole (non-stream) response body. Error bodies give error_type; a body that is not a JSON
// object sets body_unreadable.
void read_openai_response(openai_api api, std::string_view body, response_facts& f);

class openai_stream_reader final : public event_reader {
public:
    explicit openai_stream_reader(openai_api api) : api_(api) {}

    // One SSE event. Returns true when it is the usage-only chunk (`choices: []` and a `usage`
    // object) of a Chat Completions or Completions stream.
    bool on_event(std::string_view event_name, std::string_view data) override;

private:
    bool on_chunk(json_text event);
    void on_responses_event(std::string_view type, const json_object& event);

    openai_api api_;
};

}  // namespace tokentap::dialects::openai
