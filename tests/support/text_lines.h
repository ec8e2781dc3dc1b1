#pragma once
// A command's output as its lines (without the newlines), for tests that read what the CLI prints.
#include <sstream>
#include <string>
#include <vector>

namespace semaphore::testing {

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace semaphore::testing
