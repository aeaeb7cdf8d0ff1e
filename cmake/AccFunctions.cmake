# AccFunctions.cmake - build .ac (C with async/await) sources with CMake.
#
# Used in two ways:
#   * in acc's own build tree, where the top-level CMakeLists.txt sets
#       ACC_EXECUTABLE      $<TARGET_FILE:acc>
#       ACC_RUNTIME_TARGET  ac::ac
#     before including this file;
#   * from an installed acc, through find_package(acc), whose accConfig.cmake
#     sets ACC_EXECUTABLE to the installed acc (imported as acc::acc) and
#     ACC_RUNTIME_TARGET to acc::ac before including this file.
#
# Functions
#
#   ac_target_sources(<target> [PRIVATE|PUBLIC|INTERFACE] <file>...
#                     [PRIVATE|PUBLIC|INTERFACE <file>...]...)
#       Like target_sources() (the scope defaults to PRIVATE), except that
#       * each `.ac` file is transpiled at build time by
#             acc ${ACC_FLAGS} <absolute path of the .ac> -o <out>.c
#         into ${CMAKE_CURRENT_BINARY_DIR}/<path>.c, and that .c is added
#         to the target instead.  <path> is the file's path relative to
#         ${CMAKE_CURRENT_SOURCE_DIR} (or to ${CMAKE_CURRENT_BINARY_DIR} for
#         a generated .ac) without its extension: src/net.ac -> src/net.c.
#         The generated .c is compiled with `-iquote <dir of the .ac>` so its
#         `#include "x.h"` finds headers next to the .ac, as it would if the
#         .ac were compiled in place.  `#line` directives in the generated C
#         name the .ac, so diagnostics and debuggers point at it;
#       * each `.ah` file (a header that declares async functions) is
#         transpiled into ${CMAKE_CURRENT_BINARY_DIR}/ac_include/<path>.h,
#         and ${CMAKE_CURRENT_BINARY_DIR}/ac_include is added to the target's
#         include directories with the given scope.  The generated headers
#         are (private) sources of the target, so CMake generates them before
#         it compiles any of the target's files;
#       * every other file is passed to target_sources() unchanged.
#       Each .ac/.ah has its own build rule: editing one re-runs acc on that
#       file only, and recompiles only what includes its output.
#       Call it in the directory that created <target> (CMake runs a custom
#       command only for targets of the directory that defines it).
#
#   ac_add_executable(<name> [WIN32] [MACOSX_BUNDLE] [EXCLUDE_FROM_ALL]
#                     <file>...)
#   ac_add_library(<name> [STATIC|SHARED|MODULE|OBJECT] [EXCLUDE_FROM_ALL]
#                  <file>...)
#       add_executable()/add_library() + ac_target_sources(<name> PRIVATE
#       <file>...) + target_link_libraries() with ${ACC_RUNTIME_TARGET}
#       (PRIVATE for an executable, PUBLIC for a library).  A library's
#       .ah files are its async API: their generated include dir is PUBLIC,
#       so targets that link the library can #include the generated .h.
#
# Variables read when a function is called (the values seen when this file
# was included are the fallback, so the functions also work from directories
# that do not see the caller's variables):
#
#   ACC_EXECUTABLE      the acc to run: a path, or $<TARGET_FILE:tgt> for a
#                       target built in this project (then each transpile
#                       step depends on that target and is re-run when it is
#                       rebuilt).
#   ACC_RUNTIME_TARGET  the runtime library target to link (ac::ac, acc::ac).
#   ACC_FLAGS           a list of extra arguments for acc, e.g. --no-line.

# Remember the values seen at include time as global fallbacks.
foreach(_acc_var ACC_EXECUTABLE ACC_RUNTIME_TARGET ACC_FLAGS)
  if(DEFINED ${_acc_var})
    set_property(GLOBAL PROPERTY _ACC_DEFAULT_${_acc_var} "${${_acc_var}}")
  endif()
endforeach()
unset(_acc_var)

# _acc_setting(<out-var> <name>): the caller's value of <name>, or the global
# default recorded when this file was included.
macro(_acc_setting _out _name)
  if(DEFINED ${_name})
    set(${_out} "${${_name}}")
  else()
    get_property(${_out} GLOBAL PROPERTY _ACC_DEFAULT_${_name})
  endif()
endmacro()

# _acc_output_path(<out-var> <abs-path> <new-ext>): where the transpiled file
# of <abs-path> goes, relative to ${CMAKE_CURRENT_BINARY_DIR}.
function(_acc_output_path _out _abs _ext)
  get_filename_component(_dir "${_abs}" DIRECTORY)
  get_filename_component(_name "${_abs}" NAME_WLE)
  # Relative to the binary dir for a generated file, else to the source dir;
  # when both contain it (one tree inside the other), the innermost wins.
  set(_base "")
  foreach(_root "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_BINARY_DIR}")
    file(RELATIVE_PATH _r "${_root}" "${_dir}")
    if(NOT _r MATCHES "^\\.\\.(/|$)" AND NOT IS_ABSOLUTE "${_r}")
      string(LENGTH "${_root}" _len)
      if(NOT _base OR _len GREATER _base_len)
        set(_base "${_root}")
        set(_base_len ${_len})
        set(_rel "${_r}")
      endif()
    endif()
  endforeach()
  if(_base)
    if(NOT _rel STREQUAL "")
      set(_rel "${_rel}/")
    endif()
  else()
    # Outside both trees: mirror its absolute path under ac_ext/.
    string(REGEX REPLACE "^([A-Za-z]):" "\\1" _rel "${_dir}")
    string(REGEX REPLACE "^/+" "" _rel "${_rel}")
    set(_rel "ac_ext/${_rel}/")
  endif()
  set(${_out} "${_rel}${_name}${_ext}" PARENT_SCOPE)
endfunction()

# _acc_transpile(<abs-input> <abs-output>): the custom command that
# runs acc on one file (once per output and directory).
function(_acc_transpile _abs _out)
  get_property(_done DIRECTORY PROPERTY _ACC_OUTPUTS)
  if("${_out}" IN_LIST _done)
    return()
  endif()
  set_property(DIRECTORY APPEND PROPERTY _ACC_OUTPUTS "${_out}")

  _acc_setting(_acc ACC_EXECUTABLE)
  _acc_setting(_flags ACC_FLAGS)
  if(NOT _acc)
    message(FATAL_ERROR "acc: ACC_EXECUTABLE is not set; use find_package(acc)"
                        " or set it to the acc program")
  endif()

  set(_deps "${_abs}")
  if(_acc MATCHES "^\\$<TARGET_FILE:([^>]+)>$")
    # Built in this project: depend on the target, which (for an executable
    # target) is both an ordering and a file-level dependency.
    list(APPEND _deps "${CMAKE_MATCH_1}")
  elseif(IS_ABSOLUTE "${_acc}" AND NOT _acc MATCHES "\\$<")
    list(APPEND _deps "${_acc}")
  endif()

  get_filename_component(_outdir "${_out}" DIRECTORY)
  file(MAKE_DIRECTORY "${_outdir}")
  file(RELATIVE_PATH _shown "${CMAKE_SOURCE_DIR}" "${_abs}")
  if(_shown MATCHES "^\\.\\.(/|$)" OR IS_ABSOLUTE "${_shown}")
    set(_shown "${_abs}")
  endif()
  add_custom_command(
    OUTPUT "${_out}"
    COMMAND ${_acc} ${_flags} "${_abs}" -o "${_out}"
    DEPENDS ${_deps}
    COMMENT "Transpiling ${_shown}"
    VERBATIM)
endfunction()

function(ac_target_sources _target)
  if(NOT TARGET "${_target}")
    message(FATAL_ERROR "ac_target_sources: no target named '${_target}'")
  endif()
  get_target_property(_tdir "${_target}" SOURCE_DIR)
  if(NOT _tdir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    message(FATAL_ERROR "ac_target_sources(${_target}): call it in the directory"
      " that created the target (${_tdir}); CMake runs the transpile steps only"
      " for targets of the directory that defines them")
  endif()
  get_target_property(_ttype "${_target}" TYPE)

  set(_scope PRIVATE)
  set(_include_scopes "")
  foreach(_arg IN LISTS ARGN)
    if(_arg MATCHES "^(PRIVATE|PUBLIC|INTERFACE)$")
      set(_scope "${_arg}")
      continue()
    endif()
    get_filename_component(_abs "${_arg}" ABSOLUTE
                           BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    get_filename_component(_ext "${_arg}" LAST_EXT)
    if(_ext STREQUAL ".ac")
      _acc_output_path(_rel "${_abs}" ".c")
      if(CMAKE_CURRENT_BINARY_DIR STREQUAL CMAKE_CURRENT_SOURCE_DIR)
        # In-source build: keep the outputs away from the sources.
        set(_rel "ac_gen/${_rel}")
      endif()
      set(_out "${CMAKE_CURRENT_BINARY_DIR}/${_rel}")
      _acc_transpile("${_abs}" "${_out}")
      get_filename_component(_acdir "${_abs}" DIRECTORY)
      set_property(SOURCE "${_out}" APPEND PROPERTY COMPILE_OPTIONS
                   "-iquote${_acdir}")
      target_sources("${_target}" ${_scope} "${_out}")
    elseif(_ext STREQUAL ".ah")
      _acc_output_path(_rel "${_abs}" ".h")
      set(_out "${CMAKE_CURRENT_BINARY_DIR}/ac_include/${_rel}")
      _acc_transpile("${_abs}" "${_out}")
      # A private source, whatever the scope: it makes the target generate
      # the header before compiling.  The scope goes to the include dir.
      if(_ttype STREQUAL "INTERFACE_LIBRARY")
        target_sources("${_target}" INTERFACE "${_out}")
      else()
        target_sources("${_target}" PRIVATE "${_out}")
      endif()
      if(NOT _scope IN_LIST _include_scopes)
        list(APPEND _include_scopes ${_scope})
        target_include_directories("${_target}" ${_scope}
          "$<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/ac_include>")
      endif()
    else()
      target_sources("${_target}" ${_scope} "${_arg}")
    endif()
  endforeach()
endfunction()

function(ac_add_executable _name)
  set(_opts "")
  set(_files "")
  foreach(_arg IN LISTS ARGN)
    if(_arg MATCHES "^(WIN32|MACOSX_BUNDLE|EXCLUDE_FROM_ALL)$")
      list(APPEND _opts "${_arg}")
    else()
      list(APPEND _files "${_arg}")
    endif()
  endforeach()
  add_executable("${_name}" ${_opts})
  ac_target_sources("${_name}" PRIVATE ${_files})
  _acc_setting(_rt ACC_RUNTIME_TARGET)
  if(_rt)
    target_link_libraries("${_name}" PRIVATE ${_rt})
  endif()
endfunction()

function(ac_add_library _name)
  set(_opts "")
  set(_files "")
  foreach(_arg IN LISTS ARGN)
    if(_arg MATCHES "^(STATIC|SHARED|MODULE|OBJECT|EXCLUDE_FROM_ALL)$")
      list(APPEND _opts "${_arg}")
    else()
      list(APPEND _files "${_arg}")
    endif()
  endforeach()
  add_library("${_name}" ${_opts})
  # A library's .ah headers are its async API: their include dir is PUBLIC.
  set(_headers "${_files}")
  list(FILTER _headers INCLUDE REGEX "\\.ah$")
  list(FILTER _files EXCLUDE REGEX "\\.ah$")
  ac_target_sources("${_name}" PRIVATE ${_files} PUBLIC ${_headers})
  _acc_setting(_rt ACC_RUNTIME_TARGET)
  if(_rt)
    target_link_libraries("${_name}" PUBLIC ${_rt})
  endif()
endfunction()
