#pragma once
// Which Gemini-style call a request is, from its method and upstream path. One wire format serves
// the Gemini API (generativelanguage.googleapis.com: /v1beta/models/{m}:..., /v1/models/{m}:...,
// tunedModels/{m}:...) and Vertex AI (aiplatform.googleapis.com:
// /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:..., the same under /v1beta1, the
// express-mode /v1/publishers/google/models/{m}:..., and deployed or tuned endpoints
// .../endpoints/{e}:...), whatever prefix a route puts in front. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tokentap::dialects::gemini {

enum class gemini_api : std::uint8_t {
    none = 0,         // forwarded untouched, no GenAI span (:countTokens, :predict, GET, ...)
    generate,         // POST ...:generateContent
    stream_generate,  // POST ...:streamGenerateContent (SSE with ?alt=sse, else a streamed JSON array)
    embed,            // POST ...:embedContent
    batch_embed,      // POST ...:batchEmbedContents
};

struct gemini_call {
    gemini_api api = gemini_api::none;
    // The model named in the path, percent-decoded, without its collection: "gemini-2.0-flash" for
    // .../models/gemini-2.0-flash:..., the tuned model's id for tunedModels/{m}, the endpoint id
    // for Vertex .../endpoints/{e}.
    std::optional<std::string> model;
};

// `path` is the upstream path, without the query. The last segment must be "{model}:{method}"
// (the colon may arrive percent-encoded) under a `models`, `tunedModels` or `endpoints` segment.
gemini_call classify_gemini_path(std::string_view method, std::string_view path);

}  // namespace tokentap::dialects::gemini
