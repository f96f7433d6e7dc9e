#include "tokentap/server/admin_endpoints.hpp"

#include "tokentap/telemetry/metrics/prometheus_text.hpp"

namespace tokentap::server {

std::optional<http::response<http::string_body>> admin_response(const http::request_header<>& req,
                                                                 const telemetry::metrics_registry& registry,
                                                                 bool ready, bool keep_alive) {
    const auto target = req.target();
    const auto path = target.substr(0, target.find('?'));
    if (path != "/healthz" && path != "/metrics") return std::nullopt;
    if (req.method() != http::verb::get && req.method() != http::verb::head) return std::nullopt;

    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::server, "tokentap");
    res.set(http::field::cache_control, "no-store");
    if (path == "/healthz") {
        res.result(ready ? http::status::ok : http::status::service_unavailable);
        res.set(http::field::content_type, "application/json");
        res.body() = ready ? R"({"status":"ok"})" : R"({"status":"draining"})";
    } else {
        res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() = telemetry::encode_prometheus_text(registry.collect(), registry.target_info());
    }
    res.keep_alive(keep_alive);
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    return res;
}

}  // namespace tokentap::server
