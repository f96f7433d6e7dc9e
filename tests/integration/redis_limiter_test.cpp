// The Redis limiter against a real redis-server of the test's own (127.0.0.1, a free port, no
// persistence), as replicas would use it: each limiter on its own io_context and connection.
// Skipped, with a message, when redis-server is not installed.
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tokentap/ratelimit/limiter.hpp"
#include "tokentap/ratelimit/redis_connection.hpp"

extern char** environ;

using namespace tokentap;
using namespace tokentap::ratelimit;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_port() {
    net::io_context ioc;
    tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();  // closed again when `a` goes
}

std::optional<std::string> find_redis_server() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / "redis-server";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return std::nullopt;
}

// One blocking command on a new connection, for setting up and inspecting the server.
std::optional<redis_reply> command(std::uint16_t port, std::vector<std::string_view> args) {
    try {
        net::io_context ioc;
        tcp::socket s(ioc);
        s.connect({net::ip::make_address("127.0.0.1"), port});
        std::string out;
        append_command(out, args);
        net::write(s, net::buffer(out));
        std::string in;
        for (;;) {
            redis_reply r;
            if (parse_reply(in, r).status == parse_status::complete) return r;
            char chunk[512];
            in.append(chunk, s.read_some(net::buffer(chunk)));
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A redis-server child process on 127.0.0.1:port, started and stopped by the test.
class redis_process {
public:
    redis_process(std::string binary, std::uint16_t port, std::vector<std::string> extra = {})
        : binary_(std::move(binary)), port_(port), extra_(std::move(extra)) {
        start();
    }
    ~redis_process() { stop(); }
    redis_process(const redis_process&) = delete;
    redis_process& operator=(const redis_process&) = delete;

    std::uint16_t port() const { return port_; }

    void start() {
        std::vector<std::string> args = {binary_, "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no",
                                         "--loglevel", "warning"};
        args.insert(args.end(), extra_.begin(), extra_.end());
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t files;
        posix_spawn_file_actions_init(&files);
        posix_spawn_file_actions_addopen(&files, 1, "/dev/null", O_WRONLY, 0);
        const int rc = posix_spawn(&pid_, binary_.c_str(), &files, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&files);
        REQUIRE(rc == 0);
        // Up once it answers anything to PING (NOAUTH too, when a password is required).
        for (int i = 0; i < 250; ++i) {
            if (command(port_, {"PING"})) return;
            std::this_thread::sleep_for(20ms);
        }
        FAIL("redis-server did not answer PING on port " << port_);
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::string binary_;
    std::uint16_t port_;
    std::vector<std::string> extra_;
    pid_t pid_ = -1;
};

// A server of this test case's own, or none (and a message) when redis-server is not installed.
std::unique_ptr<redis_process> start_redis(std::vector<std::string> extra = {}) {
    const auto binary = find_redis_server();
    if (!binary) {
        MESSAGE("redis-server is not installed: skipping this test");
        return nullptr;
    }
    return std::make_unique<redis_process>(*binary, free_port(), std::move(extra));
}

// Runs `op` on `ioc` (on this thread) until it completes. Not ioc.run(): the connection's
// deadline timer may stay armed after a call, and its expiry is not worth waiting for.
template <class T>
T run(net::io_context& ioc, net::awaitable<T> op) {
    auto f = net::co_spawn(ioc, std::move(op), net::use_future);
    ioc.restart();
    while (f.wait_for(0s) != std::future_status::ready) ioc.run_one_for(100ms);
    return f.get();
}

// A replica: its own io_context and its own limiter (and so its own connection).
struct replica {
    explicit replica(redis_options o) : limiter(make_redis_limiter(ioc.get_executor(), std::move(o))) {}
    limit_decision acquire(std::string_view key, const limit_rule& rule, std::int64_t reserve = 0) {
        return run(ioc, limiter->acquire(key, rule, reserve));
    }
    void settle(std::string_view key, const limit_rule& rule, std::int64_t reserved, std::int64_t used) {
        run(ioc, limiter->settle(key, rule, reserved, used));
    }
    net::io_context ioc;
    std::unique_ptr<tokentap::ratelimit::limiter> limiter;  // after ioc: destroyed first
};

redis_options options_for(std::uint16_t port) {
    redis_options o;
    o.port = port;
    o.timeout = 2s;  // generous: sanitizer builds on a busy machine
    return o;
}

std::int64_t pttl(std::uint16_t port, std::string_view key) {
    const auto r = command(port, {"PTTL", key});
    REQUIRE(r);
    return r->integer;
}

}  // namespace

TEST_SUITE("integration/redis_limiter") {

TEST_CASE("two replicas share one limit") {
    auto redis = start_redis();
    if (!redis) return;
    replica a(options_for(redis->port())), b(options_for(redis->port()));
    const limit_rule rule{5, 0};
    for (int i = 0; i < 3; ++i) {
        const auto d = a.acquire("route|caller", rule);
        CHECK(d.allowed);
        CHECK_FALSE(d.store_unavailable);
    }
    CHECK(b.acquire("route|caller", rule).allowed);
    CHECK(b.acquire("route|caller", rule).allowed);
    const auto sixth = b.acquire("route|caller", rule);
    CHECK_FALSE(sixth.allowed);
    CHECK_FALSE(sixth.store_unavailable);
    CHECK(sixth.exceeded == "requests");
    CHECK(sixth.retry_after > 0ms);
    CHECK(sixth.retry_after <= 12s);
    CHECK_FALSE(a.acquire("route|caller", rule).allowed);
    // The state lives in one hash that expires when idle.
    const auto ttl = pttl(redis->port(), "tokentap:route|caller");
    CHECK(ttl > 0);
    CHECK(ttl <= 120'000);
}

TEST_CASE("requests and tokens are taken together or not at all") {
    auto redis = start_redis();
    if (!redis) return;
    replica a(options_for(redis->port()));
    const limit_rule rule{10, 1000};
    CHECK(a.acquire("k", rule, 800).allowed);
    const auto refused = a.acquire("k", rule, 300);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.exceeded == "tokens");
    CHECK(refused.retry_after > 5s);  // 100 tokens at 1000 per minute: 6 s, less the time passed
    CHECK(refused.retry_after <= 6s);
    for (int i = 0; i < 9; ++i) CHECK(a.acquire("k", rule, 0).allowed);
    const auto no_requests = a.acquire("k", rule, 0);
    CHECK_FALSE(no_requests.allowed);
    CHECK(no_requests.exceeded == "requests");
}

TEST_CASE("a reservation is settled: refunds and overruns reach every replica") {
    auto redis = start_redis();
    if (!redis) return;
    replica a(options_for(redis->port())), b(options_for(redis->port()));
    const limit_rule rule{0, 1000};
    CHECK(a.acquire("k", rule, 900).allowed);
    CHECK_FALSE(b.acquire("k", rule, 500).allowed);
    a.settle("k", rule, 900, 100);  // 800 back
    CHECK(b.acquire("k", rule, 500).allowed);
    b.settle("k", rule, 500, 2400);  // 1900 more: about 400 - 1900 = -1500
    const auto d = a.acquire("k", rule, 0);
    CHECK_FALSE(d.allowed);
    CHECK(d.exceeded == "tokens");
    CHECK(d.retry_after > 85s);
    CHECK(d.retry_after <= 90s);
    // In debt, the key lives until its bucket is full again (~150 s), not just the idle 120 s.
    const auto ttl = pttl(redis->port(), "tokentap:k");
    CHECK(ttl > 140'000);
    CHECK(ttl <= 150'000);
}

TEST_CASE("a reservation above the token limit passes on a full bucket") {
    auto redis = start_redis();
    if (!redis) return;
    replica a(options_for(redis->port()));
    const limit_rule rule{0, 1000};
    CHECK(a.acquire("k", rule, 5000).allowed);
    const auto d = a.acquire("k", rule, 1);
    CHECK_FALSE(d.allowed);
    CHECK(d.retry_after > 4min);  // -4000 tokens to pay back at 1000 per minute
}

TEST_CASE("the key prefix keeps two deployments apart") {
    auto redis = start_redis();
    if (!redis) return;
    auto oa = options_for(redis->port()), ob = oa;
    oa.key_prefix = "team-a:";
    ob.key_prefix = "team-b:";
    replica a(oa), b(ob);
    const limit_rule rule{1, 0};
    CHECK(a.acquire("k", rule).allowed);
    CHECK_FALSE(a.acquire("k", rule).allowed);
    CHECK(b.acquire("k", rule).allowed);
    CHECK(command(redis->port(), {"EXISTS", "team-a:k"})->integer == 1);
    CHECK(command(redis->port(), {"EXISTS", "team-b:k"})->integer == 1);
    CHECK(command(redis->port(), {"EXISTS", "tokentap:k"})->integer == 0);
}

TEST_CASE("concurrent coroutines on one connection get one reply each") {
    auto redis = start_redis();
    if (!redis) return;
    net::io_context ioc;
    auto l = make_redis_limiter(ioc.get_executor(), options_for(redis->port()));
    const limit_rule rule{10, 0};
    int allowed = 0, refused = 0, unavailable = 0;
    for (int i = 0; i < 25; ++i) {
        net::co_spawn(ioc, l->acquire("k", rule, 0), [&](std::exception_ptr e, limit_decision d) {
            REQUIRE_FALSE(e);
            if (d.store_unavailable) ++unavailable;
            else if (d.allowed) ++allowed;
            else ++refused;
        });
    }
    while (allowed + refused + unavailable < 25) ioc.run_one_for(100ms);
    CHECK(unavailable == 0);
    CHECK(allowed == 10);
    CHECK(refused == 15);
}

TEST_CASE("replicas racing on threads never take more than the limit") {
    auto redis = start_redis();
    if (!redis) return;
    const limit_rule rule{40, 0};  // one more every 1.5 s
    std::atomic<int> allowed{0}, unavailable{0};
    auto hammer = [&] {
        replica r(options_for(redis->port()));
        for (int i = 0; i < 60; ++i) {
            const auto d = r.acquire("race", rule);
            if (d.store_unavailable) ++unavailable;
            else if (d.allowed) ++allowed;
        }
    };
    std::thread t1(hammer), t2(hammer), t3(hammer);
    t1.join();
    t2.join();
    t3.join();
    CHECK(unavailable == 0);
    CHECK(allowed >= 40);
    CHECK(allowed <= 41);
}

TEST_CASE("a flushed script cache is loaded again (NOSCRIPT)") {
    auto redis = start_redis();
    if (!redis) return;
    replica a(options_for(redis->port()));
    const limit_rule rule{0, 100};
    CHECK(a.acquire("k", rule, 60).allowed);
    REQUIRE(command(redis->port(), {"SCRIPT", "FLUSH"}));
    const auto d = a.acquire("k", rule, 60);
    CHECK_FALSE(d.store_unavailable);
    CHECK_FALSE(d.allowed);
    a.settle("k", rule, 60, 0);
    REQUIRE(command(redis->port(), {"SCRIPT", "FLUSH"}));
    a.settle("k", rule, 0, 0);  // nothing to settle: no call at all
    CHECK(a.acquire("k", rule, 60).allowed);  // the refund arrived
}

TEST_CASE("Redis down: fail-open allows, fail-closed refuses, both say so") {
    const auto port = free_port();  // nobody listens
    auto open = options_for(port), closed = options_for(port);
    closed.fail_open = false;
    replica a(open), b(closed);
    const limit_rule rule{1, 1000};
    const auto t = std::chrono::steady_clock::now();
    const auto allowed = a.acquire("k", rule, 10);
    CHECK(allowed.allowed);
    CHECK(allowed.store_unavailable);
    const auto refused = b.acquire("k", rule, 10);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.store_unavailable);
    CHECK(refused.exceeded.empty());
    CHECK(refused.retry_after == closed.unavailable_retry_after);
    a.settle("k", rule, 10, 100);  // forgotten, not thrown
    // Within the backoff the next calls do not even try to connect.
    for (int i = 0; i < 100; ++i) CHECK(a.acquire("k", rule, 10).store_unavailable);
    CHECK(std::chrono::steady_clock::now() - t < 1s);
    // An empty rule never asks Redis.
    const auto free = b.acquire("k", limit_rule{}, 10);
    CHECK(free.allowed);
    CHECK_FALSE(free.store_unavailable);
}

TEST_CASE("a Redis that does not answer costs at most the timeout") {
    net::io_context server_ioc;
    tcp::acceptor silent(server_ioc, {net::ip::make_address("127.0.0.1"), 0});  // connects, never answers
    auto o = options_for(silent.local_endpoint().port());
    o.timeout = 200ms;
    replica a(o);
    const auto t = std::chrono::steady_clock::now();
    const auto d = a.acquire("k", limit_rule{5, 0});
    const auto took = std::chrono::steady_clock::now() - t;
    CHECK(d.allowed);
    CHECK(d.store_unavailable);
    CHECK(took >= 190ms);
    CHECK(took < 2s);
}

TEST_CASE("after a timeout, queued and later calls do not wait for Redis again") {
    net::io_context server_ioc;
    tcp::acceptor silent(server_ioc, {net::ip::make_address("127.0.0.1"), 0});
    auto o = options_for(silent.local_endpoint().port());
    o.timeout = 200ms;
    o.reconnect_backoff = 5s;
    net::io_context ioc;
    auto l = make_redis_limiter(ioc.get_executor(), o);
    const auto t = std::chrono::steady_clock::now();
    int done = 0, unavailable = 0;
    for (int i = 0; i < 5; ++i) {
        net::co_spawn(ioc, l->acquire("k", limit_rule{5, 0}, 0), [&](std::exception_ptr, limit_decision d) {
            ++done;
            if (d.store_unavailable && d.allowed) ++unavailable;
        });
    }
    while (done < 5) ioc.run_one_for(100ms);
    CHECK(unavailable == 5);
    CHECK(std::chrono::steady_clock::now() - t < 600ms);  // one timeout, not five in a row
}

TEST_CASE("the limiter reconnects when Redis is back") {
    auto redis = start_redis();
    if (!redis) return;
    auto o = options_for(redis->port());
    o.reconnect_backoff = 100ms;
    replica a(o);
    const limit_rule rule{100, 0};
    CHECK_FALSE(a.acquire("k", rule).store_unavailable);
    redis->stop();
    CHECK(a.acquire("k", rule).store_unavailable);
    redis->start();
    std::this_thread::sleep_for(150ms);
    const auto d = a.acquire("k", rule);
    CHECK(d.allowed);
    CHECK_FALSE(d.store_unavailable);
}

TEST_CASE("AUTH with the configured password") {
    auto redis = start_redis({"--requirepass", "s3cret"});
    if (!redis) return;
    const limit_rule rule{1, 0};
    auto good = options_for(redis->port()), wrong = good, none = good;
    good.password = "s3cret";
    wrong.password = "nope";
    replica a(good), b(wrong), c(none);
    const auto d = a.acquire("k", rule);
    CHECK(d.allowed);
    CHECK_FALSE(d.store_unavailable);
    CHECK_FALSE(a.acquire("k", rule).allowed);
    CHECK(b.acquire("k", rule).store_unavailable);
    CHECK(c.acquire("k", rule).store_unavailable);  // NOAUTH: Redis answered, but not the limit
}

}
