# caretaker-windows/1: read-only facts for policy 7.4, printed as ONE JSON document on stdout.
# Windows PowerShell 5.1+. Judges nothing and writes nothing (only Get-* cmdlets and registry reads).
$ErrorActionPreference = 'Stop'
# Program names may hold any character: send UTF-8, not the console's code page.
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
$problems = New-Object System.Collections.ArrayList
function Try-Get([string]$what, [scriptblock]$block) {
    try { & $block } catch { [void]$problems.Add(("{0}: {1}" -f $what, $_.Exception.Message)); $null }
}
function Reg([string]$path, [string]$name) {
    try { (Get-ItemProperty -LiteralPath $path -Name $name -ErrorAction Stop).$name } catch { $null }
}
function Iso($t) { if ($null -eq $t) { $null } else { ([datetime]$t).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ') } }

$os = Try-Get 'Win32_OperatingSystem' { Get-CimInstance Win32_OperatingSystem }
$mp = Try-Get 'Get-MpComputerStatus' { Get-MpComputerStatus }
$av = $null
if ($null -ne $mp) {
    $av = [ordered]@{
        AMServiceEnabled = $mp.AMServiceEnabled; AntivirusEnabled = $mp.AntivirusEnabled
        RealTimeProtectionEnabled = $mp.RealTimeProtectionEnabled
        AntivirusSignatureVersion = [string]$mp.AntivirusSignatureVersion
        AntivirusSignatureLastUpdated = Iso $mp.AntivirusSignatureLastUpdated
        AntivirusSignatureAge = $mp.AntivirusSignatureAge; AMRunningMode = [string]$mp.AMRunningMode
    }
}
$sc = @()
if ($null -eq $mp -or $mp.AMRunningMode -ne 'Normal') {
    $sc = @(Try-Get 'SecurityCenter2' { Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct } |
        Select-Object -First 8 | ForEach-Object { [ordered]@{ displayName = [string]$_.displayName; productState = [int64]$_.productState } })
}
$hf = Try-Get 'Get-HotFix' { Get-HotFix | Where-Object { $_.InstalledOn } | Sort-Object InstalledOn -Descending | Select-Object -First 1 }
$bl = Try-Get 'Get-BitLockerVolume' { Get-BitLockerVolume -MountPoint $env:SystemDrive }
$bitlocker = $null
if ($null -ne $bl) {
    $bitlocker = [ordered]@{ MountPoint = [string]$bl.MountPoint; ProtectionStatus = [string]$bl.ProtectionStatus
        VolumeStatus = [string]$bl.VolumeStatus; EncryptionMethod = [string]$bl.EncryptionMethod }
}
$rsd = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices'
$disk = '{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}'
$pref = Try-Get 'Get-MpPreference' { Get-MpPreference }
$pol = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\Control Panel\Desktop'
$upol = 'HKCU:\SOFTWARE\Policies\Microsoft\Windows\Control Panel\Desktop'
$sw = New-Object System.Collections.ArrayList
foreach ($k in @('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
                 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*')) {
    try {
        Get-ItemProperty -Path $k -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -and -not $_.SystemComponent } |
            Select-Object -First 2000 | ForEach-Object {
                if ($sw.Count -lt 4000) { [void]$sw.Add(@([string]$_.DisplayName, [string]$_.DisplayVersion)) } }
    } catch { }
}
$doc = [ordered]@{
    probe = 'caretaker-windows/1'
    collected_at = Iso (Get-Date)
    hostname = $env:COMPUTERNAME
    os_name = if ($os) { [string]$os.Caption } else { $null }
    os_version = if ($os) { [string]$os.Version } else { $null }
    defender = $av
    security_center = $sc
    last_hotfix = if ($hf) { [ordered]@{ HotFixID = [string]$hf.HotFixID; InstalledOn = Iso $hf.InstalledOn } } else { $null }
    bitlocker = $bitlocker
    removable = [ordered]@{
        usbstor_start = Reg 'HKLM:\SYSTEM\CurrentControlSet\Services\USBSTOR' 'Start'
        deny_all = Reg $rsd 'Deny_All'
        disk_deny_read = Reg "$rsd\$disk" 'Deny_Read'
        disk_deny_write = Reg "$rsd\$disk" 'Deny_Write'
        rdv_deny_write_access = Reg 'HKLM:\SYSTEM\CurrentControlSet\Policies\Microsoft\FVE' 'RDVDenyWriteAccess'
        disable_removable_drive_scanning = if ($pref) { $pref.DisableRemovableDriveScanning } else { $null }
    }
    screen_lock = [ordered]@{
        inactivity_timeout_secs = Reg 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' 'InactivityTimeoutSecs'
        screensaver_timeout = if ($null -ne (Reg $upol 'ScreenSaveTimeOut')) { Reg $upol 'ScreenSaveTimeOut' } else { Reg $pol 'ScreenSaveTimeOut' }
        screensaver_secure = if ($null -ne (Reg $upol 'ScreenSaverIsSecure')) { Reg $upol 'ScreenSaverIsSecure' } else { Reg $pol 'ScreenSaverIsSecure' }
        auto_admin_logon = Reg 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon' 'AutoAdminLogon'
    }
    software = [ordered]@{ packages = $sw; manager = 'uninstall-registry'; total = $sw.Count; cap = 4000 }
    problems = $problems
}
$doc | ConvertTo-Json -Depth 5 -Compress
