namespace AgentRuntime.Definitions.Validation;

/// <summary>
/// Every code a <see cref="DefinitionProblem"/> can carry. Codes are stable: once shipped, a code keeps its meaning and
/// is never reused, so scripts, suppressions and documentation can rely on it. Ranges:
/// AR1xx syntax and structure (errors), AR2xx flowchart (errors), AR3xx expressions (errors),
/// AR4xx governance/readiness (warnings), AR5xx input limits (errors).
/// </summary>
public static class ProblemCodes
{
    // ---- AR1xx: syntax and structure (Error) ----

    /// <summary>The file is not well-formed YAML or JSON (including truncated input and binary garbage). Nothing else is checked.</summary>
    public const string Syntax = "AR100";
    /// <summary>The document is empty, or its root is a scalar or a list rather than a mapping/object.</summary>
    public const string RootNotObject = "AR101";
    /// <summary>A property the model does not have (often a typo or wrong casing; names are camelCase).</summary>
    public const string UnknownProperty = "AR102";
    /// <summary>A required property is missing (e.g. <c>id</c>, a node's <c>type</c>, an edge's <c>to</c>).</summary>
    public const string MissingProperty = "AR103";
    /// <summary>A value has the wrong type (e.g. a list where a text is expected, a fraction where an integer is).</summary>
    public const string WrongType = "AR104";
    /// <summary>The same key appears twice in one mapping/object.</summary>
    public const string DuplicateKey = "AR105";
    /// <summary>A YAML feature the loader refuses: aliases/anchors, merge keys, complex keys, several documents in one file.</summary>
    public const string UnsupportedYaml = "AR106";
    /// <summary>A duration that is not a sequence of number+unit (<c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>), e.g. <c>90s</c>, <c>1h30m</c>.</summary>
    public const string BadDuration = "AR107";
    /// <summary>A cron expression Quartz would refuse (6 or 7 fields; one of day-of-month/day-of-week must be <c>?</c>).</summary>
    public const string BadCron = "AR108";
    /// <summary>A value outside its allowed set or range (ids, enumerations such as <c>direction</c>, rates outside 0..1).</summary>
    public const string InvalidValue = "AR109";
    /// <summary>The file could not be read (missing, unreadable, or not UTF-8 text).</summary>
    public const string Unreadable = "AR110";

    // ---- AR2xx: flowchart (Error) ----

    /// <summary>The flowchart has no nodes.</summary>
    public const string EmptyFlowchart = "AR200";
    /// <summary>A node's <c>type</c> is not in the activity catalog.</summary>
    public const string UnknownNodeType = "AR201";
    /// <summary>Two nodes share one id.</summary>
    public const string DuplicateNodeId = "AR202";
    /// <summary>An edge's <c>from</c> names a node that does not exist.</summary>
    public const string EdgeFromUnknownNode = "AR203";
    /// <summary>An edge's <c>from</c> names a port the node does not have (or omits the port where the node has several).</summary>
    public const string EdgeFromUnknownPort = "AR204";
    /// <summary>An edge's <c>to</c> names a node that does not exist.</summary>
    public const string EdgeToUnknownNode = "AR205";
    /// <summary>A node no path from the start node reaches.</summary>
    public const string UnreachableNode = "AR206";
    /// <summary>A required outcome port has no edge, so an instance taking it would have nowhere to go.</summary>
    public const string RequiredPortUnconnected = "AR207";
    /// <summary>A required activity input is missing (or none of a set of alternatives, e.g. an approval's assignee/role).</summary>
    public const string MissingInput = "AR208";
    /// <summary>An input the activity does not declare.</summary>
    public const string UnknownInput = "AR209";
    /// <summary>An activity input has the wrong shape for its kind (text, number, list, map, branch list…).</summary>
    public const string InputWrongType = "AR210";
    /// <summary>One port has several edges (only a <c>parallel</c> node's <c>branches</c> port may fan out).</summary>
    public const string PortConnectedTwice = "AR211";
    /// <summary>The start node is unknown, or cannot be inferred (no node, or several, without incoming edges).</summary>
    public const string BadStart = "AR212";
    /// <summary>An action node performs an action the boundary forbids.</summary>
    public const string ForbiddenAction = "AR213";
    /// <summary>A node id that is not an identifier (letters, digits, <c>_</c>, <c>-</c>; starting with a letter or <c>_</c>).</summary>
    public const string BadNodeId = "AR214";

    // ---- AR3xx: expressions (Error) ----

    /// <summary>An expression (condition, rule, measure, initialiser, input) does not parse. Position is the offending character.</summary>
    public const string ExpressionSyntax = "AR301";
    /// <summary>A template's text or one of its <c>{{ … }}</c> holes does not parse. Position is the offending character.</summary>
    public const string TemplateSyntax = "AR302";

    // ---- AR4xx: governance and readiness (Warning) ----

    /// <summary>No <c>owner</c>: nobody can sign off promotions or receive escalations (readiness check 2).</summary>
    public const string MissingOwner = "AR401";
    /// <summary>No <c>outcome</c> metric (readiness check 1).</summary>
    public const string MissingOutcome = "AR402";
    /// <summary>The outcome has no <c>measure</c> expression or no <c>target</c>, so it cannot be evidenced.</summary>
    public const string OutcomeNotMeasured = "AR403";
    /// <summary>An action node has no <c>compensation</c>: it cannot be rolled back (readiness check 7).</summary>
    public const string ActionWithoutCompensation = "AR404";
    /// <summary>No <c>auditProtocol</c>, or one without criteria (readiness check 6).</summary>
    public const string MissingAuditProtocol = "AR405";
    /// <summary>No <c>rollback</c> procedure (readiness check 7).</summary>
    public const string MissingRollback = "AR406";
    /// <summary>A data source without a readiness <c>probe</c> (readiness check 4).</summary>
    public const string DataSourceWithoutProbe = "AR407";
    /// <summary>No <c>boundary</c>: allowed, forbidden and draft-only actions are undeclared.</summary>
    public const string MissingBoundary = "AR408";
    /// <summary>An action (or compensation) that the boundary's <c>allowedActions</c> does not list.</summary>
    public const string ActionOutsideBoundary = "AR409";
    /// <summary>An agent node uses an agent the definition's <c>agents</c> list does not declare.</summary>
    public const string AgentNotDeclared = "AR410";
    /// <summary>No <c>dataSources</c>: data readiness cannot be evidenced (readiness check 4).</summary>
    public const string NoDataSources = "AR411";

    // ---- AR5xx: input limits (Error; see DefinitionLimits) ----

    /// <summary>The file is larger than <c>DefinitionLimits.MaxFileBytes</c>. Nothing is parsed.</summary>
    public const string FileTooLarge = "AR501";
    /// <summary>More nodes than <c>DefinitionLimits.MaxNodes</c>. Loading stops at the first node over the limit.</summary>
    public const string TooManyNodes = "AR502";
    /// <summary>More edges than <c>DefinitionLimits.MaxEdges</c>. Loading stops at the first edge over the limit.</summary>
    public const string TooManyEdges = "AR503";
    /// <summary>Mappings/lists nested deeper than <c>DefinitionLimits.MaxDepth</c>. Loading stops there.</summary>
    public const string NestingTooDeep = "AR504";
    /// <summary>An expression or template longer than <c>DefinitionLimits.MaxExpressionLength</c>; it is not parsed.</summary>
    public const string ExpressionTooLong = "AR505";

    /// <summary>All codes with their severity, for documentation and tests.</summary>
    public static IReadOnlyDictionary<string, ProblemSeverity> All { get; } = typeof(ProblemCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToDictionary(c => c, c => c.StartsWith("AR4", StringComparison.Ordinal) ? ProblemSeverity.Warning : ProblemSeverity.Error);
}
