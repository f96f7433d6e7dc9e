#include "tokentap/dialects/anthropic/anthropic_endpoint.hpp"

namespace tokentap::dialects::anthropic {

anthropic_api classify_anthropic_path(std::string_view method, std::string_view path) {
    if (method != "POST") return anthropic_api::none;
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    // The tails start with '/', so they match whole segments only (not ".../xv1/messages").
    if (path.ends_with("/v1/messages")) return anthropic_api::messages;
    if (path.ends_with("/v1/complete")) return anthropic_api::complete;
    return anthropic_api::none;
}

}  // namespace tokentap::dialects::anthropic
