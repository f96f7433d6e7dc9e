#pragma once
// Reads the response side of a Gemini API / Vertex AI call: a whole JSON body, or a stream one
// chunk at a time. A chunk is the `data:` of an SSE event (:streamGenerateContent?alt=sse: no event
// names, no [DONE]) or one element of the streamed JSON array (without alt=sse; framed by
// sse/json_array_framer.hpp); both are GenerateContentResponse objects. Pure; everything read is
// untrusted.
//
// Mapping (SEMCONV.md part 1, item 5), from usageMetadata:
// - input = promptTokenCount + toolUsePromptTokenCount. promptTokenCount already includes
//   cachedContentTokenCount. toolUsePromptTokenCount (the results of server-side tools such as
//   Google Search, URL context or code execution, fed back to the model) is NOT part of it: in
//   every recorded response totalTokenCount = prompt + candidates + thoughts + toolUsePrompt, and
//   Google bills those tokens as input.
// - output = candidatesTokenCount + thoughtsTokenCount, set when either is reported; reasoning =
//   thoughtsTokenCount; cache_read = cachedContentTokenCount. Should a response report candidates
//   that already include the thoughts (totalTokenCount = prompt + toolUsePrompt + candidates with
//   thoughts > 0, as some Vertex responses did), output = candidatesTokenCount.
// - id = responseId, model = modelVersion, finish_reasons = candidates[].finishReason placed at the
//   candidate's `index` (position when absent: proto3 JSON omits index 0).
// - error_type = error.status ("RESOURCE_EXHAUSTED"), "_OTHER" for an error without one; an array
//   body ([{"error":...}]) is read element by element.
// - embeddings: embedding_dimensions = the size of embedding.values (embedContent) or of
//   embeddings[0].values (batchEmbedContents). The Gemini API reports no usage for them.
//
// Streams: every chunk repeats a cumulative usageMetadata, but a chunk may leave a count out (the
// final chunk after a built-in tool ran can omit candidatesTokenCount), so each count keeps the
// last value any chunk reported. The stream has ended when a candidate's finishReason arrived.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/gemini/gemini_endpoint.hpp"

namespace tokentap::dialects::gemini {

// The counts of usageMetadata, each as last reported.
struct usage_metadata_counts {
    std::optional<std::int64_t> prompt, candidates, thoughts, cached, tool_use_prompt, total;
    bool candidates_include_thoughts = false;
};

// A whole (non-stream) response body: a JSON object, or a JSON array of them (an error answered
// to a streamed call, or a whole :streamGenerateContent body read at once). A body that is not JSON
// sets body_unreadable. `api` is taken for symmetry with the other dialects: the members present
// (candidates, embedding, embeddings, error) tell the shapes apart.
void read_gemini_response(gemini_api api, std::string_view body, response_facts& f);

class gemini_stream_reader final : public event_reader {
public:
    // One chunk: an SSE event (its name is ignored) or a JSON array element (name ""). Never asks
    // to remove an event: returns false.
    bool on_event(std::string_view event_name, std::string_view data) override;

private:
    usage_metadata_counts counts_;
};

}  // namespace tokentap::dialects::gemini
