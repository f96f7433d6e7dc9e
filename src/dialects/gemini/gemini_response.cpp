#include "tokentap/dialects/gemini/gemini_response.hpp"

#include <string>
#include <vector>

#include "tokentap/dialects/json_fields.hpp"
#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::gemini {

namespace {

constexpr std::size_t npos = json_cursor::npos;

// Where the members that matter start and end in one response object's text; npos when absent.
// `candidates` and the embeddings can be large (inline images, thousands of floats), so they are
// walked in place rather than built.
struct member_spans {
    std::size_t candidates = npos, candidates_end = 0;
    std::size_t embedding = npos, embedding_end = 0;
    std::size_t embeddings = npos, embeddings_end = 0;
};

// What one chunk (or a whole body) said, besides the facts it filled in.
struct chunk_result {
    bool readable = false;  // a JSON object whose members could be read
    bool finished = false;  // a candidate's finishReason was in it
};

void set_first(std::optional<std::string>& to, std::optional<std::string> v) {
    if (!to && v) to = std::move(v);
}

// Each count in `u` replaces the one kept so far; the others are kept (see the header).
void merge_usage(const json& u, usage_metadata_counts& c) {
    const auto keep = [&](std::optional<std::int64_t>& to, std::string_view key) {
        if (auto v = integer_field(&u, key)) to = v;
    };
    keep(c.prompt, "promptTokenCount");
    keep(c.candidates, "candidatesTokenCount");
    if (!field(u, "candidatesTokenCount")) keep(c.candidates, "responseTokenCount");  // newer proto name
    keep(c.thoughts, "thoughtsTokenCount");
    keep(c.cached, "cachedContentTokenCount");
    keep(c.tool_use_prompt, "toolUsePromptTokenCount");
    keep(c.total, "totalTokenCount");
    // Decidable only from one object that has all of these.
    const auto prompt = integer_field(&u, "promptTokenCount");
    const auto candidates = integer_field(&u, "candidatesTokenCount");
    const auto thoughts = integer_field(&u, "thoughtsTokenCount");
    const auto total = integer_field(&u, "totalTokenCount");
    if (prompt && candidates && thoughts && total && *thoughts > 0) {
        const auto tool_use = integer_field(&u, "toolUsePromptTokenCount").value_or(0);
        c.candidates_include_thoughts = *total == *prompt + tool_use + *candidates;
    }
}

token_usage usage_of(const usage_metadata_counts& c) {
    token_usage t;
    // Input is the prompt, as Gemini reports it; the tool-use prompt is kept apart (priced as input).
    t.input = c.prompt;
    t.tool_input = c.tool_use_prompt;
    if (c.candidates && c.candidates_include_thoughts) {
        t.output = c.candidates;
    } else if (c.candidates || c.thoughts) {
        t.output = c.candidates.value_or(0) + c.thoughts.value_or(0);
    }
    t.reasoning = c.thoughts;
    t.cache_read = c.cached;
    return t;
}

// Calls f(begin, end) for each element of the array that opens at i (and ends by `end`). Returns
// the index after its closing bracket, or npos when the text there is not an array in the
// json_cursor sense (strings closed, brackets balanced).
template <class F> std::size_t for_each_element(const json_cursor& c, std::size_t i, std::size_t end, F&& f) {
    if (i >= end || c.text(i, i + 1) != "[") return npos;
    for (i = c.skip_ws(i + 1); i < end && c.text(i, i + 1) != "]";) {
        const auto e = c.skip_value(i);
        if (e == npos || e <= i || e > end) return npos;  // e == i: a stray '}' or ':' where a value belongs
        f(i, e);
        i = c.skip_ws(e);
        if (i < end && c.text(i, i + 1) == ",") {
            i = c.skip_ws(i + 1);
        } else if (i < end && c.text(i, i + 1) != "]") {
            return npos;
        }
    }
    return i < end ? i + 1 : npos;
}

// One candidate's finishReason, put at its index. Returns whether it had one.
bool read_candidate(const json_cursor& c, std::size_t b, std::vector<std::string>& reasons, std::size_t position) {
    std::optional<std::string> reason;
    std::optional<std::int64_t> index;
    c.for_each_member(b, [&](std::string_view key, std::size_t vb, std::size_t ve) {
        if (key != "finishReason" && key != "index") return;
        const auto v = json::parse(c.text(vb, ve), nullptr, false);
        if (key == "finishReason" && v.is_string() && !v.get_ref<const std::string&>().empty())
            reason = v.get<std::string>();
        if (key == "index" && v.is_number_integer()) index = v.get<std::int64_t>();
    });
    if (!reason) return false;
    const auto at = index.value_or(static_cast<std::int64_t>(position));
    if (at < 0 || at > 1024) return false;
    if (reasons.size() <= static_cast<std::size_t>(at)) reasons.resize(static_cast<std::size_t>(at) + 1);
    reasons[static_cast<std::size_t>(at)] = std::move(*reason);
    return true;
}

bool read_candidates(const json_cursor& c, const member_spans& s, std::vector<std::string>& reasons) {
    bool finished = false;
    std::size_t position = 0;
    for_each_element(c, s.candidates, s.candidates_end, [&](std::size_t b, std::size_t) {
        finished |= read_candidate(c, b, reasons, position++);
    });
    return finished;
}

// The number of elements of the `values` array of the object that opens at b.
std::optional<std::int64_t> values_size(const json_cursor& c, std::size_t b) {
    std::optional<std::int64_t> n;
    c.for_each_member(b, [&](std::string_view key, std::size_t vb, std::size_t ve) {
        if (key != "values") return;
        std::int64_t count = 0;
        if (for_each_element(c, vb, ve, [&](std::size_t, std::size_t) { ++count; }) != npos) n = count;
    });
    return n;
}

std::optional<std::int64_t> embedding_size(const json_cursor& c, const member_spans& s) {
    if (s.embedding != npos) return values_size(c, s.embedding);
    std::optional<std::int64_t> n;
    bool first = true;
    for_each_element(c, s.embeddings, s.embeddings_end, [&](std::size_t b, std::size_t) {
        if (first) n = values_size(c, b);
        first = false;
    });
    return n;
}

// One GenerateContentResponse (or embeddings response, or error) object: a whole body, a stream
// chunk or an array element. The small members are parsed; the large ones walked in place.
chunk_result read_object(std::string_view text, response_facts& f, usage_metadata_counts& counts) {
    const json_cursor c(text);
    member_spans s;
    json small = json::object();
    bool bad = false;
    const auto end = c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t e) {
        if (key == "candidates") s.candidates = b, s.candidates_end = e;
        else if (key == "embedding") s.embedding = b, s.embedding_end = e;
        else if (key == "embeddings") s.embeddings = b, s.embeddings_end = e;
        else if (key == "usageMetadata" || key == "responseId" || key == "modelVersion" || key == "error") {
            auto v = json::parse(c.text(b, e), nullptr, false);
            if (v.is_discarded()) bad = true;
            else small[std::string(key)] = std::move(v);
        }
    });
    if (bad || end == npos || c.skip_ws(end) != text.size()) return {};

    chunk_result r{true, false};
    if (const auto* e = field(small, "error"); e && !e->is_null()) {
        f.error_type = error_type_of(small).value_or("_OTHER");
    }
    set_first(f.id, string_field(&small, "responseId"));
    set_first(f.model, string_field(&small, "modelVersion"));
    if (const auto* u = field(small, "usageMetadata"); u && u->is_object()) {
        merge_usage(*u, counts);
        f.usage = usage_of(counts);
    }
    r.finished = read_candidates(c, s, f.finish_reasons);
    if (auto n = embedding_size(c, s)) f.embedding_dimensions = n;
    return r;
}

}  // namespace

void read_gemini_response(gemini_api, std::string_view body, response_facts& f) {
    usage_metadata_counts counts;
    const json_cursor c(body);
    const auto open = c.skip_ws(0);
    if (open < body.size() && body[open] == '[') {
        // Elements in order, as a stream would deliver them.
        bool all_read = true;
        std::size_t n = 0;
        const auto end = for_each_element(c, open, body.size(), [&](std::size_t b, std::size_t e) {
            ++n;
            all_read &= read_object(c.text(b, e), f, counts).readable;
        });
        f.body_unreadable = end == npos || c.skip_ws(end) != body.size() || !all_read || n == 0;
        return;
    }
    if (!read_object(body, f, counts).readable) f.body_unreadable = true;
}

bool gemini_stream_reader::on_event(std::string_view, std::string_view data) {
    const auto r = read_object(data, facts_, counts_);
    if (!r.readable) {
        ++unreadable_;
        facts_.body_unreadable = true;
        return false;
    }
    if (r.finished) facts_.stream_ended = true;
    return false;
}

}  // namespace tokentap::dialects::gemini
