#include <doctest/doctest.h>

#include <string>

#include "tokentap/proxy/log_redaction.hpp"

using tokentap::proxy::redact_target;

TEST_SUITE("unit/proxy/log_redaction") {

TEST_CASE("the Gemini key parameter is redacted, other parameters are untouched") {
    CHECK(redact_target("/v1beta/models/m:generateContent?key=AIzaSyA-secret&alt=sse") ==
          "/v1beta/models/m:generateContent?key=REDACTED&alt=sse");
    CHECK(redact_target("/v1beta/models/m:streamGenerateContent?alt=sse&key=AIzaSyA-secret") ==
          "/v1beta/models/m:streamGenerateContent?alt=sse&key=REDACTED");
}

TEST_CASE("every secret parameter name is redacted") {
    CHECK(redact_target("/x?api-key=s1") == "/x?api-key=REDACTED");
    CHECK(redact_target("/x?api_key=s1") == "/x?api_key=REDACTED");
    CHECK(redact_target("/x?access_token=s1") == "/x?access_token=REDACTED");
    CHECK(redact_target("/blob?sv=2022&sig=abc%2Bdef") == "/blob?sv=2022&sig=REDACTED");
    CHECK(redact_target("/s3?X-Amz-Signature=f00&X-Amz-Credential=AKIA%2F&X-Amz-Security-Token=tok&X-Amz-Date=20240101") ==
          "/s3?X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Date=20240101");
}

TEST_CASE("parameter names match case-insensitively and keep their spelling") {
    CHECK(redact_target("/x?KEY=s") == "/x?KEY=REDACTED");
    CHECK(redact_target("/x?x-amz-signature=s") == "/x?x-amz-signature=REDACTED");
    CHECK(redact_target("/x?Api-Key=s&SIG=t") == "/x?Api-Key=REDACTED&SIG=REDACTED");
}

TEST_CASE("names that only contain a secret name are not redacted") {
    CHECK(redact_target("/x?monkey=1&keys=2&key2=3&signature=4") == "/x?monkey=1&keys=2&key2=3&signature=4");
    CHECK(redact_target("/x?api-version=2024-02-01") == "/x?api-version=2024-02-01");
}

TEST_CASE("a target without a query is returned unchanged") {
    CHECK(redact_target("/v1/chat/completions") == "/v1/chat/completions");
    CHECK(redact_target("/key=secret") == "/key=secret");
    CHECK(redact_target("") == "");
}

TEST_CASE("edge cases of the query") {
    SUBCASE("empty value") { CHECK(redact_target("/x?key=&a=1") == "/x?key=REDACTED&a=1"); }
    SUBCASE("parameter without '='") { CHECK(redact_target("/x?key&a=1") == "/x?key&a=1"); }
    SUBCASE("empty query") { CHECK(redact_target("/x?") == "/x?"); }
    SUBCASE("empty parameters are kept") { CHECK(redact_target("/x?&&key=s&") == "/x?&&key=REDACTED&"); }
    SUBCASE("value containing '='") { CHECK(redact_target("/x?key=a=b&c=d") == "/x?key=REDACTED&c=d"); }
    SUBCASE("the same secret twice") { CHECK(redact_target("/x?key=a&key=b") == "/x?key=REDACTED&key=REDACTED"); }
}

}  // TEST_SUITE
