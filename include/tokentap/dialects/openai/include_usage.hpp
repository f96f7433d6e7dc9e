#pragma once
// The one change tokentap makes on the wire (SEMCONV.md part 1, item 5): an OpenAI-style stream
// carries usage only when the request asks for it with `stream_options.include_usage`. For a
// streamed Chat Completions or legacy Completions request that does not say, tokentap adds
// `"include_usage":true` upstream and later removes the usage-only chunk (`"choices": []` with a
// `usage` object) from what the client receives, so the client sees the stream it asked for.
//
// The request body is not re-serialised: the member is inserted as text right after the opening
// brace of the body (or of an existing `stream_options` object), so every other byte, key order and
// number format stays as the client sent them. The scan is one pass that skips strings with
// memchr, so a 1 MB body costs well under a millisecond. A request that sets `include_usage`
// itself (true or false), sets `stream_options` to something other than an object, or is not a
// JSON object with `"stream": true`, is left exactly as it is.

#include <optional>
#include <string>
#include <string_view>

namespace tokentap::dialects::openai {

// The rewritten body, or nullopt when the body is to be forwarded as it is.
std::optional<std::string> add_include_usage(std::string_view body);

}  // namespace tokentap::dialects::openai
