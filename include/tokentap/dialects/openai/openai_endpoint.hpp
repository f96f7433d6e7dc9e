#pragma once
// Which OpenAI-style API a request calls, from its method and upstream path. The same paths serve
// OpenAI, Azure OpenAI (/openai/deployments/{deployment}/..., /openai/v1/...) and the
// OpenAI-compatible servers, whatever prefix they put in front (/api/v1, /openai/v1, /beta, ...).

#include <optional>
#include <string>
#include <string_view>

namespace tokentap::dialects::openai {

enum class openai_api {
    none,              // forwarded untouched, no GenAI span (models, files, images, count tokens, ...)
    chat_completions,  // POST .../chat/completions
    completions,       // POST .../completions (legacy)
    embeddings,        // POST .../embeddings
    responses,         // POST .../responses
    responses_fetch,   // GET .../responses/{id}
};

// `path` is the upstream path, without the query.
openai_api classify_openai_path(std::string_view method, std::string_view path);

// The Azure deployment named in ".../deployments/{deployment}/...", percent-decoded.
std::optional<std::string> azure_deployment(std::string_view path);

}  // namespace tokentap::dialects::openai
