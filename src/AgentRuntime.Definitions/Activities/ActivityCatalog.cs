namespace AgentRuntime.Definitions.Activities;

/// <summary>
/// The set of node types a definition may use. Validation, schema generation and the Studio palette read it.
/// The engine extends <see cref="BuiltIn"/> with the descriptors of any extra activity classes it registers.
/// </summary>
public sealed class ActivityCatalog
{
    private readonly Dictionary<string, ActivityDescriptor> _byType;

    public ActivityCatalog(IEnumerable<ActivityDescriptor> descriptors)
    {
        _byType = new(StringComparer.Ordinal);
        foreach (var d in descriptors)
        {
            if (!_byType.TryAdd(d.Type, d))
                throw new ArgumentException($"Activity type '{d.Type}' is declared twice.", nameof(descriptors));
        }
    }

    /// <summary>The catalog of the built-in node types of DESIGN.md.</summary>
    public static ActivityCatalog BuiltIn { get; } = new(BuiltInActivities.All);

    public IReadOnlyCollection<ActivityDescriptor> All => _byType.Values;

    public bool TryGet(string type, out ActivityDescriptor descriptor) => _byType.TryGetValue(type, out descriptor!);

    public ActivityCatalog With(params ActivityDescriptor[] extra) => new(_byType.Values.Concat(extra));
}
