#pragma once
// Responses that tokentap itself makes: JSON `{"error": {"type": "tokentap_...", "message": ...}}`
// in the shape most SDKs already print. Pure.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/dialects/endpoint.hpp"
#include "tokentap/proxy/exchange.hpp"

namespace tokentap::proxy {

http::response<http::string_body> make_error_response(http::status status, const std::string& type,
                                                      const std::string& message, bool keep_alive);

// 404 for a path no route claims; the body lists the configured prefixes.
http::response<http::string_body> make_route_not_found(const std::string& target,
                                                       const std::vector<std::string>& prefixes,
                                                       bool keep_alive);

// 429 from a local limit (gateway mode), in the error shape of the call's own dialect so that the
// app's SDK backs off as it would against the provider: OpenAI `{"error":{"type","code":
// "rate_limit_exceeded",...}}`, Anthropic `{"type":"error","error":{"type":"rate_limit_error",...}}`,
// Gemini `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED",...}}`, Bedrock `{"message"}` with
// x-amzn-errortype ThrottlingException; with `retry-after` (whole seconds, rounded up) and
// `retry-after-ms`. `exceeded` is "requests" or "tokens"; `scope` says whose limit ("caller", "route").
http::response<http::string_body> make_limit_response(dialects::wire dialect, std::chrono::milliseconds retry_after,
                                                      std::string_view exceeded, std::string_view scope,
                                                      bool keep_alive);

// 503 when a fail-closed limit store (Redis) cannot be asked, in the same shapes.
http::response<http::string_body> make_limit_store_down(dialects::wire dialect, std::chrono::milliseconds retry_after,
                                                        bool keep_alive);

// Status and error type for an upstream failure that happened before any response byte.
std::pair<http::status, const char*> error_for(exchange_outcome outcome);

}  // namespace tokentap::proxy
