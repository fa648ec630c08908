/* amd_int.h - AMD SMCA register layouts shared by mce/amd_smca.c and its
 * tests: MCA_IPID, the SMCA bits of MCA_STATUS, MCA_ADDR and MCA_SYND. */
#ifndef RASD_AMD_INT_H
#define RASD_AMD_INT_H

/*
 * Sources: the AMD Processor Programming Reference (PPR) for Family 17h
 * (#54945, Model 01h B1) and Family 19h (#55898, Model 01h B1), chapter
 * "Machine Check Architecture", registers MCA_IPID, MCA_STATUS, MCA_ADDR
 * and MCA_SYND. The positions agree with the Linux kernel's
 * arch/x86/kernel/cpu/mce/amd.c and drivers/edac/amd64_edac.c.
 */

/* CPUID Fn0000_0001_EAX: family is BaseFamily, plus ExtFamily if 0Fh. */
#define AMD_CPUID_BASE_FAMILY_SHIFT 8
#define AMD_CPUID_BASE_FAMILY_MASK  0xfU
#define AMD_CPUID_EXT_FAMILY_SHIFT  20
#define AMD_CPUID_EXT_FAMILY_MASK   0xffU
#define AMD_FAMILY_SMCA             0x17 /* Zen: the first SMCA family */

/* MCA_IPID: McaType 63:48, HardwareID 43:32, InstanceId 31:0. */
#define SMCA_IPID_MCATYPE_SHIFT 48
#define SMCA_IPID_MCATYPE_MASK  0xffffU
#define SMCA_IPID_HWID_SHIFT    32
#define SMCA_IPID_HWID_MASK     0xfffU
#define SMCA_IPID_INSTANCE_MASK 0xffffffffU

/* MCA_STATUS: ErrorCodeExt 21:16, Poison 43, SyndV 53 (Deferred 44 is
 * MCI_STATUS_DEFERRED in mce.h). */
#define SMCA_STATUS_XEC_SHIFT 16
#define SMCA_STATUS_XEC_MASK  0x3fU
#define SMCA_STATUS_POISON    (1ULL << 43)
#define SMCA_STATUS_SYNDV     (1ULL << 53)

/* MCA_ADDR: ErrorAddr 55:0, lowest valid address bit (LSB) in 61:56. */
#define SMCA_ADDR_LSB_SHIFT 56
#define SMCA_ADDR_LSB_MASK  0x3fU
#define SMCA_ADDR_MASK      ((1ULL << 56) - 1)

/* MCA_SYND of a UMC DRAM ECC error: chip select in ErrorInformation 2:0. */
#define SMCA_SYND_UMC_CS_MASK 0x7U

/*
 * UMC InstanceId: the channel is bits 31:20 (Linux amd64_edac.c
 * umc_get_err_info() and drivers/ras/amd/atl/umc.c UMC_CHANNEL_NUM);
 * EPYC 7002/7003 UMC instances are 0x00050f00, 0x00150f00, ... 0x00750f00.
 */
#define SMCA_UMC_CHANNEL_SHIFT 20

/* Key for the bank-type switch: HardwareID and McaType side by side. */
#define SMCA_KEY(hwid, mcatype) (((unsigned int)(hwid) << 16) | (mcatype))

#endif
