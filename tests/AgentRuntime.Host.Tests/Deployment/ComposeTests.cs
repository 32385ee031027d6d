using static AgentRuntime.Host.Tests.Deployment.DeploymentFiles;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// Tier: unit (static). Why: no Docker engine runs here, so docker-compose.yml cannot be started in CI; what can be
/// checked without one is checked: it is valid YAML (anchors and merge keys resolved as compose resolves them),
/// every variable given to the host is a real setting, the wiring between services points at services and ports
/// that exist (database, collector, the collector's exporter), and image, ports and health check agree with the
/// Dockerfile and the host's endpoints.
/// </summary>
public sealed class ComposeTests
{
    private static readonly Dictionary<string, object?> Compose = Map(LoadYaml(Path.Combine(Root, "docker-compose.yml")).Single(), "docker-compose.yml");
    private static Dictionary<string, object?> Services => Map(Compose["services"], "services");
    private static Dictionary<string, object?> Service(string name) => Map(Services[name], name);

    /// <summary>Services built from deploy/Dockerfile: the host replicas and the migrate job.</summary>
    private static IEnumerable<string> ImageServices() =>
        Services.Keys.Where(k => Str(Services[k], "build", "dockerfile") == "deploy/Dockerfile");

    private static IEnumerable<string> Hosts() => ImageServices().Where(k => k != "migrate");

    private static Dictionary<string, object?> Env(string service) => Map(At(Services[service], "environment"), service + ".environment");

    [Fact]
    public void Has_postgres_with_a_volume_two_host_replicas_a_collector_and_a_ui()
    {
        Assert.Equal(["agentruntime-1", "agentruntime-2"], Hosts().Order());
        Assert.Contains("migrate", ImageServices());
        Assert.Contains(List(At(Services["postgres"], "volumes"), "postgres.volumes"), v => ((string)v!).StartsWith("pgdata:", StringComparison.Ordinal));
        Assert.True(Map(Compose["volumes"], "volumes").ContainsKey("pgdata"));
        Assert.StartsWith("otel/opentelemetry-collector", Str(Services["otel-collector"], "image"), StringComparison.Ordinal);
        Assert.StartsWith("grafana/otel-lgtm", Str(Services["lgtm"], "image"), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_variable_given_to_the_host_is_a_real_setting()
    {
        var settings = Settings();
        var platform = PlatformVariables();
        foreach (var service in ImageServices())
            foreach (var name in Env(service).Keys)
                Assert.True(IsKnownVariable(name, settings, platform), $"{service}: {name} is neither a host setting nor a documented platform variable");
    }

    [Fact]
    public void Migrations_run_once_in_the_migrate_service_and_the_hosts_wait_for_it()
    {
        var migrate = Service("migrate");
        Assert.Equal([Database.MigrateCommand.Verb], List(migrate["command"], "migrate.command").Cast<string>());
        Assert.Equal("no", Str(migrate, "restart"));
        foreach (var host in Hosts())
        {
            Assert.Equal("false", Env(host)["Database__MigrateOnStartup"]);
            Assert.Equal("service_completed_successfully", Str(Services[host], "depends_on", "migrate", "condition"));
            Assert.Equal("service_healthy", Str(Services[host], "depends_on", "postgres", "condition"));
        }
    }

    [Fact]
    public void The_connection_string_names_the_postgres_service_its_database_and_user()
    {
        var pg = Map(At(Services["postgres"], "environment"), "postgres.environment");
        foreach (var service in ImageServices())
        {
            var cs = new Npgsql.NpgsqlConnectionStringBuilder(Env(service)["ConnectionStrings__AgentRuntime"] as string);
            Assert.Equal("postgres", cs.Host);
            Assert.Equal(5432, cs.Port);
            Assert.Equal(pg["POSTGRES_DB"], cs.Database);
            Assert.Equal(pg["POSTGRES_USER"], cs.Username);
            Assert.Equal("${POSTGRES_PASSWORD:-agentruntime}", cs.Password);
            Assert.Equal(pg["POSTGRES_PASSWORD"], cs.Password);
        }
    }

    [Fact]
    public void Telemetry_flows_host_to_collector_to_ui()
    {
        var collectorConfig = CollectorConfig();
        var receiverPorts = new Dictionary<string, int>
        {
            ["grpc"] = Port(Str(collectorConfig, "receivers", "otlp", "protocols", "grpc", "endpoint")!),
            ["http/protobuf"] = Port(Str(collectorConfig, "receivers", "otlp", "protocols", "http", "endpoint")!),
        };
        foreach (var host in Hosts())
        {
            var env = Env(host);
            var endpoint = new Uri((string)env["OTEL_EXPORTER_OTLP_ENDPOINT"]!);
            Assert.Equal("otel-collector", endpoint.Host);
            Assert.True(Services.ContainsKey(endpoint.Host));
            Assert.Equal(receiverPorts[(string)env["OTEL_EXPORTER_OTLP_PROTOCOL"]!], endpoint.Port);
            Assert.Equal("agentruntime", env["OTEL_SERVICE_NAME"]);
            Assert.Contains($"service.instance.id={host}", (string)env["OTEL_RESOURCE_ATTRIBUTES"]!, StringComparison.Ordinal);
        }

        // Every pipeline uses only components the file defines; exporters point at a service of this compose file.
        var pipelines = Map(At(collectorConfig, "service", "pipelines"), "pipelines");
        Assert.Equal(["logs", "metrics", "traces"], pipelines.Keys.Order());
        foreach (var (name, pipeline) in pipelines)
            foreach (var kind in new[] { "receivers", "processors", "exporters" })
                foreach (var component in List(At(pipeline, kind), $"{name}.{kind}"))
                    Assert.True(Map(collectorConfig[kind], kind).ContainsKey((string)component!), $"pipeline {name}: {kind} '{component}' is not defined");
        var lgtm = Str(collectorConfig, "exporters", "otlp/lgtm", "endpoint")!;
        Assert.True(Services.ContainsKey(lgtm.Split(':')[0]), $"exporter endpoint {lgtm} names no compose service");

        // The collector is started with the file the test read.
        var collector = Service("otel-collector");
        var mount = List(collector["volumes"], "otel-collector.volumes").Cast<string>().Single(v => v.StartsWith("./deploy/otel-collector.yaml:", StringComparison.Ordinal));
        Assert.Contains($"--config={mount.Split(':')[1]}", List(collector["command"], "command").Cast<string>());
    }

    [Fact]
    public async Task Image_ports_and_health_check_agree_with_the_Dockerfile_and_the_host()
    {
        var runtime = DockerStages()[^1];
        var exposed = int.Parse(runtime.Lines.Single(l => l.Instruction == "EXPOSE").Arguments, System.Globalization.CultureInfo.InvariantCulture);
        var images = ImageServices().Select(s => Str(Services[s], "image")).Distinct().ToList();
        Assert.Equal(["${AGENTRUNTIME_IMAGE:-agentruntime:local}"], images); // one image for hosts and migrate
        Assert.StartsWith(ImageName + ":", images[0]!.Split(":-")[1], StringComparison.Ordinal);

        var published = Hosts().Select(h => List(At(Services[h], "ports"), h + ".ports").Cast<string>().Single()).ToList();
        Assert.All(published, p => Assert.EndsWith($":{exposed}", p, StringComparison.Ordinal));
        Assert.Equal(published.Count, published.Select(p => p.Split(':')[0]).Distinct().Count()); // no host port clash

        // The image's HEALTHCHECK (compose uses it) asks a real endpoint on the exposed port.
        var check = runtime.Lines.Single(l => l.Instruction == "HEALTHCHECK").Arguments;
        Assert.Contains($"/dev/tcp/127.0.0.1/{exposed}", check, StringComparison.Ordinal);
        Assert.Contains(DockerfileTests.HealthPath(check), await HostEndpoints.GetRoutesAsync());
        Assert.Equal("true", Str(Services["migrate"], "healthcheck", "disable"));
    }

    private static Dictionary<string, object?> CollectorConfig() => Map(LoadYaml(Path.Combine(Deploy, "otel-collector.yaml")).Single(), "otel-collector.yaml");

    private static int Port(string endpoint) => int.Parse(endpoint.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
}
