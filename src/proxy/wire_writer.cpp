#include "tokentap/proxy/wire_writer.hpp"

#include "tokentap/proxy/http_headers.hpp"

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

std::string forwarded_head(const response_head& head, const response_framing& framing) {
    std::string out;
    out.reserve(typical_head + head.lines(0, head.size()).size());
    append_version(out, 11);
    const unsigned code = head.status();
    out += ' ';
    out += static_cast<char>('0' + code / 100 % 10);
    out += static_cast<char>('0' + code / 10 % 10);
    out += static_cast<char>('0' + code % 10);
    out += ' ';
    const auto reason = head.reason();
    if (reason.empty()) out.append(view(http::obsolete_reason(static_cast<http::status>(code))));
    else out.append(reason);
    out.append("\r\n");
    // The lines of the fields that go on, in runs: usually the ones before the Connection field
    // and the ones after it.
    const auto named = hop_by_hop_names(head);
    std::size_t run = 0;
    for (std::size_t i = 0; i < head.size(); ++i) {
        const auto f = head[i];
        if (is_hop_by_hop(f, named) ||
            ((framing.drop_length || framing.chunked) && f.code == http::field::content_length)) {
            out.append(head.lines(run, i));
            run = i + 1;
        }
    }
    out.append(head.lines(run, head.size()));
    if (framing.chunked) out.append("Transfer-Encoding: chunked\r\n");
    if (framing.close) out.append("Connection: close\r\n");
    out.append("\r\n");
    return out;
}

}  // namespace tokentap::proxy
