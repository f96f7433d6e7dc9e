#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "tokentap/proxy/http_headers.hpp"

using namespace tokentap;
namespace http = boost::beast::http;
using field_list = std::vector<std::pair<std::string, std::string>>;

namespace {

http::fields make_fields(const field_list& list) {
    http::fields f;
    for (const auto& [name, value] : list) f.insert(name, value);
    return f;
}

// Every field of `f` in order, with the name as it is stored.
field_list as_list(const http::fields& f) {
    field_list out;
    for (const auto& field : f) out.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return out;
}

field_list forwarded(const field_list& in) {
    auto f = make_fields(in);
    proxy::remove_hop_by_hop(f);
    return as_list(f);
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<field_list> {
    static String convert(const field_list& list) {
        std::string out = "[";
        for (const auto& [name, value] : list) out += "\n  " + name + ": " + value;
        return (out + "\n]").c_str();
    }
};
}  // namespace doctest

TEST_SUITE("unit/proxy/http_headers") {

TEST_CASE("is_hop_by_hop knows the RFC 9110 list, case-insensitively") {
    for (const char* name : {"connection", "Connection", "KEEP-ALIVE", "Proxy-Connection", "proxy-authenticate",
                             "Proxy-Authorization", "TE", "te", "Trailer", "Transfer-Encoding", "transfer-encoding",
                             "Upgrade", "uPgRaDe"}) {
        CAPTURE(name);
        CHECK(proxy::is_hop_by_hop(name));
    }
    for (const char* name : {"Authorization", "Content-Length", "Content-Encoding", "x-api-key", "Trailers",
                             "tee", "Connection2", "", "Set-Cookie", "Host"}) {
        CAPTURE(name);
        CHECK_FALSE(proxy::is_hop_by_hop(name));
    }
}

TEST_CASE("end-to-end fields pass in order, hop-by-hop ones are dropped") {
    const field_list in = {
        {"Host", "localhost:8788"},
        {"Connection", "keep-alive"},
        {"Authorization", "Bearer sk-test"},
        {"Keep-Alive", "timeout=5"},
        {"x-api-key", "sk-ant-test"},
        {"anthropic-version", "2023-06-01"},
        {"TE", "trailers"},
        {"X-Stainless-Retry-Count", "0"},
        {"Transfer-Encoding", "chunked"},
        {"Content-Encoding", "gzip"},
        {"Upgrade", "h2c"},
        {"Content-Length", "42"},
        {"Proxy-Authorization", "Basic abc"},
        {"Proxy-Connection", "keep-alive"},
        {"Trailer", "x-checksum"},
        {"Proxy-Authenticate", "Basic"},
        {"Content-Type", "application/json"},
    };
    const field_list expected = {
        {"Host", "localhost:8788"},
        {"Authorization", "Bearer sk-test"},
        {"x-api-key", "sk-ant-test"},
        {"anthropic-version", "2023-06-01"},
        {"X-Stainless-Retry-Count", "0"},
        {"Content-Encoding", "gzip"},
        {"Content-Length", "42"},
        {"Content-Type", "application/json"},
    };
    CHECK(forwarded(in) == expected);
}

TEST_CASE("fields named by Connection are dropped too") {
    const field_list in = {
        {"Connection", "close, x-custom-hop"},
        {"X-Custom-Hop", "1"},
        {"x-kept", "2"},
        {"x-custom-hop", "3"},
    };
    CHECK(forwarded(in) == field_list{{"x-kept", "2"}});
}

TEST_CASE("Connection tokens are trimmed and matched case-insensitively, across several Connection fields") {
    const field_list in = {
        {"Connection", " X-One ,\tx-two,,"},
        {"Connection", "x-three"},
        {"x-one", "1"},
        {"X-TWO", "2"},
        {"X-Three", "3"},
        {"x-four", "4"},
    };
    CHECK(forwarded(in) == field_list{{"x-four", "4"}});
}

TEST_CASE("a Connection field inserted after other fields still counts") {
    // Beast keeps same-named fields together, so both Connection fields are found.
    const field_list in = {
        {"Connection", "close"},
        {"Accept", "*/*"},
        {"Connection", "x-custom-hop"},
        {"X-Custom-Hop", "1"},
    };
    CHECK(forwarded(in) == field_list{{"Accept", "*/*"}});
}

TEST_CASE("duplicates are kept, in order") {
    const field_list in = {
        {"Set-Cookie", "a=1; Path=/"},
        {"X-Other", "x"},
        {"Set-Cookie", "b=2; Path=/"},
        {"Set-Cookie", "c=3"},
    };
    // Beast itself keeps same-named fields together (their relative order is what matters).
    const field_list expected = {
        {"Set-Cookie", "a=1; Path=/"},
        {"Set-Cookie", "b=2; Path=/"},
        {"Set-Cookie", "c=3"},
        {"X-Other", "x"},
    };
    CHECK(as_list(make_fields(in)) == expected);
    CHECK(forwarded(in) == expected);
}

TEST_CASE("the spelling of field names Beast does not know is kept") {
    const field_list in = {
        {"X-MiXeD-CaSe", "v"},
        {"anthropic-beta", "tools-2024-04-04"},
        {"OpenAI-Organization", "org-1"},
        {"x-goog-api-key", "AIza"},
    };
    CHECK(forwarded(in) == in);
}

TEST_CASE("the spelling of known field names is kept") {
    const field_list in = {{"content-type", "application/json"}, {"authorization", "Bearer x"}};
    CHECK(forwarded(in) == in);
}

TEST_CASE("values are copied byte for byte") {
    const field_list in = {{"X-Json", R"({"a": [1, 2], "b": "c, d"})"}, {"X-Empty", ""}};
    CHECK(forwarded(in) == in);
}

TEST_CASE("a Connection field listing only standard names removes nothing else") {
    const field_list in = {{"Connection", "keep-alive"}, {"Keep-Alive", "timeout=5"}, {"Accept", "*/*"},
                           {"Content-Length", "2"}};
    CHECK(forwarded(in) == field_list{{"Accept", "*/*"}, {"Content-Length", "2"}});
}

}  // TEST_SUITE
