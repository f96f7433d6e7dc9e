#pragma once
// Configuration of tokentap: plain structs with working defaults. Loading and validation live in
// config_loader.hpp; nothing here does I/O. Immutable after start, so safe to share across threads.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tokentap::config {

using namespace std::chrono_literals;
using duration = std::chrono::milliseconds;

// Where a route sends its traffic: scheme, host, port and an optional base path that is put in
// front of the forwarded path ("https://myres.openai.azure.com/openai").
struct upstream_url {
    bool tls = true;
    std::string host;
    std::uint16_t port = 443;
    std::string base_path;  // "" or "/openai": never ends with '/'

    // The Host header value: the port only when it is not the scheme's default.
    std::string host_header() const;
    // "https://host:port" with the base path, for logs and the 404 body.
    std::string to_string() const;
};

// Re-signing of requests with AWS Signature Version 4 (Bedrock behind a base-URL proxy: the app's
// own signature covers tokentap's host, not AWS's). Credentials come from the standard variables
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN when the config is loaded.
struct aws_signing {
    std::string region;              // us-east-1
    std::string service = "bedrock";
    std::string access_key_id, secret_access_key, session_token;
};

// Requests and tokens per minute, for one caller (API-key hash) or one route; 0 = no limit.
struct rate_limit_rule {
    std::int64_t requests_per_minute = 0;
    std::int64_t tokens_per_minute = 0;
    bool empty() const { return requests_per_minute == 0 && tokens_per_minute == 0; }
};

struct route_limits {
    rate_limit_rule per_caller;  // each caller on its own
    rate_limit_rule per_route;   // all callers of the route together
    bool empty() const { return per_caller.empty() && per_route.empty(); }
};

struct route {
    std::string prefix;    // "/openai": starts with '/', no trailing '/' unless it is "/" itself
    upstream_url upstream;
    std::string provider;  // gen_ai.provider.name of the traffic on this route
    bool telemetry = true;  // false: forward only, no parsing, spans or GenAI metrics
    std::optional<aws_signing> aws_sigv4{};  // set: every request is signed again for the upstream
    // Gateway mode only: upstreams of the same dialect tried in order when `upstream` keeps failing,
    // and this route's own limits instead of gateway.limits.
    std::vector<upstream_url> fallbacks{};
    std::optional<route_limits> limits{};
};

struct timeout_options {
    duration connect = 10s;
    duration response_header = 600s;  // LLM calls can think for minutes before the first byte
    duration idle = 300s;             // silence between two body chunks, either direction
    duration client_header = 30s;
    duration keep_alive = 120s;
    duration drain = 30s;
};

struct limit_options {
    std::size_t max_request_body = 64u << 20;
    std::size_t max_request_header = 64u << 10;
    // Request bodies up to this size are read whole before forwarding, so that a request sent on a
    // pooled connection the upstream had closed can be sent again on a fresh one. Larger ones stream.
    std::size_t max_buffered_request = 1u << 20;
};

struct pool_options {
    std::size_t max_idle_per_upstream = 64;  // per upstream and per thread
    duration idle_timeout = 90s;
};

struct tls_options {
    std::string ca_file;  // extra trust anchors; the system store is always used too
};

// Where telemetry goes. `otel` holds OTEL_* settings from the config file under the names of the
// OpenTelemetry environment variables (OTEL_EXPORTER_OTLP_ENDPOINT, ...); the environment wins
// over them (telemetry/telemetry_options.hpp resolves both).
struct telemetry_settings {
    std::map<std::string, std::string> otel;
    std::string trace_file;     // append OTLP JSON here, one export request per line ("" = off)
    std::string call_log = "auto";  // one line per call on stderr: auto (when no OTLP endpoint), on, off
    // false: no per-call metrics are recorded (GenAI token, duration and cost instruments,
    // http.server.request.duration); gauges read when scraped (pool, dropped spans) remain.
    bool metrics = true;
    // The request and response bodies kept for reading, all calls together: past it a call's body is
    // not kept and its span is marked incomplete (telemetry/body_budget.hpp).
    std::uint64_t max_kept_bytes = 256u << 20;
};

// Prices users set themselves (fine-tuned or local models, negotiated discounts): USD per million
// tokens, over the built-in table or over `file`, a whole table in the same schema.
struct price_override {
    std::string provider;
    std::string model;
    std::optional<double> input, output, cache_read, cache_write, cache_write_1h;
};

struct pricing_settings {
    std::string file;  // "" = the table built into the binary
    std::vector<price_override> overrides;
};

// When tokentap sends a failed call again (gateway mode): 429, 500, 502, 503, 504, 529 and
// connection failures, with exponential backoff and jitter, honouring retry-after.
struct retry_settings {
    int max_attempts = 3;  // per upstream, the first included; 1 = no retries
    duration initial_backoff = 500ms;
    duration max_backoff = 8s;
    duration budget = 30s;  // from the first send to the last retry's start
};

// A Redis server that holds the limits of all replicas.
struct redis_settings {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password;                  // AUTH, when set (or REDIS_PASSWORD in the environment)
    std::string key_prefix = "tokentap:";
    bool fail_open = true;                 // Redis unreachable: serve (true) or refuse with 503 (false)
    duration timeout = 250ms;
};

// Gateway mode: off by default; `enabled` is the one switch for retries, fallbacks and limits.
struct gateway_settings {
    bool enabled = false;
    retry_settings retries;
    route_limits limits;                   // for every route without limits of its own
    std::optional<redis_settings> redis;   // none: limits per process
};

struct listen_address {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8788;
};

struct config {
    listen_address listen;
    unsigned threads = 0;  // 0 = number of cores
    bool builtin_routes = true;
    std::vector<route> routes;  // from the config file; replace built-ins with the same prefix
    timeout_options timeouts;
    limit_options limits;
    pool_options pool;
    tls_options tls;
    telemetry_settings telemetry;
    pricing_settings pricing;
    gateway_settings gateway;
    std::string source_file;  // the config file this came from ("" = none): SIGHUP re-reads its prices
};

// The routes that work with no config file (DESIGN.md, testability contract).
std::vector<route> builtin_routes();

// The routes in force: the configured ones, plus the built-ins whose prefix is not configured.
std::vector<route> effective_routes(const config& c);

}  // namespace tokentap::config
