using Microsoft.Playwright;

namespace AgentRuntime.Browser.Tests.Designer;

/// <summary>What the designer tests find on the page and share: ids that never collide, nodes, labelled groups, 4xx logging.</summary>
internal static class DesignerPageParts
{
    /// <summary>A workflow id unique to this run (the fixture's database is shared by the collection's tests).</summary>
    public static string UniqueId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static ILocator Node(IPage page, string id) => page.Locator($".react-flow__node[data-id='{id}']");

    /// <summary>A fieldset by its legend, as a screen reader announces it.</summary>
    public static ILocator Group(IPage page, string name) => page.GetByRole(AriaRole.Group, new() { Name = name, Exact = true });

    /// <summary>Writes 4xx answers to the test output: a refused request explains a failing step better than a timeout.</summary>
    public static void LogClientErrors(IPage page, ITestOutputHelper output) =>
        page.Response += (_, r) =>
        {
            if (r.Status is >= 400 and < 500)
            {
                try { output.WriteLine($"HTTP {r.Status}: {r.Request.Method} {r.Url}"); }
                catch (InvalidOperationException) { } // the test has finished
            }
        };
}
