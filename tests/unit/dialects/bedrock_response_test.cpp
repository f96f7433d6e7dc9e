#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tokentap/dialects/bedrock/bedrock_response.hpp"

using namespace tokentap::dialects;
using namespace tokentap::dialects::bedrock;

namespace {

using strings = std::vector<std::string>;

response_facts read_body(bedrock_api api, const std::string& model_id, const std::string& body) {
    response_facts f;
    read_bedrock_response(bedrock_call{api, model_id}, body, f);
    return f;
}

}  // namespace

TEST_CASE("bedrock converse response: usage input adds the cache; no id, no model") {
    const auto f = read_body(bedrock_api::converse, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", R"({
        "metrics": {"latencyMs": 2844},
        "output": {"message": {"content": [{"text": "Hello"}], "role": "assistant"}},
        "stopReason": "end_turn",
        "usage": {"cacheDetails": [{"inputTokens": 236, "ttl": "1h"}], "cacheReadInputTokenCount": 1712,
                  "cacheReadInputTokens": 1712, "cacheWriteInputTokenCount": 236, "cacheWriteInputTokens": 236,
                  "inputTokens": 3, "outputTokens": 121, "serverToolUsage": {}, "totalTokens": 2072}})");
    CHECK(f.usage.input == 3 + 1712 + 236);
    CHECK(f.usage.output == 121);
    CHECK(f.usage.cache_read == 1712);
    CHECK(f.usage.cache_write == 236);
    CHECK(f.usage.cache_write_1h == 236);
    CHECK(f.finish_reasons == strings{"end_turn"});
    CHECK_FALSE(f.id);
    CHECK_FALSE(f.model);
    CHECK_FALSE(f.error_type);
    CHECK_FALSE(f.body_unreadable);
}

TEST_CASE("bedrock converse response: without cache counts, input is inputTokens; the service tier") {
    const auto f = read_body(bedrock_api::converse, "us.amazon.nova-micro-v1:0", R"({"output": {"message": {}},
        "stopReason": "max_tokens", "usage": {"inputTokens": 13, "outputTokens": 5, "totalTokens": 18},
        "serviceTier": {"type": "flex"}})");
    CHECK(f.usage.input == 13);
    CHECK(f.usage.output == 5);
    CHECK_FALSE(f.usage.cache_read);
    CHECK_FALSE(f.usage.cache_write);
    CHECK(f.finish_reasons == strings{"max_tokens"});
    CHECK(f.service_tier == "flex");
}

TEST_CASE("bedrock error bodies: the __type's short name, else nothing") {
    const auto typed = read_body(bedrock_api::converse, "m.x", R"({"__type": "com.amazon.bedrock#ThrottlingException",
        "message": "Too many requests, please wait before trying again."})");
    CHECK(typed.error_type == "ThrottlingException");
    CHECK_FALSE(typed.usage.any());
    const auto invoke_typed = read_body(bedrock_api::invoke, "meta.llama3-8b-instruct-v1:0",
                                        R"({"message": "Malformed input request", "__type": "ValidationException"})");
    CHECK(invoke_typed.error_type == "ValidationException");
    const auto untyped = read_body(bedrock_api::converse, "m.x", R"({"message": "The provided model identifier is invalid."})");
    CHECK_FALSE(untyped.error_type);
    CHECK_FALSE(untyped.body_unreadable);
    CHECK(read_body(bedrock_api::converse, "m.x", "<html>502 Bad Gateway</html>").body_unreadable);
    CHECK(read_body(bedrock_api::invoke, "m.x", "").body_unreadable);
}

TEST_CASE("bedrock headers: token counts, request id and error type") {
    const auto h = read_bedrock_headers({{"content-type", "application/json"},
                                         {"x-amzn-bedrock-input-token-count", "3"},
                                         {"x-amzn-bedrock-output-token-count", " 1944 "},
                                         {"x-amzn-bedrock-cache-read-input-token-count", "9511"},
                                         {"x-amzn-bedrock-cache-write-input-token-count", "0"},
                                         {"x-amzn-bedrock-invocation-latency", "16251"},
                                         {"x-amzn-requestid", "72fc110c-c935-4e5f-86b0-2c7b27922dee"},
                                         {"x-amzn-errortype", "ExpiredTokenException:http://internal.amazon.com/coral/x/"}});
    CHECK(h.input_tokens == 3);
    CHECK(h.output_tokens == 1944);
    CHECK(h.cache_read_tokens == 9511);
    CHECK(h.cache_write_tokens == 0);
    CHECK(h.request_id == "72fc110c-c935-4e5f-86b0-2c7b27922dee");
    CHECK(h.error_type == "ExpiredTokenException");

    const auto junk = read_bedrock_headers({{"x-amzn-bedrock-input-token-count", "-4"},
                                            {"x-amzn-bedrock-output-token-count", "12abc"},
                                            {"x-amzn-bedrock-cache-read-input-token-count", ""},
                                            {"x-amzn-bedrock-cache-write-input-token-count", "99999999999999999999"}});
    CHECK_FALSE(junk.input_tokens);
    CHECK_FALSE(junk.output_tokens);
    CHECK_FALSE(junk.cache_read_tokens);
    CHECK_FALSE(junk.cache_write_tokens);
    CHECK_FALSE(junk.request_id);
}

TEST_CASE("bedrock headers fill what the body did not report") {
    SUBCASE("usage only in the headers (Cohere, AI21, embeddings)") {
        auto f = read_body(bedrock_api::invoke, "cohere.command-text-v14", R"({"id": "3266ca30",
            "generations": [{"id": "5ccd", "text": " Hi", "finish_reason": "COMPLETE"}], "prompt": "Tell me"})");
        CHECK_FALSE(f.usage.any());
        apply_bedrock_headers(read_bedrock_headers({{"x-amzn-bedrock-input-token-count", "9"},
                                                    {"x-amzn-bedrock-output-token-count", "112"},
                                                    {"x-amzn-bedrock-cache-read-input-token-count", "4"},
                                                    {"x-amzn-requestid", "3266ca30"}}),
                              f);
        CHECK(f.usage.input == 13);  // the header's input excludes the cache, as Converse's does
        CHECK(f.usage.output == 112);
        CHECK(f.usage.cache_read == 4);
        CHECK_FALSE(f.usage.cache_write);
        CHECK(f.request_id == "3266ca30");
        CHECK(f.id == "3266ca30");
        CHECK(f.finish_reasons == strings{"COMPLETE"});
    }
    SUBCASE("the body's usage wins") {
        auto f = read_body(bedrock_api::converse, "m.x",
                           R"({"stopReason": "end_turn", "usage": {"inputTokens": 7, "outputTokens": 53}})");
        apply_bedrock_headers(read_bedrock_headers({{"x-amzn-bedrock-input-token-count", "8"},
                                                    {"x-amzn-bedrock-output-token-count", "54"},
                                                    {"x-amzn-bedrock-cache-read-input-token-count", "100"}}),
                              f);
        CHECK(f.usage.input == 7);
        CHECK(f.usage.output == 53);
        CHECK_FALSE(f.usage.cache_read);
    }
    SUBCASE("an error type from the body is kept; one from the header fills in") {
        auto typed = read_body(bedrock_api::converse, "m.x", R"({"__type": "ValidationException", "message": "bad"})");
        apply_bedrock_headers(read_bedrock_headers({{"x-amzn-errortype", "AccessDeniedException:http://x/"}}), typed);
        CHECK(typed.error_type == "ValidationException");
        auto untyped = read_body(bedrock_api::converse, "m.x", R"({"message": "expired"})");
        apply_bedrock_headers(read_bedrock_headers({{"x-amzn-errortype", "ExpiredTokenException:http://x/"}}), untyped);
        CHECK(untyped.error_type == "ExpiredTokenException");
    }
}

TEST_CASE("bedrock invoke response: Anthropic Messages, with cache, and the legacy completion") {
    const auto f = read_body(bedrock_api::invoke, "anthropic.claude-3-5-haiku-20241022-v1:0", R"({
        "id": "msg_bdrk_01FG", "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
        "content": [{"type": "text", "text": "JavaScript..."}], "stop_reason": "max_tokens", "stop_sequence": null,
        "usage": {"input_tokens": 4, "cache_creation_input_tokens": 10, "cache_read_input_tokens": 18131, "output_tokens": 50}})");
    CHECK(f.id == "msg_bdrk_01FG");
    CHECK(f.model == "claude-3-5-haiku-20241022");
    CHECK(f.finish_reasons == strings{"max_tokens"});
    CHECK(f.usage.input == 4 + 10 + 18131);
    CHECK(f.usage.output == 50);
    CHECK(f.usage.cache_read == 18131);
    CHECK(f.usage.cache_write == 10);
    CHECK_FALSE(f.stream_ended);

    const auto legacy = read_body(bedrock_api::invoke, "anthropic.claude-v2:1",
                                  R"({"type": "completion", "completion": " Here's one.", "stop_reason": "stop_sequence",
                                      "stop": "\n\nHuman:"})");
    CHECK(legacy.finish_reasons == strings{"stop_sequence"});
    CHECK_FALSE(legacy.usage.any());
    CHECK_FALSE(legacy.stream_ended);
}

TEST_CASE("bedrock invoke response: Nova, Titan, Llama, Mistral, AI21, Cohere") {
    const auto nova = read_body(bedrock_api::invoke, "us.amazon.nova-lite-v1:0", R"({"output": {"message": {"content":
        [{"text": "Sure"}], "role": "assistant"}}, "stopReason": "end_turn", "usage": {"inputTokens": 7,
        "outputTokens": 53, "totalTokens": 60, "cacheReadInputTokenCount": 2, "cacheWriteInputTokenCount": 1}})");
    CHECK(nova.usage.input == 10);
    CHECK(nova.usage.output == 53);
    CHECK(nova.usage.cache_read == 2);
    CHECK(nova.usage.cache_write == 1);
    CHECK(nova.finish_reasons == strings{"end_turn"});

    const auto titan = read_body(bedrock_api::invoke, "amazon.titan-text-express-v1", R"({"inputTextTokenCount": 30,
        "results": [{"tokenCount": 29, "outputText": "Amazon Bedrock es", "completionReason": "FINISH"}]})");
    CHECK(titan.usage.input == 30);
    CHECK(titan.usage.output == 29);
    CHECK(titan.finish_reasons == strings{"FINISH"});

    const auto guarded = read_body(bedrock_api::invoke, "amazon.titan-text-express-v1", R"({"inputTextTokenCount": 6.0,
        "results": [{"tokenCount": 3.0, "outputText": "Input blocked", "completionReason": "CONTENT_FILTERED"}],
        "amazon-bedrock-guardrailAction": "INTERVENED"})");
    CHECK(guarded.usage.input == 6);
    CHECK(guarded.usage.output == 3);

    const auto llama = read_body(bedrock_api::invoke, "meta.llama3-8b-instruct-v1:0", R"({"generation": " Lorem ipsum",
        "prompt_token_count": 11, "generation_token_count": 60, "stop_reason": "length"})");
    CHECK(llama.usage.input == 11);
    CHECK(llama.usage.output == 60);
    CHECK(llama.finish_reasons == strings{"length"});

    const auto mistral = read_body(bedrock_api::invoke, "mistral.mistral-7b-instruct-v0:2",
                                   R"({"outputs": [{"text": "A", "stop_reason": "stop"}, {"text": "B", "stop_reason": "length"}]})");
    CHECK(mistral.finish_reasons == strings{"stop", "length"});
    CHECK_FALSE(mistral.usage.any());

    const auto jurassic = read_body(bedrock_api::invoke, "ai21.j2-mid-v1", R"({"id": 1234, "prompt": {"text": "Explain"},
        "completions": [{"data": {"text": " A neural", "tokens": []}, "finishReason": {"reason": "length", "length": 10}}]})");
    CHECK(jurassic.id == "1234");
    CHECK(jurassic.finish_reasons == strings{"length"});

    const auto cohere = read_body(bedrock_api::invoke, "cohere.command-light-text-v14", R"({"generations": [
        {"finish_reason": "MAX_TOKENS", "id": "325c", "text": " A large"}, {"id": "0339", "text": " Sure"}],
        "id": "c158207e", "prompt": "Hi"})");
    CHECK(cohere.id == "c158207e");
    CHECK(cohere.finish_reasons == strings{"MAX_TOKENS", ""});

    const auto command_r = read_body(bedrock_api::invoke, "cohere.command-r-v1:0", R"({"response_id": "r-1",
        "text": "Hi", "generation_id": "g-1", "chat_history": [], "finish_reason": "COMPLETE"})");
    CHECK(command_r.id == "r-1");
    CHECK(command_r.finish_reasons == strings{"COMPLETE"});
    CHECK_FALSE(command_r.stream_ended);
}

TEST_CASE("bedrock invoke response: OpenAI-style bodies (imported models, gpt-oss, DeepSeek)") {
    const auto imported = read_body(bedrock_api::invoke, "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e1", R"({
        "object": "text_completion", "id": "", "created": 1741682064, "model": "/opt/ml/model",
        "system_fingerprint": "3.0.1-native", "choices": [{"index": 0, "text": " I", "logprobs": null,
        "finish_reason": "length"}], "usage": {"prompt_tokens": 6, "completion_tokens": 100, "total_tokens": 106}})");
    CHECK_FALSE(imported.id);
    CHECK_FALSE(imported.model);
    CHECK(imported.finish_reasons == strings{"length"});
    CHECK(imported.usage.input == 6);
    CHECK(imported.usage.output == 100);

    const auto oss = read_body(bedrock_api::invoke, "openai.gpt-oss-120b-1:0", R"({"id": "chatcmpl-1",
        "model": "openai.gpt-oss-120b", "object": "chat.completion", "choices": [{"index": 0, "message": {},
        "finish_reason": "stop"}], "usage": {"prompt_tokens": 72, "completion_tokens": 56,
        "prompt_tokens_details": {"cached_tokens": 64}, "completion_tokens_details": {"reasoning_tokens": 40}}})");
    CHECK(oss.id == "chatcmpl-1");
    CHECK(oss.model == "openai.gpt-oss-120b");
    CHECK(oss.usage.input == 72);  // OpenAI's prompt_tokens already include the cache
    CHECK(oss.usage.cache_read == 64);
    CHECK(oss.usage.output == 56);
    CHECK(oss.usage.reasoning == 40);

    const auto deepseek = read_body(bedrock_api::invoke, "us.deepseek.r1-v1:0",
                                    R"({"choices": [{"text": "<think>", "stop_reason": "stop"}]})");
    CHECK(deepseek.finish_reasons == strings{"stop"});
}

TEST_CASE("bedrock invoke response: embeddings give their size and, for Titan, input tokens") {
    const auto titan = read_body(bedrock_api::invoke, "amazon.titan-embed-text-v2:0",
                                 R"({"embedding": [0.1, -0.2, 0.3, 0.4], "embeddingsByType": {"float": [0.1, -0.2, 0.3, 0.4]},
                                     "inputTextTokenCount": 4})");
    CHECK(titan.embedding_dimensions == 4);
    CHECK(titan.usage.input == 4);
    CHECK_FALSE(titan.usage.output);
    CHECK(titan.finish_reasons.empty());

    const auto cohere_v3 = read_body(bedrock_api::invoke, "cohere.embed-english-v3", R"({"embeddings": [[1, 2, 3], [4, 5, 6]],
        "id": "0e9c", "response_type": "embeddings_floats", "texts": ["a", "b"]})");
    CHECK(cohere_v3.embedding_dimensions == 3);
    CHECK(cohere_v3.id == "0e9c");

    const auto cohere_v4 = read_body(bedrock_api::invoke, "cohere.embed-v4:0",
                                     R"({"embeddings": {"float": [[0.5, -1.25e-05]]}, "id": "3893", "texts": ["x"]})");
    CHECK(cohere_v4.embedding_dimensions == 2);

    const auto nova = read_body(bedrock_api::invoke, "amazon.nova-2-multimodal-embeddings-v1:0",
                                R"({"embeddings": [{"embeddingType": "TEXT", "embedding": [0.01, 0.02, 0.03, 0.04, 0.05]}]})");
    CHECK(nova.embedding_dimensions == 5);

    CHECK(read_body(bedrock_api::invoke, "amazon.titan-embed-text-v1", R"({"embedding": []})").embedding_dimensions == 0);
    CHECK_FALSE(read_body(bedrock_api::invoke, "amazon.titan-embed-text-v1", R"({"embedding": "x"})").embedding_dimensions);
}
