#include <doctest/doctest.h>

#include <algorithm>

#include "tokentap/telemetry/genai_span.hpp"

using namespace tokentap::telemetry;

namespace {

const attribute_value* find(const span& s, const std::string& key) {
    auto it = std::find_if(s.attrs.begin(), s.attrs.end(), [&](const attribute& a) { return a.key == key; });
    return it == s.attrs.end() ? nullptr : &it->value;
}

template <class T> T get(const span& s, const std::string& key) {
    const auto* v = find(s, key);
    REQUIRE_MESSAGE(v, key);
    REQUIRE_MESSAGE(std::holds_alternative<T>(*v), key);
    return std::get<T>(*v);
}

genai_call chat_call() {
    genai_call c;
    c.provider = "openai";
    c.server_address = "api.openai.com";
    c.server_port = 443;
    c.request.operation = "chat";
    c.request.api_type = "chat_completions";
    c.request.model = "gpt-4o";
    c.request.temperature = 0.5;
    c.response.id = "chatcmpl-1";
    c.response.model = "gpt-4o-2024-08-06";
    c.response.finish_reasons = {"stop"};
    c.response.usage.input = 10;
    c.response.usage.output = 5;
    c.response.usage.cache_read = 2;
    c.status = 200;
    c.start_unix_ns = 1000;
    c.end_unix_ns = 2000;
    return c;
}

const trace_id fresh_trace = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const span_id fresh_span = {9, 9, 9, 9, 9, 9, 9, 9};

}  // namespace

TEST_SUITE("unit/telemetry/genai_span") {

TEST_CASE("a chat call becomes a CLIENT span named after operation and model") {
    const auto s = make_genai_span(chat_call(), fresh_trace, fresh_span);
    CHECK(s.name == "chat gpt-4o");
    CHECK(s.kind == span_kind::client);
    CHECK(s.trace == fresh_trace);
    CHECK(s.parent == span_id{});
    CHECK(s.status == status_code::unset);
    CHECK(get<std::string>(s, "gen_ai.operation.name") == "chat");
    CHECK(get<std::string>(s, "gen_ai.provider.name") == "openai");
    CHECK(get<std::string>(s, "gen_ai.request.model") == "gpt-4o");
    CHECK(get<std::string>(s, "gen_ai.response.model") == "gpt-4o-2024-08-06");
    CHECK(get<std::int64_t>(s, "gen_ai.usage.input_tokens") == 10);
    CHECK(get<std::int64_t>(s, "gen_ai.usage.cache_read.input_tokens") == 2);
    CHECK(get<std::int64_t>(s, "server.port") == 443);
    CHECK(get<double>(s, "gen_ai.request.temperature") == doctest::Approx(0.5));
    CHECK(get<std::vector<std::string>>(s, "gen_ai.response.finish_reasons") == std::vector<std::string>{"stop"});
    CHECK(get<std::string>(s, "openai.api.type") == "chat_completions");
    CHECK_FALSE(find(s, "gen_ai.request.stream"));  // set only when streaming
    CHECK_FALSE(find(s, "error.type"));
}

TEST_CASE("the incoming traceparent makes the span its child") {
    auto c = chat_call();
    c.parent = trace_parent{{0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {0xbb, 1, 2, 3, 4, 5, 6, 7}, 1};
    c.trace_state = "vendor=x";
    const auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(s.trace == c.parent->trace);
    CHECK(s.parent == c.parent->parent);
    CHECK(s.id == fresh_span);
    CHECK(s.trace_state == "vendor=x");
}

TEST_CASE("no usage reported, no usage attributes; no model, name is the operation") {
    auto c = chat_call();
    c.response.usage = {};
    c.request.model.reset();
    const auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(s.name == "chat");
    CHECK_FALSE(find(s, "gen_ai.usage.input_tokens"));
    CHECK_FALSE(find(s, "gen_ai.usage.output_tokens"));
}

TEST_CASE("errors: provider type, status code, transport failures, cancellation") {
    auto c = chat_call();
    c.status = 400;
    c.response.error_type = "invalid_request_error";
    auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(s.status == status_code::error);
    CHECK(get<std::string>(s, "error.type") == "invalid_request_error");

    c.response.error_type.reset();
    c.status = 503;
    s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<std::string>(s, "error.type") == "503");

    c.status = 200;
    c.transport_error = "cancelled";
    s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<std::string>(s, "error.type") == "cancelled");
    CHECK(s.status == status_code::unset);  // the caller cancelling is not an error of the call

    c.status = 429;  // an SDK that drops a 429's body to retry: the call still failed with the 429
    s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<std::string>(s, "error.type") == "429");
    CHECK(s.status == status_code::error);

    c.transport_error = "timeout";
    s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(s.status == status_code::error);
}

TEST_CASE("streams, retries and incomplete telemetry") {
    auto c = chat_call();
    c.request.stream = true;
    c.time_to_first_chunk = 0.25;
    c.resend_count = 2;
    c.incomplete = true;
    const auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<bool>(s, "gen_ai.request.stream"));
    CHECK(get<double>(s, "gen_ai.response.time_to_first_chunk") == doctest::Approx(0.25));
    CHECK(get<std::int64_t>(s, "http.request.resend_count") == 2);
    CHECK(get<bool>(s, "tokentap.telemetry.incomplete"));
}

TEST_CASE("openai.* attributes only for provider openai") {
    auto c = chat_call();
    c.provider = "azure.ai.openai";
    c.response.system_fingerprint = "fp";
    const auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK_FALSE(find(s, "openai.api.type"));
    CHECK_FALSE(find(s, "openai.response.system_fingerprint"));
}

TEST_CASE("cost attributes: an amount with its source, or unpriced and no amount") {
    auto c = chat_call();
    c.cost_usd = 0.0125;
    c.cost_source = "local";
    c.price_table = "2026-11-23.abc";
    auto s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<double>(s, "gen_ai.usage.cost.amount") == doctest::Approx(0.0125));
    CHECK(get<std::string>(s, "gen_ai.usage.cost.currency") == "USD");
    CHECK(get<std::string>(s, "gen_ai.usage.cost.source") == "local");
    CHECK(get<std::string>(s, "tokentap.cost.price_table") == "2026-11-23.abc");
    CHECK_FALSE(find(s, "tokentap.cost.unpriced"));
    c.cost_usd.reset();
    c.unpriced = true;
    s = make_genai_span(c, fresh_trace, fresh_span);
    CHECK(get<bool>(s, "tokentap.cost.unpriced"));
    CHECK_FALSE(find(s, "gen_ai.usage.cost.amount"));
}

}

TEST_SUITE("unit/telemetry/genai_span") {

TEST_CASE("rate-limit readings become tokentap.ratelimit.* attributes; none when none were reported") {
    auto c = chat_call();
    CHECK_FALSE(find(make_genai_span(c, {}, {}), "tokentap.ratelimit.requests.limit"));
    using tokentap::ratelimit::limit_kind;
    c.limits.kinds[static_cast<std::size_t>(limit_kind::requests)] = {60, 0, 1.5};
    c.limits.kinds[static_cast<std::size_t>(limit_kind::output_tokens)].remaining = 900;
    c.limits.retry_after_seconds = 2.0;
    c.limits.should_retry = false;
    const auto s = make_genai_span(c, {}, {});
    CHECK(get<std::int64_t>(s, "tokentap.ratelimit.requests.limit") == 60);
    CHECK(get<std::int64_t>(s, "tokentap.ratelimit.requests.remaining") == 0);
    CHECK(get<double>(s, "tokentap.ratelimit.requests.reset_seconds") == 1.5);
    CHECK(get<std::int64_t>(s, "tokentap.ratelimit.output_tokens.remaining") == 900);
    CHECK_FALSE(find(s, "tokentap.ratelimit.output_tokens.limit"));
    CHECK_FALSE(find(s, "tokentap.ratelimit.tokens.remaining"));
    CHECK(get<double>(s, "tokentap.retry_after_seconds") == 2.0);
    CHECK(get<bool>(s, "tokentap.should_retry") == false);
}

TEST_CASE("each send of a retried call is a child HTTP span with its status and resend count") {
    auto c = chat_call();
    c.attempts.push_back({"https://api.openai.com/v1/chat/completions", "api.openai.com", 443, 429, "429", 1000, 1200});
    c.attempts.push_back({"http://backup:8080/v1/chat/completions", "backup", 8080, 0, "upstream_unreachable", 1300, 1400});
    c.attempts.push_back({"https://api.openai.com/v1/chat/completions", "api.openai.com", 443, 200, "", 1500, 2000});
    trace_id t{};
    t[0] = 7;
    span_id id{};
    id[0] = 9;
    const auto call = make_genai_span(c, t, id);
    span_id a_id{};
    a_id[0] = 1;
    const auto first = make_attempt_span(c, call, 0, a_id);
    CHECK(first.trace == call.trace);
    CHECK(first.parent == call.id);
    CHECK(first.id == a_id);
    CHECK(first.kind == span_kind::client);
    CHECK(first.name == "POST");
    CHECK(first.start_unix_ns == 1000);
    CHECK(first.end_unix_ns == 1200);
    CHECK(get<std::int64_t>(first, "http.response.status_code") == 429);
    CHECK(get<std::string>(first, "error.type") == "429");
    CHECK(first.status == status_code::error);
    CHECK_FALSE(find(first, "http.request.resend_count"));
    const auto second = make_attempt_span(c, call, 1, a_id);
    CHECK(get<std::int64_t>(second, "http.request.resend_count") == 1);
    CHECK(get<std::string>(second, "server.address") == "backup");
    CHECK(get<std::int64_t>(second, "server.port") == 8080);
    CHECK_FALSE(find(second, "http.response.status_code"));
    const auto last = make_attempt_span(c, call, 2, a_id);
    CHECK(get<std::int64_t>(last, "http.request.resend_count") == 2);
    CHECK(last.status == status_code::unset);
    CHECK_FALSE(find(last, "error.type"));
}

}  // TEST_SUITE
