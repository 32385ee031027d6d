using System.Globalization;
using System.Threading.RateLimiting;
using AgentRuntime.Host.Problems;
using Microsoft.AspNetCore.RateLimiting;

namespace AgentRuntime.Host.Security;

/// <summary>Write-rate limits (section <c>RateLimiting</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Burst: writes one identity may make at once (token bucket size).</summary>
    public int WritesBurst { get; set; } = 120;

    /// <summary>Sustained writes per minute per identity (tokens added back per minute).</summary>
    public int WritesPerMinute { get; set; } = 600;
}

/// <summary>
/// Per-identity limits on writes (POST, PUT, PATCH, DELETE), with ASP.NET Core's built-in limiter. The partition is
/// the signed-in name (user, <c>apikey:&lt;name&gt;</c>), or the client address for anonymous callers, so one noisy
/// service account cannot starve the others. Applies to every write endpoint, present and future, without opting in.
/// Over the limit: 429 problem with <c>Retry-After</c> (seconds). Reads are not limited here.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddAgentRuntimeRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.SectionName).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (options.WritesBurst < 1 || options.WritesPerMinute < 1)
            throw new InvalidOperationException("RateLimiting:WritesBurst and RateLimiting:WritesPerMinute must be at least 1.");
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!options.Enabled || !IsWrite(context.Request.Method)) return RateLimitPartition.GetNoLimiter("");
                return RateLimitPartition.GetTokenBucketLimiter(PartitionKey(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.WritesBurst,
                    // At 60/min or more, refill every second; below, one token every 60/N seconds.
                    TokensPerPeriod = options.WritesPerMinute >= 60 ? options.WritesPerMinute / 60 : 1,
                    ReplenishmentPeriod = options.WritesPerMinute >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(60.0 / options.WritesPerMinute),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ProblemResults.Status(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests",
                        $"{PartitionKey(context.HttpContext)} made more than {options.WritesBurst} writes in a burst (sustained limit {options.WritesPerMinute}/min). Retry after {seconds} s.",
                        new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds })
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    internal static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static string PartitionKey(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && context.User.Identity.Name is { Length: > 0 } name
            ? $"user:{name}"
            : $"ip:{context.Connection.RemoteIpAddress}";
}
