using System.Reflection;

namespace Pipeline.Functions.Hosting;

/// <summary>
/// Names a <see cref="FunctionsStartup"/> to run when hosting the function this attribute is on, or any function of
/// the assembly it is on (Google.Cloud.Functions.Hosting.FunctionsStartupAttribute). Startups run by
/// <see cref="Order"/>, then by type name.
/// </summary>
/// <param name="startupType">A <see cref="FunctionsStartup"/> type with a public parameterless constructor.</param>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class, AllowMultiple = true)]
public sealed class FunctionsStartupAttribute(Type startupType) : Attribute
{
    /// <summary>The startup type.</summary>
    public Type StartupType { get; } = startupType;

    /// <summary>Lower runs first.</summary>
    public int Order { get; set; }

    /// <summary>The startups that apply to <paramref name="functionType"/>, in the order they run.</summary>
    /// <param name="functionType">The function class.</param>
    public static IReadOnlyList<FunctionsStartup> StartupsFor(Type functionType) =>
        [.. functionType.GetCustomAttributes<FunctionsStartupAttribute>()
            .Concat(functionType.Assembly.GetCustomAttributes<FunctionsStartupAttribute>())
            .OrderBy(a => a.Order)
            .ThenBy(a => a.StartupType.FullName, StringComparer.Ordinal)
            .Select(a => a.StartupType)
            .Distinct()
            .Select(Create)];

    private static FunctionsStartup Create(Type type) =>
        Activator.CreateInstance(type) as FunctionsStartup
            ?? throw new InvalidOperationException($"{type.FullName} named by [FunctionsStartup] is not a FunctionsStartup.");
}
