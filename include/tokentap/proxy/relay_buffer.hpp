#pragma once
// The buffer an exchange relays its bodies through, lent from a stock kept per thread. An exchange
// that allocated its own (32 KiB, a large block for malloc) made glibc merge its small free lists
// on every request; a lent buffer costs no allocation once a thread has served a request.

#include <cstddef>
#include <memory>
#include <span>

namespace tokentap::proxy {

class relay_buffer {
public:
    static constexpr std::size_t capacity = 32 * 1024;
    // Buffers kept per thread when returned; more than this many exchanges at once on one thread
    // allocate the rest and free them when they end.
    static constexpr std::size_t max_kept = 16;

    relay_buffer();  // takes one from this thread's stock, or allocates one
    ~relay_buffer();  // returns it to the stock of the thread it ends on
    relay_buffer(const relay_buffer&) = delete;
    relay_buffer& operator=(const relay_buffer&) = delete;

    char* data() { return bytes_.get(); }
    std::size_t size() const { return capacity; }
    operator std::span<char>() { return {bytes_.get(), capacity}; }

    static std::size_t kept_on_this_thread();

private:
    std::unique_ptr<char[]> bytes_;
};

}  // namespace tokentap::proxy
