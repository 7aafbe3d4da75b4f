# caretaker-filter-windows/1: fetches each test URL with Invoke-WebRequest ON THIS MACHINE and prints
# ONE JSON document of raw facts on stdout; caretaker judges them, never this script.
#
# NOT RUN BY CARETAKER'S TESTS: it was written from Microsoft's documentation of Windows PowerShell
# 5.1 (Invoke-WebRequest, System.Net.WebException, WebExceptionStatus, ServicePointManager,
# RunspacePool) on a Linux machine where it cannot run. The parser's Windows fixture is hand-written
# in the shape this script prints; try it on a real Windows machine before relying on it.
#
# Read-only: nothing is written to disk (bodies stay in memory; the HTTP cache is bypassed and not
# stored). Certificates are never accepted that Windows does not trust. The proxy password arrives
# base64-encoded inside this script (which comes on standard input, not on a command line) and is
# only ever held in a PSCredential. Windows' own proxy settings are not used: a configured proxy is
# used for every URL, otherwise none. Fields are named like curl's (-w) where they mean the same.
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$TimeoutSec = 10
$MaxBody = 65536
$MaxRedirects = 5
$Concurrency = 4
$ProxyUri = ''
$ProxyUserB64 = ''
$ProxyPassB64 = ''
$Urls = @()
# @@CARETAKER-REQUEST@@
$problems = New-Object System.Collections.ArrayList
$started = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()

# TLS 1.2 (and 1.3 where .NET knows it) for this process only; no cache, read or written.
try {
    $proto = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
    if ([Enum]::GetNames([Net.SecurityProtocolType]) -contains 'Tls13') {
        $proto = $proto -bor [Net.SecurityProtocolType]'Tls13'
    }
    [Net.ServicePointManager]::SecurityProtocol = $proto
} catch { [void]$problems.Add("cannot enable TLS 1.2: $($_.Exception.Message)") }
try {
    [Net.HttpWebRequest]::DefaultCachePolicy = New-Object Net.Cache.HttpRequestCachePolicy ([Net.Cache.HttpRequestCacheLevel]::NoCacheNoStore)
} catch { [void]$problems.Add("cannot bypass the HTTP cache: $($_.Exception.Message)") }

$cred = $null
if ($ProxyUri) {
    [Net.WebRequest]::DefaultWebProxy = New-Object System.Net.WebProxy ($ProxyUri, $false)
    if ($ProxyUserB64) {
        $u8 = [Text.Encoding]::UTF8
        $secure = New-Object System.Security.SecureString
        foreach ($ch in $u8.GetString([Convert]::FromBase64String($ProxyPassB64)).ToCharArray()) { $secure.AppendChar($ch) }
        $cred = New-Object System.Management.Automation.PSCredential ($u8.GetString([Convert]::FromBase64String($ProxyUserB64)), $secure)
        $ProxyPassB64 = $null
    }
} else {
    # An empty WebProxy: every request goes direct, whatever Internet Options say.
    [Net.WebRequest]::DefaultWebProxy = New-Object System.Net.WebProxy
}

$fetch = {
    param($Index, $Url, $TimeoutSec, $MaxBody, $MaxRedirects, $ProxyUri, $Cred)
    $ProgressPreference = 'SilentlyContinue'
    $ErrorActionPreference = 'Stop'
    $iwr = [ordered]@{
        web_exception_status = $null; exception_type = $null; errormsg = $null; http_code = $null
        url_effective = $null; content_type = $null; remote_ip = $null; num_redirects = $null; time_total = $null
    }
    $stream = $null
    $errorText = $null
    $p = @{ Uri = $Url; UseBasicParsing = $true; MaximumRedirection = $MaxRedirects; TimeoutSec = $TimeoutSec; Method = 'Get' }
    if ($ProxyUri) {
        $p.Proxy = $ProxyUri
        if ($Cred) { $p.ProxyCredential = $Cred }
    }
    # Without a proxy, what the name resolves to here (the machine's own resolver, as the fetch
    # uses it), so that a DNS sinkhole can be recognised; bounded by the timeout. A proxy resolves
    # names itself: then nothing is looked up here.
    $resolved = $null
    if (-not $ProxyUri) {
        try {
            $h = ([Uri]$Url).DnsSafeHost
            $lookup = [Net.Dns]::GetHostAddressesAsync($h)
            if ($lookup.Wait([int]($TimeoutSec * 1000))) {
                $resolved = @($lookup.Result | Select-Object -First 16 | ForEach-Object { $_.IPAddressToString })
            }
        } catch { $resolved = @() }
    }
    $sw = [Diagnostics.Stopwatch]::StartNew()
    try {
        $resp = Invoke-WebRequest @p
        $iwr.web_exception_status = 'Success'
        $iwr.http_code = [int]$resp.StatusCode
        if ($resp.BaseResponse) {
            $iwr.url_effective = [string]$resp.BaseResponse.ResponseUri
            $iwr.content_type = [string]$resp.BaseResponse.ContentType
        }
        $stream = $resp.RawContentStream
    } catch {
        $e = $_.Exception
        while ($e -isnot [Net.WebException] -and $null -ne $e.InnerException) { $e = $e.InnerException }
        $iwr.exception_type = $e.GetType().FullName
        $iwr.errormsg = [string]$e.Message
        if ($e -is [Net.WebException]) {
            $iwr.web_exception_status = [string]$e.Status
            if ($e.Response) {
                $iwr.http_code = [int]$e.Response.StatusCode
                $iwr.url_effective = [string]$e.Response.ResponseUri
                $iwr.content_type = [string]$e.Response.ContentType
                try { $stream = $e.Response.GetResponseStream() } catch { $stream = $null }
            }
        }
        if ($_.ErrorDetails) { $errorText = [string]$_.ErrorDetails.Message }
    }
    $sw.Stop()
    $iwr.time_total = [math]::Round($sw.Elapsed.TotalSeconds, 6)

    # The first $MaxBody bytes of the body (and whether there was more).
    $buf = New-Object byte[] ($MaxBody + 1)
    $n = 0
    if ($null -ne $stream) {
        try {
            if ($stream.CanSeek) { $stream.Position = 0 }
            while ($n -lt $buf.Length) {
                $k = $stream.Read($buf, $n, $buf.Length - $n)
                if ($k -le 0) { break }
                $n += $k
            }
        } catch { $n = 0 }
    }
    if ($n -eq 0 -and $errorText) {
        $bytes = [Text.Encoding]::UTF8.GetBytes($errorText)
        $n = [math]::Min($bytes.Length, $buf.Length)
        [Array]::Copy($bytes, $buf, $n)
    }
    $truncated = $n -gt $MaxBody
    $keep = [math]::Min($n, $MaxBody)

    # The issuer of the certificate the HTTPS site presented, where .NET kept it.
    $issuer = $null
    try {
        $target = if ($iwr.url_effective) { [Uri]$iwr.url_effective } else { [Uri]$Url }
        if ($target.Scheme -eq 'https') {
            $sp = [Net.ServicePointManager]::FindServicePoint($target)
            if ($sp -and $sp.Certificate) { $issuer = [string]$sp.Certificate.Issuer }
        }
    } catch { }

    [ordered]@{
        index = $Index; url = $Url; iwr = $iwr
        tls_issuer = $issuer; tls_issuer_source = if ($issuer) { 'servicepoint' } else { $null }
        responses = @()
        resolved = $resolved; resolved_by = if ($null -ne $resolved) { 'System.Net.Dns' } else { $null }
        body_b64 = [Convert]::ToBase64String($buf, 0, $keep); body_bytes = $keep; body_truncated = $truncated
    }
}

$results = New-Object System.Collections.ArrayList
if ($Urls.Count -gt 0) {
    $pool = [RunspaceFactory]::CreateRunspacePool(1, [math]::Max(1, $Concurrency))
    $pool.Open()
    $jobs = New-Object System.Collections.ArrayList
    for ($i = 0; $i -lt $Urls.Count; $i++) {
        $ps = [PowerShell]::Create()
        $ps.RunspacePool = $pool
        [void]$ps.AddScript($fetch).AddArgument($i).AddArgument($Urls[$i]).AddArgument($TimeoutSec).AddArgument($MaxBody).AddArgument($MaxRedirects).AddArgument($ProxyUri).AddArgument($cred)
        [void]$jobs.Add(@($ps, $ps.BeginInvoke()))
    }
    foreach ($j in $jobs) {
        try {
            $out = $j[0].EndInvoke($j[1])
            foreach ($o in $out) { [void]$results.Add($o) }
        } catch {
            [void]$problems.Add("a fetch failed inside PowerShell: $($_.Exception.Message)")
        }
        $j[0].Dispose()
    }
    $pool.Close()
}

$doc = [ordered]@{
    probe = 'caretaker-filter-windows/1'
    powershell_version = [string]$PSVersionTable.PSVersion
    proxy = if ($ProxyUri) { $ProxyUri } else { $null }
    max_body_bytes = $MaxBody; max_redirects = $MaxRedirects; timeout_secs = $TimeoutSec; concurrency = $Concurrency
    started_at = $started; finished_at = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    body_encoding = 'base64'
    results = $results
    problems = $problems
}
$json = $doc | ConvertTo-Json -Depth 6 -Compress
# Plain ASCII whatever the console's code page: every other character as a \uXXXX escape.
$json = [regex]::Replace($json, '[^\u0000-\u007F]', [Text.RegularExpressions.MatchEvaluator] { param($m) '\u{0:x4}' -f [int][char]$m.Value })
[Console]::Out.Write($json)
[Console]::Out.Write("`n")
