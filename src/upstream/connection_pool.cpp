#include "tokentap/upstream/connection_pool.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <iterator>

#include "tokentap/eager_io.hpp"

namespace tokentap::upstream {

using steady = std::chrono::steady_clock;

connection_pool::connection_pool(net::any_io_executor ex, net::ssl::context& tls,
                                 const config::pool_options& options, const config::timeout_options& timeouts,
                                 pool_stats& stats)
    : ex_(std::move(ex)), tls_(tls), options_(options), timeouts_(timeouts), stats_(stats) {}

connection_pool::~connection_pool() { close_all(); }

void connection_pool::write_key(const config::upstream_url& url, std::string& out) {
    char port[8];
    const auto port_end = std::to_chars(std::begin(port), std::end(port), url.port).ptr;
    out.assign(url.tls ? "https://" : "http://").append(url.host).append(1, ':').append(port, port_end);
}

std::string connection_pool::key_of(const config::upstream_url& url) {
    std::string key;
    write_key(url, key);
    return key;
}

net::awaitable<connect_result> connection_pool::acquire(const config::upstream_url& url, bool fresh, bool can_resend) {
    if (!fresh) {
        write_key(url, lookup_key_);
        auto it = idle_.find(lookup_key_);
        while (it != idle_.end() && !it->second.empty()) {
            auto c = std::move(it->second.back());
            it->second.pop_back();
            stats_.idle_connections -= 1;
            const auto idle = steady::now() - c->idle_since;
            if (idle < options_.idle_timeout && c->looks_alive(!(can_resend && idle < recent_idle))) {
                stats_.connections_reused += 1;
                co_return connect_result{std::move(c), connect_failure::none, {}};
            }
            c->close();
        }
    }
    co_return co_await connect(url);
}

namespace {

// Host-name (or IP address) verification and SNI for one TLS connection.
bool prepare_tls(SSL* ssl, const std::string& host) {
    error_code ec;
    net::ip::make_address(host, ec);
    if (!ec) {
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
    }
    return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1;
}

std::string tls_failure_text(const error_code& ec, SSL* ssl) {
    const auto verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) return std::string("certificate verification failed: ") +
                                    X509_verify_cert_error_string(verify);
    return "TLS handshake failed: " + ec.message();
}

}  // namespace

net::awaitable<connect_result> connection_pool::connect(const config::upstream_url& url) {
    auto fail = [this](connect_failure f, std::string msg) {
        stats_.connect_failures += 1;
        return connect_result{nullptr, f, std::move(msg)};
    };
    tcp::resolver resolver(ex_);
    auto [rec, endpoints] = co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
    if (rec) co_return fail(connect_failure::unreachable, "cannot resolve " + url.host + ": " + rec.message());

    beast::tcp_stream stream(ex_);
    stream.expires_after(timeouts_.connect);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_nothrow);
    if (cec == beast::error::timeout)
        co_return fail(connect_failure::timeout, "connecting to " + url.host_header() + " timed out");
    if (cec) co_return fail(connect_failure::unreachable, "cannot connect to " + url.host_header() + ": " + cec.message());
    stream.socket().set_option(tcp::no_delay(true));
    stream.expires_never();
    stats_.connections_opened += 1;

    if (!url.tls) {
        make_non_blocking(stream);  // for write_eagerly
        co_return connect_result{std::make_unique<upstream_connection>(std::move(stream), key_of(url)), connect_failure::none, {}};
    }

    upstream_connection::tls_stream tls(std::move(stream), tls_);
    if (!prepare_tls(tls.native_handle(), url.host))
        co_return fail(connect_failure::tls, "cannot set up TLS for " + url.host);
    beast::get_lowest_layer(tls).expires_after(timeouts_.connect);
    auto [hec] = co_await tls.async_handshake(net::ssl::stream_base::client, use_nothrow);
    if (hec == beast::error::timeout)
        co_return fail(connect_failure::timeout, "TLS handshake with " + url.host_header() + " timed out");
    if (hec) co_return fail(connect_failure::tls, tls_failure_text(hec, tls.native_handle()) + " (" + url.host_header() + ")");
    beast::get_lowest_layer(tls).expires_never();
    co_return connect_result{std::make_unique<upstream_connection>(std::move(tls), key_of(url)), connect_failure::none, {}};
}

void connection_pool::release(std::unique_ptr<upstream_connection> c) {
    auto& q = idle_[c->pool_key()];
    if (q.size() >= options_.max_idle_per_upstream) {
        c->close();
        return;
    }
    c->idle_since = steady::now();
    q.push_back(std::move(c));
    stats_.idle_connections += 1;
}

void connection_pool::sweep() {
    const auto now = steady::now();
    for (auto& [_, q] : idle_) {
        while (!q.empty() && (now - q.front()->idle_since >= options_.idle_timeout || !q.front()->looks_alive())) {
            q.front()->close();
            q.pop_front();
            stats_.idle_connections -= 1;
        }
    }
}

void connection_pool::close_all() {
    for (auto& [_, q] : idle_) {
        for (auto& c : q) c->close();
        stats_.idle_connections -= static_cast<std::int64_t>(q.size());
        q.clear();
    }
}

}  // namespace tokentap::upstream
