// Gateway mode through the whole proxy, against in-process fake providers: retries of a 429 that
// honour retry-after, the trace of the attempts, retries off by default, fallback upstreams, and
// local request limits answered in the dialect's own error shape.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <string>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "support/trace_file.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

const std::string ok_body =
    R"({"id":"c1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}})";
const std::string limited_body = R"({"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}})";

// Answers 429 (with retry-after-ms) to the first `failures` requests, then 200.
fake_upstream::handler limited_then_ok(int failures, std::atomic<int>& seen) {
    return [failures, &seen](const request&, upstream_connection_io& io) {
        if (seen++ < failures)
            io.write(fixed_response(429, limited_body, "application/json",
                                    "retry-after-ms: 150\r\nx-ratelimit-remaining-requests: 0\r\n"));
        else
            io.write(fixed_response(200, ok_body));
    };
}

config::config gateway_config(std::uint16_t port, const trace_file& f) {
    auto c = traced_config(port, f);
    c.gateway.enabled = true;
    c.gateway.retries.initial_backoff = std::chrono::milliseconds(10);
    c.gateway.retries.max_backoff = std::chrono::milliseconds(20);
    return c;
}

config::upstream_url local_upstream(std::uint16_t port) {
    config::upstream_url u;
    u.tls = false;
    u.host = "127.0.0.1";
    u.port = port;
    return u;
}

http::request<http::string_body> chat(const std::string& key = "sk-test-1") {
    http::request<http::string_body> req{http::verb::post, "/up/v1/chat/completions", 11};
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization, "Bearer " + key);
    req.body() = R"({"model":"gpt-4o-mini","max_tokens":10,"messages":[{"role":"user","content":"hi"}]})";
    req.prepare_payload();
    return req;
}

}  // namespace

TEST_SUITE("integration/gateway") {

TEST_CASE("retries on: a 429 is sent again after its retry-after, the client sees one 200, the trace shows each attempt") {
    trace_file traces;
    std::atomic<int> seen{0};
    fake_upstream up(limited_then_ok(1, seen));
    std::chrono::steady_clock::duration took{};
    {
        running_proxy proxy(gateway_config(up.port(), traces));
        client c(proxy.port());
        const auto t0 = std::chrono::steady_clock::now();
        const auto res = c.send(chat());
        took = std::chrono::steady_clock::now() - t0;
        CHECK(res.result_int() == 200);
        CHECK(res.body() == ok_body);
        const auto got = up.received();
        REQUIRE(got.size() == 2);
        CHECK(got[1].body() == got[0].body());  // the same request, sent again
    }
    CHECK(took >= std::chrono::milliseconds(150));  // the provider's retry-after-ms was honoured
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 3);
    const json* call = nullptr;
    std::vector<const json*> attempts;
    for (const auto& s : spans) (s["name"] == "POST" ? attempts.push_back(&s) : void(call = &s));
    REQUIRE(call);
    REQUIRE(attempts.size() == 2);
    CHECK((*call)["name"] == "chat gpt-4o-mini");
    CHECK((*call)["attrs"]["http.response.status_code"] == 200);
    CHECK_FALSE((*call)["attrs"].contains("error.type"));
    for (const auto* a : attempts) {
        CHECK((*a)["parentSpanId"] == (*call)["spanId"]);
        CHECK((*a)["traceId"] == (*call)["traceId"]);
    }
    const bool in_order = !(*attempts[0])["attrs"].contains("http.request.resend_count");
    const json& first = in_order ? *attempts[0] : *attempts[1];
    const json& second = in_order ? *attempts[1] : *attempts[0];
    CHECK_FALSE(first["attrs"].contains("http.request.resend_count"));
    CHECK(first["attrs"]["http.response.status_code"] == 429);
    CHECK(first["attrs"]["error.type"] == "429");
    CHECK(second["attrs"]["http.response.status_code"] == 200);
    CHECK(second["attrs"]["http.request.resend_count"] == 1);
    // The call's span covers the whole operation.
    CHECK(std::stoull((*call)["startTimeUnixNano"].get<std::string>()) <= std::stoull(first["startTimeUnixNano"].get<std::string>()));
    CHECK(std::stoull((*call)["endTimeUnixNano"].get<std::string>()) >= std::stoull(second["endTimeUnixNano"].get<std::string>()));
}

TEST_CASE("retries off (the default): the client gets the provider's 429 untouched") {
    trace_file traces;
    std::atomic<int> seen{0};
    fake_upstream up(limited_then_ok(1, seen));
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        const auto res = c.send(chat());
        CHECK(res.result_int() == 429);
        CHECK(res.body() == limited_body);
        CHECK(res["retry-after-ms"] == "150");
        CHECK(up.received().size() == 1);
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["error.type"] == "requests");  // OpenAI's error type for a request limit
    CHECK(spans[0]["attrs"]["tokentap.retry_after_seconds"] == 0.15);
    CHECK(spans[0]["attrs"]["tokentap.ratelimit.requests.remaining"] == 0);
}

TEST_CASE("attempts exhausted: the last answer reaches the client; then a fallback upstream is tried") {
    std::atomic<int> seen_primary{0}, seen_backup{0};
    fake_upstream primary(limited_then_ok(100, seen_primary));
    trace_file traces;
    {
        auto c = gateway_config(primary.port(), traces);
        c.gateway.retries.max_attempts = 2;
        running_proxy proxy(c);
        client cl(proxy.port());
        const auto res = cl.send(chat());
        CHECK(res.result_int() == 429);
        CHECK(res.body() == limited_body);
        CHECK(seen_primary == 2);
    }
    fake_upstream backup(limited_then_ok(0, seen_backup));
    {
        auto c = gateway_config(primary.port(), traces);
        c.gateway.retries.max_attempts = 2;
        c.routes.at(0).fallbacks.push_back(local_upstream(backup.port()));
        running_proxy proxy(c);
        client cl(proxy.port());
        const auto res = cl.send(chat());
        CHECK(res.result_int() == 200);
        CHECK(res.body() == ok_body);
        CHECK(seen_primary == 4);
        CHECK(seen_backup == 1);
        REQUIRE(backup.received().size() == 1);
        CHECK(backup.received()[0].target() == "/v1/chat/completions");
    }
}

TEST_CASE("an unreachable upstream is retried on the fallback") {
    std::atomic<int> seen{0};
    fake_upstream backup(limited_then_ok(0, seen));
    trace_file traces;
    std::uint16_t closed_port = 0;
    {
        fake_upstream gone([](const request&, upstream_connection_io&) {});
        closed_port = gone.port();
    }  // nothing listens there any more
    auto c = gateway_config(closed_port, traces);
    c.routes.at(0).fallbacks.push_back(local_upstream(backup.port()));
    {
        running_proxy proxy(c);
        client cl(proxy.port());
        const auto res = cl.send(chat());
        CHECK(res.result_int() == 200);
        CHECK(seen == 1);
    }
    const auto spans = traces.spans();
    std::size_t failed = 0;
    for (const auto& s : spans)
        if (s["name"] == "POST" && s["attrs"].value("error.type", "") == "upstream_unreachable") ++failed;
    CHECK(failed == 3);  // three attempts on the dead upstream, then the fallback
    for (const auto& s : spans)
        if (s["name"] == "chat gpt-4o-mini") CHECK(s["attrs"]["server.port"] == backup.port());
}

TEST_CASE("a local limit per caller: over it, 429 in the OpenAI shape with retry-after; other callers pass") {
    std::atomic<int> seen{0};
    fake_upstream up(limited_then_ok(0, seen));
    trace_file traces;
    auto c = gateway_config(up.port(), traces);
    c.gateway.limits.per_caller.requests_per_minute = 2;
    running_proxy proxy(c);
    client cl(proxy.port());
    CHECK(cl.send(chat("sk-a")).result_int() == 200);
    CHECK(cl.send(chat("sk-a")).result_int() == 200);
    const auto refused = cl.send(chat("sk-a"));
    CHECK(refused.result_int() == 429);
    const auto body = json::parse(refused.body());
    CHECK(body["error"]["code"] == "rate_limit_exceeded");
    const auto retry_after = std::stoi(std::string(refused[http::field::retry_after]));
    CHECK(retry_after >= 1);
    CHECK(retry_after <= 30);  // 2 a minute: one comes back within 30 s
    CHECK(cl.send(chat("sk-b")).result_int() == 200);  // another key has its own limit
    CHECK(seen == 3);  // the refused request never reached the provider
}

}  // TEST_SUITE

}  // namespace tokentap::test
