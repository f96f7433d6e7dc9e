#pragma once
// Reads the response side of a Bedrock runtime call: a whole JSON body, the token counts and
// request id of the response headers, or a stream one AWS event-stream frame at a time. Pure;
// everything read is untrusted.
//
// Converse (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html):
// output.message, stopReason, usage {inputTokens, outputTokens, cacheReadInputTokens,
// cacheWriteInputTokens}, where inputTokens excludes the cache (bedrock_usage.hpp). No id and no
// model: the request id stands in (x-amzn-requestid) and the model is the path's.
// InvokeModel: the model family's own body (bedrock_invoke.hpp).
// Errors: {"message": "..."}, with `__type` in some protocols; the error type is __type's short
// name ("com.amazon...#ThrottlingException" -> "ThrottlingException"), else the
// x-amzn-errortype header's, else left unset (the caller falls back on the status).
//
// ConverseStream: messageStart -> contentBlockStart / Delta / Stop ... -> messageStop {stopReason}
// -> metadata {usage, metrics}; an exception frame (throttlingException, validationException,
// modelStreamErrorException, ...) ends the stream with an error. Content events are only checked
// to be one JSON object, without allocating.
// InvokeModelWithResponseStream: `chunk` events {"bytes": "<base64 of the model's JSON chunk>"}
// whose decoded chunks are read as bedrock_invoke.hpp describes; the last chunk carries
// amazon-bedrock-invocationMetrics, the usage when the chunks reported none.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokentap/dialects/bedrock/bedrock_endpoint.hpp"
#include "tokentap/dialects/bedrock/bedrock_invoke.hpp"
#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/dialects/facts.hpp"

namespace tokentap::dialects::bedrock {

// What the response headers say, when present.
struct bedrock_headers {
    // x-amzn-bedrock-input-token-count (without cache, as Converse), -output-token-count,
    // -cache-read-input-token-count, -cache-write-input-token-count.
    std::optional<std::int64_t> input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
    std::optional<std::string> request_id;  // x-amzn-requestid
    // x-amzn-errortype's short name ("ExpiredTokenException:http://internal..." -> "ExpiredTokenException").
    std::optional<std::string> error_type;
};

// `headers` as (lower-case name, value) pairs; unknown names are ignored, and so are counts that
// are not plain non-negative integers.
bedrock_headers read_bedrock_headers(const std::vector<std::pair<std::string, std::string>>& headers);

// A whole (non-stream) response body. A body that is not a JSON object sets body_unreadable.
void read_bedrock_response(const bedrock_call& call, std::string_view body, response_facts& f);

// Fills from the headers what the body did not report: the usage (input with the header's cache
// counts; the body's counts are kept whenever it reported input, and its output likewise), the
// request id, and the error type.
void apply_bedrock_headers(const bedrock_headers& h, response_facts& f);

class bedrock_stream_reader final : public event_reader {
public:
    explicit bedrock_stream_reader(const bedrock_call& call);

    // One frame: `name` is its :event-type, or "exception:" + its exception type; `data` its
    // payload. Never asks for a frame to be removed: returns false.
    bool on_event(std::string_view name, std::string_view data) override;

private:
    bool on_converse_event(std::string_view name, std::string_view data);
    bool on_invoke_chunk(std::string_view data);

    bedrock_api api_;
    invoke_reader invoke_;
    std::string decoded_;  // the current chunk's decoded bytes, its capacity reused
};

}  // namespace tokentap::dialects::bedrock
