/* A tight infinite loop: the program never ends by itself. The expectation is `exit: timeout`
 * (the harness kills it after 2 s); a VM should end it by fuel or time limit. */
#include "cw_asm.h"

CW_FUNC main
    PUTS "looping forever\n"
1:  j 1b
