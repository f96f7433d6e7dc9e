#pragma once
// JSON values read where they lie: a view of one value's text, with member lookup and typed reads
// that build nothing. For the readers that take a few fields out of every body and stream chunk
// (OpenAI's and the OpenAI-compatible servers', most of the traffic): a parse into nlohmann
// objects cost them a map node and often a string per member, more than everything else
// telemetry does per call.
//
// Reads give what nlohmann's parse of the same text gives, under json_fields.hpp's rules; the
// scalars off the common path (escapes, non-ASCII, fractions, exponents, long integers) are
// handed to nlohmann. Member names are compared as written: no provider escapes a member name.
// Pure; the text is untrusted, and nothing reads past its end.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects {

class json_object;

// One JSON value's text, from its first character to its last (no whitespace around), or absent.
// Lookups and reads on text that is not what they expect give absent, nullopt or nothing.
class json_text {
public:
    json_text() = default;  // absent
    explicit json_text(std::string_view raw) : raw_(raw) {}

    bool present() const { return !raw_.empty(); }
    bool is_object() const { return first() == '{'; }
    bool is_array() const { return first() == '['; }
    bool is_string() const { return first() == '"'; }
    bool is_null() const { return raw_ == "null"; }
    bool is_empty_array() const;
    std::string_view raw() const { return raw_; }

    // The member `key` of this object (the last one, as a parser keeps); absent when this is not an
    // object or has no such member. Walks the object: for several members, members() walks once.
    json_text operator[](std::string_view key) const;
    // The members named `keys` (at most json_object::capacity names), found in one walk.
    json_object members(std::initializer_list<std::string_view> keys) const;
    // Calls f(json_text) for each element, when this is an array.
    template <class F> void for_each_element(F&& f) const {
        if (!is_array()) return;
        const json_cursor c(raw_);
        c.for_each_element(0, [&](std::size_t b, std::size_t e) { f(json_text(c.text(b, e))); });
    }

    std::optional<std::string> string() const;      // a non-empty string (string_field)
    std::optional<std::string> any_string() const;  // a string, empty too
    std::optional<std::int64_t> integer() const;    // an integer, or a float with an integral value (integer_field)
    std::optional<double> number() const;           // any number (number_field)
    std::optional<bool> boolean() const;
    // A string, or the strings of an array (`stop`), as a list (string_list_field).
    std::optional<std::vector<std::string>> string_list() const;

private:
    char first() const { return raw_.empty() ? '\0' : raw_.front(); }
    std::string_view raw_;
};

// The named members of one object, found in one walk; absent for the names it lacks. Holds the
// members found (at most `capacity` distinct names), not the names looked for.
class json_object {
public:
    static constexpr std::size_t capacity = 24;

    json_object() = default;  // no members; not readable
    json_text operator[](std::string_view key) const;
    // False when the text read was not an object (or, from read_object, not one it could read).
    bool readable() const { return readable_; }

private:
    friend class json_text;
    friend json_object read_object(std::string_view, std::initializer_list<std::string_view>, const reduced_array*);
    void put(std::string_view key, json_text value);  // a repeated name replaces the value, as a parser does

    std::array<std::pair<std::string_view, json_text>, capacity> found_;
    std::size_t size_ = 0;
    bool readable_ = false;
};

// Whether `value` (no whitespace around it) is one JSON value that nlohmann's parser accepts,
// checked in place.
bool well_formed(std::string_view value);

// `text` when it is one well-formed JSON value with nothing but whitespace around it, else absent.
json_text read_json(std::string_view text);

// The members `keys` of the JSON object `text`, as parse_members (json_scan.hpp) would read them:
// not readable when `text` is not one object, or a named member is not well-formed JSON; the other
// members are only skipped. `reduced` names a member whose array's object elements are checked
// only for their own named members.
json_object read_object(std::string_view text, std::initializer_list<std::string_view> keys,
                        const reduced_array* reduced = nullptr);

// The plain scalars every reader meets, recognised without a parser: text with no escapes and
// only printable ASCII, a string of it (quotes included in `quoted`), and an integer as JSON
// writes it with at most 18 digits. Others go to nlohmann.
bool plain_text(std::string_view text);
bool plain_string(std::string_view quoted);
std::optional<std::int64_t> plain_integer(std::string_view text);

}  // namespace tokentap::dialects
