#include "tokentap/dialects/bedrock/bedrock_response.hpp"

#include <charconv>

#include "tokentap/dialects/bedrock/bedrock_usage.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::bedrock {

namespace {

// An AWS error type's short name: without a namespace ("aws.protocols#" / "com.amazon...#") and
// without the ":http://..." suffix the x-amzn-errortype header appends.
std::optional<std::string> short_error_type(std::string_view type) {
    if (const auto hash = type.rfind('#'); hash != std::string_view::npos) type.remove_prefix(hash + 1);
    if (const auto colon = type.find(':'); colon != std::string_view::npos) type = type.substr(0, colon);
    if (type.empty()) return std::nullopt;
    return std::string(type);
}

std::optional<std::int64_t> header_count(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n < 0 || n > max_token_count)
        return std::nullopt;
    return n;
}

// ---- Embedding sizes, counted without parsing the vectors. ----

// The number of elements of the array that opens at i, or nullopt.
std::optional<std::int64_t> array_size(const json_cursor& c, std::size_t i) {
    std::int64_t n = 0;
    i = c.skip_ws(i + 1);
    if (c.text(i, i + 1) == "]") return 0;
    while (true) {
        const auto end = c.skip_value(i);
        if (end == json_cursor::npos) return std::nullopt;
        ++n;
        i = c.skip_ws(end);
        const auto next = c.text(i, i + 1);
        if (next == "]") return n;
        if (next != ",") return std::nullopt;
        i = c.skip_ws(i + 1);
    }
}

// The size of the first vector in the value at i: a number array itself; else the first element
// of an array, or the `embedding` member (else the first member) of an object, looked into.
std::optional<std::int64_t> first_vector_size(const json_cursor& c, std::string_view text, std::size_t i,
                                              int depth = 0) {
    if (depth > 4 || i >= text.size()) return std::nullopt;
    if (text[i] == '[') {
        const auto first = c.skip_ws(i + 1);
        if (first < text.size() && (text[first] == '[' || text[first] == '{'))
            return first_vector_size(c, text, first, depth + 1);
        return array_size(c, i);
    }
    if (text[i] != '{') return std::nullopt;
    std::size_t embedding = json_cursor::npos, first_member = json_cursor::npos;
    c.for_each_member(i, [&](std::string_view key, std::size_t b, std::size_t) {
        if (first_member == json_cursor::npos) first_member = b;
        if (key == "embedding") embedding = b;
    });
    const auto next = embedding != json_cursor::npos ? embedding : first_member;
    return next == json_cursor::npos ? std::nullopt : first_vector_size(c, text, next, depth + 1);
}

// Titan `embedding` (or `embeddingsByType`), Cohere `embeddings` ([[...]] or {"float": [[...]]}),
// Nova `embeddings` ([{"embedding": [...]}]).
std::optional<std::int64_t> embedding_size(std::string_view text) {
    const json_cursor c(text);
    std::size_t at = json_cursor::npos;
    c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t) {
        if (at == json_cursor::npos && (key == "embedding" || key == "embeddings" || key == "embeddingsByType")) at = b;
    });
    return at == json_cursor::npos ? std::nullopt : first_vector_size(c, text, at);
}

void read_converse(const json& b, response_facts& f) {
    if (auto reason = string_field(&b, "stopReason")) f.finish_reasons = {*reason};
    if (const auto* u = field(b, "usage"); u && u->is_object()) f.usage = converse_counts(*u).to_usage();
    if (auto tier = string_field(field(b, "serviceTier"), "type")) f.service_tier = tier;
}

}  // namespace

bedrock_headers read_bedrock_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
    bedrock_headers h;
    for (const auto& [name, value] : headers) {
        if (name == "x-amzn-bedrock-input-token-count") h.input_tokens = header_count(value);
        else if (name == "x-amzn-bedrock-output-token-count") h.output_tokens = header_count(value);
        else if (name == "x-amzn-bedrock-cache-read-input-token-count") h.cache_read_tokens = header_count(value);
        else if (name == "x-amzn-bedrock-cache-write-input-token-count") h.cache_write_tokens = header_count(value);
        else if (name == "x-amzn-requestid" && !value.empty()) h.request_id = value;
        else if (name == "x-amzn-errortype") h.error_type = short_error_type(value);
    }
    return h;
}

void read_bedrock_response(const bedrock_call& call, std::string_view text, response_facts& f) {
    const bool converse = call.api == bedrock_api::converse || call.api == bedrock_api::converse_stream;
    const auto body = converse ? parse_members(text, {"stopReason", "usage", "serviceTier", "__type"})
                               : parse_invoke_members(text);
    if (!body.is_object()) {
        f.body_unreadable = true;
        return;
    }
    if (converse) {
        read_converse(body, f);
    } else {
        const bool ended = f.stream_ended;  // stream end markers mean nothing in a whole body
        invoke_reader reader;
        reader.read(body, f);
        f.stream_ended = ended;
        if (auto size = embedding_size(text)) f.embedding_dimensions = size;
    }
    // parse_invoke_members does not keep __type: error bodies are small, so look again only then.
    if (converse ? field(body, "__type") != nullptr : text.find("\"__type\"") != std::string_view::npos) {
        const auto type = parse_members(text, {"__type"});
        if (auto t = string_field(&type, "__type")) f.error_type = short_error_type(*t);
    }
}

void apply_bedrock_headers(const bedrock_headers& h, response_facts& f) {
    if (!f.usage.input && h.input_tokens) {
        bedrock_counts c{h.input_tokens, std::nullopt, h.cache_read_tokens, h.cache_write_tokens, std::nullopt};
        const auto u = c.to_usage();
        f.usage.input = u.input;
        if (!f.usage.cache_read) f.usage.cache_read = u.cache_read;
        if (!f.usage.cache_write) f.usage.cache_write = u.cache_write;
    }
    if (!f.usage.output && h.output_tokens) f.usage.output = h.output_tokens;
    if (!f.request_id && h.request_id) f.request_id = h.request_id;
    if (!f.error_type && h.error_type) f.error_type = h.error_type;
}

}  // namespace tokentap::dialects::bedrock
