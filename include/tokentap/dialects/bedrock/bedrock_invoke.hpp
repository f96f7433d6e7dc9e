#pragma once
// The facts in an InvokeModel response body, or in one decoded chunk of an
// InvokeModelWithResponseStream, whatever the model family: the families' member names do not
// collide, so a body is read by the members it has rather than by a family the model id may hide
// (an application inference profile ARN names no model). Pure; the JSON is untrusted.
//
// Members read, by family (whole body / stream chunk):
//   Anthropic   Messages body: id, model, stop_reason, usage (input excludes cache, as Anthropic);
//               stream: message_start {message}, message_delta {delta.stop_reason, usage},
//               message_stop, error. Legacy completion: stop_reason.
//   Nova        stopReason, usage {inputTokens, outputTokens, cacheRead/WriteInputTokenCount};
//               stream: messageStop {stopReason}, metadata {usage}
//   Titan       inputTextTokenCount, results[] {tokenCount, completionReason};
//               stream: inputTextTokenCount, totalOutputTextTokenCount, completionReason
//   Llama       prompt_token_count, generation_token_count (cumulative in a stream), stop_reason
//   Cohere      id, generations[].finish_reason; Command R: response_id, finish_reason;
//               stream: finish_reason, is_finished
//   Mistral     outputs[].stop_reason
//   AI21        id, completions[].finishReason.reason (Jurassic-2); Jamba as OpenAI
//   OpenAI-style (gpt-oss, Jamba, DeepSeek, Mistral chat, imported models): id, model,
//               choices[].finish_reason (or stop_reason), usage {prompt_tokens, completion_tokens,
//               prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens}.
//               An imported model's `"model": "/opt/ml/model"` (a container path) is not a model.
//   Last chunk  amazon-bedrock-invocationMetrics {inputTokenCount, outputTokenCount,
//               cacheRead/WriteInputTokenCount}: usage when the chunks reported none.
// stream_ended is set by what only a stream's last chunks carry: the invocation metrics,
// Anthropic message_stop, Nova messageStop / metadata, Cohere is_finished, a top-level
// stop_reason / completionReason / finish_reason, or Titan's totalOutputTextTokenCount (the whole-
// body reader leaves it alone).
// Finish reasons are set from a member only when it reports at least one (a stream's chunks carry
// null reasons until the last).

#include <string_view>

#include "tokentap/dialects/anthropic/anthropic_usage.hpp"
#include "tokentap/dialects/bedrock/bedrock_usage.hpp"
#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/json_fields.hpp"

namespace tokentap::dialects::bedrock {

// The members of `text` that invoke_reader reads, parsed; the others skipped unparsed. A discarded
// value when `text` is not a JSON object.
json parse_invoke_members(std::string_view text);

// Reads the objects of one response in order (one whole body, or the chunks of one stream), merging
// what each reports into the facts.
class invoke_reader {
public:
    void read(const json& object, response_facts& f);

private:
    void read_anthropic_event(std::string_view type, const json& o, response_facts& f);
    void read_counts(const json& o, response_facts& f);
    void read_usage(const json& usage, response_facts& f);

    anthropic::anthropic_usage anthropic_;
    bedrock_counts counts_;      // Titan / Llama counts, merged across chunks
    bool body_usage_ = false;    // the body or a chunk reported usage (invocation metrics then do not)
};

}  // namespace tokentap::dialects::bedrock
