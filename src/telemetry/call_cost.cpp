#include "tokentap/telemetry/call_cost.hpp"

namespace tokentap::telemetry {

void price_call(genai_call& call, const pricing::price_table& table) {
    const auto& usage = call.response.usage;
    if (!usage.any()) return;  // nothing reported, nothing to price
    call.price_table = table.version();
    const pricing::model_price* price = nullptr;
    if (call.response.model) price = table.find(call.provider, *call.response.model);
    if (!price && call.request.model) price = table.find(call.provider, *call.request.model);
    if (price) call.cost_by_kind = pricing::compute_cost(*price, usage);
    if (usage.provider_cost) {
        call.cost_usd = *usage.provider_cost;
        call.cost_source = "provider";
    } else if (call.cost_by_kind) {
        call.cost_usd = call.cost_by_kind->total;
        call.cost_source = "local";
    } else {
        call.unpriced = true;
    }
}

}  // namespace tokentap::telemetry
