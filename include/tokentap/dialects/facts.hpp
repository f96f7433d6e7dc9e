#pragma once
// What the dialect parsers read out of one LLM call, in the terms of the OpenTelemetry GenAI
// conventions (SEMCONV.md part 1), whatever the wire format. Plain values: filled by the pure
// parsers in dialects/<provider>/, turned into a span and metrics by telemetry/.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tokentap::dialects {

struct request_facts {
    std::string operation;  // gen_ai.operation.name; "" = no GenAI span for this endpoint
    std::string api_type;   // openai.api.type (chat_completions, responses) or "" when not applicable
    std::optional<std::string> model;
    bool stream = false;
    std::optional<double> temperature, top_p, frequency_penalty, presence_penalty;
    std::optional<std::int64_t> max_tokens, seed, choice_count, top_k;
    std::optional<std::vector<std::string>> stop_sequences;
    std::optional<std::string> output_type;      // text, json, image, speech
    std::optional<std::string> reasoning_level;  // the value sent
    std::optional<std::string> service_tier;     // openai.request.service_tier
    std::optional<std::string> previous_response_id;
    std::optional<std::string> conversation_id;
    std::optional<std::vector<std::string>> encoding_formats;  // embeddings
    std::optional<std::int64_t> dimensions;                    // embeddings, when requested
    bool body_unreadable = false;  // a body was expected and is not JSON
};

// Token counts as the conventions define them: input includes cache reads and writes; output
// includes reasoning. Each is set only when the provider reported it.
struct token_usage {
    std::optional<std::int64_t> input, output, cache_read, cache_write, reasoning;
    // The part of cache_write written for one hour rather than five minutes (Anthropic's
    // cache_creation.ephemeral_1h_input_tokens), which is priced apart.
    std::optional<std::int64_t> cache_write_1h;
    // Input the model read apart from the prompt, not in `input`: Gemini's toolUsePromptTokenCount
    // (the results of built-in tools such as search or code execution). Billed at the input price.
    std::optional<std::int64_t> tool_input;
    std::optional<double> provider_cost;  // a price the response carried (OpenRouter `cost`), USD
    bool any() const { return input || output; }
};

struct response_facts {
    std::optional<std::string> id, model, system_fingerprint, service_tier;
    std::optional<std::string> status;  // Responses API / fetch_response: queued, completed, ...
    std::vector<std::string> finish_reasons;  // one per choice, in order; "" where none arrived
    token_usage usage;
    std::optional<std::string> error_type;  // the provider's error type, from the body
    std::optional<std::int64_t> embedding_dimensions;
    // Server-side tools the provider ran, by its own counter name (Anthropic
    // usage.server_tool_use: web_search_requests, web_fetch_requests, ...), with their counts.
    std::vector<std::pair<std::string, std::int64_t>> server_tool_uses;
    std::optional<std::string> request_id;  // the provider's request id when the body has no response id (Bedrock)
    bool body_unreadable = false;  // the body (or a stream event) could not be parsed
    bool stream_ended = false;     // a stream's end marker ([DONE], response.completed) arrived
};

}  // namespace tokentap::dialects
