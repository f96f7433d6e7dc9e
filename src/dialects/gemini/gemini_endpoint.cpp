#include "tokentap/dialects/gemini/gemini_endpoint.hpp"

#include "tokentap/percent_decode.hpp"

namespace tokentap::dialects::gemini {

namespace {

// Method names as the Gemini API and Vertex AI REST references spell them (case-sensitive).
gemini_api api_of_method(std::string_view method) {
    if (method == "generateContent") return gemini_api::generate;
    if (method == "streamGenerateContent") return gemini_api::stream_generate;
    if (method == "embedContent") return gemini_api::embed;
    if (method == "batchEmbedContents") return gemini_api::batch_embed;
    return gemini_api::none;
}

// The collections whose members can be called: Gemini API and Vertex publisher models, Gemini API
// tuned models, Vertex endpoints (tuned or deployed models).
bool is_model_collection(std::string_view segment) {
    return segment == "models" || segment == "tunedModels" || segment == "endpoints";
}

}  // namespace

gemini_call classify_gemini_path(std::string_view method, std::string_view path) {
    if (method != "POST") return {};
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return {};
    auto parent = path.substr(0, slash);
    const auto parent_slash = parent.rfind('/');
    if (parent_slash != std::string_view::npos) parent.remove_prefix(parent_slash + 1);
    if (!is_model_collection(parent)) return {};

    // Decoded first: some clients send the colon as %3A.
    const auto last = percent_decode(path.substr(slash + 1));
    const auto colon = last.rfind(':');
    if (colon == std::string::npos || colon == 0) return {};
    const auto api = api_of_method(std::string_view(last).substr(colon + 1));
    if (api == gemini_api::none) return {};
    return {api, last.substr(0, colon)};
}

}  // namespace tokentap::dialects::gemini
