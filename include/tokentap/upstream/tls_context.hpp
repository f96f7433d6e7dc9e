#pragma once
// The OpenSSL client context shared by all upstream connections: peer verification on, trust from
// the system store (OpenSSL honours SSL_CERT_FILE and SSL_CERT_DIR) plus an optional extra CA file.
// Built once at start; SSL_CTX is safe to share across threads for creating connections.

#include <boost/asio/ssl/context.hpp>

#include "tokentap/config/config.hpp"

namespace tokentap::upstream {

// Throws std::runtime_error when the extra CA file cannot be loaded.
boost::asio::ssl::context make_client_tls_context(const config::tls_options& options);

}  // namespace tokentap::upstream
