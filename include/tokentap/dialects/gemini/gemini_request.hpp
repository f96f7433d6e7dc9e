#pragma once
// Reads the request side of a Gemini API / Vertex AI call (generateContent, streamGenerateContent,
// embedContent, batchEmbedContents) into request facts. The model comes from the path; the
// parameters from `generationConfig` (generate) or `outputDimensionality` (embeddings). Both
// services accept the proto field names in camelCase and in snake_case, mixed freely even inside
// one object, so every field is looked up under both spellings. Pure; the body is untrusted.
//
// Mapping (SEMCONV.md part 1):
// - operation: generate_content (stream = true for streamGenerateContent), embeddings.
// - temperature, topP, topK, maxOutputTokens -> max_tokens, stopSequences, candidateCount ->
//   choice_count (only when != 1), seed, presencePenalty, frequencyPenalty.
// - output_type: responseMimeType application/json -> "json", text/plain and text/x.enum ->
//   "text"; without a mime type, responseModalities with IMAGE -> "image", AUDIO -> "speech".
// - reasoning_level: thinkingConfig.thinkingLevel as sent ("low", "high", ...). Gemini 2.5 models
//   take a token budget instead (thinkingConfig.thinkingBudget: 0 = off, -1 = dynamic, else a
//   number of tokens); it is the request's only reasoning control there, so it is reported as the
//   exact value sent, in decimal ("0", "-1", "1024"). thinkingLevel wins when both are sent.
// - embeddings: outputDimensionality -> dimensions (batchEmbedContents: of the first request).

#include <string_view>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/gemini/gemini_endpoint.hpp"

namespace tokentap::dialects::gemini {

// `body` is the request body as the client sent it.
request_facts read_gemini_request(const gemini_call& call, std::string_view body);

}  // namespace tokentap::dialects::gemini
