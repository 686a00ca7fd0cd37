using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace CompliancePortal.Core.Archive;

/// <summary>Configuration section "Archive:S3".</summary>
public sealed class S3ArchiveOptions
{
    public string ServiceUrl { get; set; } = "";
    public string Region { get; set; } = "us-east-1";
    public string Bucket { get; set; } = "";
    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";

    /// <summary>Path-style addressing, for S3-compatible servers (MinIO, s3rver).</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Objects larger than this are sent as a multipart upload of parts this size.</summary>
    public int PartSizeBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// For a bucket created with Object Lock: GOVERNANCE or COMPLIANCE, set on every object the
    /// portal writes with a retain-until date from <see cref="ArchiveLifecycle.DefaultLock"/>.
    /// Empty (the default): no lock headers, for buckets without Object Lock (which refuse them).
    /// </summary>
    public string ObjectLockMode { get; set; } = "";
}

/// <summary>
/// The archive store on S3 (or an S3-compatible server). Objects up to one part go in one PUT,
/// larger ones as a multipart upload; with a retention rule each object carries its Object Lock
/// mode and retain-until date, so the bucket (when it has Object Lock on) keeps it unchangeable.
/// Payloads are sent unchunked (some S3-compatible servers would store aws-chunked framing).
/// </summary>
public sealed class S3ArchiveStore : IArchiveStore, IDisposable
{
    private readonly IAmazonS3 _s3;
    private readonly S3ArchiveOptions _options;

    public S3ArchiveStore(S3ArchiveOptions options, HttpClientFactory? httpClientFactory = null)
    {
        if (options.ObjectLockMode is not ("" or "GOVERNANCE" or "COMPLIANCE"))
            throw new InvalidOperationException($"Archive:S3:ObjectLockMode '{options.ObjectLockMode}' is not GOVERNANCE, COMPLIANCE or empty.");
        _options = options;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (httpClientFactory is not null) config.HttpClientFactory = httpClientFactory;
        _s3 = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public async Task PutAsync(string key, Stream content, string contentType, RetentionRule? retention = null, CancellationToken ct = default)
    {
        ArchiveKeys.Check(key);
        // Not atomic against a concurrent writer of the same key; the jobs that write archives
        // run once per key (Hangfire), and archive keys are unique by construction.
        if (await ExistsAsync(key, ct)) throw new ArchiveObjectExistsException(key);
        retention ??= ArchiveLifecycle.DefaultLock(key, _options.ObjectLockMode, DateTimeOffset.UtcNow);

        var first = await ReadPartAsync(content, ct);
        if (first.Length < _options.PartSizeBytes)
        {
            var put = new PutObjectRequest
            {
                BucketName = _options.Bucket, Key = key, ContentType = contentType,
                InputStream = new MemoryStream(first), UseChunkEncoding = false,
            };
            if (retention is not null)
            {
                put.ObjectLockMode = new ObjectLockMode(retention.Mode);
                put.ObjectLockRetainUntilDate = retention.RetainUntil.UtcDateTime;
            }
            await _s3.PutObjectAsync(put, ct);
            return;
        }

        var start = new InitiateMultipartUploadRequest { BucketName = _options.Bucket, Key = key, ContentType = contentType };
        if (retention is not null)
        {
            start.ObjectLockMode = new ObjectLockMode(retention.Mode);
            start.ObjectLockRetainUntilDate = retention.RetainUntil.UtcDateTime;
        }
        var upload = await _s3.InitiateMultipartUploadAsync(start, ct);
        try
        {
            var parts = new List<PartETag>();
            for (var (part, number) = (first, 1); part.Length > 0; part = await ReadPartAsync(content, ct), number++)
            {
                var response = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket, Key = key, UploadId = upload.UploadId, PartNumber = number,
                    InputStream = new MemoryStream(part), PartSize = part.Length, UseChunkEncoding = false,
                }, ct);
                parts.Add(new PartETag(number, response.ETag));
            }
            await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket, Key = key, UploadId = upload.UploadId, PartETags = parts,
            }, ct);
        }
        catch
        {
            await _s3.AbortMultipartUploadAsync(_options.Bucket, key, upload.UploadId, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Up to one part of the stream (fewer bytes only at its end).</summary>
    private async Task<byte[]> ReadPartAsync(Stream content, CancellationToken ct)
    {
        var buffer = new byte[_options.PartSizeBytes];
        var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        return read == buffer.Length ? buffer : buffer[..read];
    }

    public async Task<Stream?> OpenReadAsync(string key, CancellationToken ct = default)
    {
        try
        {
            var response = await _s3.GetObjectAsync(_options.Bucket, ArchiveKeys.Check(key), ct);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken ct = default)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(_options.Bucket, ArchiveKeys.Check(key), ct);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async IAsyncEnumerable<ArchiveObject> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _s3.ListObjectsV2Async(request, ct);
            foreach (var o in response.S3Objects ?? []) yield return new ArchiveObject(o.Key, o.Size ?? 0);
            request.ContinuationToken = response.NextContinuationToken;
        } while (response.IsTruncated == true);
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken ct = default)
    {
        if (!await ExistsAsync(key, ct)) return false;
        await _s3.DeleteObjectAsync(_options.Bucket, key, ct);
        return true;
    }

    /// <summary>Creates the bucket if it does not exist (used by the setup command and tests).</summary>
    public async Task EnsureBucketAsync(CancellationToken ct = default)
    {
        try
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = _options.Bucket }, ct);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>
    /// Replaces the bucket's lifecycle configuration with <paramref name="rules"/>. False when the
    /// server answers that it does not implement lifecycle rules (some S3-compatible servers).
    /// </summary>
    public async Task<bool> ApplyLifecycleAsync(IEnumerable<ArchiveLifecycleRule> rules, CancellationToken ct = default)
    {
        try
        {
            await _s3.PutLifecycleConfigurationAsync(new PutLifecycleConfigurationRequest
            {
                BucketName = _options.Bucket,
                Configuration = ArchiveLifecycle.ToS3(rules),
            }, ct);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotImplemented || ex.ErrorCode == "NotImplemented")
        {
            return false;
        }
    }

    public void Dispose() => _s3.Dispose();
}
