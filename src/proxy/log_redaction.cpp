#include "tokentap/proxy/log_redaction.hpp"

#include <boost/beast/core/string.hpp>

#include <array>

namespace tokentap::proxy {

namespace {
bool secret_param(std::string_view name) {
    static constexpr std::array<std::string_view, 8> names = {
        "key", "api-key", "api_key", "access_token", "sig",
        "x-amz-signature", "x-amz-credential", "x-amz-security-token"};
    for (auto n : names)
        if (boost::beast::iequals(name, n)) return true;
    return false;
}
}  // namespace

std::string redact_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    auto query = target.substr(q + 1);
    bool first = true;
    while (true) {
        const auto amp = query.find('&');
        const auto param = query.substr(0, amp);
        if (!first) out.push_back('&');
        first = false;
        const auto eq = param.find('=');
        if (eq != std::string_view::npos && secret_param(param.substr(0, eq))) {
            out.append(param.substr(0, eq + 1)).append("REDACTED");
        } else {
            out.append(param);
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return out;
}

}  // namespace tokentap::proxy
