#pragma once
// `tokentap price MODEL`: what tokentap would charge for a model, per million tokens, and where the
// figures came from, as readable text. Pure.

#include <string>
#include <string_view>

#include "tokentap/pricing/price_table.hpp"

namespace tokentap::pricing {

// The prices of `model` at `provider`, or at every provider that has it when `provider` is empty.
// Returns "" when no provider prices it.
std::string describe_prices(const price_table& table, std::string_view model, std::string_view provider);

}  // namespace tokentap::pricing
