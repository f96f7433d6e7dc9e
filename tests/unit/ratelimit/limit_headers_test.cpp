#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/ratelimit/limit_headers.hpp"

using namespace tokentap::ratelimit;
using namespace std::chrono_literals;
using header_list = std::vector<std::pair<std::string, std::string>>;

namespace {

// 2024-05-01T12:00:00Z, the fixed "now" of these tests.
const std::chrono::system_clock::time_point now =
    std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + 12h;

limit_report read(const header_list& headers) { return read_limit_headers(headers, now); }

const limit_reading& requests(const limit_report& r) { return r.of(limit_kind::requests); }
const limit_reading& tokens(const limit_report& r) { return r.of(limit_kind::tokens); }

double seconds_since_epoch(std::optional<precise_time> t) {
    REQUIRE(t.has_value());
    return t->time_since_epoch().count();
}

}  // namespace

TEST_SUITE("unit/ratelimit/limit_headers") {

TEST_CASE("kind names are the attribute segments of tokentap.ratelimit.<kind>") {
    CHECK(kind_name(limit_kind::requests) == "requests");
    CHECK(kind_name(limit_kind::tokens) == "tokens");
    CHECK(kind_name(limit_kind::input_tokens) == "input_tokens");
    CHECK(kind_name(limit_kind::output_tokens) == "output_tokens");
}

TEST_CASE("is_limit_header keeps the rate-limit and retry headers only") {
    for (const char* name : {"x-ratelimit-limit-requests", "x-ratelimit-reset-tokens", "anthropic-ratelimit-tokens-reset",
                             "x-ratelimit-renewalperiod-tokens", "ratelimit-remaining", "llm_provider-x-ratelimit-limit-tokens",
                             "x-rate-limit-reset-tokens", "retry-after", "retry-after-ms", "x-should-retry",
                             "X-RateLimit-Limit-Requests", "Retry-After"}) {
        CAPTURE(name);
        CHECK(is_limit_header(name));
    }
    for (const char* name : {"content-type", "x-request-id", "retry", "retry-after-seconds", "x-should-retry-later",
                             "anthropic-priority-input-tokens-limit", "openai-processing-ms", "ratelimi", ""}) {
        CAPTURE(name);
        CHECK_FALSE(is_limit_header(name));
    }
}

TEST_CASE("OpenAI: limit, remaining and Go-duration resets of requests and tokens") {
    const auto r = read({{"content-type", "application/json"},
                         {"x-ratelimit-limit-requests", "5000"},
                         {"x-ratelimit-limit-tokens", "160000"},
                         {"x-ratelimit-remaining-requests", "4999"},
                         {"x-ratelimit-remaining-tokens", "159976"},
                         {"x-ratelimit-reset-requests", "12ms"},
                         {"x-ratelimit-reset-tokens", "6m0s"},
                         {"x-ratelimit-limit-tokens_usage_based", "999"},
                         {"x-ratelimit-remaining-tokens_usage_based", "998"},
                         {"x-ratelimit-reset-tokens_usage_based", "9ms"},
                         {"x-ratelimit-limit-input-images", "50000"},
                         {"x-ratelimit-reset-input-images", "1ms"}});
    CHECK(requests(r).limit == 5000);
    CHECK(requests(r).remaining == 4999);
    CHECK(requests(r).reset_seconds.value() == doctest::Approx(0.012));
    CHECK(tokens(r).limit == 160000);  // not the usage-based 999
    CHECK(tokens(r).remaining == 159976);
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(360));
    CHECK(r.of(limit_kind::input_tokens).empty());
    CHECK(r.of(limit_kind::output_tokens).empty());
    CHECK_FALSE(r.retry_after_seconds);
    CHECK_FALSE(r.should_retry);
    CHECK_FALSE(r.empty());
}

TEST_CASE("Groq: fractional Go durations; a gateway's llm_provider- copies are ignored") {
    const auto r = read({{"x-ratelimit-limit-requests", "1000"},
                         {"x-ratelimit-remaining-requests", "998"},
                         {"x-ratelimit-reset-requests", "2m52.799999999s"},
                         {"x-ratelimit-reset-tokens", "261ms"},
                         {"llm_provider-x-ratelimit-limit-tokens", "7"},
                         {"llm_provider-x-ratelimit-reset-tokens", "9s"}});
    CHECK(requests(r).reset_seconds.value() == doctest::Approx(172.799999999));
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(0.261));
    CHECK_FALSE(tokens(r).limit);
}

TEST_CASE("Azure OpenAI: bare-number resets are milliseconds next to a renewal period") {
    const auto r = read({{"x-ratelimit-abusepenalty-active", "False"},
                         {"x-ratelimit-limit-requests", "120"},
                         {"x-ratelimit-limit-tokens", "120000"},
                         {"x-ratelimit-remaining-requests", "119"},
                         {"x-ratelimit-remaining-tokens", "119986"},
                         {"x-ratelimit-reset-requests", "500"},
                         {"x-ratelimit-reset-tokens", "7"},
                         {"x-ratelimit-key", "gpt-4o-mini"},
                         {"x-ratelimit-renewalperiod-requests", "60"},  // after the resets: order must not matter
                         {"x-ratelimit-renewalperiod-tokens", "60"}});
    CHECK(requests(r).limit == 120);
    CHECK(requests(r).remaining == 119);
    CHECK(requests(r).reset_seconds.value() == doctest::Approx(0.5));
    CHECK(tokens(r).limit == 120000);
    CHECK(tokens(r).remaining == 119986);
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(0.007));
    CHECK_FALSE(r.should_retry);

    SUBCASE("remaining only, as older deployments send") {
        const auto old = read({{"x-ratelimit-remaining-requests", "19"}, {"x-ratelimit-remaining-tokens", "19913"}});
        CHECK(requests(old).remaining == 19);
        CHECK_FALSE(requests(old).limit);
        CHECK_FALSE(requests(old).reset_seconds);
        CHECK(tokens(old).remaining == 19913);
    }
    SUBCASE("the Responses API's -1 placeholders are dropped") {
        const auto neg = read({{"x-ratelimit-limit-tokens", "-1"}, {"x-ratelimit-remaining-tokens", "-1"},
                               {"x-ratelimit-reset-tokens", "0"}, {"x-ratelimit-renewalperiod-tokens", "60"}});
        CHECK_FALSE(tokens(neg).limit);
        CHECK_FALSE(tokens(neg).remaining);
        CHECK(tokens(neg).reset_seconds == 0.0);
    }
}

TEST_CASE("bare-number resets are seconds without Azure's renewal period") {
    const auto r = read({{"x-ratelimit-reset-requests", "20"}, {"x-ratelimit-reset-tokens", "0.5"}});
    CHECK(requests(r).reset_seconds == 20.0);
    CHECK(tokens(r).reset_seconds == 0.5);
}

TEST_CASE("Mistral: the minute window wins over the month, whatever the order, and fields are not mixed") {
    const header_list month_first{{"x-ratelimit-limit-tokens-month", "10000000000"},
                                  {"x-ratelimit-remaining-tokens-month", "9999999147"},
                                  {"x-ratelimit-limit-tokens-minute", "2000000"},
                                  {"x-ratelimit-remaining-tokens-minute", "1999147"},
                                  {"x-ratelimit-tokens-query-cost", "853"},
                                  {"x-ratelimit-limit-req-10-second", "60"},
                                  {"x-ratelimit-remaining-req-10-second", "59"}};
    const header_list minute_first{month_first[2], month_first[3], month_first[0], month_first[1],
                                   month_first[4], month_first[5], month_first[6]};
    for (const auto& headers : {month_first, minute_first}) {
        const auto r = read(headers);
        CHECK(tokens(r).limit == 2000000);
        CHECK(tokens(r).remaining == 1999147);
        CHECK_FALSE(tokens(r).reset_seconds);
        CHECK(requests(r).limit == 60);
        CHECK(requests(r).remaining == 59);
    }
    SUBCASE("a month-only remaining is not paired with a minute limit") {
        const auto r = read({{"x-ratelimit-limit-tokens-minute", "2000000"},
                             {"x-ratelimit-remaining-tokens-month", "9999999147"}});
        CHECK(tokens(r).limit == 2000000);
        CHECK_FALSE(tokens(r).remaining);
    }
    SUBCASE("the unwindowed name wins over any window") {
        const auto r = read({{"x-ratelimit-remaining-tokens-second", "5"}, {"x-ratelimit-limit-tokens", "100"}});
        CHECK(tokens(r).limit == 100);
        CHECK_FALSE(tokens(r).remaining);
    }
    SUBCASE("a masked value in the better window does not hide the other window") {
        const auto r = read({{"x-ratelimit-limit-tokens-minute", "XXX"}, {"x-ratelimit-limit-tokens-month", "10"}});
        CHECK(tokens(r).limit == 10);
    }
    SUBCASE("unknown windows are ignored") {
        CHECK(read({{"x-ratelimit-limit-tokens-fortnight", "10"}, {"x-ratelimit-limit-tokens-0-second", "10"}}).empty());
    }
}

TEST_CASE("Cerebras: per-day requests and per-minute tokens with seconds resets") {
    const auto r = read({{"x-ratelimit-limit-requests-day", "14400"},
                         {"x-ratelimit-remaining-requests-day", "14370"},
                         {"x-ratelimit-reset-requests-day", "33011.382867"},
                         {"x-ratelimit-limit-tokens-minute", "60000"},
                         {"x-ratelimit-remaining-tokens-minute", "59000"},
                         {"x-ratelimit-reset-tokens-minute", "11.382867"}});
    CHECK(requests(r).limit == 14400);
    CHECK(requests(r).remaining == 14370);
    CHECK(requests(r).reset_seconds.value() == doctest::Approx(33011.382867));
    CHECK(tokens(r).limit == 60000);
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(11.382867));
}

TEST_CASE("generic x-ratelimit-* and ratelimit-* count requests, below the explicit names") {
    const auto together = read({{"x-ratelimit-limit", "2"}, {"x-ratelimit-remaining", "1"}, {"x-ratelimit-reset", "2"},
                                {"x-ratelimit-limit-tokens", "1000"}});
    CHECK(requests(together).limit == 2);
    CHECK(requests(together).remaining == 1);
    CHECK(requests(together).reset_seconds == 2.0);
    CHECK(tokens(together).limit == 1000);

    const auto replicate = read({{"ratelimit-remaining", "599"}, {"ratelimit-reset", "1"}});
    CHECK(requests(replicate).remaining == 599);
    CHECK(requests(replicate).reset_seconds == 1.0);

    const auto both = read({{"x-ratelimit-limit-requests", "500"}, {"x-ratelimit-limit", "2"}, {"x-ratelimit-remaining", "1"}});
    CHECK(requests(both).limit == 500);
    CHECK_FALSE(requests(both).remaining);
}

TEST_CASE("Anthropic: four kinds with RFC 3339 resets, in seconds from now") {
    const auto r = read({{"anthropic-ratelimit-requests-limit", "4000"},
                         {"anthropic-ratelimit-requests-remaining", "3999"},
                         {"anthropic-ratelimit-requests-reset", "2024-05-01T12:00:07Z"},
                         {"anthropic-ratelimit-tokens-limit", "480000"},
                         {"anthropic-ratelimit-tokens-remaining", "478000"},
                         {"anthropic-ratelimit-tokens-reset", "2024-05-01T12:00:30.250Z"},
                         {"anthropic-ratelimit-input-tokens-limit", "400000"},
                         {"anthropic-ratelimit-input-tokens-remaining", "399000"},
                         {"anthropic-ratelimit-input-tokens-reset", "2024-05-01T14:01:00+02:00"},
                         {"anthropic-ratelimit-output-tokens-limit", "80000"},
                         {"anthropic-ratelimit-output-tokens-remaining", "79000"},
                         {"anthropic-ratelimit-output-tokens-reset", "2024-05-01T11:59:00Z"},
                         {"anthropic-ratelimit-unified-reset", "1714566000"},
                         {"anthropic-priority-input-tokens-limit", "5"},
                         {"request-id", "req_0123"}});
    CHECK(requests(r).limit == 4000);
    CHECK(requests(r).remaining == 3999);
    CHECK(requests(r).reset_seconds.value() == doctest::Approx(7));
    CHECK(tokens(r).limit == 480000);
    CHECK(tokens(r).remaining == 478000);
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(30.25));
    const auto& in = r.of(limit_kind::input_tokens);
    CHECK(in.limit == 400000);
    CHECK(in.remaining == 399000);
    CHECK(in.reset_seconds.value() == doctest::Approx(60));  // 14:01 at +02:00 is 12:01Z
    const auto& out = r.of(limit_kind::output_tokens);
    CHECK(out.limit == 80000);
    CHECK(out.remaining == 79000);
    CHECK(out.reset_seconds == 0.0);  // in the past: clamped
}

TEST_CASE("header names in any case") {
    const auto r = read({{"X-RateLimit-Limit-Requests", "10"},
                         {"Anthropic-RateLimit-Tokens-Remaining", "20"},
                         {"X-RATELIMIT-RENEWALPERIOD-TOKENS", "60"},
                         {"x-ratelimit-reset-tokens", "30"},
                         {"Retry-After", "3"},
                         {"X-Should-Retry", "TRUE"}});
    CHECK(requests(r).limit == 10);
    CHECK(tokens(r).remaining == 20);
    CHECK(tokens(r).reset_seconds.value() == doctest::Approx(0.03));  // Azure detected from the upper-case name
    CHECK(r.retry_after_seconds == 3.0);
    CHECK(r.should_retry == true);
}

TEST_CASE("masked and garbage values are ignored, never a wrong number") {
    const auto masked = read({{"x-ratelimit-limit-requests", "X-RATELIMIT-LIMIT-REQUESTS-XXX"},
                              {"x-ratelimit-remaining-tokens", "X-RATELIMIT-REMAINING-TOKENS-XXX"},
                              {"x-ratelimit-reset-requests", "X-RATELIMIT-RESET-REQUESTS-XXX"},
                              {"anthropic-ratelimit-tokens-reset", "ANTHROPIC-RATELIMIT-TOKENS-RESET-XXX"},
                              {"anthropic-ratelimit-input-tokens-limit", "ANTHROPIC-RATELIMIT-INPUT-TOKENS-LIMIT-XXX"}});
    CHECK(masked.empty());

    for (const char* bad : {"", " ", "-5", "+5", "1.5", "1e3", "0x10", "12 34", "10, 10", "nan", "inf",
                            "99999999999999999999", "4000abc", "\xE2\x80\x8B"}) {
        CAPTURE(bad);
        const auto r = read({{"x-ratelimit-limit-requests", bad}, {"anthropic-ratelimit-tokens-remaining", bad}});
        CHECK(r.empty());
    }
    for (const char* bad : {"", "-1s", "-3", "soon", "1x", "1.2.3s", "6m0", "s", ".", "nan", "inf", "1e3",
                            "2024-05-01", "2024-02-30T00:00:00Z", "Sun, 06 Nov 1994 08:49:37 UTC",
                            "999999999999999999999999999999"}) {
        CAPTURE(bad);
        CHECK(read({{"x-ratelimit-reset-tokens", bad}}).empty());
        CHECK_FALSE(parse_reset(bad, now));
    }
    CHECK(read({{"x-ratelimit-limit-requests", " 42\t"}}).of(limit_kind::requests).limit == 42);  // OWS trimmed
    CHECK(read({{"x-should-retry", "maybe"}}).empty());
    CHECK(read({{"retry-after", "tomorrow"}, {"retry-after-ms", "-10"}}).empty());
}

TEST_CASE("a field given twice: the last valid value wins") {
    const auto r = read({{"x-ratelimit-remaining-requests", "10"},
                         {"x-ratelimit-remaining-requests", "9"},
                         {"x-ratelimit-remaining-requests", "garbage"}});
    CHECK(requests(r).remaining == 9);
}

TEST_CASE("retry-after: delta seconds or an HTTP-date; retry-after-ms wins") {
    CHECK(read({{"retry-after", "30"}}).retry_after_seconds == 30.0);
    CHECK(read({{"retry-after", "0"}}).retry_after_seconds == 0.0);
    CHECK(read({{"retry-after", "1.5"}}).retry_after_seconds == 1.5);
    CHECK(read({{"retry-after", "Wed, 01 May 2024 12:00:45 GMT"}}).retry_after_seconds.value() == doctest::Approx(45));
    CHECK(read({{"retry-after", "Sun, 06 Nov 1994 08:49:37 GMT"}}).retry_after_seconds == 0.0);  // past: clamped
    CHECK(read({{"retry-after-ms", "250"}}).retry_after_seconds.value() == doctest::Approx(0.25));

    const auto ms_last = read({{"retry-after", "30"}, {"retry-after-ms", "1500"}});
    CHECK(ms_last.retry_after_seconds.value() == doctest::Approx(1.5));
    const auto ms_first = read({{"retry-after-ms", "1500.5"}, {"retry-after", "30"}});
    CHECK(ms_first.retry_after_seconds.value() == doctest::Approx(1.5005));
    const auto bad_ms = read({{"retry-after-ms", "soon"}, {"retry-after", "30"}});
    CHECK(bad_ms.retry_after_seconds == 30.0);

    // Retry-After is not a rate-limit reset: no Go durations, no Unix times.
    CHECK_FALSE(parse_retry_after("6m0s", now));
    CHECK(parse_retry_after("1714564800", now) == 1714564800.0);
}

TEST_CASE("x-should-retry: true or false") {
    CHECK(read({{"x-should-retry", "true"}}).should_retry == true);
    CHECK(read({{"x-should-retry", "false"}}).should_retry == false);
    CHECK(read({{"x-should-retry", " False "}}).should_retry == false);
    const auto anthropic_200 = read({{"retry-after", "36"}, {"x-should-retry", "false"}});
    CHECK(anthropic_200.retry_after_seconds == 36.0);
    CHECK(anthropic_200.should_retry == false);
    CHECK_FALSE(anthropic_200.empty());
}

TEST_CASE("parse_go_duration: Go's units, fractions and compound durations") {
    struct example {
        const char* text;
        double seconds;
    };
    for (const auto& [text, seconds] : {example{"0", 0}, example{"0s", 0}, example{"1s", 1}, example{"20s", 20},
                                        example{"6m0s", 360}, example{"14m24s", 864}, example{"1m30.5s", 90.5},
                                        example{"20m52.666s", 1252.666}, example{"1h2m3s", 3723},
                                        example{"1.5h", 5400}, example{"12ms", 0.012}, example{"250us", 250e-6},
                                        example{"250\xC2\xB5s", 250e-6}, example{"250\xCE\xBCs", 250e-6},
                                        example{"300ns", 300e-9}, example{".5s", 0.5}, example{"5.s", 5},
                                        example{"+2s", 2}, example{"1h1h", 7200}, example{" 8.64s ", 8.64}}) {
        CAPTURE(text);
        const auto parsed = parse_go_duration(text);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == doctest::Approx(seconds).epsilon(1e-12));
    }
    for (const char* bad : {"", "20", "0.5", "-1s", "1d", "1S", "m", "1.2.3s", "1s2", "1 s", "..s", "s1",
                            "1e3s", "nans", "1sec"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_go_duration(bad));
    }
    CHECK_FALSE(parse_go_duration(std::string(308, '9') + "h"));  // finite digits, infinite seconds
    CHECK_FALSE(parse_reset(std::string(400, '9'), now));         // beyond double
}

TEST_CASE("parse_reset: every reset format") {
    CHECK(parse_reset("6m0s", now) == 360.0);
    CHECK(parse_reset("20", now) == 20.0);
    CHECK(parse_reset("0.5", now) == 0.5);
    CHECK(parse_reset("2024-05-01T12:00:30Z", now).value() == doctest::Approx(30));
    CHECK(parse_reset("Wed, 01 May 2024 12:01:00 GMT", now).value() == doctest::Approx(60));
    // Unix times: seconds from 1e9, milliseconds from 1e12; between and beyond is ambiguous.
    CHECK(parse_reset("1714564810", now).value() == doctest::Approx(10));
    CHECK(parse_reset("1714564810500", now).value() == doctest::Approx(10.5));
    CHECK(parse_reset("1000000000", now) == 0.0);  // 2001: past
    CHECK_FALSE(parse_reset("500000000000", now));
    CHECK_FALSE(parse_reset("100000000000000", now));
    CHECK(parse_reset("999999999", now) == 999999999.0);  // still a delta
}

TEST_CASE("parse_rfc3339: offsets, fractions and the RFC's lenient forms") {
    const double base = 1714564800;  // 2024-05-01T12:00:00Z
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T12:00:00Z")) == base);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01t12:00:00z")) == base);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01 12:00:00Z")) == base);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T12:00:00.5Z")) == base + 0.5);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T12:00:00.123456789Z")) == doctest::Approx(base + 0.123456789));
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T14:30:00+02:30")) == base);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T07:00:00.25-05:00")) == base + 0.25);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-05-01T00:00:00+00:00")) == base - 43200);
    CHECK(seconds_since_epoch(parse_rfc3339("1970-01-01T00:00:00Z")) == 0);
    CHECK(seconds_since_epoch(parse_rfc3339("2024-02-29T00:00:00Z")) == 1709164800);  // leap day
    CHECK(seconds_since_epoch(parse_rfc3339("9999-12-31T23:59:59Z")) == 253402300799.0);
    for (const char* bad : {"2024-05-01T12:00:00", "2024-05-01T12:00:00+0200", "2024-05-01T24:00:00Z",
                            "2024-05-01T12:60:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                            "2024-00-10T00:00:00Z", "2024-05-01T12:00:00.Z", "2024-05-01X12:00:00Z",
                            "24-05-01T12:00:00Z", "2024-05-01T12:00:00+24:00", "2024-05-01T12:00:00Zjunk", ""}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}

TEST_CASE("parse_http_date: IMF-fixdate only") {
    CHECK(seconds_since_epoch(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")) == 784111777);
    CHECK(seconds_since_epoch(parse_http_date("Wed, 01 May 2024 12:00:00 GMT")) == 1714564800);
    for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37",
                            "Sun, 31 Nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "30"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_http_date(bad));
    }
}

TEST_CASE("read_retry_delay: Gemini and Vertex AI RetryInfo") {
    const char* gemini_429 = R"({
  "error": {
    "code": 429,
    "message": "You exceeded your current quota, please check your plan and billing details.",
    "status": "RESOURCE_EXHAUSTED",
    "details": [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                        "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"},
                        "quotaValue": "15"}]
      },
      {"@type": "type.googleapis.com/google.rpc.Help",
       "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
      {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "32s"}
    ]
  }
})";
    CHECK(read_retry_delay(gemini_429) == 32.0);
    CHECK(read_retry_delay(R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}})") == 1.5);
    CHECK(read_retry_delay(R"([{"error":{"code":429,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}])") == 7.0);
    CHECK(read_retry_delay(R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":{"seconds":3,"nanos":500000000}}]}})") == 3.5);
    CHECK(read_retry_delay(R"({"error":{"details":[{"retryDelay":"4s"}]}})") == 4.0);  // no @type: still RetryInfo's field

    // Absent or broken: nullopt, never a throw.
    for (const char* broken : {
             R"({"error":{"code":429,"message":"Resource exhausted. Please try again later.","status":"RESOURCE_EXHAUSTED"}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","retryDelay":"32s"}]}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"-32s"}]}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32"}]}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":32}]}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":null}]}})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":{"seconds":-1}}]}})",
             R"({"error":{"details":{"retryDelay":"32s"}}})",
             R"({"error":"retryDelay"})",
             R"({"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32s"})",  // truncated
             R"(retryDelay: 32s)", R"([1, "retryDelay", null])", "\"retryDelay\"", "", "{", "null",
             "{\"error\":{\"details\":[{\"retryDelay\":\"3\xff\"}]}}"}) {
        CAPTURE(broken);
        CHECK_FALSE(read_retry_delay(broken));
    }
}

TEST_CASE("no input crashes a parser or yields a negative or non-finite number") {
    // Mutations of real-looking values: sanitizers catch out-of-bounds reads, the checks bad numbers.
    const std::vector<std::string> seeds{"6m0s", "2024-05-01T12:00:30.5+02:00", "Sun, 06 Nov 1994 08:49:37 GMT",
                                         "1714564810500", "12ms", "250\xC2\xB5s", "X-RATELIMIT-LIMIT-REQUESTS-XXX",
                                         R"({"error":{"details":[{"retryDelay":"32s"}]}})"};
    const std::string alphabet = "0123456789.:-+TZsmhnu, GMTabcXYZ\"{}[]\xC2\xB5\t";
    std::mt19937 rng{42};
    const auto sane = [](std::optional<double> v) { return !v || (std::isfinite(*v) && *v >= 0); };
    for (int i = 0; i < 20000; ++i) {
        std::string s = seeds[rng() % seeds.size()];
        for (int edits = 1 + static_cast<int>(rng() % 4); edits > 0; --edits) {
            const std::size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
            switch (rng() % 3) {
                case 0: s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), alphabet[rng() % alphabet.size()]); break;
                case 1: if (at < s.size()) s.erase(at, 1); break;
                default: if (at < s.size()) s[at] = alphabet[rng() % alphabet.size()]; break;
            }
        }
        CAPTURE(s);
        REQUIRE(sane(parse_go_duration(s)));
        REQUIRE(sane(parse_reset(s, now)));
        REQUIRE(sane(parse_retry_after(s, now)));
        REQUIRE(sane(read_retry_delay(s)));
        const auto r = read({{"x-ratelimit-reset-tokens", s}, {"x-ratelimit-limit-tokens", s},
                             {"anthropic-ratelimit-requests-reset", s}, {"retry-after", s}, {"retry-after-ms", s}});
        REQUIRE(sane(r.of(limit_kind::tokens).reset_seconds));
        REQUIRE(sane(r.of(limit_kind::requests).reset_seconds));
        REQUIRE(sane(r.retry_after_seconds));
        REQUIRE(r.of(limit_kind::tokens).limit.value_or(0) >= 0);
    }
}

}  // TEST_SUITE
