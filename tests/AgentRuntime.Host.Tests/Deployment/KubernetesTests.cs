using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;
using static AgentRuntime.Host.Tests.Deployment.DeploymentFiles;

namespace AgentRuntime.Host.Tests.Deployment;

/// <summary>
/// Tier: unit (static), plus a render with <c>kubectl kustomize</c> where kubectl exists. Why: no cluster runs here;
/// what a cluster would reject or silently mis-wire is checked instead: every file is valid YAML, every kustomization
/// points at files that exist, selectors match the pod labels, the HPA and probes target what exists (probe paths
/// against the host's real routes), every variable is a real setting, image and ports agree with the Dockerfile, the
/// migration runs in the Job and not in the replicas, and the shutdown budget adds up.
/// </summary>
public sealed class KubernetesTests(ITestOutputHelper output)
{
    private static string K(params string[] parts) => Path.Combine([Kubernetes, .. parts]);

    private static Dictionary<string, object?> One(string path) => Map(LoadYaml(path).Single(), Path.GetRelativePath(Root, path));

    private static Dictionary<string, object?> Deployment => One(K("base", "app", "deployment.yaml"));
    private static Dictionary<string, object?> PodSpec => Map(At(Deployment, "spec", "template", "spec"), "pod spec");
    private static Dictionary<string, object?> Container => Map(List(PodSpec["containers"], "containers").Single(), "container");
    private static Dictionary<string, object?> Job => One(K("base", "migrate", "job.yaml"));
    private static Dictionary<string, object?> JobContainer => Map(List(At(Job, "spec", "template", "spec", "containers"), "job containers").Single(), "job container");

    [Fact]
    public void Every_file_is_valid_yaml_and_every_kustomization_reference_exists()
    {
        var files = Directory.EnumerateFiles(Kubernetes, "*.yaml", SearchOption.AllDirectories).ToList();
        Assert.True(files.Count >= 12);
        foreach (var file in files)
            Assert.All(LoadYaml(file), d => Assert.IsType<Dictionary<string, object?>>(d));

        foreach (var file in files.Where(f => Path.GetFileName(f) == "kustomization.yaml"))
        {
            var k = One(file);
            var dir = Path.GetDirectoryName(file)!;
            foreach (var key in new[] { "resources", "components" })
                foreach (var entry in (At(k, key) as List<object?>) ?? [])
                {
                    var target = Path.GetFullPath(Path.Combine(dir, (string)entry!));
                    Assert.True(File.Exists(target) || File.Exists(Path.Combine(target, "kustomization.yaml")), $"{Path.GetRelativePath(Root, file)}: {key} '{entry}' does not exist");
                }
        }
    }

    [Fact]
    public void Each_overlay_rolls_out_hosts_and_migrate_job_from_one_release_component()
    {
        foreach (var env in new[] { "staging", "production" })
        {
            var app = One(K("overlays", env, "kustomization.yaml"));
            var migrate = One(K("overlays", env, "migrate", "kustomization.yaml"));
            var release = One(K("overlays", env, "release", "kustomization.yaml"));
            Assert.Equal(["../../base/app"], List(app["resources"], "resources").Cast<string>());
            Assert.Equal(["../../../base/migrate"], List(migrate["resources"], "resources").Cast<string>());
            Assert.Equal(["release"], List(app["components"], "components").Cast<string>());
            Assert.Equal(["../release"], List(migrate["components"], "components").Cast<string>());
            Assert.Equal(app["namespace"], migrate["namespace"]);
            Assert.Equal("Component", release["kind"]);
            var image = Map(List(release["images"], "images").Single(), "image");
            Assert.Equal(ImageName, image["name"]);
            Assert.False(string.IsNullOrWhiteSpace(image["newTag"] as string));
        }
        Assert.Equal(ImageName, Container["image"]);
        Assert.Equal(ImageName, JobContainer["image"]);
    }

    [Fact]
    public void Selectors_match_the_pod_labels_and_the_hpa_targets_the_deployment()
    {
        var podLabels = Map(At(Deployment, "spec", "template", "metadata", "labels"), "pod labels");
        void Selects(object? selector, string what)
        {
            foreach (var (k, v) in Map(selector, what)) Assert.True(podLabels.TryGetValue(k, out var l) && Equals(l, v), $"{what}: {k}={v} does not select the pods");
        }
        Selects(At(Deployment, "spec", "selector", "matchLabels"), "deployment selector");
        Selects(At(One(K("base", "app", "service.yaml")), "spec", "selector"), "service selector");
        Selects(At(One(K("base", "app", "pdb.yaml")), "spec", "selector", "matchLabels"), "pdb selector");
        Selects(At(Map(List(PodSpec["topologySpreadConstraints"], "spread").Single(), "spread"), "labelSelector", "matchLabels"), "topology spread");

        var hpa = One(K("base", "app", "hpa.yaml"));
        Assert.Equal("Deployment", Str(hpa, "spec", "scaleTargetRef", "kind"));
        Assert.Equal(Str(Deployment, "metadata", "name"), Str(hpa, "spec", "scaleTargetRef", "name"));
        Assert.True(int.Parse(Str(hpa, "spec", "minReplicas")!, CultureInfo.InvariantCulture) >= 2, "one replica is no high availability");
        Assert.NotNull(At(Container, "resources", "requests", "cpu")); // a CPU utilisation target needs a request
        Assert.Equal(Str(PodSpec, "serviceAccountName"), Str(One(K("base", "app", "serviceaccount.yaml")), "metadata", "name"));
        Assert.Equal("1", Str(One(K("base", "app", "pdb.yaml")), "spec", "maxUnavailable"));
    }

    [Fact]
    public async Task Probes_ask_real_host_endpoints_on_the_container_s_port_which_the_image_exposes()
    {
        var routes = await HostEndpoints.GetRoutesAsync();
        var ports = List(Container["ports"], "ports").Select(p => Map(p, "port")).ToList();
        var http = ports.Single(p => (string?)p["name"] == "http");
        var exposed = DockerStages()[^1].Lines.Single(l => l.Instruction == "EXPOSE").Arguments;
        Assert.Equal(exposed, http["containerPort"]);

        Assert.Equal("/health/ready", Str(Container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/health/live", Str(Container, "livenessProbe", "httpGet", "path"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
        {
            var path = Str(Container, probe, "httpGet", "path")!;
            Assert.Contains(path, routes);
            Assert.Equal("http", Str(Container, probe, "httpGet", "port"));
        }
        var servicePort = Map(List(At(One(K("base", "app", "service.yaml")), "spec", "ports"), "service ports").Single(), "service port");
        Assert.Equal("http", servicePort["targetPort"]);
    }

    [Fact]
    public void Every_variable_is_a_real_setting_and_the_secret_reference_matches_the_example()
    {
        var settings = Settings();
        var platform = PlatformVariables();
        var names = new List<(string Where, string Name)>();
        foreach (var (where, container) in new[] { ("deployment", Container), ("job", JobContainer) })
            foreach (var e in (At(container, "env") as List<object?>) ?? [])
                names.Add((where, (string)Map(e, "env")["name"]!));
        foreach (var file in Directory.EnumerateFiles(Kubernetes, "kustomization.yaml", SearchOption.AllDirectories))
            foreach (var generator in (At(One(file), "configMapGenerator") as List<object?>) ?? [])
                foreach (var literal in (At(generator, "literals") as List<object?>) ?? [])
                    names.Add((Path.GetRelativePath(Root, file), ((string)literal!).Split('=')[0]));
        Assert.NotEmpty(names);
        foreach (var (where, name) in names)
            Assert.True(IsKnownVariable(name, settings, platform), $"{where}: {name} is neither a host setting nor a documented platform variable");

        // The configuration map the pods read is the generated one; the secret key is the example's.
        var envFrom = Map(List(Container["envFrom"], "envFrom").Single(), "envFrom");
        var generated = Map(List(At(One(K("base", "app", "kustomization.yaml")), "configMapGenerator"), "generators").Single(), "generator");
        Assert.Equal(generated["name"], Str(envFrom, "configMapRef", "name"));
        var example = One(K("secret.example.yaml"));
        foreach (var container in new[] { Container, JobContainer })
        {
            var cs = Map(List(container["env"], "env").Single(e => (string?)Map(e, "env")["name"] == "ConnectionStrings__AgentRuntime"), "env");
            Assert.Equal(Str(example, "metadata", "name"), Str(cs, "valueFrom", "secretKeyRef", "name"));
            Assert.True(Map(example["stringData"], "stringData").ContainsKey(Str(cs, "valueFrom", "secretKeyRef", "key")!));
        }
    }

    [Fact]
    public void Migrations_run_once_in_the_job_and_never_on_the_replicas()
    {
        Assert.Equal([Database.MigrateCommand.Verb], List(JobContainer["args"], "args").Cast<string>());
        Assert.Equal("Never", Str(Job, "spec", "template", "spec", "restartPolicy"));
        Assert.Contains("Database__MigrateOnStartup=false", BaseLiterals());
        Assert.Null(At(Container, "args"));
        Assert.Equal("0", Str(Deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable")); // new pods wait (not ready) until migrated
    }

    [Fact]
    public void The_shutdown_budget_adds_up_and_the_pods_run_as_the_image_s_non_root_user()
    {
        var grace = int.Parse(Str(PodSpec, "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture);
        var preStop = int.Parse(Str(Container, "lifecycle", "preStop", "sleep", "seconds")!, CultureInfo.InvariantCulture);
        var drain = TimeSpan.Parse(BaseLiterals().Single(l => l.StartsWith("Engine__ShutdownTimeout=", StringComparison.Ordinal)).Split('=')[1], CultureInfo.InvariantCulture);
        var hostShutdown = new HostOptions().ShutdownTimeout; // .NET's default: the whole host stop, the engine drain included
        Assert.True(drain + TimeSpan.FromSeconds(5) <= hostShutdown, $"Engine__ShutdownTimeout {drain} leaves no time for the release inside the host's {hostShutdown}");
        Assert.True(grace >= preStop + hostShutdown.TotalSeconds + 5, $"terminationGracePeriodSeconds {grace} < preStop {preStop} + host shutdown {hostShutdown.TotalSeconds} + 5");

        foreach (var spec in new[] { PodSpec, Map(At(Job, "spec", "template", "spec"), "job pod") })
        {
            Assert.Equal("true", Str(spec, "securityContext", "runAsNonRoot"));
            Assert.Equal("1654", Str(spec, "securityContext", "runAsUser")); // $APP_UID of the .NET images
        }
        Assert.Equal("$APP_UID", DockerStages()[^1].Lines.Last(l => l.Instruction == "USER").Arguments);
        Assert.Equal("true", Str(Container, "securityContext", "readOnlyRootFilesystem"));
        var mounts = List(Container["volumeMounts"], "mounts").Select(m => Str(m, "mountPath")).ToList();
        Assert.Contains("/tmp", mounts);
    }

    [Fact]
    public async Task Overlays_render_with_kubectl_kustomize()
    {
        if (!File.Exists("/usr/bin/kubectl") && !File.Exists("/usr/local/bin/kubectl"))
        {
            output.WriteLine("kubectl not installed: render check not run (the static checks above still ran)");
            return;
        }
        foreach (var overlay in new[] { "staging", "staging/migrate", "production", "production/migrate" })
        {
            var (code, stdout, stderr) = await RunAsync("kubectl", "kustomize", K("overlays", overlay));
            Assert.True(code == 0, $"kubectl kustomize overlays/{overlay} failed: {stderr}");
            var docs = LoadYamlText(stdout).Select(d => Map(d, overlay)).ToList();
            var release = One(K("overlays", overlay.Split('/')[0], "release", "kustomization.yaml"));
            var image = Map(List(release["images"], "images").Single(), "image");
            var expected = $"{image["newName"]}:{image["newTag"]}";
            var containers = docs.Where(d => d["kind"] is "Deployment" or "Job")
                .SelectMany(d => List(At(d, "spec", "template", "spec", "containers"), "containers")).ToList();
            Assert.NotEmpty(containers);
            Assert.All(containers, c => Assert.Equal(expected, Str(c, "image")));
            Assert.All(docs, d => Assert.Equal($"agentruntime-{overlay.Split('/')[0]}", Str(d, "metadata", "namespace")));
            if (!overlay.EndsWith("migrate", StringComparison.Ordinal))
            {
                var config = docs.Single(d => (string?)d["kind"] == "ConfigMap");
                var configName = Str(config, "metadata", "name")!;
                Assert.StartsWith("agentruntime-config-", configName, StringComparison.Ordinal); // content hash: a change rolls the pods
                var deployment = docs.Single(d => (string?)d["kind"] == "Deployment");
                var container = Map(List(At(deployment, "spec", "template", "spec", "containers"), "c").Single(), "c");
                Assert.Equal(configName, Str(Map(List(container["envFrom"], "envFrom").Single(), "e"), "configMapRef", "name"));
                Assert.Equal("false", Str(config, "data", "Database__MigrateOnStartup"));
                output.WriteLine($"overlays/{overlay}: {string.Join(", ", docs.Select(d => $"{d["kind"]}/{Str(d, "metadata", "name")}"))}; replicas {Str(deployment, "spec", "replicas")}");
            }
        }
    }

    private static List<string> BaseLiterals() =>
        List(At(Map(List(At(One(K("base", "app", "kustomization.yaml")), "configMapGenerator"), "g").Single(), "g"), "literals"), "literals").Cast<string>().ToList();

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout, await stderr);
    }
}
