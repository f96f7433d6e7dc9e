#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tokentap/dialects/bedrock/bedrock_request.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::bedrock;

namespace {

using strings = std::vector<std::string>;

request_facts read(bedrock_api api, const std::string& model_id, const std::string& body) {
    return read_bedrock_request(bedrock_call{api, model_id}, body);
}

}  // namespace

TEST_CASE("bedrock converse request: inferenceConfig and the model's extra fields") {
    const auto f = read(bedrock_api::converse, "anthropic.claude-3-sonnet-20240229-v1:0", R"({
        "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 512, "temperature": 0.7, "topP": 0.9, "stopSequences": ["END"]},
        "additionalModelRequestFields": {"top_k": 40},
        "outputConfig": {"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"name": "x", "schema": "{}"}}}},
        "serviceTier": {"type": "priority"}})");
    CHECK(f.operation == "chat");
    CHECK(f.model == "anthropic.claude-3-sonnet-20240229-v1:0");
    CHECK_FALSE(f.stream);
    CHECK(f.max_tokens == 512);
    CHECK(f.temperature == doctest::Approx(0.7));
    CHECK(f.top_p == doctest::Approx(0.9));
    CHECK(f.stop_sequences == strings{"END"});
    CHECK(f.top_k == 40);
    CHECK(f.output_type == "json");
    CHECK(f.service_tier == "priority");
    CHECK(f.api_type.empty());
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("bedrock converse request: Nova top_k, reasoning levels, streaming") {
    const auto nova = read(bedrock_api::converse_stream, "us.amazon.nova-lite-v1:0",
                           R"({"messages": [], "additionalModelRequestFields": {"inferenceConfig": {"topK": 20},
                               "reasoningConfig": {"type": "enabled", "maxReasoningEffort": "medium"}},
                               "serviceTier": {"type": "default"}})");
    CHECK(nova.stream);
    CHECK(nova.operation == "chat");
    CHECK(nova.top_k == 20);
    CHECK(nova.reasoning_level == "medium");
    CHECK_FALSE(nova.service_tier);  // the default tier is not worth an attribute
    CHECK_FALSE(nova.max_tokens);

    const auto oss = read(bedrock_api::converse, "openai.gpt-oss-120b-1:0",
                          R"({"messages": [], "additionalModelRequestFields": {"reasoning_config": "high"}})");
    CHECK(oss.reasoning_level == "high");

    const auto thinking = read(bedrock_api::converse, "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                               R"({"additionalModelRequestFields": {"thinking": {"type": "enabled", "budget_tokens": 1024}}})");
    CHECK_FALSE(thinking.reasoning_level);  // a budget names no level
}

TEST_CASE("bedrock converse request: bodies that are not JSON") {
    const auto bad = read(bedrock_api::converse, "amazon.nova-micro-v1:0", R"({"messages": [)");
    CHECK(bad.body_unreadable);
    CHECK(bad.operation == "chat");
    CHECK(bad.model == "amazon.nova-micro-v1:0");
    CHECK_FALSE(read(bedrock_api::converse, "amazon.nova-micro-v1:0", "").body_unreadable);
    CHECK(read(bedrock_api::none, "x", "{}").operation.empty());
}

TEST_CASE("bedrock invoke request: Anthropic Messages and legacy completions") {
    const auto messages = read(bedrock_api::invoke_stream, "us.anthropic.claude-3-5-haiku-20241022-v1:0", R"({
        "anthropic_version": "bedrock-2023-05-31", "system": "long", "max_tokens": 50, "temperature": 0.1,
        "top_p": 0.2, "top_k": 250, "stop_sequences": ["stop"],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "How?"}]}]})");
    CHECK(messages.operation == "chat");
    CHECK(messages.stream);
    CHECK(messages.model == "us.anthropic.claude-3-5-haiku-20241022-v1:0");
    CHECK(messages.max_tokens == 50);
    CHECK(messages.top_p == doctest::Approx(0.2));
    CHECK(messages.top_k == 250);
    CHECK(messages.stop_sequences == strings{"stop"});

    const auto legacy = read(bedrock_api::invoke, "anthropic.claude-v2:1",
                             R"({"prompt": "\n\nHuman: Hi\n\nAssistant:", "max_tokens_to_sample": 200, "temperature": 0.5})");
    CHECK(legacy.operation == "text_completion");
    CHECK_FALSE(legacy.stream);
    CHECK(legacy.max_tokens == 200);
    CHECK(legacy.temperature == doctest::Approx(0.5));
}

TEST_CASE("bedrock invoke request: Nova, Titan, Llama, Cohere, Mistral, AI21") {
    const auto nova = read(bedrock_api::invoke, "us.amazon.nova-lite-v1:0", R"({"schemaVersion": "messages-v1",
        "messages": [{"role": "user", "content": [{"text": "Joke"}]}], "system": [{"text": "Short."}],
        "inferenceConfig": {"max_new_tokens": 300, "temperature": 0.7, "top_p": 0.9, "top_k": 20, "stopSequences": ["x"]}})");
    CHECK(nova.operation == "chat");
    CHECK(nova.max_tokens == 300);
    CHECK(nova.top_p == doctest::Approx(0.9));
    CHECK(nova.top_k == 20);
    CHECK(nova.stop_sequences == strings{"x"});

    const auto nova_camel = read(bedrock_api::invoke, "amazon.nova-micro-v1:0",
                                 R"({"messages": [], "inferenceConfig": {"maxTokens": 500, "topP": 0.8, "topK": 10}})");
    CHECK(nova_camel.max_tokens == 500);
    CHECK(nova_camel.top_p == doctest::Approx(0.8));
    CHECK(nova_camel.top_k == 10);

    const auto titan = read(bedrock_api::invoke, "amazon.titan-text-express-v1", R"({"inputText": "Translate",
        "textGenerationConfig": {"maxTokenCount": 200, "temperature": 0.5, "topP": 0.4, "stopSequences": []}})");
    CHECK(titan.operation == "text_completion");
    CHECK(titan.max_tokens == 200);
    CHECK(titan.temperature == doctest::Approx(0.5));
    CHECK(titan.top_p == doctest::Approx(0.4));
    CHECK(titan.stop_sequences == strings{});

    const auto llama = read(bedrock_api::invoke, "meta.llama2-13b-chat-v1",
                            R"({"prompt": "What?", "temperature": 0.9, "top_p": 1.0, "max_gen_len": 60})");
    CHECK(llama.operation == "text_completion");
    CHECK(llama.max_tokens == 60);
    CHECK(llama.top_p == doctest::Approx(1.0));

    const auto cohere = read(bedrock_api::invoke, "cohere.command-light-text-v14", R"({"prompt": "Hi", "temperature": 0.9,
        "p": 0.75, "k": 5, "max_tokens": 10, "stop_sequences": ["--"], "stream": false, "num_generations": 2})");
    CHECK(cohere.operation == "text_completion");
    CHECK(cohere.max_tokens == 10);
    CHECK(cohere.top_p == doctest::Approx(0.75));
    CHECK(cohere.top_k == 5);
    CHECK(cohere.stop_sequences == strings{"--"});
    CHECK(cohere.choice_count == 2);
    CHECK_FALSE(cohere.stream);  // the API decides, not the body's `stream`

    const auto command_r = read(bedrock_api::invoke, "cohere.command-r-v1:0",
                                R"({"message": "Hi", "chat_history": [], "max_tokens": 100})");
    CHECK(command_r.operation == "chat");
    CHECK(command_r.max_tokens == 100);

    const auto mistral = read(bedrock_api::invoke, "mistral.mistral-7b-instruct-v0:2",
                              R"({"prompt": "<s>[INST] Hi [/INST]", "max_tokens": 64, "top_k": 50, "stop": ["</s>"]})");
    CHECK(mistral.operation == "text_completion");
    CHECK(mistral.top_k == 50);
    CHECK(mistral.stop_sequences == strings{"</s>"});
    CHECK(read(bedrock_api::invoke, "mistral.mistral-large-2407-v1:0", R"({"messages": []})").operation == "chat");

    const auto jurassic = read(bedrock_api::invoke, "ai21.j2-mid-v1",
                               R"({"prompt": "Explain", "temperature": 0.9, "topP": 1.0, "maxTokens": 10,
                                   "stopSequences": [], "numResults": 1})");
    CHECK(jurassic.operation == "text_completion");
    CHECK(jurassic.max_tokens == 10);
    CHECK_FALSE(jurassic.choice_count);  // one result is the default
}

TEST_CASE("bedrock invoke request: OpenAI-style bodies are read by the OpenAI dialect, the model from the path") {
    const auto f = read(bedrock_api::invoke, "openai.gpt-oss-20b-1:0", R"({"model": "gpt-oss-20b",
        "messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": 256, "reasoning_effort": "low",
        "seed": 7})");
    CHECK(f.operation == "chat");
    CHECK(f.model == "openai.gpt-oss-20b-1:0");
    CHECK(f.max_tokens == 256);
    CHECK(f.reasoning_level == "low");
    CHECK(f.seed == 7);
    CHECK(f.api_type.empty());
}

TEST_CASE("bedrock invoke request: embeddings") {
    const auto titan = read(bedrock_api::invoke, "amazon.titan-embed-text-v2:0",
                            R"({"inputText": "Hello", "dimensions": 256, "normalize": true, "embeddingTypes": ["float", "binary"]})");
    CHECK(titan.operation == "embeddings");
    CHECK(titan.dimensions == 256);
    CHECK(titan.encoding_formats == strings{"float", "binary"});
    CHECK_FALSE(titan.max_tokens);

    const auto titan_v1 = read(bedrock_api::invoke, "amazon.titan-embed-text-v1", R"({"inputText": "Hello"})");
    CHECK(titan_v1.operation == "embeddings");
    CHECK_FALSE(titan_v1.dimensions);

    const auto cohere = read(bedrock_api::invoke, "us.cohere.embed-v4:0", R"({"texts": ["a", "b"],
        "input_type": "search_query", "output_dimension": 512, "embedding_types": ["int8"], "max_tokens": 100})");
    CHECK(cohere.operation == "embeddings");
    CHECK(cohere.dimensions == 512);
    CHECK(cohere.encoding_formats == strings{"int8"});

    const auto nova = read(bedrock_api::invoke, "amazon.nova-2-multimodal-embeddings-v1:0", R"({"taskType": "SINGLE_EMBEDDING",
        "singleEmbeddingParams": {"embeddingPurpose": "GENERIC_RETRIEVAL", "embeddingDimension": 384, "text": {"value": "x"}}})");
    CHECK(nova.operation == "embeddings");
    CHECK(nova.dimensions == 384);
}

TEST_CASE("bedrock invoke request: an ARN that hides the family is read by the body's shape") {
    const std::string profile = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";
    const auto embed = read(bedrock_api::invoke, profile, R"({"inputText": "Hello", "normalize": true})");
    CHECK(embed.operation == "embeddings");
    CHECK(embed.model == profile);

    const auto titan = read(bedrock_api::invoke, profile,
                            R"({"inputText": "Hi", "textGenerationConfig": {"maxTokenCount": 50, "topP": 0.9}})");
    CHECK(titan.operation == "text_completion");
    CHECK(titan.max_tokens == 50);
    CHECK(titan.top_p == doctest::Approx(0.9));

    const auto nova = read(bedrock_api::invoke, profile, R"({"messages": [], "inferenceConfig": {"maxTokens": 70}})");
    CHECK(nova.operation == "chat");
    CHECK(nova.max_tokens == 70);

    const auto imported = read(bedrock_api::invoke, "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e1",
                               R"({"prompt": "Explain.", "max_tokens": 100, "topP": 2, "temperature": 0.5})");
    CHECK(imported.operation == "text_completion");
    CHECK(imported.max_tokens == 100);
    CHECK(imported.top_p == doctest::Approx(2.0));

    const auto unreadable = read(bedrock_api::invoke, profile, "not json");
    CHECK(unreadable.body_unreadable);
    CHECK(unreadable.operation == "chat");
    CHECK(read(bedrock_api::invoke, "meta.llama3-8b-instruct-v1:0", "[1]").operation == "text_completion");
}
