#include "tokentap/dialects/bedrock/base64.hpp"

#include <cstdint>

namespace tokentap::dialects::bedrock {

namespace {

int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

}  // namespace

bool decode_base64(std::string_view in, std::string& out) {
    out.clear();
    // Up to two '=' of padding, and only when they complete a group of four.
    std::size_t padding = 0;
    while (padding < 2 && !in.empty() && in.back() == '=') {
        in.remove_suffix(1);
        ++padding;
    }
    if (padding > 0 && (in.size() + padding) % 4 != 0) return false;
    if (in.size() % 4 == 1) return false;
    out.reserve(in.size() / 4 * 3 + 2);
    std::uint32_t bits = 0;
    int held = 0;  // bits held in `bits`
    for (const char c : in) {
        const int v = sextet(c);
        if (v < 0) return false;
        bits = (bits << 6 | static_cast<std::uint32_t>(v)) & 0xFFFFFF;
        held += 6;
        if (held >= 8) {
            held -= 8;
            out += static_cast<char>((bits >> held) & 0xFF);
        }
    }
    return true;
}

}  // namespace tokentap::dialects::bedrock
