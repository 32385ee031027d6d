using System.Globalization;
using System.Xml;

namespace AgentRuntime.Engine.Execution;

/// <summary>Durations as definitions write them: <c>500ms</c>, <c>90s</c>, <c>15m</c>, <c>4h</c>, <c>2d</c>; ISO 8601 (<c>PT5M</c>) or <c>hh:mm:ss</c> also accepted.</summary>
public static class Durations
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (s.StartsWith('P'))
        {
            try { value = XmlConvert.ToTimeSpan(s); return true; }
            catch (FormatException) { return false; }
        }
        (string unit, double factor)[] units = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)];
        foreach (var (unit, factor) in units)
        {
            if (s.EndsWith(unit, StringComparison.Ordinal) && !(unit == "s" && s.EndsWith("ms", StringComparison.Ordinal))
                && double.TryParse(s[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0)
            {
                value = TimeSpan.FromMilliseconds(n * factor);
                return true;
            }
        }
        return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a duration (e.g. 500ms, 90s, 15m, 4h, 2d).");
}
