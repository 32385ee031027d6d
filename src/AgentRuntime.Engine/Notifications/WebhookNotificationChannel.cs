using System.Net.Http.Json;

namespace AgentRuntime.Engine.Notifications;

/// <summary>
/// POSTs the notification as JSON (<c>{id, kind, recipient, instanceId, body}</c>) to <see cref="NotificationOptions.WebhookUrl"/>,
/// or to the recipient when it is an http(s) URL, with <c>Idempotency-Key: outbox-&lt;id&gt;</c>. A non-2xx answer is a failure
/// (retried by the dispatcher).
/// </summary>
public sealed class WebhookNotificationChannel(IHttpClientFactory clients, NotificationOptions options) : INotificationChannel
{
    public const string ClientName = "agentruntime-webhook";

    public string Name => "webhook";

    public async Task SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var target = Uri.TryCreate(notification.Recipient, UriKind.Absolute, out var r) && (r.Scheme == Uri.UriSchemeHttp || r.Scheme == Uri.UriSchemeHttps)
            ? r
            : Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var u) ? u
            : throw new InvalidOperationException("The webhook channel has no URL: set Notifications:WebhookUrl or use a URL as the recipient.");
        using var request = new HttpRequestMessage(HttpMethod.Post, target)
        {
            Content = JsonContent.Create(new
            {
                id = notification.Id,
                kind = notification.Kind,
                recipient = notification.Recipient,
                instanceId = notification.InstanceId,
                body = notification.Body,
            }),
        };
        request.Headers.Add("Idempotency-Key", $"outbox-{notification.Id}");
        using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
