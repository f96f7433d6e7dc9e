#pragma once
// Which Amazon Bedrock runtime call a request is, from its method and upstream path, and which
// model family the model id belongs to (the family decides the InvokeModel body shapes). The
// runtime API (bedrock-runtime.<region>.amazonaws.com) names the model in the path:
//   POST /model/{modelId}/converse                      Converse
//   POST /model/{modelId}/converse-stream               ConverseStream (AWS event stream)
//   POST /model/{modelId}/invoke                        InvokeModel (the model's native body)
//   POST /model/{modelId}/invoke-with-response-stream   InvokeModelWithResponseStream
// Everything else (count-tokens, async-invoke, guardrails, GET) is forwarded untouched and gets
// no GenAI span. The OpenAI-compatible endpoints Bedrock also serves (/openai/v1/...) are the
// OpenAI dialect's. Pure.

#include <cstdint>
#include <string>
#include <string_view>

namespace tokentap::dialects::bedrock {

enum class bedrock_api : std::uint8_t { none = 0, converse, converse_stream, invoke, invoke_stream };

struct bedrock_call {
    bedrock_api api = bedrock_api::none;
    // The {modelId} path segment, percent-decoded: a model id ("anthropic.claude-3-sonnet-20240229-v1:0"),
    // an inference profile ("us.anthropic..."), or an ARN, which itself contains '/'.
    std::string model_id;
};

// `path` is the upstream path, without the query. The model id may be percent-encoded (SDKs send
// ':' as %3A and an ARN's '/' as %2F) or not (an ARN with a bare '/' is taken whole).
bedrock_call classify_bedrock_path(std::string_view method, std::string_view path);

enum class bedrock_family : std::uint8_t {
    other,               // an unknown provider, or an ARN that names no model (application inference profile)
    anthropic,           // anthropic.*: Anthropic Messages bodies (or the legacy `prompt` completion)
    amazon_nova,         // amazon.nova-*: Nova understanding models (messages + inferenceConfig)
    amazon_titan_text,   // amazon.titan-text-*, amazon.titan-tg1-*: inputText + textGenerationConfig
    amazon_titan_embed,  // amazon.titan-embed-*, and Nova multimodal embeddings: embeddings
    meta_llama,          // meta.llama*: prompt + max_gen_len
    cohere,              // cohere.command*: Command (prompt) and Command R (message + chat_history)
    cohere_embed,        // cohere.embed-*: texts -> embeddings
    mistral,             // mistral.*: prompt completions, or messages for the chat models
    ai21,                // ai21.*: Jurassic-2 (prompt) and Jamba (messages)
    deepseek,            // deepseek.*
    openai,              // openai.*: gpt-oss, OpenAI Chat Completions bodies
};

// The family of a model id. Inference profile prefixes (us., eu., apac., global., ...) are skipped;
// for an ARN the resource part is read ("...:foundation-model/amazon.titan-tg1-large",
// "...:inference-profile/us.anthropic...").
bedrock_family family_of(std::string_view model_id);

}  // namespace tokentap::dialects::bedrock
