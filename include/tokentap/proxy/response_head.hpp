#pragma once
// An upstream's response head as the proxy keeps it: the status line, and the fields in the order
// and spelling they came, as the lines they are on the wire, in one buffer, with no index. The
// proxy reads a few fields and sends the rest on, most of them in one piece, so it has no use for
// Beast's basic_fields: a tree of case-insensitive names with an allocation for each field, which
// cost about 900 instructions a field to fill (providers send 15 to 30). Pure.

#include <boost/beast/http/field.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tokentap::proxy {

namespace http = boost::beast::http;

struct head_field {
    http::field code;  // http::field::unknown for a name Beast does not know
    std::string_view name;  // as received
    std::string_view value;
};

class response_head {
public:
    unsigned status() const { return status_; }
    unsigned version() const { return version_; }  // 10 for HTTP/1.0, 11 for HTTP/1.1
    std::string_view reason() const { return reason_; }  // may be empty

    std::size_t size() const { return fields_.size(); }
    head_field operator[](std::size_t i) const {
        const auto& e = fields_[i];
        return {e.code, std::string_view(text_).substr(e.at, e.name_size),
                std::string_view(text_).substr(e.at + e.name_size + 2, e.value_size)};
    }
    // Field i as it goes on the wire, "name: value\r\n"; lines(i, j) gives fields i to j - 1 in one view.
    std::string_view lines(std::size_t i, std::size_t j) const {
        const std::size_t begin = i < fields_.size() ? fields_[i].at : text_.size();
        const std::size_t end = j < fields_.size() ? fields_[j].at : text_.size();
        return std::string_view(text_).substr(begin, end - begin);
    }
    // The value of the first field with this name (case-insensitive), as Beast's header[name]
    // gives it; empty when there is none.
    std::string_view value_of(http::field code) const;
    std::string_view value_of(std::string_view name) const;

    class iterator {
    public:
        iterator(const response_head& h, std::size_t i) : h_(&h), i_(i) {}
        head_field operator*() const { return (*h_)[i_]; }
        iterator& operator++() {
            ++i_;
            return *this;
        }
        bool operator==(const iterator& o) const { return i_ == o.i_; }

    private:
        const response_head* h_;
        std::size_t i_;
    };
    iterator begin() const { return {*this, 0}; }
    iterator end() const { return {*this, fields_.size()}; }

    // Building one (the parser does, field by field); start() clears the fields.
    void start(unsigned status, std::string_view reason, unsigned version);
    void add(http::field code, std::string_view name, std::string_view value);

private:
    struct entry {
        http::field code;
        std::uint32_t at, name_size, value_size;  // the line at `at`: name ": " value "\r\n"
    };
    unsigned status_ = 0;
    unsigned version_ = 11;
    std::string reason_;
    std::string text_;  // the fields' lines, one after the other
    std::vector<entry> fields_;
};

}  // namespace tokentap::proxy
