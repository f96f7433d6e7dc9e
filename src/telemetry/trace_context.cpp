#include "tokentap/telemetry/trace_context.hpp"

#include <algorithm>
#include <random>

namespace tokentap::telemetry {

namespace {

constexpr std::size_t traceparent_v00_size = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2
constexpr std::size_t trace_id_at = 3;
constexpr std::size_t parent_id_at = 36;
constexpr std::size_t flags_at = 53;

constexpr std::string_view hex_digits = "0123456789abcdef";

std::string_view trim_ows(std::string_view s) {
    const auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// Value of a lowercase hex digit, -1 otherwise (the spec's HEXDIGLC excludes A-F).
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

// Decodes exactly 2 * out.size() lowercase hex digits from `text`; false on any other character.
bool decode_hex(std::string_view text, std::span<std::uint8_t> out) {
    if (text.size() != out.size() * 2) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int hi = hex_value(text[2 * i]);
        const int lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return true;
}

bool all_zero(std::span<const std::uint8_t> bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// The calling thread's generator, seeded on first use with several random_device words so the
// whole 64-bit state space is reachable (a single 32-bit seed would make collisions likely).
std::mt19937_64& thread_generator() {
    thread_local std::mt19937_64 engine = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    return engine;
}

// Fills `out` with random bytes, drawing again in the (2^-64) case that all come out zero.
void fill_non_zero(std::span<std::uint8_t> out) {
    auto& engine = thread_generator();
    do {
        for (std::size_t i = 0; i < out.size(); i += 8) {
            const std::uint64_t word = engine();
            for (std::size_t j = 0; j < 8 && i + j < out.size(); ++j)
                out[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
        }
    } while (all_zero(out));
}

}  // namespace

std::optional<trace_parent> parse_traceparent(std::string_view value) {
    const std::string_view s = trim_ows(value);
    if (s.size() < traceparent_v00_size) return std::nullopt;
    std::uint8_t version = 0;
    if (!decode_hex(s.substr(0, 2), std::span(&version, 1)) || version == 0xff) return std::nullopt;
    if (version == 0 && s.size() != traceparent_v00_size) return std::nullopt;
    if (s.size() > traceparent_v00_size && s[traceparent_v00_size] != '-') return std::nullopt;
    if (s[trace_id_at - 1] != '-' || s[parent_id_at - 1] != '-' || s[flags_at - 1] != '-') return std::nullopt;

    trace_parent out;
    if (!decode_hex(s.substr(trace_id_at, 32), out.trace) || !decode_hex(s.substr(parent_id_at, 16), out.parent) ||
        !decode_hex(s.substr(flags_at, 2), std::span(&out.flags, 1)))
        return std::nullopt;
    if (all_zero(out.trace) || all_zero(out.parent)) return std::nullopt;
    return out;
}

std::string propagated_tracestate(std::string_view value) {
    const std::string_view s = trim_ows(value);
    if (s.size() > max_propagated_tracestate) return {};
    return std::string(s);
}

std::string format_traceparent(const trace_id& trace, const span_id& id, std::uint8_t flags) {
    std::string out = "00-";
    out += to_hex(trace);
    out += '-';
    out += to_hex(id);
    out += '-';
    out += to_hex(std::span(&flags, 1));
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out.push_back(hex_digits[b >> 4]);
        out.push_back(hex_digits[b & 0x0F]);
    }
    return out;
}

trace_id new_trace_id() {
    trace_id id;
    fill_non_zero(id);
    return id;
}

span_id new_span_id() {
    span_id id;
    fill_non_zero(id);
    return id;
}

}  // namespace tokentap::telemetry
