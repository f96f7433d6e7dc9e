#pragma once
// Reads a provider's rate-limit and retry signals (SEMCONV.md part 1, item 9): the limit, remaining
// and reset of each limited quantity from the response headers, `retry-after` / `retry-after-ms` /
// `x-should-retry`, and Gemini's `RetryInfo.retryDelay` from an error body. Pure functions over
// strings; no allocation except read_retry_delay's JSON parse; nothing throws. Thread-safe (no
// shared state).
//
// Header names, compared case-insensitively (the proxy passes them lower-case):
//
//   Anthropic   anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset},
//               reset an RFC 3339 time. Other anthropic-ratelimit-* names (unified-*, ...) are ignored,
//               and so are anthropic-priority-*.
//   OpenAI and  x-ratelimit-{limit,remaining,reset}-{requests,tokens} (also -input-tokens,
//   compatible  -output-tokens), reset a Go duration ("6m0s", "12ms", "11.354999999s") or a number.
//               Groq uses the same names (its `requests` window is a day, its `tokens` one a minute:
//               each is reported as the provider's limit of that kind, whatever its window).
//               x-rate-limit-* (Azure API Management once sent x-rate-limit-reset-tokens) is read
//               as an alias of x-ratelimit-*.
//   Windowed    x-ratelimit-{limit,remaining,reset}-<kind>-<window>: Mistral's -tokens-minute,
//               -tokens-month and -req-10-second, Cerebras' -requests-day and -tokens-minute.
//               `req` means requests. When one response has a kind under several windows, the
//               unwindowed name wins, else the shortest window (Mistral: minute over month), and
//               limit, remaining and reset are all taken from that one window, never mixed.
//   Generic     x-ratelimit-{limit,remaining,reset} and the IETF draft's ratelimit-{limit,remaining,reset}
//               (Together, Replicate, OpenRouter, Hugging Face: counted in requests) are read as
//               `requests`, below the explicit -requests names.
//   Ignored     OpenAI's -tokens_usage_based and -input-images, Mistral's -tokens-query-cost, Azure's
//               -renewalperiod-* (a window length, not a reset), -abusepenalty-active and -key, and
//               anything prefixed by a gateway (LiteLLM's llm_provider-x-ratelimit-*).
//
// Reset values that are bare numbers: seconds, except in a response that carries Azure's
// x-ratelimit-renewalperiod-* headers (Azure OpenAI, GitHub Models), where they are milliseconds:
// a deployment limited to 120 requests a minute reports reset-requests 500 and, 14 tokens into
// 120000 a minute, reset-tokens 7; as seconds both would exceed their own 60 s renewal period.
// A bare number of 1e9 or more (outside Azure) is a Unix time, in seconds below 1e11 and in
// milliseconds from 1e12 to 1e14; other huge values are dropped as ambiguous.
//
// Values that do not parse (crewAI's masked "X-RATELIMIT-LIMIT-REQUESTS-XXX", negative numbers such
// as Azure's -1, empty strings, lists) are ignored: a field is either right or absent. When a field
// arrives twice under equally ranked names, the last valid value wins. `retry-after` is reported
// whatever the status (Anthropic sends it on 200 responses too); the caller decides what to emit.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokentap::ratelimit {

enum class limit_kind : std::uint8_t { requests, tokens, input_tokens, output_tokens };
inline constexpr std::size_t limit_kind_count = 4;

// "requests", "tokens", "input_tokens", "output_tokens": the <kind> of tokentap.ratelimit.<kind>.*.
std::string_view kind_name(limit_kind k);

struct limit_reading {
    std::optional<std::int64_t> limit, remaining;  // >= 0
    std::optional<double> reset_seconds;           // seconds from `now` until the window resets (>= 0)

    bool empty() const { return !limit && !remaining && !reset_seconds; }
};

struct limit_report {
    std::array<limit_reading, limit_kind_count> kinds{};  // indexed by limit_kind
    std::optional<double> retry_after_seconds;            // retry-after / retry-after-ms / Gemini retryDelay (>= 0)
    std::optional<bool> should_retry;                     // x-should-retry: true/false

    const limit_reading& of(limit_kind k) const { return kinds[static_cast<std::size_t>(k)]; }
    bool empty() const;
};

// Whether the proxy must keep a response header for read_limit_headers: x-ratelimit-*,
// x-rate-limit-*, anthropic-ratelimit-*, any name containing "ratelimit", retry-after,
// retry-after-ms, x-should-retry. Case-insensitive.
bool is_limit_header(std::string_view lower_name) noexcept;

// Everything the headers say. `headers` are (name, value) pairs as received, in any case; other
// headers are skipped. `now` turns RFC 3339, HTTP-date and Unix-time values into seconds from now.
limit_report read_limit_headers(const std::vector<std::pair<std::string, std::string>>& headers,
                                std::chrono::system_clock::time_point now) noexcept;

// The retry delay of a Gemini / Vertex AI error body:
//   {"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[
//     {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"32s"}, ...]}} -> 32.0
// retryDelay is a protobuf Duration in its JSON form ("32s", "1.5s"; {"seconds":..,"nanos":..} is
// accepted too). A body that is an array of such objects (a JSON-array stream) is searched element
// by element. nullopt when absent, negative or unparsable; never throws.
std::optional<double> read_retry_delay(std::string_view error_body) noexcept;

// ---- Building blocks, exposed for tests. All return nullopt rather than a negative or
// non-finite value, and accept optional surrounding spaces and tabs.

// A Go time.Duration string ("6m0s", "1m30.5s", "12ms", "250us", "250µs", "1h2m3s", "0"), in
// seconds. Units ns, us/µs/μs, ms, s, m, h; fractions on any unit. Negative durations are rejected.
std::optional<double> parse_go_duration(std::string_view value) noexcept;

// A rate-limit reset as seconds from `now`, clamped at 0 for times in the past: a Go duration, a
// bare number of seconds (Unix time from 1e9, see above), an RFC 3339 time or an HTTP-date.
std::optional<double> parse_reset(std::string_view value, std::chrono::system_clock::time_point now) noexcept;

// A Retry-After value (RFC 9110 section 10.2.3) as seconds from `now`, clamped at 0: delta-seconds
// (fractions tolerated) or an HTTP-date in the IMF-fixdate form (the obsolete RFC 850 and asctime
// forms are not accepted; no current server sends them).
std::optional<double> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now) noexcept;

// Time points with fractional seconds, for the two date formats.
using precise_time = std::chrono::sys_time<std::chrono::duration<double>>;

// RFC 3339 section 5.6 date-time: "2024-05-01T12:00:30Z", "2024-05-01T12:00:30.123456+02:00";
// 't', 'z' and a space separator accepted as the RFC allows.
std::optional<precise_time> parse_rfc3339(std::string_view value) noexcept;

// RFC 9110 section 5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::optional<precise_time> parse_http_date(std::string_view value) noexcept;

}  // namespace tokentap::ratelimit
