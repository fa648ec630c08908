/* intel.c - Intel server models (by CPUID family/model): memory
 * controller banks, MSCOD meanings, UCR classes. Being written. */
#include "mce.h"

int mce_decode_intel(const struct mce_record *r, struct mce_decoded *d)
{
	(void)r;
	(void)d;
	return 0;
}
