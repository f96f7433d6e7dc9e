#include "tokentap/proxy/http_headers.hpp"

#include <boost/beast/core/string.hpp>

#include <array>
#include <string>
#include <vector>

namespace tokentap::proxy {

namespace http = boost::beast::http;

bool is_hop_by_hop(std::string_view name) {
    static constexpr std::array<std::string_view, 9> names = {
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
        "te", "trailer", "transfer-encoding", "upgrade"};
    for (auto n : names)
        if (boost::beast::iequals(name, n)) return true;
    return false;
}

namespace {
// The tokens of every Connection field: extra hop-by-hop field names (RFC 9110 7.6.1).
std::vector<std::string> connection_tokens(const http::fields& f) {
    std::vector<std::string> out;
    for (auto it = f.find(http::field::connection); it != f.end() && it->name() == http::field::connection; ++it) {
        std::string_view v = it->value();
        while (!v.empty()) {
            const auto comma = v.find(',');
            auto token = v.substr(0, comma);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (!token.empty()) out.emplace_back(token);
            if (comma == std::string_view::npos) break;
            v.remove_prefix(comma + 1);
        }
    }
    return out;
}
}  // namespace

void copy_end_to_end(const http::fields& from, http::fields& to) {
    const auto named = connection_tokens(from);
    for (const auto& f : from) {
        const auto name = f.name_string();
        if (is_hop_by_hop(name)) continue;
        bool listed = false;
        for (const auto& t : named) listed = listed || boost::beast::iequals(name, t);
        if (listed) continue;
        to.insert(f.name(), name, f.value());  // keeps the sender's spelling of the name
    }
}

}  // namespace tokentap::proxy
