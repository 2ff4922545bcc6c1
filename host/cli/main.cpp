// SPDX-License-Identifier: MIT
// relumc command line. Thin: each subcommand registers itself (host/cli/<name>_cmd.cpp); main parses
// and dispatches, and owns how the command line speaks to a person: help that fits 100 columns and
// ends with examples, `relumc help [SUBCOMMAND]`, and usage errors in one style,
//   relumc: error: unknown flag '--sampels'; did you mean '--samples'?
//   run 'relumc verify --help' for usage
// Exit status: 0 every verdict passes, 1 some verdict fails, 2 bad input or usage.
#include "host/cli/common.hpp"

#include <cctype>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <vector>

namespace relumc::cli {
namespace {

// Greedy word wrap at spaces into lines of at most `width` characters (a longer word stays whole, and
// so does a range such as "[0, 4096]"); '\n' in text starts a new line.
std::vector<std::string> wrap(const std::string& text, size_t width) {
  std::vector<std::string> lines;
  std::istringstream paragraphs(text);
  for (std::string para; std::getline(paragraphs, para);) {
    std::istringstream words(para);
    std::string line;
    for (std::string w; words >> w;) {
      for (std::string more; w.find('[') != std::string::npos && w.find(']', w.rfind('[')) == std::string::npos && words >> more;)
        w += " " + more;
      if (!line.empty() && line.size() + 1 + w.size() > width) lines.push_back(line), line.clear();
      line += (line.empty() ? "" : " ") + w;
    }
    lines.push_back(line);
  }
  if (lines.empty()) lines.emplace_back();
  return lines;
}

// "  left   description..." with the description in a column from `col` to kHelpWidth, wrapped; a left
// part too long for its column gets a line of its own (itself wrapped, continued 6 columns in).
std::string two_columns(const std::string& left, const std::string& desc, size_t col) {
  std::string out;
  const std::string head = "  " + left;
  const bool fits = head.size() + 1 <= col;
  if (!fits || desc.empty()) {
    const std::vector<std::string> l = wrap(left, kHelpWidth - 6);
    for (size_t i = 0; i < l.size(); ++i) out += (i == 0 ? "  " : "      ") + l[i] + "\n";
    if (desc.empty()) return out;
  }
  const std::vector<std::string> d = wrap(desc, kHelpWidth - col);
  for (size_t i = 0; i < d.size(); ++i) {
    const std::string margin = i == 0 && fits ? head + std::string(col - head.size(), ' ') : std::string(col, ' ');
    out += margin + d[i] + "\n";
  }
  return out;
}

// CLI11's layout, held to kHelpWidth columns: option descriptions wrap in their column; a validator's
// range ("INT in [1, 4096]") and excluded flags move from the left column into the description; the
// top level lists the subcommands before its own options.
class HelpFormatter : public CLI::Formatter {
 public:
  static constexpr size_t kOptionColumn = 30, kSubcommandColumn = 14;

  HelpFormatter() { column_width(kOptionColumn); }

  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    std::string out = make_description(app) + make_usage(app, name) + make_positionals(app);
    if (app->get_parent() == nullptr) out += make_subcommands(app, mode) + make_groups(app, mode);
    else out += make_groups(app, mode) + make_subcommands(app, mode);
    return out + "\n" + make_footer(app);
  }

  std::string make_description(const CLI::App* app) const override {
    std::string out;
    for (const std::string& l : wrap(app->get_description(), kHelpWidth)) out += l + "\n";
    return out;
  }

  std::string make_usage(const CLI::App* app, std::string name) const override {
    if (app->get_parent() == nullptr) return "Usage: " + name + " SUBCOMMAND [OPTIONS]\n";
    return CLI::Formatter::make_usage(app, name);
  }

  std::string make_subcommand(const CLI::App* sub) const override {
    return two_columns(sub->get_name(), sub->get_description(), kSubcommandColumn);
  }

  std::string make_option(const CLI::Option* opt, bool is_positional) const override {
    std::string left = make_option_name(opt, is_positional), desc = opt->get_description();
    if (opt->get_type_size() != 0 && !is_positional) {  // a positional's name says what it is
      // "INT:INT in [1, 4096]": the type, then what the validators say.
      std::string type = opt->get_type_name(), range;
      if (const size_t colon = type.find(':'); colon != std::string::npos) {
        range = type.substr(colon + 1);
        type.erase(colon);
        const size_t word = range.find(' ');
        const std::string first = range.substr(0, word);
        if (!first.empty() && std::all_of(first.begin(), first.end(), [](char c) { return std::isupper(c) != 0; })) {
          type = first;  // "INT in [..]" reads as INT; "FILE" as FILE
          range = word == std::string::npos ? "" : range.substr(word + 1);
        }
      }
      if (!type.empty()) left += " " + type;
      if (!opt->get_default_str().empty()) left += "=" + opt->get_default_str();
      if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) left += " ...";
      if (opt->get_required()) left += " REQUIRED";
      if (!range.empty()) desc += (desc.empty() ? "" : ", ") + range;
    }
    std::string excludes;
    for (const CLI::Option* other : opt->get_excludes()) excludes += (excludes.empty() ? "" : ", ") + other->get_name();
    if (!excludes.empty()) desc += "; excludes " + excludes;
    return two_columns(left, desc, kOptionColumn);
  }
};

// Every flag name of a (sub)command, with its dashes: "--samples", "-n".
std::vector<std::string> flag_names(const CLI::App* app) {
  std::vector<std::string> out;
  for (const CLI::Option* opt : app->get_options()) {
    for (const std::string& l : opt->get_lnames()) out.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) out.push_back("-" + s);
  }
  return out;
}

std::vector<std::string> subcommand_names(const std::vector<Command>& commands) {
  std::vector<std::string> out;
  for (const Command& c : commands) out.push_back(c.app->get_name());
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool looks_like_flag(const std::string& t) {
  return t.size() > 1 && t[0] == '-' && !(std::isdigit(static_cast<unsigned char>(t[1])) || t[1] == '.');
}

// A usage error in relumc's style, exit 2. `sub`: the subcommand whose help the hint names ("" for the
// top level).
int usage_error(const std::string& message, const std::string& sub, bool root) {
  if (root)
    std::fprintf(stderr, "relumc: error: %s\nrun 'relumc %s%s--help' for usage\n", message.c_str(), sub.c_str(),
                 sub.empty() ? "" : " ");
  return kExitUsage;
}

// The unexpected arguments CLI11 left over, explained: an unknown subcommand or flag with the closest
// known names, or a stray argument.
std::string explain_extras(const CLI::App& app, const CLI::App* sub, int argc, char** argv,
                           const std::vector<Command>& commands, const CLI::ExtrasError& e) {
  const std::vector<std::string> left = app.remaining(true);
  const std::set<std::string> extras(left.begin(), left.end());
  // At the top level the first leftover says it all (`relumc verfy --out x`: the subcommand); in a
  // subcommand an unknown flag comes first, so that its value is not blamed instead.
  std::string token;
  for (int pass = sub == nullptr ? 1 : 0; pass < 2 && token.empty(); ++pass)
    for (int i = 1; i < argc && token.empty(); ++i)
      if (extras.count(argv[i]) && (pass == 1 || looks_like_flag(argv[i]))) token = argv[i];
  if (token.empty()) return e.what();
  if (!looks_like_flag(token)) {
    if (sub != nullptr) return fmt::format("unexpected argument '{}' for {}", token, sub->get_name());
    std::string msg = fmt::format("unknown subcommand '{}' (one of {})", token, join(subcommand_names(commands)));
    const std::string hint = did_you_mean(closest(token, subcommand_names(commands)));
    return hint.empty() ? msg : msg + "; " + hint;
  }
  const std::string flag = token.substr(0, token.find('='));
  std::string msg = fmt::format("unknown flag '{}'", flag);
  const std::string hint = did_you_mean(closest(flag, flag_names(sub != nullptr ? sub : &app)));
  if (!hint.empty()) return msg + "; " + hint;
  if (sub == nullptr) {  // a subcommand's flag given before the subcommand
    std::vector<std::string> owners;
    for (const Command& c : commands) {
      const std::vector<std::string> names = flag_names(c.app);
      if (std::find(names.begin(), names.end(), flag) != names.end()) owners.push_back(c.app->get_name());
    }
    if (!owners.empty())
      return msg + fmt::format(": it is a flag of {}, and goes after the subcommand (relumc {} {} ...)", join(owners),
                               owners.front(), flag);
    return msg + " (flags go after the subcommand)";
  }
  return msg + " for " + sub->get_name();
}

// CLI11 drops the empty items of a comma list (`--angles 1,,2` ran the angles 1 and 2, `-d 2,` the dimension
// 2): an empty item is a value left out, and is refused, naming the flag and the list as given ("" if none).
std::string empty_list_item(const CLI::App& sub, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string t = argv[i];
    const size_t eq = t.find('=');
    const bool joined = t.rfind("--", 0) == 0 && eq != std::string::npos;
    const std::string name = joined ? t.substr(0, eq) : t;
    if (!looks_like_flag(name) || (!joined && i + 1 >= argc)) continue;
    const std::string value = joined ? t.substr(eq + 1) : std::string(argv[i + 1]);
    if (value.find(',') == std::string::npos) continue;
    for (const CLI::Option* opt : sub.get_options()) {
      if (opt->get_delimiter() != ',' || !opt->check_name(name)) continue;
      bool empty = value.front() == ',' || value.back() == ',' || value.find(",,") != std::string::npos;
      if (empty) {
        const std::string flag = opt->get_lnames().empty() ? name : "--" + opt->get_lnames().front();
        return fmt::format("{}: '{}' has an empty item (a value left out between commas)", flag, value);
      }
    }
  }
  return "";
}

// CLI11's message, where it is terse, in relumc's words; `app` is the chosen subcommand (or the top level).
std::string explain(const CLI::App& app, const CLI::ParseError& e) {
  std::string what = e.what();
  // "Could not convert: --alpha = abc"
  if (what.rfind("Could not convert: ", 0) == 0) {
    const std::string rest = what.substr(19);
    const size_t eq = rest.find(" = ");
    if (eq != std::string::npos) {
      const std::string flag = rest.substr(0, eq), value = rest.substr(eq + 3);
      std::string kind = "a valid value";
      for (const CLI::Option* opt : app.get_options())
        if (opt->check_name(flag)) {
          const std::string type = opt->get_type_name();
          if (type.rfind("FLOAT", 0) == 0) kind = "a number";
          else if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) kind = "an integer";
        }
      return fmt::format("{} '{}' is not {}", flag, value, kind);
    }
  }
  // "--samples: 1 required TEXT missing"
  if (what.size() > 8 && what.compare(what.size() - 8, 8, " missing") == 0 && what.find(": ") != std::string::npos &&
      what.find(" required ") != std::string::npos)
    return what.substr(0, what.find(": ")) + " needs a value";
  return what;
}

// `relumc help`: the top-level listing, or `relumc help SUBCOMMAND`: that subcommand's help, the very
// text of `relumc SUBCOMMAND --help`.
Command add_help_command(CLI::App& app, const std::vector<Command>& commands) {
  CLI::App* cmd = app.add_subcommand("help", "list the subcommands, or show the flags and examples of one");
  auto topic = std::make_shared<std::string>();
  cmd->add_option("SUBCOMMAND", *topic, "the subcommand to describe (one of the list)");
  cmd->footer(examples({{"relumc help", "the subcommands"}, {"relumc help verify", "= relumc verify --help"}}));
  return {cmd, [&app, &commands, topic] {
            if (topic->empty()) {
              std::fputs(app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal).c_str(), stdout);
              return kExitPass;
            }
            for (const Command& c : commands)
              if (c.app->get_name() == *topic) {
                std::fputs(c.app->help(app.get_name()).c_str(), stdout);
                return kExitPass;
              }
            std::string msg = fmt::format("no subcommand '{}' to describe (one of {})", *topic, join(subcommand_names(commands)));
            const std::string hint = did_you_mean(closest(*topic, subcommand_names(commands)));
            return usage_error(hint.empty() ? msg : msg + "; " + hint, "", Distribution::process().is_root());
          }};
}

}  // namespace
}  // namespace relumc::cli

int main(int argc, char** argv) {
  using namespace relumc::cli;
  relumc::DistributionScope mpi(&argc, &argv);  // MPI only when started by mpirun
  const relumc::Distribution& dist = relumc::Distribution::process();
  CLI::App app{std::string("relumc ") + relumc::kVersion +
               ": Monte Carlo verification of the population gradient of two-layer ReLU networks"};
  app.name("relumc");  // usage lines say relumc, not the path it was started by
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands: they inherit it
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", std::string("relumc ") + relumc::kVersion + " (relumc info: backends, CPU features, GPUs)",
                       "print the version and exit");
  app.require_subcommand(0, 1);  // none: the listing below, exit 2
  app.footer("Run 'relumc help SUBCOMMAND' (or 'relumc SUBCOMMAND --help') for its flags and examples.\n"
             "Exit status: 0 every verdict passes, 1 some verdict fails, 2 bad input or usage.");
  std::vector<Command> commands;
  commands.push_back(add_verify_command(app));
  commands.push_back(add_power_command(app));
  commands.push_back(add_regress_command(app));
  commands.push_back(add_dynamics_command(app));
  commands.push_back(add_landscape_command(app));
  CLI::App* info = app.add_subcommand("info", "backends, CPU features and kernel, GPUs, build options");
  info->footer(examples({{"relumc info", "this build and this machine"},
                         {"mpirun -np 2 relumc info", "also: how many MPI processes share a run"}}));
  commands.push_back({info, [&dist] {
                        if (dist.is_root()) relumc::print_info(stdout);
                        return kExitPass;
                      }});
  commands.push_back(add_help_command(app, commands));
  // The subcommand the arguments chose, the deepest one (`landscape critical`: critical), and its words for
  // the usage hint ("landscape critical").
  const auto selected = [&app]() -> const CLI::App* {
    const CLI::App* s = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
    while (s != nullptr && !s->get_subcommands().empty()) s = s->get_subcommands().front();
    return s;
  };
  const auto words = [&app](const CLI::App* s) {
    std::string out;
    for (; s != nullptr && s != &app; s = s->get_parent()) out = s->get_name() + (out.empty() ? "" : " " + out);
    return out;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    const CLI::App* sub = selected();
    return usage_error(explain_extras(app, sub, argc, argv, commands, e), words(sub), dist.is_root());
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = selected();
    return usage_error(explain(sub != nullptr ? *sub : app, e), words(sub), dist.is_root());
  }
  if (const CLI::App* sub = selected()) {
    const std::string empty = empty_list_item(*sub, argc, argv);
    if (!empty.empty()) return usage_error(empty, words(sub), dist.is_root());
  }
  try {
    for (const Command& c : commands)
      if (c.app->parsed()) return c.run();
    // Bare `relumc`: what there is to run, on stderr since nothing ran (exit 2, as for any usage error).
    if (dist.is_root()) std::fputs(app.help().c_str(), stderr);
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
