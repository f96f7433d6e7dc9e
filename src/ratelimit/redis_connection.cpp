#include "tokentap/ratelimit/redis_connection.hpp"

#include <openssl/sha.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <deque>
#include <utility>

#include "tokentap/io_deadline.hpp"

namespace tokentap::ratelimit {

// ---- RESP2 framing ----

namespace {

void append_decimal(std::string& out, std::int64_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

class reply_parser {
public:
    explicit reply_parser(std::string_view in) : in_(in) {}
    std::size_t position() const { return pos_; }

    parse_status value(redis_reply& out, int depth) {
        if (pos_ >= in_.size()) return parse_status::incomplete;
        const char marker = in_[pos_++];
        std::string_view head;
        if (const auto st = line(head); st != parse_status::complete) return st;
        switch (marker) {
            case '+': return text(out, redis_reply::type::simple_string, head);
            case '-': return text(out, redis_reply::type::error, head);
            case ':':
                out.kind = redis_reply::type::integer;
                return number(head, out.integer);
            case '$': return bulk(out, head);
            case '*': return array(out, head, depth);
            default: return parse_status::invalid;
        }
    }

private:
    // The rest of the current line, without its CRLF.
    parse_status line(std::string_view& out) {
        const auto end = in_.find("\r\n", pos_);
        if (end == std::string_view::npos) return parse_status::incomplete;
        out = in_.substr(pos_, end - pos_);
        pos_ = end + 2;
        return parse_status::complete;
    }

    static parse_status number(std::string_view s, std::int64_t& out) {
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        return ec == std::errc() && end == s.data() + s.size() ? parse_status::complete : parse_status::invalid;
    }

    static parse_status text(redis_reply& out, redis_reply::type kind, std::string_view s) {
        out.kind = kind;
        out.text.assign(s);
        return parse_status::complete;
    }

    // A length line: -1 is null, other negative lengths and lengths above the limit are invalid.
    static parse_status length(std::string_view s, std::int64_t& n) {
        if (number(s, n) != parse_status::complete || n < -1) return parse_status::invalid;
        return n > static_cast<std::int64_t>(max_reply_bytes) ? parse_status::invalid : parse_status::complete;
    }

    parse_status bulk(redis_reply& out, std::string_view head) {
        std::int64_t n = 0;
        if (const auto st = length(head, n); st != parse_status::complete) return st;
        if (n == -1) return text(out, redis_reply::type::null, {});
        const auto size = static_cast<std::size_t>(n);
        if (in_.size() - pos_ < size + 2) return parse_status::incomplete;
        if (in_.compare(pos_ + size, 2, "\r\n") != 0) return parse_status::invalid;
        text(out, redis_reply::type::bulk_string, in_.substr(pos_, size));
        pos_ += size + 2;
        return parse_status::complete;
    }

    parse_status array(redis_reply& out, std::string_view head, int depth) {
        std::int64_t n = 0;
        if (const auto st = length(head, n); st != parse_status::complete) return st;
        if (n == -1) return text(out, redis_reply::type::null, {});
        if (depth >= max_reply_depth) return parse_status::invalid;
        out.kind = redis_reply::type::array;
        out.elements.reserve(std::min<std::size_t>(static_cast<std::size_t>(n), 64));
        for (std::int64_t i = 0; i < n; ++i) {
            if (const auto st = value(out.elements.emplace_back(), depth + 1); st != parse_status::complete) return st;
        }
        return parse_status::complete;
    }

    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> args) {
    out += '*';
    append_decimal(out, static_cast<std::int64_t>(args.size()));
    out += "\r\n";
    for (const auto a : args) {
        out += '$';
        append_decimal(out, static_cast<std::int64_t>(a.size()));
        out += "\r\n";
        out += a;
        out += "\r\n";
    }
}

parse_result parse_reply(std::string_view in, redis_reply& out) {
    out = redis_reply{};
    reply_parser p(in);
    const auto st = p.value(out, 0);
    return {st, st == parse_status::complete ? p.position() : 0};
}

lua_script::lua_script(std::string source) : source_(std::move(source)) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    for (const unsigned char b : digest) {
        sha1_ += hex[b >> 4];
        sha1_ += hex[b & 0xF];
    }
}

// ---- the connection ----

namespace {

// One call at a time, first come first served: a coroutine mutex. A waiter sleeps on a timer
// that never expires; the turn passes to it by cancelling that timer.
class call_queue {
public:
    explicit call_queue(net::any_io_executor ex) : ex_(std::move(ex)) {}

    class turn {
    public:
        explicit turn(call_queue* q) : q_(q) {}
        turn(turn&& o) noexcept : q_(std::exchange(o.q_, nullptr)) {}
        turn& operator=(turn&&) = delete;
        ~turn() {
            if (q_) q_->pass_on();
        }

    private:
        call_queue* q_;
    };

    net::awaitable<turn> wait_turn() {
        if (!busy_) {
            busy_ = true;
            co_return turn(this);
        }
        auto wake = std::make_shared<net::steady_timer>(ex_, net::steady_timer::time_point::max());
        waiters_.push_back(wake);
        co_await wake->async_wait(use_nothrow);  // operation_aborted: our turn (busy_ stayed true)
        co_return turn(this);
    }

private:
    void pass_on() {
        if (waiters_.empty()) {
            busy_ = false;
            return;
        }
        const auto next = std::move(waiters_.front());
        waiters_.pop_front();
        next->cancel();
    }

    net::any_io_executor ex_;
    bool busy_ = false;
    std::deque<std::shared_ptr<net::steady_timer>> waiters_;
};

constexpr std::size_t read_chunk = 4096;

}  // namespace

struct redis_connection::state {
    state(net::any_io_executor ex, redis_connection_options o)
        : options(std::move(o)), socket(ex), resolver(ex), deadline(ex, [this] { on_timeout(); }), queue(ex) {}

    redis_connection_options options;
    tcp::socket socket;
    tcp::resolver resolver;
    io_deadline deadline;  // after socket and resolver: its callback touches them
    call_queue queue;
    std::string out, in;   // bytes of the current command and reply
    std::chrono::steady_clock::time_point retry_at{};  // no connect before this, after a failure
    std::string last_failure;                          // the failure that set retry_at

    std::string where() const { return options.host + ":" + std::to_string(options.port); }

    void on_timeout() {
        resolver.cancel();
        close();
    }

    void close() {
        error_code ec;
        socket.shutdown(tcp::socket::shutdown_both, ec);
        socket.close(ec);
        in.clear();
    }

    // False when Redis closed the connection (or sent bytes nobody asked for) while it sat idle:
    // a non-blocking peek, no wait.
    bool looks_alive() {
        if (!socket.is_open()) return false;
        char c;
        const auto n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    // Closes the connection after a failed step. A timeout also starts the backoff: a Redis that
    // accepts but does not answer would otherwise cost every queued call the whole timeout.
    redis_result fail(std::string_view step, const error_code& ec) {
        const bool timed_out = deadline.expired();
        close();
        auto why = std::string(step) + " " + where() + ": " + (timed_out ? "timed out" : ec.message());
        if (timed_out) back_off(why);
        return {std::nullopt, std::move(why)};
    }

    void back_off(const std::string& why) {
        retry_at = std::chrono::steady_clock::now() + options.reconnect_backoff;
        last_failure = why;
    }

    net::awaitable<redis_result> call_now(std::span<const std::string_view> args) {
        if (socket.is_open() && !looks_alive()) close();
        if (!socket.is_open()) {
            if (std::chrono::steady_clock::now() < retry_at) co_return redis_result{std::nullopt, last_failure};
            if (auto failure = co_await connect(); !failure.empty()) {
                back_off(failure);
                co_return redis_result{std::nullopt, std::move(failure)};
            }
        }
        out.clear();
        append_command(out, args);
        deadline.expires_after(options.timeout);
        auto result = co_await exchange();
        deadline.expires_never();
        co_return result;
    }

    // Resolve, connect, AUTH: "" when connected, else why not.
    net::awaitable<std::string> connect() {
        deadline.expires_after(options.timeout);
        auto failure = co_await open_and_authenticate();
        deadline.expires_never();
        if (!failure.empty()) close();
        co_return failure;
    }

    net::awaitable<std::string> open_and_authenticate() {
        error_code ec;
        const auto address = net::ip::make_address(options.host, ec);
        if (!ec) {
            auto [cec] = co_await socket.async_connect(tcp::endpoint(address, options.port), use_nothrow);
            if (cec) co_return fail("connect", cec).failure;
        } else {
            auto [rec, endpoints] =
                co_await resolver.async_resolve(options.host, std::to_string(options.port), use_nothrow);
            if (rec) co_return fail("resolve", rec).failure;
            auto [cec, ep] = co_await net::async_connect(socket, endpoints, use_nothrow);
            if (cec) co_return fail("connect", cec).failure;
        }
        socket.set_option(tcp::no_delay(true), ec);
        if (options.password.empty()) co_return std::string();
        const std::string_view auth[] = {"AUTH", options.password};
        out.clear();
        append_command(out, auth);
        auto r = co_await exchange();
        if (!r) co_return r.failure;
        if (r.reply->is_error()) co_return "AUTH at " + where() + " refused: " + r.reply->text;
        co_return std::string();
    }

    // Writes `out`, reads one reply into `in`. The caller has set the deadline.
    net::awaitable<redis_result> exchange() {
        auto [wec, written] = co_await net::async_write(socket, net::buffer(out), use_nothrow);
        if (wec) co_return fail("write to", wec);
        for (;;) {
            redis_reply reply;
            const auto parsed = parse_reply(in, reply);
            if (parsed.status == parse_status::complete) {
                // Redis sends nothing unasked on a RESP2 connection: bytes after the reply mean
                // the two sides no longer agree on where replies start.
                if (parsed.consumed != in.size()) break;
                in.clear();
                co_return redis_result{std::move(reply), {}};
            }
            if (parsed.status == parse_status::invalid || in.size() > max_reply_bytes) break;
            const auto before = in.size();
            in.resize(before + read_chunk);
            auto [rec, n] = co_await socket.async_read_some(net::buffer(in.data() + before, read_chunk), use_nothrow);
            in.resize(before + n);
            if (rec) co_return fail("read from", rec);
        }
        close();
        co_return redis_result{std::nullopt, "read from " + where() + ": not a RESP2 reply"};
    }
};

redis_connection::redis_connection(net::any_io_executor ex, redis_connection_options o)
    : state_(std::make_unique<state>(std::move(ex), std::move(o))) {}

redis_connection::~redis_connection() = default;

bool redis_connection::connected() const { return state_->socket.is_open(); }

net::awaitable<redis_result> redis_connection::call(std::span<const std::string_view> args) {
    const auto turn = co_await state_->queue.wait_turn();
    co_return co_await state_->call_now(args);
}

net::awaitable<redis_result> redis_connection::eval(const lua_script& script, std::span<const std::string_view> keys,
                                                    std::span<const std::string_view> args) {
    const auto numkeys = std::to_string(keys.size());
    std::vector<std::string_view> command;
    command.reserve(3 + keys.size() + args.size());
    command.insert(command.end(), {std::string_view("EVALSHA"), std::string_view(script.sha1()), std::string_view(numkeys)});
    command.insert(command.end(), keys.begin(), keys.end());
    command.insert(command.end(), args.begin(), args.end());

    const auto turn = co_await state_->queue.wait_turn();
    auto r = co_await state_->call_now(command);
    if (r && r.reply->is_error() && r.reply->text.starts_with("NOSCRIPT")) {
        command[0] = "EVAL";
        command[1] = script.source();
        r = co_await state_->call_now(command);
    }
    co_return r;
}

}  // namespace tokentap::ratelimit
