#pragma once
// AWS Signature Version 4 (header-based, AWS4-HMAC-SHA256) for services other than S3: the canonical
// request, string to sign, signing key and Authorization value of one request, and the credentials
// from the standard environment variables. Pure apart from from_environment(), which reads the
// environment; the caller passes the clock. Thread-safe (no shared state).
//
// Spec: AWS IAM User Guide, "Create a signed AWS API request" (Signature Version 4), and the
// Signature Version 4 test suite (aws-sig-v4-test-suite), which the unit tests replay.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tokentap::proxy {

struct aws_credentials {
    std::string access_key_id, secret_access_key;
    std::string session_token;  // empty for long-term keys

    // From AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; nullopt when either of the
    // first two is unset or empty (as the AWS SDKs treat them).
    static std::optional<aws_credentials> from_environment();
};

struct sigv4_scope {
    std::string region;   // us-east-1
    std::string service;  // bedrock (the signing name, not the host's bedrock-runtime)
};

struct sigv4_input {
    std::string_view method;  // GET, POST, ... as sent
    // Origin-form request target, path and query exactly as they will be sent (already
    // percent-encoded): "/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse?x=1".
    std::string_view target;
    // Every header to sign, in any order and case; a name given twice is signed as one header with
    // the values joined by ',' in the order given. Must include "host" and "x-amz-date" (equal to
    // amz_date); when the credentials carry a session token, the caller adds x-amz-security-token
    // here too and sends it, so that the token is signed. sign_sigv4 adds nothing itself.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string_view payload;  // the whole body; "" for none
    std::string amz_date;      // "20150830T123600Z" (amz_date_of); its first 8 characters date the scope
};

struct sigv4_result {
    std::string authorization;   // "AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature=..."
    std::string payload_sha256;  // lower-case hex, the value for x-amz-content-sha256
    // For tests and debug logs. The canonical request holds the signed header values, the session
    // token among them: redact before logging.
    std::string canonical_request, string_to_sign;
};

// Signs `in` for `scope`. The canonical URI is the target's path with dot segments and empty
// segments removed and every byte but unreserved ones and '/' percent-encoded again (so "%3A" is
// signed as "%253A", as AWS does for every service but S3). Query parameters are percent-decoded,
// encoded again by the AWS rules and sorted. Never throws except std::bad_alloc.
sigv4_result sign_sigv4(const sigv4_input& in, const aws_credentials& credentials, const sigv4_scope& scope);

// The ISO 8601 basic UTC form AWS wants in x-amz-date: "20150830T123600Z" (seconds truncated).
std::string amz_date_of(std::chrono::system_clock::time_point t);

// Pieces of the canonical request, exposed for tests.
// Hex SHA-256 of a payload, as x-amz-content-sha256 carries it.
std::string sigv4_payload_hash(std::string_view payload);
std::string sigv4_canonical_uri(std::string_view path);
std::string sigv4_canonical_query(std::string_view query);

}  // namespace tokentap::proxy
