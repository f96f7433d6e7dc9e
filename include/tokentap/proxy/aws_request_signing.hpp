#pragma once
// Signs a request about to go upstream again with AWS Signature Version 4, for a route with
// `aws_sigv4` (config.hpp): the app signed it for tokentap's host, AWS checks it against its own.
// Drops the app's signature headers (authorization, x-amz-date, x-amz-security-token,
// x-amz-content-sha256) and signs host, x-amz-date, x-amz-content-sha256, x-amz-security-token
// (when the credentials have a session token) and content-type over the whole body (aws_sigv4.hpp).

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>

#include "tokentap/config/config.hpp"

namespace tokentap::proxy {

void sign_for_aws(boost::beast::http::request<boost::beast::http::string_body>& req, const config::aws_signing& signing,
                  std::chrono::system_clock::time_point now);

}  // namespace tokentap::proxy
