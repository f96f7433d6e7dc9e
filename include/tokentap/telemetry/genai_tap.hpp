#pragma once
// The exchange observer of a route with telemetry: on the request path it keeps what telemetry
// needs (bounded copies of the bodies, a stream's facts read event by event as it flows, in any
// dialect and framing: SSE, a streamed JSON array, AWS event-stream frames), makes the one
// documented change on the wire (include_usage.hpp, OpenAI-style streams only), and at the end
// hands everything to the telemetry pipeline, which parses and exports elsewhere. Used on one
// session's thread only.

#include <memory>
#include <optional>
#include <string>

#include "tokentap/config/config.hpp"
#include "tokentap/dialects/event_reader.hpp"
#include "tokentap/proxy/exchange.hpp"
#include "tokentap/sse/stream_decoder.hpp"
#include "tokentap/telemetry/body_decoding.hpp"
#include "tokentap/telemetry/exchange_capture.hpp"

namespace tokentap::telemetry {

class telemetry_pipeline;
namespace http = boost::beast::http;

// Bodies larger than this are not kept whole: their call gets a span marked incomplete.
inline constexpr std::size_t max_captured_body = 16u << 20;

class genai_tap final : public proxy::exchange_observer {
public:
    genai_tap(telemetry_pipeline& pipeline, const config::route& route, std::string upstream_target);

    bool rewrite_request_body(const http::request_header<>& head, std::string& body) override;
    void on_request(const http::request_header<>& head, std::string_view body) override;
    void on_request_chunk(std::string_view bytes) override;
    void on_response_head(const proxy::response_head& head) override;
    bool filters_response() const override { return filtering_; }
    void filter_response_chunk(std::string_view in, std::string& out, bool last) override;
    void on_response_chunk(std::string_view bytes) override;
    void on_finish(const proxy::exchange_record& record) override;

private:
    void classify(const http::request_header<>& head);
    void read_stream_bytes(std::string_view bytes);
    void read_event(std::string_view name, std::string_view data);
    void complete_event(std::string& out);

    telemetry_pipeline& pipeline_;
    std::unique_ptr<exchange_capture> cap_;
    bool classified_ = false;
    bool active_ = false;    // the endpoint is one telemetry reads
    bool injected_ = false;  // include_usage was added upstream
    bool filtering_ = false;
    bool drop_event_ = false;
    std::string pending_;   // filter: raw bytes of the event not yet complete
    std::size_t line_len_ = 0;
    bool prev_cr_ = false;
    bool event_has_content_ = false;
    std::string decoded_;   // an encoded stream, inflated
    std::optional<body_inflater> inflater_;
    std::optional<sse::stream_decoder> decoder_;
    std::unique_ptr<dialects::event_reader> reader_;
    std::chrono::steady_clock::time_point first_chunk_{}, last_chunk_{};
};

}  // namespace tokentap::telemetry
