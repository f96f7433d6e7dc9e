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

TEST_CASE("the size of the first embedding, as floats or base64") {
    CHECK(first_embedding_size(R"({"object":"list","data":[{"object":"embedding","embedding":[0.1,-2e-3,3],"index":0},{"embedding":[1]}]})") == 3);
    CHECK(first_embedding_size(R"({"data":[{"embedding":[]}]})") == 0);
    CHECK(first_embedding_size(R"({"data":[{"embedding":"AAAAAAAAAAAAAAAAAAAAAA=="}]})") == 4);
    CHECK_FALSE(first_embedding_size(R"({"data":[]})"));
    CHECK_FALSE(first_embedding_size(R"({"usage":{}})"));
    CHECK_FALSE(first_embedding_size(R"({"data":[{"embedding":[1,2})"));
}

}
