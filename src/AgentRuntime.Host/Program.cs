using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Engine.Workflows;
using AgentRuntime.Host.Activities;
using AgentRuntime.Host.Agents;
using AgentRuntime.Host.Audit;
using AgentRuntime.Host.Dashboards;
using AgentRuntime.Host.Database;
using AgentRuntime.Host.Expressions;
using AgentRuntime.Host.Health;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Incidents;
using AgentRuntime.Host.Instances;
using AgentRuntime.Host.Operations;
using AgentRuntime.Host.Outcomes;
using AgentRuntime.Host.Readiness;
using AgentRuntime.Host.Reviews;
using AgentRuntime.Host.Scheduling;
using AgentRuntime.Host.Security;
using AgentRuntime.Host.Security.ApiKeys;
using AgentRuntime.Host.Tasks;
using AgentRuntime.Host.Telemetry;
using AgentRuntime.Host.Workflows;

var migrateOnly = MigrateCommand.Take(ref args); // `migrate` / `--migrate-only`: the release job's mode (deploy/README.md)
var builder = WebApplication.CreateBuilder(args);
if (migrateOnly) return await MigrateCommand.RunAsync(builder.Configuration);

// Default address when none is configured (ASPNETCORE_URLS / --urls override it).
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
    builder.WebHost.UseUrls("http://127.0.0.1:5080");

await using var database = await DatabaseBootstrap.ResolveAsync(builder);
var connectionString = database.ConnectionString;
builder.Services.AddSingleton(new DatabaseConnection(connectionString));
builder.Services.AddDbContext<AgentRuntimeDbContext>(o => o.UseAgentRuntimeDatabase(connectionString));
builder.Services.AddSingleton(TimeProvider.System);

builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.SectionName);
builder.Services.AddOptions<WorkflowFilesOptions>().BindConfiguration(WorkflowFilesOptions.SectionName);
builder.Services.AddOptions<DefinitionUploadOptions>().BindConfiguration(DefinitionUploadOptions.SectionName)
    .Validate(o => o.MaxBytes > 0, "Definitions:MaxBytes must be positive").ValidateOnStart();

// The catalog the validator, schema and Studio palette use: built-ins plus every activity class the engine registered.
builder.Services.AddSingleton(sp => sp.GetRequiredService<AgentRuntime.Engine.Activities.ActivityRegistry>().Catalog);
builder.Services.AddScoped<WorkflowCatalog>();
builder.Services.AddAuditTrail(connectionString);
builder.AddAgentRuntimeIdentity();
builder.Services.AddAgentRuntimeHardening(builder.Configuration);
builder.Services.AddAgentRuntimeRateLimits(builder.Configuration);

// Hosted services start in registration order: telemetry first (traces the rest; stops last and flushes), then migrate,
// then sync the workflows folder.
builder.AddAgentRuntimeTelemetry();
builder.Services.AddHostedService<MigrationHostedService>();
builder.Services.AddHostedService<ApiKeyBootstrap>();
builder.Services.AddHostedService<AgentSyncService>();
builder.Services.AddHostedService<WorkflowSyncService>();
builder.Services.AddSingleton(builder.Configuration.GetSection(AgentRuntime.Engine.Operations.OperationsOptions.SectionName).Get<AgentRuntime.Engine.Operations.OperationsOptions>() ?? new());
// Agents: governance thresholds and where llm agents call (keys are resolved from configuration, then the environment).
builder.Services.AddSingleton(_ =>
{
    var governance = builder.Configuration.GetSection(GovernanceOptions.SectionName).Get<GovernanceOptions>() ?? new GovernanceOptions();
    if (AgentStages.Rank(governance.HighestRegistrationStage) < 0)
        throw new InvalidOperationException(
            $"Governance:HighestRegistrationStage is '{governance.HighestRegistrationStage}'; it must be one of {string.Join(", ", AgentStages.All)}.");
    return governance;
});
builder.Services.AddSingleton(_ =>
{
    var llm = builder.Configuration.GetSection(LlmEndpointOptions.SectionName).Get<LlmEndpointOptions>() ?? new LlmEndpointOptions();
    // Named secrets: a definition names the setting (e.g. apiKeySetting: OPENAI_API_KEY), configuration or environment holds the value.
    return llm.UseSettingResolver(secretName => builder.Configuration[secretName] ?? Environment.GetEnvironmentVariable(secretName));
});
builder.Services.AddAgentRuntimeEngine(o =>
{
    o.ConnectionString = connectionString;
    builder.Configuration.GetSection(EngineOptions.SectionName).Bind(o);
    // Redaction:Fields=[password,ssn,cardNumber]: those fields' values never reach the journal.
    if (builder.Configuration.GetSection(RedactionOptions.SectionName).Get<RedactionOptions>() is { Fields.Count: > 0 } redaction) o.RedactFields = redaction.Fields;
});

// Scheduled governance jobs (audit sampling, readiness probes, telemetry check) on clustered Quartz; after the migration service.
builder.AddAgentRuntimeScheduling(connectionString);

builder.Services.AddOptions<AgentRuntime.Engine.HumanTasks.HumanTaskOptions>().BindConfiguration(AgentRuntime.Engine.HumanTasks.HumanTaskOptions.SectionName);
builder.Services.AddOptions<AgentRuntime.Engine.Notifications.NotificationOptions>().BindConfiguration(AgentRuntime.Engine.Notifications.NotificationOptions.SectionName);
builder.Services.AddOpenApi();
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize =
    (builder.Configuration.GetSection(HardeningOptions.SectionName).Get<HardeningOptions>() ?? new HardeningOptions()).MaxRequestBodyBytes);

var app = builder.Build();

app.UseAgentRuntimeHardening();
app.UseAgentRuntimeExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles(); // the Studio's files: public (they hold no data), served before authentication
app.UseRouting();
app.UseAuthentication();
app.UseRateLimiter(); // after authentication: limits are per identity
app.UseAuthorization();

// Every endpoint names a policy from Security/Policies.cs or is explicitly anonymous; the role-matrix test enforces it.
app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
app.MapHealthApi();
app.MapAuthApi();
app.MapApiKeysApi();
app.MapWorkflowsApi();
app.MapDefinitionFormatApi(); // designer: canonical text of a model, import/export
app.MapExpressionsApi(); // designer: expression check as you type
app.MapActivitiesApi();
app.MapAuditApi();
app.MapInstancesApi();
app.MapIncidentsApi();
app.MapOutcomesApi();
app.MapDashboardsApi();
app.MapTelemetryApi();
app.MapTasksApi();
app.MapOperationsApi();
app.MapAgentsApi();
app.MapReadinessApi();
app.MapSchedulesApi();
app.MapAuditReviewsApi();
app.MapFallbackToFile("index.html").AllowAnonymous();

await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
