// The native dialects through the whole proxy: an Anthropic Messages stream, a Gemini stream sent
// as a JSON array (no alt=sse) with the API key in the query, and a Bedrock ConverseStream with a
// corrupt event-stream frame. Each stream reaches the client byte for byte, in small pieces, and
// the span carries what the dialect reports.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <string>

#include "support/event_stream_encoder.hpp"
#include "support/fake_upstream.hpp"
#include "support/proxy_client.hpp"
#include "support/trace_file.hpp"

namespace tokentap::test {

namespace {
const bool quiet_logs = (spdlog::set_level(spdlog::level::err), true);

// Answers every request with `head` and then `body` as HTTP chunks of `piece` bytes, so that events,
// JSON elements and frames arrive split at arbitrary places.
fake_upstream::handler chunked_answer(std::string head, std::string body, std::size_t piece) {
    return [head = std::move(head), body = std::move(body), piece](const request&, upstream_connection_io& io) {
        io.write("HTTP/1.1 200 OK\r\n" + head + "Transfer-Encoding: chunked\r\n\r\n");
        for (std::size_t at = 0; at < body.size(); at += piece) io.write(chunk(body.substr(at, piece)));
        io.write("0\r\n\r\n");
    };
}

config::config config_with_provider(std::uint16_t port, const trace_file& f, std::string provider) {
    auto c = traced_config(port, f);
    c.routes.at(0).provider = std::move(provider);
    return c;
}

http::request<http::string_body> post(std::string target, std::string body) {
    http::request<http::string_body> req{http::verb::post, std::move(target), 11};
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
}

std::string strings_of(const json& array_attr) {
    std::string out;
    for (const auto& v : array_attr["arrayValue"]["values"]) out += v["stringValue"].get<std::string>() + ";";
    return out;
}

}  // namespace

TEST_SUITE("integration/native dialects") {

TEST_CASE("an Anthropic Messages stream: cumulative output, cache tokens, server tools, beta features") {
    const std::string stream =
        "event: message_start\n"
        "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":10,"
        "\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":20,\"output_tokens\":1}}}\n\n"
        "event: ping\ndata: {\"type\":\"ping\"}\n\n"
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":7}}\n\n"
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
        "\"usage\":{\"output_tokens\":15,\"server_tool_use\":{\"web_search_requests\":2}}}\n\n"
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    trace_file traces;
    fake_upstream up(chunked_answer("Content-Type: text/event-stream\r\n", stream, 13));
    const std::string body = R"({"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"hi"}]})";
    {
        running_proxy proxy(config_with_provider(up.port(), traces, "anthropic"));
        client c(proxy.port());
        auto req = post("/up/v1/messages", body);
        req.set("anthropic-version", "2023-06-01");
        req.set("anthropic-beta", "web-search-2025-03-05, prompt-caching-2024-07-31");
        const auto res = c.send(req);
        CHECK(res.result_int() == 200);
        CHECK(res.body() == stream);
        REQUIRE(up.received().size() == 1);
        CHECK(up.received()[0].body() == body);  // an Anthropic request is never changed
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    const auto& a = spans[0]["attrs"];
    CHECK(spans[0]["name"] == "chat claude-sonnet-4-5");
    CHECK(a["gen_ai.provider.name"] == "anthropic");
    CHECK(a["gen_ai.response.id"] == "msg_01");
    CHECK(a["gen_ai.response.model"] == "claude-sonnet-4-5-20250929");
    CHECK(a["gen_ai.usage.input_tokens"] == 130);  // input + cache read + cache write
    CHECK(a["gen_ai.usage.cache_read.input_tokens"] == 100);
    CHECK(a["gen_ai.usage.cache_write.input_tokens"] == 20);
    CHECK(a["gen_ai.usage.output_tokens"] == 15);  // cumulative: the last message_delta, not a sum
    CHECK(strings_of(a["gen_ai.response.finish_reasons"]) == "end_turn;");
    CHECK(a["tokentap.server_tool_use.web_search_requests"] == 2);
    CHECK(strings_of(a["tokentap.anthropic.beta"]) == "web-search-2025-03-05;prompt-caching-2024-07-31;");
    CHECK_FALSE(a.contains("tokentap.telemetry.incomplete"));
}

TEST_CASE("a Gemini stream as a JSON array: read as it flows, last usage wins, the key is never exported") {
    const std::string stream =
        "[{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hel\"}],\"role\": \"model\"}}],"
        "\"usageMetadata\": {\"promptTokenCount\": 12,\"candidatesTokenCount\": 3,\"totalTokenCount\": 15},"
        "\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r-1\"}\r\n,\r\n"
        "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"lo\"}],\"role\": \"model\"},\"finishReason\": \"STOP\"}],"
        "\"usageMetadata\": {\"promptTokenCount\": 12,\"totalTokenCount\": 40,\"thoughtsTokenCount\": 25,"
        "\"cachedContentTokenCount\": 4},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"r-1\"}\r\n]";
    trace_file traces;
    fake_upstream up(chunked_answer("Content-Type: application/json; charset=UTF-8\r\n", stream, 7));
    const std::string body = R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"temperature":0.5}})";
    {
        running_proxy proxy(config_with_provider(up.port(), traces, "gcp.gemini"));
        client c(proxy.port());
        const auto res = c.send(post("/up/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=AIzaSECRETKEY", body));
        CHECK(res.result_int() == 200);
        CHECK(res.body() == stream);
        REQUIRE(up.received().size() == 1);
        CHECK(up.received()[0].target() == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?key=AIzaSECRETKEY");
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    const auto& a = spans[0]["attrs"];
    CHECK(spans[0]["name"] == "generate_content gemini-2.5-flash");
    CHECK(a["gen_ai.provider.name"] == "gcp.gemini");
    CHECK(a["gen_ai.request.stream"] == true);
    CHECK(a["gen_ai.request.temperature"] == 0.5);
    CHECK(a["gen_ai.response.id"] == "r-1");
    CHECK(a["gen_ai.usage.input_tokens"] == 12);
    CHECK(a["gen_ai.usage.cache_read.input_tokens"] == 4);
    CHECK(a["gen_ai.usage.reasoning.output_tokens"] == 25);
    CHECK(a["gen_ai.usage.output_tokens"] == 28);  // the last seen candidates count (3) + thoughts
    CHECK(strings_of(a["gen_ai.response.finish_reasons"]) == "STOP;");
    const auto url = a["url.full"].get<std::string>();
    CHECK(url.find("key=REDACTED") != std::string::npos);
    CHECK(spans[0].dump().find("AIzaSECRETKEY") == std::string::npos);
}

TEST_CASE("a Bedrock ConverseStream with a corrupt frame: the client gets every byte, the span the usage") {
    namespace es = event_stream_encoder;
    auto corrupt = es::event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":" there"},"p":"abc"})");
    corrupt[corrupt.size() - 8] ^= 0x20;  // a payload byte: the message CRC no longer matches
    const std::string stream =
        es::event("messageStart", R"({"role":"assistant","p":"abcd"})") +
        es::event("contentBlockDelta", R"({"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"ab"})") + corrupt +
        es::event("messageStop", R"({"stopReason":"end_turn","p":"abcdef"})") +
        es::event("metadata", R"({"usage":{"inputTokens":20,"outputTokens":5,"totalTokens":35,"cacheReadInputTokens":10},"metrics":{"latencyMs":120},"p":"ab"})");
    trace_file traces;
    fake_upstream up(chunked_answer("Content-Type: application/vnd.amazon.eventstream\r\nx-amzn-RequestId: req-123\r\n", stream, 11));
    const std::string body = R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],"inferenceConfig":{"maxTokens":64}})";
    {
        running_proxy proxy(config_with_provider(up.port(), traces, "aws.bedrock"));
        client c(proxy.port());
        const auto res = c.send(post("/up/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream", body));
        CHECK(res.result_int() == 200);
        CHECK(res.body() == stream);
    }
    const auto spans = traces.spans();
    REQUIRE(spans.size() == 1);
    const auto& a = spans[0]["attrs"];
    CHECK(spans[0]["name"] == "chat us.anthropic.claude-3-5-haiku-20241022-v1:0");
    CHECK(a["gen_ai.provider.name"] == "aws.bedrock");
    CHECK(a["gen_ai.request.max_tokens"] == 64);
    CHECK(a["gen_ai.usage.input_tokens"] == 30);  // inputTokens + cacheReadInputTokens
    CHECK(a["gen_ai.usage.cache_read.input_tokens"] == 10);
    CHECK(a["gen_ai.usage.output_tokens"] == 5);
    CHECK(strings_of(a["gen_ai.response.finish_reasons"]) == "end_turn;");
    CHECK(a["aws.request_id"] == "req-123");
    CHECK(a["tokentap.telemetry.incomplete"] == true);  // one frame could not be read
}

}  // TEST_SUITE

}  // namespace tokentap::test
