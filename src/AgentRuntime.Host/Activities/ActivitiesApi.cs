using AgentRuntime.Definitions.Activities;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Activities;

/// <summary>
/// The activity catalog: every node type with its inputs and ports. The Studio builds its palette and property
/// panel from it, so a node type registered on the server appears there without front-end work.
/// </summary>
public static class ActivitiesApi
{
    public static IEndpointRouteBuilder MapActivitiesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/activities", (ActivityCatalog catalog) => Results.Ok(catalog.All
                .OrderBy(a => a.Category, StringComparer.Ordinal).ThenBy(a => a.Type, StringComparer.Ordinal)
                .Select(a => new ActivityView(a.Type, a.DisplayName, a.Description, a.Category,
                    a.Inputs.Select(i => new InputView(i.Name, ToKebab(i.Kind.ToString()), i.Required, i.Description)).ToList(),
                    a.Ports.Select(p => new PortView(p.Name, p.Required, p.Description)).ToList(),
                    a.DynamicPorts is not null, a.IsTerminal))))
            .WithTags("Workflows").WithName("ListActivities").RequireAuthorization(Policies.Reader);
        return app;
    }

    private static string ToKebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public sealed record ActivityView(string Type, string DisplayName, string Description, string Category,
        IReadOnlyList<InputView> Inputs, IReadOnlyList<PortView> Ports, bool DynamicPorts, bool Terminal);

    public sealed record InputView(string Name, string Kind, bool Required, string Description);

    public sealed record PortView(string Name, bool Required, string Description);
}
