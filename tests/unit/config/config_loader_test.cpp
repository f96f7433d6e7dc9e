#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "tokentap/config/config_loader.hpp"

using namespace tokentap::config;
using namespace std::chrono_literals;

namespace {

// The message of the config_error that loading `yaml` throws ("" when it does not throw).
std::string error_of(const std::string& yaml) {
    try {
        load_config_text(yaml, "test.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const route* find_route(const std::vector<route>& routes, const std::string& prefix) {
    auto it = std::find_if(routes.begin(), routes.end(), [&](const route& r) { return r.prefix == prefix; });
    return it == routes.end() ? nullptr : &*it;
}

}  // namespace

TEST_SUITE("unit/config") {

TEST_CASE("a config with every section is read in full") {
    const auto c = load_config_text(R"(listen: "0.0.0.0:9000"
threads: 4
builtin_routes: false
routes:
  - prefix: /azure/
    upstream: https://r.openai.azure.com/openai/
    provider: azure.ai.openai
  - prefix: /local
    upstream: http://127.0.0.1:11434
    provider: ollama
timeouts:
  connect: 2.5
  response_header: 120
  idle: 60
  client_header: 10
  keep_alive: 5
  drain: 0.25
limits:
  max_request_body: 1048576
  max_request_header: 16384
  max_buffered_request: 0
pool:
  max_idle_per_upstream: 8
  idle_timeout: 30
tls:
  ca_file: /etc/ssl/extra.pem
)",
                                    "full.yaml");
    CHECK(c.listen.host == "0.0.0.0");
    CHECK(c.listen.port == 9000);
    CHECK(c.threads == 4);
    CHECK_FALSE(c.builtin_routes);

    REQUIRE(c.routes.size() == 2);
    CHECK(c.routes[0].prefix == "/azure");  // trailing '/' removed
    CHECK(c.routes[0].upstream.tls);
    CHECK(c.routes[0].upstream.host == "r.openai.azure.com");
    CHECK(c.routes[0].upstream.port == 443);
    CHECK(c.routes[0].upstream.base_path == "/openai");
    CHECK(c.routes[0].provider == "azure.ai.openai");
    CHECK(c.routes[1].prefix == "/local");
    CHECK_FALSE(c.routes[1].upstream.tls);
    CHECK(c.routes[1].upstream.host == "127.0.0.1");
    CHECK(c.routes[1].upstream.port == 11434);
    CHECK(c.routes[1].upstream.base_path == "");
    CHECK(c.routes[1].provider == "ollama");

    CHECK(c.timeouts.connect == 2500ms);
    CHECK(c.timeouts.response_header == 120s);
    CHECK(c.timeouts.idle == 60s);
    CHECK(c.timeouts.client_header == 10s);
    CHECK(c.timeouts.keep_alive == 5s);
    CHECK(c.timeouts.drain == 250ms);

    CHECK(c.limits.max_request_body == 1048576);
    CHECK(c.limits.max_request_header == 16384);
    CHECK(c.limits.max_buffered_request == 0);

    CHECK(c.pool.max_idle_per_upstream == 8);
    CHECK(c.pool.idle_timeout == 30s);
    CHECK(c.tls.ca_file == "/etc/ssl/extra.pem");
}

TEST_CASE("an empty config gives the defaults") {
    for (const char* text : {"", "# only a comment\n", "~\n"}) {
        CAPTURE(text);
        const auto c = load_config_text(text, "empty.yaml");
        CHECK(c.listen.host == "127.0.0.1");
        CHECK(c.listen.port == 8788);
        CHECK(c.threads == 0);
        CHECK(c.builtin_routes);
        CHECK(c.routes.empty());
        CHECK(c.timeouts.connect == 10s);
        CHECK(c.timeouts.response_header == 600s);
        CHECK(c.timeouts.idle == 300s);
        CHECK(c.timeouts.drain == 30s);
        CHECK(c.limits.max_request_body == (64u << 20));
        CHECK(c.limits.max_buffered_request == (1u << 20));
        CHECK(c.pool.max_idle_per_upstream == 64);
        CHECK(c.pool.idle_timeout == 90s);
        CHECK(c.tls.ca_file.empty());
    }
}

TEST_CASE("a partial section keeps the defaults of the keys it leaves out") {
    const auto c = load_config_text("timeouts:\n  connect: 3\n", "t.yaml");
    CHECK(c.timeouts.connect == 3s);
    CHECK(c.timeouts.response_header == 600s);
    CHECK(c.timeouts.keep_alive == 120s);
}

TEST_CASE("listen accepts a bracketed IPv6 address") {
    const auto c = load_config_text("listen: \"[::1]:8080\"\n", "t.yaml");
    CHECK(c.listen.host == "::1");
    CHECK(c.listen.port == 8080);
}

TEST_CASE("errors name the source and the line of the offending node") {
    SUBCASE("unknown top-level key") {
        const auto e = error_of("threads: 2\nlisen: 127.0.0.1:1\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "unknown key 'lisen'"));
    }
    SUBCASE("unknown key inside a route") {
        const auto e = error_of(R"(routes:
  - prefix: /x
    upstream: https://example.com
    provder: x
)");
        CHECK(e.starts_with("test.yaml:4: "));
        CHECK(contains(e, "unknown key 'provder'"));
        CHECK(contains(e, "routes[0]"));
    }
    SUBCASE("unknown key inside timeouts") {
        const auto e = error_of("timeouts:\n  connect: 1\n  conect: 2\n");
        CHECK(e.starts_with("test.yaml:3: "));
        CHECK(contains(e, "unknown key 'conect' in timeouts"));
    }
    SUBCASE("prefix without a leading slash") {
        const auto e = error_of(R"(threads: 1
routes:
  - provider: openai
    upstream: https://api.openai.com
    prefix: openai
)");
        CHECK(e.starts_with("test.yaml:5: "));
        CHECK(contains(e, "routes[0].prefix must start with '/'"));
    }
    SUBCASE("prefix with a query") {
        const auto e = error_of("routes:\n  - prefix: /a?b\n    upstream: https://h\n    provider: p\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "routes[0].prefix must be a plain path"));
    }
    SUBCASE("upstream URL with an unsupported scheme") {
        const auto e = error_of(R"(routes:
  - prefix: /a
    upstream: https://a.example
    provider: a
  - prefix: /b
    upstream: ftp://b.example
    provider: b
)");
        CHECK(e.starts_with("test.yaml:6: "));
        CHECK(contains(e, "routes[1].upstream"));
        CHECK(contains(e, "http:// or https://"));
    }
    SUBCASE("upstream URL with a port out of range") {
        const auto e = error_of("routes:\n  - prefix: /a\n    upstream: http://h:70000\n    provider: a\n");
        CHECK(e.starts_with("test.yaml:3: "));
        CHECK(contains(e, "invalid port"));
    }
    SUBCASE("listen address with a bad port") {
        const auto e = error_of("threads: 1\n\nlisten: 127.0.0.1:http\n");
        CHECK(e.starts_with("test.yaml:3: "));
        CHECK(contains(e, "listen"));
        CHECK(contains(e, "HOST:PORT"));
    }
    SUBCASE("listen address with a port above 65535") {
        const auto e = error_of("listen: 127.0.0.1:65536\n");
        CHECK(e.starts_with("test.yaml:1: "));
    }
    SUBCASE("the same prefix twice, also after trailing-slash removal") {
        const auto e = error_of(R"(routes:
  - prefix: /a
    upstream: https://a.example
    provider: a
  - prefix: /a/
    upstream: https://b.example
    provider: b
)");
        CHECK(e.starts_with("test.yaml:5: "));
        CHECK(contains(e, "routes[1]"));
        CHECK(contains(e, "/a appears twice"));
    }
    SUBCASE("a timeout that is not a number") {
        const auto e = error_of("timeouts:\n  connect: 5\n  idle: five\n");
        CHECK(e.starts_with("test.yaml:3: "));
        CHECK(contains(e, "timeouts.idle must be a number"));
    }
    SUBCASE("a timeout with a unit suffix is not a number") {
        const auto e = error_of("timeouts:\n  drain: 10s\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "timeouts.drain must be a number"));
    }
    SUBCASE("a zero timeout") {
        const auto e = error_of("pool:\n  idle_timeout: 0\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "pool.idle_timeout must be at least"));
    }
    SUBCASE("a negative thread count") {
        const auto e = error_of("threads: -1\n");
        CHECK(e.starts_with("test.yaml:1: "));
        CHECK(contains(e, "threads must be a whole number"));
    }
    SUBCASE("a header limit below the minimum") {
        const auto e = error_of("limits:\n  max_request_header: 100\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "limits.max_request_header must be at least 1024"));
    }
    SUBCASE("builtin_routes that is not a boolean") {
        const auto e = error_of("builtin_routes: maybe\n");
        CHECK(e.starts_with("test.yaml:1: "));
        CHECK(contains(e, "builtin_routes must be true or false"));
    }
    SUBCASE("a route missing its provider") {
        const auto e = error_of("routes:\n  - prefix: /a\n    upstream: https://a.example\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "routes[0] needs 'provider'"));
    }
    SUBCASE("routes that is not a list") {
        const auto e = error_of("threads: 1\nroutes: /a\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(contains(e, "routes must be a list"));
    }
    SUBCASE("no routes at all") {
        const auto e = error_of("builtin_routes: false\n");
        CHECK(e.starts_with("test.yaml:"));
        CHECK(contains(e, "no routes"));
    }
    SUBCASE("malformed YAML: a second ': ' in a plain value") {
        const auto e = error_of("threads: 1\nlisten: a: b\nroutes: []\n");
        CHECK(e.starts_with("test.yaml:2: "));
        CHECK(e.size() > std::string("test.yaml:2: ").size());
    }
    SUBCASE("malformed YAML: a stray flow end") {
        const auto e = error_of("threads: 1\nlimits: }\n");
        CHECK(e.starts_with("test.yaml:2: "));
    }
    SUBCASE("malformed YAML: an unclosed flow sequence is reported where the input ends") {
        const auto e = error_of("threads: 1\nroutes: [a, b\n");
        CHECK(e.starts_with("test.yaml:3: "));
    }
    SUBCASE("malformed YAML: bad indentation") {
        const auto e = error_of("threads: 1\ntimeouts:\n    connect: 1\n  idle: 2\n");
        CHECK(e.starts_with("test.yaml:4: "));
        CHECK(e.size() > std::string("test.yaml:4: ").size());
    }
    SUBCASE("a mapping key that is not a string") {
        const auto e = error_of("threads: 1\n? [a, b]\n: 1\n");
        CHECK(e.starts_with("test.yaml:2: "));
    }
}

TEST_CASE("a huge timeout is rejected, not wrapped to a negative duration") {
    CHECK(error_of("timeouts:\n  connect: 1e16\n").starts_with("test.yaml:2: timeouts.connect must be at most"));
}

TEST_CASE("a key given twice is an error naming the second one") {
    const auto e = error_of("threads: 1\nlisten: 127.0.0.1:1\nthreads: 2\n");
    CHECK(e.starts_with("test.yaml:3: "));
}

TEST_CASE("a thread count out of range is rejected, not truncated") {
    const auto e = error_of("threads: 4294967297\n");
    CHECK(e.starts_with("test.yaml:1: "));
}

TEST_CASE("load_config_file names the path when the file cannot be opened") {
    const std::string path = "/nonexistent/tokentap-test.yaml";
    try {
        load_config_file(path);
        FAIL("expected config_error");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).starts_with(path + ": "));
    }
}

TEST_CASE("parse_upstream_url") {
    SUBCASE("https with a base path and default port") {
        const auto u = parse_upstream_url("https://r.openai.azure.com/openai");
        REQUIRE(u);
        CHECK(u->tls);
        CHECK(u->host == "r.openai.azure.com");
        CHECK(u->port == 443);
        CHECK(u->base_path == "/openai");
    }
    SUBCASE("http default port is 80") {
        const auto u = parse_upstream_url("http://localhost");
        REQUIRE(u);
        CHECK_FALSE(u->tls);
        CHECK(u->port == 80);
        CHECK(u->base_path == "");
    }
    SUBCASE("explicit port") {
        const auto u = parse_upstream_url("https://example.com:8443/a/b");
        REQUIRE(u);
        CHECK(u->port == 8443);
        CHECK(u->base_path == "/a/b");
    }
    SUBCASE("IPv6 literal with port") {
        const auto u = parse_upstream_url("http://[::1]:8080/base");
        REQUIRE(u);
        CHECK(u->host == "::1");
        CHECK(u->port == 8080);
        CHECK(u->base_path == "/base");
    }
    SUBCASE("IPv6 literal without port") {
        const auto u = parse_upstream_url("https://[2001:db8::1]");
        REQUIRE(u);
        CHECK(u->host == "2001:db8::1");
        CHECK(u->port == 443);
    }
    SUBCASE("trailing slashes are removed from the base path") {
        CHECK(parse_upstream_url("https://h/")->base_path == "");
        CHECK(parse_upstream_url("https://h/openai/")->base_path == "/openai");
        CHECK(parse_upstream_url("https://h/openai//")->base_path == "/openai");
    }
    SUBCASE("rejections carry a reason") {
        const std::pair<const char*, const char*> bad[] = {
            {"ftp://h", "http:// or https://"},
            {"api.openai.com", "http:// or https://"},
            {"https://", "no valid host"},
            {"https://:443", "no valid host"},
            {"https://h:0", "invalid port"},
            {"https://h:65536", "invalid port"},
            {"https://h:12ab", "invalid port"},
            {"https://h/p?x=1", "query"},
            {"https://h/p#frag", "fragment"},
            {"https://user@h", "user info"},
            {"http://[::1", "no valid host"},
            {"http://[::1]x", "no valid host"},
            {"http://::1", "no valid host"},
        };
        for (auto [text, reason] : bad) {
            CAPTURE(text);
            std::string why;
            CHECK_FALSE(parse_upstream_url(text, &why));
            CHECK(contains(why, reason));
        }
    }
}

TEST_CASE("parse_listen_address") {
    auto a = parse_listen_address("127.0.0.1:8788");
    REQUIRE(a);
    CHECK(a->host == "127.0.0.1");
    CHECK(a->port == 8788);

    a = parse_listen_address("0.0.0.0:0");
    REQUIRE(a);
    CHECK(a->host == "0.0.0.0");
    CHECK(a->port == 0);

    a = parse_listen_address("[::1]:9000");
    REQUIRE(a);
    CHECK(a->host == "::1");
    CHECK(a->port == 9000);

    for (const char* bad : {"8788", "127.0.0.1", "127.0.0.1:", ":8788", "h:65536", "h:-1", "[::1]", "::1:80"}) {
        CAPTURE(bad);
        std::string why;
        CHECK_FALSE(parse_listen_address(bad, &why));
        CHECK(contains(why, "HOST:PORT"));
    }
}

TEST_CASE("upstream_url::host_header omits only the scheme's default port") {
    CHECK(upstream_url{true, "api.openai.com", 443, ""}.host_header() == "api.openai.com");
    CHECK(upstream_url{true, "h", 80, ""}.host_header() == "h:80");
    CHECK(upstream_url{false, "h", 80, ""}.host_header() == "h");
    CHECK(upstream_url{false, "h", 443, ""}.host_header() == "h:443");
    CHECK(upstream_url{false, "127.0.0.1", 11434, ""}.host_header() == "127.0.0.1:11434");
    CHECK(upstream_url{false, "::1", 8080, ""}.host_header() == "[::1]:8080");
    CHECK(upstream_url{true, "::1", 443, ""}.host_header() == "[::1]");
}

TEST_CASE("upstream_url::to_string") {
    CHECK(upstream_url{true, "r.openai.azure.com", 443, "/openai"}.to_string() == "https://r.openai.azure.com/openai");
    CHECK(upstream_url{false, "::1", 8080, ""}.to_string() == "http://[::1]:8080");
}

TEST_CASE("builtin_routes cover the three providers") {
    const auto routes = builtin_routes();
    const auto* openai = find_route(routes, "/v1");
    const auto* anthropic = find_route(routes, "/v1/messages");
    const auto* gemini = find_route(routes, "/v1beta");
    REQUIRE(openai);
    REQUIRE(anthropic);
    REQUIRE(gemini);
    CHECK(openai->upstream.host == "api.openai.com");
    CHECK(openai->provider == "openai");
    CHECK(anthropic->upstream.host == "api.anthropic.com");
    CHECK(anthropic->provider == "anthropic");
    CHECK(gemini->upstream.host == "generativelanguage.googleapis.com");
    CHECK(gemini->provider == "gcp.gemini");
    for (const auto& r : routes) {
        CAPTURE(r.prefix);
        CHECK(r.upstream.tls);
        CHECK(r.upstream.port == 443);
    }
}

TEST_CASE("effective_routes") {
    SUBCASE("configured routes replace built-ins with the same prefix and keep the rest") {
        const auto c = load_config_text(R"(routes:
  - prefix: /v1
    upstream: http://127.0.0.1:9999/v1
    provider: openai
  - prefix: /mine
    upstream: http://127.0.0.1:9998
    provider: mine
)",
                                        "t.yaml");
        const auto routes = effective_routes(c);
        CHECK(routes.size() == builtin_routes().size() + 1);
        CHECK(std::count_if(routes.begin(), routes.end(), [](const route& r) { return r.prefix == "/v1"; }) == 1);
        const auto* v1 = find_route(routes, "/v1");
        REQUIRE(v1);
        CHECK(v1->upstream.host == "127.0.0.1");
        CHECK(v1->upstream.port == 9999);
        CHECK(find_route(routes, "/mine"));
        CHECK(find_route(routes, "/v1/messages"));
        CHECK(find_route(routes, "/gemini"));
    }
    SUBCASE("builtin_routes: false keeps only the configured routes") {
        const auto c = load_config_text(
            "builtin_routes: false\nroutes:\n  - prefix: /mine\n    upstream: http://h\n    provider: p\n", "t.yaml");
        const auto routes = effective_routes(c);
        REQUIRE(routes.size() == 1);
        CHECK(routes[0].prefix == "/mine");
    }
    SUBCASE("no config routes gives exactly the built-ins") {
        const auto routes = effective_routes(config{});
        CHECK(routes.size() == builtin_routes().size());
        CHECK(find_route(routes, "/openai"));
        CHECK(find_route(routes, "/anthropic"));
    }
}

}  // TEST_SUITE

TEST_SUITE("unit/config/telemetry_and_pricing") {

TEST_CASE("telemetry, otel and pricing sections") {
    const auto c = load_config_text(R"(
routes:
  - prefix: /local
    upstream: http://127.0.0.1:11434/v1
    provider: ollama
    telemetry: false
telemetry:
  trace_file: /tmp/spans.jsonl
  call_log: off
  metrics: false
  max_kept_bytes: 1048576
otel:
  OTEL_EXPORTER_OTLP_ENDPOINT: http://collector:4318
  OTEL_SERVICE_NAME: gw
  OTEL_BSP_MAX_CONCURRENT_EXPORTS: 8
pricing:
  overrides:
    - provider: openai
      model: ft:gpt-4o-mini:acme
      input: 0.3
      output: 1.2
)", "t.yaml");
    REQUIRE(c.routes.size() == 1);
    CHECK_FALSE(c.routes[0].telemetry);
    CHECK(c.telemetry.trace_file == "/tmp/spans.jsonl");
    CHECK(c.telemetry.call_log == "off");
    CHECK_FALSE(c.telemetry.metrics);
    CHECK(load_config_text("listen: 127.0.0.1:1\n", "t.yaml").telemetry.metrics);
    CHECK(c.telemetry.max_kept_bytes == 1048576);
    CHECK(load_config_text("listen: 127.0.0.1:1\n", "t.yaml").telemetry.max_kept_bytes == 256u << 20);
    CHECK(c.telemetry.otel.at("OTEL_SERVICE_NAME") == "gw");
    CHECK(c.telemetry.otel.at("OTEL_BSP_MAX_CONCURRENT_EXPORTS") == "8");
    REQUIRE(c.pricing.overrides.size() == 1);
    CHECK(c.pricing.overrides[0].model == "ft:gpt-4o-mini:acme");
    CHECK(c.pricing.overrides[0].output == 1.2);
    CHECK_FALSE(c.pricing.overrides[0].cache_read);
}

TEST_CASE("mistakes in the new sections are reported with their line") {
    CHECK(contains(error_of("otel:\n  OTEL_NOT_A_THING: x\n"), "test.yaml:2: unknown key 'OTEL_NOT_A_THING' in otel"));
    CHECK(contains(error_of("telemetry:\n  call_log: sometimes\n"), "telemetry.call_log must be auto, on or off"));
    CHECK(contains(error_of("telemetry:\n  max_kept_bytes: lots\n"), "telemetry.max_kept_bytes must be a whole number"));
    CHECK(contains(error_of("pricing:\n  overrides:\n    - provider: openai\n      model: m\n"), "needs a price"));
    CHECK(contains(error_of("pricing:\n  overrides:\n    - provider: openai\n      model: m\n      input: -1\n"),
                   "pricing.overrides[0].input must be at least 0"));
    CHECK(contains(error_of("routes:\n  - prefix: /a\n    upstream: http://x\n    provider: p\n    telemetry: maybe\n"),
                   "routes[0].telemetry must be true or false"));
}

}

TEST_CASE("aws_sigv4 on a route: region from the key or the Bedrock host, credentials from the environment") {
    ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "secret-example", 1);
    ::unsetenv("AWS_SESSION_TOKEN");
    auto c = load_config_text(R"(routes:
  - prefix: /bedrock
    upstream: https://bedrock-runtime.eu-west-3.amazonaws.com
    provider: aws.bedrock
    aws_sigv4: {}
  - prefix: /b2
    upstream: https://gateway.example
    provider: aws.bedrock
    aws_sigv4: {region: us-east-2, service: bedrock}
)", "t.yaml");
    REQUIRE(c.routes.size() == 2);
    REQUIRE(c.routes[0].aws_sigv4);
    CHECK(c.routes[0].aws_sigv4->region == "eu-west-3");
    CHECK(c.routes[0].aws_sigv4->service == "bedrock");
    CHECK(c.routes[0].aws_sigv4->access_key_id == "AKIDEXAMPLE");
    CHECK(c.routes[0].aws_sigv4->secret_access_key == "secret-example");
    CHECK(c.routes[0].aws_sigv4->session_token.empty());
    CHECK(c.routes[1].aws_sigv4->region == "us-east-2");
    CHECK_FALSE(c.routes[1].telemetry == false);

    const auto no_region = error_of(R"(routes:
  - prefix: /b
    upstream: https://gateway.example
    provider: aws.bedrock
    aws_sigv4: {service: bedrock}
)");
    CHECK(contains(no_region, "routes[0].aws_sigv4 needs 'region'"));
    CHECK(contains(no_region, "test.yaml:5"));

    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    const auto no_credentials = error_of(R"(routes:
  - prefix: /b
    upstream: https://bedrock-runtime.us-east-1.amazonaws.com
    provider: aws.bedrock
    aws_sigv4: {}
)");
    CHECK(contains(no_credentials, "AWS_SECRET_ACCESS_KEY"));
    ::unsetenv("AWS_ACCESS_KEY_ID");
}

TEST_CASE("gateway mode: off by default; retries, limits, Redis and route fallbacks are read") {
    const auto d = load_config_text("listen: 127.0.0.1:1\n", "t.yaml");
    CHECK_FALSE(d.gateway.enabled);
    CHECK(d.gateway.limits.empty());
    CHECK_FALSE(d.gateway.redis);

    const auto c = load_config_text(R"(gateway:
  enabled: true
  retries: {max_attempts: 4, initial_backoff: 0.2, max_backoff: 2, budget: 10}
  limits:
    per_caller: {requests_per_minute: 60, tokens_per_minute: 100000}
  redis: {address: "10.0.0.5", key_prefix: "gw:", fail: closed, timeout: 0.1}
routes:
  - prefix: /openai
    upstream: https://api.openai.com
    provider: openai
    fallbacks: [https://backup.example/v1, http://127.0.0.1:9000]
    limits: {per_route: {requests_per_minute: 1000}}
)", "t.yaml");
    CHECK(c.gateway.enabled);
    CHECK(c.gateway.retries.max_attempts == 4);
    CHECK(c.gateway.retries.initial_backoff == 200ms);
    CHECK(c.gateway.retries.max_backoff == 2s);
    CHECK(c.gateway.retries.budget == 10s);
    CHECK(c.gateway.limits.per_caller.requests_per_minute == 60);
    CHECK(c.gateway.limits.per_caller.tokens_per_minute == 100000);
    CHECK(c.gateway.limits.per_route.empty());
    REQUIRE(c.gateway.redis);
    CHECK(c.gateway.redis->host == "10.0.0.5");
    CHECK(c.gateway.redis->port == 6379);
    CHECK(c.gateway.redis->key_prefix == "gw:");
    CHECK_FALSE(c.gateway.redis->fail_open);
    CHECK(c.gateway.redis->timeout == 100ms);
    REQUIRE(c.routes.size() == 1);
    REQUIRE(c.routes[0].fallbacks.size() == 2);
    CHECK(c.routes[0].fallbacks[0].host == "backup.example");
    CHECK(c.routes[0].fallbacks[0].base_path == "/v1");
    CHECK_FALSE(c.routes[0].fallbacks[1].tls);
    CHECK(c.routes[0].fallbacks[1].port == 9000);
    REQUIRE(c.routes[0].limits);
    CHECK(c.routes[0].limits->per_route.requests_per_minute == 1000);
    CHECK(c.routes[0].limits->per_caller.empty());

    CHECK(contains(error_of("gateway:\n  redis: {fail: maybe}\n"), "gateway.redis.fail must be open or closed"));
    CHECK(contains(error_of("gateway:\n  retries: {max_attempts: 0}\n"), "gateway.retries.max_attempts must be at least 1"));
    CHECK(contains(error_of("gateway:\n  limits: {per_caller: {rpm: 5}}\n"), "unknown key 'rpm'"));
    CHECK(contains(error_of(R"(routes:
  - {prefix: /a, upstream: "https://a.example", provider: openai, fallbacks: ["ftp://x"]}
)"), "routes[0].fallbacks[0]"));
}
