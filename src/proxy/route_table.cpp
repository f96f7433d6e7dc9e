#include "tokentap/proxy/route_table.hpp"

#include <algorithm>

namespace tokentap::proxy {

route_table::route_table(std::vector<config::route> routes) : routes_(std::move(routes)) {
    std::stable_sort(routes_.begin(), routes_.end(), [](const auto& a, const auto& b) {
        return a.prefix.size() > b.prefix.size();
    });
}

namespace {
bool segment_prefix(std::string_view path, std::string_view prefix) {
    if (prefix == "/") return true;
    if (!path.starts_with(prefix)) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/';
}
}  // namespace

std::optional<route_match> route_table::find(std::string_view target) const {
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q);
    for (const auto& r : routes_) {
        if (!segment_prefix(path, r.prefix)) continue;
        auto rest = r.prefix == "/" ? path : path.substr(r.prefix.size());
        std::string up = r.upstream.base_path;
        up.append(rest);
        if (up.empty()) up.push_back('/');
        up.append(query);
        return route_match{&r, std::move(up)};
    }
    return std::nullopt;
}

std::vector<std::string> route_table::prefixes() const {
    std::vector<std::string> out;
    for (const auto& r : routes_) out.push_back(r.prefix);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace tokentap::proxy
