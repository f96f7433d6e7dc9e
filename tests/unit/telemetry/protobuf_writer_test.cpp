#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tokentap/telemetry/otlp/protobuf_writer.hpp"

using namespace tokentap::telemetry::otlp;

namespace {

std::string hex(const std::string& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}

std::string varint_hex(std::uint64_t v) {
    std::string out;
    append_varint(out, v);
    return hex(out);
}

}  // namespace

TEST_SUITE("unit/telemetry/otlp") {

TEST_CASE("varints at the 7-bit boundaries") {
    CHECK(varint_hex(0) == "00");
    CHECK(varint_hex(1) == "01");
    CHECK(varint_hex(127) == "7f");
    CHECK(varint_hex(128) == "8001");
    CHECK(varint_hex(300) == "ac02");  // the example in the protobuf encoding guide
    CHECK(varint_hex(16383) == "ff7f");
    CHECK(varint_hex(16384) == "808001");
    CHECK(varint_hex(std::uint64_t{1} << 63) == "80808080808080808001");
    CHECK(varint_hex(std::numeric_limits<std::uint64_t>::max()) == "ffffffffffffffffff01");
}

TEST_CASE("tags combine field number and wire type") {
    protobuf_writer w;
    w.tag(1, wire_type::varint);
    w.tag(2, wire_type::length_delimited);
    w.tag(15, wire_type::length_delimited);  // last one-byte tag
    w.tag(16, wire_type::fixed32);           // Span.flags: needs two bytes
    w.tag(7, wire_type::fixed64);
    CHECK(hex(w.data()) == "08" "12" "7a" "8501" "39");
}

TEST_CASE("scalar fields") {
    SUBCASE("uint64 and bool") {
        protobuf_writer w;
        w.uint64_field(1, 150);
        w.bool_field(2, true);
        w.bool_field(3, false);
        CHECK(hex(w.data()) == "089601" "1001" "1800");
    }
    SUBCASE("negative int64 is ten bytes of two's complement") {
        protobuf_writer w;
        w.int64_field(3, -1);
        w.int64_field(3, -2);
        CHECK(hex(w.data()) == "18ffffffffffffffffff01" "18feffffffffffffffff01");
    }
    SUBCASE("fixed widths are little-endian") {
        protobuf_writer w;
        w.fixed64_field(7, 0x0102030405060708ULL);
        w.fixed32_field(16, 0x01);
        CHECK(hex(w.data()) == "390807060504030201" "850101000000");
    }
    SUBCASE("double is the IEEE 754 bit pattern") {
        protobuf_writer w;
        w.double_field(4, 1.0);
        w.double_field(4, -2.5);
        CHECK(hex(w.data()) == "21000000000000f03f" "2100000000000004c0");
    }
}

TEST_CASE("length-delimited fields") {
    protobuf_writer w;
    w.string_field(2, "testing");
    w.bytes_field(1, std::vector<std::uint8_t>{0x00, 0xff});
    w.string_field(5, "");
    CHECK(hex(w.data()) == "120774657374696e67" "0a0200ff" "2a00");
}

TEST_CASE("a hand-computed nested message") {
    // message Inner { int32 a = 1; }  message Outer { string b = 2; Inner c = 3; }
    // Outer{b: "hi", c: {a: 150}} = 12 02 68 69 | 1a 03 08 96 01
    protobuf_writer w;
    w.string_field(2, "hi");
    w.message_field(3, [](protobuf_writer& inner) { inner.uint64_field(1, 150); });
    CHECK(hex(w.data()) == "12026869" "1a03089601");
}

TEST_CASE("nested messages") {
    SUBCASE("empty message still has its tag and a zero length") {
        protobuf_writer w;
        w.message_field(1, [](protobuf_writer&) {});
        CHECK(hex(w.data()) == "0a00");
    }
    SUBCASE("two levels deep") {
        protobuf_writer w;
        w.message_field(1, [](protobuf_writer& a) {
            a.message_field(2, [](protobuf_writer& b) { b.uint64_field(1, 1); });
            a.uint64_field(3, 2);
        });
        CHECK(hex(w.data()) == "0a06" "12020801" "1802");
    }
    SUBCASE("a body of 200 bytes gets a two-byte length") {
        protobuf_writer w;
        w.message_field(1, [](protobuf_writer& m) { m.bytes_field(2, std::string(197, 'x')); });
        const std::string& out = w.data();
        REQUIRE(out.size() == 3 + 200);
        CHECK(hex(out.substr(0, 6)) == "0ac80112c501");  // tag, len 200, inner tag, len 197
        CHECK(out.substr(6) == std::string(197, 'x'));
    }
    SUBCASE("long bodies at two levels: each length grows to three bytes, the bytes stay in order") {
        protobuf_writer w;
        w.message_field(1, [](protobuf_writer& a) {
            a.message_field(2, [](protobuf_writer& b) { b.bytes_field(3, std::string(20000, 'y')); });
            a.uint64_field(4, 7);
        });
        const std::string& out = w.data();
        // inner: tag 1a, len 20000 (a0 9c 01), 20000 bytes = 20004; middle: 12 + len 20004 (a4 9c 01) + 20004 + 2008 = 20010
        REQUIRE(out.size() == 1 + 3 + 20010);
        CHECK(hex(out.substr(0, 4)) == "0aaa9c01");  // 20010
        CHECK(hex(out.substr(4, 4)) == "12a49c01");  // 20004
        CHECK(hex(out.substr(8, 4)) == "1aa09c01");  // 20000
        CHECK(out.substr(12, 20000) == std::string(20000, 'y'));
        CHECK(hex(out.substr(12 + 20000)) == "2007");
    }
    SUBCASE("open and close by hand") {
        protobuf_writer w;
        w.uint64_field(1, 5);
        const auto start = w.open_message(2);
        w.string_field(1, "a");
        w.close_message(start);
        CHECK(hex(w.data()) == "0805" "1203" "0a0161");
    }
}

TEST_CASE("packed repeated fields") {
    protobuf_writer w;
    const std::vector<std::uint64_t> counts{1, 2};
    const std::vector<double> bounds{1.0};
    w.packed_fixed64_field(6, counts);
    w.packed_double_field(7, bounds);
    w.packed_fixed64_field(8, {});
    CHECK(hex(w.data()) == "3210" "0100000000000000" "0200000000000000" "3a08" "000000000000f03f");
}

TEST_CASE("string fields are repaired to valid UTF-8, bytes are not") {
    protobuf_writer w;
    w.string_field(1, "a\xff" "b");
    w.bytes_field(2, std::string_view("a\xff" "b"));
    CHECK(hex(w.data()) == "0a0561efbfbd62" "120361ff62");
}

TEST_CASE("string fields check every byte of a long text, eight-byte ASCII runs included") {
    for (std::size_t length = 1; length <= 20; ++length) {  // short texts, and tails after whole words
        for (std::size_t at = 0; at < length; ++at) {
            CAPTURE(length);
            CAPTURE(at);
            std::string text(length, 'a');
            text[at] = '\xff';
            protobuf_writer w;
            w.string_field(1, text);
            std::string repaired(length, 'a');
            repaired.replace(at, 1, "\xEF\xBF\xBD");
            CHECK(w.data() == std::string("\x0a") + static_cast<char>(length + 2) + repaired);
        }
    }
    protobuf_writer w;
    const std::string valid = "abcdefgh\xC3\xA9ijklmnop\xE2\x82\xAC";  // multi-byte after a run
    w.string_field(1, valid);
    CHECK(w.data() == std::string("\x0a\x15") + valid);
}

TEST_CASE("to_valid_utf8") {
    const std::string fffd = "\xEF\xBF\xBD";
    SUBCASE("well-formed text is unchanged") {
        const std::string text = "plain, h\xC3\xA9, \xE2\x82\xAC, \xF0\x9D\x84\x9E, \xF4\x8F\xBF\xBF";
        CHECK(to_valid_utf8(text) == text);
        CHECK(to_valid_utf8("") == "");
    }
    SUBCASE("stray continuation and forbidden bytes each become one U+FFFD") {
        CHECK(to_valid_utf8("\x80") == fffd);
        CHECK(to_valid_utf8("a\xFF" "b") == "a" + fffd + "b");
        CHECK(to_valid_utf8("\xC0\xAF") == fffd + fffd);  // overlong '/'
        CHECK(to_valid_utf8("\xF5\x80") == fffd + fffd);
    }
    SUBCASE("a truncated sequence becomes a single U+FFFD") {
        CHECK(to_valid_utf8("\xE2\x82") == fffd);
        CHECK(to_valid_utf8("\xF0\x9F\x98" "a") == fffd + "a");
    }
    SUBCASE("surrogates, overlongs and code points above U+10FFFF are rejected at the second byte") {
        CHECK(to_valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);
        CHECK(to_valid_utf8("\xE0\x80\x80") == fffd + fffd + fffd);
        CHECK(to_valid_utf8("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);
    }
}

}  // TEST_SUITE
