#include <doctest/doctest.h>

#include <string>

#include "tokentap/dialects/bedrock/bedrock_endpoint.hpp"

using namespace tokentap::dialects::bedrock;

TEST_CASE("bedrock paths: the four runtime calls, with the model id percent-decoded") {
    const auto converse = classify_bedrock_path("POST", "/model/anthropic.claude-3-sonnet-20240229-v1%3A0/converse");
    CHECK(converse.api == bedrock_api::converse);
    CHECK(converse.model_id == "anthropic.claude-3-sonnet-20240229-v1:0");

    const auto stream = classify_bedrock_path("POST", "/model/us.amazon.nova-micro-v1:0/converse-stream");
    CHECK(stream.api == bedrock_api::converse_stream);
    CHECK(stream.model_id == "us.amazon.nova-micro-v1:0");

    const auto invoke = classify_bedrock_path("POST", "/model/amazon.titan-tg1-large/invoke");
    CHECK(invoke.api == bedrock_api::invoke);
    CHECK(invoke.model_id == "amazon.titan-tg1-large");

    const auto invoke_stream = classify_bedrock_path("POST", "/model/meta.llama3-8b-instruct-v1%3a0/invoke-with-response-stream");
    CHECK(invoke_stream.api == bedrock_api::invoke_stream);
    CHECK(invoke_stream.model_id == "meta.llama3-8b-instruct-v1:0");
}

TEST_CASE("bedrock paths: ARNs, encoded or not, are taken whole") {
    const auto encoded = classify_bedrock_path(
        "POST", "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A%3Afoundation-model%2Famazon.titan-tg1-large/invoke");
    CHECK(encoded.api == bedrock_api::invoke);
    CHECK(encoded.model_id == "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-tg1-large");

    const auto bare = classify_bedrock_path(
        "POST", "/model/arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0/converse");
    CHECK(bare.api == bedrock_api::converse);
    CHECK(bare.model_id == "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0");
}

TEST_CASE("bedrock paths: a gateway prefix and a trailing slash do not matter") {
    const auto c = classify_bedrock_path("POST", "/bedrock/model/cohere.command-r-v1:0/converse/");
    CHECK(c.api == bedrock_api::converse);
    CHECK(c.model_id == "cohere.command-r-v1:0");
}

TEST_CASE("bedrock paths: everything else is not a call telemetry reads") {
    CHECK(classify_bedrock_path("GET", "/model/amazon.titan-tg1-large/invoke").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "/model/anthropic.claude-v2/count-tokens").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "/model/anthropic.claude-v2/async-invoke").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "/model/converse").api == bedrock_api::none);      // no model id
    CHECK(classify_bedrock_path("POST", "/model//converse").api == bedrock_api::none);     // empty model id
    CHECK(classify_bedrock_path("POST", "/foundation-model/x/invoke").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "/guardrail/abc/version/1/apply").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "").api == bedrock_api::none);
    CHECK(classify_bedrock_path("POST", "/openai/v1/chat/completions").api == bedrock_api::none);
}

TEST_CASE("bedrock families from model ids, inference profiles and ARNs") {
    CHECK(family_of("anthropic.claude-3-sonnet-20240229-v1:0") == bedrock_family::anthropic);
    CHECK(family_of("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == bedrock_family::anthropic);
    CHECK(family_of("global.anthropic.claude-haiku-4-5-20251001-v1:0") == bedrock_family::anthropic);
    CHECK(family_of("apac.amazon.nova-pro-v1:0") == bedrock_family::amazon_nova);
    CHECK(family_of("us.amazon.nova-2-lite-v1:0") == bedrock_family::amazon_nova);
    CHECK(family_of("amazon.nova-canvas-v1:0") == bedrock_family::other);
    CHECK(family_of("amazon.titan-text-express-v1") == bedrock_family::amazon_titan_text);
    CHECK(family_of("amazon.titan-tg1-large") == bedrock_family::amazon_titan_text);
    CHECK(family_of("amazon.titan-embed-text-v2:0") == bedrock_family::amazon_titan_embed);
    CHECK(family_of("amazon.nova-2-multimodal-embeddings-v1:0") == bedrock_family::amazon_titan_embed);
    CHECK(family_of("amazon.rerank-v1:0") == bedrock_family::other);
    CHECK(family_of("meta.llama3-1-70b-instruct-v1:0") == bedrock_family::meta_llama);
    CHECK(family_of("us.meta.llama4-scout-17b-instruct-v1:0") == bedrock_family::meta_llama);
    CHECK(family_of("cohere.command-light-text-v14") == bedrock_family::cohere);
    CHECK(family_of("cohere.command-r-plus-v1:0") == bedrock_family::cohere);
    CHECK(family_of("cohere.embed-english-v3") == bedrock_family::cohere_embed);
    CHECK(family_of("us.cohere.embed-v4:0") == bedrock_family::cohere_embed);
    CHECK(family_of("cohere.rerank-v3-5:0") == bedrock_family::other);
    CHECK(family_of("mistral.mistral-large-2407-v1:0") == bedrock_family::mistral);
    CHECK(family_of("ai21.j2-mid-v1") == bedrock_family::ai21);
    CHECK(family_of("us.deepseek.r1-v1:0") == bedrock_family::deepseek);
    CHECK(family_of("openai.gpt-oss-120b-1:0") == bedrock_family::openai);
    CHECK(family_of("writer.palmyra-x5-v1:0") == bedrock_family::other);
    CHECK(family_of("") == bedrock_family::other);
    CHECK(family_of("nodots") == bedrock_family::other);

    CHECK(family_of("arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-tg1-large") ==
          bedrock_family::amazon_titan_text);
    CHECK(family_of("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0") ==
          bedrock_family::anthropic);
    CHECK(family_of("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/otnfa2ysixqd") ==
          bedrock_family::other);
    CHECK(family_of("arn:aws:sagemaker:us-east-1:123456789012:endpoint/endpoint-quick-start-abc") == bedrock_family::other);
    CHECK(family_of("arn:aws:bedrock") == bedrock_family::other);
}
