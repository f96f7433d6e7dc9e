#include <doctest/doctest.h>

#include <string>

#include "tokentap/dialects/json_scan.hpp"

using namespace tokentap::dialects;

TEST_SUITE("unit/dialects/json_scan") {

TEST_CASE("only the named members are parsed; the rest are skipped") {
    const std::string text = R"( {"messages":[{"content":"a \"quoted\" } ] {"}],"model":"gpt-4o","n":2,"tools":[{"x":[1,2,{"y":null}]}],"stream":true} )";
    const auto j = parse_members(text, {"model", "stream", "n"});
    REQUIRE(j.is_object());
    CHECK(j.size() == 3);
    CHECK(j["model"] == "gpt-4o");
    CHECK(j["stream"] == true);
    CHECK(j["n"] == 2);
    CHECK_FALSE(j.contains("messages"));
}

TEST_CASE("malformed or non-object text is discarded, wherever the damage is") {
    for (const char* bad : {"", "[]", "\"x\"", "{", R"({"model":"m")", R"({"model":"m",})", R"({"messages":[1,2})",
                            R"({"model":tru})", R"({"model":"m"} x)", R"({"a":"unterminated})"})
        CHECK_MESSAGE(parse_members(bad, {"model", "a"}).is_discarded(), bad);
    // A skipped member is only checked for closed strings and balanced brackets, not validated:
    // an unbalanced one makes the whole body unreadable, a mismatched pair does not.
    CHECK(parse_members(R"({"messages":[[],"model":"m"})", {"model"}).is_discarded());
    CHECK(parse_members(R"({"messages":[{]},"model":"m"})", {"model"})["model"] == "m");
}

TEST_CASE("an array member is parsed with each object element reduced to its named members") {
    const std::string text = R"({"id":"c1","choices":[ {"index":0,"message":{"content":"long \"text\" ]"},"finish_reason":"stop"} ,)"
                             R"( {"index":1,"logprobs":null,"finish_reason":"length"}, 7 ],"usage":{"prompt_tokens":3}})";
    const auto j = parse_members(text, {"id", "usage"}, {"choices", {"index", "finish_reason"}});
    REQUIRE(j.is_object());
    CHECK(j["id"] == "c1");
    CHECK(j["usage"]["prompt_tokens"] == 3);
    REQUIRE(j["choices"].is_array());
    REQUIRE(j["choices"].size() == 3);
    CHECK(j["choices"][0] == json({{"index", 0}, {"finish_reason", "stop"}}));
    CHECK(j["choices"][1] == json({{"index", 1}, {"finish_reason", "length"}}));
    CHECK(j["choices"][2] == 7);  // not an object: as is
    // The member when it is not an array, parsed as is; an empty array; a damaged element.
    CHECK(parse_members(R"({"choices":null})", {}, {"choices", {"index"}})["choices"].is_null());
    CHECK(parse_members(R"({"choices":[ ]})", {}, {"choices", {"index"}})["choices"] == json::array());
    CHECK(parse_members(R"({"choices":[{"index":0x}]})", {}, {"choices", {"index"}}).is_discarded());
    CHECK(parse_members(R"({"choices":[{"index":0},]})", {}, {"choices", {"index"}}).is_discarded());
    CHECK(parse_members(R"({"choices":[{"index":0})", {}, {"choices", {"index"}}).is_discarded());
}

TEST_CASE("a named member's value is the one nlohmann's parser gives, of the same type, or discarded with it") {
    for (const std::string value :
         {"\"gpt-4o\"", "\"\"", "\"tab\\tand \\u00e9\"", "\"caf\xc3\xa9\"", "\"bad \xff byte\"", "\"ctl \x01\"", "0", "-0",
          "21", "-7", "123456789012345678", "12345678901234567890", "1.5", "-2e-3", "1E3", "01", "-", "1x", "true",
          "false", "null", "tru", "nul", "{}", "[]", "[1,\"a\",null,[{}]]", "{\"a\":{\"b\":[1,2,{\"c\":false}]}}",
          "{\"a\":1,\"a\":2}", "{\"k\\u0065y\":1}", "{\"caf\xc3\xa9\":1}", "{\"x\xff\":1}", "[1,]", "{\"a\":}",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
        CAPTURE(value);
        const auto expected = json::parse(value, nullptr, false);
        const auto got = parse_members("{\"k\": " + value + " }", {"k"});
        if (expected.is_discarded()) {
            CHECK(got.is_discarded());
            continue;
        }
        REQUIRE(got.is_object());
        CHECK(got["k"] == expected);
        CHECK(got["k"].type() == expected.type());
        CHECK(got["k"].dump() == expected.dump());
    }
}

TEST_CASE("a string ends at its first unescaped quote, however long and wherever its escapes are") {
    // The reference: a byte at a time, a backslash taking the byte after it.
    const auto reference_end = [](const std::string& s) -> std::size_t {
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i] == '\\') ++i;
            else if (s[i] == '"') return i + 1;
        }
        return json_cursor::npos;
    };
    for (std::size_t length = 0; length < 80; ++length) {
        for (std::size_t at = 0; at <= length; ++at) {
            for (const std::string escape : {"", "\\\"", "\\\\", "\\\\\\\""}) {
                std::string s = "\"" + std::string(length, 'a');
                s.insert(1 + at, escape);
                const std::string closed = s + "\"" + R"(,"next":")";
                CAPTURE(closed);
                CHECK(json_cursor(closed).skip_string(0) == reference_end(closed));
                CHECK(json_cursor(closed).skip_value(0) == reference_end(closed));
                CHECK(json_cursor(s).skip_string(0) == reference_end(s));  // never closed: npos
                const std::string in_array = "[" + closed + "\"]";
                CHECK(json_cursor(in_array).skip_value(0) == in_array.size());
            }
        }
    }
}

TEST_CASE("the size of the first embedding, as floats or base64") {
    CHECK(first_embedding_size(R"({"object":"list","data":[{"object":"embedding","embedding":[0.1,-2e-3,3],"index":0},{"embedding":[1]}]})") == 3);
    CHECK(first_embedding_size(R"({"data":[{"embedding":[]}]})") == 0);
    CHECK(first_embedding_size(R"({"data":[{"embedding":"AAAAAAAAAAAAAAAAAAAAAA=="}]})") == 4);
    CHECK_FALSE(first_embedding_size(R"({"data":[]})"));
    CHECK_FALSE(first_embedding_size(R"({"usage":{}})"));
    CHECK_FALSE(first_embedding_size(R"({"data":[{"embedding":[1,2})"));
}

}
