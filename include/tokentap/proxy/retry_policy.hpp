#pragma once
// When and how long tokentap waits before sending a failed call again (gateway mode, config
// `gateway.retries`): exponential backoff with full jitter, at least the provider's retry-after,
// within a number of attempts and a total time budget. Pure: the caller passes the elapsed time and
// the random draw. Thread-safe.

#include <chrono>
#include <optional>

#include "tokentap/config/config.hpp"

namespace tokentap::proxy {

// max_attempts (per upstream, the first included), initial_backoff, max_backoff, and budget (from
// the first send; a wait that would pass it is not taken).
using retry_options = config::retry_settings;

// The statuses worth another attempt: 429 and 500, 502, 503, 504, 529 (Anthropic's overloaded).
bool retryable_status(unsigned status);

// The wait before retry number `retry` (1 for the second attempt), or nullopt when no retry should
// be made: attempts exhausted, or the wait would end past the budget. The backoff is a draw in
// [0, min(max_backoff, initial_backoff * 2^(retry-1))] (`random01` in [0, 1)); a provider's
// `retry_after` is a floor.
std::optional<std::chrono::milliseconds> retry_delay(const retry_options& o, int retry,
                                                     std::optional<std::chrono::milliseconds> retry_after,
                                                     std::chrono::milliseconds elapsed, double random01);

}  // namespace tokentap::proxy
