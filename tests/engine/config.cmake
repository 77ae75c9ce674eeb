# Config loader tests (engine/config.c).
add_executable(test_config ${CMAKE_CURRENT_SOURCE_DIR}/test_config.c)
target_compile_definitions(test_config PRIVATE RG_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples")
target_link_libraries(test_config PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
rg_add_test(test_config test_config)
