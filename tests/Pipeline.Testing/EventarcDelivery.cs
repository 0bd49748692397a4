using Pipeline.EventarcRequests;
using Pipeline.Functions.Testing;

namespace Pipeline.Tests.Fixtures;

/// <summary>Delivers an Eventarc-style request to a function under test, as the platform would.</summary>
public static class EventarcDelivery
{
    public static Task<HttpResponseMessage> SendAsync<TFunction>(this FunctionTestServer<TFunction> server, EventarcRequest request, string path = "/")
        where TFunction : class =>
        server.SendAsync(request.ToHttpRequestMessage(path));
}
