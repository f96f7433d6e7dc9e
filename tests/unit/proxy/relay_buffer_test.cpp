#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "tokentap/proxy/relay_buffer.hpp"

using tokentap::proxy::relay_buffer;

TEST_CASE("relay_buffer: a returned buffer is lent again on the same thread") {
    std::thread([] {  // a fresh thread starts with an empty stock
        CHECK(relay_buffer::kept_on_this_thread() == 0);
        const char* first = nullptr;
        {
            relay_buffer b;
            first = b.data();
            CHECK(std::span<char>(b).size() == relay_buffer::capacity);
            b.data()[relay_buffer::capacity - 1] = 'x';  // the whole capacity is writable
        }
        CHECK(relay_buffer::kept_on_this_thread() == 1);
        relay_buffer again;
        CHECK(again.data() == first);
        CHECK(relay_buffer::kept_on_this_thread() == 0);
    }).join();
}

TEST_CASE("relay_buffer: buffers lent at once are distinct and the stock keeps at most max_kept") {
    std::thread([] {
        {
            std::vector<std::unique_ptr<relay_buffer>> many;
            for (std::size_t i = 0; i < relay_buffer::max_kept + 4; ++i) many.push_back(std::make_unique<relay_buffer>());
            CHECK(many[0]->data() != many[1]->data());
        }
        CHECK(relay_buffer::kept_on_this_thread() == relay_buffer::max_kept);
    }).join();
}
