/* fuzz_control.c - libFuzzer target for the control-request parser: any
 * bytes give a request or an error message, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rasd/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request req;
	char err[512];

	if (control_request_parse((const char *)data, size, &req, err,
	                          sizeof(err)) == 0) {
		/* A parsed request has a usable command word. */
		if (req.cmd[0] == '\0' || strlen(req.cmd) >= CONTROL_CMD_MAX)
			__builtin_trap();
		control_request_free(&req);
	} else if (err[0] == '\0') {
		__builtin_trap(); /* every refusal says why */
	}
	return 0;
}
