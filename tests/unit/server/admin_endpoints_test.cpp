#include <doctest/doctest.h>

#include <string>

#include "tokentap/server/admin_endpoints.hpp"

using namespace tokentap;
using server::admin_response;
namespace http = boost::beast::http;

namespace {

http::request_header<> make_request(http::verb method, const std::string& target) {
    http::request_header<> req;
    req.method(method);
    req.target(target);
    req.version(11);
    return req;
}

}  // namespace

TEST_SUITE("unit/server/admin_endpoints") {

TEST_CASE("/healthz is 200 with status ok when ready") {
    telemetry::metrics_registry reg;
    const auto res = admin_response(make_request(http::verb::get, "/healthz"), reg, true, true);
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
    CHECK(res->body() == R"({"status":"ok"})");
    CHECK(res->at(http::field::content_type) == "application/json");
    CHECK(res->at(http::field::content_length) == std::to_string(res->body().size()));
    CHECK(res->at(http::field::cache_control) == "no-store");
    CHECK(res->keep_alive());
}

TEST_CASE("/healthz is 503 while draining") {
    telemetry::metrics_registry reg;
    const auto res = admin_response(make_request(http::verb::get, "/healthz"), reg, false, false);
    REQUIRE(res);
    CHECK(res->result() == http::status::service_unavailable);
    CHECK(res->body() == R"({"status":"draining"})");
    CHECK_FALSE(res->keep_alive());
}

TEST_CASE("/metrics serves the registry in Prometheus text format") {
    telemetry::metrics_registry reg;
    reg.add_counter("tokentap.test.hits", "{hit}", "Hits.").add(3, {{"route", "/v1"}});
    const auto res = admin_response(make_request(http::verb::get, "/metrics"), reg, true, true);
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
    CHECK(std::string(res->at(http::field::content_type)).starts_with("text/plain; version=0.0.4"));
    CHECK(res->body().find("# TYPE tokentap_test_hits_total counter\n") != std::string::npos);
    CHECK(res->body().find("tokentap_test_hits_total{route=\"/v1\"} 3\n") != std::string::npos);
    CHECK(res->at(http::field::content_length) == std::to_string(res->body().size()));
}

TEST_CASE("/metrics is served even while draining") {
    telemetry::metrics_registry reg;
    const auto res = admin_response(make_request(http::verb::get, "/metrics"), reg, false, true);
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
}

TEST_CASE("the query string is ignored") {
    telemetry::metrics_registry reg;
    auto res = admin_response(make_request(http::verb::get, "/healthz?x=1"), reg, true, true);
    REQUIRE(res);
    CHECK(res->body() == R"({"status":"ok"})");
    res = admin_response(make_request(http::verb::get, "/metrics?name[]=x"), reg, true, true);
    REQUIRE(res);
    CHECK(std::string(res->at(http::field::content_type)).starts_with("text/plain"));
}

TEST_CASE("HEAD gets the headers of GET without the body") {
    telemetry::metrics_registry reg;
    const auto res = admin_response(make_request(http::verb::head, "/healthz"), reg, true, true);
    REQUIRE(res);
    CHECK(res->result() == http::status::ok);
    CHECK(res->body().empty());
    CHECK(res->at(http::field::content_length) == std::to_string(std::string(R"({"status":"ok"})").size()));
}

TEST_CASE("other requests are not admin requests") {
    telemetry::metrics_registry reg;
    CHECK_FALSE(admin_response(make_request(http::verb::post, "/healthz"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::put, "/metrics"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::get, "/other"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::get, "/healthz/"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::get, "/healthzx"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::get, "/v1/metrics"), reg, true, true));
    CHECK_FALSE(admin_response(make_request(http::verb::get, "/"), reg, true, true));
}

}  // TEST_SUITE
