using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Serialization;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Workflows;

/// <summary>
/// The designer's converter: reads a definition (YAML, or JSON such as the Studio's model) and answers its canonical
/// file text in the format of <c>workflows/</c> (<see cref="DefinitionSerializer"/>), the model as canonical JSON, and every
/// problem with its JSON path. The Studio edits a model and lets the server write the text, so what it saves, imports and
/// exports is byte-for-byte what a hand-kept <c>workflows/*.yaml</c> file holds. Nothing is stored.
/// </summary>
public static class DefinitionFormatApi
{
    public static IEndpointRouteBuilder MapDefinitionFormatApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/workflows/format", FormatAsync).WithTags("Workflows").WithName("FormatWorkflow")
            .RequireAuthorization(Policies.Designer)
            .Accepts<string>("application/yaml", "application/json", "text/yaml", "text/plain")
            .WithSummary("Body: a definition (YAML or JSON). ?to=yaml (default) or json. 200 {format, text, valid, publishable, problems, definition}; " +
                         "422 when the body cannot be read as a definition at all. Stores nothing.");
        return app;
    }

    private static async Task<IResult> FormatAsync(HttpRequest request, string? to, string? fileName, ActivityCatalog activities,
        IOptions<DefinitionUploadOptions> options, DefinitionLimits limits, CancellationToken ct)
    {
        var format = (to ?? "yaml").Trim().ToLowerInvariant();
        if (format is not ("yaml" or "json"))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-format", "Unknown format",
                $"'to' must be yaml or json, not '{to}'.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["to"] = ["yaml or json"] } });

        var maxBytes = options.Value.MaxBytes;
        if (request.ContentLength > maxBytes)
            return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Definition too large",
                $"The definition ({request.ContentLength} bytes) exceeds the limit of {maxBytes} bytes (Definitions:MaxBytes).");
        string text;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Definition too large",
                        $"The definition exceeds the limit of {maxBytes} bytes (Definitions:MaxBytes).");
                buffer.Write(chunk, 0, read);
            }
            if (buffer.Length == 0)
                return ProblemResults.Status(StatusCodes.Status400BadRequest, "empty-body", "Empty request body",
                    "Send the workflow definition (YAML or JSON) as the request body.");
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
            catch (DecoderFallbackException e)
            {
                return ProblemResults.Status(StatusCodes.Status400BadRequest, "not-utf8", "The body is not UTF-8 text",
                    $"Invalid UTF-8 at byte {e.Index}. Definitions are YAML or JSON text in UTF-8.");
            }
        }

        var name = !string.IsNullOrWhiteSpace(fileName)
            ? Path.GetFileName(fileName) is { Length: <= 200 } f ? f : "upload"
            : (request.ContentType ?? "").Contains("json", StringComparison.OrdinalIgnoreCase) ? "designer.json" : "designer.yaml";
        var document = DefinitionDocument.Parse(text, name, activities, limits);
        if (document.Definition is null) return ProblemResults.InvalidDefinition(document.Problems, request.Path);

        var output = format == "json" ? DefinitionSerializer.ToJson(document.Definition) : DefinitionSerializer.ToYaml(document.Definition);
        return Results.Ok(new FormatResponse(format, output, !document.HasErrors, document.IsPublishable,
            document.Problems.Select(ProblemResults.ToJson).ToList(), JsonNode.Parse(document.CanonicalJson)));
    }

    /// <summary>The canonical text in <paramref name="Format"/>, whether it has errors, the problems and the model.</summary>
    public sealed record FormatResponse(string Format, string Text, bool Valid, bool Publishable, IReadOnlyList<object> Problems, JsonNode? Definition);
}
