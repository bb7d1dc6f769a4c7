/*
 * Test tooling only, never installed for users: Debian 12's Wine 8.0 has
 * no bcryptprimitives.dll, whose ProcessPrng every Go 1.24+ Windows program
 * calls at start ("bcryptprimitives.dll not found"). scripts/wine-smoke.sh
 * builds this stand-in with mingw and copies it into the throwaway Wine
 * prefix's system32 when that Wine lacks the DLL. It fills the buffer from
 * advapi32's SystemFunction036 (RtlGenRandom), Wine's own random source.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
	while (length > 0) {
		ULONG n = length > 0x40000000 ? 0x40000000 : (ULONG)length;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		length -= n;
	}
	return TRUE;
}
