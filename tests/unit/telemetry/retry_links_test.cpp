#include <doctest/doctest.h>

#include "tokentap/telemetry/retry_links.hpp"

using namespace tokentap::telemetry;
using namespace std::chrono_literals;

namespace {
span failed_span(std::uint8_t n) {
    span s;
    s.trace.fill(n);
    s.id.fill(static_cast<std::uint8_t>(n + 1));
    s.trace_state = "vendor=" + std::to_string(n);
    return s;
}
}  // namespace

TEST_SUITE("unit/telemetry/retry links") {

TEST_CASE("a retry of the same call by the same caller links to the failed attempt") {
    retry_links links;
    const retry_links::time_point t0{};
    links.remember("caller-a", 42, failed_span(1), t0);
    const auto l = links.previous("caller-a", 42, t0 + 2s);
    REQUIRE(l);
    CHECK(l->trace == failed_span(1).trace);
    CHECK(l->id == failed_span(1).id);
    CHECK(l->trace_state == "vendor=1");
    CHECK_FALSE(links.previous("caller-b", 42, t0 + 2s));  // another caller
    CHECK_FALSE(links.previous("caller-a", 43, t0 + 2s));  // another body
}

TEST_CASE("the latest attempt wins, and the window closes") {
    retry_links links(10s);
    const retry_links::time_point t0{};
    links.remember("c", 1, failed_span(1), t0);
    links.remember("c", 1, failed_span(5), t0 + 3s);  // the second attempt failed too
    CHECK(links.previous("c", 1, t0 + 4s)->id == failed_span(5).id);
    CHECK(links.previous("c", 1, t0 + 13s));
    CHECK_FALSE(links.previous("c", 1, t0 + 14s));
}

TEST_CASE("memory is bounded: the oldest entries are forgotten first") {
    retry_links links(120s, 3);
    const retry_links::time_point t0{};
    for (std::uint8_t i = 0; i < 5; ++i) links.remember("c", i, failed_span(i), t0 + std::chrono::seconds(i));
    CHECK(links.size() <= 3);
    CHECK_FALSE(links.previous("c", 0, t0 + 5s));
    CHECK_FALSE(links.previous("c", 1, t0 + 5s));
    CHECK(links.previous("c", 4, t0 + 5s));
}

}  // TEST_SUITE
