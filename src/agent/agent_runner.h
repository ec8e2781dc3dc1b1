#pragma once
// `semaphore agent` (issue 16): the ping service far from the database. It learns its hosts and settings from
// the server (assignment_source.h), pings them with the same engines and round scheduler as `semaphore
// probe`, and hands its rows to the same result writer and spool, whose sink is the server
// (http_sink.h); its heartbeat goes to the server too. It needs CAP_NET_RAW (or ping sockets) and outbound
// HTTPS: no database credentials, no inbound port.
//
// At start it waits for a first assignment (or uses the one kept on disk when the server does not answer);
// whenever the server's settings change it stops the ping service (the round in flight finishes, every row
// reaches the server or the spool) and starts it again with the new ones.
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include "agent/agent_client.h"
#include "core/result.h"

namespace semaphore::agent {

struct AgentOptions {
  ClientOptions client;                                 // --server, --token (or --token-file), --ca-file
  std::string spool_dir = "spool";                      // --spool-dir: the spool and the kept assignment
  std::int64_t spool_max_bytes = 1024LL * 1024 * 1024;  // --spool-max-mb
  double rate = 10000;                                  // --rate probes per second
  int batch_size = 1000;                                // --batch-size rows per POST
  int tcp_max_sockets = 128;                            // from the process's descriptor budget (cli)
  std::string worker_id;                                // --worker-id; empty: hostname:pid
};

// Runs until `stop` is requested. Errc::permission_denied (naming the fix) when ICMP cannot be opened,
// Errc::invalid_argument for options that cannot work (a plain-http server off loopback, ...).
Status run_agent(const AgentOptions& options, std::stop_token stop);

}  // namespace semaphore::agent
