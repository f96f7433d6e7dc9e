#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "tokentap/proxy/aws_sigv4.hpp"

using namespace tokentap;
using header_list = std::vector<std::pair<std::string, std::string>>;

namespace {

// The AWS Signature Version 4 test suite (aws-sig-v4-test-suite, 2015-08-30 edition, once published
// in the AWS General Reference): every case is signed with these credentials and this scope, at
// this time, for the host example.amazonaws.com.
const proxy::aws_credentials suite_credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const proxy::sigv4_scope suite_scope{"us-east-1", "service"};
constexpr const char* suite_date = "20150830T123600Z";
constexpr const char* empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct suite_case {
    const char* name;
    const char* method;
    const char* target;
    header_list extra_headers;  // besides Host and X-Amz-Date
    const char* payload;
    const char* canonical_request;
    const char* canonical_request_sha256;  // the last line of the suite's .sts
    const char* signed_headers;
    const char* signature;
};

proxy::sigv4_result sign_suite_case(const suite_case& c, const proxy::aws_credentials& credentials) {
    proxy::sigv4_input in;
    in.method = c.method;
    in.target = c.target;
    in.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", suite_date}};
    in.headers.insert(in.headers.end(), c.extra_headers.begin(), c.extra_headers.end());
    in.payload = c.payload;
    in.amz_date = suite_date;
    return proxy::sign_sigv4(in, credentials, suite_scope);
}

void check_suite_case(const suite_case& c, const proxy::aws_credentials& credentials = suite_credentials) {
    INFO(c.name);
    const auto r = sign_suite_case(c, credentials);
    CHECK(r.canonical_request == c.canonical_request);
    CHECK(r.string_to_sign ==
          std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n") +
              c.canonical_request_sha256);
    CHECK(r.authorization == std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/"
                                         "aws4_request, SignedHeaders=") +
                                 c.signed_headers + ", Signature=" + c.signature);
}

}  // namespace

TEST_SUITE("proxy/aws_sigv4") {

// Expected canonical requests, canonical-request hashes and signatures: the suite's .creq, .sts and
// .authz files of each case named.
TEST_CASE("the AWS SigV4 test suite: vanilla requests") {
    check_suite_case({"get-vanilla", "GET", "/", {}, "",
                      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", "host;x-amz-date",
                      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"});
    check_suite_case({"post-vanilla", "POST", "/", {}, "",
                      "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87", "host;x-amz-date",
                      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"});
    check_suite_case({"post-vanilla-query", "POST", "/?Param1=value1", {}, "",
                      "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                      "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd", "host;x-amz-date",
                      "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"});
}

TEST_CASE("the AWS SigV4 test suite: query strings are sorted and encoded") {
    check_suite_case({"get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", {}, "",
                      "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                      "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0", "host;x-amz-date",
                      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"});
    // One name twice: sorted by value, upper case before lower case.
    check_suite_case({"get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1", {}, "",
                      "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                      "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89", "host;x-amz-date",
                      "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"});
    check_suite_case(
        {"get-vanilla-query-unreserved", "GET",
         "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
         "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
         {}, "",
         "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
         "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\nhost:example.amazonaws.com\n"
         "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177", "host;x-amz-date",
         "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"});
    // The suite's request line carries the raw UTF-8 bytes of U+1234; sent encoded, it signs the same.
    for (const char* target : {"/?\xE1\x88\xB4=bar", "/?%E1%88%B4=bar", "/?%e1%88%b4=bar"}) {
        check_suite_case({"get-vanilla-utf8-query", "GET", target, {}, "",
                          "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                          "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                          "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073", "host;x-amz-date",
                          "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"});
    }
}

TEST_CASE("the AWS SigV4 test suite: header names and values are normalised") {
    check_suite_case({"get-header-value-trim", "GET", "/",
                      {{"My-Header1", " value1 "}, {"My-Header2", " \"a   b   c\" "}}, "",
                      "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
                      "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
                      "host;my-header1;my-header2;x-amz-date",
                      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"});
    check_suite_case({"get-header-key-duplicate", "GET", "/",
                      {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}, "",
                      "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
                      "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c", "host;my-header1;x-amz-date",
                      "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"});
    // Values of one name keep their order; a name spelt in another case is the same header.
    check_suite_case({"get-header-value-order", "GET", "/",
                      {{"My-Header1", "value4"},
                       {"my-header1", "value1"},
                       {"MY-HEADER1", "value3"},
                       {"My-Header1", "value2"}},
                      "",
                      "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n"
                      "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86", "host;my-header1;x-amz-date",
                      "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"});
    // Values keep their case; the header sorts between host and x-amz-date although given last.
    check_suite_case({"post-header-value-case", "POST", "/", {{"My-Header1", "VALUE1"}}, "",
                      "POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n"
                      "host;my-header1;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93", "host;my-header1;x-amz-date",
                      "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"});
}

TEST_CASE("the AWS SigV4 test suite: bodies are hashed") {
    check_suite_case({"post-x-www-form-urlencoded", "POST", "/",
                      {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1",
                      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
                      "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                      "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                      "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
                      "content-type;host;x-amz-date",
                      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"});
    check_suite_case({"post-x-www-form-urlencoded-parameters", "POST", "/",
                      {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}}, "Param1=value1",
                      "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\n"
                      "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
                      "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
                      "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
                      "content-type;host;x-amz-date",
                      "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"});

    proxy::sigv4_input in{"POST", "/", {{"host", "example.amazonaws.com"}}, "Param1=value1", suite_date};
    CHECK(proxy::sign_sigv4(in, suite_credentials, suite_scope).payload_sha256 ==
          "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
    in.payload = "";
    CHECK(proxy::sign_sigv4(in, suite_credentials, suite_scope).payload_sha256 == empty_sha256);
}

TEST_CASE("the AWS SigV4 test suite: a session token is signed as x-amz-security-token") {
    const std::string token =
        "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8Y"
        "UuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6f"
        "E8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj"
        "2ICCR/oLxBA==";
    const std::string creq =
        "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:" + token +
        "\n\nhost;x-amz-date;x-amz-security-token\n" + empty_sha256;
    auto credentials = suite_credentials;
    credentials.session_token = token;
    check_suite_case({"post-sts-header-before", "POST", "/", {{"X-Amz-Security-Token", token}}, "", creq.c_str(),
                      "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
                      "host;x-amz-date;x-amz-security-token",
                      "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
                     credentials);
}

TEST_CASE("the AWS SigV4 test suite: paths are normalised and encoded") {
    check_suite_case({"get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                      {}, "",
                      "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n"
                      "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9", "host;x-amz-date",
                      "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"});
    // The suite's request line carries the raw UTF-8 bytes of U+1234.
    check_suite_case({"get-utf8", "GET", "/\xE1\x88\xB4", {}, "",
                      "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102", "host;x-amz-date",
                      "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"});
    check_suite_case({"normalize-path/get-space", "GET", "/example space/", {}, "",
                      "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                      "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86", "host;x-amz-date",
                      "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"});
    check_suite_case({"normalize-path/get-slashes", "GET", "//example//", {}, "",
                      "GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015", "host;x-amz-date",
                      "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"});
    check_suite_case({"normalize-path/get-slash-pointless-dot", "GET", "/./example", {}, "",
                      "GET\n/example\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                      "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702", "host;x-amz-date",
                      "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"});
    // get-relative, get-relative-relative, get-slash, get-slash-dot-slash: all sign as get-vanilla.
    for (const char* target : {"/example/..", "/example1/example2/../..", "//", "/./"}) {
        check_suite_case({target, "GET", target, {}, "",
                          "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                          "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63", "host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"});
    }
}

TEST_CASE("the canonical URI encodes an already-encoded path again, as AWS does for Bedrock") {
    CHECK(proxy::sigv4_canonical_uri("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse") ==
          "/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse");
    CHECK(proxy::sigv4_canonical_uri("") == "/");
    CHECK(proxy::sigv4_canonical_uri("/") == "/");
    CHECK(proxy::sigv4_canonical_uri("/a/b/") == "/a/b/");
    CHECK(proxy::sigv4_canonical_uri("/../..") == "/");
    CHECK(proxy::sigv4_canonical_uri("/a/%2E%2E/b") == "/a/%252E%252E/b");  // encoded dots are not dot segments
    CHECK(proxy::sigv4_canonical_uri("/a+b=c:d@e") == "/a%2Bb%3Dc%3Ad%40e");
    CHECK(proxy::sigv4_canonical_uri(std::string_view("/a\0b", 4)) == "/a%00b");
}

TEST_CASE("the canonical query: decoded, encoded by the AWS rules, sorted; a bare name has an empty value") {
    CHECK(proxy::sigv4_canonical_query("") == "");
    CHECK(proxy::sigv4_canonical_query("b&a=1") == "a=1&b=");
    CHECK(proxy::sigv4_canonical_query("a=&a") == "a=&a=");
    CHECK(proxy::sigv4_canonical_query("&&x=1&&") == "x=1");
    CHECK(proxy::sigv4_canonical_query("k=a%20b") == "k=a%20b");
    CHECK(proxy::sigv4_canonical_query("k=a+b") == "k=a%2Bb");  // '+' is a plus, not a space
    CHECK(proxy::sigv4_canonical_query("k=%7e%2f") == "k=~%2F");
    CHECK(proxy::sigv4_canonical_query("k=1=2") == "k=1%3D2");
    CHECK(proxy::sigv4_canonical_query("k=100%") == "k=100%25");  // a lone '%' is a literal
    CHECK(proxy::sigv4_canonical_query("k=%zz") == "k=%25zz");
    // Sorted by the encoded names: "%2A" (from '*') before "A".
    CHECK(proxy::sigv4_canonical_query("A=1&*=2") == "%2A=2&A=1");
}

// Expected values computed by botocore 1.43.11 (botocore.auth.SigV4Auth, the AWS SDK for Python) for
// the same request sent to https://bedrock-runtime.us-west-2.amazonaws.com.
TEST_CASE("a Bedrock Converse request signs as the AWS SDK for Python signs it") {
    proxy::sigv4_input in;
    in.method = "POST";
    in.target = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse";
    in.payload = R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})";
    in.amz_date = "20150830T123600Z";
    in.headers = {{"host", "bedrock-runtime.us-west-2.amazonaws.com"},
                  {"x-amz-date", in.amz_date},
                  {"content-type", "application/json"},
                  {"x-amz-security-token", "session-token-1"}};
    auto credentials = suite_credentials;
    credentials.session_token = "session-token-1";
    const auto r = proxy::sign_sigv4(in, credentials, {"us-west-2", "bedrock"});
    CHECK(r.payload_sha256 == "c3335e07d6e89650bf94cb98664be69f8774dbc3198df221f113db0a59ea14f0");
    CHECK(r.canonical_request ==
          "POST\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/converse\n\ncontent-type:application/json\n"
          "host:bedrock-runtime.us-west-2.amazonaws.com\nx-amz-date:20150830T123600Z\n"
          "x-amz-security-token:session-token-1\n\ncontent-type;host;x-amz-date;x-amz-security-token\n"
          "c3335e07d6e89650bf94cb98664be69f8774dbc3198df221f113db0a59ea14f0");
    CHECK(r.string_to_sign ==
          "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-west-2/bedrock/aws4_request\n"
          "0df5fe3262d498aa8aed3763480931a8f61eb2a0045a8e15860f603334f62d0e");
    CHECK(r.authorization ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/bedrock/aws4_request, "
          "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
          "Signature=2f8ed56de5429bd27b0f79d22a8518928d993628ed62fdc9b8a675fca6b3f0d9");

    // The signature covers the body, the path and the session token.
    const auto with = [&](auto change) {
        auto copy = in;
        auto creds = credentials;
        change(copy, creds);
        return proxy::sign_sigv4(copy, creds, {"us-west-2", "bedrock"}).authorization;
    };
    CHECK(with([](proxy::sigv4_input& i, proxy::aws_credentials&) { i.payload = "{}"; }) != r.authorization);
    CHECK(with([](proxy::sigv4_input& i, proxy::aws_credentials&) { i.target = "/model/x/converse"; }) !=
          r.authorization);
    CHECK(with([](proxy::sigv4_input& i, proxy::aws_credentials&) { i.headers.back().second = "other"; }) !=
          r.authorization);
    CHECK(with([](proxy::sigv4_input&, proxy::aws_credentials& c) { c.secret_access_key += "x"; }) !=
          r.authorization);
}

TEST_CASE("odd inputs sign without reading out of bounds") {
    proxy::sigv4_input in;  // everything empty
    const auto r = proxy::sign_sigv4(in, {}, {});
    CHECK(r.canonical_request == std::string("\n/\n\n\n\n") + empty_sha256);
    CHECK(r.authorization.starts_with("AWS4-HMAC-SHA256 Credential=////aws4_request, SignedHeaders=, Signature="));
    in.amz_date = "2015";  // shorter than a date stamp
    in.target = "?";
    in.headers = {{"", ""}, {"A", "   "}};
    const auto r2 = proxy::sign_sigv4(in, {"k", "s", ""}, {"r", "s"});
    CHECK(r2.canonical_request == std::string("\n/\n\n:\na:\n\n;a\n") + empty_sha256);
    CHECK(r2.string_to_sign.starts_with("AWS4-HMAC-SHA256\n2015\n2015/r/s/aws4_request\n"));
}

TEST_CASE("amz_date_of formats UTC time in the ISO 8601 basic form") {
    using namespace std::chrono;
    CHECK(proxy::amz_date_of(system_clock::time_point(seconds(1440938160))) == "20150830T123600Z");
    CHECK(proxy::amz_date_of(system_clock::time_point(seconds(1440938160) + milliseconds(999))) == "20150830T123600Z");
    CHECK(proxy::amz_date_of(system_clock::time_point{}) == "19700101T000000Z");
    CHECK(proxy::amz_date_of(sys_days(2024y / February / 29) + 23h + 59min + 59s) == "20240229T235959Z");
    CHECK(proxy::amz_date_of(sys_days(1969y / December / 31) + 1h) == "19691231T010000Z");
}

TEST_CASE("aws_credentials::from_environment reads the standard variables") {
    ::unsetenv("AWS_ACCESS_KEY_ID");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SESSION_TOKEN");
    CHECK_FALSE(proxy::aws_credentials::from_environment().has_value());

    ::setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    CHECK_FALSE(proxy::aws_credentials::from_environment().has_value());  // no secret

    ::setenv("AWS_SECRET_ACCESS_KEY", "", 1);
    CHECK_FALSE(proxy::aws_credentials::from_environment().has_value());  // an empty secret is no secret

    ::setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
    auto c = proxy::aws_credentials::from_environment();
    REQUIRE(c.has_value());
    CHECK(c->access_key_id == "AKIDEXAMPLE");
    CHECK(c->secret_access_key == "secret");
    CHECK(c->session_token.empty());

    ::setenv("AWS_SESSION_TOKEN", "token", 1);
    c = proxy::aws_credentials::from_environment();
    REQUIRE(c.has_value());
    CHECK(c->session_token == "token");

    ::unsetenv("AWS_ACCESS_KEY_ID");
    CHECK_FALSE(proxy::aws_credentials::from_environment().has_value());
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SESSION_TOKEN");
}

}  // TEST_SUITE
