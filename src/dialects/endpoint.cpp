#include "tokentap/dialects/endpoint.hpp"

#include "tokentap/dialects/anthropic/anthropic_request.hpp"
#include "tokentap/dialects/anthropic/anthropic_response.hpp"
#include "tokentap/dialects/bedrock/bedrock_request.hpp"
#include "tokentap/dialects/bedrock/bedrock_response.hpp"
#include "tokentap/dialects/gemini/gemini_request.hpp"
#include "tokentap/dialects/gemini/gemini_response.hpp"
#include "tokentap/dialects/openai/openai_request.hpp"
#include "tokentap/dialects/openai/openai_response.hpp"

namespace tokentap::dialects {

namespace {

template <class Api> Api api_of(const endpoint& e) { return static_cast<Api>(e.api); }

gemini::gemini_call gemini_call_of(const endpoint& e) {
    gemini::gemini_call call{api_of<gemini::gemini_api>(e), std::nullopt};
    if (!e.path_model.empty()) call.model = e.path_model;
    return call;
}

bedrock::bedrock_call bedrock_call_of(const endpoint& e) {
    return bedrock::bedrock_call{api_of<bedrock::bedrock_api>(e), e.path_model};
}

bool has_type(std::string_view content_type, std::string_view type) {
    const auto end = content_type.find(';');
    auto media = content_type.substr(0, end);
    while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
    if (media.size() != type.size()) return false;
    for (std::size_t i = 0; i < media.size(); ++i) {
        const char c = media[i] >= 'A' && media[i] <= 'Z' ? static_cast<char>(media[i] - 'A' + 'a') : media[i];
        if (c != type[i]) return false;
    }
    return true;
}

}  // namespace

endpoint classify_endpoint(std::string_view provider, std::string_view method, std::string_view path) {
    // Bedrock's paths (/model/{id}/converse, /invoke, ...) are its own; its OpenAI-compatible
    // endpoint (/openai/v1/chat/completions) falls through to the OpenAI dialect below.
    if (auto b = bedrock::classify_bedrock_path(method, path); b.api != bedrock::bedrock_api::none)
        return {wire::bedrock, static_cast<std::uint8_t>(b.api), std::move(b.model_id)};
    if (provider == "aws.bedrock" && path.find("/model/") != std::string_view::npos)
        return {wire::bedrock, 0, {}};  // a Bedrock call telemetry does not read (GET, count tokens, ...)

    if (auto g = gemini::classify_gemini_path(method, path); g.api != gemini::gemini_api::none)
        return {wire::gemini, static_cast<std::uint8_t>(g.api), g.model.value_or(std::string{})};
    if (const auto colon = path.rfind(':'); colon != std::string_view::npos &&
                                            path.find("/models/") != std::string_view::npos &&
                                            colon > path.find("/models/"))
        return {wire::gemini, 0, {}};  // :countTokens, :predict, ... forwarded untouched

    if (const auto a = anthropic::classify_anthropic_path(method, path); a != anthropic::anthropic_api::none)
        return {wire::anthropic, static_cast<std::uint8_t>(a), {}};
    if (provider == "anthropic") return {wire::anthropic, 0, {}};  // count_tokens, models, batches, ...

    return {wire::openai, static_cast<std::uint8_t>(openai::classify_openai_path(method, path)), {}};
}

request_facts read_request(const endpoint& e, std::string_view path, std::string_view body) {
    switch (e.dialect) {
        case wire::anthropic: return anthropic::read_anthropic_request(api_of<anthropic::anthropic_api>(e), body);
        case wire::gemini: return gemini::read_gemini_request(gemini_call_of(e), body);
        case wire::bedrock: return bedrock::read_bedrock_request(bedrock_call_of(e), body);
        case wire::openai: break;
    }
    return openai::read_openai_request(api_of<openai::openai_api>(e), path, body);
}

void read_response(const endpoint& e, std::string_view body, response_facts& f) {
    switch (e.dialect) {
        case wire::anthropic: anthropic::read_anthropic_response(api_of<anthropic::anthropic_api>(e), body, f); return;
        case wire::gemini: gemini::read_gemini_response(api_of<gemini::gemini_api>(e), body, f); return;
        case wire::bedrock: bedrock::read_bedrock_response(bedrock_call_of(e), body, f); return;
        case wire::openai: break;
    }
    openai::read_openai_response(api_of<openai::openai_api>(e), body, f);
}

bool streams_json_array(const endpoint& e) {
    return e.dialect == wire::gemini && api_of<gemini::gemini_api>(e) == gemini::gemini_api::stream_generate;
}

std::optional<stream_framing> stream_framing_of(const endpoint& e, std::string_view content_type) {
    if (has_type(content_type, "text/event-stream")) return stream_framing::sse;
    if (has_type(content_type, "application/vnd.amazon.eventstream")) return stream_framing::aws_eventstream;
    if (streams_json_array(e) && (content_type.empty() || has_type(content_type, "application/json")))
        return stream_framing::json_array;
    return std::nullopt;
}

std::unique_ptr<event_reader> make_stream_reader(const endpoint& e) {
    switch (e.dialect) {
        case wire::anthropic: return std::make_unique<anthropic::anthropic_stream_reader>();
        case wire::gemini: return std::make_unique<gemini::gemini_stream_reader>();
        case wire::bedrock: return std::make_unique<bedrock::bedrock_stream_reader>(bedrock_call_of(e));
        case wire::openai: break;
    }
    return std::make_unique<openai::openai_stream_reader>(api_of<openai::openai_api>(e));
}

}  // namespace tokentap::dialects
