#include <doctest/doctest.h>

#include <set>
#include <string>
#include <thread>

#include "tokentap/telemetry/trace_context.hpp"

using namespace tokentap::telemetry;

namespace {

// The example from the W3C Trace Context specification.
constexpr const char* trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* parent_hex = "00f067aa0ba902b7";

std::string header(const std::string& version, const std::string& trace, const std::string& parent,
                   const std::string& flags) {
    return version + "-" + trace + "-" + parent + "-" + flags;
}

std::string valid(const std::string& flags = "01") { return header("00", trace_hex, parent_hex, flags); }

bool parses(const std::string& value) { return parse_traceparent(value).has_value(); }

}  // namespace

TEST_SUITE("unit/telemetry/trace_context") {

TEST_CASE("a valid version 00 traceparent") {
    const auto tp = parse_traceparent(valid());
    REQUIRE(tp);
    CHECK(to_hex(tp->trace) == trace_hex);
    CHECK(to_hex(tp->parent) == parent_hex);
    CHECK(tp->trace[0] == 0x4b);
    CHECK(tp->parent[7] == 0xb7);
    CHECK(tp->flags == 0x01);

    const auto unsampled = parse_traceparent(valid("00"));
    REQUIRE(unsampled);
    CHECK(unsampled->flags == 0);
    const auto other_bits = parse_traceparent(valid("03"));
    REQUIRE(other_bits);
    CHECK(other_bits->flags == 0x03);  // returned as received
}

TEST_CASE("surrounding optional whitespace is ignored") {
    CHECK(parses("  " + valid() + "\t"));
}

TEST_CASE("uppercase hex is invalid") {
    CHECK_FALSE(parses(header("00", "4BF92F3577B34DA6A3CE929D0E0E4736", parent_hex, "01")));
    CHECK_FALSE(parses(header("00", trace_hex, "00F067AA0BA902B7", "01")));
    CHECK_FALSE(parses(valid("0A")));
    CHECK_FALSE(parses(header("0A", trace_hex, parent_hex, "01")));
}

TEST_CASE("non-hex characters and wrong separators are invalid") {
    CHECK_FALSE(parses(header("00", "4bf92f3577b34da6a3ce929d0e0e473g", parent_hex, "01")));
    CHECK_FALSE(parses(valid("0x")));
    CHECK_FALSE(parses("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    CHECK_FALSE(parses("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
    CHECK_FALSE(parses("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
}

TEST_CASE("wrong lengths are invalid") {
    CHECK_FALSE(parses(""));
    CHECK_FALSE(parses("00"));
    CHECK_FALSE(parses(header("00", "4bf92f3577b34da6a3ce929d0e0e473", parent_hex, "01")));    // 31 hex
    CHECK_FALSE(parses(header("00", "4bf92f3577b34da6a3ce929d0e0e47360", parent_hex, "01")));  // 33 hex
    CHECK_FALSE(parses(header("00", trace_hex, "00f067aa0ba902b", "01")));
    CHECK_FALSE(parses(header("00", trace_hex, parent_hex, "1")));
    CHECK_FALSE(parses(header("00", trace_hex, parent_hex, "011")));
    CHECK_FALSE(parses(header("0", trace_hex, parent_hex, "01")));
    CHECK_FALSE(parses(valid().substr(0, 54)));
}

TEST_CASE("all-zero ids are invalid") {
    CHECK_FALSE(parses(header("00", "00000000000000000000000000000000", parent_hex, "01")));
    CHECK_FALSE(parses(header("00", trace_hex, "0000000000000000", "01")));
}

TEST_CASE("version ff is invalid") { CHECK_FALSE(parses(header("ff", trace_hex, parent_hex, "01"))); }

TEST_CASE("version 00 allows nothing after the flags") {
    CHECK_FALSE(parses(valid() + "-extra"));
    CHECK_FALSE(parses(valid() + "-"));
}

TEST_CASE("a future version is parsed with the 00 layout and may carry more fields") {
    const auto tp = parse_traceparent(header("cc", trace_hex, parent_hex, "01") + "-what-the-future-will-be-like");
    REQUIRE(tp);
    CHECK(to_hex(tp->trace) == trace_hex);
    CHECK(to_hex(tp->parent) == parent_hex);
    CHECK(tp->flags == 1);
    CHECK(parses(header("01", trace_hex, parent_hex, "00")));
    CHECK_FALSE(parses(header("cc", trace_hex, parent_hex, "01") + "x"));     // 56th char not '-'
    CHECK_FALSE(parses(header("cc", trace_hex, parent_hex, "01") + ".more"));
    CHECK_FALSE(parses(header("cc", "00000000000000000000000000000000", parent_hex, "01") + "-x"));
}

TEST_CASE("format_traceparent writes version 00 in lowercase and round-trips") {
    const trace_id trace{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
    const span_id parent{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
    CHECK(format_traceparent(trace, parent, 1) == valid("01"));
    CHECK(format_traceparent(trace, parent, 0) == valid("00"));

    const trace_id t = new_trace_id();
    const span_id s = new_span_id();
    const auto back = parse_traceparent(format_traceparent(t, s, 0xab));
    REQUIRE(back);
    CHECK(back->trace == t);
    CHECK(back->parent == s);
    CHECK(back->flags == 0xab);
}

TEST_CASE("to_hex") {
    const std::uint8_t bytes[] = {0x00, 0x09, 0xab, 0xff};
    CHECK(to_hex(bytes) == "0009abff");
    CHECK(to_hex({}) == "");
}

TEST_CASE("propagated_tracestate keeps up to 512 characters") {
    CHECK(propagated_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    CHECK(propagated_tracestate(" a=1 ") == "a=1");
    CHECK(propagated_tracestate("") == "");
    const std::string at_limit = "k=" + std::string(510, 'v');
    CHECK(propagated_tracestate(at_limit) == at_limit);
    CHECK(propagated_tracestate(at_limit + "v") == "");
}

TEST_CASE("new ids are non-zero and distinct, also across threads") {
    std::set<trace_id> traces;
    std::set<span_id> spans;
    for (int i = 0; i < 1000; ++i) {
        const trace_id t = new_trace_id();
        const span_id s = new_span_id();
        CHECK(t != trace_id{});
        CHECK(s != span_id{});
        traces.insert(t);
        spans.insert(s);
    }
    CHECK(traces.size() == 1000);
    CHECK(spans.size() == 1000);

    trace_id a{}, b{};
    std::thread first([&a] { a = new_trace_id(); });
    std::thread second([&b] { b = new_trace_id(); });
    first.join();
    second.join();
    CHECK(a != trace_id{});
    CHECK(a != b);
    CHECK(traces.count(a) == 0);
}

}  // TEST_SUITE
