#ifndef KITE_C_INTRINSICS_H
#define KITE_C_INTRINSICS_H

/// Asks the CPU to bring the cache line at `address` closer (a hint: never faults, whatever the address).
/// Unlike a load, it retires at once, so many misses overlap without holding up the instructions after them.
static inline void kite_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

#endif
