#pragma once
// What may appear in logs. API keys travel in headers (never logged) and, for Gemini, in the
// `key` query parameter: its value is replaced before a target is logged. Pure.

#include <string>
#include <string_view>

namespace tokentap::proxy {

// "/v1beta/models/m:generateContent?key=AIza...&alt=sse" -> "...?key=REDACTED&alt=sse".
// Also redacts `api-key`, `api_key`, `access_token`, `sig` and `X-Amz-Signature`/`-Credential`/
// `-Security-Token` values.
std::string redact_target(std::string_view target);

}  // namespace tokentap::proxy
