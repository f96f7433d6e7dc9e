#include <doctest/doctest.h>

#include <array>
#include <string>

#include "tokentap/ratelimit/redis_connection.hpp"

using namespace tokentap::ratelimit;
using kind = redis_reply::type;

namespace {

redis_reply parse_all(std::string_view in) {
    redis_reply r;
    const auto p = parse_reply(in, r);
    REQUIRE(p.status == parse_status::complete);
    CHECK(p.consumed == in.size());
    return r;
}

parse_status status_of(std::string_view in) {
    redis_reply r;
    return parse_reply(in, r).status;
}

}  // namespace

TEST_SUITE("unit/ratelimit/resp") {

TEST_CASE("a command is an array of bulk strings, binary-safe") {
    std::string out;
    const std::array<std::string_view, 3> args = {"SET", "key", std::string_view("a\r\nb\0c", 6)};
    append_command(out, args);
    static constexpr char expected[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$6\r\na\r\nb\0c\r\n";
    CHECK(out == std::string(expected, sizeof expected - 1));
    const std::array<std::string_view, 1> empty_arg = {""};
    out.clear();
    append_command(out, empty_arg);
    CHECK(out == "*1\r\n$0\r\n\r\n");
}

TEST_CASE("each reply type") {
    auto s = parse_all("+OK\r\n");
    CHECK(s.kind == kind::simple_string);
    CHECK(s.text == "OK");
    auto e = parse_all("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    CHECK(e.is_error());
    CHECK(e.text == "NOSCRIPT No matching script. Please use EVAL.");
    auto i = parse_all(":-42\r\n");
    CHECK(i.kind == kind::integer);
    CHECK(i.integer == -42);
    auto b = parse_all("$7\r\nab\r\ncde\r\n");  // CRLF inside a bulk string is data
    CHECK(b.kind == kind::bulk_string);
    CHECK(b.text == "ab\r\ncde");
    CHECK(parse_all("$0\r\n\r\n").text.empty());
    CHECK(parse_all("$-1\r\n").kind == kind::null);
    CHECK(parse_all("*-1\r\n").kind == kind::null);
    CHECK(parse_all("*0\r\n").kind == kind::array);
}

TEST_CASE("nested arrays") {
    auto a = parse_all("*3\r\n:1\r\n*2\r\n$2\r\nhi\r\n$-1\r\n-ERR x\r\n");
    REQUIRE(a.kind == kind::array);
    REQUIRE(a.elements.size() == 3);
    CHECK(a.elements[0].integer == 1);
    REQUIRE(a.elements[1].elements.size() == 2);
    CHECK(a.elements[1].elements[0].text == "hi");
    CHECK(a.elements[1].elements[1].kind == kind::null);
    CHECK(a.elements[2].is_error());
}

TEST_CASE("a reply cut anywhere is incomplete, and complete once whole") {
    const std::string whole = "*3\r\n:1\r\n*2\r\n$5\r\nhello\r\n+OK\r\n$3\r\nabc\r\n";
    for (std::size_t n = 0; n < whole.size(); ++n) {
        CAPTURE(n);
        CHECK(status_of(std::string_view(whole).substr(0, n)) == parse_status::incomplete);
    }
    parse_all(whole);
}

TEST_CASE("only the first reply is consumed") {
    redis_reply r;
    const auto p = parse_reply(":1\r\n:2\r\n", r);
    CHECK(p.status == parse_status::complete);
    CHECK(p.consumed == 4);
    CHECK(r.integer == 1);
}

TEST_CASE("bytes that are not RESP2 are invalid") {
    CHECK(status_of("hello\r\n") == parse_status::invalid);
    CHECK(status_of(":12x\r\n") == parse_status::invalid);
    CHECK(status_of(":\r\n") == parse_status::invalid);
    CHECK(status_of("$-2\r\n") == parse_status::invalid);
    CHECK(status_of("$3\r\nabcde\r\n") == parse_status::invalid);  // no CRLF after 3 bytes
    CHECK(status_of("*-5\r\n") == parse_status::invalid);
    CHECK(status_of("$999999999\r\n") == parse_status::invalid);  // above max_reply_bytes
    CHECK(status_of("*2\r\n:1\r\n?\r\n") == parse_status::invalid);
    std::string deep;
    for (int i = 0; i <= max_reply_depth; ++i) deep += "*1\r\n";
    deep += ":1\r\n";
    CHECK(status_of(deep) == parse_status::invalid);
    CHECK(status_of(deep.substr(4)) == parse_status::complete);  // exactly max_reply_depth levels
}

TEST_CASE("a script's SHA-1 is the name Redis gives it") {
    // SHA-1 of "return 1", as SCRIPT LOAD answers it.
    CHECK(lua_script("return 1").sha1() == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

}
