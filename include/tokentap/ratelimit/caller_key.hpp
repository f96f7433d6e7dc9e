#pragma once
// Who is calling, without keeping the credential: the API key a request carries, and a short
// one-way hash of it that metrics, spans and the limiter use to tell callers apart (the same in
// every process and replica). Pure; thread-safe.

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

namespace tokentap::ratelimit {

// The credential of a request: the token of `authorization: Bearer ...` (or the access key id of an
// AWS SigV4 `Credential=`), else `x-api-key`, `api-key`, `x-goog-api-key`, else a `key=` query
// parameter of `target`. "" when the request carries none. Views into `headers` or `target`.
std::string_view find_api_key(const boost::beast::http::fields& headers, std::string_view target);

// The first 16 hex digits of the key's SHA-256; "" for an empty key.
std::string caller_hash(std::string_view key);

}  // namespace tokentap::ratelimit
