#include "tokentap/proxy/wire_writer.hpp"

namespace tokentap::proxy {

namespace {
std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

void append_version(std::string& out, unsigned version) {
    out.append("HTTP/");
    out += static_cast<char>('0' + version / 10);
    out += '.';
    out += static_cast<char>('0' + version % 10);
}

void append_fields(std::string& out, const http::fields& fields) {
    for (const auto& f : fields) out.append(view(f.name_string())).append(": ").append(view(f.value())).append("\r\n");
    out.append("\r\n");
}

constexpr std::size_t typical_head = 512;
}  // namespace

std::string serialize_head(const http::request_header<>& head) {
    std::string out;
    out.reserve(typical_head);
    out.append(view(head.method_string())).append(" ").append(view(head.target())).append(" ");
    append_version(out, head.version());
    out.append("\r\n");
    append_fields(out, head);
    return out;
}

std::string serialize_head(const http::response_header<>& head) {
    std::string out;
    out.reserve(typical_head);
    append_version(out, head.version());
    const unsigned code = head.result_int();
    out += ' ';
    out += static_cast<char>('0' + code / 100 % 10);
    out += static_cast<char>('0' + code / 10 % 10);
    out += static_cast<char>('0' + code % 10);
    out += ' ';
    out.append(view(head.reason())).append("\r\n");
    append_fields(out, head);
    return out;
}

}  // namespace tokentap::proxy
