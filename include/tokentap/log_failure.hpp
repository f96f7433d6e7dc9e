#pragma once
// For the completion handlers of detached coroutines: logs the exception that ended one, if any.
#include <spdlog/spdlog.h>

#include <exception>

namespace tokentap {

inline void log_failure(const char* what, std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{} failed: {}", what, ex.what());
    }
}

}  // namespace tokentap
