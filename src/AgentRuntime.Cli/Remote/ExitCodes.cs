namespace AgentRuntime.Cli.Remote;

/// <summary>
/// Exit codes scripts can trust (the same for every command):
/// 0 ok; 1 refused or failed (the input has errors, a 409/422/5xx answer, a bulk operation with failures, a broken
/// audit chain); 2 usage (bad arguments, or the host answered 400); 3 not found (404); 4 authentication or authorization
/// (401/403, or no credentials where the host requires them); 5 the host is unreachable (connection refused, DNS, timeout).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int NotFound = 3;
    public const int Auth = 4;
    public const int Unreachable = 5;

    public static int FromStatus(int status) => status switch
    {
        >= 200 and < 300 => Ok,
        400 => Usage,
        401 or 403 => Auth,
        404 => NotFound,
        _ => Failed,
    };
}
