#!/usr/bin/env pwsh
# Builds, demonstrates, tests and benchmarks ContainerLogger: the same verbs as build.sh.
#   ./build.ps1 [build]        publish the Native AOT executable to artifacts/containerlogger
#   ./build.ps1 demo           build, then log a small shell program through the json-file driver
#   ./build.ps1 test           build, then run every test project
#   ./build.ps1 bench [ARGS]   build, then run the benchmark with ARGS
# The executable is linux-x64 only (it reads inherited fds 3 and 4), so the demo, the tests and the
# benchmark are delegated to build.sh, which also installs clang and zlib1g-dev; this script adds
# PowerShell's error handling around it for pwsh users and pipelines.
param(
    [Parameter(Position = 0)][ValidateSet('build', 'demo', 'test', 'bench', 'help')][string]$Verb = 'build',
    [Parameter(Position = 1, ValueFromRemainingArguments = $true)][string[]]$Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

if (-not $IsLinux) {
    Write-Error 'build.ps1: ContainerLogger builds and runs on linux-x64 only (Native AOT, inherited fds 3 and 4).'
    exit 1
}
if ($Verb -eq 'help') {
    Get-Content $PSCommandPath | Select-Object -Skip 1 -First 5 | ForEach-Object { $_ -replace '^# ?', '' }
    exit 0
}

$buildSh = Join-Path $PSScriptRoot 'build.sh'
& bash $buildSh $Verb @Rest
exit $LASTEXITCODE
