// The command line of `run`, `serve` and `probe` (src/cli/service_options.h, web_options.h): options and
// their environment variables fill the plain structs the monitor and the web take.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "cli/service_options.h"
#include "cli/web_options.h"

namespace semaphore::cli {
namespace {

using namespace std::chrono_literals;

TEST(ServiceOptions, TcpProbesTakeTheirDescriptorsFromWhatTheProcessLeaves) {
  // `probe`, alone in its process: the limit less a reserve of 256, at most 16,384.
  EXPECT_EQ(tcp_sockets_for(1024, nullptr), 768);
  EXPECT_EQ(tcp_sockets_for(1 << 20, nullptr), 16384);
  EXPECT_EQ(tcp_sockets_for(64, nullptr), 32);  // a limit below the reserve: half of it
  // `run`: half the web server's reserve, plus what its connection cap leaves unused.
  const web::FdBudget small = web::fd_budget_for(1024, 4096);  // every connection it can: 768
  EXPECT_EQ(small.max_connections, 768);
  EXPECT_EQ(tcp_sockets_for(1024, &small), 128);
  const web::FdBudget large = web::fd_budget_for(65536, 4096);  // 65536 - 256 - 4096 unused
  EXPECT_EQ(tcp_sockets_for(65536, &large), 16384);
  const web::FdBudget mid = web::fd_budget_for(8192, 4096);
  EXPECT_EQ(tcp_sockets_for(8192, &mid), 128 + (8192 - 256 - 4096));
  // What the two take together never passes the limit.
  for (const std::uint64_t limit : {256u, 1024u, 4096u, 5000u, 8192u, 70000u}) {
    const web::FdBudget budget = web::fd_budget_for(limit, 4096);
    EXPECT_LE(static_cast<std::uint64_t>(budget.max_connections) +
                  static_cast<std::uint64_t>(tcp_sockets_for(limit, &budget)),
              limit - budget.reserved / 2)
        << limit;
  }
}

TEST(ServiceOptions, CommandLineAndEnvironment) {
  monitor::ServiceOptions options;
  std::optional<TargetPolicy> targets;
  CLI::App app;
  add_service_options(app, options, targets, TargetsHelp::probe);
  ::setenv("SEMAPHORE_PROBES", "3", 1);
  ::setenv("SEMAPHORE_RETENTION_RAW", "7d", 1);
  app.parse(std::vector<std::string>{"--spool-dir=/tmp/x", "--rate=500", "--interval=2s"});  // reversed order
  ::unsetenv("SEMAPHORE_PROBES");
  ::unsetenv("SEMAPHORE_RETENTION_RAW");
  EXPECT_EQ(options.interval, 2000ms);
  EXPECT_EQ(options.probes, 3);
  EXPECT_EQ(options.rate, 500);
  EXPECT_EQ(options.spool_dir, "/tmp/x");
  EXPECT_EQ(options.retention_raw, std::chrono::hours(24 * 7));
  EXPECT_EQ(options.retention_rollup, std::chrono::hours(24 * 730));
}

TEST(ServiceOptions, RefusesBadValues) {
  monitor::ServiceOptions options;
  std::optional<TargetPolicy> targets;
  CLI::App app;
  add_service_options(app, options, targets, TargetsHelp::probe);
  EXPECT_THROW(app.parse(std::vector<std::string>{"--interval=soon"}), CLI::ParseError);
  CLI::App app2;
  add_service_options(app2, options, targets, TargetsHelp::probe);
  EXPECT_THROW(app2.parse(std::vector<std::string>{"--targets=everything"}), CLI::ParseError);
}

TEST(ServiceOptions, TargetsAreRecordedOnlyWhenGiven) {
  // Unset, the command chooses by the sign-up setting (domain/target_choice.h), so "not given" must show.
  monitor::ServiceOptions options;
  std::optional<TargetPolicy> targets;
  CLI::App app;
  add_service_options(app, options, targets, TargetsHelp::run_or_serve);
  app.parse(std::vector<std::string>{"--timeout=1.5s"});
  EXPECT_FALSE(targets.has_value());
  EXPECT_EQ(options.timeout, 1500ms);
  CLI::App again;
  add_service_options(again, options, targets, TargetsHelp::run_or_serve);
  again.parse(std::vector<std::string>{"--targets=public"});
  EXPECT_EQ(targets, TargetPolicy::public_only);
}

TEST(WebOptions, CommandLineAndEnvironment) {
  web::WebOptions options;
  std::optional<TargetPolicy> targets;
  CLI::App app;
  add_web_options(app, options, &targets);
  ::setenv("SEMAPHORE_SESSION_MAX", "2d", 1);
  app.parse(std::vector<std::string>{"--session-idle=1.5h", "--body-limit=64KiB", "--targets=public",
                                     "--max-hosts-per-user=5", "--signup=closed", "--secure-cookies"});
  ::unsetenv("SEMAPHORE_SESSION_MAX");
  EXPECT_EQ(options.session_idle, std::chrono::minutes(90)) << "the richer grammar serves the web too";
  EXPECT_EQ(options.session_max, std::chrono::hours(48));
  EXPECT_EQ(options.body_limit, 65536u);
  EXPECT_EQ(targets, TargetPolicy::public_only);
  EXPECT_EQ(options.hosts.max_hosts_per_user, 5);
  EXPECT_FALSE(options.signup_open);
  EXPECT_TRUE(options.secure_cookies);
  EXPECT_EQ(options.read_timeout, 15s);
}

TEST(WebOptions, RefusesBadValues) {
  // Sizes: once WebOptionsParsing.DurationsAndSizes' parse_size("0") and parse_size("1G").
  for (const char* bad : {"--body-limit=0", "--body-limit=1G", "--body-limit=17GiB", "--body-limit=-1",
                          "--session-idle=-5s", "--session-idle=5 weeks", "--read-timeout=abc",
                          "--max-hosts-per-user=0", "--targets=everything", "--web-threads=65"}) {
    web::WebOptions options;
    std::optional<TargetPolicy> targets;
    CLI::App app;
    add_web_options(app, options, &targets);
    EXPECT_THROW(app.parse(std::vector<std::string>{bad}), CLI::ParseError) << bad;
  }
}

TEST(WebOptions, TrustedProxiesFromTheCommandLineAndTheEnvironment) {
  {
    web::WebOptions options;
    CLI::App app;
    add_web_options(app, options, nullptr);
    app.parse("--trusted-proxy=10.0.0.0/8 --trusted-proxy 2001:db8::/32", /*program_name_included=*/false);
    ASSERT_EQ(options.trusted_proxies.size(), 2u);
    EXPECT_EQ(options.trusted_proxies[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(options.trusted_proxies[1].to_string(), "2001:db8::/32");
  }
  {
    web::WebOptions options;
    CLI::App app;
    add_web_options(app, options, nullptr);
    ::setenv("SEMAPHORE_TRUSTED_PROXY", "192.0.2.7,172.16.0.0/12", 1);
    app.parse(std::vector<std::string>{});
    ::unsetenv("SEMAPHORE_TRUSTED_PROXY");
    ASSERT_EQ(options.trusted_proxies.size(), 2u);
    EXPECT_EQ(options.trusted_proxies[0].to_string(), "192.0.2.7/32");
    EXPECT_EQ(options.trusted_proxies[1].to_string(), "172.16.0.0/12");
  }
  for (const char* bad : {"--trusted-proxy=10.0.0.1/8", "--trusted-proxy=lb.internal", "--trusted-proxy=10/8",
                          "--trusted-proxy=10.0.0.0/33"}) {
    web::WebOptions options;
    CLI::App app;
    add_web_options(app, options, nullptr);
    EXPECT_THROW(app.parse(std::vector<std::string>{bad}), CLI::ParseError) << bad;
  }
}

TEST(WebOptions, RunLeavesTargetsToTheServiceOptions) {
  // `run` registers --targets once: the ping service's option, which the command copies to the web.
  monitor::ServiceOptions service;
  web::WebOptions options;
  std::optional<TargetPolicy> targets;
  CLI::App app;
  add_service_options(app, service, targets, TargetsHelp::run_or_serve);
  add_web_options(app, options, nullptr);
  app.parse(std::vector<std::string>{"--targets=public"});
  EXPECT_EQ(targets, TargetPolicy::public_only);
  const CLI::App& parsed = app;
  EXPECT_EQ(
      parsed.get_options([](const CLI::Option* option) { return option->check_name("--targets"); }).size(),
      1u);
}

}  // namespace
}  // namespace semaphore::cli
