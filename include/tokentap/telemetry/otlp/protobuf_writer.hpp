#pragma once
// A minimal protobuf wire-format writer (https://protobuf.dev/programming-guides/encoding/), enough
// for the OTLP messages tokentap exports. It knows wire types, not schemas: callers name the field
// numbers and decide which proto3 default values to omit (the writer always writes what it is told,
// because a oneof member such as AnyValue.int_value = 0 must be present to carry its type).
//
// Nested messages are written in place and their length prefix is inserted when they close, so the
// output is canonical (minimal varints) at the cost of moving each message's bytes once per level.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tokentap::telemetry::otlp {

enum class wire_type : std::uint8_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

// The varint of `value` into `buf` (room for 10 bytes); returns its length.
inline std::size_t encode_varint(char* buf, std::uint64_t value) {
    std::size_t n = 0;
    while (value >= 0x80) {
        buf[n++] = static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    buf[n++] = static_cast<char>(value);
    return n;
}

// `value` as 8 little-endian bytes into `buf`, as protobuf's fixed64 wants.
inline void encode_fixed64(char* buf, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

// Appends a varint of two bytes or more (value >= 0x80).
void append_long_varint(std::string& out, std::uint64_t value);

// Appends `value` as a base-128 varint (1 to 10 bytes) to `out`. Inline: most varints (tags,
// lengths of short strings, small numbers) are one byte, and a span's encoding has hundreds.
inline void append_varint(std::string& out, std::uint64_t value) {
    if (value < 0x80) out.push_back(static_cast<char>(value));
    else append_long_varint(out, value);
}

// The number of bytes of `value`'s varint.
inline std::size_t varint_size(std::uint64_t value) {
    return value < 0x80 ? 1 : (static_cast<std::size_t>(std::bit_width(value)) + 6) / 7;
}

// Whether `text` is well-formed UTF-8 as it is.
bool valid_utf8(std::string_view text);

// Copies `text` replacing each maximal ill-formed UTF-8 subsequence with U+FFFD (the Unicode
// "substitution of maximal subparts" practice). Well-formed input comes back unchanged.
std::string to_valid_utf8(std::string_view text);

class protobuf_writer {
public:
    protobuf_writer() = default;
    // Writes after what `out` holds already, into its spare capacity (protobuf messages
    // concatenate into their merge, so one buffer can take several).
    explicit protobuf_writer(std::string out) : out_(std::move(out)) {}

    // Raw pieces, inline like the few whole fields below: a span's encoding is hundreds of them.
    void varint(std::uint64_t value) { append_varint(out_, value); }
    void tag(std::uint32_t field, wire_type type) {  // field numbers are 1 .. 2^29-1
        varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(type));
    }

    // Whole fields: tag followed by the value.
    void uint64_field(std::uint32_t field, std::uint64_t value);  // uint32/uint64/enum
    void int64_field(std::uint32_t field, std::int64_t value);    // int32/int64: negatives take 10 bytes
    void bool_field(std::uint32_t field, bool value);
    void fixed64_field(std::uint32_t field, std::uint64_t value);  // little-endian
    void fixed32_field(std::uint32_t field, std::uint32_t value);  // little-endian
    void double_field(std::uint32_t field, double value);          // IEEE 754 bits as fixed64
    void bytes_field(std::uint32_t field, std::span<const std::uint8_t> value);
    void bytes_field(std::uint32_t field, std::string_view value) {
        tag(field, wire_type::length_delimited);
        varint(value.size());
        out_.append(value);
    }
    // Bytes already encoded (by a fixed_encoder), appended as they are.
    void raw(std::string_view bytes) { out_.append(bytes); }
    // proto3 `string` must be valid UTF-8 (strict decoders such as Go's reject the whole message
    // otherwise), so ill-formed input is repaired with to_valid_utf8 before it is written.
    void string_field(std::uint32_t field, std::string_view value);

    // Packed repeated scalars (proto3's default for repeated numeric fields); nothing when empty.
    void packed_fixed64_field(std::uint32_t field, std::span<const std::uint64_t> values);
    void packed_double_field(std::uint32_t field, std::span<const double> values);

    // A nested message: `body(*this)` writes its fields, then the length prefix is inserted.
    template <class Body>
    void message_field(std::uint32_t field, Body&& body) {
        const std::size_t start = open_message(field);
        std::forward<Body>(body)(*this);
        close_message(start);
    }

    // The same in two calls, for callers that cannot use a callable.
    // One byte is kept for the length, which is enough for most messages (attributes, values):
    // only a body of 128 bytes or more moves, to make room for the rest of its length.
    std::size_t open_message(std::uint32_t field) {  // returns where the body starts
        tag(field, wire_type::length_delimited);
        out_.push_back('\0');
        return out_.size();
    }
    void close_message(std::size_t body_start);

    const std::string& data() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void raw_fixed64(std::uint64_t value);
    void raw_fixed32(std::uint32_t value);

    std::string out_;
};

// The same pieces written through a pointer into a caller's buffer, for a small piece whose
// size is counted first (an attribute): no capacity check per byte, one append of the whole.
// The caller makes the buffer large enough; nothing is checked here.
class fixed_encoder {
public:
    explicit fixed_encoder(char* at) : begin_(at), at_(at) {}
    void varint(std::uint64_t value) { at_ += encode_varint(at_, value); }
    void tag(std::uint32_t field, wire_type type) {
        varint((static_cast<std::uint64_t>(field) << 3) | static_cast<std::uint64_t>(type));
    }
    void uint64_field(std::uint32_t field, std::uint64_t value) {
        tag(field, wire_type::varint);
        varint(value);
    }
    void fixed64_field(std::uint32_t field, std::uint64_t value) {
        tag(field, wire_type::fixed64);
        encode_fixed64(at_, value);
        at_ += 8;
    }
    void bytes_field(std::uint32_t field, std::string_view value) {
        tag(field, wire_type::length_delimited);
        varint(value.size());
        if (!value.empty()) std::memcpy(at_, value.data(), value.size());
        at_ += value.size();
    }
    std::string_view written() const { return {begin_, static_cast<std::size_t>(at_ - begin_)}; }

private:
    char* begin_;
    char* at_;
};

}  // namespace tokentap::telemetry::otlp
