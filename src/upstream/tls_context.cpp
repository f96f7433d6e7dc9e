#include "tokentap/upstream/tls_context.hpp"

#include <stdexcept>

namespace tokentap::upstream {

namespace ssl = boost::asio::ssl;

ssl::context make_client_tls_context(const config::tls_options& options) {
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(ssl::verify_peer);
    ctx.set_default_verify_paths();
    if (!options.ca_file.empty()) {
        boost::system::error_code ec;
        ctx.load_verify_file(options.ca_file, ec);
        if (ec) throw std::runtime_error("tls.ca_file " + options.ca_file + ": " + ec.message());
    }
    return ctx;
}

}  // namespace tokentap::upstream
