// What tokentap answers when something is wrong: with the upstream, or with the client's request.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <future>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"

namespace tokentap::test {

namespace {
std::uint16_t closed_port() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();  // closed again when `a` goes
}

std::string error_type(const http::response<http::string_body>& res) {
    auto j = nlohmann::json::parse(res.body(), nullptr, false);
    return j.is_discarded() ? "<not json>" : j["error"]["type"].get<std::string>();
}

http::response<http::string_body> read_response(client& c) {
    http::response_parser<http::string_body> p;
    http::read(c.socket(), c.buffer(), p);
    return p.release();
}
}  // namespace

TEST_SUITE("integration/errors") {

TEST_CASE("an unreachable upstream gives 502 with a JSON error") {
    running_proxy proxy(config_for(closed_port()));
    client c(proxy.port());
    auto res = c.post("/up/v1/chat/completions", "{}");
    CHECK(res.result_int() == 502);
    CHECK(res[http::field::content_type] == "application/json");
    CHECK(error_type(res) == "tokentap_upstream_unreachable");
    // The client connection stays usable.
    CHECK(c.get("/healthz").result_int() == 200);
}

TEST_CASE("an upstream that does not answer in time gives 504") {
    std::promise<void> release;
    auto released = release.get_future().share();
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        released.wait_for(std::chrono::seconds(10));
        io.close_after_response = true;
    });
    auto cfg = config_for(up.port());
    cfg.timeouts.response_header = std::chrono::milliseconds(300);
    running_proxy proxy(cfg);
    client c(proxy.port());
    const auto t0 = std::chrono::steady_clock::now();
    auto res = c.post("/up/v1/chat/completions", "{}");
    release.set_value();
    CHECK(res.result_int() == 504);
    CHECK(error_type(res) == "tokentap_upstream_timeout");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
}

// The upstream timer belongs to the client connection and outlives each exchange: it must neither
// fire into a later exchange from an earlier one, nor miss the timeout of a later one.
TEST_CASE("later exchanges on one client connection keep their own upstream timeouts") {
    std::promise<void> release;
    auto released = release.get_future().share();
    fake_upstream up([&](const request& req, upstream_connection_io& io) {
        if (req.target().ends_with("/stall")) {
            released.wait_for(std::chrono::seconds(10));
            io.close_after_response = true;
            return;
        }
        io.write(fixed_response(200, R"({"ok":true})"));
    });
    auto cfg = config_for(up.port());
    cfg.timeouts.response_header = std::chrono::milliseconds(300);
    cfg.timeouts.idle = std::chrono::milliseconds(300);
    running_proxy proxy(cfg);
    client c(proxy.port());
    CHECK(c.post("/up/v1/fast", "{}").result_int() == 200);
    // The timer armed for the first exchange passes while the connection is idle.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    CHECK(c.post("/up/v1/fast", "{}").result_int() == 200);
    const auto t0 = std::chrono::steady_clock::now();
    auto res = c.post("/up/v1/stall", "{}");
    const auto waited = std::chrono::steady_clock::now() - t0;
    release.set_value();
    CHECK(res.result_int() == 504);
    CHECK(error_type(res) == "tokentap_upstream_timeout");
    CHECK(waited >= std::chrono::milliseconds(250));
    CHECK(waited < std::chrono::seconds(5));
}

TEST_CASE("an upstream that closes without answering gives 502 upstream_error") {
    fake_upstream up([](const request&, upstream_connection_io& io) { io.close_after_response = true; });
    running_proxy proxy(config_for(up.port()));
    client c(proxy.port());
    auto res = c.post("/up/x", "{}");
    CHECK(res.result_int() == 502);
    CHECK(error_type(res) == "tokentap_upstream_error");
}

TEST_CASE("an unknown path gets 404 listing the configured prefixes") {
    running_proxy proxy(config_for(closed_port()));
    client c(proxy.port());
    auto res = c.get("/nowhere/v1/models");
    CHECK(res.result_int() == 404);
    auto j = nlohmann::json::parse(res.body());
    CHECK(j["error"]["type"] == "tokentap_route_not_found");
    CHECK(j["error"]["routes"] == nlohmann::json::array({"/up"}));
}

TEST_CASE("a malformed request gets 400 and the connection is closed") {
    running_proxy proxy(config_for(closed_port()));
    client c(proxy.port());
    c.write_raw("THIS IS NOT HTTP\r\n\r\n");
    auto res = read_response(c);
    CHECK(res.result_int() == 400);
    CHECK(error_type(res) == "tokentap_bad_request");
    CHECK_FALSE(res.keep_alive());
}

TEST_CASE("an oversized header gets 431") {
    auto cfg = config_for(closed_port());
    cfg.limits.max_request_header = 2048;
    running_proxy proxy(cfg);
    client c(proxy.port());
    c.write_raw("GET /up/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
    auto res = read_response(c);
    CHECK(res.result_int() == 431);
    CHECK(error_type(res) == "tokentap_header_too_large");
}

TEST_CASE("an oversized body gets 413, declared or streamed") {
    fake_upstream up([](const request& r, upstream_connection_io& io) { io.write(fixed_response(200, "{}")); });
    auto cfg = config_for(up.port());
    cfg.limits.max_request_body = 1000;
    running_proxy proxy(cfg);
    {
        client c(proxy.port());
        c.write_raw("POST /up/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
        auto res = read_response(c);
        CHECK(res.result_int() == 413);
        CHECK(error_type(res) == "tokentap_request_too_large");
    }
    {
        cfg.limits.max_buffered_request = 0;  // stream it: the limit is found while forwarding
        running_proxy streaming(cfg);
        client c(streaming.port());
        c.write_raw("POST /up/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(std::string(3000, 'b')) +
                    "0\r\n\r\n");
        auto res = read_response(c);
        CHECK(res.result_int() == 413);
    }
}

}  // TEST_SUITE

}  // namespace tokentap::test
