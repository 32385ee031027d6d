using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Emits a notification into the transactional outbox (<c>outbox_messages</c>), committed with the step: the message
/// exists if and only if the step happened. Delivery is the <see cref="Notifications.OutboxDispatcher"/>'s job, through the
/// <see cref="Notifications.INotificationChannel"/> named by <c>channel</c> (<c>log</c>, <c>webhook</c>, or any registered one).
/// </summary>
public sealed class NotifyActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Notify;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var channel = context.GetString("channel") ?? "log";
        var to = context.RenderInput("to");
        var message = context.RenderInput("message") ?? "";
        var body = new JsonObject { ["channel"] = channel, ["to"] = to, ["message"] = message, ["node"] = context.Node.Id };
        context.RecordInput(body);
        var cmd = new NpgsqlBatchCommand("INSERT INTO outbox_messages (instance_id, kind, channel, recipient, body, created_at) VALUES ($1, 'notify', $2, $3, $4, $5)");
        cmd.Parameters.Add(InstanceStore.P(context.InstanceId));
        cmd.Parameters.Add(InstanceStore.P(channel));
        cmd.Parameters.Add(InstanceStore.NullableText(to));
        cmd.Parameters.Add(InstanceStore.Jsonb(body.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.P(context.TimeProvider.GetUtcNow()));
        context.Transaction.Add(cmd);
        return ValueTask.FromResult(ActivityResult.Outcome("done", body));
    }
}
