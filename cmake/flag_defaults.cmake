# Loaded by project() after CMake's compiler modules set their default flags and before they are used
# (CMAKE_USER_MAKE_RULES_OVERRIDE): setting the _INIT value earlier only prepends to CMake's "-O2 -g", whose
# -g then wins. A value given on the command line (-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=...) still wins.
#
# RelWithDebInfo with line tables only (-g1): enough for backtraces, perf and the sanitizers' reports, and a
# fifth less compile time than -g (8.1 s -> 6.1 s for a store unit, 10.5 -> 7.8 s for a CLI unit; the build is
# most of CI's time). To step through with gdb's locals: -DCMAKE_BUILD_TYPE=Debug. The package's binary is
# stripped either way.
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO_INIT "-O2 -g1 -DNDEBUG")
