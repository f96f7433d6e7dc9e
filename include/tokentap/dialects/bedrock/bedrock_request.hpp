#pragma once
// Reads the request side of a Bedrock runtime call into request facts. The model is always the
// path's model id (Bedrock bodies do not name it); streaming follows from the API
// (converse-stream, invoke-with-response-stream). Only the parameter members are parsed; message
// and document contents are skipped unbuilt. Pure; the body is untrusted.
//
// Converse / ConverseStream -> operation "chat":
//   inferenceConfig.{maxTokens, temperature, topP, stopSequences}; top_k from
//   additionalModelRequestFields.{top_k | topK | inferenceConfig.topK}; the reasoning level sent in
//   additionalModelRequestFields.{reasoning_effort | reasoning_config (a string) |
//   reasoningConfig.maxReasoningEffort}; outputConfig.textFormat.type json_schema -> output "json";
//   serviceTier.type other than "default" -> service tier.
//
// InvokeModel / InvokeModelWithResponseStream: the operation follows the body's shape, since one
// family has several (and an ARN may hide the family):
//   embeddings       an embedding family (Titan / Nova embeddings, Cohere Embed), or `texts`,
//                    `taskType`, or `inputText` with embedding options (normalize, dimensions, ...)
//   chat             `messages`, a `system` array, or `message` (Cohere Command R)
//   text_completion  `prompt` or `inputText`
//   otherwise by family: Titan text, Llama, Cohere, DeepSeek -> text_completion; others -> chat.
// Parameters by family (each key read where present):
//   anthropic   Anthropic Messages (or legacy `prompt`) body, read by the Anthropic dialect:
//               max_tokens (max_tokens_to_sample), temperature, top_p, top_k, stop_sequences, ...
//   openai      OpenAI Chat Completions body, read by the OpenAI dialect
//   nova        inferenceConfig.{max_new_tokens | maxTokens, temperature, top_p | topP,
//               top_k | topK, stopSequences}
//   titan text  textGenerationConfig.{maxTokenCount, temperature, topP, stopSequences}
//   llama       max_gen_len, temperature, top_p
//   cohere      max_tokens, temperature, p, k, stop_sequences, num_generations, seed
//   mistral, deepseek, ai21 (Jamba)   max_tokens, temperature, top_p, top_k, stop, n
//   ai21 (Jurassic-2)   maxTokens, temperature, topP, stopSequences, numResults
//   embeddings  dimensions (Titan v2) | output_dimension (Cohere) |
//               singleEmbeddingParams.embeddingDimension (Nova); embeddingTypes | embedding_types
//               -> encoding formats
// A family that cannot be told from the model id reads the body by the same keys: a
// textGenerationConfig or inferenceConfig object as Titan or Nova, else the top-level names above.

#include <string_view>

#include "tokentap/dialects/bedrock/bedrock_endpoint.hpp"
#include "tokentap/dialects/facts.hpp"

namespace tokentap::dialects::bedrock {

// `body` is the request body as the client sent it.
request_facts read_bedrock_request(const bedrock_call& call, std::string_view body);

}  // namespace tokentap::dialects::bedrock
