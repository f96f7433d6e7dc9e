#pragma once
// Reads an upstream's response: Beast's parser checks the syntax and works out the framing, the
// head goes into a flat response_head (response_head.hpp), and the body into a window the caller
// sets before each parse, as Beast's buffer_body does: body().data and body().size move on as
// bytes are copied, and a full window stops the parse with http::error::need_buffer.

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>

#include "tokentap/proxy/response_head.hpp"

namespace tokentap::proxy {

class response_head_parser : public http::basic_parser<false> {
public:
    struct window {
        void* data = nullptr;  // nullptr: no room yet (need_buffer)
        std::size_t size = 0;
    };

    const response_head& head() const { return head_; }
    window& body() { return body_; }

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(http::verb, string_view, string_view, int, error_code&) override {}  // not a request
    void on_response_impl(int code, string_view reason, int version, error_code&) override {
        head_.start(static_cast<unsigned>(code), std::string_view(reason.data(), reason.size()),
                    static_cast<unsigned>(version));
    }
    void on_field_impl(http::field code, string_view name, string_view value, error_code&) override {
        head_.add(code, std::string_view(name.data(), name.size()), std::string_view(value.data(), value.size()));
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view bytes, error_code& ec) override { return take(bytes, ec); }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view bytes, error_code& ec) override {
        return take(bytes, ec);
    }
    void on_finish_impl(error_code&) override {}

    std::size_t take(string_view bytes, error_code& ec);

    response_head head_;
    window body_;
};

}  // namespace tokentap::proxy
