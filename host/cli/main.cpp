// SPDX-License-Identifier: MIT
// relumc command line. Thin: each subcommand registers itself (host/cli/<name>_cmd.cpp); main parses
// and dispatches. Exit status: 0 every verdict passes, 1 some verdict fails, 2 bad input or usage.
#include "host/cli/common.hpp"

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  using namespace relumc::cli;
  relumc::DistributionScope mpi(&argc, &argv);  // MPI only when started by mpirun
  const relumc::Distribution& dist = relumc::Distribution::process();
  CLI::App app{"relumc: Monte Carlo verification of the population gradient of two-layer ReLU networks"};
  app.set_version_flag("--version", std::string("relumc ") + relumc::kVersion + " (relumc info: backends, CPU features, GPUs)");
  app.require_subcommand(1);
  std::vector<Command> commands;
  commands.push_back(add_verify_command(app));
  commands.push_back(add_power_command(app));
  commands.push_back(add_regress_command(app));
  commands.push_back(add_dynamics_command(app));
  CLI::App* info = app.add_subcommand("info", "backends, CPU features and kernel, GPUs, build options");
  commands.push_back({info, [&dist] {
                        if (dist.is_root()) relumc::print_info(stdout);
                        return kExitPass;
                      }});
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    if (!app.remaining().empty()) {
      std::string names;
      for (const Command& c : commands) names += (names.empty() ? "" : ", ") + c.app->get_name();
      std::fprintf(stderr, "relumc: error: unknown subcommand '%s' (expected one of %s; see --help)\n",
                   app.remaining().front().c_str(), names.c_str());
      return kExitUsage;
    }
    app.exit(e);
    return kExitUsage;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
    return kExitUsage;
  } catch (const relumc::InputError& e) {
    // Bad input is found identically on every rank, before any communication: rank 0 says it.
    if (dist.is_root()) std::fprintf(stderr, "relumc: error: %s\n", render_flags(e.what()).c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relumc: error%s: %s\n", dist.size() > 1 ? fmt::format(" (rank {})", dist.rank()).c_str() : "",
                 render_flags(e.what()).c_str());
    dist.abort(kExitUsage);  // the other ranks may be waiting for this one
    return kExitUsage;
  }
}
