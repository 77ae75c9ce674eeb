# Config loader tests of the REST venue keys (engine/config.c, docs/adapters.md).
add_executable(test_config_rest ${CMAKE_CURRENT_SOURCE_DIR}/test_config_rest.c)
target_compile_definitions(test_config_rest PRIVATE RG_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples")
target_link_libraries(test_config_rest PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
rg_add_test(test_config_rest test_config_rest)
