# The path warmer in a real engine (engine/daemon/path_warmer.h): warm
# passes while idle change nothing and give way to orders; it reads rings
# other threads write, so also under ThreadSanitizer (label tsan).
add_executable(test_path_warmer ${CMAKE_CURRENT_LIST_DIR}/test_path_warmer.c)
target_include_directories(test_path_warmer PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_path_warmer PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA Threads::Threads)
rg_add_test(test_path_warmer test_path_warmer)
set_tests_properties(test_path_warmer PROPERTIES LABELS tsan)
