/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NHRP codec: RFC 2332 packets with Cisco's DMVPN additions (traffic
 * indication, the NAT extension, cleartext authentication, vendor-private
 * NHRP group), parsed from and built into byte buffers.
 *
 * No I/O, no allocation, no globals: nhrp_parse() fills a caller-owned
 * struct nhrp_msg whose variable parts (error/traffic payload, opaque
 * extension bodies) point into the caller's buffer, so the message is only
 * valid while that buffer is.  Malformed input is refused with a reason
 * and the byte offset where the problem is; nothing past the given length
 * is ever read.
 *
 * The buffer starts at the NHRP fixed header (the GRE payload, protocol
 * type 0x2001).
 */
#ifndef DMVPN_NHRP_H
#define DMVPN_NHRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NHRP_VERSION		1
#define NHRP_FIXED_HDR_LEN	20
#define NHRP_CIE_HDR_LEN	12
#define NHRP_EXT_HDR_LEN	4
#define NHRP_ETHERTYPE		0x2001	/* GRE protocol type of NHRP */

/* ar$afn: address family numbers (IANA) of the NBMA address */
#define NHRP_AFN_IPV4		1
#define NHRP_AFN_IPV6		2
/* ar$pro.type: the protocol (an EtherType) of the protocol addresses */
#define NHRP_PROTO_IPV4		0x0800
#define NHRP_PROTO_IPV6		0x86dd

/* ar$op.type */
enum nhrp_type {
	NHRP_RESOLUTION_REQUEST = 1,
	NHRP_RESOLUTION_REPLY = 2,
	NHRP_REGISTRATION_REQUEST = 3,
	NHRP_REGISTRATION_REPLY = 4,
	NHRP_PURGE_REQUEST = 5,
	NHRP_PURGE_REPLY = 6,
	NHRP_ERROR_INDICATION = 7,
	NHRP_TRAFFIC_INDICATION = 8,	/* Cisco: the hub's redirect */
};

/* Flags in the mandatory part; their meaning depends on the type. */
#define NHRP_FLAG_RES_Q		0x8000	/* source is a router */
#define NHRP_FLAG_RES_A		0x4000	/* authoritative */
#define NHRP_FLAG_RES_D		0x2000	/* destination is stable */
#define NHRP_FLAG_RES_U		0x1000	/* unique */
#define NHRP_FLAG_RES_S		0x0800	/* source is stable */
#define NHRP_FLAG_REG_U		0x8000	/* unique */
#define NHRP_FLAG_PURGE_N	0x8000	/* no reply wanted */
#define NHRP_FLAG_NAT		0x0002	/* Cisco: sender understands NAT ext */

/* Error Indication codes (RFC 2332 5.2.7) */
enum nhrp_error_code {
	NHRP_ERR_UNRECOGNIZED_EXTENSION = 1,
	NHRP_ERR_LOOP_DETECTED = 3,
	NHRP_ERR_PROTO_ADDR_UNREACHABLE = 6,
	NHRP_ERR_PROTOCOL_ERROR = 7,
	NHRP_ERR_SDU_SIZE_EXCEEDED = 8,
	NHRP_ERR_INVALID_EXTENSION = 9,
	NHRP_ERR_INVALID_RES_REPLY = 10,
	NHRP_ERR_AUTH_FAILURE = 11,
	NHRP_ERR_HOP_COUNT_EXCEEDED = 15,
};

/* CIE codes (RFC 2332 5.2.0.1 and per type) */
enum nhrp_cie_code {
	NHRP_CODE_SUCCESS = 0,
	NHRP_CODE_ADMIN_PROHIBITED = 4,
	NHRP_CODE_INSUFFICIENT_RESOURCES = 5,
	NHRP_CODE_NO_BINDING = 12,
	NHRP_CODE_BINDING_NOT_UNIQUE = 13,
	NHRP_CODE_UNIQUE_ALREADY_REGISTERED = 14,
};

/* Extension types, without the compulsory bit */
#define NHRP_EXT_COMPULSORY	0x8000
enum nhrp_ext_type {
	NHRP_EXT_END = 0,
	NHRP_EXT_RESPONDER = 3,
	NHRP_EXT_FORWARD_TRANSIT = 4,
	NHRP_EXT_REVERSE_TRANSIT = 5,
	NHRP_EXT_AUTH = 7,
	NHRP_EXT_VENDOR = 8,
	NHRP_EXT_NAT_ADDRESS = 9,	/* Cisco */
};

/* Cisco cleartext authentication: 32-bit type 1, then the secret. */
#define NHRP_AUTH_CLEARTEXT	1
#define NHRP_AUTH_SECRET_MAX	8

#define NHRP_ADDR_MAX		16
#define NHRP_MAX_CIES		16	/* per list; more is refused */
#define NHRP_MAX_UNKNOWN_EXTS	8
#define NHRP_VENDOR_DATA_MAX	64

/* A variable-length address as carried on the wire: len 0 = absent. */
struct nhrp_addr {
	uint8_t len;
	uint8_t bytes[NHRP_ADDR_MAX];
};

/* Client Information Entry */
struct nhrp_cie {
	uint8_t code;
	uint8_t prefix_len;
	uint16_t mtu;
	uint16_t holding_time;
	uint8_t preference;
	struct nhrp_addr nbma;
	struct nhrp_addr nbma_sub;
	struct nhrp_addr proto;
};

struct nhrp_cie_list {
	unsigned int count;
	struct nhrp_cie cie[NHRP_MAX_CIES];
};

/* An extension the codec keeps as bytes (not understood, or passed on). */
struct nhrp_raw_ext {
	uint16_t type;		/* without NHRP_EXT_COMPULSORY */
	bool compulsory;
	uint16_t len;
	const uint8_t *data;	/* into the parsed buffer */
};

/*
 * Which extensions a message carries.  An extension may be present and
 * empty (a request's responder extension is sent empty for the replier
 * to fill in, and so are the transit lists), hence the separate bits.
 */
#define NHRP_HAS_RESPONDER		(1U << 0)
#define NHRP_HAS_FORWARD_TRANSIT	(1U << 1)
#define NHRP_HAS_REVERSE_TRANSIT	(1U << 2)
#define NHRP_HAS_AUTH			(1U << 3)
#define NHRP_HAS_VENDOR			(1U << 4)
#define NHRP_HAS_NAT_ADDRESS		(1U << 5)

struct nhrp_msg {
	/* fixed header */
	uint16_t afn;		/* NBMA family, NHRP_AFN_* */
	uint16_t proto_type;	/* ethertype of the protocol layer */
	uint8_t proto_snap[5];
	uint8_t hop_count;
	uint8_t type;		/* enum nhrp_type */

	/* mandatory part */
	uint16_t flags;
	uint32_t request_id;	/* types 1-6 */
	uint16_t error_code;	/* error indication */
	uint16_t error_offset;	/* error indication */
	uint16_t traffic_code;	/* traffic indication */
	struct nhrp_addr src_nbma;
	struct nhrp_addr src_nbma_sub;
	struct nhrp_addr src_proto;
	struct nhrp_addr dst_proto;

	/* types 1-6: the CIEs after the mandatory header */
	struct nhrp_cie_list cies;
	/*
	 * Types 7 and 8: the bytes after the addresses up to the extensions:
	 * the NHRP packet in error, or the head of the data packet that
	 * triggered the indication.  On build, copied from here.
	 */
	const uint8_t *payload;
	size_t payload_len;

	/* extensions */
	uint32_t ext_present;		/* NHRP_HAS_* */
	struct nhrp_cie_list responder;	/* at most one CIE */
	struct nhrp_cie_list forward_transit;
	struct nhrp_cie_list reverse_transit;
	struct nhrp_cie_list nat_address;
	uint32_t auth_type;
	uint8_t auth_secret_len;
	uint8_t auth_secret[NHRP_AUTH_SECRET_MAX];
	uint8_t vendor_oui[3];		/* vendor-private: OUI, then data */
	uint16_t vendor_len;
	uint8_t vendor_data[NHRP_VENDOR_DATA_MAX];
	unsigned int unknown_count;	/* other extensions, kept in order */
	struct nhrp_raw_ext unknown[NHRP_MAX_UNKNOWN_EXTS];
	/*
	 * Extensions parsed over and dropped (RFC 2332 5.3 ignores the
	 * non-compulsory ones it cannot use): unknown ones past
	 * NHRP_MAX_UNKNOWN_EXTS, a secret or vendor data longer than we
	 * hold (a secret we cannot hold matches none of ours).
	 */
	unsigned int ext_ignored;
};

/* Why a buffer was refused. */
struct nhrp_parse_error {
	const char *reason;	/* static string, e.g. "bad checksum" */
	size_t offset;		/* byte offset in the buffer */
	/*
	 * The error indication a receiver owes the sender, 0 if none
	 * (e.g. NHRP_ERR_PROTOCOL_ERROR, NHRP_ERR_UNRECOGNIZED_EXTENSION
	 * for an unknown compulsory extension).
	 */
	uint16_t error_code;
};

/**
 * nhrp_parse() - decode one NHRP packet
 * @buf: the packet, starting at the fixed header
 * @len: bytes in @buf; trailing bytes beyond ar$pktsz are ignored
 * @msg: filled on success; may be partly filled on failure
 * @err: on failure, why and where; may be NULL
 *
 * Checks version, lengths, the checksum, address lengths against
 * NHRP_ADDR_MAX and the packet, the extension chain (an END extension is
 * required when ar$extoff is set), and that a known extension has the
 * layout its type needs.
 *
 * Return: 0 on success, -1 if the packet is malformed.
 */
int nhrp_parse(const uint8_t *buf, size_t len, struct nhrp_msg *msg,
	       struct nhrp_parse_error *err);

/**
 * nhrp_build() - encode @msg into @buf
 * @msg: the message; afn/proto_type/hop_count taken as given
 * @buf: output
 * @cap: bytes available at @buf
 * @err: on failure, the reason; may be NULL
 *
 * Computes ar$pktsz, ar$extoff and the checksum.  Extensions are written
 * in a fixed order (responder, forward transit, reverse transit, auth,
 * vendor, NAT, unknown ones) followed by END, and only if ext_present or
 * unknown_count says so; a message without extensions has ar$extoff 0.
 *
 * Return: the packet length, or -1 if @cap is too small or a field is out
 * of range (address longer than NHRP_ADDR_MAX, more than NHRP_MAX_CIES).
 */
int nhrp_build(const struct nhrp_msg *msg, uint8_t *buf, size_t cap,
	       const char **err);

/**
 * nhrp_msg_init() - a message of @type with RFC defaults
 *
 * Zeroes @msg and sets version-independent defaults: afn IPv4,
 * proto_type 0x0800, hop_count 255, snap zero.
 */
void nhrp_msg_init(struct nhrp_msg *msg, enum nhrp_type type);

/* The IP one's-complement checksum over @len bytes (0 in a valid packet). */
uint16_t nhrp_checksum(const uint8_t *buf, size_t len);

/**
 * nhrp_describe() - one line of text for logs ("debug nhrp")
 * @msg: a parsed or built message
 * @buf: output, always NUL terminated when @size > 0
 * @size: bytes at @buf; a longer line is cut and ends in "..."
 *
 * Type, request ID, hop count, flags, addresses, every CIE and extension;
 * never the authentication secret.
 *
 * Return: the length written.
 */
size_t nhrp_describe(const struct nhrp_msg *msg, char *buf, size_t size);

/* Names for logs and the CLI; "unknown" for values not listed above. */
const char *nhrp_type_name(unsigned int type);
const char *nhrp_error_name(unsigned int code);
const char *nhrp_cie_code_name(unsigned int code);

#endif
