using CompliancePortal.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CompliancePortal;

/// <summary>The one way a configuration section is read: bound to its <see cref="ISettings"/> class and checked.</summary>
public static class SettingsSetup
{
    /// <summary>
    /// Registers <typeparamref name="T"/> (as <c>IOptions&lt;T&gt;</c> and as itself), checked at start-up,
    /// and returns its value now, checked too, for choices the composition makes (which store, which
    /// services).
    /// </summary>
    public static T AddSettings<T>(this WebApplicationBuilder builder) where T : class, ISettings, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(T.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, SettingsValidation<T>>());
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return builder.Configuration.ReadSettings<T>();
    }

    /// <summary>The section's value, checked; what the command-line verbs use (they build no host).</summary>
    public static T ReadSettings<T>(this IConfiguration configuration) where T : class, ISettings, new()
    {
        var value = configuration.GetSection(T.Section).Get<T>() ?? new T();
        return value.Problem() is { } problem ? throw new OptionsValidationException(T.Section, typeof(T), [problem]) : value;
    }

    private sealed class SettingsValidation<T> : IValidateOptions<T> where T : class, ISettings
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
