#include "tokentap/sse/sse_framer.hpp"

namespace tokentap::sse {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

}  // namespace

sse_framer::sse_framer(sse_framer_options o) : options_(o) {}

void sse_framer::feed_bytes(std::string_view bytes, event_sink sink) {
    consume(skip_bom(bytes, sink), sink);
}

void sse_framer::finish_stream(event_sink sink) {
    // A pending event counts as terminated only if the stream ended at a line end (see header).
    if (line_started_) {
        reset_event();
    } else {
        end_event(sink);
    }
    reset_line();
    after_cr_ = false;
    bom_matched_ = 0;
    bom_done_ = false;
}

// Drops a UTF-8 BOM at the very start of the stream, matching it byte by byte so that it may be
// split across feeds. Returns the bytes left to parse.
std::string_view sse_framer::skip_bom(std::string_view bytes, event_sink sink) {
    while (!bom_done_ && !bytes.empty()) {
        if (bytes.front() != utf8_bom[bom_matched_]) {
            bom_done_ = true;
            // Not a BOM after all: the bytes matched so far are stream content.
            consume(utf8_bom.substr(0, bom_matched_), sink);
            break;
        }
        bytes.remove_prefix(1);
        ++bom_matched_;
        bom_done_ = bom_matched_ == utf8_bom.size();
    }
    return bytes;
}

// Splits bytes into lines. A CR ends a line at once (a lone CR is a line end); an LF right after
// it, possibly at the start of the next feed, is the second half of the same CRLF and is skipped.
void sse_framer::consume(std::string_view bytes, event_sink sink) {
    while (!bytes.empty()) {
        if (after_cr_) {
            after_cr_ = false;
            if (bytes.front() == '\n') {
                bytes.remove_prefix(1);
                continue;
            }
        }
        const auto end = bytes.find_first_of("\r\n");
        if (end == std::string_view::npos) {
            if (account(bytes)) line_.append(bytes);
            return;
        }
        end_line(bytes.substr(0, end), sink);
        after_cr_ = bytes[end] == '\r';
        bytes.remove_prefix(end + 1);
    }
}

// Records that piece belongs to the current line and enforces max_event_bytes. Returns whether the
// piece must be kept (false for comments and for lines of an oversized event).
bool sse_framer::account(std::string_view piece) {
    if (!piece.empty() && !line_started_) {
        line_started_ = true;
        line_is_comment_ = piece.front() == ':';
    }
    if (line_is_comment_ || oversized_) return false;
    if (piece.size() > options_.max_event_bytes - event_bytes_) {  // event_bytes_ <= max
        start_oversized();
        return false;
    }
    event_bytes_ += piece.size();
    return true;
}

// piece is the tail of the current line (the whole line when nothing was buffered).
void sse_framer::end_line(std::string_view piece, event_sink sink) {
    const bool keep = account(piece);
    if (!line_started_) {
        end_event(sink);  // blank line
        return;
    }
    if (keep) {
        if (line_.empty()) {
            apply_field(piece);  // the common case: the line arrived in one feed, no copy
        } else {
            line_.append(piece);
            apply_field(line_);
        }
    }
    reset_line();
}

// One non-blank, non-comment line: `name:value` with one optional space after the colon removed,
// or a bare `name` with an empty value. `retry` and unknown fields are ignored.
void sse_framer::apply_field(std::string_view line) {
    const auto colon = line.find(':');
    const auto name = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    if (name == "data") {
        data_.append(value);
        data_.push_back('\n');
    } else if (name == "event") {
        event_.assign(value);
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos) id_.assign(value);  // spec: ignore with NUL
    }
}

// Blank line: dispatch unless the data buffer is empty (or the event was skipped), then reset the
// event either way, as the spec does.
void sse_framer::end_event(event_sink sink) {
    if (!oversized_ && !data_.empty()) {
        std::string_view data = data_;
        data.remove_suffix(1);  // the '\n' after the last data line
        ++events_;
        sink.call(sink.target, sse_event{event_, data, id_});
    }
    reset_event();
}

// Stops buffering the current event; lines keep being read so that its blank line is found.
void sse_framer::start_oversized() {
    oversized_ = true;
    ++oversized_events_;
    line_.clear();
    data_.clear();
    event_.clear();
    id_.clear();
}

void sse_framer::reset_event() {
    data_.clear();  // clear() keeps capacity: no allocation for the next event
    event_.clear();
    id_.clear();
    event_bytes_ = 0;
    oversized_ = false;
}

void sse_framer::reset_line() {
    line_.clear();
    line_started_ = false;
    line_is_comment_ = false;
}

}  // namespace tokentap::sse
