#pragma once
// The cost of one call from its token usage and the model's prices. Pure. The arithmetic is exact:
// integer pico-dollars per token kind, summed before the one conversion to a double (cost.cpp).
//
// Tokens follow the GenAI conventions: input includes cache reads and writes, output includes
// reasoning. Uncached input is billed at the input price, cache reads and writes at their own
// prices (the input price when the table has none for them), output at the output price. The
// tier is chosen by the request's whole input. A price that is needed and missing makes the call
// unpriced: no amount, never a silent zero.

#include <cstdint>
#include <optional>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/pricing/price_table.hpp"

namespace tokentap::pricing {

struct cost_breakdown {  // USD
    double input = 0, cache_read = 0, cache_write = 0, output = 0;
    double total = 0;  // the exact sum, rounded once
};

std::optional<cost_breakdown> compute_cost(const model_price& price, const dialects::token_usage& usage);

}  // namespace tokentap::pricing
