// Routes with aws_sigv4: what reaches the upstream is signed again for it, over the whole body.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "tokentap/proxy/aws_sigv4.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

config::config signing_config(std::uint16_t port, std::string session_token) {
    auto c = config_for(port);
    c.routes[0].provider = "aws.bedrock";
    c.routes[0].aws_sigv4 = config::aws_signing{"us-west-2", "bedrock", "AKIDEXAMPLE",
                                                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(session_token)};
    return c;
}

// The signature the upstream should have received, recomputed from what it did receive.
std::string expected_authorization(const request& got, const config::aws_signing& s) {
    proxy::sigv4_input in;
    in.method = got.method_string();
    in.target = got.target();
    in.payload = got.body();
    in.amz_date = std::string(got["x-amz-date"]);
    in.headers.emplace_back("host", std::string(got[http::field::host]));
    in.headers.emplace_back("x-amz-date", in.amz_date);
    if (got.find(http::field::content_type) != got.end())
        in.headers.emplace_back("content-type", std::string(got[http::field::content_type]));
    if (!s.session_token.empty()) in.headers.emplace_back("x-amz-security-token", s.session_token);
    in.headers.emplace_back("x-amz-content-sha256", std::string(got["x-amz-content-sha256"]));
    return proxy::sign_sigv4(in, {s.access_key_id, s.secret_access_key, s.session_token}, {s.region, s.service})
        .authorization;
}
}  // namespace

TEST_SUITE("integration/aws_signing") {

TEST_CASE("a Bedrock request is signed again for the upstream; the app's signature does not pass") {
    fake_upstream up([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, R"({"output":{}})")); });
    const auto cfg = signing_config(up.port(), "session-token-1");
    running_proxy proxy(cfg);
    client c(proxy.port());

    http::request<http::string_body> req{http::verb::post, "/up/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", 11};
    req.set(http::field::authorization, "AWS4-HMAC-SHA256 Credential=APPKEY/20250101/us-west-2/bedrock/aws4_request, "
                                        "SignedHeaders=host;x-amz-date, Signature=0000");
    req.set("x-amz-date", "20250101T000000Z");
    req.set("x-amz-security-token", "the-apps-token");
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})";
    const auto sent = req.body();
    auto res = c.send(req);
    CHECK(res.result_int() == 200);

    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].body() == sent);
    CHECK(got[0].target() == "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    const auto auth = std::string(got[0][http::field::authorization]);
    CHECK(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
    CHECK(auth.find("/us-west-2/bedrock/aws4_request") != std::string::npos);
    CHECK(auth.find("x-amz-security-token") != std::string::npos);
    CHECK(got[0]["x-amz-security-token"] == "session-token-1");
    CHECK(got[0]["x-amz-date"] != "20250101T000000Z");
    CHECK(got[0]["x-amz-date"].size() == 16);
    CHECK(auth == expected_authorization(got[0], *cfg.routes[0].aws_sigv4));
}

TEST_CASE("a chunked request body is read whole, sent with its length, and its hash signed") {
    fake_upstream up([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, "{}")); });
    const auto cfg = signing_config(up.port(), "");
    running_proxy proxy(cfg);
    client c(proxy.port());

    http::request<http::string_body> req{http::verb::post, "/up/model/amazon.nova-lite-v1%3A0/invoke", 11};
    req.set(http::field::content_type, "application/json");
    req.body() = std::string(300'000, 'x');
    req.chunked(true);
    auto res = c.send(req);
    CHECK(res.result_int() == 200);

    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].body().size() == 300'000);
    CHECK(got[0][http::field::content_length] == "300000");
    CHECK(got[0].find(http::field::transfer_encoding) == got[0].end());
    CHECK(got[0].find("x-amz-security-token") == got[0].end());
    CHECK(std::string(got[0][http::field::authorization]) == expected_authorization(got[0], *cfg.routes[0].aws_sigv4));
}

}  // TEST_SUITE

}  // namespace tokentap::test
