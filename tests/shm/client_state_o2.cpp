// client_state_o2.c compiled as C++ (-O2 -Wall -Wextra -Werror -Werror=maybe-uninitialized).
#include "client_state_o2.c"
