#include "tokentap/proxy/response_head.hpp"

#include <boost/beast/core/string.hpp>

#include <cstring>

#include "tokentap/proxy/response_head_parser.hpp"

namespace tokentap::proxy {

namespace {
// Room for the reason and the fields of a typical provider response, to fill without growing.
constexpr std::size_t typical_text = 1024;
constexpr std::size_t typical_fields = 24;
}  // namespace

std::string_view response_head::value_of(http::field code) const {
    for (std::size_t i = 0; i < fields_.size(); ++i)
        if (fields_[i].code == code) return (*this)[i].value;
    return {};
}

std::string_view response_head::value_of(std::string_view name) const {
    for (const auto f : *this)
        if (boost::beast::iequals(f.name, name)) return f.value;
    return {};
}

void response_head::start(unsigned status, std::string_view reason, unsigned version) {
    status_ = status;
    version_ = version;
    reason_.assign(reason);
    text_.clear();
    fields_.clear();
    if (text_.capacity() < typical_text) text_.reserve(typical_text);
    if (fields_.capacity() < typical_fields) fields_.reserve(typical_fields);
}

void response_head::add(http::field code, std::string_view name, std::string_view value) {
    // Offsets, not views: the text may move as it grows. Beast's header_limit bounds the sizes.
    const auto at = text_.size();
    text_.resize(at + name.size() + value.size() + 4);
    char* out = text_.data() + at;
    std::memcpy(out, name.data(), name.size());
    out += name.size();
    *out++ = ':';
    *out++ = ' ';
    std::memcpy(out, value.data(), value.size());
    out += value.size();
    *out++ = '\r';
    *out = '\n';
    fields_.push_back({code, static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(name.size()),
                       static_cast<std::uint32_t>(value.size())});
}

std::size_t response_head_parser::take(string_view bytes, error_code& ec) {
    if (!body_.data) {
        ec = http::error::need_buffer;
        return 0;
    }
    const auto n = std::min(bytes.size(), body_.size);
    if (n > 0) std::memcpy(body_.data, bytes.data(), n);
    body_.data = static_cast<char*>(body_.data) + n;
    body_.size -= n;
    if (n < bytes.size()) ec = http::error::need_buffer;
    return n;
}

}  // namespace tokentap::proxy
