using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Definitions.Expressions;

internal enum ValueKind { Null, Bool, Number, String, List, Map }

/// <summary>
/// A run-time value. Lists and maps read from the scope wrap the scope's JSON nodes lazily (nothing is copied until a
/// result is returned), while values built by the expression are held in plain arrays.
/// </summary>
internal readonly struct Value
{
    private readonly double _number;
    private readonly object? _ref;

    private Value(ValueKind kind, double number, object? reference)
    {
        Kind = kind;
        _number = number;
        _ref = reference;
    }

    public ValueKind Kind { get; }

    public static Value Null => default;
    public static Value True { get; } = new(ValueKind.Bool, 1, null);
    public static Value False { get; } = new(ValueKind.Bool, 0, null);

    public static Value FromBool(bool value) => value ? True : False;
    public static Value FromNumber(double value) => new(ValueKind.Number, value == 0 ? 0 : value, null);
    public static Value FromString(string value) => new(ValueKind.String, 0, value);
    public static Value FromList(ListValue value) => new(ValueKind.List, 0, value);
    public static Value FromMap(MapValue value) => new(ValueKind.Map, 0, value);

    public bool IsNull => Kind == ValueKind.Null;
    public bool AsBool => _number != 0;
    public double AsNumber => _number;
    public string AsString => (string)_ref!;
    public ListValue AsList => (ListValue)_ref!;
    public MapValue AsMap => (MapValue)_ref!;

    public static string KindName(ValueKind kind) => kind switch
    {
        ValueKind.Null => "null",
        ValueKind.Bool => "boolean",
        ValueKind.Number => "number",
        ValueKind.String => "string",
        ValueKind.List => "list",
        _ => "map",
    };

    public string TypeName => KindName(Kind);

    /// <summary>Reads a JSON node. Throws <see cref="ExpressionException"/> (EXPR209) for values that are not plain JSON.</summary>
    public static Value FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null: return Null;
            case JsonObject obj: return FromMap(new JsonMapValue(obj));
            case JsonArray array: return FromList(new JsonListValue(array));
            case JsonValue value: return FromJsonValue(value);
            default: throw Unsupported(null);
        }
    }

    private static Value FromJsonValue(JsonValue value)
    {
        try
        {
            switch (value.GetValueKind())
            {
                case JsonValueKind.Null:
                case JsonValueKind.Undefined:
                    return Null;
                case JsonValueKind.True:
                    return True;
                case JsonValueKind.False:
                    return False;
                case JsonValueKind.String:
                    if (value.TryGetValue<string>(out var text)) return FromString(text);
                    return FromString(JsonSerializer.Deserialize<string>(value.ToJsonString()) ?? "");
                case JsonValueKind.Number:
                    if (value.TryGetValue<double>(out var d)) return double.IsFinite(d) ? FromNumber(d) : throw Unsupported(null);
                    if (value.TryGetValue<float>(out var f)) return float.IsFinite(f) ? FromNumber(f) : throw Unsupported(null);
                    if (value.TryGetValue<int>(out var i)) return FromNumber(i);
                    if (value.TryGetValue<long>(out var l)) return FromNumber(l);
                    if (value.TryGetValue<decimal>(out var m)) return FromNumber((double)m);
                    var parsed = double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
                    return double.IsFinite(parsed) ? FromNumber(parsed) : throw Unsupported(null);
                default:
                    throw Unsupported(null);
            }
        }
        catch (Exception e) when (e is not ExpressionException)
        {
            throw Unsupported(e);
        }
    }

    private static ExpressionException Unsupported(Exception? inner) =>
        new(ExpressionErrorCodes.UnsupportedValue,
            "The scope holds a value that is not plain JSON (null, boolean, number, string, array or object)", 0, 0, inner);

    /// <summary>A fresh JSON node for this value (a deep copy where it wraps scope data).</summary>
    public JsonNode? ToNode()
    {
        switch (Kind)
        {
            case ValueKind.Null: return null;
            case ValueKind.Bool: return JsonValue.Create(AsBool);
            case ValueKind.Number: return JsonNode.Parse(FormatNumber(AsNumber));
            case ValueKind.String: return JsonValue.Create(AsString);
            case ValueKind.List:
                if (AsList is JsonListValue jsonList) return jsonList.Array.DeepClone();
                var array = new JsonArray();
                for (var i = 0; i < AsList.Count; i++) array.Add(AsList[i].ToNode());
                return array;
            default:
                if (AsMap is JsonMapValue jsonMap) return jsonMap.Object.DeepClone();
                var obj = new JsonObject();
                foreach (var (key, item) in AsMap.Entries) obj[key] = item.ToNode();
                return obj;
        }
    }

    /// <summary>Shortest round-trip invariant text; integral values print without a fraction ("3", not "3.0").</summary>
    public static string FormatNumber(double value) =>
        (value == 0 ? 0 : value).ToString("R", CultureInfo.InvariantCulture);
}

internal abstract class ListValue
{
    public abstract int Count { get; }
    public abstract Value this[int index] { get; }
}

internal sealed class ArrayListValue(Value[] items) : ListValue
{
    public static ArrayListValue Empty { get; } = new([]);
    public override int Count => items.Length;
    public override Value this[int index] => items[index];
}

internal sealed class JsonListValue(JsonArray array) : ListValue
{
    public JsonArray Array { get; } = array;
    public override int Count => Array.Count;
    public override Value this[int index] => Value.FromNode(Array[index]);
}

internal abstract class MapValue
{
    public abstract int Count { get; }
    public abstract bool TryGet(string key, out Value value);
    public abstract IEnumerable<KeyValuePair<string, Value>> Entries { get; }
}

internal sealed class OrderedMapValue : MapValue
{
    private readonly List<KeyValuePair<string, Value>> _entries;
    private readonly Dictionary<string, Value> _index;

    public OrderedMapValue(List<KeyValuePair<string, Value>> entries)
    {
        _entries = entries;
        _index = new Dictionary<string, Value>(entries.Count, StringComparer.Ordinal);
        foreach (var (key, value) in entries) _index[key] = value;
    }

    public override int Count => _entries.Count;
    public override bool TryGet(string key, out Value value) => _index.TryGetValue(key, out value);
    public override IEnumerable<KeyValuePair<string, Value>> Entries => _entries;
}

internal sealed class JsonMapValue(JsonObject obj) : MapValue
{
    public JsonObject Object { get; } = obj;
    public override int Count => Object.Count;

    public override bool TryGet(string key, out Value value)
    {
        if (Object.TryGetPropertyValue(key, out var node))
        {
            value = Value.FromNode(node);
            return true;
        }

        value = Value.Null;
        return false;
    }

    public override IEnumerable<KeyValuePair<string, Value>> Entries =>
        Object.Select(pair => new KeyValuePair<string, Value>(pair.Key, Value.FromNode(pair.Value)));
}

internal sealed class DictionaryMapValue(IReadOnlyDictionary<string, JsonNode?> dictionary) : MapValue
{
    public override int Count => dictionary.Count;

    public override bool TryGet(string key, out Value value)
    {
        if (dictionary.TryGetValue(key, out var node))
        {
            value = Value.FromNode(node);
            return true;
        }

        value = Value.Null;
        return false;
    }

    public override IEnumerable<KeyValuePair<string, Value>> Entries =>
        dictionary.Select(pair => new KeyValuePair<string, Value>(pair.Key, Value.FromNode(pair.Value)));
}
