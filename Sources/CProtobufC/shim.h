#ifndef COURTSIDE_CPROTOBUFC_SHIM_H
#define COURTSIDE_CPROTOBUFC_SHIM_H
#include <protobuf-c/protobuf-c.h>
#endif
