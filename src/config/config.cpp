#include "tokentap/config/config.hpp"

#include <algorithm>

namespace tokentap::config {

std::string upstream_url::host_header() const {
    const bool default_port = (tls && port == 443) || (!tls && port == 80);
    const bool ipv6 = host.find(':') != std::string::npos;
    std::string h = ipv6 ? "[" + host + "]" : host;
    return default_port ? h : h + ":" + std::to_string(port);
}

std::string upstream_url::to_string() const {
    return std::string(tls ? "https://" : "http://") + host_header() + base_path;
}

namespace {
route make_route(std::string prefix, std::string host, std::string base, std::string provider) {
    return route{std::move(prefix), upstream_url{true, std::move(host), 443, std::move(base)},
                 std::move(provider)};
}
}  // namespace

std::vector<route> builtin_routes() {
    return {
        make_route("/v1/messages", "api.anthropic.com", "/v1/messages", "anthropic"),
        make_route("/v1beta", "generativelanguage.googleapis.com", "/v1beta", "gcp.gemini"),
        make_route("/v1", "api.openai.com", "/v1", "openai"),
        make_route("/openai", "api.openai.com", "", "openai"),
        make_route("/anthropic", "api.anthropic.com", "", "anthropic"),
        make_route("/gemini", "generativelanguage.googleapis.com", "", "gcp.gemini"),
    };
}

std::vector<route> effective_routes(const config& c) {
    std::vector<route> out = c.routes;
    if (!c.builtin_routes) return out;
    for (auto& b : builtin_routes()) {
        const bool replaced = std::any_of(out.begin(), out.end(),
                                          [&](const route& r) { return r.prefix == b.prefix; });
        if (!replaced) out.push_back(std::move(b));
    }
    return out;
}

}  // namespace tokentap::config
