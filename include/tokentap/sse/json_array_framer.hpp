#pragma once
// Incremental framer for a streamed top-level JSON array: raw response bytes in, the text of each
// complete element out. Gemini's :streamGenerateContent without `alt=sse` answers this way: one
// JSON array that grows as the answer is generated (`[{...}\n,\r\n{...}\n]`), each element a
// GenerateContentResponse chunk. Pure (no I/O); the counterpart of sse_framer.hpp.
//
// It tracks only what is needed to find where an element ends: string literals (with their
// escapes, so brackets and quotes inside strings do not count) and bracket depth. It does not
// validate the JSON: the reader that gets an element parses it and counts what is malformed.
//
// Leniencies, all deliberate:
// - Whitespace (and a UTF-8 BOM) before the array is skipped. If the body is a single JSON object
//   instead of an array (an error answered as `{"error":...}`), that object is the one element.
// - Commas between elements are not checked: a missing or doubled comma does not lose elements.
// - Bytes that cannot start the array, and bytes after it other than whitespace, are skipped and
//   counted (stray_bytes), so a body that is not a JSON array yields no elements.
// - An element larger than `max_element_bytes` is skipped and counted instead of buffered; the
//   elements after it are still framed.
//
// Not thread-safe; one framer per stream. Never throws on any input (only std::bad_alloc could
// escape, from the bounded buffer). An element that arrives within one feed is handed over in
// place, without a copy.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace tokentap::sse {

struct json_array_framer_options {
    // Upper bound on the bytes of one element.
    std::size_t max_element_bytes = 1u << 20;
};

class json_array_framer {
public:
    explicit json_array_framer(json_array_framer_options o = {});

    // Feeds the next bytes of the stream, split anywhere (mid-string, mid-escape). Calls
    // on_element(std::string_view element_text) for each element these bytes complete; the view is
    // valid only during that call. If on_element throws, the exception propagates and the framer
    // must not be used again.
    template <class F>
    void feed(std::string_view bytes, F&& on_element) {
        feed_bytes(bytes, make_sink(on_element));
    }

    // End of stream. An element still open is incomplete (the stream was cut) and is dropped and
    // counted; on_element is not called (it is taken for symmetry with sse_framer). Afterwards
    // the framer is ready for a new stream; counters are kept.
    template <class F>
    void finish(F&& on_element) {
        finish_stream(make_sink(on_element));
    }

    std::uint64_t elements() const noexcept { return elements_; }  // dispatched so far
    // Elements skipped because they were larger than max_element_bytes.
    std::uint64_t oversized_elements() const noexcept { return oversized_elements_; }
    // Elements cut short by the end of the stream.
    std::uint64_t truncated_elements() const noexcept { return truncated_elements_; }
    // Bytes outside the array (or the single object) that are not whitespace.
    std::uint64_t stray_bytes() const noexcept { return stray_bytes_; }
    // Whether the current stream's array (or single object) has ended.
    bool closed() const noexcept { return state_ == state::after; }

private:
    // Non-owning, non-allocating reference to the caller's callback (see sse_framer.hpp).
    struct element_sink {
        void* target;
        void (*call)(void* target, std::string_view element);
    };

    template <class G>
    static element_sink make_sink(G& f) noexcept {
        static_assert(!std::is_function_v<G>, "pass a lambda, function object or function pointer");
        return {const_cast<void*>(static_cast<const void*>(std::addressof(f))),
                [](void* target, std::string_view element) { (*static_cast<G*>(target))(element); }};
    }

    enum class state : std::uint8_t {
        before,   // waiting for '[' (or a lone '{')
        between,  // inside the array, outside any element
        element,  // inside an element
        after,    // the array (or the single object) has ended
    };

    void feed_bytes(std::string_view bytes, element_sink sink);
    void finish_stream(element_sink sink);
    std::size_t scan_outside(std::string_view bytes, std::size_t i, element_sink sink);
    std::size_t scan_element(std::string_view bytes, std::size_t i);
    void start_element(char first, bool lone_object);
    bool fits(std::string_view piece);
    void keep(std::string_view piece);
    void end_element(std::string_view piece, element_sink sink);
    void reset_element();

    json_array_framer_options options_;
    state state_ = state::before;

    // Element being framed. Its bytes are buffered only when it spans feeds.
    std::string buffer_;
    std::size_t element_bytes_ = 0;  // so far; <= max_element_bytes unless oversized_
    std::size_t depth_ = 0;          // open brackets
    bool in_string_ = false;
    bool after_backslash_ = false;   // inside a string, the previous byte was an unpaired backslash
    bool scalar_ = false;            // a bare number/true/false/null element: ends at a delimiter
    bool lone_object_ = false;       // the body is one object, not an array
    bool complete_ = false;          // set by scan_element when the element's last byte was read
    bool oversized_ = false;

    std::uint64_t elements_ = 0;
    std::uint64_t oversized_elements_ = 0;
    std::uint64_t truncated_elements_ = 0;
    std::uint64_t stray_bytes_ = 0;
};

}  // namespace tokentap::sse
