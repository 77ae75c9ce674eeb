# The engine thread's log ring (engine/daemon/engine_log.h); lock-free, so
# also run under ThreadSanitizer (label tsan).
add_executable(test_engine_log ${CMAKE_CURRENT_LIST_DIR}/test_engine_log.c)
target_link_libraries(test_engine_log PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA Threads::Threads)
rg_add_test(test_engine_log test_engine_log)
set_tests_properties(test_engine_log PROPERTIES LABELS tsan)
