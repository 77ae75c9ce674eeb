# Dead-man rule tests (engine/daemon/dead_man.h).
add_executable(test_dead_man ${CMAKE_CURRENT_LIST_DIR}/test_dead_man.c)
target_link_libraries(test_dead_man PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA)
rg_add_test(test_dead_man test_dead_man)
