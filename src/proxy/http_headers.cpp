#include "tokentap/proxy/http_headers.hpp"

#include <boost/beast/core/string.hpp>

namespace tokentap::proxy {

namespace http = boost::beast::http;

bool is_hop_by_hop(http::field code) {
    switch (code) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::proxy_authenticate:
        case http::field::proxy_authorization:
        case http::field::te:
        case http::field::trailer:
        case http::field::transfer_encoding:
        case http::field::upgrade:
            return true;
        default:
            return false;
    }
}

// Every hop-by-hop name is one Beast knows (its lookup ignores case).
bool is_hop_by_hop(std::string_view name) { return is_hop_by_hop(http::string_to_field(name)); }

namespace {
// Calls fn(token) for each token of a Connection field value (RFC 9110 7.6.1: more hop-by-hop
// field names), trimmed; stops when fn returns true. Returns whether one did.
template <class Fn>
bool any_token(std::string_view value, Fn fn) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        auto token = value.substr(0, comma);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
        if (!token.empty() && fn(token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

// Whether a Connection field's value names a field beyond close and the fixed hop-by-hop list.
bool names_other_fields(std::string_view connection) {
    return any_token(connection, [](std::string_view t) { return !boost::beast::iequals(t, "close") && !is_hop_by_hop(t); });
}

std::string_view name_of(const http::fields::value_type& f) {
    const auto name = f.name_string();
    return {name.data(), name.size()};
}

bool named_by_connection(std::string_view name, const http::fields& f) {
    for (auto it = f.find(http::field::connection); it != f.end() && it->name() == http::field::connection; ++it)
        if (any_token(it->value(), [&](std::string_view t) { return boost::beast::iequals(name, t); })) return true;
    return false;
}
}  // namespace

void remove_hop_by_hop(http::fields& f) {
    // Usually Connection says only close or keep-alive; a field it names otherwise is looked for
    // in a second pass. The Connection fields go last: the names they list are read from them.
    bool has_connection = false;
    bool names_others = false;
    for (auto it = f.begin(); it != f.end();) {
        if (it->name() == http::field::connection) {
            has_connection = true;
            names_others = names_others || names_other_fields(it->value());
            ++it;
        } else if (is_hop_by_hop(it->name())) {
            it = f.erase(it);
        } else {
            ++it;
        }
    }
    if (names_others) {
        for (auto it = f.begin(); it != f.end();) {
            if (it->name() != http::field::connection && named_by_connection(name_of(*it), f))
                it = f.erase(it);
            else
                ++it;
        }
    }
    if (has_connection) f.erase(http::field::connection);
}

std::vector<std::string_view> hop_by_hop_names(const response_head& head) {
    std::vector<std::string_view> named;
    bool names_others = false;
    for (const auto f : head)
        if (f.code == http::field::connection) names_others = names_others || names_other_fields(f.value);
    if (!names_others) return named;
    for (const auto f : head)
        if (f.code == http::field::connection) any_token(f.value, [&](std::string_view t) {
                named.push_back(t);
                return false;
            });
    return named;
}

bool is_hop_by_hop(const head_field& f, const std::vector<std::string_view>& named) {
    if (is_hop_by_hop(f.code)) return true;
    for (const auto n : named)
        if (boost::beast::iequals(f.name, n)) return true;
    return false;
}

}  // namespace tokentap::proxy
