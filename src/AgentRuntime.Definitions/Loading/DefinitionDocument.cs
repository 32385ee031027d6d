using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// A definition file, read and checked: the model (when the file could be read as a mapping), every problem found with
/// its position, and the canonical JSON and hash that identify the version. Reading never throws for anything in the
/// file — malformed, truncated, binary, huge or hostile input all become <see cref="Problems"/> with a position.
/// </summary>
public sealed class DefinitionDocument
{
    private DefinitionDocument(string fileName, WorkflowDefinition? definition, IReadOnlyList<DefinitionProblem> problems, SourceMap sourceMap)
    {
        FileName = fileName;
        Definition = definition;
        Problems = problems;
        SourceMap = sourceMap;
        if (definition is not null)
        {
            CanonicalJson = DefinitionSerializer.ToCanonicalJson(definition);
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CanonicalJson)));
        }
    }

    /// <summary>The file name problems are reported against (as given).</summary>
    public string FileName { get; }

    /// <summary>
    /// The model. Null only when the file could not be read as a mapping at all (syntax error, limit exceeded, empty or
    /// scalar root). When <see cref="HasErrors"/> it is a best-effort partial model (malformed values left at their
    /// defaults): inspect it, never publish or run it.
    /// </summary>
    public WorkflowDefinition? Definition { get; }

    /// <summary>Every problem, ordered by line then column. Errors and readiness warnings alike.</summary>
    public IReadOnlyList<DefinitionProblem> Problems { get; }

    /// <summary>True when any problem is an <see cref="ProblemSeverity.Error"/>: the definition must not be published.</summary>
    public bool HasErrors => Problems.Any(p => p.Severity == ProblemSeverity.Error);

    /// <summary>True when there is a model and no errors. Warnings (governance gaps) do not block publication as a draft.</summary>
    public bool IsPublishable => Definition is not null && !HasErrors;

    /// <summary>
    /// A canonical JSON rendering of <see cref="Definition"/>: compact, properties in model order, nulls and empty
    /// collections omitted, <c>$schema</c> left out. The same model always gives the same bytes, whatever the file's format,
    /// whitespace, comments or property order — so it, not the file text, identifies a version. Empty when there is no model.
    /// </summary>
    public string CanonicalJson { get; } = "";

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of <see cref="CanonicalJson"/>: the version identity. Empty when there is no model.</summary>
    public string ContentHash { get; } = "";

    /// <summary>Positions of every element of the file by JSON path, for reporting later checks against the file.</summary>
    public SourceMap SourceMap { get; }

    /// <summary>Reads a definition from text. YAML unless <paramref name="fileName"/> ends in <c>.json</c> (or, with no
    /// YAML extension, the text starts with '{'). Never throws for any content.</summary>
    /// <param name="content">The file's text.</param>
    /// <param name="fileName">Name used in problems and to pick the format.</param>
    /// <param name="catalog">Node types the flowchart may use (usually <see cref="ActivityCatalog.BuiltIn"/> plus the engine's extras).</param>
    /// <param name="limits">Input limits; <see cref="DefinitionLimits.Default"/> when null.</param>
    public static DefinitionDocument Parse(string content, string fileName, ActivityCatalog catalog, DefinitionLimits? limits = null) =>
        Parse(content, fileName, catalog, limits, ExpressionSyntax.Default);

    internal static DefinitionDocument Parse(string content, string fileName, ActivityCatalog catalog, DefinitionLimits? limits, IExpressionSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(catalog);
        limits ??= DefinitionLimits.Default;
        var map = new SourceMap();
        var problems = new ProblemSink(fileName, map);
        WorkflowDefinition? definition = null;
        try
        {
            definition = Read(content, fileName, catalog, limits, problems, syntax);
        }
#pragma warning disable CA1031 // the contract is "never throws for any content": a bug here must surface as a problem, not a crash
        catch (Exception ex)
#pragma warning restore CA1031
        {
            definition = null;
            problems.Error(ProblemCodes.Syntax, SourcePosition.Start, "$", $"The definition could not be read ({ex.GetType().Name}: {ex.Message}).");
        }
        var sorted = problems.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ThenBy(p => p.Code, StringComparer.Ordinal).ToList();
        return new DefinitionDocument(fileName, definition, sorted, map);
    }

    /// <summary>Reads and checks a definition file. A missing or unreadable file, one over
    /// <see cref="DefinitionLimits.MaxFileBytes"/> (checked before reading) or one that is not UTF-8 gives a problem, not an exception.</summary>
    public static DefinitionDocument Load(string path, ActivityCatalog catalog, DefinitionLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        limits ??= DefinitionLimits.Default;
        var map = new SourceMap();
        var problems = new ProblemSink(path, map);
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problems.Error(ProblemCodes.Unreadable, SourcePosition.Start, "$", "The file does not exist.");
                return new DefinitionDocument(path, null, problems.Problems, map);
            }
            if (info.Length > limits.MaxFileBytes)
            {
                problems.Error(ProblemCodes.FileTooLarge, SourcePosition.Start, "$", TooLarge(info.Length, limits));
                return new DefinitionDocument(path, null, problems.Problems, map);
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            problems.Error(ProblemCodes.Unreadable, SourcePosition.Start, "$", $"The file cannot be read: {ex.Message}");
            return new DefinitionDocument(path, null, problems.Problems, map);
        }
        if (FirstInvalidUtf8(bytes) is { } bad)
        {
            var before = Encoding.UTF8.GetString(bytes, 0, bad);
            var line = before.Count(c => c == '\n') + 1;
            var column = before.Length - (before.LastIndexOf('\n') + 1) + 1;
            problems.Error(ProblemCodes.Unreadable, new SourcePosition(line, column), "$", $"The file is not UTF-8 text (invalid byte 0x{bytes[bad]:X2}).");
            return new DefinitionDocument(path, null, problems.Problems, map);
        }
        return Parse(Encoding.UTF8.GetString(bytes), path, catalog, limits);
    }

    private static WorkflowDefinition? Read(string content, string fileName, ActivityCatalog catalog, DefinitionLimits limits, ProblemSink problems, IExpressionSyntax syntax)
    {
        // chars ≤ UTF-8 bytes, so a string longer than the limit is too large without counting
        if (content.Length > limits.MaxFileBytes || Encoding.UTF8.GetByteCount(content) > limits.MaxFileBytes)
        {
            problems.Error(ProblemCodes.FileTooLarge, SourcePosition.Start, "$", TooLarge(Encoding.UTF8.GetByteCount(content), limits));
            return null;
        }
        if (content.StartsWith('\uFEFF')) content = content[1..];
        if (string.IsNullOrWhiteSpace(content))
        {
            problems.Error(ProblemCodes.RootNotObject, SourcePosition.Start, "$", "The file is empty; a definition is a mapping with at least 'id' and 'flowchart'.");
            return null;
        }
        var root = IsJson(content, fileName)
            ? JsonTreeReader.Read(Encoding.UTF8.GetBytes(content), limits, problems)
            : YamlTreeReader.Read(content, limits, problems);
        if (root is null)
        {
            if (!problems.HasErrors)
                problems.Error(ProblemCodes.RootNotObject, SourcePosition.Start, "$", "The file holds no definition; a definition is a mapping with at least 'id' and 'flowchart'.");
            return null;
        }
        if (root is not SourceObject obj)
        {
            problems.Error(ProblemCodes.RootNotObject, root.Position, "$", $"A definition is a mapping with at least 'id' and 'flowchart', but the file holds {root.KindName}.");
            return null;
        }
        var definition = new ModelBinder(problems).Bind(obj);
        if (definition is not null) new DefinitionValidator(catalog, limits, problems, syntax).Validate(definition);
        return definition;
    }

    private static bool IsJson(string content, string fileName)
    {
        var ext = Path.GetExtension(fileName);
        if (ext.Equals(".json", StringComparison.OrdinalIgnoreCase)) return true;
        if (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase)) return false;
        return content.TrimStart().StartsWith('{');
    }

    private static string TooLarge(long size, DefinitionLimits limits) =>
        $"The file is {size:N0} bytes; the limit is {limits.MaxFileBytes:N0}. Split the workflow or raise DefinitionLimits.MaxFileBytes.";

    private static int? FirstInvalidUtf8(byte[] bytes)
    {
        var span = bytes.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(span[i..], out _, out var consumed) != System.Buffers.OperationStatus.Done) return i;
            i += consumed;
        }
        return null;
    }

    /// <summary>Deserializes a <see cref="CanonicalJson"/> (e.g. a stored version) back into the model. No validation.</summary>
    public static WorkflowDefinition FromCanonicalJson(string canonicalJson) =>
        JsonSerializer.Deserialize<WorkflowDefinition>(canonicalJson, DefinitionJson.Options)
        ?? throw new JsonException("The canonical JSON holds null.");
}
