using System.Globalization;

namespace AgentRuntime.Definitions.Validation;

/// <summary>
/// Checks Quartz cron expressions (seconds minutes hours day-of-month month day-of-week [year]) the way Quartz would
/// accept them, so a definition that validates is never refused by the scheduler at publication.
/// </summary>
public static class CronFormat
{
    private static readonly string[] Months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] Days = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] FieldNames = ["seconds", "minutes", "hours", "day-of-month", "month", "day-of-week", "year"];

    /// <summary>Null when valid; otherwise a message saying which field is wrong and why.</summary>
    public static string? Check(string? cron)
    {
        if (string.IsNullOrWhiteSpace(cron)) return "The cron expression is empty.";
        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 6 or > 7)
            return $"A Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]); this one has {fields.Length}. Example: '0 0 9 ? * MON-FRI'.";
        for (var f = 0; f < fields.Length; f++)
        {
            if (CheckField(f, fields[f].ToUpperInvariant()) is { } error)
                return $"The {FieldNames[f]} field '{fields[f]}' is invalid: {error}";
        }
        var dom = fields[3] == "?";
        var dow = fields[5] == "?";
        if (dom == dow)
            return "Exactly one of day-of-month and day-of-week must be '?' (Quartz cannot combine them), e.g. '0 0 9 ? * MON-FRI' or '0 0 9 1 * ?'.";
        return null;
    }

    private static string? CheckField(int field, string text)
    {
        var (min, max) = field switch { 0 or 1 => (0, 59), 2 => (0, 23), 3 => (1, 31), 4 => (1, 12), 5 => (1, 7), _ => (1970, 2199) };
        if (text == "?") return field is 3 or 5 ? null : "'?' is only allowed for day-of-month and day-of-week.";
        if (field == 3 && (text is "L" or "LW" || (text.StartsWith("L-", StringComparison.Ordinal) && IsNumberIn(text[2..], 0, 30)))) return null;
        if (field == 3 && text.EndsWith('W') && IsNumberIn(text[..^1], 1, 31)) return null;
        if (field == 5 && text == "L") return null;
        if (field == 5 && text.EndsWith('L') && Value(field, text[..^1]) is { } v && v is >= 1 and <= 7) return null;
        if (field == 5 && text.Split('#') is [var day, var nth] && Value(field, day) is >= 1 and <= 7 && IsNumberIn(nth, 1, 5)) return null;
        foreach (var part in text.Split(','))
        {
            var range = part;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                if (!IsNumberIn(part[(slash + 1)..], 1, max)) return $"the step after '/' must be a number from 1 to {max}.";
                range = part[..slash];
            }
            if (range == "*") continue;
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            var from = Value(field, dash > 0 ? range[..dash] : range);
            var to = dash > 0 ? Value(field, range[(dash + 1)..]) : from;
            if (from is null || to is null || from < min || to > max || (dash > 0 && to < min) || (from > max))
                return $"expected '*', '?'-free values from {min} to {max}{(field == 4 ? " or JAN-DEC" : field == 5 ? " or SUN-SAT" : "")}, ranges (a-b), lists (a,b) and steps (*/n).";
        }
        return null;
    }

    private static int? Value(int field, string text)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        if (field == 4 && Array.IndexOf(Months, text) is >= 0 and var m) return m + 1;
        if (field == 5 && Array.IndexOf(Days, text) is >= 0 and var d) return d + 1;
        return null;
    }

    private static bool IsNumberIn(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max;
}
