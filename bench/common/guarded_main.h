#pragma once
// A benchmark's main(): an escaping exception (a bad argument or answer, a failed setup) ends the run with
// one line, "NAME: what went wrong", and exit code 1.
#include <cstdio>
#include <exception>

namespace semaphore::bench {

template <class Run>
int guarded_main(const char* name, int argc, char** argv, Run run) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return 1;
  }
}

}  // namespace semaphore::bench
