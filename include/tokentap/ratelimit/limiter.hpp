#pragma once
// The request limiter of gateway mode: per caller and route, requests per minute and tokens per
// minute, as token buckets (token_bucket.hpp). The proxy asks acquire() before forwarding a request
// (1 request, and the request's max_tokens reserved) and answers 429 with `retry-after` when it is
// refused; after the response it calls settle() with the usage the provider reported.
//
// Two implementations:
// - local: the buckets live in this process, in one local_buckets shared by all worker threads
//   (sharded, a mutex per shard, a bounded number of keys).
// - redis: the buckets live in Redis and every replica shares them. Each acquire or settle is one
//   Lua script run atomically by Redis on one hash per key, with Redis's own clock (TIME), so
//   replicas with skewed clocks agree. When Redis cannot be asked, the decision follows fail_open
//   and says store_unavailable; the limiter logs the outage once and again when Redis is back.
//
// Thread-safety: a limiter object belongs to one io_context thread; several coroutines of that
// thread may call it at once. local_buckets is thread-safe. The key is the caller's identity within
// a route: the proxy composes it (e.g. "<route>|<caller hash>"); the limiter treats it as opaque bytes.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "tokentap/net.hpp"

namespace tokentap::ratelimit {

// Limits of one route; 0 = no limit of that kind.
struct limit_rule {
    std::int64_t requests_per_minute = 0;
    std::int64_t tokens_per_minute = 0;
    bool empty() const { return requests_per_minute <= 0 && tokens_per_minute <= 0; }
};

struct limit_decision {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};  // when refused: how long until this would pass
    std::string_view exceeded;                 // "requests" or "tokens" when a limit refused it
    bool store_unavailable = false;            // Redis could not be asked (decision per fail_open)
};

// The rule is taken by value (a coroutine keeps its own copy); the key is a view and must stay
// valid until the awaitable completes (co_await it at once, as usual).
class limiter {
public:
    virtual ~limiter() = default;

    // Takes 1 request and `reserve_tokens` tokens from the buckets of `key` under `rule`, all or
    // nothing. Returns at once (allowed, no lock, no I/O) when the rule is empty; callers on the
    // hot path may test rule.empty() first and skip the coroutine altogether. When both limits
    // refuse, retry_after is the longer wait and `exceeded` names that limit. A reservation larger
    // than the tokens-per-minute limit passes when the bucket is full (see token_bucket.hpp).
    virtual net::awaitable<limit_decision> acquire(std::string_view key, limit_rule rule,
                                                   std::int64_t reserve_tokens) = 0;

    // After an allowed call: the provider reported `used` tokens for a call that reserved
    // `reserved`. Charges used - reserved more, or refunds the difference. Does nothing when the
    // rule has no token limit or the two are equal; a store failure is logged and forgotten.
    virtual net::awaitable<void> settle(std::string_view key, limit_rule rule, std::int64_t reserved,
                                        std::int64_t used) = 0;
};

// ---- local: buckets in this process ----

struct local_bucket_options {
    // At most this many keys are tracked; beyond it the least recently used key is dropped (and
    // starts again with full buckets), so random keys cannot grow memory without bound.
    std::size_t max_keys = 100'000;
    // A key unused this long whose buckets are full again is dropped (it would start full anyway).
    std::chrono::milliseconds idle_eviction{120'000};
};

// The buckets of every key, shared by all threads of the process. Thread-safe: keys are spread
// over a fixed number of shards, each with its own mutex and LRU list. The time is passed in, so
// tests inject a clock; make_local_limiter's limiters pass steady_clock::now().
class local_buckets {
public:
    using clock = std::chrono::steady_clock;

    explicit local_buckets(local_bucket_options o = {});
    ~local_buckets();
    local_buckets(const local_buckets&) = delete;
    local_buckets& operator=(const local_buckets&) = delete;

    limit_decision acquire(std::string_view key, const limit_rule& rule, std::int64_t reserve_tokens,
                           clock::time_point now);
    void settle(std::string_view key, const limit_rule& rule, std::int64_t reserved, std::int64_t used,
                clock::time_point now);
    // Keys tracked now (all shards; for tests and metrics).
    std::size_t size() const;

private:
    struct shard;
    shard& shard_of(std::string_view key);

    local_bucket_options options_;
    std::unique_ptr<shard[]> shards_;
};

std::unique_ptr<limiter> make_local_limiter(std::shared_ptr<local_buckets> shared);

// ---- redis: buckets shared by every replica ----

struct redis_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password;  // AUTH after connecting when not empty
    std::string key_prefix = "tokentap:";
    bool fail_open = true;  // when Redis cannot be asked: allow (true) or refuse (false)
    // Bounds connecting (resolve, connect, AUTH) and each call (write and reply) separately.
    std::chrono::milliseconds timeout{250};
    // After a failed connect or a timeout, calls fail at once for this long instead of each one
    // waiting for Redis again. A connection Redis closed (a restart) is opened again at once.
    std::chrono::milliseconds reconnect_backoff{500};
    // A fail-closed refusal while Redis is unavailable carries this retry_after.
    std::chrono::milliseconds unavailable_retry_after{1000};
};

// One Redis connection per limiter (so one per io_context thread), opened on the first call.
std::unique_ptr<limiter> make_redis_limiter(net::any_io_executor ex, redis_options o);

}  // namespace tokentap::ratelimit
