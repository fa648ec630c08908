/* status.c - MCi_STATUS words of common architectural errors, so the
 * simulated host, the tests and the bench speak the hardware's language. */
#include "mce/mce.h"
#include "mce/mce_int.h"

/* CCCC 1111 means "channel not specified"; larger numbers cannot be told. */
static uint64_t channel_bits(unsigned int channel)
{
	return channel < 0xf ? channel : 0xf;
}

uint64_t mce_status_mem_ce(unsigned int channel, unsigned int mmm,
                           unsigned int count)
{
	uint64_t cec =
	    count < MCI_STATUS_CEC_MASK ? count : MCI_STATUS_CEC_MASK;

	return MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_MISCV |
	       MCI_STATUS_ADDRV | cec << MCI_STATUS_CEC_SHIFT | MCACOD_MEMORY |
	       (uint64_t)(mmm & 0x7) << 4 | channel_bits(channel);
}

uint64_t mce_status_patrol_srao(unsigned int channel)
{
	return MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
	       MCI_STATUS_MISCV | MCI_STATUS_ADDRV | MCI_STATUS_S |
	       MCACOD_SCRUB | channel_bits(channel);
}

/*
 * Intel's LL counts from 0 (see mce/decode.c): levels 1 to 3 are LL 00 to
 * 10; 0 or anything deeper is "generic" (11).
 */
uint64_t mce_status_cache_ce(unsigned int level, unsigned int rrrr,
                             unsigned int tt)
{
	uint64_t ll = level >= 1 && level <= 3 ? level - 1 : 3;

	return MCI_STATUS_VAL | MCI_STATUS_EN | MCACOD_CACHE |
	       (uint64_t)(rrrr & 0xf) << 4 | (uint64_t)(tt & 0x3) << 2 | ll;
}
