; Một Cửa: the Windows installer, built on Linux by `make dist` with
; Debian's NSIS (makensis -INPUTCHARSET UTF8). It installs the three
; programs to Program Files, adds "Một Cửa" to the Start menu and the
; desktop, registers an uninstaller, and upgrades in place. The data each
; clerk's counter keeps in %LocalAppData%\MotCua is never touched, neither
; by an upgrade nor by the uninstaller.
;
; Given by make dist: VERSION (0.1.0), BUILD (1), SRC (the folder of the
; .exe files), ICON (the .ico), OUTFILE.

Unicode true
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "x64.nsh"
!include "LogicLib.nsh"

!define PRODUCT "Một Cửa"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\MotCua"

Name "${PRODUCT}"
Caption "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\MotCua"
; an upgrade goes where the earlier version is
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.${BUILD}"
VIFileVersion "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=1066 "ProductName" "${PRODUCT}"
VIAddVersionKey /LANG=1066 "FileDescription" "Cài đặt ${PRODUCT} ${VERSION}"
VIAddVersionKey /LANG=1066 "FileVersion" "${VERSION}.${BUILD}"
VIAddVersionKey /LANG=1066 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1066 "CompanyName" "${PRODUCT}"
VIAddVersionKey /LANG=1066 "LegalCopyright" "${PRODUCT}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\motcua.exe"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "Vietnamese"
!insertmacro MUI_LANGUAGE "English"

LangString NEED64 1066 "${PRODUCT} cần Windows 64-bit (Windows 10 hoặc 11)."
LangString NEED64 1033 "${PRODUCT} needs 64-bit Windows (Windows 10 or 11)."
LangString RUNNING 1066 "${PRODUCT} đang chạy. Hãy đóng chương trình (dữ liệu đã được lưu) rồi bấm Thử lại."
LangString RUNNING 1033 "${PRODUCT} is running. Close it (its data is saved) and press Retry."

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "$(NEED64)" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

; A running copy holds its .exe open: wait for the clerk to close it
; rather than leave a half-replaced install. (A silent install gives up.)
!macro WaitClosed FILE
  ${Do}
    ClearErrors
    ${IfNot} ${FileExists} "$INSTDIR\${FILE}"
      ${Break}
    ${EndIf}
    FileOpen $0 "$INSTDIR\${FILE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "$(RUNNING)" /SD IDCANCEL IDRETRY +2
    Abort
  ${Loop}
!macroend

Section "${PRODUCT}" Main
  SectionIn RO
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  !insertmacro WaitClosed "motcua.exe"
  !insertmacro WaitClosed "motcuactl.exe"
  !insertmacro WaitClosed "motcua-server.exe"
  File "${SRC}\motcua.exe"
  File "${SRC}\motcuactl.exe"
  File "${SRC}\motcua-server.exe"
  File "${SRC}\README.txt"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${PRODUCT}.lnk" "$INSTDIR\motcua.exe" "" "$INSTDIR\motcua.exe" 0
  CreateShortCut "$DESKTOP\${PRODUCT}.lnk" "$INSTDIR\motcua.exe" "" "$INSTDIR\motcua.exe" 0

  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "${PRODUCT}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\motcua.exe,0"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  ; the office network (docs/lan.md): the unit's other counters reach this one
  ; (TCP 8761) and find it by multicast DNS (UDP 5353); allowed for the program,
  ; on private and domain networks only; a failure leaves Windows to ask
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="MotCua LAN"'
  Pop $0
  nsExec::ExecToLog 'netsh advfirewall firewall add rule name="MotCua LAN" dir=in action=allow program="$INSTDIR\motcua.exe" enable=yes profile=private,domain'
  Pop $0

  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" ${SIZE_KB}
SectionEnd

Section "Uninstall"
  SetShellVarContext all
  !insertmacro WaitClosed "motcua.exe"
  Delete "$INSTDIR\motcua.exe"
  Delete "$INSTDIR\motcuactl.exe"
  Delete "$INSTDIR\motcua-server.exe"
  Delete "$INSTDIR\README.txt"
  Delete "$INSTDIR\uninstall.exe"
  ; only if nothing else is in it
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${PRODUCT}.lnk"
  Delete "$DESKTOP\${PRODUCT}.lnk"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
  nsExec::ExecToLog 'netsh advfirewall firewall delete rule name="MotCua LAN"'
  Pop $0
  ; %LocalAppData%\MotCua (each clerk's data, prints and backups) stays.
SectionEnd
