#pragma once
// Percent-decoding (RFC 3986 section 2.1) of URL path segments and of OTEL_* key=value lists.
// A '%' not followed by two hex digits is kept as it is. Pure.

#include <string>
#include <string_view>

namespace tokentap {

inline int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

inline std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int hi = s[i] == '%' && i + 2 < s.size() ? hex_digit_value(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_digit_value(s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace tokentap
