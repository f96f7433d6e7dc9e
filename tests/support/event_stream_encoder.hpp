#pragma once
// Test helper: a small encoder of AWS event-stream frames (prelude, headers, payload, CRCs),
// written from the format description in tokentap/sse/aws_eventstream.hpp, for building fixtures.

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace event_stream_encoder {

inline void put_u32(std::string& s, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
}

inline void put_u16(std::string& s, std::uint32_t v) {
    s += static_cast<char>((v >> 8) & 0xFF);
    s += static_cast<char>(v & 0xFF);
}

inline std::uint32_t crc(std::string_view s) {
    return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

// One header: name, value type, and the value's encoded bytes (with the u16 length for types 6, 7).
inline std::string header(std::string_view name, unsigned type, std::string_view value_bytes) {
    std::string h;
    h += static_cast<char>(name.size());
    h += name;
    h += static_cast<char>(type);
    h += value_bytes;
    return h;
}

inline std::string string_header(std::string_view name, std::string_view value) {
    std::string v;
    put_u16(v, static_cast<std::uint32_t>(value.size()));
    v += value;
    return header(name, 7, v);
}

inline std::string frame(std::string_view headers, std::string_view payload) {
    std::string f;
    put_u32(f, static_cast<std::uint32_t>(12 + headers.size() + payload.size() + 4));
    put_u32(f, static_cast<std::uint32_t>(headers.size()));
    put_u32(f, crc(f));
    f += headers;
    f += payload;
    put_u32(f, crc(f));
    return f;
}

// An event frame as Bedrock sends them.
inline std::string event(std::string_view type, std::string_view payload) {
    return frame(string_header(":event-type", type) + string_header(":content-type", "application/json") +
                     string_header(":message-type", "event"),
                 payload);
}

inline std::string exception(std::string_view type, std::string_view payload) {
    return frame(string_header(":exception-type", type) + string_header(":content-type", "application/json") +
                     string_header(":message-type", "exception"),
                 payload);
}

inline std::string base64(std::string_view in) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const std::uint32_t v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                                static_cast<unsigned char>(in[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
    }
    if (const auto rest = in.size() - i; rest > 0) {
        std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// An InvokeModelWithResponseStream chunk event carrying `inner` (the model's JSON chunk).
inline std::string chunk(std::string_view inner) {
    return event("chunk", "{\"bytes\":\"" + base64(inner) + "\",\"p\":\"abcdefgh\"}");
}

}  // namespace event_stream_encoder
