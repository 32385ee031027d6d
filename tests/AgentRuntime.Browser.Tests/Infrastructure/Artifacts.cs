using AgentRuntime.Testing;

namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>
/// Where browser tests leave what a person should look at: <c>artifacts/screenshots/&lt;TestClass&gt;/&lt;test&gt;/NN-step.png</c>
/// under the repository root (<c>AGENTRUNTIME_ARTIFACTS</c> overrides the root). The folder is git-ignored; CI keeps it.
/// </summary>
public static class Artifacts
{
    public static string Root =>
        Environment.GetEnvironmentVariable("AGENTRUNTIME_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(RepoPaths.Root, "artifacts");

    public static string ScreenshotDirectory(string testClass, string test) =>
        Path.Combine(Root, "screenshots", Safe(testClass), Safe(test));

    internal static string Safe(string name)
    {
        var chars = name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray();
        var s = new string(chars).Trim('-');
        return s.Length > 120 ? s[..120] : s;
    }
}
