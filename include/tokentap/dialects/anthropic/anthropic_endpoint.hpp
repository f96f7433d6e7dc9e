#pragma once
// Which Anthropic API a request calls, from its method and upstream path: the Messages API
// (POST .../v1/messages) and the legacy Text Completions API (POST .../v1/complete), whatever
// prefix a gateway puts in front. Everything else Anthropic serves (count_tokens, message
// batches, models, files) is forwarded untouched and gets no GenAI span. Pure.

#include <cstdint>
#include <string_view>

namespace tokentap::dialects::anthropic {

enum class anthropic_api : std::uint8_t {
    none = 0,  // not an LLM call telemetry reads
    messages,  // POST .../v1/messages
    complete,  // POST .../v1/complete (legacy Text Completions)
};

// `path` is the upstream path, without the query.
anthropic_api classify_anthropic_path(std::string_view method, std::string_view path);

}  // namespace tokentap::dialects::anthropic
