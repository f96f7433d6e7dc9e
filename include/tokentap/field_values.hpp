#pragma once
// Reading several request headers at once. fields::find walks the fields' tree with
// case-insensitive compares for each name asked; the headers a request carries are few, so one
// pass over them answers all the names for less. Pure.

#include <boost/beast/http/fields.hpp>

#include <array>
#include <cstddef>
#include <string_view>

#include "tokentap/ascii.hpp"

namespace tokentap {

// The value of the first field named names[i] (compared case-insensitively), as fields::find
// gives it, for each i; empty where there is none.
template <std::size_t N>
std::array<std::string_view, N> first_field_values(const boost::beast::http::fields& fields,
                                                   const std::array<std::string_view, N>& names) {
    std::array<std::string_view, N> values{};
    std::array<bool, N> found{};
    for (const auto& f : fields) {
        const auto name = f.name_string();
        for (std::size_t i = 0; i < N; ++i) {
            if (found[i] || !iequals(std::string_view(name.data(), name.size()), names[i])) continue;
            found[i] = true;
            values[i] = std::string_view(f.value().data(), f.value().size());
        }
    }
    return values;
}

}  // namespace tokentap
