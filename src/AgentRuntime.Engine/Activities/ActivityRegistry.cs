using AgentRuntime.Definitions.Activities;

namespace AgentRuntime.Engine.Activities;

/// <summary>
/// The node types this host can run: every <see cref="IActivity"/> registered in DI. <see cref="Catalog"/> is the
/// built-in descriptors plus those of registered classes (a registered class for a built-in type replaces its descriptor),
/// so validation and the Studio see exactly what the engine runs. A built-in type with no registered class is in the
/// catalog but raises an incident when reached.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, IActivity> _byType = new(StringComparer.Ordinal);

    public ActivityRegistry(IEnumerable<IActivity> activities)
    {
        foreach (var a in activities) _byType[a.Descriptor.Type] = a;
        var descriptors = BuiltInActivities.All.ToDictionary(d => d.Type, StringComparer.Ordinal);
        foreach (var a in _byType.Values) descriptors[a.Descriptor.Type] = a.Descriptor;
        Catalog = new ActivityCatalog(descriptors.Values);
    }

    public ActivityCatalog Catalog { get; }

    public IActivity? Find(string type) => _byType.GetValueOrDefault(type);
}
