// Telemetry through the whole proxy: the include_usage change on the wire, the stream the client
// gets, and the spans written to the trace file, against in-process fake providers.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "support/trace_file.hpp"
#include "tokentap/telemetry/body_decoding.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

const std::string chunk1 =
    "data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":null}\n\n";
const std::string chunk2 =
    "data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
const std::string usage_chunk =
    "data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n";
const std::string done = "data: [DONE]\n\n";

// Streams like OpenAI: the usage chunk only when the request asks for it. Pieces are split
// mid-event to make the filter reassemble them.
fake_upstream::handler openai_stream() {
    return [](const request& req, upstream_connection_io& io) {
        const auto body = json::parse(req.body());
        const bool usage = body.contains("stream_options") && body["stream_options"].value("include_usage", false);
        std::string all = chunk1 + chunk2 + (usage ? usage_chunk : "") + done;
        io.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (std::size_t at = 0; at < all.size(); at += 37) io.write(chunk(all.substr(at, 37)));
        io.write("0\r\n\r\n");
    };
}

http::request<http::string_body> chat_request(const std::string& body) {
    http::request<http::string_body> req{http::verb::post, "/up/v1/chat/completions", 11};
    req.set(http::field::content_type, "application/json");
    req.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    req.body() = body;
    req.prepare_payload();
    return req;
}

}  // namespace

TEST_SUITE("integration/telemetry") {

TEST_CASE("a stream without include_usage: usage asked upstream, its chunk removed, the span has usage") {
    trace_file traces;
    fake_upstream up(openai_stream());
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        const std::string body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true})";
        const auto res = c.send(chat_request(body));
        CHECK(res.result_int() == 200);
        CHECK(res.body() == chunk1 + chunk2 + done);  // exactly the stream the client asked for
        const auto got = up.received();
        REQUIRE(got.size() == 1);
        CHECK(got[0].body() == R"({"stream_options":{"include_usage":true},)" + body.substr(1));
        CHECK(got[0][http::field::content_length] == std::to_string(got[0].body().size()));
    }  // the proxy stops and flushes its spans
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    const auto& s = spans[0];
    CHECK(s["name"] == "chat gpt-4o-mini");
    CHECK(s["traceId"] == "0af7651916cd43dd8448eb211c80319c");
    CHECK(s["parentSpanId"] == "b7ad6b7169203331");
    CHECK(s["kind"] == 3);
    CHECK(s["attrs"]["gen_ai.request.stream"] == true);
    CHECK(s["attrs"]["gen_ai.usage.input_tokens"] == 9);
    CHECK(s["attrs"]["gen_ai.usage.output_tokens"] == 2);
    CHECK(s["attrs"]["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18");
    CHECK(s["attrs"]["gen_ai.response.finish_reasons"].dump() == R"({"arrayValue":{"values":[{"stringValue":"stop"}]}})");
    CHECK(s["attrs"]["gen_ai.response.time_to_first_chunk"].get<double>() > 0);
}

TEST_CASE("a stream that asks for usage itself is passed through byte for byte") {
    trace_file traces;
    fake_upstream up(openai_stream());
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        const std::string body = R"({"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true}})";
        const auto res = c.send(chat_request(body));
        CHECK(res.body() == chunk1 + chunk2 + usage_chunk + done);
        CHECK(up.received().at(0).body() == body);
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["gen_ai.usage.input_tokens"] == 9);
}

TEST_CASE("a stream with a Content-Length reaches the client re-framed and complete") {
    trace_file traces;
    fake_upstream up([](const request&, upstream_connection_io& io) {
        io.write(fixed_response(200, chunk1 + chunk2 + usage_chunk + done, "text/event-stream"));
    });
    running_proxy proxy(traced_config(up.port(), traces));
    client c(proxy.port());
    const auto res = c.send(chat_request(R"({"model":"m","stream":true})"));
    CHECK(res.body() == chunk1 + chunk2 + done);
    CHECK(res.chunked());
}

TEST_CASE("a gzip-encoded response reaches the client encoded; telemetry reads its own decoded copy") {
    trace_file traces;
    const std::string json_body =
        R"({"id":"c2","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}})";
    const auto gz = telemetry::gzip_encode(json_body);
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.write(fixed_response(200, gz, "application/json", "Content-Encoding: gzip\r\n"));
    });
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        const auto res = c.send(chat_request(R"({"model":"gpt-4o","messages":[]})"));
        CHECK(res.body() == gz);
        CHECK(res[http::field::content_encoding] == "gzip");
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["gen_ai.usage.input_tokens"] == 5);
    CHECK(spans[0]["attrs"]["gen_ai.response.id"] == "c2");
    CHECK_FALSE(spans[0]["attrs"].contains("tokentap.telemetry.incomplete"));
}

TEST_CASE("a response telemetry cannot read still reaches the client, and its span says so") {
    trace_file traces;
    fake_upstream up([](const request&, upstream_connection_io& io) { io.write(fixed_response(200, "{not json")); });
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        const auto res = c.send(chat_request(R"({"model":"gpt-4o","messages":[]})"));
        CHECK(res.body() == "{not json");
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["tokentap.telemetry.incomplete"] == true);
    CHECK_FALSE(spans[0]["attrs"].contains("gen_ai.usage.input_tokens"));
}

TEST_CASE("an error response gives an error span with the provider's type") {
    trace_file traces;
    fake_upstream up([](const request&, upstream_connection_io& io) {
        io.write(fixed_response(429, R"({"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}})"));
    });
    {
        running_proxy proxy(traced_config(up.port(), traces));
        client c(proxy.port());
        CHECK(c.send(chat_request(R"({"model":"gpt-4o","messages":[]})")).result_int() == 429);
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["status"]["code"] == 2);
    CHECK(spans[0]["attrs"]["error.type"] == "requests");
}

TEST_CASE("an error answer whose body lags its header: the client gets both at once, the span the provider's type") {
    // An SDK that sees a retryable status drops the body and leaves; the provider's error type must
    // still reach the span, so tokentap reads a small error answer whole before relaying it.
    trace_file traces;
    const std::string body = R"({"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}})";
    fake_upstream up([&](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        io.write(body);
    });
    {
        running_proxy proxy(traced_config(up.port(), traces));
        {
            client c(proxy.port());
            const std::string request_body = R"({"model":"gpt-4o","messages":[]})";
            c.write_raw("POST /up/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: " + std::to_string(request_body.size()) + "\r\n\r\n" + request_body);
            std::string seen;  // leave as soon as the status line is in, as the SDKs do
            for (int i = 0; i < 50 && seen.find("429") == std::string::npos; ++i)
                seen += c.read_some(std::chrono::milliseconds(100));
            CHECK(seen.find("HTTP/1.1 429") == 0);
            CHECK(seen.find("rate_limit_exceeded") != std::string::npos);  // the body came with the header
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["error.type"] == "requests");
    CHECK(spans[0]["attrs"]["http.response.status_code"] == 429);
}

TEST_CASE("a client that leaves mid-stream: the span ends cancelled with the usage seen so far") {
    trace_file traces;
    std::promise<void> client_left;
    auto left = client_left.get_future().share();
    fake_upstream up([&, left](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
        io.write(chunk(chunk1));
        left.wait_for(std::chrono::seconds(5));
        io.wait_peer_close(std::chrono::seconds(5));
    });
    {
        running_proxy proxy(traced_config(up.port(), traces));
        {
            client c(proxy.port());
            c.write_raw("POST /up/v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 27\r\n\r\n{\"model\":\"m\",\"stream\":true}");
            std::string seen;  // the header and the first event may come in separate reads
            for (int i = 0; i < 50 && seen.find("\"Hi\"") == std::string::npos; ++i)
                seen += c.read_some(std::chrono::milliseconds(100));
            CHECK(seen.find("\"Hi\"") != std::string::npos);
        }
        client_left.set_value();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    CHECK(spans[0]["attrs"]["error.type"] == "cancelled");
    CHECK(spans[0]["attrs"]["gen_ai.response.id"] == "c1");
}

TEST_CASE("a route with telemetry off is forwarded untouched and gets no span") {
    trace_file traces;
    fake_upstream up(openai_stream());
    {
        auto cfg = traced_config(up.port(), traces);
        cfg.routes[0].telemetry = false;
        running_proxy proxy(cfg);
        client c(proxy.port());
        const std::string body = R"({"model":"m","stream":true})";
        CHECK(c.send(chat_request(body)).body() == chunk1 + chunk2 + done);
        CHECK(up.received().at(0).body() == body);
    }
    CHECK(traces.spans().empty());
}

TEST_CASE("bodies past telemetry.max_kept_bytes are not kept: the client gets them whole, the span says incomplete") {
    const std::string big = R"({"id":"c2","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,)"
                            R"("message":{"role":"assistant","content":")" + std::string(2000, 'x') +
                            R"("},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":700}})";
    fake_upstream up([&](const request&, upstream_connection_io& io) { io.write(fixed_response(200, big)); });
    const auto gauge = [](client& c) {  // the value of tokentap_telemetry_body_memory_bytes on /metrics
        const std::string line = "\ntokentap_telemetry_body_memory_bytes ";
        const auto text = c.get("/metrics").body();
        const auto at = text.find(line);
        if (at == std::string::npos) return std::string("none");
        const auto from = at + line.size();
        return text.substr(from, text.find('\n', from) - from);
    };
    for (const std::uint64_t budget : {std::uint64_t{1000}, std::uint64_t{1} << 20}) {
        CAPTURE(budget);
        trace_file traces;
        auto cfg = traced_config(up.port(), traces);
        cfg.telemetry.max_kept_bytes = budget;
        {
            running_proxy proxy(cfg);
            client c(proxy.port());
            const auto res = c.send(chat_request(R"({"model":"gpt-4o","messages":[]})"));
            CHECK(res.body() == big);
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (traces.spans().empty() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            CHECK(gauge(c) == "0");  // the call's bodies were given back once read
        }
        const auto spans = traces.spans();
        REQUIRE(spans.size() == 1);
        const auto& attrs = spans[0]["attrs"];
        if (budget == 1000) {
            CHECK(attrs.value("tokentap.telemetry.incomplete", false));
            CHECK_FALSE(attrs.contains("gen_ai.usage.output_tokens"));
        } else {
            CHECK_FALSE(attrs.contains("tokentap.telemetry.incomplete"));
            CHECK(attrs.value("gen_ai.usage.output_tokens", 0) == 700);
        }
    }
}

TEST_CASE("an idle proxy's telemetry thread sleeps, and the next call wakes it") {
    // Voluntary context switches of the telemetry threads alive: one per wake-up from a wait.
    const auto telemetry_wakeups = [] {
        long n = 0;
        for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
            std::ifstream comm(task.path() / "comm");
            std::string name;
            if (!std::getline(comm, name) || name != "tokentap-telem") continue;
            std::ifstream status(task.path() / "status");
            for (std::string line; std::getline(status, line);)
                if (line.rfind("voluntary_ctxt_switches:", 0) == 0) n += std::stol(line.substr(24));
        }
        return n;
    };
    trace_file traces;
    fake_upstream up(openai_stream());
    auto cfg = traced_config(up.port(), traces);
    cfg.telemetry.otel["OTEL_BSP_SCHEDULE_DELAY"] = "1000";  // the export timer: at most one wake-up below
    running_proxy proxy(cfg);
    client c(proxy.port());
    const auto spans_within_5s = [&](std::size_t want) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (traces.spans().size() < want && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return traces.spans().size();
    };
    CHECK(c.send(chat_request(R"({"model":"m","stream":true})")).result_int() == 200);
    REQUIRE(spans_within_5s(1) == 1);
    // No traffic for 500 ms: reading the queue every 5 ms would be about 100 wake-ups.
    const auto before = telemetry_wakeups();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(telemetry_wakeups() - before <= 5);
    CHECK(c.send(chat_request(R"({"model":"m","stream":true})")).result_int() == 200);
    CHECK(spans_within_5s(2) == 2);  // the sleeping thread woke for the call
}

}

}  // namespace tokentap::test
