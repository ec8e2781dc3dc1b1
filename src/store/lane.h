#pragma once
// The store's connections come in two sets (lanes), so that a page never waits for background work's
// connections. The ping service's writer, the heartbeat, the alert senders, maintenance and the deferred
// session touches use the background lane; while the database refuses writes (a held SQLite write lock, a
// backup) each of them can hold a connection for the whole busy timeout, and with one shared pool every page
// queued behind them (issue 12's soak: /report took 40 s during an outage although SQLite's readers go on).
// The interactive lane is for calls that something waits for on a deadline: a web request's handler marks
// its thread interactive for the request (WebApp::handle), and the ping service for the read of a round's
// host list (RoundScheduler::run_round), which the round's start waits for. Every other thread (the CLI's
// included) is background.
namespace semaphore::store {

enum class Lane { background, interactive };

// The lane this thread's store calls use now.
Lane current_lane();

// While alive, this thread's store calls use the interactive lane; the lane before is restored when it
// goes (so scopes nest).
class InteractiveLane {
 public:
  InteractiveLane();
  ~InteractiveLane();
  InteractiveLane(const InteractiveLane&) = delete;
  InteractiveLane& operator=(const InteractiveLane&) = delete;

 private:
  Lane previous_;
};

// While alive, this thread's store calls use the background lane, inside a request: a web handler that
// writes what nobody waits for on a page (an agent's batch of rows, api/v1_agent.cpp), so that its waits on
// the database's write lock hold a background connection, never one the pages need.
class BackgroundLane {
 public:
  BackgroundLane();
  ~BackgroundLane();
  BackgroundLane(const BackgroundLane&) = delete;
  BackgroundLane& operator=(const BackgroundLane&) = delete;

 private:
  Lane previous_;
};

}  // namespace semaphore::store
