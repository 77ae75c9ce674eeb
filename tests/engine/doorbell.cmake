# The doorbell's protocol raced by two threads (shm/doorbell.h,
# engine/daemon/doorbell_wait.h); lock-free, so also under ThreadSanitizer.
add_executable(test_doorbell ${CMAKE_CURRENT_LIST_DIR}/test_doorbell.c)
target_link_libraries(test_doorbell PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA Threads::Threads)
rg_add_test(test_doorbell test_doorbell)
set_tests_properties(test_doorbell PROPERTIES LABELS tsan)
