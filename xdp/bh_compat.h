/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The few things the dual-target classifier headers need that differ
 * between clang -target bpf and the host compiler. Nothing else belongs
 * here: the per-target map layer lives in bh_target_kern.h/bh_target_host.h.
 */
#ifndef BH_COMPAT_H
#define BH_COMPAT_H

#include <linux/types.h>

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#else
#include <stddef.h>
#include <string.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define bh_ntohs(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define bh_ntohl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define bh_ntohs(x) ((__u16)(x))
#define bh_ntohl(x) ((__u32)(x))
#else
#error "unknown byte order"
#endif
#define bh_htons(x) bh_ntohs(x)
#define bh_htonl(x) bh_ntohl(x)

#define bh_memcpy __builtin_memcpy
#define bh_memset __builtin_memset

#ifndef bh_likely
#define bh_likely(x) __builtin_expect(!!(x), 1)
#define bh_unlikely(x) __builtin_expect(!!(x), 0)
#endif

#endif /* BH_COMPAT_H */
