#pragma once
// Reads the request side of an Anthropic call (Messages, legacy Text Completions) into request
// facts: the model, streaming, and the generation parameters. Only those members are parsed; the
// `messages`, `system` and `tools` members are skipped unbuilt. Pure; the body is untrusted.
//
// gen_ai.request.reasoning.level is the `output_config.effort` the client sent (low, medium,
// high, max, ...). Extended thinking (`thinking: {type: enabled, budget_tokens: N}` or
// `{type: adaptive}`) names no level, only a token budget or none, and any mapping of budgets to
// levels would be an invention, so it leaves the level unset.

#include <string_view>

#include "tokentap/dialects/anthropic/anthropic_endpoint.hpp"
#include "tokentap/dialects/facts.hpp"

namespace tokentap::dialects::anthropic {

// `body` is the request body as the client sent it.
request_facts read_anthropic_request(anthropic_api api, std::string_view body);

}  // namespace tokentap::dialects::anthropic
