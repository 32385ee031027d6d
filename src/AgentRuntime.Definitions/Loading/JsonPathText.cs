namespace AgentRuntime.Definitions.Loading;

/// <summary>Builds JSON paths in the style <c>$.flowchart.edges[3].to</c>; keys that are not identifiers use <c>['…']</c>.</summary>
public static class JsonPathText
{
    public const string Root = "$";

    /// <summary>The path of property <paramref name="name"/> of the object at <paramref name="parent"/>.</summary>
    public static string Property(string parent, string name)
    {
        if (IsIdentifier(name)) return parent + "." + name;
        return parent + "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";
    }

    /// <summary>The path of item <paramref name="index"/> of the list at <paramref name="parent"/>.</summary>
    public static string Index(string parent, int index) => parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    /// <summary>The parent of a path, or null for <c>$</c>.</summary>
    public static string? Parent(string path)
    {
        if (path.Length <= 1) return null;
        if (path[^1] == ']')
        {
            // find the '[' that opens the last segment, skipping a quoted key
            var i = path.Length - 2;
            if (path[i] == '\'')
            {
                i--;
                while (i > 0 && !(path[i] == '\'' && path[i - 1] == '[' && (i < 2 || path[i - 2] != '\\'))) i--;
                return i > 0 ? path[..(i - 1)] : null;
            }
            var open = path.LastIndexOf('[');
            return open > 0 ? path[..open] : null;
        }
        var dot = path.LastIndexOf('.');
        var bracket = path.LastIndexOf(']');
        return dot > 0 && dot > bracket ? path[..dot] : bracket > 0 ? path[..(bracket + 1)] : Root;
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or '$')) return false;
        foreach (var c in name)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '$')) return false;
        return true;
    }
}
