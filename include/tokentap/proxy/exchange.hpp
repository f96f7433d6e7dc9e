#pragma once
// One request/response exchange as the proxy saw it, and the tee through which telemetry reads it.
// The observer is called on the session's thread, after the bytes it is shown were written to their
// destination (the client always gets its bytes first). It must not block and must not throw.

#include <boost/beast/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/proxy/response_head.hpp"

namespace tokentap::proxy {

namespace http = boost::beast::http;
using steady_time = std::chrono::steady_clock::time_point;

enum class exchange_outcome {
    completed,             // the whole response reached the client
    upstream_unreachable,  // 502: resolve/connect failed
    upstream_tls_error,    // 502: TLS handshake or certificate verification failed
    upstream_timeout,      // 504: connect, response header or body silence timed out
    upstream_error,        // 502 (or a cut response): the upstream closed or spoke bad HTTP
    client_gone,           // the client disconnected before the response was complete
    client_error,          // the client's request body was malformed, too large or too slow
};

const char* to_string(exchange_outcome o);

// One send of the request upstream, kept when tokentap sent it more than once (gateway mode:
// retries and fallback upstreams).
struct upstream_attempt {
    bool tls = true;
    std::string host;
    std::uint16_t port = 0;
    std::string target;  // path and query as sent
    unsigned status = 0;  // the upstream's status; 0 when no response came
    exchange_outcome outcome = exchange_outcome::completed;  // why no response came
    steady_time start{};
    steady_time end{};
};

struct exchange_record {
    std::string method;
    std::string route_prefix;
    std::string provider;
    std::string target;  // as received, secrets redacted (log_redaction.hpp)
    unsigned status = 0;  // status sent to the client (0 when nothing was sent)
    std::uint64_t bytes_up = 0;    // request body bytes sent upstream
    std::uint64_t bytes_down = 0;  // response body bytes sent to the client
    exchange_outcome outcome = exchange_outcome::completed;
    std::string detail;  // why, for logs, when the outcome is not `completed`
    steady_time start{};
    steady_time upstream_sent{};  // request fully written upstream
    steady_time first_byte{};     // first response body bytes written to the client
    steady_time upstream_done{};  // last response bytes read from the upstream
    steady_time end{};
    std::vector<upstream_attempt> attempts;  // every send, when there was more than one
    // Gateway token limits: to be called (on any thread) with the tokens the call used, once
    // telemetry has read them; it settles the tokens reserved before the call. Empty otherwise.
    std::function<void(std::int64_t used)> settle_tokens;
};

class exchange_observer {
public:
    virtual ~exchange_observer() = default;

    // The one change telemetry may make on the wire (DESIGN.md principle 1): before a body read
    // whole is sent, the observer may rewrite it (to ask a stream for its usage). Returns whether
    // it did; the forwarder then sets the new Content-Length. Not called for streamed bodies.
    virtual bool rewrite_request_body(const http::request_header<>& head, std::string& body) { return false; }
    // The request as forwarded (upstream target, filtered headers), with its body when it was
    // read whole (bodies up to limits.max_buffered_request); else body chunks follow.
    virtual void on_request(const http::request_header<>& head, std::string_view body) {}
    virtual void on_request_chunk(std::string_view bytes) {}
    // The upstream's head as received (hop-by-hop fields included).
    virtual void on_response_head(const response_head& head) {}

    // Asked after on_response_head. When true, each piece of the response body passes through
    // filter_response_chunk before it is written: `out` receives the bytes to send now (it may
    // hold some back until an event is complete, and release them all when `last`). The response
    // then goes to the client chunked (or close-delimited to an HTTP/1.0 client), as its length
    // changes.
    virtual bool filters_response() const { return false; }
    virtual void filter_response_chunk(std::string_view in, std::string& out, bool last) {}

    virtual void on_response_chunk(std::string_view bytes) {}
    virtual void on_finish(const exchange_record& record) {}
};

}  // namespace tokentap::proxy
