#pragma once
// Maps an incoming request target to a route and the target to send upstream. Pure and immutable
// after construction: shared by all threads without locking.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/config/config.hpp"

namespace tokentap::proxy {

struct route_match {
    const config::route* route = nullptr;
    std::string upstream_target;  // base path + the rest of the path after the prefix + query
};

class route_table {
public:
    explicit route_table(std::vector<config::route> routes);

    // Longest prefix that matches whole path segments: "/openai" matches "/openai" and
    // "/openai/v1/..." but not "/openaix". The query string is kept as it is.
    std::optional<route_match> find(std::string_view target) const;

    std::vector<std::string> prefixes() const;
    const std::vector<config::route>& routes() const { return routes_; }

private:
    std::vector<config::route> routes_;  // longest prefix first
};

}  // namespace tokentap::proxy
