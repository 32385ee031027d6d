using AgentRuntime.Definitions.Loading;
using AgentRuntime.Host.Problems;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AgentRuntime.Host.Security;

/// <summary>Request limits and response headers (section <c>Security</c>).</summary>
public sealed class HardeningOptions
{
    public const string SectionName = "Security";

    /// <summary>Largest request body, in bytes, on any endpoint (Kestrel's limit too). Over it: 413 problem.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The Studio's content security policy. The default allows the built Vite app (own scripts and styles)
    /// and React Flow's inline styles, nothing from elsewhere. When the Studio signs in with an OIDC provider
    /// (<c>Auth:Mode=Oidc</c> with <c>Auth:Studio:ClientId</c>), the authority's origin is added to <c>connect-src</c> (discovery
    /// document and token endpoint), and nothing else.</summary>
    public string StudioContentSecurityPolicy { get; set; } =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The API's policy: JSON is never a document to render.</summary>
    public string ApiContentSecurityPolicy { get; set; } = "default-src 'none'; frame-ancestors 'none'";
}

/// <summary>Definition limits (section <c>Definitions:Limits</c>); see <see cref="DefinitionLimits"/> for what each bounds.</summary>
public sealed class DefinitionLimitOptions
{
    public const string SectionName = "Definitions:Limits";

    public long MaxFileBytes { get; set; } = DefinitionLimits.Default.MaxFileBytes;

    public int MaxNodes { get; set; } = DefinitionLimits.Default.MaxNodes;

    public int MaxEdges { get; set; } = DefinitionLimits.Default.MaxEdges;

    public int MaxDepth { get; set; } = DefinitionLimits.Default.MaxDepth;

    public int MaxExpressionLength { get; set; } = DefinitionLimits.Default.MaxExpressionLength;

    internal DefinitionLimits ToLimits() => new()
    {
        MaxFileBytes = MaxFileBytes, MaxNodes = MaxNodes, MaxEdges = MaxEdges, MaxDepth = MaxDepth, MaxExpressionLength = MaxExpressionLength,
    };
}

/// <summary>Redaction of journal payloads and telemetry (section <c>Redaction</c>).</summary>
public sealed class RedactionOptions
{
    public const string SectionName = "Redaction";

    /// <summary>Field names (any depth, case-insensitive) whose values are written as <c>***</c> in journal input/output.</summary>
    public List<string> Fields { get; set; } = [];
}

/// <summary>
/// Security headers on every response (set when the response starts, so error pages carry them too), body-size limits
/// for every endpoint, and configurable definition limits.
/// </summary>
public static class HttpHardening
{
    public static IServiceCollection AddAgentRuntimeHardening(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HardeningOptions>().BindConfiguration(HardeningOptions.SectionName)
            .Validate(o => o.MaxRequestBodyBytes > 0, "Security:MaxRequestBodyBytes must be positive").ValidateOnStart();

        // Definition limits (nodes, edges, nesting, expression length, file size) from Definitions:Limits.
        var limits = (configuration.GetSection(DefinitionLimitOptions.SectionName).Get<DefinitionLimitOptions>() ?? new DefinitionLimitOptions()).ToLimits();
        if (limits.MaxNodes < 1 || limits.MaxEdges < 0 || limits.MaxDepth < 2 || limits.MaxExpressionLength < 1 || limits.MaxFileBytes < 1)
            throw new InvalidOperationException("Definitions:Limits: MaxNodes, MaxDepth (≥ 2), MaxExpressionLength and MaxFileBytes must be positive.");
        services.AddSingleton(limits);

        // Minimal APIs: a body that does not bind (malformed JSON, wrong type) throws BadHttpRequestException, which the
        // exception handler turns into a 4xx problem with the reason instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            if (context.Exception is BadHttpRequestException bad)
            {
                context.ProblemDetails.Status = bad.StatusCode;
                context.ProblemDetails.Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is larger than the limit (Security:MaxRequestBodyBytes)."
                    : bad.Message;
                context.ProblemDetails.Extensions["code"] = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "body-too-large" : "bad-request";
            }
        });
        return services;
    }

    /// <summary>Exception handler that answers a client's bad request with its own status (not 500), without an error log.</summary>
    public static IApplicationBuilder UseAgentRuntimeExceptionHandler(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException,
        });

    /// <summary>Headers and body limits. Place first in the pipeline.</summary>
    public static IApplicationBuilder UseAgentRuntimeHardening(this IApplicationBuilder app)
    {
        var configured = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<HardeningOptions>>().Value;
        var auth = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value;
        var options = new HardeningOptions
        {
            MaxRequestBodyBytes = configured.MaxRequestBodyBytes,
            ApiContentSecurityPolicy = configured.ApiContentSecurityPolicy,
            StudioContentSecurityPolicy = StudioPolicy(configured.StudioContentSecurityPolicy, auth),
        };
        return app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                AddHeaders(context, options);
                return Task.CompletedTask;
            });

            var max = options.MaxRequestBodyBytes;
            if (context.Request.ContentLength > max)
            {
                await ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Request body too large",
                    $"The body is {context.Request.ContentLength} bytes; the limit is {max} (Security:MaxRequestBodyBytes).").ExecuteAsync(context);
                return;
            }
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = max; // Kestrel enforces it while reading
            else if (feature is null && context.Request.ContentLength is null) context.Request.Body = new LimitedReadStream(context.Request.Body, max);
            await next(context);
        });
    }

    /// <summary>
    /// The Studio's policy with the OIDC authority's origin (scheme://host[:port], nothing more) added to <c>connect-src</c>
    /// when the Studio signs in with the provider: the browser fetches the discovery document and exchanges the code at the
    /// token endpoint. Without a <c>connect-src</c> directive one is added (<c>'self'</c> plus the origin).
    /// </summary>
    internal static string StudioPolicy(string policy, AuthOptions auth)
    {
        if (auth.ParsedMode != AuthMode.Oidc || string.IsNullOrWhiteSpace(auth.Studio.ClientId)) return policy;
        if (!Uri.TryCreate(auth.Jwt.Authority, UriKind.Absolute, out var authority)) return policy;
        var origin = authority.GetLeftPart(UriPartial.Authority);
        var directives = policy.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var index = directives.FindIndex(d => d.Equals("connect-src", StringComparison.OrdinalIgnoreCase) ||
                                              d.StartsWith("connect-src ", StringComparison.OrdinalIgnoreCase));
        if (index < 0) directives.Add($"connect-src 'self' {origin}");
        else if (!directives[index].Split(' ').Contains(origin, StringComparer.OrdinalIgnoreCase)) directives[index] += " " + origin;
        return string.Join("; ", directives);
    }

    private static void AddHeaders(HttpContext context, HardeningOptions options)
    {
        var h = context.Response.Headers;
        var isApi = context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/openapi") ||
                    context.Request.Path.StartsWithSegments("/health");
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h["Cross-Origin-Opener-Policy"] = "same-origin";
        h["Cross-Origin-Resource-Policy"] = "same-origin";
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        h.ContentSecurityPolicy = isApi ? options.ApiContentSecurityPolicy : options.StudioContentSecurityPolicy;
        if (context.Request.IsHttps) h.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        // API answers carry people's data: never cache them in shared caches or the browser's disk cache.
        if (isApi && !h.ContainsKey("Cache-Control")) h.CacheControl = "no-store";
    }

    /// <summary>Counts bytes read and fails with 413 past the limit (for servers without a body-size feature, e.g. the test server).</summary>
    private sealed class LimitedReadStream(Stream inner, long max) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            _read += n;
            if (_read > max) throw new BadHttpRequestException($"The request body exceeds {max} bytes.", StatusCodes.Status413PayloadTooLarge);
            return n;
        }
    }
}
