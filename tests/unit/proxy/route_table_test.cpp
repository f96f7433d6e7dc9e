#include <doctest/doctest.h>

#include <string>

#include "tokentap/proxy/route_table.hpp"

using namespace tokentap;
using proxy::route_table;

namespace {

config::route make_route(std::string prefix, std::string host, std::string base = "", bool tls = true,
                         std::uint16_t port = 443) {
    return config::route{std::move(prefix), config::upstream_url{tls, std::move(host), port, std::move(base)},
                         "test"};
}

// "host target" of the match, or "none".
std::string resolve(const route_table& t, std::string_view target) {
    const auto m = t.find(target);
    if (!m) return "none";
    return m->route->upstream.host + " " + m->upstream_target;
}

}  // namespace

TEST_SUITE("unit/proxy/route_table") {

TEST_CASE("the longest matching prefix wins, whatever the configured order") {
    const route_table t({make_route("/v1", "short"), make_route("/v1/messages", "long")});
    CHECK(resolve(t, "/v1/messages") == "long /");
    CHECK(resolve(t, "/v1/messages/count_tokens") == "long /count_tokens");
    CHECK(resolve(t, "/v1/chat/completions") == "short /chat/completions");
    CHECK(resolve(t, "/v1/messagesx") == "short /messagesx");
}

TEST_CASE("prefixes match whole path segments only") {
    const route_table t({make_route("/openai", "o")});
    CHECK(resolve(t, "/openai") == "o /");
    CHECK(resolve(t, "/openai/") == "o /");
    CHECK(resolve(t, "/openai/x") == "o /x");
    CHECK(resolve(t, "/openai?x=1") == "o /?x=1");
    CHECK(resolve(t, "/openaix") == "none");
    CHECK(resolve(t, "/openaix/y") == "none");
    CHECK(resolve(t, "/open") == "none");
    CHECK(resolve(t, "/") == "none");
}

TEST_CASE("the query string is kept as it is, even when it contains the prefix or slashes") {
    const route_table t({make_route("/gemini", "g")});
    CHECK(resolve(t, "/gemini/v1beta/models/m:generateContent?key=abc&alt=sse") ==
          "g /v1beta/models/m:generateContent?key=abc&alt=sse");
    CHECK(resolve(t, "/gemini/a?next=/gemini/b") == "g /a?next=/gemini/b");
    // Only the path before '?' is matched against the prefixes.
    CHECK(resolve(t, "/x?/gemini") == "none");
}

TEST_CASE("the prefix is removed and the base path put in front") {
    const route_table t({make_route("/azure", "r.openai.azure.com", "/openai")});
    CHECK(resolve(t, "/azure/deployments/d/chat/completions?api-version=1") ==
          "r.openai.azure.com /openai/deployments/d/chat/completions?api-version=1");
    CHECK(resolve(t, "/azure") == "r.openai.azure.com /openai");
}

TEST_CASE("a root prefix matches everything not claimed by a longer prefix") {
    const route_table t({make_route("/", "fallback", "/base"), make_route("/special", "s")});
    CHECK(resolve(t, "/anything/here?q=1") == "fallback /base/anything/here?q=1");
    CHECK(resolve(t, "/special/z") == "s /z");
}

TEST_CASE("the built-in routes") {
    const route_table t(config::builtin_routes());
    CHECK(resolve(t, "/v1/chat/completions") == "api.openai.com /v1/chat/completions");
    CHECK(resolve(t, "/v1/messages?beta=true") == "api.anthropic.com /v1/messages?beta=true");
    CHECK(resolve(t, "/v1beta/models/gemini-2.0-flash:generateContent") ==
          "generativelanguage.googleapis.com /v1beta/models/gemini-2.0-flash:generateContent");
    CHECK(resolve(t, "/openai/v1/responses") == "api.openai.com /v1/responses");
    CHECK(resolve(t, "/anthropic/v1/messages") == "api.anthropic.com /v1/messages");
    CHECK(resolve(t, "/gemini/v1beta/models") == "generativelanguage.googleapis.com /v1beta/models");

    const auto m = t.find("/v1/messages");
    REQUIRE(m);
    CHECK(m->route->provider == "anthropic");
    CHECK(t.find("/v1beta/models")->route->provider == "gcp.gemini");
    CHECK(t.find("/v1/embeddings")->route->provider == "openai");
}

TEST_CASE("no match gives nullopt") {
    const route_table t(config::builtin_routes());
    CHECK_FALSE(t.find("/v2/chat"));
    CHECK_FALSE(t.find("/"));
    CHECK_FALSE(t.find(""));
    CHECK_FALSE(t.find("/healthz"));
    CHECK_FALSE(route_table({}).find("/v1"));
}

TEST_CASE("prefixes() is sorted") {
    const route_table t({make_route("/b", "h"), make_route("/a/long/one", "h"), make_route("/c", "h"),
                         make_route("/a", "h")});
    CHECK(t.prefixes() == std::vector<std::string>{"/a", "/a/long/one", "/b", "/c"});
    // routes() is ordered longest prefix first, for matching.
    CHECK(t.routes().front().prefix == "/a/long/one");
}

}  // TEST_SUITE
