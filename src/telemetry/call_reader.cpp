#include "tokentap/telemetry/call_reader.hpp"

#include <charconv>
#include <chrono>
#include <functional>

#include "tokentap/dialects/bedrock/bedrock_response.hpp"
#include "tokentap/dialects/endpoint.hpp"
#include "tokentap/proxy/log_redaction.hpp"
#include "tokentap/ratelimit/caller_key.hpp"
#include "tokentap/sse/stream_decoder.hpp"
#include "tokentap/telemetry/body_decoding.hpp"
#include "tokentap/telemetry/genai_tap.hpp"

namespace tokentap::telemetry {

namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string url_of(bool tls, const std::string& host, std::uint16_t port, std::string_view target) {
    std::string url = tls ? "https://" : "http://";
    url += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != (tls ? 443 : 80)) url += ":" + std::to_string(port);
    return url + proxy::redact_target(target);
}

std::string url_of(const exchange_capture& c) {
    return url_of(c.upstream_tls, c.server_address, c.server_port, c.upstream_target);
}

// error.type for an exchange that did not complete over HTTP.
std::string transport_error_of(proxy::exchange_outcome o) {
    switch (o) {
        case proxy::exchange_outcome::completed: return "";
        case proxy::exchange_outcome::client_gone: return "cancelled";
        case proxy::exchange_outcome::upstream_timeout: return "timeout";
        case proxy::exchange_outcome::upstream_unreachable: return "upstream_unreachable";
        case proxy::exchange_outcome::upstream_tls_error: return "upstream_tls_error";
        case proxy::exchange_outcome::upstream_error: return "upstream_error";
        case proxy::exchange_outcome::client_error: return "client_error";
    }
    return "_OTHER";
}

std::vector<http_attempt> attempts_of(const exchange_capture& cap) {
    std::vector<http_attempt> out;
    const auto& rec = cap.record;
    auto unix_ns = [&](proxy::steady_time t) {
        return cap.start_unix_ns + static_cast<std::uint64_t>(std::max<std::int64_t>(
                                       0, std::chrono::duration_cast<std::chrono::nanoseconds>(t - rec.start).count()));
    };
    for (const auto& a : rec.attempts) {
        http_attempt h{url_of(a.tls, a.host, a.port, a.target), a.host, a.port, a.status, {}, unix_ns(a.start), unix_ns(a.end)};
        if (a.status >= 400) h.error = std::to_string(a.status);
        else if (a.status == 0) h.error = transport_error_of(a.outcome);
        out.push_back(std::move(h));
    }
    return out;
}

bool looks_like_sse(std::string_view body) {
    const auto start = body.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    body.remove_prefix(start);
    return body.starts_with("data:") || body.starts_with("event:") || body.starts_with(":");
}

// A stream that came whole: an SSE body sent with a JSON content type, or a Gemini JSON-array
// stream that was not read as it flowed.
void read_stream_body(const dialects::endpoint& ep, sse::stream_framing framing, std::string_view body, genai_call& call) {
    sse::stream_decoder decoder(framing);
    auto reader = dialects::make_stream_reader(ep);
    auto on_event = [&](std::string_view name, std::string_view data) { reader->on_event(name, data); };
    decoder.feed(body, on_event);
    decoder.finish(on_event);
    call.response = std::move(reader->facts());
    call.streamed = true;
    call.request.stream = true;
    if (reader->unreadable_events() > 0 || decoder.problems() > 0) call.incomplete = true;
}

void read_whole_response(exchange_capture& cap, genai_call& call) {
    if (cap.record.bytes_down == 0 && cap.response_body.empty()) return;  // no body (HEAD, 204, an error before it)
    if (cap.response_truncated) {
        call.incomplete = true;
        return;
    }
    const auto decoded = decode_body(cap.content_encoding, cap.response_body, max_captured_body);
    if (!decoded) {
        call.incomplete = true;
        return;
    }
    if (cap.endpoint.dialect != dialects::wire::bedrock && looks_like_sse(*decoded)) {  // a stream sent as JSON
        read_stream_body(cap.endpoint, sse::stream_framing::sse, *decoded, call);
        return;
    }
    dialects::read_response(cap.endpoint, *decoded, call.response);
    // A 429 from Gemini or Vertex AI says when to retry in its body (RetryInfo.retryDelay).
    if (cap.record.status >= 400 && !call.limits.retry_after_seconds)
        call.limits.retry_after_seconds = ratelimit::read_retry_delay(*decoded);
    // A non-JSON error page (a proxy's HTML 502) is still an error; a 2xx that is not JSON is unreadable.
    if (call.response.body_unreadable && cap.record.status < 400) call.incomplete = true;
}

}  // namespace

genai_call read_call(exchange_capture&& cap) {
    genai_call call;
    call.provider = std::move(cap.provider);
    call.server_address = cap.server_address;
    call.server_port = cap.server_port;
    call.url_full = url_of(cap);
    call.request = dialects::read_request(cap.endpoint, path_of(cap.upstream_target), cap.request_body);
    call.request_hash = std::hash<std::string_view>{}(cap.request_body);
    if (!cap.response_headers.empty())
        call.limits = ratelimit::read_limit_headers(cap.response_headers, std::chrono::system_clock::now());
    call.incomplete = cap.request_truncated || call.request.body_unreadable;
    call.status = cap.record.status;
    call.transport_error = transport_error_of(cap.record.outcome);
    if (cap.streamed) {
        call.streamed = true;
        call.request.stream = true;
        if (cap.stream_facts) call.response = std::move(*cap.stream_facts);
        if (cap.stream_decode_failed || cap.unreadable_events > 0 || cap.framing_problems > 0) call.incomplete = true;
        call.time_to_first_chunk = cap.time_to_first_chunk;
        call.chunk_gaps = std::move(cap.chunk_gaps);
    } else {
        read_whole_response(cap, call);
    }
    if (cap.endpoint.dialect == dialects::wire::bedrock)
        dialects::bedrock::apply_bedrock_headers(dialects::bedrock::read_bedrock_headers(cap.response_headers), call.response);
    if (!cap.anthropic_beta.empty()) call.anthropic_beta = std::move(cap.anthropic_beta);
    call.start_unix_ns = cap.start_unix_ns;
    call.end_unix_ns = cap.end_unix_ns;
    if (auto p = parse_traceparent(cap.traceparent)) {
        call.parent = *p;
        call.trace_state = propagated_tracestate(cap.tracestate);
    }
    std::int64_t retries = 0;
    const auto& rc = cap.retry_count;
    if (std::from_chars(rc.data(), rc.data() + rc.size(), retries).ec == std::errc{} && retries > 0)
        call.resend_count = retries;
    call.caller = ratelimit::caller_hash(cap.api_key);
    call.attempts = attempts_of(cap);
    return call;
}

}  // namespace tokentap::telemetry
