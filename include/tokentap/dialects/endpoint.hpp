#pragma once
// Which LLM call a request is, in which wire dialect, and the dialect's parsers behind one face.
// The dialect follows from the request path and the route's provider (SEMCONV.md part 1 item 4):
// Bedrock paths (/model/{id}/converse...) on an aws.bedrock route, Gemini paths
// (models/{m}:generateContent...) and Anthropic paths (/v1/messages, /v1/complete) wherever they
// appear, and OpenAI-style paths for everything else (OpenAI, Azure, the compatible servers, and
// the OpenAI-compatible endpoints Bedrock and Gemini also serve). Pure.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/dialects/facts.hpp"
#include "tokentap/sse/stream_decoder.hpp"

namespace tokentap::dialects {

enum class wire : std::uint8_t { openai, anthropic, gemini, bedrock };

using sse::stream_framing;

struct endpoint {
    wire dialect = wire::openai;
    std::uint8_t api = 0;  // the dialect's own api enum (openai_api, anthropic_api, ...); 0 = none
    std::string path_model;  // the model named in the path (Gemini, Bedrock), percent-decoded

    // Whether telemetry reads this call at all.
    explicit operator bool() const { return api != 0; }
};

// `path` is the upstream path without the query.
endpoint classify_endpoint(std::string_view provider, std::string_view method, std::string_view path);

// The request side. `path` is the upstream path (Azure names the model there).
request_facts read_request(const endpoint& e, std::string_view path, std::string_view body);

// A whole (non-stream) response body.
void read_response(const endpoint& e, std::string_view body, response_facts& f);

// Whether the response to this call streams even without an event-stream content type (Gemini's
// :streamGenerateContent without alt=sse answers with a JSON array that grows as it is generated).
bool streams_json_array(const endpoint& e);

// The framing of a streamed response, from its content type; nullopt when the response is not a
// stream (a JSON error body, say).
std::optional<stream_framing> stream_framing_of(const endpoint& e, std::string_view content_type);

// A reader for one streamed response of this call.
std::unique_ptr<event_reader> make_stream_reader(const endpoint& e);

}  // namespace tokentap::dialects
