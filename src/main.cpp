// tokentap: parse the command line, load the config, hand over to app.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>

#include "tokentap/app/app.hpp"
#include "tokentap/config/config_loader.hpp"
#include "tokentap/pricing/price_report.hpp"

int main(int argc, char** argv) {
    CLI::App cli{"tokentap: a transparent observability proxy for LLM APIs"};
    std::string config_file, listen, trace_file, log_level = "info";
    unsigned threads = 0;
    bool threads_set = false;
    cli.add_option("--config", config_file, "YAML config file")->check(CLI::ExistingFile);
    cli.add_option("--listen", listen, "HOST:PORT to listen on (default 127.0.0.1:8788; overrides the config)");
    cli.add_option_function<unsigned>("--threads", [&](const unsigned& n) { threads = n; threads_set = true; },
                                      "worker threads, one io_context each (default: number of cores)");
    cli.add_option("--trace-file", trace_file, "append spans as OTLP JSON here, one export request per line");
    cli.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
    cli.set_version_flag("--version", TOKENTAP_VERSION);
    std::string price_model, price_provider;
    auto* price = cli.add_subcommand("price", "print what tokentap would charge for a model, and where the figures come from");
    price->add_option("model", price_model, "model id, as the provider names it")->required();
    price->add_option("--provider", price_provider, "gen_ai.provider.name (default: every provider that prices it)");
    CLI11_PARSE(cli, argc, argv);

    spdlog::set_level(spdlog::level::from_str(log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    std::signal(SIGPIPE, SIG_IGN);

    tokentap::config::config cfg;
    try {
        if (!config_file.empty()) cfg = tokentap::config::load_config_file(config_file);
        if (!listen.empty()) {
            std::string why;
            auto addr = tokentap::config::parse_listen_address(listen, &why);
            if (!addr) throw tokentap::config::config_error("--listen " + listen + ": " + why);
            cfg.listen = *addr;
        }
        if (threads_set) cfg.threads = threads;
        if (!trace_file.empty()) cfg.telemetry.trace_file = trace_file;
    } catch (const tokentap::config::config_error& e) {
        std::cerr << "config error: " << e.what() << "\n";
        return 2;
    }
    if (price->parsed()) {
        try {
            const auto table = tokentap::pricing::price_table::from_settings(cfg.pricing);
            const auto text = tokentap::pricing::describe_prices(table, price_model, price_provider);
            if (text.empty()) {
                std::cerr << "no price for " << price_model
                          << (price_provider.empty() ? "" : " at " + price_provider) << " in table " << table.version() << "\n";
                return 1;
            }
            std::cout << text;
            return 0;
        } catch (const std::exception& e) {
            std::cerr << e.what() << "\n";
            return 2;
        }
    }
    try {
        tokentap::app::app app(std::move(cfg));
        return app.run();
    } catch (const std::exception& e) {
        spdlog::critical("cannot start: {}", e.what());
        return 1;
    }
}
