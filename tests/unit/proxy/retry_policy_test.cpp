#include <doctest/doctest.h>

#include "tokentap/proxy/retry_policy.hpp"

using namespace tokentap::proxy;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

TEST_SUITE("unit/proxy/retry policy") {

TEST_CASE("only rate limits, overloads and server errors are retried") {
    for (unsigned s : {429u, 500u, 502u, 503u, 504u, 529u}) CHECK(retryable_status(s));
    for (unsigned s : {200u, 400u, 401u, 403u, 404u, 408u, 413u, 422u, 501u, 505u}) CHECK_FALSE(retryable_status(s));
}

TEST_CASE("the backoff doubles up to its cap, scaled by the jitter draw") {
    retry_options o;  // 500 ms, 8 s cap, 3 attempts, 30 s budget
    o.max_attempts = 10;
    o.budget = 600s;
    CHECK(retry_delay(o, 1, std::nullopt, 0ms, 0.999999) == ms(499));
    CHECK(retry_delay(o, 2, std::nullopt, 0ms, 0.5) == ms(500));
    CHECK(retry_delay(o, 3, std::nullopt, 0ms, 0.5) == ms(1000));
    CHECK(retry_delay(o, 5, std::nullopt, 0ms, 0.5) == ms(4000));
    CHECK(retry_delay(o, 6, std::nullopt, 0ms, 0.5) == ms(4000));  // 16 s capped at 8 s
    CHECK(retry_delay(o, 9, std::nullopt, 0ms, 0.25) == ms(2000));
    CHECK(retry_delay(o, 1, std::nullopt, 0ms, 0.0) == ms(0));
}

TEST_CASE("the provider's retry-after is a floor") {
    retry_options o;
    CHECK(retry_delay(o, 1, ms(2000), 0ms, 0.5) == ms(2000));
    CHECK(retry_delay(o, 1, ms(100), 0ms, 0.5) == ms(250));
}

TEST_CASE("attempts and the time budget end the retries") {
    retry_options o;  // 3 attempts: two retries
    CHECK(retry_delay(o, 2, std::nullopt, 0ms, 0.5));
    CHECK_FALSE(retry_delay(o, 3, std::nullopt, 0ms, 0.5));
    CHECK_FALSE(retry_delay(o, 0, std::nullopt, 0ms, 0.5));
    // 29.8 s spent: a 250 ms wait would pass the 30 s budget, a 100 ms one would not.
    CHECK_FALSE(retry_delay(o, 1, std::nullopt, 29800ms, 0.5));
    CHECK(retry_delay(o, 1, std::nullopt, 29800ms, 0.2) == ms(100));
    // A retry-after longer than what is left of the budget: give up now, let the app decide.
    CHECK_FALSE(retry_delay(o, 1, ms(60000), 0ms, 0.5));
}

}  // TEST_SUITE
