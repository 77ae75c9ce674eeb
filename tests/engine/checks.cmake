# Tests of the risk checks (engine/checks.c, risk_state.c, risk_events.c,
# breaker.c and the inline helpers), one program per area:
# tests/engine/test_checks_<area>.c.  Each builds its configuration in C
# (checks_fixture.h), so none depends on the JSON loader.
file(GLOB RG_CHECKS_TEST_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/test_checks_*.c)
foreach(src IN LISTS RG_CHECKS_TEST_SOURCES)
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(${name} PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
  rg_add_test(${name} ${name})
endforeach()
# The arithmetic test again without the x86-64 assembly, so the portable
# notional (what every other architecture runs) is checked here too.
add_executable(test_checks_arith_portable ${CMAKE_CURRENT_LIST_DIR}/test_checks_arith.c)
target_compile_definitions(test_checks_arith_portable PRIVATE RG_NO_ASM)
target_include_directories(test_checks_arith_portable PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_checks_arith_portable PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
rg_add_test(test_checks_arith_portable test_checks_arith_portable)
