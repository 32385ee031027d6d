using System.Text.RegularExpressions;
using AgentRuntime.Host.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// THE ROLE MATRIX: every endpoint of the host and the policy it must declare (or <see cref="Anonymous"/>). Who holds
/// each policy is <see cref="Policies.RolesFor"/> in the host. Adding an endpoint? Give it
/// <c>.RequireAuthorization(Policies.X)</c> (or put it in a group that has one) and add one line here; the tests in
/// <see cref="RoleMatrixTests"/> fail until both agree, and then check over HTTP that every role gets exactly what the
/// matrix says.
/// </summary>
public static class RoleMatrix
{
    public const string Anonymous = "(anonymous)";
    public const string Unprotected = "(no policy)";

    public static IReadOnlyDictionary<string, string> Expected { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // Public by design: liveness/readiness for load balancers, the API description, how to sign in, the Studio's files.
        ["GET /health/live"] = Anonymous,
        ["GET /health/ready"] = Anonymous,
        ["GET /openapi/{documentName}.json"] = Anonymous,
        ["GET /api/v1/auth/config"] = Anonymous,
        ["GET,HEAD {*path:nonfile}"] = Anonymous, // the Studio's index.html fallback (its static files are served before routing)

        ["GET /api/v1/auth/me"] = Policies.Authenticated,

        ["GET /api/v1/workflows/"] = Policies.Reader,
        ["GET /api/v1/workflows/{id}"] = Policies.Reader,
        ["GET /api/v1/workflows/{id}/versions/{version:int}"] = Policies.Reader,
        ["POST /api/v1/workflows/"] = Policies.Designer,
        ["POST /api/v1/workflows/validate"] = Policies.Designer,
        ["POST /api/v1/workflows/format"] = Policies.Designer, // designer: model → canonical YAML/JSON
        ["POST /api/v1/expressions/check"] = Policies.Designer, // designer: expression check as you type
        ["GET /api/v1/activities"] = Policies.Reader,

        ["POST /api/v1/workflows/{id}/instances"] = Policies.Requester,
        ["GET /api/v1/instances/{id:guid}"] = Policies.Reader,
        ["GET /api/v1/instances"] = Policies.Reader,
        ["POST /api/v1/instances/{id:guid}/signals/{name}"] = Policies.Requester,

        ["GET /api/v1/incidents"] = Policies.Reader,
        ["GET /api/v1/incidents/{id:guid}"] = Policies.Reader,
        ["POST /api/v1/incidents/{id:guid}/retry"] = Policies.Operator,
        ["POST /api/v1/incidents/{id:guid}/skip"] = Policies.Operator,
        ["POST /api/v1/incidents/{id:guid}/cancel"] = Policies.Operator,

        ["GET /api/v1/audit/"] = Policies.Auditor,
        ["GET /api/v1/audit/verify"] = Policies.Auditor,
        ["GET /api/v1/audit/export"] = Policies.Auditor,

        // Human tasks: acting needs a signed-in person; the task service decides candidacy (assignee, roles, groups) and
        // segregation of duties (403 segregation-of-duties). Reading one task follows the list's rule (403 task-not-visible), with no role needed. The list is open to any
        // signed-in person but shows admins/ops every task and everyone else only what concerns them (TaskAccessTests);
        // completing a promotion sign-off additionally needs the named owner (403 not-the-owner).
        ["GET /api/v1/tasks/"] = Policies.Authenticated,
        ["GET /api/v1/tasks/{id:guid}"] = Policies.Authenticated,
        ["GET /api/v1/tasks/{id:guid}/history"] = Policies.Authenticated,
        ["POST /api/v1/tasks/{id:guid}/claim"] = Policies.Authenticated,
        ["POST /api/v1/tasks/{id:guid}/release"] = Policies.Authenticated,
        ["POST /api/v1/tasks/{id:guid}/reassign"] = Policies.Authenticated,
        ["POST /api/v1/tasks/{id:guid}/complete"] = Policies.Authenticated,

        ["GET /api/v1/workflows/{id}/outcomes"] = Policies.Reader,
        ["GET /api/v1/workflows/{id}/telemetry"] = Policies.Reader,
        ["GET /api/v1/workflows/{id}/dashboard"] = Policies.Reader,
        ["GET /api/v1/workflows/{id}/readiness"] = Policies.Reader,

        // Agents: registering is design or ops work; requesting a promotion opens the owner's sign-off task; demoting and the
        // kill switch are operations.
        ["GET /api/v1/agents/"] = Policies.Reader,
        ["GET /api/v1/agents/{id}"] = Policies.Reader,
        ["GET /api/v1/agents/{id}/decisions"] = Policies.Reader,
        ["PUT /api/v1/agents/{id}"] = Policies.AgentRegistrar,
        ["POST /api/v1/agents/{id}/promotions"] = Policies.Promoter,
        ["POST /api/v1/agents/{id}/demotions"] = Policies.Operator,
        ["POST /api/v1/agents/{id}/pause"] = Policies.Operator,
        ["POST /api/v1/agents/{id}/resume"] = Policies.Operator,
        ["GET /api/v1/agents/{id}/audit"] = Policies.Reader,

        // Scheduled governance jobs: anyone may see them; running one now is operations.
        ["GET /api/v1/schedules/"] = Policies.Reader,
        ["POST /api/v1/schedules/{id}/run"] = Policies.Operator,

        // Operations (pause, resume, cancel, retry, compensate, bulk, rollback): ops; their progress and holds: readers.
        ["POST /api/v1/instances/{id:guid}/pause"] = Policies.Operator,
        ["POST /api/v1/instances/{id:guid}/resume"] = Policies.Operator,
        ["POST /api/v1/instances/{id:guid}/cancel"] = Policies.Operator,
        ["POST /api/v1/instances/{id:guid}/retry"] = Policies.Operator,
        ["POST /api/v1/instances/{id:guid}/compensate"] = Policies.Operator,
        ["POST /api/v1/instances/bulk"] = Policies.Operator,
        ["POST /api/v1/workflows/{id}/pause"] = Policies.Operator,
        ["POST /api/v1/workflows/{id}/resume"] = Policies.Operator,
        ["POST /api/v1/workflows/{id}/rollback"] = Policies.Operator,
        ["GET /api/v1/operations/{id:guid}"] = Policies.Reader,
        ["GET /api/v1/operations/{id:guid}/results"] = Policies.Reader,
        ["GET /api/v1/operations/holds"] = Policies.Reader,

        ["POST /api/v1/api-keys/"] = Policies.Admin,
        ["GET /api/v1/api-keys/"] = Policies.Admin,
        ["DELETE /api/v1/api-keys/{id:guid}"] = Policies.Admin,
    };

    /// <summary>"METHOD /route" for each endpoint (methods joined by ','; '*' when any method).</summary>
    public static string KeyOf(RouteEndpoint e)
    {
        var methods = e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        return $"{(methods is null || methods.Count == 0 ? "*" : string.Join(",", methods))} {e.RoutePattern.RawText}";
    }

    /// <summary>What the endpoint declares: <see cref="Anonymous"/>, its policy name(s), or <see cref="Unprotected"/>.</summary>
    public static string AccessOf(Endpoint e)
    {
        if (e.Metadata.GetMetadata<IAllowAnonymous>() is not null) return Anonymous;
        var declared = e.Metadata.GetOrderedMetadata<IAuthorizeData>()
            .Select(d => d.Policy ?? (d.Roles is not null ? $"roles:{d.Roles}" : "(default policy)"))
            .Concat(e.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Select(_ => "(inline policy)"))
            .Distinct().ToList();
        return declared.Count == 0 ? Unprotected : string.Join("+", declared);
    }

    /// <summary>Every disagreement between the application's endpoints and the matrix; empty when they agree.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<Endpoint> endpoints)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in endpoints.OfType<RouteEndpoint>())
        {
            var key = KeyOf(e);
            seen.Add(key);
            var access = AccessOf(e);
            if (access == Unprotected)
                problems.Add($"{key}: declares no policy. Add .RequireAuthorization(Policies.<X>) (or .AllowAnonymous() if it is public) and a line in RoleMatrix.");
            else if (!Expected.TryGetValue(key, out var expected))
                problems.Add($"{key}: not in the role matrix (declares {access}). Add a line to RoleMatrix.Expected.");
            else if (expected != access)
                problems.Add($"{key}: declares {access}, the matrix says {expected}.");
            else if (access != Anonymous && access != Policies.Authenticated && !Policies.RolesFor.ContainsKey(access))
                problems.Add($"{key}: policy '{access}' is not defined in Policies.RolesFor.");
        }
        problems.AddRange(Expected.Keys.Where(k => !seen.Contains(k)).Select(k => $"{k}: in the role matrix but no such endpoint (stale line?)."));
        return problems;
    }

    /// <summary>A concrete path for a route pattern: parameters filled with harmless values.</summary>
    public static string SamplePath(string pattern) => Regex.Replace(pattern, @"\{(?<name>\*?\w+)(?<constraint>:[^}]*)?\}", m =>
        m.Groups["constraint"].Value switch
        {
            ":guid" => Guid.NewGuid().ToString(),
            ":int" => "1",
            _ when m.Groups["name"].Value == "documentName" => "v1",
            _ => "matrix-probe",
        });
}
