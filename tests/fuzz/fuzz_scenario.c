/* fuzz_scenario.c - libFuzzer target for the scenario parser: any bytes
 * must give a scenario or a "name:line: reason", never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hypervisor/sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_scenario *sc;
	char err[256];

	if (sim_scenario_parse((const char *)data, size, "fuzz", &sc, err,
	                       sizeof(err)) == 0) {
		(void)sim_scenario_duration_ms(sc);
		sim_scenario_free(sc);
		return 0;
	}
	/* Every error says where: "fuzz:LINE: ...". */
	if (strncmp(err, "fuzz:", 5) != 0)
		__builtin_trap();
	return 0;
}
