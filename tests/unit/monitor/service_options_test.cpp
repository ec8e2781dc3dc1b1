#include <gtest/gtest.h>

#include <cstdlib>

#include "monitor/probe_service.h"

namespace semaphore::monitor {
namespace {

using namespace std::chrono_literals;

TEST(ServiceOptions, ParsesDurations) {
  EXPECT_EQ(parse_duration("60s"), 60000ms);
  EXPECT_EQ(parse_duration("2s"), 2000ms);
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("1m"), 60000ms);
  EXPECT_EQ(parse_duration("1.5s"), 1500ms);
  EXPECT_EQ(parse_duration("30d"), std::chrono::milliseconds(30LL * 86400000));
  EXPECT_EQ(parse_duration("12h"), std::chrono::milliseconds(12LL * 3600000));
  EXPECT_EQ(parse_duration("90"), 90000ms);
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("s"));
  EXPECT_FALSE(parse_duration("5 s"));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5y"));
}

TEST(ServiceOptions, CommandLineAndEnvironment) {
  ServiceOptions options;
  CLI::App app;
  add_service_options(app, options);
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
  ServiceOptions options;
  CLI::App app;
  add_service_options(app, options);
  EXPECT_THROW(app.parse(std::vector<std::string>{"--interval=soon"}), CLI::ParseError);
  CLI::App app2;
  add_service_options(app2, options);
  EXPECT_THROW(app2.parse(std::vector<std::string>{"--targets=everything"}), CLI::ParseError);
}

}  // namespace
}  // namespace semaphore::monitor
