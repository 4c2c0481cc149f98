/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Picks the per-target layer for the classifier headers. */
#ifndef BH_TARGET_H
#define BH_TARGET_H

#ifdef __bpf__
#include "bh_target_kern.h"
#else
#include "bh_target_host.h"
#endif

/* One read of a value another CPU or userspace may change. */
#define bh_read_once(x) (*(const volatile __typeof__(x) *)&(x))

#endif /* BH_TARGET_H */
