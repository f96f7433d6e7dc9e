#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tokentap/ratelimit/limiter.hpp"

using namespace tokentap;
using namespace tokentap::ratelimit;
using namespace std::chrono_literals;

namespace {

const local_buckets::clock::time_point t0 = local_buckets::clock::time_point{} + 1000h;

template <class T>
T run(net::io_context& ioc, net::awaitable<T> op) {
    auto f = net::co_spawn(ioc, std::move(op), net::use_future);
    ioc.restart();
    ioc.run();
    return f.get();
}

}  // namespace

TEST_SUITE("unit/ratelimit/local_limiter") {

TEST_CASE("requests and tokens are taken together or not at all") {
    local_buckets b;
    const limit_rule rule{10, 1000};
    CHECK(b.acquire("k", rule, 800, t0).allowed);
    const auto refused = b.acquire("k", rule, 300, t0);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.exceeded == "tokens");
    CHECK(refused.retry_after == 6s);  // 100 tokens at 1000 per minute
    CHECK_FALSE(refused.store_unavailable);
    // The refused call took no request: 9 of the 10 are left.
    for (int i = 0; i < 9; ++i) CHECK(b.acquire("k", rule, 0, t0).allowed);
    const auto no_requests = b.acquire("k", rule, 0, t0);
    CHECK_FALSE(no_requests.allowed);
    CHECK(no_requests.exceeded == "requests");
    CHECK(no_requests.retry_after == 6s);  // one request at 10 per minute
}

TEST_CASE("when both limits refuse, the longer wait is reported") {
    local_buckets b;
    const limit_rule rule{1, 60};
    CHECK(b.acquire("k", rule, 60, t0).allowed);
    const auto d = b.acquire("k", rule, 30, t0 + 1s);
    CHECK_FALSE(d.allowed);
    CHECK(d.exceeded == "requests");
    CHECK(d.retry_after == 59s);  // tokens would pass after 29 s
}

TEST_CASE("settle refunds an unused reservation and charges an overrun") {
    local_buckets b;
    const limit_rule rule{0, 1000};
    CHECK(b.acquire("k", rule, 900, t0).allowed);
    CHECK_FALSE(b.acquire("k", rule, 500, t0).allowed);
    b.settle("k", rule, 900, 100, t0);  // 800 back
    CHECK(b.acquire("k", rule, 500, t0).allowed);
    b.settle("k", rule, 500, 2400, t0);  // 1900 more: the level is 400 - 1900 = -1500
    const auto d = b.acquire("k", rule, 0, t0);
    CHECK_FALSE(d.allowed);
    CHECK(d.exceeded == "tokens");
    CHECK(d.retry_after == 90s);
}

TEST_CASE("an empty rule allows at once and tracks nothing") {
    local_buckets b;
    for (int i = 0; i < 100; ++i) CHECK(b.acquire("k" + std::to_string(i), limit_rule{}, 1'000'000, t0).allowed);
    b.settle("k1", limit_rule{}, 0, 1'000'000, t0);
    CHECK(b.size() == 0);
}

TEST_CASE("keys have their own buckets") {
    local_buckets b;
    const limit_rule rule{1, 0};
    CHECK(b.acquire("route|alice", rule, 0, t0).allowed);
    CHECK_FALSE(b.acquire("route|alice", rule, 0, t0).allowed);
    CHECK(b.acquire("route|bob", rule, 0, t0).allowed);
    CHECK(b.acquire("other|alice", rule, 0, t0).allowed);
}

TEST_CASE("a changed rule applies to an existing key") {
    local_buckets b;
    CHECK(b.acquire("k", limit_rule{2, 0}, 0, t0).allowed);
    CHECK(b.acquire("k", limit_rule{2, 0}, 0, t0).allowed);
    CHECK_FALSE(b.acquire("k", limit_rule{2, 0}, 0, t0).allowed);
    const auto d = b.acquire("k", limit_rule{120, 0}, 0, t0);  // the level stays, the rate is 2 per second now
    CHECK_FALSE(d.allowed);
    CHECK(d.retry_after == 500ms);
    CHECK(b.acquire("k", limit_rule{120, 0}, 0, t0 + 500ms).allowed);
}

TEST_CASE("the number of keys is bounded; the least recently used goes first") {
    local_buckets b(local_bucket_options{.max_keys = 50});
    const limit_rule rule{1, 0};
    CHECK(b.acquire("hot", rule, 0, t0).allowed);
    CHECK(b.acquire("cold", rule, 0, t0).allowed);
    for (int i = 0; i < 1000; ++i) {
        b.acquire("random" + std::to_string(i), rule, 0, t0);
        CHECK_FALSE(b.acquire("hot", rule, 0, t0).allowed);  // used all the time: stays, still empty
        REQUIRE(b.size() <= 50);
    }
    CHECK(b.size() == 50);
    CHECK(b.acquire("cold", rule, 0, t0).allowed);  // dropped long ago: back with a full bucket
}

TEST_CASE("idle keys are dropped once their buckets are full again, not while in debt") {
    // Few keys: one shard, so the new key's shard holds the others too.
    local_buckets b(local_bucket_options{.max_keys = 60, .idle_eviction = 120s});
    const limit_rule rule{60, 600};
    CHECK(b.acquire("idle", rule, 10, t0).allowed);
    CHECK(b.acquire("in-debt", rule, 600, t0 + 1ms).allowed);
    b.settle("in-debt", rule, 600, 6000, t0 + 1ms);  // 10 minutes until full again
    CHECK(b.acquire("new", rule, 0, t0 + 3min).allowed);
    CHECK(b.size() == 2);  // "idle" went, "in-debt" stayed (and blocks the walk behind it)
    CHECK_FALSE(b.acquire("in-debt", rule, 0, t0 + 3min).allowed);
}

TEST_CASE("threads share the buckets without losing a take") {
    local_buckets b;
    const limit_rule rule{1000, 0};
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 500; ++i)
                if (b.acquire("shared", rule, 0, t0).allowed) ++allowed;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(allowed == 1000);
}

TEST_CASE("two limiter objects on two threads share one local_buckets") {
    auto shared = std::make_shared<local_buckets>();
    const limit_rule rule{5, 0};
    auto take_three = [&](std::vector<limit_decision>& out) {
        net::io_context ioc;
        auto l = make_local_limiter(shared);
        for (int i = 0; i < 3; ++i) out.push_back(run(ioc, l->acquire("route|caller", rule, 0)));
    };
    std::vector<limit_decision> first, second;
    std::thread a([&] { take_three(first); });
    a.join();
    std::thread b([&] { take_three(second); });
    b.join();
    for (const auto& d : first) CHECK(d.allowed);
    CHECK(second[0].allowed);
    CHECK(second[1].allowed);
    CHECK_FALSE(second[2].allowed);
    CHECK(second[2].exceeded == "requests");
    CHECK(second[2].retry_after > 0ms);
    CHECK(second[2].retry_after <= 12s);
}

TEST_CASE("the local limiter settles through to the shared buckets") {
    auto shared = std::make_shared<local_buckets>();
    net::io_context ioc;
    auto l = make_local_limiter(shared);
    const limit_rule rule{0, 100};
    CHECK(run(ioc, l->acquire("k", rule, 100)).allowed);
    CHECK_FALSE(run(ioc, l->acquire("k", rule, 50)).allowed);
    run(ioc, l->settle("k", rule, 100, 10));
    CHECK(run(ioc, l->acquire("k", rule, 50)).allowed);
    CHECK(run(ioc, l->acquire("anyone", limit_rule{}, 1'000'000)).allowed);
    CHECK(shared->size() == 1);
}

}
