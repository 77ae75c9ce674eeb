# Venue hold queue tests (engine/daemon/venue_hold.h).
add_executable(test_venue_hold ${CMAKE_CURRENT_LIST_DIR}/test_venue_hold.c)
target_link_libraries(test_venue_hold PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA)
rg_add_test(test_venue_hold test_venue_hold)
