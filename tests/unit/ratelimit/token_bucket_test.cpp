#include <doctest/doctest.h>

#include "tokentap/ratelimit/token_bucket.hpp"

using tokentap::ratelimit::token_bucket;
using namespace std::chrono_literals;

namespace {
const token_bucket::clock::time_point t0 = token_bucket::clock::time_point{} + 1000h;
}

TEST_SUITE("unit/ratelimit/token_bucket") {

TEST_CASE("a new bucket is full and refuses the first take beyond its capacity") {
    token_bucket b(5, t0);
    CHECK(b.tokens(t0) == 5.0);
    for (int i = 0; i < 5; ++i) CHECK(b.try_take(1, t0).allowed);
    const auto refused = b.try_take(1, t0);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after == 12s);  // 5 per minute: one every 12 s
    CHECK(b.tokens(t0) == 0.0);         // a refusal takes nothing
}

TEST_CASE("the refill is continuous: limit/60 per second") {
    token_bucket b(60, t0);
    CHECK(b.try_take(60, t0).allowed);
    CHECK(b.tokens(t0 + 500ms) == doctest::Approx(0.5));
    CHECK(b.wait_for(1, t0 + 500ms) == 500ms);
    CHECK_FALSE(b.try_take(1, t0 + 999ms).allowed);
    CHECK(b.wait_for(1, t0 + 999ms) == 1ms);
    CHECK(b.try_take(1, t0 + 1000ms).allowed);
    CHECK(b.tokens(t0 + 1000ms) == 0.0);
}

TEST_CASE("the retry_after it gives is exactly when the take passes") {
    token_bucket b(7, t0);  // 7 per minute: not a whole number of ms per token
    CHECK(b.try_take(7, t0).allowed);
    const auto r = b.try_take(3, t0 + 1234ms);
    REQUIRE_FALSE(r.allowed);
    CHECK_FALSE(b.try_take(3, t0 + 1234ms + r.retry_after - 1ms).allowed);
    CHECK(b.try_take(3, t0 + 1234ms + r.retry_after).allowed);
}

TEST_CASE("many small steps refill exactly as much as one long step") {
    token_bucket stepped(7, t0), jumped(7, t0);
    CHECK(stepped.try_take(7, t0).allowed);
    CHECK(jumped.try_take(7, t0).allowed);
    auto t = t0;
    for (int i = 0; i < 3000; ++i) {
        t += 2700us;  // not a whole millisecond: the rest must carry over
        stepped.adjust(0, t);
    }
    CHECK(stepped.tokens(t) == jumped.tokens(t));
    CHECK(stepped.wait_for(7, t) == jumped.wait_for(7, t));
}

TEST_CASE("the level never exceeds the capacity, even after a very long idle time") {
    token_bucket b(1'000'000, t0);
    CHECK(b.try_take(10, t0).allowed);
    const auto later = t0 + 24h * 365 * 100;  // no overflow of elapsed * rate
    CHECK(b.tokens(later) == 1'000'000.0);
    CHECK(b.try_take(1'000'000, later).allowed);
    CHECK_FALSE(b.try_take(1, later).allowed);
}

TEST_CASE("time going backwards adds nothing") {
    token_bucket b(60, t0);
    CHECK(b.try_take(60, t0).allowed);
    CHECK(b.tokens(t0 - 10s) == 0.0);
    CHECK_FALSE(b.try_take(1, t0 - 10s).allowed);
}

TEST_CASE("adjust charges below zero, and then even a cost of 0 waits") {
    token_bucket b(600, t0);  // 10 per second
    CHECK(b.try_take(100, t0).allowed);
    b.adjust(700, t0);  // the call used 800 tokens, 100 were reserved
    CHECK(b.tokens(t0) == -200.0);
    CHECK(b.wait_for(0, t0) == 20s);
    CHECK(b.wait_for(100, t0) == 30s);
    CHECK_FALSE(b.try_take(0, t0 + 19s).allowed);
    CHECK(b.try_take(0, t0 + 20s).allowed);
    CHECK(b.time_to_full(t0 + 20s) == 60s);
}

TEST_CASE("a negative adjust refunds, capped at the capacity") {
    token_bucket b(1000, t0);
    CHECK(b.try_take(800, t0).allowed);
    b.adjust(-500, t0);  // reserved 800, used 300
    CHECK(b.tokens(t0) == 700.0);
    b.adjust(-5000, t0);
    CHECK(b.tokens(t0) == 1000.0);
    CHECK(b.time_to_full(t0) == 0ms);
}

TEST_CASE("a cost above the capacity passes only on a full bucket, and leaves a debt") {
    token_bucket b(1000, t0);
    CHECK(b.try_take(1, t0).allowed);
    const auto r = b.try_take(4000, t0);
    CHECK_FALSE(r.allowed);
    CHECK(r.retry_after == 60ms);  // until full: 1 token at 1000 per minute
    CHECK(b.try_take(4000, t0 + 60ms).allowed);
    CHECK(b.tokens(t0 + 60ms) == -3000.0);
    CHECK(b.wait_for(1, t0 + 60ms) == std::chrono::milliseconds(3001 * 60));
}

TEST_CASE("a limit of 0 is no limit") {
    token_bucket b(0, t0);
    CHECK(b.unlimited());
    CHECK(b.try_take(1'000'000'000, t0).allowed);
    b.adjust(1'000'000'000, t0);
    CHECK(b.wait_for(1'000'000'000, t0) == 0ms);
    token_bucket defaulted;
    CHECK(defaulted.try_take(5, t0).allowed);
}

TEST_CASE("set_limit keeps the level, capped at the new capacity") {
    token_bucket b(100, t0);
    CHECK(b.try_take(40, t0).allowed);
    b.set_limit(50, t0);
    CHECK(b.tokens(t0) == 50.0);
    CHECK(b.try_take(50, t0).allowed);
    b.set_limit(600, t0);
    CHECK(b.tokens(t0) == 0.0);
    CHECK(b.wait_for(10, t0) == 1s);  // the new rate: 10 per second
    b.set_limit(0, t0);
    CHECK(b.try_take(1'000, t0).allowed);
    b.set_limit(5, t0);  // from no limit: starts full
    CHECK(b.tokens(t0) == 5.0);
}

TEST_CASE("huge inputs are clamped instead of overflowing") {
    token_bucket b(INT64_MAX, t0);
    CHECK(b.capacity() == token_bucket::max_per_minute);
    b.adjust(INT64_MAX, t0);
    b.adjust(INT64_MAX, t0);
    CHECK(b.tokens(t0) < 0);
    CHECK(b.wait_for(0, t0) > 0ms);
    for (int i = 0; i < 3; ++i) b.adjust(INT64_MIN, t0);
    CHECK(b.tokens(t0) == static_cast<double>(token_bucket::max_per_minute));
}

}
