#include "tokentap/sse/json_array_framer.hpp"

namespace tokentap::sse {

namespace {

bool is_json_whitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The bytes of a UTF-8 byte order mark, skipped before the array.
bool is_bom_byte(char c) { return c == '\xEF' || c == '\xBB' || c == '\xBF'; }

// Ends a bare scalar element (number, true, false, null) without being part of it.
bool ends_scalar(char c) {
    return is_json_whitespace(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"';
}

}  // namespace

json_array_framer::json_array_framer(json_array_framer_options o) : options_(o) {}

void json_array_framer::feed_bytes(std::string_view bytes, element_sink sink) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        if (state_ != state::element) {
            i = scan_outside(bytes, i, sink);
            continue;
        }
        const auto start = i;
        i = scan_element(bytes, i);
        const auto piece = bytes.substr(start, i - start);
        if (complete_) {
            end_element(piece, sink);
        } else {
            keep(piece);
        }
    }
}

void json_array_framer::finish_stream(element_sink) {
    if (state_ == state::element && !oversized_) ++truncated_elements_;
    reset_element();
    state_ = state::before;
}

// One byte outside any element. Returns the index of the next byte to read: an element's first
// byte is left for scan_element.
std::size_t json_array_framer::scan_outside(std::string_view bytes, std::size_t i, element_sink) {
    const char c = bytes[i];
    if (is_json_whitespace(c)) return i + 1;
    switch (state_) {
        case state::before:
            if (c == '[') {
                state_ = state::between;
            } else if (c == '{') {
                start_element(c, true);
                return i;
            } else if (!is_bom_byte(c)) {
                ++stray_bytes_;
            }
            return i + 1;
        case state::between:
            if (c == ']') {
                state_ = state::after;
            } else if (c == '}') {
                ++stray_bytes_;  // cannot start an element
            } else if (c != ',') {
                start_element(c, false);
                return i;
            }
            return i + 1;
        case state::after:
        case state::element: break;
    }
    ++stray_bytes_;
    return i + 1;
}

// Reads the current element from i. Returns the index after the bytes that belong to it, and sets
// complete_ when its last byte was among them.
std::size_t json_array_framer::scan_element(std::string_view bytes, std::size_t i) {
    for (; i < bytes.size(); ++i) {
        const char c = bytes[i];
        if (in_string_) {
            if (after_backslash_) {
                after_backslash_ = false;
            } else if (c == '\\') {
                after_backslash_ = true;
            } else if (c == '"') {
                in_string_ = false;
                if (depth_ == 0) {  // a bare string element
                    complete_ = true;
                    return i + 1;
                }
            }
            continue;
        }
        if (scalar_) {
            if (ends_scalar(c)) {
                complete_ = true;
                return i;  // the delimiter is read by scan_outside
            }
            continue;
        }
        if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if ((c == '}' || c == ']') && depth_ > 0 && --depth_ == 0) {
            complete_ = true;
            return i + 1;
        }
    }
    return i;
}

void json_array_framer::start_element(char first, bool lone_object) {
    reset_element();
    state_ = state::element;
    lone_object_ = lone_object;
    scalar_ = first != '"' && first != '{' && first != '[';
}

// Whether piece still fits in max_element_bytes; if not, the element becomes oversized.
bool json_array_framer::fits(std::string_view piece) {
    if (oversized_) return false;
    if (piece.size() > options_.max_element_bytes - element_bytes_) {  // element_bytes_ <= max
        oversized_ = true;
        ++oversized_elements_;
        buffer_.clear();
        return false;
    }
    element_bytes_ += piece.size();
    return true;
}

// Buffers the part of an element that one feed holds, when the element goes on in the next feed.
void json_array_framer::keep(std::string_view piece) {
    if (fits(piece)) buffer_.append(piece);
}

// piece is the tail of the element (the whole element when nothing was buffered).
void json_array_framer::end_element(std::string_view piece, element_sink sink) {
    const bool nothing_buffered = element_bytes_ == 0;
    state_ = lone_object_ ? state::after : state::between;
    if (fits(piece)) {
        if (!nothing_buffered) buffer_.append(piece);
        ++elements_;
        sink.call(sink.target, nothing_buffered ? piece : std::string_view(buffer_));
    }
    reset_element();
}

void json_array_framer::reset_element() {
    buffer_.clear();  // keeps capacity: no allocation for the next element that spans feeds
    element_bytes_ = 0;
    depth_ = 0;
    in_string_ = false;
    after_backslash_ = false;
    scalar_ = false;
    lone_object_ = false;
    complete_ = false;
    oversized_ = false;
}

}  // namespace tokentap::sse
