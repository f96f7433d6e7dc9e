#include <doctest/doctest.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/sse/json_array_framer.hpp"

using namespace tokentap::sse;

namespace {

struct framed {
    std::vector<std::string> elements;
    std::uint64_t oversized = 0, truncated = 0, stray = 0;
    bool closed = false;
};

// Feeds the stream in the pieces that `cuts` (ascending offsets) make, then finishes it.
framed run(std::string_view stream, const std::vector<std::size_t>& cuts, json_array_framer_options options = {}) {
    json_array_framer framer(options);
    framed r;
    auto on_element = [&](std::string_view e) { r.elements.emplace_back(e); };
    std::size_t at = 0;
    for (const auto cut : cuts) {
        framer.feed(stream.substr(at, cut - at), on_element);
        at = cut;
    }
    framer.feed(stream.substr(at), on_element);
    r.closed = framer.closed();
    framer.finish(on_element);
    CHECK(framer.elements() == r.elements.size());
    r.oversized = framer.oversized_elements();
    r.truncated = framer.truncated_elements();
    r.stray = framer.stray_bytes();
    return r;
}

std::vector<std::string> elements_of(std::string_view stream) { return run(stream, {}).elements; }

// The stream in one piece, split in two at every offset, and one byte at a time, all frame alike.
void check_every_split(std::string_view stream, const std::vector<std::string>& expected,
                       json_array_framer_options options = {}) {
    const auto whole = run(stream, {}, options);
    REQUIRE(whole.elements == expected);
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        CAPTURE(i);
        const auto r = run(stream, {i}, options);
        CHECK(r.elements == expected);
        CHECK(r.oversized == whole.oversized);
        CHECK(r.closed == whole.closed);
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < stream.size(); ++i) every.push_back(i);
    const auto bytewise = run(stream, every, options);
    CHECK(bytewise.elements == expected);
    CHECK(bytewise.oversized == whole.oversized);
}

}  // namespace

TEST_SUITE("unit/sse/json_array_framer") {

TEST_CASE("Gemini's streamed array: elements between commas and line breaks") {
    const std::string_view stream =
        "[{\"candidates\": [{\"index\": 0}]}\n,\r\n{\"usageMetadata\": {\"promptTokenCount\": 3}}\n]";
    check_every_split(stream, {R"({"candidates": [{"index": 0}]})", R"({"usageMetadata": {"promptTokenCount": 3}})"});
    const auto r = run(stream, {});
    CHECK(r.closed);
    CHECK(r.stray == 0);
    CHECK(r.truncated == 0);
}

TEST_CASE("brackets, braces, commas and escaped quotes inside strings") {
    const std::string_view stream =
        R"([ {"text":"a ] b } c , [ {"},{"text":"say \"hi]\" \\","n":1},{"t":"\\\"}"} , {"k":"\u005d"} ])";
    check_every_split(stream, {R"({"text":"a ] b } c , [ {"})", R"({"text":"say \"hi]\" \\","n":1})",
                               R"({"t":"\\\"}"})", R"({"k":"\u005d"})"});
}

TEST_CASE("nested arrays and any element type") {
    check_every_split(R"([[1,[2]],{"a":[{}]},"s]",-1.5e3,true,null])",
                      {"[1,[2]]", R"({"a":[{}]})", R"("s]")", "-1.5e3", "true", "null"});
    check_every_split("[ ]", {});
    check_every_split("[]", {});
}

TEST_CASE("a lone object is one element (an error answered without the array)") {
    const std::string_view stream = "\xEF\xBB\xBF  {\"error\": {\"code\": 429, \"status\": \"RESOURCE_EXHAUSTED\"}}\n";
    check_every_split(stream, {R"({"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}})"});
    const auto r = run(stream, {});
    CHECK(r.closed);
    CHECK(r.stray == 0);
}

TEST_CASE("an oversized element is skipped and counted; the rest is still framed") {
    const std::string big = "{\"text\":\"" + std::string(100, 'x') + "]}\"}";
    const std::string stream = "[{\"a\":1}," + big + ",{\"b\":2}]";
    const json_array_framer_options small{.max_element_bytes = 50};
    check_every_split(stream, {R"({"a":1})", R"({"b":2})"}, small);
    CHECK(run(stream, {}, small).oversized == 1);
    CHECK(run(stream, {20, 40, 60, 80}, small).oversized == 1);
    // An element of exactly the limit fits.
    const json_array_framer_options exact{.max_element_bytes = 7};
    CHECK(run(R"([{"a":1}])", {3}, exact).elements == std::vector<std::string>{R"({"a":1})"});
    CHECK(run(R"([{"a":12}])", {3}, exact).oversized == 1);
}

TEST_CASE("a stream cut short: complete elements kept, the open one dropped and counted") {
    const std::string_view stream = R"([{"a":1},{"b":"x]},{)";
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        const auto r = run(stream, {cut});
        CHECK(r.elements == std::vector<std::string>{R"({"a":1})"});
        CHECK(r.truncated == 1);
        CHECK_FALSE(r.closed);
    }
    CHECK(run("[{\"a\":1},", {}).truncated == 0);  // cut between elements: nothing lost
    CHECK(run("[1,23", {}).truncated == 1);         // a number may have been cut too
}

TEST_CASE("what is not a JSON array yields nothing and is counted") {
    auto r = run("<html>error</html>", {});
    CHECK(r.elements.empty());
    CHECK(r.stray > 0);
    r = run("[{\"a\":1}] junk", {});
    CHECK(r.elements == std::vector<std::string>{R"({"a":1})"});
    CHECK(r.stray == 4);
    r = run("[{\"a\":1}}, {\"b\":2}]", {});  // a stray closing brace between elements
    CHECK(r.elements == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
    CHECK(r.stray == 1);
    CHECK(elements_of("[{\"a\":1} {\"b\":2},,]") == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
}

TEST_CASE("finish makes the framer ready for a new stream; counters are kept") {
    json_array_framer framer;
    std::vector<std::string> got;
    auto on_element = [&](std::string_view e) { got.emplace_back(e); };
    framer.feed("[{\"a\":", on_element);
    framer.finish(on_element);
    framer.feed("[{\"b\":2}]", on_element);
    framer.finish(on_element);
    CHECK(got == std::vector<std::string>{R"({"b":2})"});
    CHECK(framer.elements() == 1);
    CHECK(framer.truncated_elements() == 1);
}

}
