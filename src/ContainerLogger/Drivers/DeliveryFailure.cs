using ContainerLogger.Native;

namespace ContainerLogger.Drivers;

/// <summary>
/// Why a flush failed, as a value: the destination as the driver names it, what failed (a constant such as
/// "connect", or a message the runtime made anyway: a TLS handshake's, a name lookup's), and the errno of a failed
/// system call. It reads "destination: reason: strerror" and is formatted only when a diagnostic is written, so a
/// destination that stays down costs no allocation per attempt.
/// </summary>
public readonly struct DeliveryFailure(string destination, string? reason, int errno = 0) : ISpanFormattable
{
    public string Destination { get; } = destination;
    public string? Reason { get; } = reason;
    public int Errno { get; } = errno;

    /// <summary>A failure the runtime reported as an exception: its message says what happened.</summary>
    public static DeliveryFailure From(string destination, Exception cause) => new(destination, cause.Message);

    /// <summary>
    /// What the runtime throws when a destination fails (a TLS handshake or stream, a name lookup, a stream closed
    /// under a write): the drivers turn these into a failure and retry; any other exception is a bug.
    /// </summary>
    public static bool IsRuntimeFailure(Exception e) =>
        e is System.Net.Sockets.SocketException or IOException or System.Security.Authentication.AuthenticationException or TimeoutException
            or ObjectDisposedException or InvalidOperationException or UnauthorizedAccessException;

    public override string ToString() => $"{this}";

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        string error = Errno == 0 ? "" : Libc.ErrorText(Errno);
        return Reason is null || error.Length == 0
            ? destination.TryWrite($"{Destination}: {Reason}{error}", out charsWritten)
            : destination.TryWrite($"{Destination}: {Reason}: {error}", out charsWritten);
    }
}
