using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using ContainerLogger.Net;

namespace ContainerLogger.Drivers.S3;

/// <summary>
/// PUTs objects into the bucket with the AWS SDK (signing, request and error handling), over
/// <see cref="BlockingHttpHandler"/> so that each call completes on the calling thread and nothing of the SDK or
/// of .NET's HTTP stack runs between uploads. The SDK's client is built at the first upload: a run that never
/// uploads never touches it. The SDK does not retry; the uploader does, with its own backoff.
/// </summary>
internal sealed class S3Transport : IDisposable
{
    /// <summary>Objects larger than this go up in parts of this size (the last one smaller).</summary>
    public const long MultipartThreshold = 8 << 20;

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bucket;
    private readonly string _region;
    private readonly Uri? _endpoint;
    private readonly bool _forcePathStyle;
    private readonly BlockingHttpHandler _http;
    private readonly AWSCredentials _credentials;
    private AmazonS3Client? _client;

    public S3Transport(string bucket, string region, Uri? endpoint, bool forcePathStyle, TlsClient tls, Func<S3Credentials> credentials)
    {
        _bucket = bucket;
        _region = region;
        _endpoint = endpoint;
        _forcePathStyle = forcePathStyle;
        _http = new BlockingHttpHandler(tls, ConnectTimeout, IoTimeout);
        _credentials = new SdkCredentials(credentials);
    }

    /// <summary>One PUT of a small object held in memory.</summary>
    public void Put(string key, byte[] content, string contentType)
    {
        using var stream = new MemoryStream(content, writable: false);
        var request = NewPut(key, contentType);
        request.InputStream = stream;
        Wait(Client.PutObjectAsync(request));
    }

    /// <summary>Uploads a file: one PUT, or a multipart upload past <see cref="MultipartThreshold"/> bytes.</summary>
    public void PutFile(string key, string path, string contentType)
    {
        long length = new FileInfo(path).Length;
        if (length <= MultipartThreshold)
        {
            var request = NewPut(key, contentType);
            request.FilePath = path;
            Wait(Client.PutObjectAsync(request));
            return;
        }
        var upload = Wait(Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _bucket,
            Key = key,
            ContentType = contentType,
        }));
        try
        {
            var parts = new List<PartETag>();
            for (long offset = 0; offset < length; offset += MultipartThreshold)
            {
                int number = parts.Count + 1;
                var part = Wait(Client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _bucket,
                    Key = key,
                    UploadId = upload.UploadId,
                    PartNumber = number,
                    FilePath = path,
                    FilePosition = offset,
                    PartSize = Math.Min(MultipartThreshold, length - offset),
                    UseChunkEncoding = false,
                }));
                parts.Add(new PartETag(number, part.ETag));
            }
            Wait(Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _bucket,
                Key = key,
                UploadId = upload.UploadId,
                PartETags = parts,
            }));
        }
        catch
        {
            AbortQuietly(key, upload.UploadId);
            throw;
        }
    }

    /// <summary>The uploads are done for now: no connection stays open while idle.</summary>
    public void EndSession() => _http.CloseConnection();

    public void Dispose()
    {
        _client?.Dispose();
        _http.Dispose();
    }

    /// <summary>A 401 or 403 answer: the credentials or the bucket's policy are wrong, not the network.</summary>
    public static bool IsAccessDenied(Exception e) =>
        e is AmazonServiceException { StatusCode: System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized };

    /// <summary>What went wrong, for a diagnostic: the service's code and message, or the network's error.</summary>
    public static string Describe(Exception e) => e switch
    {
        AmazonServiceException { StatusCode: var status, ErrorCode: { Length: > 0 } code } service => $"{(int)status} {code}: {service.Message}",
        AmazonServiceException service when (int)service.StatusCode != 0 => $"{(int)service.StatusCode}: {service.Message}",
        _ => string.Join(": ", Chain(e).Select(x => x.Message).Distinct()),
    };

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    /// <summary>A PUT with its body sent as is (aws-chunked bodies are not taken by every S3 server).</summary>
    private PutObjectRequest NewPut(string key, string contentType) =>
        new() { BucketName = _bucket, Key = key, ContentType = contentType, UseChunkEncoding = false };

    private AmazonS3Client Client => _client ??= new AmazonS3Client(_credentials, Config());

    private AmazonS3Config Config()
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = _forcePathStyle,
            MaxErrorRetry = 0,
            Timeout = Timeout.InfiniteTimeSpan,
            // Checksums the service does not require would need aws-chunked bodies, which not every S3 server takes.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            IgnoreConfiguredEndpointUrls = true,
            HttpClientFactory = new HandlerFactory(_http),
        };
        if (_endpoint is not null)
        {
            config.ServiceURL = _endpoint.GetLeftPart(UriPartial.Authority);
            config.AuthenticationRegion = _region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(_region);
        }
        return config;
    }

    private void AbortQuietly(string key, string uploadId)
    {
        try
        {
            Wait(Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _bucket, Key = key, UploadId = uploadId }));
        }
        catch (Exception)
        {
            // The parts are garbage either way; the service's lifecycle rules can remove them.
        }
    }

    /// <summary>The SDK's calls complete synchronously over <see cref="BlockingHttpHandler"/>; this only unwraps.</summary>
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private sealed class HandlerFactory(BlockingHttpHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
            new(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    /// <summary>The credentials as they are at each request (a credentials file may be rotated meanwhile).</summary>
    private sealed class SdkCredentials(Func<S3Credentials> current) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials()
        {
            var credentials = current();
            return new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken);
        }
    }
}
