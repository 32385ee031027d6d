using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Engine.Notifications;

/// <summary>One notification to deliver: from a <c>notify</c> node or a human task (created, reminder, escalated, timed-out …).</summary>
/// <param name="Id">The outbox row id: stable across redeliveries, so receivers can drop duplicates (webhooks send it as <c>Idempotency-Key</c>).</param>
/// <param name="Kind"><c>notify</c>, <c>task.created</c>, <c>task.reminder</c>, <c>task.escalated</c>, <c>task.reassigned</c>, <c>task.timed-out</c>.</param>
public sealed record Notification(long Id, string Kind, string Channel, string? Recipient, JsonObject Body, Guid? InstanceId);

/// <summary>
/// A way to reach people (log, webhook, later e-mail or chat). Register with <c>services.AddNotificationChannel&lt;T&gt;()</c>;
/// the outbox dispatcher picks the channel by <see cref="Name"/>. Throwing means "not delivered": the dispatcher retries later.
/// </summary>
public interface INotificationChannel
{
    string Name { get; }

    Task SendAsync(Notification notification, CancellationToken cancellationToken);
}

/// <summary>Writes the notification to the log (the default channel; what a development host uses).</summary>
public sealed class LogNotificationChannel(ILogger<LogNotificationChannel> logger) : INotificationChannel
{
    public string Name => "log";

    public Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        logger.LogInformation("Notification {Kind} to {Recipient}: {Message} {Body}", notification.Kind, notification.Recipient,
            notification.Body["message"]?.ToString(), notification.Body.ToJsonString());
        return Task.CompletedTask;
    }
}

/// <summary>Settings of notification delivery (<c>Notifications</c> section).</summary>
public sealed class NotificationOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Where the <c>webhook</c> channel POSTs (JSON). A notification whose recipient is an http(s) URL goes there instead.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How often the outbox dispatcher looks for undelivered messages when nothing woke it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After this many failed attempts a message is left undelivered (its last error is kept in <c>outbox_messages</c>).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Whether this host runs the dispatcher (on by default on hosts that run engine workers).</summary>
    public bool RunDispatcher { get; set; } = true;
}
