#include "tokentap/proxy/aws_request_signing.hpp"

#include "tokentap/proxy/aws_sigv4.hpp"

namespace tokentap::proxy {

namespace http = boost::beast::http;

void sign_for_aws(http::request<http::string_body>& req, const config::aws_signing& signing,
                  std::chrono::system_clock::time_point now) {
    for (const char* name : {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
        req.erase(name);
    sigv4_input in;
    in.method = req.method_string();
    in.target = req.target();
    in.payload = req.body();
    in.amz_date = amz_date_of(now);
    in.headers.emplace_back("host", std::string(req[http::field::host]));
    in.headers.emplace_back("x-amz-date", in.amz_date);
    if (const auto type = req[http::field::content_type]; !type.empty()) in.headers.emplace_back("content-type", std::string(type));
    if (!signing.session_token.empty()) in.headers.emplace_back("x-amz-security-token", signing.session_token);
    const auto payload_hash = sigv4_payload_hash(in.payload);  // signed too, as the AWS SDKs do
    in.headers.emplace_back("x-amz-content-sha256", payload_hash);
    const auto signed_request = sign_sigv4(in, {signing.access_key_id, signing.secret_access_key, signing.session_token},
                                           {signing.region, signing.service});

    req.set("x-amz-date", in.amz_date);
    req.set("x-amz-content-sha256", payload_hash);
    if (!signing.session_token.empty()) req.set("x-amz-security-token", signing.session_token);
    req.set(http::field::authorization, signed_request.authorization);
}

}  // namespace tokentap::proxy
