# The mass cancel's walks again (engine/daemon/mass_cancel.h, rg_cancel_retry_next).
add_executable(test_mass_cancel_retry ${CMAKE_CURRENT_LIST_DIR}/test_mass_cancel_retry.c)
target_link_libraries(test_mass_cancel_retry PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA)
rg_add_test(test_mass_cancel_retry test_mass_cancel_retry)
