// glibc's malloc extensions (malloc_trim), which Swift's Glibc module leaves out. Part of libc: nothing to link.
#include <malloc.h>
