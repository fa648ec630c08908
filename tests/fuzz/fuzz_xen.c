/* fuzz_xen.c - libFuzzer target for the Xen backend's parsers: the peer
 * strings of the policy and the page-offline status words' decoding. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/xen/xen.h"

/* First byte even: a peer string; odd: a status word and its command. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_xen_peer peer;
	struct hv_page_status st;
	char err[256], text[64];
	uint32_t raw;
	char *s;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		s = malloc(size);
		if (s == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		/* an ssh peer never hands ssh an option or an empty host */
		if (hv_xen_peer_parse(s, &peer, err, sizeof(err)) == 0 &&
		    peer.kind == HV_XEN_PEER_SSH &&
		    (peer.host[0] == '\0' || peer.host[0] == '-' ||
		     peer.user[0] == '-'))
			abort();
		free(s);
		return 0;
	}
	if (size < 6)
		return 0;
	memcpy(&raw, data + 2, 4);
	hv_xen_page_status((enum hv_xen_page_cmd)(data[1] % 3), raw, &st);
	/* a short buffer truncates, never overflows */
	hv_xen_page_status_text((enum hv_xen_page_cmd)(data[1] % 3), raw, text,
	                        (size_t)(data[1] >> 2) % sizeof(text));
	return 0;
}
