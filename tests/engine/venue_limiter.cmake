# Venue rate limiter tests (engine/venue_limiter.c).
add_executable(test_venue_limiter ${CMAKE_CURRENT_SOURCE_DIR}/test_venue_limiter.c)
target_link_libraries(test_venue_limiter PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
rg_add_test(test_venue_limiter test_venue_limiter)
target_link_libraries(test_venue_limiter PRIVATE Threads::Threads)
set_tests_properties(test_venue_limiter PROPERTIES RUN_SERIAL ON LABELS tsan)
