#include <doctest/doctest.h>

#include "tokentap/dialects/anthropic/anthropic_endpoint.hpp"

using namespace tokentap::dialects::anthropic;

TEST_SUITE("unit/dialects/anthropic/endpoint") {

TEST_CASE("Messages and legacy Text Completions, behind any prefix") {
    CHECK(classify_anthropic_path("POST", "/v1/messages") == anthropic_api::messages);
    CHECK(classify_anthropic_path("POST", "/anthropic/v1/messages") == anthropic_api::messages);
    CHECK(classify_anthropic_path("POST", "/api/gateway/v1/messages/") == anthropic_api::messages);
    CHECK(classify_anthropic_path("POST", "/v1/complete") == anthropic_api::complete);
    CHECK(classify_anthropic_path("POST", "/anthropic/v1/complete") == anthropic_api::complete);
}

TEST_CASE("other endpoints and methods get no span") {
    CHECK(classify_anthropic_path("POST", "/v1/messages/count_tokens") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "/v1/messages/batches") == anthropic_api::none);
    CHECK(classify_anthropic_path("GET", "/v1/messages/batches/msgbatch_1/results") == anthropic_api::none);
    CHECK(classify_anthropic_path("GET", "/v1/models") == anthropic_api::none);
    CHECK(classify_anthropic_path("GET", "/v1/messages") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "/xv1/messages") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "/v1/threads/t_1/messages") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "/v1/completions") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "") == anthropic_api::none);
    CHECK(classify_anthropic_path("POST", "///") == anthropic_api::none);
}

}
