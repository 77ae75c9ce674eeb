# The TSC pass clock the engine stamps each pass with (engine/tsc_clock.h).
add_executable(test_tsc_clock ${CMAKE_CURRENT_LIST_DIR}/test_tsc_clock.c)
target_link_libraries(test_tsc_clock PRIVATE riskgate_engine PkgConfig::RG_CMOCKA Threads::Threads)
rg_add_test(test_tsc_clock test_tsc_clock)
