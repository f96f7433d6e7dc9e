// HTTPS upstreams: verified against the trust store (here a CA made at test time), SNI, host names.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"

namespace tokentap::test {

namespace {
// tokentap routing /up to a TLS upstream on `port`, trusting the CA `trusted` (through tls.ca_file).
struct proxy_trusting {
    proxy_trusting(const test_ca& trusted, std::uint16_t port)
        : ca_file(trusted.write_certificate_file()), proxy(with_ca(config_for(port, true), ca_file)) {}
    ~proxy_trusting() { std::remove(ca_file.c_str()); }
    static config::config with_ca(config::config c, const std::string& file) {
        c.tls.ca_file = file;
        return c;
    }
    std::string ca_file;
    running_proxy proxy;
};

fake_upstream::handler ok() {
    return [](const request& r, upstream_connection_io& io) { io.write(fixed_response(200, "{\"host\":\"" + std::string(r[http::field::host]) + "\"}")); };
}
}  // namespace

TEST_SUITE("integration/tls") {

TEST_CASE("an HTTPS upstream whose certificate chains to a trusted CA is used, with keep-alive") {
    test_ca ca;
    const auto identity = ca.issue({"localhost"}, {});
    fake_upstream up(ok(), &identity);
    proxy_trusting tp(ca, up.port());
    client c(tp.proxy.port());
    auto res = c.post("/up/v1/chat/completions", "{}");
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "{\"host\":\"localhost:" + std::to_string(up.port()) + "\"}");
    CHECK(c.post("/up/v1/chat/completions", "{}").result_int() == 200);
    CHECK(up.connections() == 1);
}

TEST_CASE("a certificate from an untrusted CA is refused with 502 tokentap_tls_error") {
    test_ca trusted, other("some other CA");
    const auto identity = other.issue({"localhost"}, {});
    fake_upstream up(ok(), &identity);
    proxy_trusting tp(trusted, up.port());
    client c(tp.proxy.port());
    auto res = c.post("/up/v1/chat/completions", "{}");
    CHECK(res.result_int() == 502);
    auto j = nlohmann::json::parse(res.body());
    CHECK(j["error"]["type"] == "tokentap_tls_error");
    CHECK(j["error"]["message"].get<std::string>().find("certificate verification failed") != std::string::npos);
    CHECK(up.received().empty());
}

TEST_CASE("a trusted certificate for another host name is refused") {
    test_ca ca;
    const auto identity = ca.issue({"api.example.com"}, {});
    fake_upstream up(ok(), &identity);
    proxy_trusting tp(ca, up.port());
    client c(tp.proxy.port());
    auto res = c.post("/up/v1/chat/completions", "{}");
    CHECK(res.result_int() == 502);
    CHECK(up.received().empty());
}

}  // TEST_SUITE

}  // namespace tokentap::test
