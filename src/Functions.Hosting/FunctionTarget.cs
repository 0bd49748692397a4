using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Pipeline.Functions.Framework;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// Registers a function class and serves it: an <see cref="IHttpFunction"/> as is, an <see cref="ICloudEventFunction"/>
/// through <see cref="CloudEventAdapter{TFunction}"/>, an <see cref="ICloudEventFunction{TData}"/> through
/// <see cref="CloudEventAdapter{TFunction, TData}"/>. The function is scoped: a new instance per request, as in the
/// Functions Framework. Several functions can share one container (the local stack hosts all four).
/// </summary>
public static class FunctionTarget
{
    /// <summary>Registers <typeparamref name="TFunction"/> and the adapter that serves it.</summary>
    /// <typeparam name="TFunction">The function class.</typeparam>
    /// <param name="services">The container.</param>
    public static IServiceCollection AddFunctionTarget<TFunction>(this IServiceCollection services) where TFunction : class
    {
        services.TryAddSingleton<CloudEventRequestReader>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddScoped<TFunction>();
        services.TryAddScoped(HttpFunctionType(typeof(TFunction)));
        return services;
    }

    /// <summary>The request delegate that runs <typeparamref name="TFunction"/> for any request.</summary>
    /// <typeparam name="TFunction">A function class registered with <see cref="AddFunctionTarget{TFunction}"/>.</typeparam>
    public static RequestDelegate RequestDelegate<TFunction>() where TFunction : class
    {
        var httpFunctionType = HttpFunctionType(typeof(TFunction));
        return context => ((IHttpFunction)context.RequestServices.GetRequiredService(httpFunctionType)).HandleAsync(context);
    }

    private static Type HttpFunctionType(Type functionType)
    {
        if (typeof(IHttpFunction).IsAssignableFrom(functionType))
        {
            return functionType;
        }
        if (typeof(ICloudEventFunction).IsAssignableFrom(functionType))
        {
            return typeof(CloudEventAdapter<>).MakeGenericType(functionType);
        }
        var dataTypes = functionType.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICloudEventFunction<>))
            .Select(i => i.GetGenericArguments()[0])
            .ToList();
        return dataTypes.Count == 1
            ? typeof(CloudEventAdapter<,>).MakeGenericType(functionType, dataTypes[0])
            : throw new InvalidOperationException(
                $"{functionType.FullName} must implement IHttpFunction, ICloudEventFunction or exactly one ICloudEventFunction<TData>.");
    }
}
