#pragma once
// Base64 decoding (RFC 4648 section 4, the standard alphabet) of the `bytes` member of Bedrock's
// InvokeModelWithResponseStream chunks ({"bytes": "<base64 of the model's JSON chunk>"}). Pure.

#include <string>
#include <string_view>

namespace tokentap::dialects::bedrock {

// Decodes `in` into `out` (replacing its contents, reusing its capacity). Padding is optional; a
// character outside the alphabet, '=' anywhere but at the end, or a length that cannot be base64
// (one character left over) fails: returns false, and `out` is then unspecified.
bool decode_base64(std::string_view in, std::string& out);

}  // namespace tokentap::dialects::bedrock
