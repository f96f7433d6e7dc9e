#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "tokentap/proxy/error_response.hpp"

using namespace tokentap::proxy;

namespace {

// Checks what every tokentap-made response has in common and returns its parsed body.
nlohmann::json checked_body(const http::response<http::string_body>& res) {
    CHECK(res.version() == 11);
    CHECK(res[http::field::content_type] == "application/json");
    CHECK(res[http::field::content_length] == std::to_string(res.body().size()));
    CHECK_FALSE(res.chunked());
    const auto body = nlohmann::json::parse(res.body());  // throws, failing the test, on bad JSON
    REQUIRE(body.contains("error"));
    REQUIRE(body["error"].is_object());
    return body;
}

}  // namespace

TEST_SUITE("unit/proxy/error_response") {

TEST_CASE("make_error_response") {
    const auto res = make_error_response(http::status::bad_gateway, "tokentap_upstream_unreachable",
                                         "cannot connect to api.openai.com:443", true);
    CHECK(res.result() == http::status::bad_gateway);
    CHECK(res.keep_alive());
    const auto body = checked_body(res);
    CHECK(body["error"]["type"] == "tokentap_upstream_unreachable");
    CHECK(body["error"]["message"] == "cannot connect to api.openai.com:443");
}

TEST_CASE("make_error_response honours keep_alive = false") {
    const auto res = make_error_response(http::status::gateway_timeout, "tokentap_upstream_timeout", "slow", false);
    CHECK(res.result() == http::status::gateway_timeout);
    CHECK_FALSE(res.keep_alive());
    CHECK(res[http::field::connection] == "close");
    checked_body(res);
}

TEST_CASE("messages with quotes, backslashes, control and non-ASCII characters stay valid JSON") {
    const std::string message = "bad \"header\" \\ line1\nline2\t\x01 caf\xc3\xa9";
    const auto res = make_error_response(http::status::bad_request, "tokentap_bad_request", message, true);
    const auto body = checked_body(res);
    CHECK(body["error"]["message"] == message);
}

TEST_CASE("make_route_not_found lists the prefixes") {
    const std::vector<std::string> prefixes = {"/anthropic", "/openai", "/v1"};
    const auto res = make_route_not_found("/nowhere?x=\"1\"", prefixes, true);
    CHECK(res.result() == http::status::not_found);
    CHECK(res.keep_alive());
    const auto body = checked_body(res);
    CHECK(body["error"]["type"] == "tokentap_route_not_found");
    const std::string message = body["error"]["message"];
    CHECK(message.find("/nowhere?x=\"1\"") != std::string::npos);
    CHECK(body["error"]["routes"] == nlohmann::json(prefixes));

    CHECK_FALSE(make_route_not_found("/x", {}, false).keep_alive());
    CHECK(checked_body(make_route_not_found("/x", {}, false))["error"]["routes"] == nlohmann::json::array());
}

TEST_CASE("a target that is not valid UTF-8 still gets a JSON 404") {
    http::response<http::string_body> res;
    CHECK_NOTHROW(res = make_route_not_found("/caf\xe9", {"/v1"}, true));
    CHECK(res.result() == http::status::not_found);
}

TEST_CASE("error_for maps each outcome to a status and an error type") {
    auto check = [](exchange_outcome o, http::status status, const std::string& type) {
        CAPTURE(to_string(o));
        const auto [s, t] = error_for(o);
        CHECK(s == status);
        CHECK(std::string(t) == type);
    };
    check(exchange_outcome::upstream_timeout, http::status::gateway_timeout, "tokentap_upstream_timeout");
    check(exchange_outcome::upstream_tls_error, http::status::bad_gateway, "tokentap_tls_error");
    check(exchange_outcome::upstream_unreachable, http::status::bad_gateway, "tokentap_upstream_unreachable");
    check(exchange_outcome::upstream_error, http::status::bad_gateway, "tokentap_upstream_error");
    check(exchange_outcome::client_error, http::status::bad_request, "tokentap_bad_request");
}

TEST_CASE("to_string names every outcome") {
    CHECK(std::string(to_string(exchange_outcome::completed)) == "completed");
    CHECK(std::string(to_string(exchange_outcome::upstream_timeout)) == "upstream_timeout");
    CHECK(std::string(to_string(exchange_outcome::client_gone)) == "client_gone");
}

}  // TEST_SUITE

TEST_CASE("a local limit answers 429 in the dialect's own error shape, with retry-after") {
    using tokentap::dialects::wire;
    using namespace std::chrono_literals;
    const auto openai = tokentap::proxy::make_limit_response(wire::openai, 1500ms, "requests", "caller", true);
    CHECK(openai.result_int() == 429);
    CHECK(openai[http::field::retry_after] == "2");
    CHECK(openai["retry-after-ms"] == "1500");
    const auto o = nlohmann::json::parse(openai.body());
    CHECK(o["error"]["code"] == "rate_limit_exceeded");
    CHECK(o["error"]["message"].get<std::string>().find("caller limit of requests") != std::string::npos);

    const auto anthropic = nlohmann::json::parse(tokentap::proxy::make_limit_response(wire::anthropic, 0ms, "tokens", "route", true).body());
    CHECK(anthropic["type"] == "error");
    CHECK(anthropic["error"]["type"] == "rate_limit_error");

    const auto gemini = nlohmann::json::parse(tokentap::proxy::make_limit_response(wire::gemini, 10ms, "tokens", "route", true).body());
    CHECK(gemini["error"]["code"] == 429);
    CHECK(gemini["error"]["status"] == "RESOURCE_EXHAUSTED");

    const auto bedrock = tokentap::proxy::make_limit_response(wire::bedrock, 999ms, "requests", "caller", false);
    CHECK(bedrock["x-amzn-errortype"] == "ThrottlingException");
    CHECK(bedrock[http::field::retry_after] == "1");
    CHECK(nlohmann::json::parse(bedrock.body()).contains("message"));
    CHECK_FALSE(bedrock.keep_alive());

    const auto down = tokentap::proxy::make_limit_store_down(wire::anthropic, 1000ms, true);
    CHECK(down.result_int() == 503);
    CHECK(nlohmann::json::parse(down.body())["error"]["type"] == "overloaded_error");
}
