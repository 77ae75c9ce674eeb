# Config loader tests of the FIX venue keys (engine/config.c, docs/adapters.md).
add_executable(test_config_fix ${CMAKE_CURRENT_SOURCE_DIR}/test_config_fix.c)
target_compile_definitions(test_config_fix PRIVATE RG_EXAMPLES_DIR="${CMAKE_SOURCE_DIR}/examples")
target_link_libraries(test_config_fix PRIVATE riskgate_engine PkgConfig::RG_CMOCKA)
rg_add_test(test_config_fix test_config_fix)
