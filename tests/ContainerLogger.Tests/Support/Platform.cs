// The product is linux-x64 only; the tests use Unix file modes and libc.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
