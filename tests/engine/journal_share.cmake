# The journal ring's fair share (engine/daemon/journal_share.h).
add_executable(test_journal_share ${CMAKE_CURRENT_LIST_DIR}/test_journal_share.c)
target_link_libraries(test_journal_share PRIVATE riskgate_runtime PkgConfig::RG_CMOCKA)
rg_add_test(test_journal_share test_journal_share)
