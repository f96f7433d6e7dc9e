#include <doctest/doctest.h>

#include "tokentap/dialects/gemini/gemini_endpoint.hpp"

using namespace tokentap::dialects::gemini;

namespace {

gemini_api api_of(std::string_view path, std::string_view method = "POST") {
    return classify_gemini_path(method, path).api;
}

}  // namespace

TEST_SUITE("unit/dialects/gemini/endpoint") {

TEST_CASE("Gemini API paths") {
    auto c = classify_gemini_path("POST", "/v1beta/models/gemini-2.0-flash:generateContent");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "gemini-2.0-flash");
    c = classify_gemini_path("POST", "/v1/models/gemini-2.5-pro:streamGenerateContent");
    CHECK(c.api == gemini_api::stream_generate);
    CHECK(c.model == "gemini-2.5-pro");
    c = classify_gemini_path("POST", "/v1beta/models/gemini-embedding-001:embedContent");
    CHECK(c.api == gemini_api::embed);
    CHECK(c.model == "gemini-embedding-001");
    c = classify_gemini_path("POST", "/v1beta/models/text-embedding-004:batchEmbedContents");
    CHECK(c.api == gemini_api::batch_embed);
    CHECK(c.model == "text-embedding-004");
    c = classify_gemini_path("POST", "/v1beta/tunedModels/my-tuned-model-7:generateContent");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "my-tuned-model-7");
}

TEST_CASE("Vertex AI paths") {
    auto c = classify_gemini_path("POST",
                                  "/v1/projects/my-project/locations/us-central1/publishers/google/models/"
                                  "gemini-2.0-flash-001:generateContent");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "gemini-2.0-flash-001");
    c = classify_gemini_path("POST",
                             "/v1beta1/projects/p/locations/global/publishers/google/models/"
                             "gemini-3-flash-preview:streamGenerateContent");
    CHECK(c.api == gemini_api::stream_generate);
    CHECK(c.model == "gemini-3-flash-preview");
    // Express mode: no project or location.
    c = classify_gemini_path("POST", "/v1/publishers/google/models/gemini-2.5-flash:generateContent");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "gemini-2.5-flash");
    // A tuned or deployed model behind an endpoint.
    c = classify_gemini_path("POST", "/v1/projects/p/locations/us-central1/endpoints/1234567890:generateContent");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "1234567890");
}

TEST_CASE("any route prefix, trailing slash and percent-encoding") {
    auto c = classify_gemini_path("POST", "/gemini/v1beta/models/gemini-2.0-flash:generateContent/");
    CHECK(c.api == gemini_api::generate);
    CHECK(c.model == "gemini-2.0-flash");
    c = classify_gemini_path("POST", "/v1beta/models/gemini%2D2.0%2Dflash%3AstreamGenerateContent");
    CHECK(c.api == gemini_api::stream_generate);
    CHECK(c.model == "gemini-2.0-flash");
    c = classify_gemini_path("POST", "/v1beta/models/my%20model:generateContent");
    CHECK(c.model == "my model");
}

TEST_CASE("other endpoints get no span") {
    CHECK(api_of("/v1beta/models/gemini-2.0-flash:countTokens") == gemini_api::none);
    CHECK(api_of("/v1beta1/projects/p/locations/l/publishers/google/models/gemini-2.0-flash:countTokens") ==
          gemini_api::none);
    CHECK(api_of("/v1beta1/publishers/google/models/gemini-embedding-001:predict") == gemini_api::none);
    CHECK(api_of("/v1beta/models/gemini-2.0-flash:generateContent", "GET") == gemini_api::none);
    CHECK(api_of("/v1beta/models/gemini-2.0-flash") == gemini_api::none);
    CHECK(api_of("/v1beta/models") == gemini_api::none);
    CHECK(api_of("/v1beta/models/:generateContent") == gemini_api::none);            // no model
    CHECK(api_of("/v1beta/models/gemini-2.0-flash:generatecontent") == gemini_api::none);  // case matters
    CHECK(api_of("/v1beta/files/abc:generateContent") == gemini_api::none);          // not a model
    CHECK(api_of("/v1beta/openai/chat/completions") == gemini_api::none);
    CHECK(api_of("generateContent") == gemini_api::none);
    CHECK(api_of("") == gemini_api::none);
    CHECK_FALSE(classify_gemini_path("POST", "/v1beta/models/x:countTokens").model);
}

}
