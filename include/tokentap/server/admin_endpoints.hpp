#pragma once
// GET /healthz and GET /metrics, served on the proxy's own port. Pure apart from reading the
// registry.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>

#include "tokentap/telemetry/metrics/metrics_registry.hpp"

namespace tokentap::server {

namespace http = boost::beast::http;

// The response when `req` is an admin request, else nullopt (the request goes to the routes).
std::optional<http::response<http::string_body>> admin_response(const http::request_header<>& req,
                                                                 const telemetry::metrics_registry& registry,
                                                                 bool ready, bool keep_alive);

}  // namespace tokentap::server
