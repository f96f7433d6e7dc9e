#pragma once
// Turns one LLM call into its OpenTelemetry GenAI CLIENT span, attribute by attribute as
// SEMCONV.md part 1 decides. Pure: the span ids come from the caller.

#include "tokentap/telemetry/genai_call.hpp"
#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry {

// The semantic conventions schema tokentap follows; put on the instrumentation scope.
inline constexpr const char* semconv_schema_url = "https://opentelemetry.io/schemas/gen-ai-dev/1.42.0-dev";

// `new_trace` is used when the call has no valid parent.
span make_genai_span(const genai_call& call, const trace_id& new_trace, const span_id& new_span);

// The HTTP CLIENT span of one send of a call tokentap sent more than once (call.attempts[i]), a
// child of the call's span `call_span`; http.request.resend_count counts the sends before it.
span make_attempt_span(const genai_call& call, const span& call_span, std::size_t i, const span_id& id);

}  // namespace tokentap::telemetry
