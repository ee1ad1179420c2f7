// The reference Argon2 implementation (Debian: libargon2-dev). No Swift package provides Argon2id,
// so the auth service calls the C library through this system-library target.
#include <argon2.h>
