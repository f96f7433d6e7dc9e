// The local limiter: the buckets of every key in this process (local_buckets), and the limiter
// object each worker thread calls, which only adds the clock.
#include <algorithm>
#include <functional>
#include <list>
#include <mutex>
#include <unordered_map>

#include "tokentap/ratelimit/limiter.hpp"
#include "tokentap/ratelimit/token_bucket.hpp"

namespace tokentap::ratelimit {

namespace {

constexpr std::size_t max_shards = 16;
constexpr std::size_t min_keys_per_shard = 64;
// Idle keys dropped per new key at most: amortised cleanup without a sweeper thread.
constexpr int idle_evictions_per_insert = 2;

struct entry {
    std::string key;
    token_bucket requests, tokens;
    local_buckets::clock::time_point last_used;
};

std::size_t shard_count(std::size_t max_keys) {
    return std::clamp<std::size_t>(max_keys / min_keys_per_shard, 1, max_shards);
}

// The decision of both buckets: all or nothing, the longer wait when refused.
limit_decision take_both(entry& e, std::int64_t reserve_tokens, local_buckets::clock::time_point now) {
    const auto wait_requests = e.requests.wait_for(1, now);
    const auto wait_tokens = e.tokens.wait_for(reserve_tokens, now);
    if (wait_requests.count() == 0 && wait_tokens.count() == 0) {
        e.requests.try_take(1, now);
        e.tokens.try_take(reserve_tokens, now);
        return {};
    }
    limit_decision d;
    d.allowed = false;
    if (wait_requests >= wait_tokens) {
        d.retry_after = wait_requests;
        d.exceeded = "requests";
    } else {
        d.retry_after = wait_tokens;
        d.exceeded = "tokens";
    }
    return d;
}

}  // namespace

// Keys in least-recently-used order (front = newest); the map's keys view the entries' strings,
// which list nodes keep in place.
struct local_buckets::shard {
    std::mutex mutex;
    std::list<entry> lru;
    std::unordered_map<std::string_view, std::list<entry>::iterator> index;
    std::size_t max_keys = 0;

    // The entry of `key` with its buckets set to `rule`, made the newest; created full when new.
    entry& find_or_add(std::string_view key, const limit_rule& rule, clock::time_point now,
                       std::chrono::milliseconds idle_eviction) {
        if (const auto it = index.find(key); it != index.end()) {
            lru.splice(lru.begin(), lru, it->second);
            entry& e = *it->second;
            e.requests.set_limit(rule.requests_per_minute, now);
            e.tokens.set_limit(rule.tokens_per_minute, now);
            e.last_used = now;
            return e;
        }
        drop_idle(now, idle_eviction);
        while (lru.size() >= max_keys) drop_oldest();
        lru.push_front(entry{std::string(key), token_bucket(rule.requests_per_minute, now),
                             token_bucket(rule.tokens_per_minute, now), now});
        index.emplace(lru.front().key, lru.begin());
        return lru.front();
    }

    // The oldest keys unused for idle_eviction, as long as their buckets are full again: dropping
    // them loses nothing, a new entry would start full. One still in debt stays (and the size
    // bound still holds).
    void drop_idle(clock::time_point now, std::chrono::milliseconds idle_eviction) {
        for (int i = 0; i < idle_evictions_per_insert && !lru.empty(); ++i) {
            const entry& oldest = lru.back();
            if (now - oldest.last_used < idle_eviction) return;
            if (oldest.requests.time_to_full(now).count() > 0 || oldest.tokens.time_to_full(now).count() > 0) return;
            drop_oldest();
        }
    }

    void drop_oldest() {
        index.erase(lru.back().key);
        lru.pop_back();
    }
};

local_buckets::local_buckets(local_bucket_options o)
    : options_(o), shards_(std::make_unique<shard[]>(shard_count(o.max_keys))) {
    const auto n = shard_count(o.max_keys);
    for (std::size_t i = 0; i < n; ++i) shards_[i].max_keys = std::max<std::size_t>(1, o.max_keys / n);
}

local_buckets::~local_buckets() = default;

local_buckets::shard& local_buckets::shard_of(std::string_view key) {
    return shards_[std::hash<std::string_view>{}(key) % shard_count(options_.max_keys)];
}

limit_decision local_buckets::acquire(std::string_view key, const limit_rule& rule, std::int64_t reserve_tokens,
                                      clock::time_point now) {
    if (rule.empty()) return {};
    auto& s = shard_of(key);
    std::lock_guard lock(s.mutex);
    return take_both(s.find_or_add(key, rule, now, options_.idle_eviction), reserve_tokens, now);
}

void local_buckets::settle(std::string_view key, const limit_rule& rule, std::int64_t reserved, std::int64_t used,
                           clock::time_point now) {
    if (rule.tokens_per_minute <= 0 || used == reserved) return;
    auto& s = shard_of(key);
    std::lock_guard lock(s.mutex);
    // A key dropped since acquire comes back full and is charged all the same.
    s.find_or_add(key, rule, now, options_.idle_eviction).tokens.adjust(used - reserved, now);
}

std::size_t local_buckets::size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < shard_count(options_.max_keys); ++i) {
        std::lock_guard lock(shards_[i].mutex);
        n += shards_[i].lru.size();
    }
    return n;
}

namespace {

class local_limiter final : public limiter {
public:
    explicit local_limiter(std::shared_ptr<local_buckets> shared) : buckets_(std::move(shared)) {}

    net::awaitable<limit_decision> acquire(std::string_view key, limit_rule rule,
                                           std::int64_t reserve_tokens) override {
        if (rule.empty()) co_return limit_decision{};
        co_return buckets_->acquire(key, rule, reserve_tokens, local_buckets::clock::now());
    }

    net::awaitable<void> settle(std::string_view key, limit_rule rule, std::int64_t reserved,
                                std::int64_t used) override {
        buckets_->settle(key, rule, reserved, used, local_buckets::clock::now());
        co_return;
    }

private:
    std::shared_ptr<local_buckets> buckets_;
};

}  // namespace

std::unique_ptr<limiter> make_local_limiter(std::shared_ptr<local_buckets> shared) {
    return std::make_unique<local_limiter>(std::move(shared));
}

}  // namespace tokentap::ratelimit
