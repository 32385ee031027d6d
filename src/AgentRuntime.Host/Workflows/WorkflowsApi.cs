using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Workflows;

/// <summary>Upload limits for definitions (section <c>Definitions</c>).</summary>
public sealed class DefinitionUploadOptions
{
    public const string SectionName = "Definitions";

    /// <summary>Largest definition body accepted, in bytes. Larger uploads get 413 and are not read further.</summary>
    public int MaxBytes { get; set; } = 1024 * 1024;
}

/// <summary>
/// Workflow definitions: list, read with versions, upload (validate → store a new draft version → publish on request),
/// and validate without storing. A definition with structural errors is refused with 422 and every problem
/// (file, line, column, JSON path, code); nothing is stored, so a client's draft is never half-saved.
/// </summary>
public static class WorkflowsApi
{
    public static IEndpointRouteBuilder MapWorkflowsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/workflows").WithTags("Workflows");
        group.MapGet("/", ListAsync).WithName("ListWorkflows").RequireAuthorization(Policies.Reader);
        group.MapGet("/{id}", GetAsync).WithName("GetWorkflow").RequireAuthorization(Policies.Reader);
        group.MapGet("/{id}/versions/{version:int}", GetVersionAsync).WithName("GetWorkflowVersion").RequireAuthorization(Policies.Reader);
        group.MapPost("/", UploadAsync).WithName("UploadWorkflow").RequireAuthorization(Policies.Designer)
            .Accepts<string>("application/yaml", "application/json", "text/yaml", "text/plain");
        group.MapPost("/validate", ValidateAsync).WithName("ValidateWorkflow").RequireAuthorization(Policies.Designer)
            .Accepts<string>("application/yaml", "application/json", "text/yaml", "text/plain");
        return app;
    }

    private static async Task<IResult> ListAsync(AgentRuntimeDbContext db, CancellationToken ct)
    {
        var rows = await db.Set<WorkflowRecord>().AsNoTracking().OrderBy(w => w.Id).ToListAsync(ct);
        return Results.Ok(rows.Select(w => new WorkflowSummary(w.Id, w.Name, w.OwnerName, w.LatestVersion, w.PublishedVersion, w.Retired, w.UpdatedAt)));
    }

    private static async Task<IResult> GetAsync(string id, AgentRuntimeDbContext db, ActivityCatalog activities, DefinitionLimits limits, CancellationToken ct)
    {
        var w = await db.Set<WorkflowRecord>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        if (w is null) return ProblemResults.NotFound("Workflow", id);
        var versions = await db.Set<WorkflowVersionRecord>().AsNoTracking()
            .Where(v => v.WorkflowId == id).OrderByDescending(v => v.Version).ToListAsync(ct);
        var current = versions.FirstOrDefault(v => v.Version == w.PublishedVersion) ?? versions.FirstOrDefault();
        return Results.Ok(new WorkflowDetail(
            w.Id, w.Name, w.OwnerName, w.OwnerEmail, w.LatestVersion, w.PublishedVersion, w.Retired, w.CreatedAt, w.UpdatedAt,
            current is null ? null : DefinitionOf(current, activities, limits),
            versions.Select(ToSummary).ToList()));
    }

    private static async Task<IResult> GetVersionAsync(string id, int version, AgentRuntimeDbContext db, ActivityCatalog activities, DefinitionLimits limits, CancellationToken ct)
    {
        var v = await db.Set<WorkflowVersionRecord>().AsNoTracking().FirstOrDefaultAsync(x => x.WorkflowId == id && x.Version == version, ct);
        if (v is null) return ProblemResults.NotFound("Workflow version", $"{id}@{version}");
        return Results.Ok(new WorkflowVersionDetail(ToSummary(v), v.SourceText, v.SourceFormat, DefinitionOf(v, activities, limits)));
    }

    /// <summary>
    /// A stored version's definition as the API shows it: read again from its source text, so objects keep the order they
    /// were written in (input fields, variables: the Studio's start form lists fields in the file's order). The stored
    /// canonical JSON is jsonb, which reorders object keys (shortest first); it is the answer only when the source no
    /// longer reads cleanly (an activity type removed since it was stored).
    /// </summary>
    private static JsonNode? DefinitionOf(WorkflowVersionRecord v, ActivityCatalog activities, DefinitionLimits limits)
    {
        var document = DefinitionDocument.Parse(v.SourceText, v.SourceName ?? $"{v.WorkflowId}@{v.Version}", activities, limits);
        return document is { HasErrors: false, Definition: { } definition }
            ? JsonNode.Parse(Definitions.Serialization.DefinitionSerializer.ToCanonicalJson(definition))
            : JsonNode.Parse(v.CanonicalJson);
    }

    private static async Task<IResult> UploadAsync(
        HttpRequest request, bool? publish, string? fileName, WorkflowCatalog catalog, ActivityCatalog activities,
        IOptions<DefinitionUploadOptions> options, DefinitionLimits limits, CancellationToken ct)
    {
        var body = await ReadDefinitionBodyAsync(request, options.Value.MaxBytes, ct);
        if (body.Error is not null) return body.Error;
        var name = SourceName(request, fileName);
        var document = DefinitionDocument.Parse(body.Text!, name, activities, limits);
        if (document.HasErrors) return ProblemResults.InvalidDefinition(document.Problems, request.Path);
        if (document.Definition?.Id is { Length: > 100 } longId)
            return ProblemResults.Status(StatusCodes.Status422UnprocessableEntity, "invalid-definition", "The workflow definition is invalid",
                $"The workflow id is {longId.Length} characters; at most 100 are allowed.");

        // The acting user comes from the authenticated identity once security lands; until then the development scheme's name.
        var actor = request.HttpContext.User.Identity?.Name ?? "anonymous";
        StoreResult result;
        try
        {
            result = await catalog.StoreAsync(document, body.Text!, name, publish ?? false, actor, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException
                                          {
                                              SqlState: Npgsql.PostgresErrorCodes.StringDataRightTruncation or Npgsql.PostgresErrorCodes.UntranslatableCharacter
                                                  or Npgsql.PostgresErrorCodes.CharacterNotInRepertoire
                                          } pg)
        {
            // Backstop for what validation does not bound yet (found by the API fuzz test): never a 500 for bad input.
            return ProblemResults.Status(StatusCodes.Status422UnprocessableEntity, "unstorable-definition", "The definition cannot be stored",
                pg.SqlState == Npgsql.PostgresErrorCodes.StringDataRightTruncation
                    ? "A value is longer than the catalog stores (workflow id: 100 characters; name and owner: 300)."
                    : "The definition contains a character that cannot be stored (e.g. \\u0000).");
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException
                                          || e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // Backstop: the catalog serializes stores of one workflow, so only a writer outside it could race an upload.
            return ProblemResults.Status(StatusCodes.Status409Conflict, "concurrent-upload", "Concurrent upload",
                $"Another upload of workflow '{document.Definition?.Id}' was stored at the same moment. Send it again.");
        }
        var response = new UploadResponse(result.WorkflowId!, result.Version!.Value, result.Outcome.ToString().ToLowerInvariant(), result.Published,
            result.Problems.Select(ProblemResults.ToJson).ToList());
        return result.Outcome == StoreOutcome.Created
            ? Results.Created($"/api/v1/workflows/{result.WorkflowId}/versions/{result.Version}", response)
            : Results.Ok(response);
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, string? fileName, ActivityCatalog activities, IOptions<DefinitionUploadOptions> options, DefinitionLimits limits, CancellationToken ct)
    {
        var body = await ReadDefinitionBodyAsync(request, options.Value.MaxBytes, ct);
        if (body.Error is not null) return body.Error;
        var document = DefinitionDocument.Parse(body.Text!, SourceName(request, fileName), activities, limits);
        return Results.Ok(new ValidationResponse(!document.HasErrors, document.IsPublishable, document.Problems.Select(ProblemResults.ToJson).ToList()));
    }

    private static string SourceName(HttpRequest request, string? fileName)
    {
        if (!string.IsNullOrWhiteSpace(fileName))
        {
            var file = Path.GetFileName(fileName);
            return file.Length <= 200 ? file : file[..200]; // a label; the catalog stores up to 500 characters
        }
        var type = request.ContentType ?? "";
        return type.Contains("json", StringComparison.OrdinalIgnoreCase) ? "upload.json" : "upload.yaml";
    }

    private sealed record BodyRead(string? Text, IResult? Error);

    /// <summary>
    /// Reads the body as UTF-8 up to <paramref name="maxBytes"/>. A declared or actual size over the limit is answered
    /// with 413 without buffering the rest; bytes that are not UTF-8 get 400 naming the offset.
    /// </summary>
    private static async Task<BodyRead> ReadDefinitionBodyAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
            return new(null, TooLarge(request.ContentLength.Value, maxBytes));
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) return new(null, TooLarge(null, maxBytes));
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0)
            return new(null, ProblemResults.Status(StatusCodes.Status400BadRequest, "empty-body", "Empty request body",
                "Send the workflow definition (YAML or JSON) as the request body."));
        try
        {
            return new(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException e)
        {
            return new(null, ProblemResults.Status(StatusCodes.Status400BadRequest, "not-utf8", "The body is not UTF-8 text",
                $"Invalid UTF-8 at byte {e.Index}. Definitions are YAML or JSON text in UTF-8."));
        }
    }

    private static IResult TooLarge(long? declared, int max) =>
        ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Definition too large",
            $"The definition{(declared is null ? "" : $" ({declared} bytes)")} exceeds the limit of {max} bytes (Definitions:MaxBytes).");

    private static WorkflowVersionSummary ToSummary(WorkflowVersionRecord v) =>
        new(v.Version, v.Status, v.ContentHash, v.SourceName, v.SourceFormat, v.CreatedBy, v.CreatedAt, v.PublishedAt,
            v.WarningsJson is null ? null : JsonNode.Parse(v.WarningsJson));

    public sealed record WorkflowSummary(string Id, string? Name, string? Owner, int LatestVersion, int? PublishedVersion, bool Retired, DateTimeOffset UpdatedAt);

    public sealed record WorkflowDetail(string Id, string? Name, string? Owner, string? OwnerEmail, int LatestVersion, int? PublishedVersion, bool Retired,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, JsonNode? Definition, IReadOnlyList<WorkflowVersionSummary> Versions);

    public sealed record WorkflowVersionSummary(int Version, string Status, string ContentHash, string? SourceName, string SourceFormat,
        string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? PublishedAt, JsonNode? Warnings);

    public sealed record WorkflowVersionDetail(WorkflowVersionSummary Version, string SourceText, string SourceFormat, JsonNode? Definition);

    public sealed record UploadResponse(string WorkflowId, int Version, string Outcome, bool Published, IReadOnlyList<object> Problems);

    public sealed record ValidationResponse(bool Valid, bool Publishable, IReadOnlyList<object> Problems);
}
