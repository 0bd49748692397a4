using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Pipeline.Local.PubSub;

namespace Pipeline.Local;

/// <summary>Where a started stack listens: its main root and, apart, the Pub/Sub port (<see cref="PubSubListener"/>).</summary>
public static class LocalAddresses
{
    /// <summary>
    /// The main port's root, <c>http://127.0.0.1:&lt;port&gt;</c> (the free port Kestrel picked for port 0): the address
    /// bound that is not the Pub/Sub listener's.
    /// </summary>
    public static string Root(IServiceProvider services)
    {
        var pubSubPort = services.GetRequiredService<PubSubListener>().Port;
        return services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(address => new Uri(address).Port != pubSubPort);
    }
}
