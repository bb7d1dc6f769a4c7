/*
 * Test tooling only: a stand-in for SumatraPDF.exe in the Wine smoke test.
 * It writes its command line, as UTF-8, to the file named by the
 * environment variable MOTCUA_FAKE_PRINT_LOG, so the test can check that the
 * program found it and asked it to print the PDF to the named printer.
 */
#include <windows.h>
#include <stdio.h>

int main(void)
{
	char path[MAX_PATH * 3], line[32768];
	DWORD n = GetEnvironmentVariableA("MOTCUA_FAKE_PRINT_LOG", path, sizeof path);
	if (n == 0 || n >= sizeof path)
		return 2;
	int len = WideCharToMultiByte(CP_UTF8, 0, GetCommandLineW(), -1, line, sizeof line, NULL, NULL);
	if (len == 0)
		return 3;
	FILE *f = fopen(path, "wb");
	if (!f)
		return 4;
	fputs(line, f);
	fclose(f);
	return 0;
}
