#pragma once
// Puts a price on a call that reported usage (SEMCONV.md part 1, item 8): the provider's own
// figure when the response carried one (OpenRouter), else the price table's for the response
// model or, failing that, the request model. A model the table does not know makes the call
// unpriced (tokentap.cost.unpriced), never zero. Pure.

#include "tokentap/pricing/price_table.hpp"
#include "tokentap/telemetry/genai_call.hpp"

namespace tokentap::telemetry {

void price_call(genai_call& call, const pricing::price_table& table);

}  // namespace tokentap::telemetry
