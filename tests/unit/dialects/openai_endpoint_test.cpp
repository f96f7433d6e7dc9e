#include <doctest/doctest.h>

#include "tokentap/dialects/openai/openai_endpoint.hpp"

using namespace tokentap::dialects::openai;

TEST_SUITE("unit/dialects/openai/endpoint") {

TEST_CASE("paths of OpenAI, Azure and OpenAI-compatible servers") {
    CHECK(classify_openai_path("POST", "/v1/chat/completions") == openai_api::chat_completions);
    CHECK(classify_openai_path("POST", "/openai/deployments/gpt-4o/chat/completions") == openai_api::chat_completions);
    CHECK(classify_openai_path("POST", "/api/paas/v4/chat/completions/") == openai_api::chat_completions);
    CHECK(classify_openai_path("POST", "/v1/chat") == openai_api::chat_completions);  // Writer
    CHECK(classify_openai_path("POST", "/v1/completions") == openai_api::completions);
    CHECK(classify_openai_path("POST", "/openai/deployments/emb/embeddings") == openai_api::embeddings);
    CHECK(classify_openai_path("POST", "/v1/responses") == openai_api::responses);
    CHECK(classify_openai_path("POST", "/openai/v1/responses") == openai_api::responses);
    CHECK(classify_openai_path("GET", "/v1/responses/resp_123") == openai_api::responses_fetch);
}

TEST_CASE("other endpoints get no span") {
    CHECK(classify_openai_path("GET", "/v1/models") == openai_api::none);
    CHECK(classify_openai_path("POST", "/v1/images/generations") == openai_api::none);
    CHECK(classify_openai_path("POST", "/v1/responses/input_tokens") == openai_api::none);
    CHECK(classify_openai_path("POST", "/v1/responses/compact") == openai_api::none);
    CHECK(classify_openai_path("GET", "/v1/responses/resp_1/input_items") == openai_api::none);
    CHECK(classify_openai_path("GET", "/v1/chat/completions") == openai_api::none);
    CHECK(classify_openai_path("POST", "/v1/xcompletions") == openai_api::none);
}

TEST_CASE("the Azure deployment names the model") {
    CHECK(azure_deployment("/openai/deployments/gpt-4o-mini/chat/completions") == "gpt-4o-mini");
    CHECK(azure_deployment("/openai/deployments/my%20dep/embeddings") == "my dep");
    CHECK_FALSE(azure_deployment("/v1/chat/completions"));
    CHECK_FALSE(azure_deployment("/openai/deployments/"));
}

}
