# semaphore_embed_files(OUTPUT <file.cpp> SYMBOL <name> BASE_DIR <dir> FILES <files...>)
# Generates a C++ source that defines `std::span<const semaphore::EmbeddedFile> semaphore::embedded::<name>()`
# holding each file's bytes under its path relative to BASE_DIR, so the binary needs no files beside it
# (migrations, templates, CSS, uPlot). Regenerated whenever a listed file changes.
function(semaphore_embed_files)
  cmake_parse_arguments(E "" "OUTPUT;SYMBOL;BASE_DIR" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${E_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${E_OUTPUT} -DSYMBOL=${E_SYMBOL} -DBASE_DIR=${E_BASE_DIR}
            "-DFILES=${E_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    COMMENT "Embedding ${E_SYMBOL}"
    VERBATIM)
endfunction()
