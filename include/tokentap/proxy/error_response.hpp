#pragma once
// Responses that tokentap itself makes: JSON `{"error": {"type": "tokentap_...", "message": ...}}`
// in the shape most SDKs already print. Pure.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <vector>

#include "tokentap/proxy/exchange.hpp"

namespace tokentap::proxy {

http::response<http::string_body> make_error_response(http::status status, const std::string& type,
                                                      const std::string& message, bool keep_alive);

// 404 for a path no route claims; the body lists the configured prefixes.
http::response<http::string_body> make_route_not_found(const std::string& target,
                                                       const std::vector<std::string>& prefixes,
                                                       bool keep_alive);

// Status and error type for an upstream failure that happened before any response byte.
std::pair<http::status, const char*> error_for(exchange_outcome outcome);

}  // namespace tokentap::proxy
