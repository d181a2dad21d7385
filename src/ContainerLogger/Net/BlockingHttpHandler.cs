using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace ContainerLogger.Net;

/// <summary>
/// HTTP/1.1 for a client library that wants an <see cref="HttpMessageHandler"/> (the AWS SDK), done on the calling
/// thread over <see cref="RawSocket"/> and <see cref="TlsClient"/>: the returned task is already complete. .NET's
/// SocketsHttpHandler leaves an epoll thread, a timer thread and thread-pool threads behind after one request,
/// idle in each of 2,000 sidecars; this leaves nothing once <see cref="CloseConnection"/> has run. One connection
/// is kept alive between requests. Request bodies are streamed; response bodies (small XML) are read whole.
/// </summary>
internal sealed class BlockingHttpHandler(TlsClient? tls, TimeSpan connectTimeout, TimeSpan ioTimeout) : HttpMessageHandler
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 16 << 20;
    private static readonly HashSet<string> UnsentHeaders = new(StringComparer.OrdinalIgnoreCase)
        { "Connection", "Expect", "Transfer-Encoding", "Content-Length", "Host" };

    private readonly object _gate = new();
    private Connection? _connection;

    private sealed class Connection(string authority, RawSocket socket, Stream stream) : IDisposable
    {
        public string Authority { get; } = authority;
        public RawSocket Socket { get; } = socket;
        public Stream Stream { get; } = stream;
        public byte[] Buffer { get; } = new byte[16 * 1024];
        public int Start, End;

        public void Dispose()
        {
            if (Stream is SslStream ssl) TlsClient.CloseQuietly(ssl);
            else Stream.Dispose();
            Socket.Dispose();
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult(Send(request, cancellationToken));
        }
        catch (Exception e)
        {
            return Task.FromException<HttpResponseMessage>(e);
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("the request has no URI");
        lock (_gate)
        {
            var connection = Connect(uri);
            try
            {
                WriteRequest(connection.Stream, request, uri, cancellationToken);
                var response = ReadResponse(connection, request, out bool keepAlive);
                if (!keepAlive) CloseConnectionLocked();
                return response;
            }
            catch
            {
                CloseConnectionLocked();
                throw;
            }
        }
    }

    /// <summary>Closes the kept-alive connection, if any (when a batch of requests is done).</summary>
    public void CloseConnection()
    {
        lock (_gate) CloseConnectionLocked();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) CloseConnection();
        base.Dispose(disposing);
    }

    private void CloseConnectionLocked()
    {
        _connection?.Dispose();
        _connection = null;
    }

    private Connection Connect(Uri uri)
    {
        bool https = uri.Scheme == Uri.UriSchemeHttps;
        string authority = $"{uri.Scheme}://{uri.Host}:{uri.Port}";
        if (_connection is { } open)
        {
            // A server closes idle connections; writing to one would fail the request for nothing.
            if (open.Authority == authority && !open.Socket.PeerClosed()) return open;
            CloseConnectionLocked();
        }
        if (https && tls is null) throw new InvalidOperationException("https needs TLS settings");
        string host = uri.DnsSafeHost; // an IPv6 literal without its brackets
        var socket = new RawSocket();
        if (!SocketTarget.ForHost(host, uri.Port, authority).TryConnect(socket, SocketType.Stream, connectTimeout, ioTimeout, out var failure))
        {
            socket.Dispose();
            throw new IOException(failure.ToString());
        }
        Stream stream = https ? tls!.Authenticate(socket, host, ioTimeout) : socket.AsStream(ioTimeout);
        return _connection = new Connection(authority, socket, stream);
    }

    private static void WriteRequest(Stream stream, HttpRequestMessage request, Uri uri, CancellationToken cancellationToken)
    {
        var content = request.Content;
        long? length = content?.Headers.ContentLength;
        byte[]? buffered = null;
        if (content is not null && length is null)
        {
            using var copy = new MemoryStream();
            content.CopyTo(copy, null, cancellationToken);
            buffered = copy.ToArray();
            length = buffered.Length;
        }
        var head = new StringBuilder(1024);
        head.Append(CultureInfo.InvariantCulture, $"{request.Method.Method} {uri.PathAndQuery} HTTP/1.1\r\n");
        AppendHeader(head, "Host", request.Headers.Host ?? uri.Authority);
        foreach (var (name, values) in request.Headers.NonValidated)
            if (!UnsentHeaders.Contains(name)) AppendHeader(head, name, Join(name, values));
        if (content is not null)
        {
            foreach (var (name, values) in content.Headers.NonValidated)
                if (!UnsentHeaders.Contains(name)) AppendHeader(head, name, Join(name, values));
            AppendHeader(head, "Content-Length", length!.Value.ToString(CultureInfo.InvariantCulture));
        }
        head.Append("\r\n");
        // Not disposed: that would close the connection's stream, which is kept alive.
        var output = new BufferedStream(stream, 64 * 1024);
        output.Write(Encoding.ASCII.GetBytes(head.ToString()));
        if (buffered is not null) output.Write(buffered);
        else content?.CopyTo(output, null, cancellationToken);
        output.Flush();
    }

    private static string Join(string name, HeaderStringValues values) =>
        string.Join(name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase) ? " " : ", ", values);

    private static void AppendHeader(StringBuilder head, string name, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new InvalidOperationException($"header {name} has a line break");
        head.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    private static HttpResponseMessage ReadResponse(Connection connection, HttpRequestMessage request, out bool keepAlive)
    {
        while (true)
        {
            var lines = ReadHead(connection);
            var status = lines[0].Split(' ', 3);
            if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
                !int.TryParse(status[1], NumberStyles.None, CultureInfo.InvariantCulture, out int code))
                throw new IOException($"not an HTTP/1.x response: {Printable(lines[0])}");
            if (code is >= 100 and < 200) continue; // 100 Continue and friends: the final response follows
            var headers = new List<(string Name, string Value)>();
            foreach (var line in lines.Skip(1))
            {
                int colon = line.IndexOf(':');
                if (colon <= 0) throw new IOException($"malformed HTTP header line: {Printable(line)}");
                headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
            }
            string? Header(string name) => headers.LastOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
            keepAlive = status[0] == "HTTP/1.1" && !string.Equals(Header("Connection"), "close", StringComparison.OrdinalIgnoreCase);
            byte[] body;
            if (request.Method == HttpMethod.Head || code is 204 or 304) body = [];
            else if (Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase)) body = ReadChunked(connection);
            else if (Header("Content-Length") is { } lengthText)
            {
                if (!long.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out long length) || length > MaxBodyBytes)
                    throw new IOException($"unusable Content-Length: {Printable(lengthText)}");
                body = ReadExactly(connection, (int)length);
            }
            else
            {
                body = ReadToEnd(connection);
                keepAlive = false;
            }
            var response = new HttpResponseMessage((HttpStatusCode)code)
            {
                RequestMessage = request,
                ReasonPhrase = status.Length > 2 ? status[2] : null,
                Content = new ByteArrayContent(body),
            };
            foreach (var (name, value) in headers)
                if (!response.Headers.TryAddWithoutValidation(name, value)) response.Content.Headers.TryAddWithoutValidation(name, value);
            return response;
        }
    }

    /// <summary>The status line and header lines, up to the empty line.</summary>
    private static List<string> ReadHead(Connection connection)
    {
        var lines = new List<string>();
        int total = 0;
        while (true)
        {
            var line = ReadLine(connection, ref total);
            if (line.Length == 0)
            {
                if (lines.Count == 0) continue; // tolerate a stray CRLF before the status line
                return lines;
            }
            lines.Add(line);
        }
    }

    private static string ReadLine(Connection connection, ref int total)
    {
        var line = new StringBuilder();
        while (true)
        {
            if (connection.Start == connection.End) Fill(connection);
            var available = connection.Buffer.AsSpan(connection.Start, connection.End - connection.Start);
            int newline = available.IndexOf((byte)'\n');
            int take = newline < 0 ? available.Length : newline + 1;
            total += take;
            if (total > MaxHeaderBytes) throw new IOException($"HTTP response head longer than {MaxHeaderBytes} bytes");
            line.Append(Encoding.Latin1.GetString(available[..take]));
            connection.Start += take;
            if (newline >= 0) return line.ToString().TrimEnd('\r', '\n');
        }
    }

    private static byte[] ReadChunked(Connection connection)
    {
        using var body = new MemoryStream();
        int total = 0;
        while (true)
        {
            var sizeLine = ReadLine(connection, ref total).Split(';')[0].Trim();
            total = 0;
            if (!int.TryParse(sizeLine, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int size) || size < 0 || body.Length + size > MaxBodyBytes)
                throw new IOException($"malformed chunk size: {Printable(sizeLine)}");
            if (size == 0)
            {
                while (ReadLine(connection, ref total).Length > 0) { } // trailers
                return body.ToArray();
            }
            body.Write(ReadExactly(connection, size));
            ReadLine(connection, ref total); // the CRLF after the chunk
        }
    }

    private static byte[] ReadExactly(Connection connection, int length)
    {
        var body = new byte[length];
        int filled = 0;
        while (filled < length)
        {
            if (connection.Start == connection.End) Fill(connection);
            int take = Math.Min(length - filled, connection.End - connection.Start);
            connection.Buffer.AsSpan(connection.Start, take).CopyTo(body.AsSpan(filled));
            connection.Start += take;
            filled += take;
        }
        return body;
    }

    private static byte[] ReadToEnd(Connection connection)
    {
        using var body = new MemoryStream();
        body.Write(connection.Buffer, connection.Start, connection.End - connection.Start);
        connection.Start = connection.End = 0;
        int read;
        while ((read = connection.Stream.Read(connection.Buffer)) > 0)
        {
            body.Write(connection.Buffer, 0, read);
            if (body.Length > MaxBodyBytes) throw new IOException($"HTTP response body longer than {MaxBodyBytes} bytes");
        }
        return body.ToArray();
    }

    private static void Fill(Connection connection)
    {
        int read = connection.Stream.Read(connection.Buffer);
        if (read == 0) throw new IOException("the server closed the connection before the response was complete");
        connection.Start = 0;
        connection.End = read;
    }

    private static string Printable(string text)
    {
        var shown = text.Length > 100 ? text[..100] + "..." : text;
        return string.Concat(shown.Select(c => c is >= ' ' and < '\x7f' ? c : '?'));
    }
}
