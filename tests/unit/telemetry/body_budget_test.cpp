#include <doctest/doctest.h>

#include <utility>

#include "tokentap/telemetry/body_budget.hpp"

using tokentap::telemetry::body_budget;
using tokentap::telemetry::body_hold;

TEST_SUITE("unit/telemetry/body_budget") {

TEST_CASE("a budget takes up to its limit, then nothing, and takes again once bytes come back") {
    std::atomic<std::uint64_t> used{0};
    body_budget b(used, 100);
    CHECK(b.take(60));
    CHECK(b.take(40));
    CHECK(used == 100);
    CHECK_FALSE(b.take(1));
    CHECK(used == 100);  // a refused take takes nothing
    b.give(30);
    CHECK_FALSE(b.take(31));
    CHECK(b.take(30));
    CHECK(used == 100);
    CHECK_FALSE(body_budget(used, 10).take(11));  // more than the whole limit at once
}

TEST_CASE("a hold gives back what it took when it ends, and a move hands the bytes over") {
    std::atomic<std::uint64_t> used{0};
    body_budget b(used, 100);
    {
        body_hold h(b);
        CHECK(h.take(50));
        CHECK_FALSE(h.take(51));
        CHECK(h.held() == 50);
        h.give(20);  // a body given up
        CHECK(used == 30);
        h.give(1000);  // never more than it holds
        CHECK(used == 0);
        CHECK(h.take(70));
        body_hold moved(std::move(h));
        CHECK(moved.held() == 70);
        CHECK(h.held() == 0);
        {
            body_hold other(b);
            CHECK(other.take(10));
            other = std::move(moved);  // gives back its own 10, takes over the 70
            CHECK(used == 70);
            CHECK(other.held() == 70);
        }
        CHECK(used == 0);
    }
    CHECK(used == 0);
}

TEST_CASE("a hold without a budget keeps anything") {
    body_hold h;
    CHECK(h.take(std::size_t{1} << 40));
    CHECK(h.held() == 0);
}

}
