#pragma once
// A small Redis client for the limiter: RESP2 framing (pure functions, below) and one connection on
// Asio coroutines. The connection opens on the first call (resolve, connect, AUTH when a password is
// set) and again on the call after a failure; every step is bounded by the timeout. Calls are
// queued and run one at a time in arrival order, so concurrent coroutines never interleave their
// writes and reads. Scripts run by EVALSHA, falling back to EVAL when Redis answers NOSCRIPT
// (a restarted or flushed server), which also caches the script again.
//
// Thread-safety: a redis_connection belongs to one io_context thread (any number of coroutines of
// that thread may call it); the framing functions are pure and thread-safe.
//
// Protocol: "Redis serialization protocol specification", RESP2 (redis.io/docs/reference/protocol-spec).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "tokentap/net.hpp"

namespace tokentap::ratelimit {

// ---- RESP2 framing (pure) ----

struct redis_reply {
    enum class type { simple_string, error, integer, bulk_string, null, array };
    type kind = type::null;
    std::string text;          // simple_string, error ("NOSCRIPT No matching script..."), bulk_string
    std::int64_t integer = 0;  // integer
    std::vector<redis_reply> elements;  // array

    bool is_error() const { return kind == type::error; }
};

// Appends one command, an array of bulk strings ("*2\r\n$4\r\nPING\r\n..."), to `out`.
void append_command(std::string& out, std::span<const std::string_view> args);

enum class parse_status { complete, incomplete, invalid };

struct parse_result {
    parse_status status = parse_status::incomplete;
    std::size_t consumed = 0;  // bytes of `in` that made the reply, when complete
};

// Parses one reply from the start of `in` into `out`. Incomplete when `in` ends before the reply
// does (call again with more bytes); invalid for bytes that are not RESP2, arrays nested deeper than
// max_reply_depth, or lengths above max_reply_bytes.
inline constexpr int max_reply_depth = 8;
inline constexpr std::size_t max_reply_bytes = 1 << 20;
parse_result parse_reply(std::string_view in, redis_reply& out);

// ---- the connection ----

struct redis_connection_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::string password;                      // AUTH <password> after connecting when not empty
    std::chrono::milliseconds timeout{250};    // connecting, and each call
    // After a failed connect or a timeout, calls fail at once this long.
    std::chrono::milliseconds reconnect_backoff{500};
};

// The outcome of a call: a reply (an error reply is a reply: Redis answered), or none and why.
struct redis_result {
    std::optional<redis_reply> reply;
    std::string failure;  // when there is no reply: "connect 127.0.0.1:6379: Connection refused", ...
    explicit operator bool() const { return reply.has_value(); }
};

// A Lua script and its SHA-1 (the name EVALSHA knows it by).
class lua_script {
public:
    explicit lua_script(std::string source);
    const std::string& source() const { return source_; }
    const std::string& sha1() const { return sha1_; }  // 40 lower-case hex digits

private:
    std::string source_;
    std::string sha1_;
};

class redis_connection {
public:
    redis_connection(net::any_io_executor ex, redis_connection_options o);
    ~redis_connection();
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    // Sends one command and reads its reply. Without a reply (cannot connect, AUTH refused, timeout,
    // connection lost, bytes that are not RESP), the connection is closed; the next call connects
    // again at once, or, when connecting failed or Redis did not answer in time, fails at once
    // until reconnect_backoff has passed. `args` must stay valid until the call completes.
    net::awaitable<redis_result> call(std::span<const std::string_view> args);

    // EVALSHA sha numkeys keys... args..., and EVAL with the source when Redis answers NOSCRIPT.
    net::awaitable<redis_result> eval(const lua_script& script, std::span<const std::string_view> keys,
                                      std::span<const std::string_view> args);

    bool connected() const;

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace tokentap::ratelimit
