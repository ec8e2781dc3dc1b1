#pragma once
// The host page's path section (issue 15): the current path as a table (hop, address, name, loss, RTT
// min/avg/max), the newest verdict, and the history of path changes (old -> new, each expandable). Kept in a
// module and a template of its own (templates/host_paths.mustache) beside the rest of the host page.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/path_store.h"
#include "web/view/templates.h"

namespace semaphore::web {

// How many paths the section reads: the newest ones (for the current path and the newest verdict) and the
// newest changes.
inline constexpr int kPathsRead = 20;
inline constexpr int kPathChangesShown = 10;

// The section's HTML for a user's host. A read failure shows as a note in the section (the rest of the page
// still shows); another user's host never gets here (the page checked it first).
std::string render_host_paths(const Templates& templates, store::PathStore& paths, store::Id user_id,
                              store::Id host_id);

}  // namespace semaphore::web
