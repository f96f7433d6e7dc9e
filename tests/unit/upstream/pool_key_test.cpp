#include <doctest/doctest.h>

#include <string>

#include "tokentap/upstream/connection_pool.hpp"

using tokentap::config::upstream_url;
using tokentap::upstream::connection_pool;

TEST_SUITE("unit/upstream/pool_key") {

TEST_CASE("the pool key names scheme, host and port, whatever the base path") {
    CHECK(connection_pool::key_of({true, "api.openai.com", 443, ""}) == "https://api.openai.com:443");
    CHECK(connection_pool::key_of({false, "127.0.0.1", 8000, "/v1"}) == "http://127.0.0.1:8000");
    CHECK(connection_pool::key_of({true, "myres.openai.azure.com", 443, "/openai"}) ==
          connection_pool::key_of({true, "myres.openai.azure.com", 443, ""}));
    CHECK(connection_pool::key_of({false, "h", 65535, ""}) == "http://h:65535");
    CHECK(connection_pool::key_of({true, "h", 80, ""}) != connection_pool::key_of({false, "h", 80, ""}));
}

TEST_CASE("a key written into a reused buffer replaces what the buffer held") {
    std::string buffer = "http://a-much-longer-host-name-from-before.example:12345";
    connection_pool::write_key({true, "b", 1, ""}, buffer);
    CHECK(buffer == "https://b:1");
    connection_pool::write_key({false, "localhost", 11434, ""}, buffer);
    CHECK(buffer == connection_pool::key_of({false, "localhost", 11434, ""}));
    CHECK(buffer == "http://localhost:11434");
}

}
