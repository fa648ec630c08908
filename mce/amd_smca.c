/* amd_smca.c - AMD SMCA (families 17h, 19h; Hygon 18h): bank type from
 * MCA_IPID, extended error codes, UMC channel and chip select. Being written. */
#include "mce.h"

int mce_decode_amd(const struct mce_record *r, struct mce_decoded *d)
{
	(void)r;
	(void)d;
	return 0;
}
