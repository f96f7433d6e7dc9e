// The Redis limiter: the buckets of a key are one Redis hash, changed only by the Lua scripts below,
// which Redis runs atomically (no other command runs in between), so replicas never race on a
// read-modify-write. The time is Redis's own (TIME), so replicas with skewed clocks agree.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

#include "tokentap/ratelimit/limiter.hpp"
#include "tokentap/ratelimit/redis_connection.hpp"

namespace tokentap::ratelimit {

namespace {

// Shared head of both scripts. KEYS[1] is a hash {r = request level, t = token level, ts = time of
// the last change in ms}, levels in (fractional) requests and tokens. ARGV[1], ARGV[2]: requests
// and tokens per minute (0 = no limit: that level is neither checked nor stored); ARGV[3]: how long
// an untouched key lives at least, in ms. A missing key or field is a full bucket. Buckets refill
// continuously at cap/60000 per ms; `store` writes the levels and lets the key expire once both
// would be full again (at least ARGV[3] from now), so an expired key loses nothing.
constexpr std::string_view script_head = R"lua(
local rpm, tpm, idle = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local saved = redis.call('HMGET', KEYS[1], 'r', 't', 'ts')
local elapsed = math.max(0, now - (tonumber(saved[3]) or now))
local function level(value, cap)
  local l = tonumber(value)
  if l == nil then return cap end
  return math.min(cap, l + elapsed * cap / 60000)
end
local function to_full(l, cap)
  if cap <= 0 or l >= cap then return 0 end
  return math.ceil((cap - l) * 60000 / cap)
end
local r, t = level(saved[1], rpm), level(saved[2], tpm)
local function store()
  local fields = {'ts', now}
  if rpm > 0 then fields[#fields + 1] = 'r'; fields[#fields + 1] = r end
  if tpm > 0 then fields[#fields + 1] = 't'; fields[#fields + 1] = t end
  redis.call('HSET', KEYS[1], unpack(fields))
  redis.call('PEXPIRE', KEYS[1], math.max(idle, to_full(r, rpm), to_full(t, tpm)))
end
)lua";

// ARGV[4]: tokens to reserve. Takes 1 request and the tokens, or nothing. A reservation above the
// token capacity needs a full bucket, not more (token_bucket.hpp has the same rule).
// Returns {1, 0, 0} when taken, else {0, wait in ms, 1 = requests or 2 = tokens}.
constexpr std::string_view acquire_body = R"lua(
local cost = tonumber(ARGV[4])
local function wait(l, cap, need)
  if cap <= 0 then return 0 end
  need = math.min(need, cap)
  if l >= need then return 0 end
  return math.ceil((need - l) * 60000 / cap)
end
local wait_r, wait_t = wait(r, rpm, 1), wait(t, tpm, cost)
if wait_r > 0 or wait_t > 0 then
  if wait_r >= wait_t then return {0, wait_r, 1} end
  return {0, wait_t, 2}
end
r = r - 1
t = t - cost
store()
return {1, 0, 0}
)lua";

// ARGV[4]: tokens used minus tokens reserved. Positive charges (the level may go below zero),
// negative refunds up to the capacity.
constexpr std::string_view settle_body = R"lua(
t = math.min(tpm, t - tonumber(ARGV[4]))
store()
return 1
)lua";

const lua_script& acquire_script() {
    static const lua_script s(std::string(script_head) + std::string(acquire_body));
    return s;
}

const lua_script& settle_script() {
    static const lua_script s(std::string(script_head) + std::string(settle_body));
    return s;
}

// An untouched key lives at least this long (and longer while a bucket is still refilling).
constexpr std::int64_t idle_ttl_ms = 120'000;

// The acquire script's answer, or nullopt when the reply is not what the script returns.
std::optional<limit_decision> decision_of(const redis_reply& reply) {
    if (reply.kind != redis_reply::type::array || reply.elements.size() != 3) return std::nullopt;
    for (const auto& e : reply.elements)
        if (e.kind != redis_reply::type::integer) return std::nullopt;
    limit_decision d;
    d.allowed = reply.elements[0].integer == 1;
    if (!d.allowed) {
        d.retry_after = std::chrono::milliseconds(std::max<std::int64_t>(1, reply.elements[1].integer));
        d.exceeded = reply.elements[2].integer == 1 ? "requests" : "tokens";
    }
    return d;
}

std::string describe(const redis_result& r) {
    if (!r) return r.failure;
    if (r.reply->is_error()) return "Redis answered " + r.reply->text;
    return "unexpected reply from the limiter script";
}

class redis_limiter final : public limiter {
public:
    redis_limiter(net::any_io_executor ex, redis_options o)
        : options_(std::move(o)),
          connection_(std::move(ex), redis_connection_options{options_.host, options_.port, options_.password,
                                                              options_.timeout, options_.reconnect_backoff}) {}

    net::awaitable<limit_decision> acquire(std::string_view key, limit_rule rule,
                                           std::int64_t reserve_tokens) override {
        if (rule.empty()) co_return limit_decision{};
        const auto cost = rule.tokens_per_minute > 0 ? std::max<std::int64_t>(0, reserve_tokens) : 0;
        const auto result = co_await run(acquire_script(), key, rule, cost);
        if (result && !result.reply->is_error()) {
            if (auto d = decision_of(*result.reply)) {
                note_available();
                co_return *d;
            }
        }
        note_unavailable(describe(result));
        limit_decision d;
        d.allowed = options_.fail_open;
        d.store_unavailable = true;
        if (!d.allowed) d.retry_after = options_.unavailable_retry_after;
        co_return d;
    }

    net::awaitable<void> settle(std::string_view key, limit_rule rule, std::int64_t reserved,
                                std::int64_t used) override {
        if (rule.tokens_per_minute <= 0 || used == reserved) co_return;
        const auto result = co_await run(settle_script(), key, rule, used - reserved);
        if (result && !result.reply->is_error()) {
            note_available();
            co_return;
        }
        note_unavailable(describe(result));
    }

private:
    net::awaitable<redis_result> run(const lua_script& script, std::string_view key, limit_rule rule,
                                     std::int64_t last_arg) {
        const std::string redis_key = options_.key_prefix + std::string(key);
        const std::array<std::string, 4> numbers = {
            std::to_string(std::max<std::int64_t>(0, rule.requests_per_minute)),
            std::to_string(std::max<std::int64_t>(0, rule.tokens_per_minute)), std::to_string(idle_ttl_ms),
            std::to_string(last_arg)};
        const std::array<std::string_view, 1> keys = {redis_key};
        const std::array<std::string_view, 4> args = {numbers[0], numbers[1], numbers[2], numbers[3]};
        co_return co_await connection_.eval(script, keys, args);
    }

    // Says so once when Redis stops answering, and once when it answers again (per thread).
    void note_unavailable(const std::string& why) {
        if (store_down_) return;
        store_down_ = true;
        spdlog::warn("rate limits: cannot ask Redis at {}:{} ({}); {} requests until it answers", options_.host,
                     options_.port, why, options_.fail_open ? "allowing" : "refusing");
    }

    void note_available() {
        if (!store_down_) return;
        store_down_ = false;
        spdlog::info("rate limits: Redis at {}:{} answers again", options_.host, options_.port);
    }

    redis_options options_;
    redis_connection connection_;
    bool store_down_ = false;
};

}  // namespace

std::unique_ptr<limiter> make_redis_limiter(net::any_io_executor ex, redis_options o) {
    return std::make_unique<redis_limiter>(std::move(ex), std::move(o));
}

}  // namespace tokentap::ratelimit
