#pragma once
// Reads the request side of an OpenAI-style call (Chat Completions, legacy Completions, Embeddings,
// Responses, fetch of a stored response) into request facts. Pure; the body is untrusted.

#include <string_view>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/openai/openai_endpoint.hpp"

namespace tokentap::dialects::openai {

// `path` is the upstream path (for the Azure deployment, which names the model when the body
// does not). `body` is the request body as the client sent it ("" for GET).
request_facts read_openai_request(openai_api api, std::string_view path, std::string_view body);

}  // namespace tokentap::dialects::openai
