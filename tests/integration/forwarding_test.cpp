// The proxy core against in-process fake upstreams on 127.0.0.1: what goes through, and how.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <future>
#include <random>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(rng() & 0xff);
    return out;
}

// Echoes nothing; answers every request with the same fixed body.
fake_upstream::handler answer(int status, std::string body, std::string extra = "") {
    return [=](const request&, upstream_connection_io& io) { io.write(fixed_response(status, body, "application/json", extra)); };
}
}  // namespace

TEST_SUITE("integration/forwarding") {

TEST_CASE("bodies and end-to-end headers pass byte for byte in both directions") {
    const auto response_body = random_bytes(100'000, 1);
    fake_upstream up(answer(200, response_body,
                            "X-Ratelimit-Remaining-Requests: 99\r\nSet-Cookie: a=1\r\nConnection: keep-alive, X-Up-Hop\r\n"
                            "X-Up-Hop: must not pass\r\nKeep-Alive: timeout=5\r\nSet-Cookie: b=2\r\n"));
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());

    http::request<http::string_body> req{http::verb::post, "/up/v1/chat/completions?api-version=2024", 11};
    req.set(http::field::authorization, "Bearer sk-test");
    req.set("x-api-key", "key-1");
    req.set("anthropic-version", "2023-06-01");
    req.set("x-stainless-retry-count", "0");
    req.set("X-Unknown-Thing", "Value With Case");
    req.set(http::field::connection, "keep-alive, x-hop-only");
    req.set("x-hop-only", "must not pass");
    req.set("keep-alive", "timeout=5");
    req.body() = random_bytes(50'000, 2);
    const auto sent_body = req.body();
    auto res = c.send(req);

    CHECK(res.result_int() == 200);
    CHECK(res.body() == response_body);
    CHECK(res["x-ratelimit-remaining-requests"] == "99");
    int cookies = 0;
    for (auto it = res.find(http::field::set_cookie); it != res.end() && it->name() == http::field::set_cookie; ++it) ++cookies;
    CHECK(cookies == 2);
    CHECK(res.find("x-up-hop") == res.end());
    CHECK(res.find(http::field::keep_alive) == res.end());
    CHECK(res.find(http::field::connection) == res.end());  // HTTP/1.1 keeps the connection without one

    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].target() == "/v1/chat/completions?api-version=2024");
    CHECK(got[0].body() == sent_body);
    CHECK(got[0][http::field::authorization] == "Bearer sk-test");
    CHECK(got[0]["x-api-key"] == "key-1");
    CHECK(got[0]["anthropic-version"] == "2023-06-01");
    CHECK(got[0]["x-stainless-retry-count"] == "0");
    CHECK(got[0]["X-Unknown-Thing"] == "Value With Case");
    CHECK(got[0][http::field::host] == "127.0.0.1:" + std::to_string(up.port()));
    CHECK(got[0].find("x-hop-only") == got[0].end());
    CHECK(got[0].find("keep-alive") == got[0].end());
}

TEST_CASE("the path after the route prefix is forwarded as received: empty and dot segments, escapes") {
    // An Azure client with a trailing slash on its endpoint sends //openai/...; the provider, not
    // tokentap, decides what such a path means.
    fake_upstream up(answer(200, "{}"));
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    const std::string paths[] = {"//openai/deployments/d/embeddings?api-version=2023-07-01-preview",
                                 "/v1/./models/../models/a%2Fb?x=%2F%2F&y=//", "/v1//chat///completions"};
    for (const auto& path : paths) {
        http::request<http::string_body> req{http::verb::post, "/up" + path, 11};
        req.body() = "{}";
        CHECK(c.send(req).result_int() == 200);
    }
    const auto got = up.received();
    REQUIRE(got.size() == std::size(paths));
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i].target() == paths[i]);
}

TEST_CASE("content-encoding and the encoded bytes reach the client untouched") {
    const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x01\x00\x00\xff\xff", 15);
    fake_upstream up(answer(200, gz, "Content-Encoding: gzip\r\n"));
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    http::request<http::string_body> req{http::verb::get, "/up/models", 11};
    req.set(http::field::accept_encoding, "gzip");
    auto res = c.send(req);
    CHECK(res[http::field::content_encoding] == "gzip");
    CHECK(res.body() == gz);
    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0][http::field::accept_encoding] == "gzip");
}

TEST_CASE("a streamed event reaches the client before the upstream has finished") {
    std::promise<void> client_saw_first;
    auto saw = client_saw_first.get_future().share();
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        io.write(chunk("data: {\"n\":1}\n\n"));
        // The rest is sent only once the client has seen the first event through the proxy.
        saw.wait_for(std::chrono::seconds(10));
        io.write(chunk("data: {\"n\":2}\n\ndata: [DONE]\n\n"));
        io.write("0\r\n\r\n");
    });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    c.write_raw("POST /up/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 2\r\n\r\n{}");
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got.find("\"n\":1") == std::string::npos && std::chrono::steady_clock::now() < deadline)
        got += c.read_some(std::chrono::milliseconds(200));
    CHECK(got.find("data: {\"n\":1}") != std::string::npos);
    CHECK(got.find("\"n\":2") == std::string::npos);
    client_saw_first.set_value();
    while (got.find("0\r\n\r\n") == std::string::npos && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(5))
        got += c.read_some(std::chrono::milliseconds(200));
    CHECK(got.find("data: [DONE]") != std::string::npos);
    CHECK(got.find("Transfer-Encoding: chunked") != std::string::npos);
}

TEST_CASE("upstream keep-alive connections are reused") {
    fake_upstream up(answer(200, "{}"));
    running_proxy proxy(config_for(up.port()));
    for (int i = 0; i < 3; ++i) {
        client c(proxy.port());  // a new client connection each time: the pool is upstream-side
        CHECK(c.post("/up/v1/x", "{}").result_int() == 200);
    }
    CHECK(up.received().size() == 3);
    CHECK(up.connections() == 1);
}

TEST_CASE("a pooled connection the upstream closed is retried once on a fresh one") {
    int served = 0;
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.write(fixed_response(200, "{\"ok\":true}"));
        io.close_after_response = (++served == 1);  // closes silently, as an idle timeout would
    });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    CHECK(c.post("/up/a", "{}").result_int() == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto res = c.post("/up/b", "{}");
    CHECK(res.result_int() == 200);
    CHECK(res.body() == "{\"ok\":true}");
    CHECK(up.connections() == 2);
}

TEST_CASE("10 MB request and response bodies stream through intact") {
    const auto big_response = random_bytes(10u << 20, 3);
    fake_upstream up([&](const request& r, upstream_connection_io& io) {
        io.write(fixed_response(200, r.body() == random_bytes(10u << 20, 4) ? big_response : "mismatch",
                                "application/octet-stream"));
    });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port(), std::chrono::seconds(60));
    auto res = c.post("/up/upload", random_bytes(10u << 20, 4));
    CHECK(res.result_int() == 200);
    CHECK(res.body().size() == big_response.size());
    CHECK(res.body() == big_response);
}

TEST_CASE("a chunked request body is forwarded chunked and intact") {
    fake_upstream up([](const request& r, upstream_connection_io& io) { io.write(fixed_response(200, r.body())); });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    c.write_raw("POST /up/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("hello ") + chunk("world") +
                "0\r\n\r\n");
    http::response_parser<http::string_body> p;
    http::read(c.socket(), c.buffer(), p);
    CHECK(p.get().body() == "hello world");
    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].chunked());
}

TEST_CASE("Expect: 100-continue is answered by tokentap and not forwarded") {
    fake_upstream up([](const request& r, upstream_connection_io& io) { io.write(fixed_response(200, r.body())); });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    c.write_raw("POST /up/x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    const auto interim = c.read_some(std::chrono::seconds(5));
    CHECK(interim.starts_with("HTTP/1.1 100 Continue"));
    c.write_raw("ping");
    http::response_parser<http::string_body> p;
    http::read(c.socket(), c.buffer(), p);
    CHECK(p.get().body() == "ping");
    const auto got = up.received();
    REQUIRE(got.size() == 1);
    CHECK(got[0].find(http::field::expect) == got[0].end());
}

TEST_CASE("a client that disconnects mid-stream makes tokentap close the upstream connection") {
    std::promise<bool> upstream_saw_close;
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        io.write(chunk("data: {\"n\":1}\n\n"));
        // A slow model: nothing more for a while. tokentap must hang up on us well before this.
        upstream_saw_close.set_value(io.wait_peer_close(std::chrono::seconds(5)));
        io.close_after_response = true;
    });
    running_proxy proxy(config_for(up.port()));
    auto c = std::make_unique<client>(proxy.port());
    c->write_raw("POST /up/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
    std::string got;
    for (int i = 0; i < 25 && got.find("\"n\":1") == std::string::npos; ++i) got += c->read_some(std::chrono::milliseconds(200));
    REQUIRE(got.find("\"n\":1") != std::string::npos);
    const auto t0 = std::chrono::steady_clock::now();
    c.reset();  // the client goes away
    auto saw = upstream_saw_close.get_future();
    REQUIRE(saw.wait_for(std::chrono::seconds(8)) == std::future_status::ready);
    CHECK(saw.get());
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("a client that does not read holds back the upstream instead of filling tokentap's memory") {
    constexpr std::size_t total = 64u << 20;
    std::atomic<std::size_t> written{0};
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.set_send_buffer(64 * 1024);
        io.write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(total) +
                 "\r\n\r\n");
        const std::string block(64 * 1024, 'x');
        for (std::size_t sent = 0; sent < total; sent += block.size()) {
            if (!io.write(block)) return;
            written += block.size();
        }
    });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port(), std::chrono::seconds(60));
    c.socket().set_option(boost::asio::socket_base::receive_buffer_size(64 * 1024));
    c.write_raw("GET /up/big HTTP/1.1\r\nHost: x\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the client reads nothing
    // What the upstream got rid of sits in kernel socket buffers plus one 32 KiB relay chunk.
    CHECK(written.load() < 24u << 20);
    std::size_t received = 0;
    while (received < total) {
        auto s = c.read_some(std::chrono::seconds(10));
        if (s.empty()) break;
        received += s.size();
    }
    CHECK(received > total);  // the headers come on top of the body
    CHECK(written.load() == total);
}

TEST_CASE("a HEAD request gets the headers and no body") {
    fake_upstream up([](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1234\r\n\r\n");
    });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    c.write_raw("HEAD /up/x HTTP/1.1\r\nHost: x\r\n\r\n");
    http::response_parser<http::empty_body> p;
    p.skip(true);
    http::read_header(c.socket(), c.buffer(), p);
    CHECK(p.get()[http::field::content_length] == "1234");
    // The connection is still usable: the next response follows directly.
    c.write_raw("HEAD /up/y HTTP/1.1\r\nHost: x\r\n\r\n");
    http::response_parser<http::empty_body> p2;
    p2.skip(true);
    http::read_header(c.socket(), c.buffer(), p2);
    CHECK(p2.get().result_int() == 200);
}

TEST_CASE("/metrics counts forwarded requests by route and status") {
    fake_upstream up(answer(201, "{}"));
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    CHECK(c.post("/up/v1/x", "{}").result_int() == 201);
    CHECK(c.post("/up/v1/x", "{}").result_int() == 201);
    const auto text = c.get("/metrics").body();
    CHECK(text.find("tokentap_proxy_requests_total{http_route=\"/up\",http_response_status_code=\"201\","
                    "tokentap_outcome=\"completed\"} 2") != std::string::npos);
    CHECK(text.find("tokentap_upstream_connections_reused_total 1") != std::string::npos);
}

TEST_CASE("with telemetry.metrics off no per-call series are recorded; the gauges read at scrape time remain") {
    fake_upstream up(answer(201, "{}"));
    auto cfg = config_for(up.port());
    cfg.telemetry.metrics = false;
    running_proxy proxy(std::move(cfg));
    client c(proxy.port());
    CHECK(c.post("/up/v1/x", "{}").result_int() == 201);
    CHECK(c.post("/up/v1/x", "{}").result_int() == 201);
    const auto text = c.get("/metrics").body();
    CHECK(text.find("tokentap_proxy_requests_total{") == std::string::npos);
    CHECK(text.find("http_server_request_duration_seconds_count{") == std::string::npos);
    CHECK(text.find("tokentap_upstream_connections_reused_total 1") != std::string::npos);
}

}  // TEST_SUITE

}  // namespace tokentap::test
