#pragma once
// The readable one-line summary of a call that tokentap prints on stderr when no OTLP endpoint is
// configured (telemetry.call_log), e.g.
//   call openai chat gpt-4o-mini -> gpt-4o-mini-2024-07-18 200 in=66 cached=0 out=17 1.234s ttfc=0.210s
// Pure.

#include <string>

#include "tokentap/telemetry/genai_call.hpp"

namespace tokentap::telemetry {

std::string format_call_line(const genai_call& call);

}  // namespace tokentap::telemetry
