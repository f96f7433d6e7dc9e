#include "tokentap/telemetry/genai_tap.hpp"

#include "tokentap/ascii.hpp"
#include "tokentap/dialects/openai/include_usage.hpp"
#include "tokentap/dialects/openai/openai_endpoint.hpp"
#include "tokentap/field_values.hpp"
#include "tokentap/ratelimit/caller_key.hpp"
#include "tokentap/ratelimit/limit_headers.hpp"
#include "tokentap/telemetry/telemetry_pipeline.hpp"

namespace tokentap::telemetry {

namespace openai = dialects::openai;
using clock = std::chrono::steady_clock;

namespace {
// An event the filter cannot hold back whole (it is larger than this) is passed on unread.
constexpr std::size_t max_held_event = 1u << 20;
// The gaps between stream chunks kept for the time-per-chunk metric.
constexpr std::size_t max_chunk_gaps = 100000;

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// Appends to a kept body, or gives it up (truncated) once it would pass max_captured_body or the
// budget of all calls' bodies.
void keep(std::string& body, bool& truncated, std::string_view bytes, body_hold& hold) {
    if (truncated) return;
    if (body.size() + bytes.size() > max_captured_body || !hold.take(bytes.size())) {
        truncated = true;
        hold.give(body.size());
        std::string().swap(body);
        return;
    }
    body.append(bytes);
}
}  // namespace

genai_tap::genai_tap(telemetry_pipeline& pipeline, const config::route& route, std::string upstream_target)
    : pipeline_(pipeline), cap_(std::make_unique<exchange_capture>()) {
    cap_->provider = route.provider;
    cap_->server_address = route.upstream.host;
    cap_->server_port = route.upstream.port;
    cap_->upstream_tls = route.upstream.tls;
    cap_->upstream_target = std::move(upstream_target);
    cap_->hold = body_hold(pipeline.kept_bodies());
}

void genai_tap::classify(const http::request_header<>& head) {
    if (classified_) return;
    classified_ = true;
    cap_->endpoint = dialects::classify_endpoint(cap_->provider, head.method_string(), path_of(cap_->upstream_target));
    active_ = static_cast<bool>(cap_->endpoint);
    if (!active_) return;
    const auto values =
        first_field_values<4>(head, {"traceparent", "tracestate", "x-stainless-retry-count", "anthropic-beta"});
    cap_->traceparent = values[0];
    cap_->tracestate = values[1];
    cap_->retry_count = values[2];
    const auto target = head.target();
    cap_->api_key = std::string(ratelimit::find_api_key(head, std::string_view(target.data(), target.size())));
    if (cap_->endpoint.dialect == dialects::wire::anthropic) cap_->anthropic_beta = values[3];
}

bool genai_tap::rewrite_request_body(const http::request_header<>& head, std::string& body) {
    classify(head);
    const auto& ep = cap_->endpoint;
    if (ep.dialect != dialects::wire::openai) return false;
    const auto api = static_cast<openai::openai_api>(ep.api);
    if (api != openai::openai_api::chat_completions && api != openai::openai_api::completions) return false;
    auto rewritten = openai::add_include_usage(body);
    if (!rewritten) return false;
    if (cap_->hold.take(body.size())) {
        cap_->request_body = std::move(body);  // the client's own body is what telemetry reads
    } else {
        cap_->request_truncated = true;
    }
    body = std::move(*rewritten);
    injected_ = true;
    return true;
}

void genai_tap::on_request(const http::request_header<>& head, std::string_view body) {
    classify(head);
    if (!active_ || injected_) return;
    if (body.size() > max_captured_body || !cap_->hold.take(body.size())) {
        cap_->request_truncated = true;
        return;
    }
    cap_->request_body.assign(body);
}

void genai_tap::on_request_chunk(std::string_view bytes) {
    if (active_) keep(cap_->request_body, cap_->request_truncated, bytes, cap_->hold);
}

void genai_tap::on_response_head(const proxy::response_head& head) {
    if (!active_) return;
    const bool bedrock = cap_->endpoint.dialect == dialects::wire::bedrock;
    // One pass over the fields; the first of each of the two it looks for.
    std::optional<std::string_view> encoding, type;
    for (const auto f : head) {
        if (f.code == http::field::content_encoding) {
            if (!encoding) encoding = f.value;
            continue;
        }
        if (f.code == http::field::content_type) {
            if (!type) type = f.value;
            continue;
        }
        if (ratelimit::is_limit_header(f.name) ||
            (bedrock && (istarts_with(f.name, "x-amzn-bedrock-") || iequals(f.name, "x-amzn-requestid") ||
                         iequals(f.name, "x-amzn-errortype"))))
            cap_->response_headers.emplace_back(to_lower_ascii(f.name), std::string(f.value));
    }
    cap_->content_encoding = std::string(encoding.value_or(""));
    const auto framing =
        head.status() < 300 ? dialects::stream_framing_of(cap_->endpoint, type.value_or("")) : std::nullopt;
    cap_->streamed = framing.has_value();
    if (!cap_->streamed) return;
    reader_ = dialects::make_stream_reader(cap_->endpoint);
    decoder_.emplace(*framing);
    if (!decodable_encoding(cap_->content_encoding)) {
        cap_->stream_decode_failed = true;
        return;
    }
    const bool identity = cap_->content_encoding.empty() || iequals(cap_->content_encoding, "identity");
    if (!identity) inflater_.emplace(cap_->content_encoding);
    // An encoded stream cannot lose a chunk without being re-encoded: it keeps its usage chunk.
    filtering_ = injected_ && identity;
}

void genai_tap::read_event(std::string_view name, std::string_view data) {
    const auto now = clock::now();
    if (first_chunk_ == clock::time_point{}) {
        first_chunk_ = now;
    } else if (cap_->chunk_gaps.size() < max_chunk_gaps) {
        cap_->chunk_gaps.push_back(std::chrono::duration<float>(now - last_chunk_).count());
    }
    last_chunk_ = now;
    if (reader_->on_event(name, data) && filtering_) drop_event_ = true;
}

void genai_tap::read_stream_bytes(std::string_view bytes) {
    auto on_event = [this](std::string_view name, std::string_view data) { read_event(name, data); };
    if (!inflater_) {
        decoder_->feed(bytes, on_event);
        return;
    }
    decoded_.clear();
    if (!inflater_->feed(bytes, decoded_, max_captured_body)) {
        cap_->stream_decode_failed = true;
        inflater_.reset();
        reader_.reset();
        return;
    }
    decoder_->feed(decoded_, on_event);
}

// The event held in pending_ is complete: read it, and pass it on unless it is the usage-only
// chunk that tokentap asked for.
void genai_tap::complete_event(std::string& out) {
    drop_event_ = false;
    decoder_->feed(pending_, [this](std::string_view name, std::string_view data) { read_event(name, data); });
    if (!drop_event_) out += pending_;
    pending_.clear();
}

void genai_tap::filter_response_chunk(std::string_view in, std::string& out, bool last) {
    out.clear();
    std::size_t start = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '\n' && prev_cr_) {  // the LF of a CRLF: the line already ended at the CR
            prev_cr_ = false;
            continue;
        }
        prev_cr_ = c == '\r';
        if (c != '\r' && c != '\n') {
            ++line_len_;
            event_has_content_ = true;
            continue;
        }
        if (line_len_ == 0 && event_has_content_) {  // a blank line ends the event
            pending_.append(in.substr(start, i + 1 - start));
            start = i + 1;
            complete_event(out);
            event_has_content_ = false;
        }
        line_len_ = 0;
    }
    pending_.append(in.substr(start));
    if (pending_.size() > max_held_event || last) {
        decoder_->feed(pending_, [this](std::string_view name, std::string_view data) { read_event(name, data); });
        out += pending_;
        pending_.clear();
    }
}

void genai_tap::on_response_chunk(std::string_view bytes) {
    if (!active_) return;
    if (cap_->streamed) {
        if (reader_ && !filtering_) read_stream_bytes(bytes);
        return;
    }
    keep(cap_->response_body, cap_->response_truncated, bytes, cap_->hold);
}

void genai_tap::on_finish(const proxy::exchange_record& record) {
    if (!active_) return;
    if (reader_ && decoder_) {
        decoder_->finish([this](std::string_view name, std::string_view data) { read_event(name, data); });
        cap_->stream_facts = std::move(reader_->facts());
        cap_->unreadable_events = reader_->unreadable_events();
    }
    if (decoder_) cap_->framing_problems = decoder_->problems();
    if (first_chunk_ != clock::time_point{} && record.upstream_sent != clock::time_point{})
        cap_->time_to_first_chunk = std::chrono::duration<double>(first_chunk_ - record.upstream_sent).count();
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    const auto steady_now = clock::now();
    auto unix_ns = [&](clock::time_point t) {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(wall - (steady_now - t)).count());
    };
    cap_->start_unix_ns = unix_ns(record.start);
    cap_->end_unix_ns = unix_ns(record.end);
    if (!record.attempts.empty()) {  // the upstream that answered last (a fallback, maybe)
        const auto& last = record.attempts.back();
        cap_->server_address = last.host;
        cap_->server_port = last.port;
        cap_->upstream_tls = last.tls;
        cap_->upstream_target = last.target;
    }
    cap_->record = record;
    pipeline_.submit(std::move(cap_));
    active_ = false;
}

}  // namespace tokentap::telemetry
