#include "tokentap/proxy/error_response.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace tokentap::proxy {

namespace {
http::response<http::string_body> json_response(http::status status, const nlohmann::json& body, bool keep_alive) {
    http::response<http::string_body> res{status, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::server, "tokentap");
    // Targets and messages may hold any octet: invalid UTF-8 becomes U+FFFD rather than an exception.
    res.body() = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}
}  // namespace

const char* to_string(exchange_outcome o) {
    switch (o) {
        case exchange_outcome::completed: return "completed";
        case exchange_outcome::upstream_unreachable: return "upstream_unreachable";
        case exchange_outcome::upstream_tls_error: return "upstream_tls_error";
        case exchange_outcome::upstream_timeout: return "upstream_timeout";
        case exchange_outcome::upstream_error: return "upstream_error";
        case exchange_outcome::client_gone: return "client_gone";
        case exchange_outcome::client_error: return "client_error";
    }
    return "unknown";
}

http::response<http::string_body> make_error_response(http::status status, const std::string& type,
                                                      const std::string& message, bool keep_alive) {
    return json_response(status, {{"error", {{"type", type}, {"message", message}}}}, keep_alive);
}

http::response<http::string_body> make_route_not_found(const std::string& target,
                                                       const std::vector<std::string>& prefixes,
                                                       bool keep_alive) {
    nlohmann::json body = {{"error",
                            {{"type", "tokentap_route_not_found"},
                             {"message", "no route for " + target + "; configured prefixes are listed in routes"},
                             {"routes", prefixes}}}};
    return json_response(http::status::not_found, body, keep_alive);
}

namespace {
http::response<http::string_body> dialect_error(http::status status, dialects::wire dialect,
                                                std::chrono::milliseconds retry_after, const std::string& message,
                                                bool keep_alive) {
    using dialects::wire;
    const bool limited = status == http::status::too_many_requests;
    nlohmann::json body;
    switch (dialect) {
        case wire::anthropic:
            body = {{"type", "error"},
                    {"error", {{"type", limited ? "rate_limit_error" : "overloaded_error"}, {"message", message}}}};
            break;
        case wire::gemini:
            body = {{"error",
                     {{"code", static_cast<int>(status)},
                      {"message", message},
                      {"status", limited ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE"}}}};
            break;
        case wire::bedrock: body = {{"message", message}}; break;
        case wire::openai:
            body = {{"error",
                     {{"message", message},
                      {"type", limited ? "tokentap_rate_limit" : "tokentap_limit_store_unavailable"},
                      {"param", nullptr},
                      {"code", limited ? "rate_limit_exceeded" : "service_unavailable"}}}};
            break;
    }
    auto res = json_response(status, body, keep_alive);
    if (dialect == wire::bedrock)
        res.set("x-amzn-errortype", limited ? "ThrottlingException" : "ServiceUnavailableException");
    const auto ms = std::max<long long>(0, retry_after.count());
    res.set(http::field::retry_after, std::to_string((ms + 999) / 1000));
    res.set("retry-after-ms", std::to_string(ms));
    return res;
}
}  // namespace

http::response<http::string_body> make_limit_response(dialects::wire dialect, std::chrono::milliseconds retry_after,
                                                      std::string_view exceeded, std::string_view scope,
                                                      bool keep_alive) {
    const std::string message = "tokentap: " + std::string(scope) + " limit of " + std::string(exceeded) +
                                " per minute reached; retry after " + std::to_string(retry_after.count()) + " ms";
    return dialect_error(http::status::too_many_requests, dialect, retry_after, message, keep_alive);
}

http::response<http::string_body> make_limit_store_down(dialects::wire dialect, std::chrono::milliseconds retry_after,
                                                        bool keep_alive) {
    return dialect_error(http::status::service_unavailable, dialect, retry_after,
                         "tokentap: the shared limit store is unavailable and limits fail closed", keep_alive);
}

std::pair<http::status, const char*> error_for(exchange_outcome outcome) {
    switch (outcome) {
        case exchange_outcome::upstream_timeout: return {http::status::gateway_timeout, "tokentap_upstream_timeout"};
        case exchange_outcome::upstream_tls_error: return {http::status::bad_gateway, "tokentap_tls_error"};
        case exchange_outcome::upstream_unreachable: return {http::status::bad_gateway, "tokentap_upstream_unreachable"};
        case exchange_outcome::client_error: return {http::status::bad_request, "tokentap_bad_request"};
        default: return {http::status::bad_gateway, "tokentap_upstream_error"};
    }
}

}  // namespace tokentap::proxy
