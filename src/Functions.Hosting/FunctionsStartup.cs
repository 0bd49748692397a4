using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// Customises the host of a function (Google.Cloud.Functions.Hosting.FunctionsStartup): its services, middleware,
/// configuration and logging. Every hook does nothing unless overridden. A startup is named by a
/// <see cref="FunctionsStartupAttribute"/> on the function class or its assembly; tests replace it with their own.
/// </summary>
public abstract class FunctionsStartup
{
    /// <summary>Adds the function's services (its warehouse, its options).</summary>
    /// <param name="context">The host's environment and configuration.</param>
    /// <param name="services">The container the function is resolved from.</param>
    public virtual void ConfigureServices(WebHostBuilderContext context, IServiceCollection services)
    {
    }

    /// <summary>Adds middleware ahead of the function.</summary>
    /// <param name="context">The host's environment and configuration.</param>
    /// <param name="app">The request pipeline.</param>
    public virtual void Configure(WebHostBuilderContext context, IApplicationBuilder app)
    {
    }

    /// <summary>Adds configuration sources.</summary>
    /// <param name="context">The host's environment and configuration so far.</param>
    /// <param name="configuration">The configuration being built.</param>
    public virtual void ConfigureAppConfiguration(WebHostBuilderContext context, IConfigurationBuilder configuration)
    {
    }

    /// <summary>Changes logging after the host's own console logging is set up.</summary>
    /// <param name="context">The host's environment and configuration.</param>
    /// <param name="logging">The logging builder.</param>
    public virtual void ConfigureLogging(WebHostBuilderContext context, ILoggingBuilder logging)
    {
    }
}
