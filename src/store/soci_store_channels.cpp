// SociStore's alert channels (AlertStore) and outbox (NotificationStore), issue 14.
#include "store/soci_store.h"

namespace semaphore::store {
namespace {

Error not_yet() {
  return make_error(Errc::internal, "alert channels: not implemented yet");
}

}  // namespace

Result<ChannelRecord> SociStore::add_channel(const ChannelRecord&, std::int64_t) {
  return not_yet();
}
Status SociStore::update_channel(const ChannelRecord&) {
  return not_yet();
}
Status SociStore::delete_channel(Id, Id) {
  return not_yet();
}
Result<ChannelWithStatus> SociStore::find_channel(Id, Id) {
  return not_yet();
}
Result<std::vector<ChannelWithStatus>> SociStore::list_channels(Id) {
  return not_yet();
}
Result<std::vector<DeliveryRecord>> SociStore::channel_deliveries(Id, Id, int) {
  return not_yet();
}
Result<std::vector<ChannelClaim>> SociStore::claim_channels(const ClaimRequest&) {
  return not_yet();
}
Status SociStore::delivery_succeeded(const std::string&, Id, EpochMs) {
  return not_yet();
}
Status SociStore::delivery_failed(const std::string&, Id, EpochMs, const std::string&,
                                  std::optional<EpochMs>) {
  return not_yet();
}
Status SociStore::release_channel(const std::string&, Id) {
  return not_yet();
}
Result<std::int64_t> SociStore::delete_finished_deliveries_before(EpochMs, std::int64_t) {
  return not_yet();
}

std::map<Id, std::vector<ChannelRecord>> SociStore::load_enabled_channels(soci::session&,
                                                                          const std::string&) {
  return {};
}
void SociStore::write_outbox(soci::session&, const std::map<Id, std::vector<ChannelRecord>>&,
                             const std::map<Id, std::string>&, const std::vector<AlertEventRecord>&) {}

}  // namespace semaphore::store
