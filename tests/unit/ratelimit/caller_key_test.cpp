#include <doctest/doctest.h>

#include "tokentap/ratelimit/caller_key.hpp"

using namespace tokentap::ratelimit;
namespace http = boost::beast::http;

TEST_SUITE("unit/ratelimit/caller key") {

TEST_CASE("the credential comes from the header each provider uses, in order") {
    http::fields h;
    CHECK(find_api_key(h, "/v1/chat/completions") == "");
    h.set("x-goog-api-key", "AIza-goog");
    CHECK(find_api_key(h, "/v1beta/models/m:generateContent?key=AIza-query") == "AIza-goog");
    h.set("api-key", " azure-key ");
    CHECK(find_api_key(h, "/") == "azure-key");
    h.set("x-api-key", "sk-ant-1");
    CHECK(find_api_key(h, "/") == "sk-ant-1");
    h.set(http::field::authorization, "Bearer sk-proj-abc");
    CHECK(find_api_key(h, "/") == "sk-proj-abc");
}

TEST_CASE("header names match in any case; the first of a repeated header counts; an empty one gives way") {
    http::fields h;
    h.insert("X-API-KEY", "  ");  // there, but carrying no key
    h.insert("Api-Key", "first");
    h.insert("api-key", "second");
    CHECK(find_api_key(h, "/") == "first");
    h.insert(http::field::authorization, "");
    CHECK(find_api_key(h, "/") == "first");
    h.insert("AUTHORIZATION", "Bearer later");  // not the first authorization: fields::find gives the empty one
    CHECK(find_api_key(h, "/") == "first");
    http::fields g;
    g.insert("Authorization", "Bearer sk-x");
    g.insert("authorization", "Bearer sk-y");
    CHECK(find_api_key(g, "/") == "sk-x");
}

TEST_CASE("a key= query parameter, anywhere in the query, and not a look-alike") {
    http::fields h;
    CHECK(find_api_key(h, "/v1beta/models/m:streamGenerateContent?alt=sse&key=AIza123") == "AIza123");
    CHECK(find_api_key(h, "/m?key=AIza9&alt=sse") == "AIza9");
    CHECK(find_api_key(h, "/m?monkey=x&apikey=y") == "");
}

TEST_CASE("an AWS SigV4 signature identifies the caller by its access key id") {
    http::fields h;
    h.set(http::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/bedrock/aws4_request, "
          "SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    CHECK(find_api_key(h, "/") == "AKIDEXAMPLE");
}

TEST_CASE("the hash is the SHA-256 prefix: stable, short, distinct") {
    // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    CHECK(caller_hash("abc") == "ba7816bf8f01cfea");
    CHECK(caller_hash("") == "");
    CHECK(caller_hash("sk-1") != caller_hash("sk-2"));
    CHECK(caller_hash("sk-1").size() == 16);
}

TEST_CASE("the remembered last key never answers for another key") {
    // SHA-256("abd") = a52d159f262b2c6ddb724a61840befc36eb30c88877a4030b65cbe86298449c9
    const std::string abc = "abc";
    for (int round = 0; round < 2; ++round) {
        CHECK(caller_hash(abc) == "ba7816bf8f01cfea");
        CHECK(caller_hash(abc) == "ba7816bf8f01cfea");
        CHECK(caller_hash("abd") == "a52d159f262b2c6d");
        CHECK(caller_hash("ab") != caller_hash(abc));  // a prefix of the last key
        CHECK(caller_hash("") == "");
    }
}

}  // TEST_SUITE
