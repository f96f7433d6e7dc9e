#pragma once
// ASCII case handling for header names and values: boost's iequals, istarts_with and
// to_lower_copy go through std::locale and cost several times more. Pure.

#include <boost/beast/core/string.hpp>

#include <string>
#include <string_view>

namespace tokentap {

// Beast's iequals, after a compare of the lengths that the caller inlines: most names a header
// is compared with differ in length, and Beast's is a call.
inline bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && boost::beast::iequals(a, b);
}

inline bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

inline std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace tokentap
