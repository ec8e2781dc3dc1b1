// An assignment sent as its changes (domain/assignment_changes.h): the changes from an old list, applied to
// it, give the new list and its version exactly; changes from another version, or that miss a change, are
// refused; the server remembers a few versions per location and answers the whole list for any other.
#include "domain/assignment_changes.h"

#include <gtest/gtest.h>

#include <variant>

namespace semaphore::domain {
namespace {

store::Host host(store::Id id, const std::string& name, ProbeSpec probe = {}) {
  store::Host h;
  h.id = id;
  h.hostname = name;
  h.probe = probe;
  return h;
}

AgentAssignment assignment_of(std::vector<store::Host> hosts, AgentSettings settings = {}) {
  AgentAssignment made;
  made.location = "fra";
  made.settings = settings;
  made.hosts = std::move(hosts);
  made.version = assignment_version(made.settings, made.hosts);
  return made;
}

std::vector<store::Id> ids_of(const std::vector<store::Host>& hosts) {
  std::vector<store::Id> ids;
  for (const auto& h : hosts) ids.push_back(h.id);
  return ids;
}

void expect_same_hosts(const std::vector<store::Host>& got, const std::vector<store::Host>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].hostname, want[i].hostname);
    EXPECT_EQ(got[i].probe, want[i].probe);
  }
}

// Ten hosts, then: 2 removed, 4 renamed, 6's probe changed, 11 and 12 added (12 at the end, 0 not used).
AgentAssignment old_list() {
  std::vector<store::Host> hosts;
  for (store::Id id = 1; id <= 10; ++id) hosts.push_back(host(id, "h" + std::to_string(id) + ".example.com"));
  return assignment_of(hosts);
}
AgentAssignment new_list() {
  std::vector<store::Host> hosts;
  for (store::Id id = 1; id <= 12; ++id) {
    if (id == 2) continue;
    hosts.push_back(host(id, "h" + std::to_string(id) + ".example.com"));
  }
  hosts[2].hostname = "renamed.example.com";          // id 4
  hosts[4].probe = ProbeSpec{ProbeMethod::tcp, 443};  // id 6
  return assignment_of(hosts);
}

TEST(AssignmentChanges, TheChangesAppliedToTheOldListGiveTheNewOneAndItsVersion) {
  const AgentAssignment before = old_list();
  const AgentAssignment after = new_list();
  const AssignmentChanges changes = changes_between(fingerprint_hosts(before.hosts), before.version, after);
  EXPECT_EQ(changes.since, before.version);
  EXPECT_EQ(changes.version, after.version);
  EXPECT_EQ(ids_of(changes.changed), (std::vector<store::Id>{4, 6, 11, 12}));
  EXPECT_EQ(changes.removed, (std::vector<store::Id>{2}));

  auto applied = apply_changes(before, changes);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied->version, after.version);
  EXPECT_EQ(applied->location, "fra");
  expect_same_hosts(applied->hosts, after.hosts);
}

TEST(AssignmentChanges, OnlyTheSettingsChangedIsAChangeWithNoHosts) {
  const AgentAssignment before = old_list();
  AgentSettings slower;
  slower.interval = std::chrono::seconds(300);
  const AgentAssignment after = assignment_of(before.hosts, slower);
  const AssignmentChanges changes = changes_between(fingerprint_hosts(before.hosts), before.version, after);
  EXPECT_TRUE(changes.changed.empty());
  EXPECT_TRUE(changes.removed.empty());
  auto applied = apply_changes(before, changes);
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied->settings, slower);
  expect_same_hosts(applied->hosts, before.hosts);
}

TEST(AssignmentChanges, ChangesFromAnotherVersionOrMissingAChangeAreRefused) {
  const AgentAssignment before = old_list();
  const AgentAssignment after = new_list();
  AssignmentChanges changes = changes_between(fingerprint_hosts(before.hosts), before.version, after);

  AssignmentChanges other_base = changes;
  other_base.since = "0123456789abcdef0123456789abcdef";
  EXPECT_FALSE(apply_changes(before, other_base).ok());

  AssignmentChanges missing_one = changes;
  missing_one.changed.erase(missing_one.changed.begin());  // the rename of 4 lost on the way
  EXPECT_FALSE(apply_changes(before, missing_one).ok()) << "the version check catches what the diff missed";

  AssignmentChanges not_removed = changes;
  not_removed.removed.clear();
  EXPECT_FALSE(apply_changes(before, not_removed).ok());
}

TEST(AssignmentChanges, ChangesReadBackAsTheySentAndAWholeListStaysWhole) {
  const AgentAssignment before = old_list();
  const AgentAssignment after = new_list();
  const AssignmentChanges changes = changes_between(fingerprint_hosts(before.hosts), before.version, after);
  auto decoded = decode_assignment_reply(encode_assignment_changes(changes));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto* got = std::get_if<AssignmentChanges>(&*decoded);
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->since, changes.since);
  EXPECT_EQ(got->version, changes.version);
  EXPECT_EQ(got->removed, changes.removed);
  expect_same_hosts(got->changed, changes.changed);

  auto whole = decode_assignment_reply(encode_assignment(after));
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(std::holds_alternative<AgentAssignment>(*whole));
  expect_same_hosts(std::get<AgentAssignment>(*whole).hosts, after.hosts);

  for (
      const std::string text :
      {R"({"version":"v","location":"x","settings":{"interval_ms":1000,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"public"},"since":"w","changed":[]})",
       R"({"version":"v","location":"x","settings":{"interval_ms":1000,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"public"},"since":"w","changed":[],"removed":[0]})",
       R"({"version":"v","location":"x","settings":{"interval_ms":1000,"probes":5,"timeout_ms":0,"probe_spacing_ms":0,"targets":"public"},"since":"w","changed":[{"id":1}],"removed":[]})"}) {
    EXPECT_FALSE(decode_assignment_reply(text).ok()) << text;
  }
}

TEST(AssignmentHistory, RemembersTheLastVersionsOfEachLocationAndNoOthers) {
  AssignmentHistory history(2);
  const AgentAssignment v1 = old_list();
  const AgentAssignment v2 = new_list();
  EXPECT_FALSE(history.changes_since(7, v1, "").has_value()) << "no version held: the whole list";
  EXPECT_FALSE(history.changes_since(7, v1, v1.version).has_value()) << "the same version: the whole list";
  auto changes = history.changes_since(7, v2, v1.version);
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(ids_of(changes->changed), (std::vector<store::Id>{4, 6, 11, 12}));
  EXPECT_FALSE(history.changes_since(8, v2, v1.version).has_value())
      << "another location never handed v1 out";

  std::vector<store::Host> third_hosts = v2.hosts;
  third_hosts.push_back(host(13, "h13.example.com"));
  const AgentAssignment v3 = assignment_of(third_hosts);
  EXPECT_TRUE(history.changes_since(7, v3, v2.version).has_value());
  EXPECT_EQ(history.versions_held(7), 2u);
  EXPECT_FALSE(history.changes_since(7, v3, v1.version).has_value()) << "v1 is forgotten: the whole list";
}

TEST(AssignmentHistory, ChangesAsLargeAsTheListAreSentAsTheWholeList) {
  AssignmentHistory history;
  const AgentAssignment before = assignment_of({host(1, "a.example.com"), host(2, "b.example.com")});
  const AgentAssignment after = assignment_of({host(1, "c.example.com"), host(2, "d.example.com")});
  (void)history.changes_since(1, before, "");
  EXPECT_FALSE(history.changes_since(1, after, before.version).has_value());
}

}  // namespace
}  // namespace semaphore::domain
