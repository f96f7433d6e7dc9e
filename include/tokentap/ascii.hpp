#pragma once
// ASCII case-insensitive prefix test for header names and values: boost::istarts_with goes
// through std::locale and costs several times more. Pure.

#include <boost/beast/core/string.hpp>

#include <string_view>

namespace tokentap {

inline bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace tokentap
