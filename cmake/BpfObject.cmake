# SPDX-License-Identifier: GPL-2.0-only
# Compile BPF C with clang and generate libbpf skeletons with bpftool.

find_program(BH_CLANG NAMES clang clang-14 REQUIRED)
find_program(BH_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

# clang -target bpf does not search the host's multiarch include dir
# (asm/types.h); add clang's own system dirs after ours, as libbpf-bootstrap
# does.
execute_process(COMMAND ${BH_CLANG} -v -E -x c /dev/null -o /dev/null
		ERROR_VARIABLE _bh_clang_v OUTPUT_QUIET)
string(REGEX MATCH "search starts here:\n(.*)End of search list" _m "${_bh_clang_v}")
string(REGEX MATCHALL "(/[^\n ]+)" _bh_dirs "${CMAKE_MATCH_1}")
set(BH_BPF_SYS_INCLUDES "")
foreach(_d ${_bh_dirs})
	list(APPEND BH_BPF_SYS_INCLUDES -idirafter ${_d})
endforeach()

# bh_add_bpf_object(<name> <source> [DEFINES -DX=1 ...])
# Produces <name>.bpf.o and <name>.skel.h in the current binary dir and an
# INTERFACE library <name>_skel that exposes the skeleton header.
function(bh_add_bpf_object NAME SRC)
	cmake_parse_arguments(ARG "" "" "DEFINES" ${ARGN})
	set(obj ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
	set(skel ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.skel.h)
	get_filename_component(src_abs ${SRC} ABSOLUTE)
	file(GLOB hdrs ${PROJECT_SOURCE_DIR}/xdp/*.h)
	add_custom_command(OUTPUT ${obj}
		COMMAND ${BH_CLANG} -g -O2 -target bpf -mcpu=v3
			-Wall -Werror -Wno-unused-function
			-I${PROJECT_SOURCE_DIR}/xdp ${ARG_DEFINES}
			${BH_BPF_SYS_INCLUDES} -c ${src_abs} -o ${obj}
		DEPENDS ${src_abs} ${hdrs}
		COMMENT "BPF ${NAME}.bpf.o"
		VERBATIM)
	add_custom_command(OUTPUT ${skel}
		COMMAND sh -c "${BH_BPFTOOL} gen skeleton ${obj} name ${NAME} > ${skel}.tmp && mv ${skel}.tmp ${skel}"
		DEPENDS ${obj}
		COMMENT "skeleton ${NAME}.skel.h"
		VERBATIM)
	add_custom_target(${NAME}_bpf ALL DEPENDS ${obj} ${skel})
	add_library(${NAME}_skel INTERFACE)
	target_include_directories(${NAME}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
	target_link_libraries(${NAME}_skel INTERFACE PkgConfig::LIBBPF)
	add_dependencies(${NAME}_skel ${NAME}_bpf)
	set_property(GLOBAL APPEND PROPERTY BH_BPF_OBJECTS ${obj})
endfunction()
