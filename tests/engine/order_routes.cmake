# The engine's route table (engine/daemon/order_routes.h).
add_executable(test_order_routes ${CMAKE_CURRENT_LIST_DIR}/test_order_routes.c)
target_include_directories(test_order_routes PRIVATE ${PROJECT_SOURCE_DIR}/engine/daemon)
target_link_libraries(test_order_routes PRIVATE PkgConfig::RG_CMOCKA)
rg_add_test(test_order_routes test_order_routes)
