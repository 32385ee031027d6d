using System.Globalization;

namespace AgentRuntime.Definitions.Validation;

/// <summary>
/// The duration syntax of definitions: one or more number+unit parts, largest unit first, e.g. <c>90s</c>, <c>15m</c>,
/// <c>4h</c>, <c>2d</c>, <c>1h30m</c>, <c>500ms</c>. Units: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>. The engine
/// parses with the same method the validator checks with, so a definition that validates never fails to schedule.
/// </summary>
public static class DurationFormat
{
    /// <summary>Parses <paramref name="text"/>; false (and zero) for anything else, including zero-length and overflowing values.</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) return false;
        var total = 0d;
        var i = 0;
        var lastRank = int.MaxValue;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || i - start > 9) return false;
            var n = long.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            var (ms, rank, len) = text.AsSpan(i) switch
            {
                var s when s.StartsWith("ms") => (1d, 0, 2),
                var s when s.StartsWith("s") => (1_000d, 1, 1),
                var s when s.StartsWith("m") => (60_000d, 2, 1),
                var s when s.StartsWith("h") => (3_600_000d, 3, 1),
                var s when s.StartsWith("d") => (86_400_000d, 4, 1),
                _ => (0d, -1, 0),
            };
            if (rank < 0 || rank >= lastRank) return false;
            lastRank = rank;
            i += len;
            total += n * ms;
        }
        if (total <= 0 || total > TimeSpan.MaxValue.TotalMilliseconds / 2) return false;
        duration = TimeSpan.FromMilliseconds(total);
        return true;
    }
}
