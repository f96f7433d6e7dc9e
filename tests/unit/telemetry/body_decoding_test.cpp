#include <doctest/doctest.h>

#include <zlib.h>

#include <string>

#include "tokentap/telemetry/body_decoding.hpp"

using namespace tokentap::telemetry;

namespace {
// zlib-wrapped (RFC 1950) or raw (RFC 1951) deflate of `in`.
std::string deflate_bytes(const std::string& in, int window_bits) {
    z_stream z{};
    REQUIRE(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&z, in.size()) + 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}
const std::string body = R"({"id":"chatcmpl-1","usage":{"prompt_tokens":3}})";
}  // namespace

TEST_SUITE("unit/telemetry/body_decoding") {

TEST_CASE("gzip round trip, whole and fed in pieces") {
    const auto gz = gzip_encode(body);
    REQUIRE(gz.size() > 18);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    CHECK(decode_body("gzip", gz, 1 << 20) == body);
    for (std::size_t cut = 1; cut < gz.size(); ++cut) {
        body_inflater inf("gzip");
        std::string out;
        REQUIRE(inf.feed(std::string_view(gz).substr(0, cut), out, 1 << 20));
        REQUIRE(inf.feed(std::string_view(gz).substr(cut), out, 1 << 20));
        CHECK(out == body);
    }
}

TEST_CASE("deflate, zlib-wrapped as the RFC says and raw as some servers send it") {
    CHECK(decode_body("deflate", deflate_bytes(body, 15), 1 << 20) == body);
    CHECK(decode_body("deflate", deflate_bytes(body, -15), 1 << 20) == body);
}

TEST_CASE("identity, unknown encodings, corrupt input and the size bound") {
    CHECK(decode_body("", body, 1 << 20) == body);
    CHECK(decode_body("identity", body, 1 << 20) == body);
    CHECK_FALSE(decodable_encoding("br"));
    CHECK_FALSE(decode_body("br", body, 1 << 20));
    CHECK_FALSE(decode_body("gzip", "not gzip at all", 1 << 20));
    CHECK_FALSE(decode_body("gzip", gzip_encode(std::string(10000, 'a')), 100));
}

}
