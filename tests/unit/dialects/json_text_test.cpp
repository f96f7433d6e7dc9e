#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"
#include "tokentap/dialects/json_text.hpp"

using namespace tokentap::dialects;

namespace {

// Values of every shape the readers meet, and the malformed ones next to them.
const std::vector<std::string> scalar_texts = {
    "\"gpt-4o\"", "\"\"", "\"tab\\tand \\u00e9\"", "\"caf\xc3\xa9\"", "\"bad \xff byte\"", "\"ctl \x01\"",
    "\"quote \\\" inside\"", "\"a\"b\"", "0", "-0", "21", "-7", "123456789012345678", "-123456789012345678",
    "1234567890123456789", "12345678901234567890", "99999999999999999999999", "1.5", "-2e-3", "1E3", "6.0", "6.5",
    "1e2", "0.1", "1e999", "-1e999", "1e-400", "01", "-", "-01", "1.", ".5", "1e", "1e+", "+1", "0x10", "1x", "true",
    "false", "null", "tru", "nul", "True", "{}", "[]", "[1]", "{\"a\":1}"};

json member_holder(const std::string& text) {
    json holder = json::object();
    holder["k"] = json::parse(text, nullptr, false);
    return holder;
}

}  // namespace

TEST_SUITE("unit/dialects/json_text") {

TEST_CASE("typed reads give what json_fields reads from nlohmann's parse of the same text") {
    for (const auto& text : scalar_texts) {
        CAPTURE(text);
        const json_text v(text);
        const auto parsed = json::parse(text, nullptr, false);
        CHECK(well_formed(text) == !parsed.is_discarded());
        if (parsed.is_discarded()) continue;  // the readers only read text that was checked
        const auto holder = member_holder(text);
        CHECK(v.string() == string_field(&holder, "k"));
        CHECK(v.integer() == integer_field(&holder, "k"));
        CHECK(v.number() == number_field(&holder, "k"));
        CHECK(v.boolean() == bool_field(&holder, "k"));
        CHECK(v.string_list() == string_list_field(&holder, "k"));
        CHECK(v.is_string() == parsed.is_string());
        CHECK(v.is_object() == parsed.is_object());
        CHECK(v.is_array() == parsed.is_array());
        CHECK(v.is_null() == parsed.is_null());
        if (parsed.is_string()) CHECK(v.any_string() == parsed.get<std::string>());
    }
}

TEST_CASE("well_formed agrees with nlohmann on whole values, however deep the damage") {
    for (const std::string text :
         {"{\"a\":{\"b\":[1,2,{\"c\":false}]}}", "{\"a\":1,\"a\":2}", "{\"k\\u0065y\":1}", "{\"caf\xc3\xa9\":1}",
          "{\"x\xff\":1}", "{\"\\x\":1}", "[1,]", "[,1]", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
          "[1 2]", "[[]", "[]]", "{\"a\":[}]}", "{\"a\":\"unterminated}", " [1] ", "[1] x", "{\"a\":01}",
          "{\"a\":[1.5,-2e-3,1e999]}", "[\"tab\\tand \\u00e9\", \"\\ud800\"]", "[\"\\u12\"]", "{\"a\":tru}",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"a \\\"quoted\\\" } ] {\"}],\"model\":\"m\"}", "",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
          "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"}) {
        CAPTURE(text);
        const auto expected = json::accept(text);
        if (text.empty() || text.front() == ' ') {  // read_json takes the whitespace off first
            CHECK(read_json(text).present() == expected);
            continue;
        }
        CHECK(well_formed(text) == expected);
        CHECK(read_json(text).present() == expected);
    }
}

TEST_CASE("plain_text refuses a control, non-ASCII, quote or backslash byte wherever it stands") {
    // Lengths around the eight-byte steps it checks at once, each byte value at each position,
    // among ordinary letters and among the plain bytes at the edges of the range (space, tilde).
    for (const std::string_view filler : {"a", " ~"}) {
        for (std::size_t length = 1; length <= 19; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                for (int byte = 0; byte < 256; ++byte) {
                    std::string text;
                    for (std::size_t i = 0; i < length; ++i) text += filler[i % filler.size()];
                    text[at] = static_cast<char>(byte);
                    const bool plain = byte >= 0x20 && byte < 0x7F && byte != '\\' && byte != '"';
                    if (plain_text(text) != plain) {
                        CAPTURE(length);
                        CAPTURE(at);
                        CAPTURE(byte);
                        FAIL_CHECK("plain_text disagrees");
                    }
                }
            }
        }
    }
    CHECK(plain_text(""));
    CHECK(plain_text("gpt-4o-mini ~ {} [] 0123456789 !#$%&'()*+,-./:;<=>?@ ^_`|"));
    CHECK_FALSE(plain_text("gpt-4o-mini, then a tab\t"));
    CHECK_FALSE(plain_text(std::string("sixteen bytes..\x7f")));
}

TEST_CASE("read_json takes whitespace and a byte order mark off, and nothing else") {
    CHECK(read_json(" \r\n\t{\"a\":1} \n").raw() == "{\"a\":1}");
    CHECK(read_json("\xEF\xBB\xBF{\"a\":1}").raw() == "{\"a\":1}");
    CHECK_FALSE(read_json("{\"a\":1}\x01").present());
    CHECK_FALSE(read_json(" ").present());
    CHECK(read_json("7").raw() == "7");
}

TEST_CASE("members are found by name, the last of a repeated name winning, as a parser keeps") {
    const json_text o(R"({"a":1, "b" : {"c":"x","c":"y"},"a":2,"d":[ ],"e":[0],"f":null})");
    CHECK(o["a"].integer() == 2);
    CHECK(o["b"]["c"].string() == "y");
    CHECK(o["b"].raw() == R"({"c":"x","c":"y"})");
    CHECK_FALSE(o["missing"].present());
    CHECK_FALSE(o["b"]["c"]["deeper"].present());  // not an object
    CHECK(o["d"].is_empty_array());
    CHECK_FALSE(o["e"].is_empty_array());
    CHECK(o["f"].is_null());
    const auto m = o.members({"a", "b", "f", "g"});
    CHECK(m.readable());
    CHECK(m["a"].integer() == 2);
    CHECK(m["b"]["c"].string() == "y");
    CHECK(m["f"].is_null());
    CHECK_FALSE(m["g"].present());
    CHECK_FALSE(m["d"].present());  // not asked for
    CHECK_FALSE(json_text("[1]").members({"a"}).readable());
    CHECK_FALSE(json_text(R"({"a":1)").members({"a"}).readable());
    std::vector<std::int64_t> elements;
    json_text("[3, 4 ,5]").for_each_element([&](json_text e) { elements.push_back(*e.integer()); });
    CHECK(elements == std::vector<std::int64_t>{3, 4, 5});
}

TEST_CASE("read_object reads what parse_members reads, and refuses what it refuses") {
    const std::string good =
        R"( {"messages":[{"content":"a \"quoted\" } ] {"}],"model":"gpt-4o","n":2,"tools":[{"x":[1,2,{"y":null}]}],"stream":true} )";
    const auto o = read_object(good, {"model", "stream", "n"});
    REQUIRE(o.readable());
    CHECK(o["model"].string() == "gpt-4o");
    CHECK(o["stream"].boolean() == true);
    CHECK(o["n"].integer() == 2);
    CHECK_FALSE(o["messages"].present());
    for (const std::string bad :
         {"", "[]", "\"x\"", "{", R"({"model":"m")", R"({"model":"m",})", R"({"messages":[1,2})", R"({"model":tru})",
          R"({"model":"m"} x)", R"({"a":"unterminated})", R"({"messages":[[],"model":"m"})", R"({"messages":[{]},"model":"m"})",
          R"({"a":{"b":01}})", R"({"a":"\x"})", "{\"a\":\"\xff\"}", R"({"other":"\x","model":"m"})"}) {
        CAPTURE(bad);
        CHECK(read_object(bad, {"model", "a"}).readable() == !parse_members(bad, {"model", "a"}).is_discarded());
    }
    // The reduced array: its object elements are checked for their named members only.
    const reduced_array choices{"choices", {"index", "finish_reason"}};
    for (const std::string text :
         {R"({"choices":[{"index":0,"message":{"content":"x\u00"},"finish_reason":"stop"},7]})",
          R"({"choices":[{"index":0x}]})", R"({"choices":[{"index":0},]})", R"({"choices":[{"index":0})",
          R"({"choices":[tru]})", R"({"choices":null})", R"({"choices":[ ]})", R"({"choices":{"index":01}})"}) {
        CAPTURE(text);
        CHECK(read_object(text, {}, &choices).readable() == !parse_members(text, {}, choices).is_discarded());
    }
    const auto r = read_object(R"({"choices":[{"index":1,"finish_reason":"length"}],"id":"c"})", {"id"}, &choices);
    CHECK(r["id"].string() == "c");
    std::vector<std::string> reasons;
    r["choices"].for_each_element([&](json_text c) { reasons.push_back(*c["finish_reason"].string()); });
    CHECK(reasons == std::vector<std::string>{"length"});
}

}  // TEST_SUITE
