#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tokentap/dialects/openai/include_usage.hpp"

using tokentap::dialects::openai::add_include_usage;
using json = nlohmann::json;

TEST_SUITE("unit/dialects/openai/include_usage") {

TEST_CASE("a stream request without stream_options gets include_usage, every other byte kept") {
    const std::string body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi \"there\" {"}],"stream":true})";
    const auto out = add_include_usage(body);
    REQUIRE(out);
    CHECK(*out == R"({"stream_options":{"include_usage":true},"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi \"there\" {"}],"stream":true})");
    const auto j = json::parse(*out);
    CHECK(j["stream_options"]["include_usage"] == true);
    CHECK(j["messages"][0]["content"] == "hi \"there\" {");
}

TEST_CASE("whitespace and pretty-printed bodies are handled") {
    const std::string body = "  {\n  \"stream\" : true ,\n  \"model\": \"m\"\n}\n";
    const auto out = add_include_usage(body);
    REQUIRE(out);
    CHECK(json::parse(*out)["stream_options"]["include_usage"] == true);
    CHECK(json::parse(*out)["model"] == "m");
}

TEST_CASE("an existing stream_options object gains the member") {
    auto out = add_include_usage(R"({"stream":true,"stream_options":{"include_obfuscation":false}})");
    REQUIRE(out);
    CHECK(*out == R"({"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}})");
    out = add_include_usage(R"({"stream":true,"stream_options":{ }})");
    REQUIRE(out);
    CHECK(json::parse(*out)["stream_options"] == json{{"include_usage", true}});
}

TEST_CASE("requests that need no change are left alone") {
    CHECK_FALSE(add_include_usage(R"({"model":"m","stream":false})"));
    CHECK_FALSE(add_include_usage(R"({"model":"m"})"));
    CHECK_FALSE(add_include_usage(R"({"stream":true,"stream_options":{"include_usage":true}})"));
    // An explicit false is the client's choice.
    CHECK_FALSE(add_include_usage(R"({"stream":true,"stream_options":{"include_usage":false}})"));
    CHECK_FALSE(add_include_usage(R"({"stream":true,"stream_options":null})"));
    // "stream" nested in another member is not the request's own.
    CHECK_FALSE(add_include_usage(R"({"metadata":{"stream":true},"model":"m"})"));
    CHECK_FALSE(add_include_usage(R"({"stream":"true"})"));
    CHECK_FALSE(add_include_usage(R"({"model":"m","messages":[{"role":"user","content":"caf\u00e9"}]})"));
}

TEST_CASE("the member is found however the body around it is spelled") {
    // Whitespace before the colon, and \u escapes elsewhere in the body (which make the scan walk
    // the whole body rather than trust a text search).
    CHECK(add_include_usage(R"({"model":"m","stream" : true})"));
    CHECK(add_include_usage(R"({"messages":[{"role":"user","content":"caf\u00e9"}],"stream":true})"));
    CHECK_FALSE(add_include_usage(R"({"messages":[{"role":"user","content":"caf\u00e9"}],"stream":false})"));
}

TEST_CASE("malformed bodies are never touched") {
    for (const char* bad : {"", "{", "[1,2]", R"({"stream":true)", R"({"stream":true,})", R"({"stream" true})",
                            R"({"stream":true} trailing)", R"({"a":"unterminated,"stream":true})", "\"stream\"",
                            R"({"stream":true,"x":[1,2})"})
        CHECK_MESSAGE(!add_include_usage(bad), bad);
}

TEST_CASE("escaped quotes and backslashes inside strings do not confuse the scan") {
    const std::string body = R"({"messages":[{"content":"a\\"},{"content":"\\\"stream\":true"}],"stream":true})";
    const auto out = add_include_usage(body);
    REQUIRE(out);
    const auto j = json::parse(*out);
    CHECK(j["messages"][1]["content"] == "\\\"stream\":true");
    CHECK(j["stream_options"]["include_usage"] == true);
}

TEST_CASE("a large body is scanned whole") {
    std::string body = R"({"messages":[{"role":"user","content":")" + std::string(1'000'000, 'x') + R"("}],"stream":true})";
    const auto out = add_include_usage(body);
    REQUIRE(out);
    CHECK(out->size() == body.size() + std::string(R"("stream_options":{"include_usage":true},)").size());
}

}
