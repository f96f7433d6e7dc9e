#include "tokentap/telemetry/otlp/protobuf_writer.hpp"

#include <bit>
#include <cstring>

namespace tokentap::telemetry::otlp {

namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

// How a UTF-8 sequence starting with `lead` continues (Unicode 15, table 3-7 "Well-Formed UTF-8
// Byte Sequences"): its total length and the range allowed for the second byte, which is where
// overlong forms, surrogates and code points above U+10FFFF are excluded. Length 0: not a lead byte.
struct utf8_lead {
    std::size_t length;
    unsigned char second_min;
    unsigned char second_max;
};

utf8_lead classify_lead(unsigned char lead) {
    if (lead < 0x80) return {1, 0, 0};
    if (lead < 0xC2) return {0, 0, 0};  // continuation byte, or C0/C1 (always overlong)
    if (lead < 0xE0) return {2, 0x80, 0xBF};
    if (lead == 0xE0) return {3, 0xA0, 0xBF};
    if (lead == 0xED) return {3, 0x80, 0x9F};  // excludes the surrogates D800..DFFF
    if (lead < 0xF0) return {3, 0x80, 0xBF};
    if (lead == 0xF0) return {4, 0x90, 0xBF};
    if (lead < 0xF4) return {4, 0x80, 0xBF};
    if (lead == 0xF4) return {4, 0x80, 0x8F};  // stops at U+10FFFF
    return {0, 0, 0};
}

// Bytes of `text` from `pos` that form a well-formed sequence or the longest valid prefix of one
// (a "maximal subpart"); `complete` tells which. Always at least 1.
std::size_t scan_sequence(std::string_view text, std::size_t pos, bool& complete) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    const utf8_lead info = classify_lead(lead);
    complete = info.length == 1;
    if (info.length <= 1) return 1;
    std::size_t used = 1;
    for (; used < info.length && pos + used < text.size(); ++used) {
        const auto byte = static_cast<unsigned char>(text[pos + used]);
        const unsigned char lo = used == 1 ? info.second_min : 0x80;
        const unsigned char hi = used == 1 ? info.second_max : 0xBF;
        if (byte < lo || byte > hi) break;
    }
    complete = used == info.length;
    return used;
}

}  // namespace

void append_long_varint(std::string& out, std::uint64_t value) {
    char buf[10];
    out.append(buf, encode_varint(buf, value));
}

std::string to_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        bool complete = false;
        const std::size_t used = scan_sequence(text, pos, complete);
        if (complete)
            out.append(text.substr(pos, used));
        else
            out.append(replacement_character);
        pos += used;
    }
    return out;
}

void protobuf_writer::uint64_field(std::uint32_t field, std::uint64_t value) {
    tag(field, wire_type::varint);
    varint(value);
}

void protobuf_writer::int64_field(std::uint32_t field, std::int64_t value) {
    // int64 is encoded as its two's complement bit pattern (not zigzag, which is sint64's).
    uint64_field(field, static_cast<std::uint64_t>(value));
}

void protobuf_writer::bool_field(std::uint32_t field, bool value) { uint64_field(field, value ? 1 : 0); }

void protobuf_writer::fixed64_field(std::uint32_t field, std::uint64_t value) {
    tag(field, wire_type::fixed64);
    raw_fixed64(value);
}

void protobuf_writer::fixed32_field(std::uint32_t field, std::uint32_t value) {
    tag(field, wire_type::fixed32);
    raw_fixed32(value);
}

void protobuf_writer::double_field(std::uint32_t field, double value) {
    fixed64_field(field, std::bit_cast<std::uint64_t>(value));
}

void protobuf_writer::bytes_field(std::uint32_t field, std::span<const std::uint8_t> value) {
    bytes_field(field, std::string_view(reinterpret_cast<const char*>(value.data()), value.size()));
}

namespace {
// Whether `text` is all ASCII: its bytes ORed eight at a time, the last eight overlapping the
// ones before when the size is not a multiple of eight (no byte-by-byte tail).
bool ascii(std::string_view text) {
    constexpr std::uint64_t highs = 0x8080808080808080ull;
    const auto word_at = [&](std::size_t i) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        return w;
    };
    if (text.size() < 8) {
        unsigned char bits = 0;
        for (const char c : text) bits |= static_cast<unsigned char>(c);
        return bits < 0x80;
    }
    std::uint64_t bits = word_at(text.size() - 8);
    for (std::size_t i = 0; i + 8 <= text.size(); i += 8) bits |= word_at(i);
    return (bits & highs) == 0;
}
}  // namespace

// The common case, keys, ids and model names, is ASCII: checked a word at a time first.
bool valid_utf8(std::string_view text) {
    if (ascii(text)) return true;
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (pos + 8 <= text.size()) {
            std::uint64_t word;
            std::memcpy(&word, text.data() + pos, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                pos += 8;
                continue;
            }
        }
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        bool complete = false;
        const std::size_t used = scan_sequence(text, pos, complete);
        if (!complete) return false;
        pos += used;
    }
    return true;
}

void protobuf_writer::string_field(std::uint32_t field, std::string_view value) {
    if (valid_utf8(value)) bytes_field(field, value);  // no copy for the usual case
    else bytes_field(field, to_valid_utf8(value));
}

void protobuf_writer::packed_fixed64_field(std::uint32_t field, std::span<const std::uint64_t> values) {
    if (values.empty()) return;
    tag(field, wire_type::length_delimited);
    varint(values.size() * 8);
    for (const std::uint64_t v : values) raw_fixed64(v);
}

void protobuf_writer::packed_double_field(std::uint32_t field, std::span<const double> values) {
    if (values.empty()) return;
    tag(field, wire_type::length_delimited);
    varint(values.size() * 8);
    for (const double v : values) raw_fixed64(std::bit_cast<std::uint64_t>(v));
}

void protobuf_writer::close_message(std::size_t body_start) {
    char length[10];
    const auto n = encode_varint(length, out_.size() - body_start);
    out_[body_start - 1] = length[0];
    if (n > 1) out_.insert(body_start, length + 1, n - 1);
}

void protobuf_writer::raw_fixed64(std::uint64_t value) {
    char bytes[8];
    encode_fixed64(bytes, value);
    out_.append(bytes, 8);
}

void protobuf_writer::raw_fixed32(std::uint32_t value) {
    char bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    out_.append(bytes, 4);
}

}  // namespace tokentap::telemetry::otlp
